//! URL paths as a static server reads them: one rule for the spec loader (does `start:` exist
//! in every deploy?), the fixture server (which file answers?) and the checks.

/// The path without its query and fragment: `/sw.js?v=2#x` → `/sw.js`.
pub fn strip_query(path: &str) -> &str {
    path.split(['?', '#']).next().unwrap_or(path)
}

/// The files a static server answers `url_path` with, in the order it tries them, as paths
/// under the deploy root with a leading `/`: `/` and `/dir/` → `index.html` in that directory;
/// `/about` → `/about`, then `/about/index.html` (as nginx's `try_files $uri $uri/` does).
pub fn files_for_url_path(url_path: &str) -> Vec<String> {
    let path = strip_query(url_path);
    let path = if path.is_empty() { "/" } else { path };
    if path.ends_with('/') {
        vec![format!("{path}index.html")]
    } else {
        vec![path.to_string(), format!("{path}/index.html")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_path_maps_to_the_files_a_static_server_tries() {
        assert_eq!(files_for_url_path("/"), ["/index.html"]);
        assert_eq!(files_for_url_path("/a/"), ["/a/index.html"]);
        assert_eq!(
            files_for_url_path("/sw.js?x=1"),
            ["/sw.js", "/sw.js/index.html"]
        );
        assert_eq!(
            files_for_url_path("/about"),
            ["/about", "/about/index.html"]
        );
        assert_eq!(strip_query("/a?b#c"), "/a");
        assert_eq!(strip_query("/a#c?d"), "/a");
    }
}
