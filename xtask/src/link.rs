//! The widget's linker for release builds: `rust-lld`, minus the exports nothing calls.
//!
//! leptos's `server_fn` depends on wasm-streams, whose `#[wasm_bindgen]` classes
//! (`IntoUnderlyingSink`, `IntoUnderlyingSource`, `IntoUnderlyingByteSource`) rustc exports
//! from every cdylib that links it. Exported, their code is live for the linker, and the
//! closures it creates get slots in the function table; the table is exported for the wasm
//! chunks, so no later pass can remove them, even once the exports are gone. Dropping their
//! `--export` arguments here lets the linker collect that code before anything else sees it.
//!
//! xtask is its own linker: `compile_nightly` passes the xtask binary as cargo's linker for
//! wasm32 with [`LLD_ENV`] naming the real `rust-lld`, and `main` calls [`run`] when that
//! variable is set. Arguments in a response file (`@file`, which rustc only writes when a
//! command line is too long for the system) pass through unfiltered: the build still works, the
//! wasm is only larger, as `cargo xtask build-widget` shows against the budget.

use std::ffi::{OsStr, OsString};
use std::process::{Command, ExitCode};

/// The variable that holds the path of the real `rust-lld`.
pub const LLD_ENV: &str = "BATON_XTASK_LLD";

/// Exports whose name contains this are dropped (wasm-bindgen lowercases class names).
const UNUSED_EXPORT: &str = "intounderlying";

/// Runs `lld` with the arguments xtask was given, the unused exports removed.
pub fn run(lld: &OsStr) -> ExitCode {
    let args = without_unused_exports(std::env::args_os().skip(1));
    match Command::new(lld).args(args).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: cannot run {}: {err}", lld.to_string_lossy());
            ExitCode::FAILURE
        }
    }
}

/// The linker arguments without `--export <name>` and `--export=<name>` for unused exports.
fn without_unused_exports(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let unused = |name: &OsStr| name.to_string_lossy().contains(UNUSED_EXPORT);
    let mut out = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--export" {
            match args.next() {
                Some(name) if unused(&name) => {}
                Some(name) => out.extend([arg, name]),
                None => out.push(arg),
            }
        } else if arg.to_string_lossy().starts_with("--export=") && unused(&arg) {
            continue;
        } else {
            out.push(arg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::without_unused_exports;

    #[test]
    fn only_the_exports_of_stream_classes_are_dropped() {
        let args = [
            "-flavor",
            "wasm",
            "--export",
            "mount_0df9",
            "--export",
            "intounderlyingsink_write_58a9",
            "--export=__wbg_intounderlyingsource_free_58a9",
            "--export=widget_open",
            "--export",
            "__wbindgen_describe___wbg_new_with_underlying_sink_6b48",
            "--gc-sections",
        ]
        .map(OsString::from);
        let kept = without_unused_exports(args);
        assert_eq!(
            kept,
            [
                "-flavor",
                "wasm",
                "--export",
                "mount_0df9",
                "--export=widget_open",
                "--export",
                "__wbindgen_describe___wbg_new_with_underlying_sink_6b48",
                "--gc-sections",
            ]
            .map(OsString::from)
        );
    }
}
