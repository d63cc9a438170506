//! The `from`/`to` deploy parameters shared by checks that judge a transition N → N+1.

use crate::spec::Spec;

/// Resolves a check's `from` (installed, N) and `to` (deployed next, N+1) deploy names against
/// the spec, defaulting to its first and second deploys, or says what is wrong.
pub(crate) fn resolve_pair(
    from: Option<&str>,
    to: Option<&str>,
    spec: &Spec,
) -> Result<(String, String), String> {
    resolve_pair_as(from, to, "to", spec)
}

/// [`resolve_pair`] where the second deploy's parameter has another name (`broken`,
/// `deploy`), so messages name the key the spec author wrote.
pub(crate) fn resolve_pair_as(
    from: Option<&str>,
    to: Option<&str>,
    to_key: &str,
    spec: &Spec,
) -> Result<(String, String), String> {
    let pick = |name: Option<&str>, index: usize, role: &str| match name {
        Some(n) if spec.deploy(n).is_some() => Ok(n.to_string()),
        Some(n) => Err(format!(
            "`{role}: {n}` names no deploy; the spec deploys {}",
            spec.deploys
                .iter()
                .map(|d| format!("`{}`", d.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
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
