//! `swgate list`: every check with its description and parameters.
//!
//! The table is read from the registry and the parameter structs' JSON Schema (the same one
//! `swgate schema` prints), not written by hand, so it cannot drift from what the parser takes.

use serde_json::{Map, Value};

use crate::checks::check_schemas;

/// Output width the table is wrapped to.
const WIDTH: usize = 100;

/// The `swgate list` text: a usage line, then one block per check in registry order.
pub fn render_check_list() -> String {
    let mut generator = crate::spec::schema_generator();
    let checks = check_schemas(&mut generator);
    let definitions = generator.definitions().clone();
    let mut out = String::from(
        "Use a check by name (`- caches-pruned`), or with parameters \
         (`- kill-switch: { navigations: 3 }`).\n",
    );
    for check in &checks {
        out.push('\n');
        out.push_str(check.name);
        out.push('\n');
        for line in wrap(check.about, WIDTH - 2) {
            out.push_str(&format!("  {line}\n"));
        }
        let params = resolve(&definitions, check.params.as_value());
        out.push_str(&render_params(&definitions, params));
    }
    out
}

/// One row per parameter: name, type, default (or `required`), description wrapped under
/// itself.
fn render_params(definitions: &Map<String, Value>, params: &Value) -> String {
    let required: Vec<&str> = params
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let rows: Vec<[String; 4]> = params
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            let default = if required.contains(&name.as_str()) {
                "required".to_string()
            } else {
                schema.get("default").map_or("-".into(), show_value)
            };
            let about = schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .replace('\n', " ");
            [name.clone(), type_name(definitions, schema), default, about]
        })
        .collect();
    let widths: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let indent = 4 + widths.iter().map(|w| w + 2).sum::<usize>();
    let mut out = String::new();
    for [name, ty, default, about] in &rows {
        let mut lines = wrap(about, WIDTH.saturating_sub(indent).max(30)).into_iter();
        out.push_str(&format!(
            "    {name:<w0$}  {ty:<w1$}  {default:<w2$}  {}",
            lines.next().unwrap_or_default(),
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        ));
        out = out.trim_end().to_string();
        out.push('\n');
        for line in lines {
            out.push_str(&format!("{:indent$}{line}\n", ""));
        }
    }
    out
}

/// Follows a `$ref` (or draft-07's `allOf: [{$ref}]` wrapper) to its definition.
fn resolve<'a>(definitions: &'a Map<String, Value>, schema: &'a Value) -> &'a Value {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
    {
        if let Some(definition) = definitions.get(name) {
            return resolve(definitions, definition);
        }
    }
    match schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([one]) => resolve(definitions, one),
        _ => schema,
    }
}

/// A short type for the table: `integer >= 1`, `URL path`, `fail|warn`, `list of strings`.
fn type_name(definitions: &Map<String, Value>, schema: &Value) -> String {
    let schema = resolve(definitions, schema);
    if let Some(title) = schema.get("title").and_then(Value::as_str) {
        return title.to_string();
    }
    for key in ["anyOf", "oneOf"] {
        let Some(options) = schema.get(key).and_then(Value::as_array) else {
            continue;
        };
        let options: Vec<&Value> = options
            .iter()
            .filter(|o| o.get("type") != Some(&Value::from("null")))
            .collect();
        if let [one] = options.as_slice() {
            return type_name(definitions, one);
        }
        let consts: Option<Vec<String>> = options
            .iter()
            .map(|o| o.get("const").map(show_value))
            .collect();
        if let Some(consts) = consts {
            return consts.join("|");
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("any"),
        _ => "any",
    };
    match ty {
        "integer" | "number" => {
            let mut out = ty.to_string();
            if let Some(min) = schema.get("minimum") {
                out.push_str(&format!(" >= {min}"));
            } else if let Some(min) = schema.get("exclusiveMinimum") {
                out.push_str(&format!(" > {min}"));
            }
            out
        }
        "boolean" => "bool".into(),
        "array" => {
            let items = schema
                .get("items")
                .map_or("any".into(), |i| type_name(definitions, i));
            format!("list of {items}s")
        }
        other => other.to_string(),
    }
}

/// A default or constant as a spec would write it.
fn show_value(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(show_value).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// Greedy word wrap to `width` columns (a longer word gets a line of its own).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_fits_in_100_columns() {
        let list = render_check_list();
        for line in list.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line:?}");
        }
    }

    #[test]
    fn every_check_and_parameter_is_listed() {
        let list = render_check_list();
        for (name, _) in crate::checks::CHECKS {
            assert!(list.contains(&format!("\n{name}\n")), "{name} missing");
        }
        assert!(
            list.contains("    visits   visit kinds   [new-tab, reload]  How the returning user"),
            "{list}"
        );
        assert!(
            list.lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>()[..]
                    .starts_with(&["action", "page", "action", "required", "What", "the", "app"])),
            "{list}"
        );
    }

    #[test]
    fn wrap_breaks_between_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("toolongword x", 4), ["toolongword", "x"]);
        assert!(wrap("", 10).is_empty());
    }
}
