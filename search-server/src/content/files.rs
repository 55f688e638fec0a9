//! The files of a knowledge base as bytes in memory, read from a folder or from a publish
//! bundle, so that checking, hashing and publishing all see exactly the same input.
//!
//! Paths are relative, `/`-separated and checked when they enter ([`RelPath::new`]): no `..`,
//! no absolute paths, no hidden files. Sizes are limited so that no file or bundle can exhaust
//! memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;

/// Largest Markdown or TOML file.
pub const MAX_TEXT_FILE_BYTES: usize = 1024 * 1024;
/// Largest asset (image or attachment).
pub const MAX_ASSET_BYTES: usize = 10 * 1024 * 1024;
/// Largest knowledge base, all files together.
pub const MAX_TOTAL_BYTES: usize = 200 * 1024 * 1024;
/// Most files in a knowledge base.
pub const MAX_FILES: usize = 50_000;

/// A checked relative path inside the content folder, such as `articles/en/reset.md`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RelPath(String);

impl RelPath {
    /// Accepts `a/b/c.md`: components of letters, digits, `-`, `_` and `.`, none hidden (no
    /// leading `.`, so no `..`), at most 255 bytes in all.
    pub fn new(path: &str) -> Result<RelPath, String> {
        let well_formed = !path.is_empty()
            && path.len() <= 255
            && path.split('/').all(|part| {
                !part.is_empty()
                    && !part.starts_with('.')
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            });
        if well_formed {
            Ok(RelPath(path.to_owned()))
        } else {
            Err(format!(
                "'{}' is not an allowed file path: use relative paths of letters, digits, `-`, \
                 `_` and `.`, separated by `/`, with no `..` and no hidden files",
                path.escape_debug()
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The files of a knowledge base, by relative path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentFiles {
    /// Shown before relative paths in diagnostics (the folder they were read from, or empty).
    pub root: PathBuf,
    files: BTreeMap<RelPath, Vec<u8>>,
}

impl ContentFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ContentFiles {
            root: root.into(),
            files: BTreeMap::new(),
        }
    }

    /// Adds a file, checking its path and size.
    pub fn insert(&mut self, path: &str, bytes: Vec<u8>) -> Result<(), String> {
        let rel = RelPath::new(path)?;
        let limit = if path.starts_with("assets/") {
            MAX_ASSET_BYTES
        } else {
            MAX_TEXT_FILE_BYTES
        };
        if bytes.len() > limit {
            return Err(format!(
                "{path} is {} bytes; files here may be at most {limit} bytes",
                bytes.len()
            ));
        }
        if self.files.len() >= MAX_FILES {
            return Err(format!("too many files: at most {MAX_FILES}"));
        }
        if self.total_bytes() + bytes.len() > MAX_TOTAL_BYTES {
            return Err(format!(
                "the knowledge base would exceed {MAX_TOTAL_BYTES} bytes"
            ));
        }
        self.files.insert(rel, bytes);
        Ok(())
    }

    /// Reads every file under `dir` (skipping hidden files and folders such as `.git`).
    /// Unreadable, oversized or badly named files are reported, and left out.
    pub fn read_dir(dir: &Path) -> (ContentFiles, Vec<Diagnostic>) {
        let mut files = ContentFiles::new(dir);
        let mut problems = Vec::new();
        if !dir.is_dir() {
            problems.push(
                Diagnostic::in_file(dir, "is not a folder")
                    .with_hint("point at the knowledge base folder, the one with site.toml in it"),
            );
            return (files, problems);
        }
        let mut stack = vec![(dir.to_owned(), String::new())];
        while let Some((folder, prefix)) = stack.pop() {
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(e) => {
                    problems.push(Diagnostic::in_file(
                        &folder,
                        format!("cannot read the folder: {e}"),
                    ));
                    continue;
                }
            };
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || name.ends_with('~') {
                    continue;
                }
                let rel = format!("{prefix}{name}");
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push((path, format!("{rel}/")));
                    continue;
                }
                if !kind.is_file() {
                    problems.push(
                        Diagnostic::in_file(&path, "is not a regular file")
                            .with_hint("copy the file here instead of linking it"),
                    );
                    continue;
                }
                let size = entry.metadata().map_or(0, |m| m.len());
                if size > MAX_ASSET_BYTES as u64 {
                    problems.push(Diagnostic::in_file(
                        &path,
                        format!("is {size} bytes, more than the {MAX_ASSET_BYTES} allowed"),
                    ));
                    continue;
                }
                let bytes = match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        problems.push(Diagnostic::in_file(&path, format!("cannot read: {e}")));
                        continue;
                    }
                };
                if let Err(message) = files.insert(&rel, bytes) {
                    problems.push(Diagnostic::in_file(&path, message));
                }
            }
        }
        (files, problems)
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(&RelPath(path.to_owned())).map(Vec::as_slice)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Every file, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }

    /// Where a relative path is shown in diagnostics.
    pub fn display_path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The content version: the first 16 hex digits of a SHA-256 over every path and its bytes.
    /// Equal files give an equal version, on any machine.
    pub fn version(&self) -> String {
        let mut hasher = Sha256::new();
        for (name, bytes) in self.iter() {
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let digest = hasher.finalize();
        let mut version = String::with_capacity(16);
        for byte in &digest[..8] {
            let _ = write!(version, "{byte:02x}");
        }
        version
    }

    /// The files as a publish bundle, versioned with their content hash.
    pub fn to_bundle(&self) -> Bundle {
        let engine = base64::engine::general_purpose::STANDARD;
        Bundle {
            version: self.version(),
            files: self
                .iter()
                .map(|(path, bytes)| BundleFile {
                    path: path.to_owned(),
                    base64: engine.encode(bytes),
                })
                .collect(),
        }
    }

    /// The files of a bundle, after checking every path and size and that the bundle's version
    /// is the hash of its files. Every problem is reported.
    pub fn from_bundle(bundle: &Bundle) -> Result<ContentFiles, Vec<Diagnostic>> {
        let engine = base64::engine::general_purpose::STANDARD;
        let mut files = ContentFiles::new("");
        let mut problems = Vec::new();
        for file in &bundle.files {
            let shown = Path::new(&file.path);
            match engine.decode(&file.base64) {
                Err(e) => problems.push(Diagnostic::in_file(
                    shown,
                    format!("the bundle entry is not valid base64: {e}"),
                )),
                Ok(bytes) => {
                    if files.contains(&file.path) {
                        problems.push(Diagnostic::in_file(shown, "is twice in the bundle"));
                    } else if let Err(message) = files.insert(&file.path, bytes) {
                        problems.push(Diagnostic::in_file(shown, message));
                    }
                }
            }
        }
        if problems.is_empty() && files.version() != bundle.version {
            problems.push(
                Diagnostic::in_file(
                    Path::new("bundle"),
                    format!(
                        "the bundle says it is version {} but its files hash to {}",
                        bundle.version.escape_debug(),
                        files.version()
                    ),
                )
                .with_hint("the upload was damaged or changed; run `baton publish` again"),
            );
        }
        if problems.is_empty() {
            Ok(files)
        } else {
            Err(problems)
        }
    }
}

/// What `baton publish` uploads: every file of the knowledge base, and the content hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub version: String,
    pub files: Vec<BundleFile>,
}

/// One file of a [`Bundle`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    pub path: String,
    pub base64: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_escape_the_folder_are_refused() {
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "assets/../../x",
            "a//b",
            ".hidden",
            "assets/.env",
            "a\\b",
            "a/b/",
            "",
            "ümlaut.md",
        ] {
            assert!(RelPath::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(RelPath::new("assets/hub-front.v2.png").is_ok());
    }

    #[test]
    fn a_bundle_round_trips_and_its_version_is_checked() {
        let mut files = ContentFiles::new("");
        files.insert("site.toml", b"x".to_vec()).expect("ok");
        files.insert("assets/a.png", vec![0, 255, 1]).expect("ok");
        let bundle = files.to_bundle();
        assert_eq!(ContentFiles::from_bundle(&bundle).expect("valid"), files);

        let mut tampered = bundle.clone();
        tampered.files[0].base64 = "eQ==".into();
        let err = ContentFiles::from_bundle(&tampered).expect_err("wrong hash");
        assert!(err[0].message.contains("hash to"), "{:?}", err);
    }

    #[test]
    fn oversized_files_are_refused() {
        let mut files = ContentFiles::new("");
        let err = files
            .insert("articles/en/big.md", vec![b'a'; MAX_TEXT_FILE_BYTES + 1])
            .expect_err("too big");
        assert!(err.contains("at most"), "{err}");
    }
}
