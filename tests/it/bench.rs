//! `attest bench corpus`: the generated encyclopedia a benchmark runs on
//! checks clean, has the shape the benchmark promises, is the same for the
//! same seed, and its Hugo twin carries the same Markdown bodies.

use std::path::Path;
use std::process::Command;

fn attest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attest")).args(args).output().expect("the binary runs")
}

fn corpus(dir: &Path, entries: &str, works: &str, seed: &str, hugo: Option<&Path>) {
    let out = dir.to_str().unwrap();
    let mut args = vec!["bench", "corpus", "--entries", entries, "--works", works, "--seed", seed, "--out", out];
    if let Some(h) = hugo {
        args.extend(["--hugo", h.to_str().unwrap()]);
    }
    let run = attest(&args);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_generated_corpus_checks_without_errors_or_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    corpus(&dir, "12", "30", "5", None);
    let out = attest(&["check", dir.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["summary"]["errors"], 0, "{v:#}");
    assert_eq!(v["summary"]["warnings"], 0, "every work cited, every date in its period: {v:#}");
    assert_eq!(v["summary"]["entries"], 12);
    assert_eq!(v["summary"]["works"], 30);
    assert_eq!(v["summary"]["places"], attest::bench::PLACES);
}

#[test]
fn a_generated_corpus_builds_and_keeps_restricted_passages_off_the_public_site() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    corpus(&dir, "4", "60", "2", None);
    let entry = read(&dir.join("entries/case-00000.md"));
    assert!(entry.contains("::: restricted\nEditors' note (invented)"), "a restricted passage is generated");
    assert!(entry.contains("access: restricted"), "entry 0 has a restricted testimony");
    let site = tmp.path().join("site");
    let out = attest(&["build", dir.to_str().unwrap(), "--out", site.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let page = read(&site.join("entries/case-00000/index.html"));
    assert!(page.contains("Synthetic case 00000"));
    assert!(!page.contains("Editors' note (invented)"), "restricted passage published");
    assert!(!page.contains("invented, restricted"), "restricted testimony published");
}

#[test]
fn entries_have_the_promised_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    corpus(&dir, "3", "200", "9", None);
    for i in 0..3 {
        let text = read(&dir.join(format!("entries/case-{i:05}.md")));
        let kb = text.len() / 1024;
        assert!((22..=40).contains(&kb), "entry {i} is {kb} KB");
        let body = text.splitn(3, "---\n").nth(2).unwrap();
        let citations = body.matches("@").count();
        assert!((15..=70).contains(&citations), "entry {i} cites {citations} times in its prose");
        assert!(body.contains(", p. ") || body.contains(", pp. "), "page locators");
        assert_eq!(text.matches("\n  - id: f").count(), 10, "ten figures");
        assert_eq!(text.matches("\n  - id: ev").count(), 15, "fifteen events");
        assert!(text.contains("~\"") || text.contains("?\""), "some uncertain or approximate dates");
        for section in ["Context", "Perpetrators", "Victims", "Witnesses", "Memories", "Interpretation", "Bibliography"]
        {
            assert!(body.contains(&format!("## {section}")), "section {section} in entry {i}");
        }
    }
    let bib = read(&dir.join("bibliography/works.bib"));
    for kind in ["@book{", "@article{", "@incollection{", "langid = {russian}", "access = {restricted}"] {
        assert!(bib.contains(kind), "no {kind} in the bibliography");
    }
    assert!(bib.chars().any(|c| ('А'..='я').contains(&c)), "some Cyrillic authors and titles");
    let places = read(&dir.join("places.yaml"));
    assert!(places.contains("script: Cyrl") && places.contains("romanization: scholarly"));
}

#[test]
fn the_same_seed_writes_the_same_files_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    corpus(&a, "3", "10", "42", None);
    corpus(&b, "3", "10", "42", None);
    corpus(&c, "3", "10", "43", None);
    for f in ["entries/case-00002.md", "bibliography/works.bib", "places.yaml"] {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f} differs for one seed");
        assert_ne!(read(&a.join(f)), read(&c.join(f)), "{f} is the same for two seeds");
    }
}

#[test]
fn the_hugo_twin_has_the_same_bodies_with_toml_front_matter() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, hugo) = (tmp.path().join("c"), tmp.path().join("h"));
    corpus(&dir, "2", "10", "1", Some(&hugo));
    for f in ["hugo.toml", "layouts/_default/baseof.html", "layouts/_default/single.html", "layouts/_default/list.html"]
    {
        assert!(hugo.join(f).is_file(), "{f} missing");
    }
    let attest_body = read(&dir.join("entries/case-00001.md")).splitn(3, "---\n").nth(2).unwrap().to_string();
    let hugo_text = read(&hugo.join("content/entries/case-00001.md"));
    let front = hugo_text.split("+++\n").nth(1).unwrap();
    let front: toml::Table = front.parse().expect("TOML front matter");
    assert!(front["title"].as_str().unwrap().starts_with("Synthetic case 00001"));
    assert!(hugo_text.ends_with(&attest_body), "the Markdown body must be the same");
}

#[test]
fn zero_works_is_refused_with_exit_2_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let out = attest(&["bench", "corpus", "--entries", "3", "--works", "0", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--works must be at least 1"));
    assert!(!dir.exists());
}
