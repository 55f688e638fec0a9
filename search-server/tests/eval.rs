//! `baton eval` scores the production search on the StackFAQ collection, and its numbers are
//! the ones `tests/data/relevance.py` computes from the run file it writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the server crate is in the workspace")
        .to_owned()
}

fn eval(data: &Path, run_file: &Path, format: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("eval")
        .arg("--data")
        .arg(data)
        .arg("--run-file")
        .arg(run_file)
        .args(["--format", format])
        .output()
        .expect("baton runs");
    assert!(
        output.status.success(),
        "baton eval failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("baton eval prints JSON")
}

fn python_judge(qrels: &Path, run_file: &Path) -> Option<Value> {
    let output = Command::new("python3")
        .arg(repo().join("tests/data/relevance.py"))
        .arg(qrels)
        .arg(run_file)
        .output()
        .ok()?;
    assert!(
        output.status.success(),
        "relevance.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("relevance.py prints JSON"))
}

#[test]
fn eval_scores_stackfaq_like_the_python_judge() {
    let data = repo().join("tests/data/stackfaq/main");
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ["trec"] {
        let run_file = dir.path().join(format!("run.{format}"));
        let ours = eval(&data, &run_file, format);
        assert_eq!(ours["queries"], 624, "{ours}");
        for metric in ["nDCG@10", "MRR@10", "Recall@10", "Recall@1"] {
            let value = ours[metric].as_f64().expect("a number");
            assert!((0.0..=1.0).contains(&value), "{metric} = {value}");
        }
        // Relevance is a benchmark, not a test: this only guards against a broken ranking.
        assert!(ours["nDCG@10"].as_f64() > Some(0.8), "{ours}");
        match python_judge(&data.join("qrels.tsv"), &run_file) {
            Some(theirs) => assert_eq!(ours, theirs, "baton eval and relevance.py disagree"),
            None => eprintln!("python3 is not available: skipped the cross-check"),
        }
    }
}

#[test]
fn a_missing_collection_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("eval")
        .arg("--data")
        .arg(dir.path())
        .output()
        .expect("baton runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("docs.jsonl"), "{stderr}");
}
