//! What a user does later in a session, as a spec names it: click an element, or evaluate an
//! expression (e.g. a dynamic `import()` of a lazy chunk).

use std::fmt;
use std::time::Duration;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::browser::ScenarioPage;

use super::error::ScenarioError;
use super::kit::Scenario;

/// `{ click: "#update" }` or `{ eval: "import('/assets/lazy.js')" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAction {
    /// Wait (bounded) for a visible element matching the CSS selector, then click it.
    Click(String),
    /// Evaluate a JS expression in the page, awaiting a returned promise.
    Eval(String),
}

impl fmt::Display for PageAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageAction::Click(s) => write!(f, "click `{s}`"),
            PageAction::Eval(e) => write!(f, "eval `{e}`"),
        }
    }
}

/// How an action went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    /// It ran.
    Done,
    /// The element to click never became visible within the bound.
    NotFound,
    /// The expression threw or its promise rejected.
    Failed(String),
}

impl PageAction {
    /// What the action acts on, for messages: the selector, or the expression.
    pub fn target(&self) -> String {
        match self {
            PageAction::Click(s) | PageAction::Eval(s) => format!("`{s}`"),
        }
    }

    /// Performs the action in `page` (the scenario's page or one of its tabs); `appear` bounds
    /// how long a `click` waits for its element.
    pub(crate) async fn perform(
        &self,
        s: &Scenario,
        page: &ScenarioPage,
        appear: Duration,
    ) -> Result<ActionOutcome, ScenarioError> {
        match self {
            PageAction::Click(selector) => {
                let sel = serde_json::to_string(selector).unwrap_or_default();
                // The wait runs in the page: a MutationObserver resolves as soon as the element
                // is visible, an in-page timer bounds it.
                let expr = format!(
                    "new Promise((resolve) => {{
                        const visible = () => {{ const e = document.querySelector({sel}); return !!e && !e.hidden && e.getClientRects().length > 0; }};
                        if (visible()) return resolve(true);
                        const timer = setTimeout(() => {{ observer.disconnect(); resolve(false); }}, {ms});
                        const observer = new MutationObserver(() => {{ if (visible()) {{ observer.disconnect(); clearTimeout(timer); resolve(true); }} }});
                        observer.observe(document, {{ subtree: true, childList: true, attributes: true }});
                    }})",
                    ms = appear.as_millis()
                );
                if page.evaluate(&expr).await? != serde_json::Value::Bool(true) {
                    s.note(format!(
                        "`{selector}` did not appear within {}s",
                        appear.as_secs()
                    ));
                    return Ok(ActionOutcome::NotFound);
                }
                page.evaluate(&format!("document.querySelector({sel}).click()"))
                    .await?;
                s.note(format!("clicked `{selector}`"));
                Ok(ActionOutcome::Done)
            }
            PageAction::Eval(expr) => match page.evaluate(expr).await {
                Ok(_) => {
                    s.note(format!("evaluated `{expr}`"));
                    Ok(ActionOutcome::Done)
                }
                Err(crate::browser::BrowserError::Page(msg)) => {
                    let prefix = format!("`{expr}` threw: ");
                    let msg = msg.strip_prefix(&prefix).map_or(msg.clone(), str::to_owned);
                    s.note(format!("evaluating `{expr}` failed: {msg}"));
                    Ok(ActionOutcome::Failed(msg))
                }
                Err(e) => Err(e.into()),
            },
        }
    }
}

impl schemars::JsonSchema for PageAction {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PageAction".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::spec::one_key_schema(
            Some("page action"),
            "`click: SELECTOR` (wait for a visible element, then click it) or `eval: EXPRESSION` (evaluate it in the page, awaiting a returned promise).",
            &[
                ("click", "A CSS selector of the element to click."),
                ("eval", "A JS expression to evaluate in the page."),
            ],
        )
    }
}

impl<'de> Deserialize<'de> for PageAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ActionVisitor;
        impl<'de> Visitor<'de> for ActionVisitor {
            type Value = PageAction;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`click: SELECTOR` or `eval: EXPRESSION`")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PageAction, A::Error> {
                Ok(match crate::spec::one_key_of(map, &["click", "eval"])? {
                    ("click", value) => PageAction::Click(value),
                    (_, value) => PageAction::Eval(value),
                })
            }
        }
        d.deserialize_map(ActionVisitor)
    }
}
