//! The `attest` binary as a user runs it: exit codes, JSON shape, init and
//! sample.

use std::path::Path;
use std::process::Command;

fn attest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attest")).args(args).output().expect("the binary runs")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).to_string_lossy().into_owned()
}

#[test]
fn check_of_the_sample_folder_exits_0_with_only_unverified_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample");
    let out = attest(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["errors"], 0);
    for d in v["diagnostics"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        assert!(code == "figure.unverified" || code == "place.unverified", "unexpected {d}");
    }
}

#[test]
fn json_output_has_the_documented_shape_and_exit_1_on_errors() {
    let out = attest(&["check", &fixture("check/citation-unresolved"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    for key in ["severity", "code", "message", "file", "line", "column", "hint"] {
        assert!(d.get(key).is_some(), "missing {key} in {d}");
    }
    assert_eq!(d["severity"], "error");
    for key in ["errors", "warnings", "entries", "works", "places", "files"] {
        assert!(v["summary"].get(key).is_some(), "missing summary.{key}");
    }
}

#[test]
fn a_folder_without_attest_toml_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = attest(&["check", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.missing"));
    let out = attest(&["check", tmp.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "config.missing");
}

#[test]
fn init_creates_a_project_that_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enc");
    let out = attest(&["init", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("entries/example.md").is_file());
    let out = attest(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 errors, 0 warnings"));
}

#[test]
fn sample_writes_the_embedded_sample_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    assert!(attest(&["sample", dir.to_str().unwrap()]).status.success());
    assert!(dir.join("entries/chechens-ingush-1944.md").is_file());
    assert_eq!(attest(&["check", dir.to_str().unwrap()]).status.code(), Some(0));
    // A second run must refuse and leave the folder as it is.
    std::fs::write(dir.join("entries/mine.md"), "my work").unwrap();
    let out = attest(&["sample", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(std::fs::read_to_string(dir.join("entries/mine.md")).unwrap(), "my work");
}

#[test]
fn human_output_is_compiler_like() {
    let out = attest(&["check", &fixture("check/citation-unresolved")]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    insta::assert_snapshot!(text);
}

fn write_synthetic(dir: &Path, entries: usize) {
    for (rel, bytes) in attest::sample::synthetic_project(entries, entries * 2) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Runs the binary under a pseudo-terminal (util-linux `script`), as a user
/// at a terminal would, and returns everything the terminal showed.
fn on_a_terminal(args: &str) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_attest"));
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().expect("util-linux `script` runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_thousand_entries_check_clean_with_a_progress_bar_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    write_synthetic(tmp.path(), 1000);
    let dir = tmp.path().to_str().unwrap();
    let shown = on_a_terminal(&format!("check {dir}"));
    assert!(shown.contains("entries") && shown.contains("checking"), "no progress bar in: {shown}");
    assert!(shown.contains("0 errors"), "{shown}");
    assert!(shown.contains("in 1000 entries"), "{shown}");
    let json = on_a_terminal(&format!("check {dir} --format json"));
    assert!(!json.contains("checking"), "JSON mode must not draw a progress bar");
    // Piped (not a terminal): no bar either.
    let piped = attest(&["check", dir]);
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("checking"));
}
