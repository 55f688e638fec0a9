//! Errors that point at a place in a file, printed the way compilers do: `path:line:col: message`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a content or configuration file, for the person who wrote the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl Diagnostic {
    /// A problem with the file as a whole (or whose place is unknown).
    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            position: None,
            message: message.into(),
        }
    }

    /// A problem at a 1-based line and column.
    pub fn at(path: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            position: Some((line, col)),
            message: message.into(),
        }
    }

    /// A problem at a byte offset into `text`, which starts at 1-based `first_line` of the file.
    pub fn at_offset(
        path: &Path,
        text: &str,
        offset: usize,
        first_line: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, col) = line_col(text, offset);
        Diagnostic::at(path, line + first_line - 1, col, message)
    }
}

/// The 1-based line and column (in characters) of a byte offset; offsets past the end or inside
/// a character are clamped.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => {
                write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message)
            }
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// One or more [`Diagnostic`]s, all reported at once so an author can fix them in one go.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in content:",
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.0 {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_columns() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 999), (3, 2));
    }

    #[test]
    fn display_names_the_place() {
        let d = Diagnostic::at(Path::new("a/b.md"), 3, 7, "oops");
        assert_eq!(d.to_string(), "a/b.md:3:7: oops");
        assert_eq!(
            Diagnostic::in_file(Path::new("x"), "bad").to_string(),
            "x: bad"
        );
    }
}
