//! A build directory's files as URL paths, with the text of the readable ones: what the scan
//! and the heuristics read.

use std::path::{Component, Path, PathBuf};

use super::InitError;

/// Files larger than this are not read for source patterns (minified bundles stay well under).
pub(super) const MAX_READ_BYTES: u64 = 4 * 1024 * 1024;

/// A build directory holding more files than this is scanned only this far.
pub(super) const MAX_FILES: usize = 20_000;

/// One build directory's files, as URL paths, with the text of the readable ones.
pub(super) struct BuildFiles {
    /// `(url path, absolute file)` in path order.
    pub(super) files: Vec<(String, PathBuf)>,
}

impl BuildFiles {
    pub(super) fn read(dir: &Path) -> Result<Self, InitError> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let entries = std::fs::read_dir(&current).map_err(|source| InitError::Io {
                action: "read",
                path: current.clone(),
                source,
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                // Dot directories and dependencies are not what the server serves to users.
                if name.starts_with('.') || name == "node_modules" {
                    continue;
                }
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(path);
                } else if kind.is_file() && files.len() < MAX_FILES {
                    let rel = path.strip_prefix(dir).unwrap_or(&path);
                    files.push((url_path_of(rel), path));
                }
            }
        }
        files.sort();
        Ok(BuildFiles { files })
    }

    pub(super) fn text(&self, url: &str) -> Option<String> {
        let (_, file) = self.files.iter().find(|(u, _)| u == url)?;
        read_small(file)
    }

    pub(super) fn has(&self, url: &str) -> bool {
        self.files.iter().any(|(u, _)| u == url)
    }

    pub(super) fn with_ext<'a>(
        &'a self,
        exts: &'a [&str],
    ) -> impl Iterator<Item = &'a (String, PathBuf)> {
        self.files.iter().filter(move |(u, _)| {
            Path::new(u)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
    }
}

pub(super) fn read_small(file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    if meta.len() > MAX_READ_BYTES {
        return None;
    }
    String::from_utf8(std::fs::read(file).ok()?).ok()
}

pub(super) fn url_path_of(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    format!("/{}", parts.join("/"))
}
