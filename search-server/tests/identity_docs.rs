//! The hash snippets of `docs/identity.md` compute Baton's test vector.

use std::process::Command;

const DOC: &str = include_str!("../../docs/identity.md");
const SECRET: &str = "baton-test-secret";
const ID: &str = "user-42";
const VECTOR: &str = "b1874626b1af54df3221caffc69f48b5b581b7a12dacc5bc22f96d4e8e36a914";

/// The body of the first fenced block in `language`.
fn snippet(language: &str) -> &'static str {
    let fence = format!("```{language}\n");
    let start = DOC.find(&fence).expect("snippet in the docs") + fence.len();
    let end = DOC[start..].find("```").expect("closing fence");
    &DOC[start..start + end]
}

#[test]
fn the_documented_vector_is_batons_hash() {
    assert_eq!(
        baton_server::identity::expected_hash(SECRET.as_bytes(), ID),
        VECTOR
    );
    assert!(DOC.contains(VECTOR));
}

#[test]
fn every_snippet_with_an_installed_interpreter_prints_the_vector() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(dir.path())
            .env("BATON_IDENTITY_SECRET", SECRET)
            .env("GOCACHE", dir.path().join("gocache"))
            .output()
    };
    let go = dir.path().join("main.go");
    std::fs::write(&go, snippet("go")).expect("write go");
    let go = go.to_string_lossy().into_owned();
    let cases: [(&str, Vec<&str>); 5] = [
        ("node", vec!["-e", snippet("js")]),
        ("python3", vec!["-c", snippet("python")]),
        (
            "php",
            vec!["-r", snippet("php").trim_start_matches("<?php\n")],
        ),
        ("ruby", vec!["-e", snippet("ruby")]),
        ("go", vec!["run", &go]),
    ];
    let mut ran = 0;
    for (program, args) in cases {
        match run(program, &args) {
            Ok(output) => {
                let printed = String::from_utf8_lossy(&output.stdout);
                assert!(
                    output.status.success(),
                    "{program}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                assert_eq!(printed.trim(), VECTOR, "{program}");
                ran += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("{program} is not installed; its snippet was not run");
            }
            Err(e) => panic!("{program}: {e}"),
        }
    }
    assert!(ran >= 1, "no interpreter for any snippet");
}
