//! Problems that point at a place in a file, printed the way compilers do:
//! `path:line:col: error: message`, then a hint line.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is: errors stop a publish, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A problem in a content or configuration file, for the person who wrote the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub severity: Severity,
    pub message: String,
    /// What to write instead, when there is something useful to say.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error with the file as a whole (or whose place is unknown).
    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            position: None,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
        }
    }

    /// An error at a 1-based line and column.
    pub fn at(path: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            position: Some((line, col)),
            ..Diagnostic::in_file(path, message)
        }
    }

    /// An error at a byte offset into `text`, which starts at 1-based `first_line` of the file.
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

    /// The same problem, as a warning.
    #[must_use]
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same problem, with a hint on how to fix it.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The problem as a compiler prints it: `path:line:col: error: message`, and on a second
    /// line `  = hint: ...` when there is a hint.
    pub fn report(&self) -> String {
        let mut out = format!("{}: {}: {}", self.place(), self.severity, self.message);
        if let Some(hint) = &self.hint {
            out.push_str("\n  = hint: ");
            out.push_str(hint);
        }
        out
    }

    fn place(&self) -> String {
        match self.position {
            Some((line, col)) => format!("{}:{line}:{col}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    /// A diagnostic for a TOML parse error in `text` (which starts on `first_line` of `path`),
    /// with a did-you-mean hint for unknown keys.
    pub fn from_toml(path: &Path, text: &str, first_line: usize, e: &toml::de::Error) -> Self {
        let message = e.message().trim().to_owned();
        let offset = e.span().map_or(0, |s| s.start);
        let hint = unknown_key_hint(&message);
        let d = Diagnostic::at_offset(path, text, offset, first_line, message);
        match hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    }
}

/// `{"path","line","col","severity","message","hint"}`, for `baton check --format json` and
/// the admin API.
impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Diagnostic", 6)?;
        st.serialize_field("path", &self.path.to_string_lossy())?;
        st.serialize_field("line", &self.position.map(|p| p.0))?;
        st.serialize_field("col", &self.position.map(|p| p.1))?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("hint", &self.hint)?;
        st.end()
    }
}

/// For serde's "unknown field `titel`, expected one of `title`, `summary`": "did you mean
/// `title`?", or the list of keys when nothing is close.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match did_you_mean(unknown, candidates.iter().copied()) {
        Some(best) => Some(format!("did you mean `{best}`?")),
        None if !candidates.is_empty() => Some(format!(
            "the keys allowed here are {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => None,
    }
}

/// The candidate closest to `word` (case-insensitive edit distance, a swap of two neighbouring
/// letters counting once), if it is close enough to be a likely typo; a word that starts the
/// other (`sunday` for `sun`) counts as close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let lower = c.to_lowercase();
            let prefix = lower.len().min(word.len()) >= 3
                && (lower.starts_with(&word) || word.starts_with(&lower));
            let distance = if prefix {
                1
            } else {
                edit_distance(&word, &lower)
            };
            (distance, lower.chars().count().max(word.chars().count()), c)
        })
        .filter(|(d, len, _)| *d <= (len / 3).max(1))
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, _, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// neighbouring characters each cost 1.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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

/// `path:line:col: message` (the severity and hint are in [`Diagnostic::report`]).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.message)
    }
}

/// One or more [`Diagnostic`]s, all reported at once so an author can fix them in one go.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.0.len() - self.errors()
    }
}

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

    #[test]
    fn a_report_reads_like_a_compiler_message_with_a_hint() {
        let d = Diagnostic::at(Path::new("a.md"), 2, 1, "unknown field `titel`")
            .warning()
            .with_hint("did you mean `title`?");
        assert_eq!(
            d.report(),
            "a.md:2:1: warning: unknown field `titel`\n  = hint: did you mean `title`?"
        );
    }

    #[test]
    fn unknown_keys_get_the_closest_known_key() {
        let hint = unknown_key_hint("unknown field `titel`, expected one of `title`, `summary`");
        assert_eq!(hint.as_deref(), Some("did you mean `title`?"));
        let hint = unknown_key_hint("unknown field `zzz`, expected `title` or `summary`");
        assert_eq!(
            hint.as_deref(),
            Some("the keys allowed here are `title`, `summary`")
        );
        assert_eq!(
            did_you_mean("catgory", ["category", "tags"]),
            Some("category")
        );
        assert_eq!(did_you_mean("x", ["category"]), None);
    }
}
