use std::io::Write as _;

use anyhow::bail;
use serde::Serialize;

use crate::cli::{CheckArgs, OutputFormat};
use crate::content::Library;
use crate::diagnostic::Diagnostic;

/// What `baton check --format json` prints.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub errors: usize,
    pub warnings: usize,
    /// The content version, when there is no error.
    pub version: Option<&'a str>,
    pub articles: usize,
    pub diagnostics: &'a [Diagnostic],
}

/// `baton check [DIR]`: prints every problem, then a summary; fails when there is an error.
pub fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let checked = Library::check_dir(&args.dir);
    let (errors, warnings) = (checked.errors(), checked.warnings());
    let articles = checked.library.as_ref().map_or(0, Library::article_count);
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            let report = CheckReport {
                errors,
                warnings,
                version: checked.library.as_ref().map(|l| l.version.as_str()),
                articles,
                diagnostics: &checked.diagnostics,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        OutputFormat::Text => {
            for d in &checked.diagnostics {
                writeln!(out, "{}", d.report())?;
            }
            let summary = summary(errors, warnings);
            match &checked.library {
                Some(library) => writeln!(
                    out,
                    "{}: {articles} articles in {} locales, version {}: {summary}",
                    args.dir.display(),
                    library.site.locales.len(),
                    library.version
                )?,
                None => writeln!(out, "{}: {summary}", args.dir.display())?,
            }
        }
    }
    out.flush()?;
    if errors > 0 {
        bail!("{} has {}", args.dir.display(), plural(errors, "error"));
    }
    Ok(())
}

/// "2 errors, 1 warning" or "no problems".
pub fn summary(errors: usize, warnings: usize) -> String {
    if errors + warnings == 0 {
        "no problems".to_owned()
    } else {
        format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
