//! Parameter pieces checks share: URL paths validated inside their serde visitor (so errors
//! carry the spec's line and column), and deploy names resolved against the spec.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use super::plan::Spec;

/// Deserializes an absolute URL path such as `/api/user`.
pub fn url_path<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct PathVisitor;
    impl<'de> Visitor<'de> for PathVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a URL path such as `/api/user`")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            if !v.starts_with('/') || v.starts_with("//") || v.contains(char::is_whitespace) {
                return Err(E::custom(format!(
                    "expected a URL path starting with `/` (e.g. `/api/user`), found `{v}`"
                )));
            }
            Ok(v.to_string())
        }
    }
    d.deserialize_str(PathVisitor)
}

/// Deserializes a list of absolute URL paths (at least one).
pub fn url_paths<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct PathsVisitor;
    impl<'de> Visitor<'de> for PathsVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of URL paths, e.g. `[/api/visits, /api/visits]`")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            #[derive(serde::Deserialize)]
            struct OnePath(#[serde(deserialize_with = "url_path")] String);
            let mut out = Vec::new();
            while let Some(OnePath(p)) = seq.next_element()? {
                out.push(p);
            }
            if out.is_empty() {
                return Err(de::Error::custom(
                    "the list is empty: give at least one URL path",
                ));
            }
            Ok(out)
        }
    }
    d.deserialize_seq(PathsVisitor)
}

/// `name` when the spec deploys it, else an error naming the parameter (`role: name`) and the
/// deploys the spec has.
fn named_deploy(spec: &Spec, role: &str, name: &str) -> Result<String, String> {
    if spec.deploy(name).is_some() {
        return Ok(name.to_string());
    }
    Err(format!(
        "`{role}: {name}` names no deploy; the spec deploys {}",
        spec.deploys
            .iter()
            .map(|d| format!("`{}`", d.name))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A deploy a check parameter names (`from:`, `to:`, `deploy:`), or its default. The loader
/// resolves it once against the spec (`CheckParams::resolve`), so a check reads the name and
/// never resolves it again.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct DeployRef(Option<String>);

impl DeployRef {
    /// A reference to the deploy `name`.
    pub fn named(name: impl Into<String>) -> Self {
        DeployRef(Some(name.into()))
    }

    /// The name the spec gave, before resolution.
    pub fn given(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The deploy's name. Every check's references are resolved when its spec loads; an
    /// unresolved one here is a bug in the check's `resolve`.
    pub fn name(&self) -> &str {
        self.0
            .as_deref()
            .expect("deploy references are resolved when the spec loads")
    }
}

/// Resolves a single-deploy check's `deploy`: the deploy named, or the spec's first.
pub fn resolve_first(deploy: &mut DeployRef, spec: &Spec) -> Result<(), String> {
    *deploy = DeployRef::named(deploy_or_first(deploy.given(), spec)?);
    Ok(())
}

/// Resolves a transition's `from` (N) and second deploy (N+1, under the parameter name
/// `to_key`), defaulting to the spec's first and second deploys.
pub fn resolve_transition(
    from: &mut DeployRef,
    to: &mut DeployRef,
    to_key: &str,
    spec: &Spec,
) -> Result<(), String> {
    let (f, t) = resolve_pair_as(from.given(), to.given(), to_key, spec)?;
    *from = DeployRef::named(f);
    *to = DeployRef::named(t);
    Ok(())
}

/// The deploy named by a single-deploy check's `deploy` parameter, or the spec's first.
fn deploy_or_first(name: Option<&str>, spec: &Spec) -> Result<String, String> {
    match name {
        Some(n) => named_deploy(spec, "deploy", n),
        None => spec
            .deploys
            .first()
            .map(|d| d.name.clone())
            .ok_or_else(|| "the spec has no deploy".to_string()),
    }
}

/// Resolves `from` (installed, N) and the next deploy (N+1, parameter `to_key`: `to`, `broken`,
/// `deploy`, so messages name the key the spec author wrote), defaulting to the spec's first and
/// second deploys, or says what is wrong.
fn resolve_pair_as(
    from: Option<&str>,
    to: Option<&str>,
    to_key: &str,
    spec: &Spec,
) -> Result<(String, String), String> {
    let pick = |name: Option<&str>, index: usize, role: &str| match name {
        Some(n) => named_deploy(spec, role, n),
        None => spec
            .deploys
            .get(index)
            .map(|d| d.name.clone())
            .ok_or_else(|| {
                format!(
                    "needs two deploys (N and N+1) but the spec lists {}",
                    spec.deploys.len()
                )
            }),
    };
    let from = pick(from, 0, "from")?;
    let to = pick(to, 1, to_key)?;
    if from == to {
        return Err(format!("`from` and `{to_key}` are both `{from}`"));
    }
    Ok((from, to))
}

/// Deserializes a whole number of at least 1 (a count of reloads, entries, bytes) that fits
/// `T`, checked inside the visitor so the error points at the number.
pub fn positive<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    struct PositiveVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: TryFrom<u64>> Visitor<'de> for PositiveVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number of at least 1")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            if v == 0 {
                return Err(E::custom("expected a number of at least 1, found 0"));
            }
            T::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => Err(E::custom(format!(
                    "expected a number of at least 1, found {v}"
                ))),
            }
        }
    }
    d.deserialize_u64(PositiveVisitor(std::marker::PhantomData))
}

/// Deserializes a positive number of seconds (at most an hour), checked inside the visitor.
pub fn positive_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct SecsVisitor;
    impl<'de> Visitor<'de> for SecsVisitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number of seconds greater than 0, e.g. `4` or `2.5`")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            if v.is_finite() && v > 0.0 && v <= 3600.0 {
                Ok(v)
            } else {
                Err(E::custom(format!(
                    "expected a number of seconds greater than 0 and at most 3600, found {v}"
                )))
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            self.visit_f64(v as f64)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            self.visit_f64(v as f64)
        }
    }
    d.deserialize_f64(SecsVisitor)
}
