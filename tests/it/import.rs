//! `attest import`: the legacy fixtures under `tests/fixtures/import/legacy/`
//! (each `NAME.txt` with its report beside it in `NAME.expected`, one `line
//! code` per line), the entries and bibliographies they give (insta
//! snapshots), nothing of the input lost, Pandoc and BibLaTeX validity,
//! agreement with `check`, the CLI, and `import bib`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use attest::import::{self, Outcome, Project};
use attest::source::{FileKind, SourceFile, SourceSet};
use proptest::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn project() -> Project {
    Project::load(&root().join("project")).expect("the fixture project loads")
}

/// The legacy fixtures, by name (without `.txt`).
fn fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("legacy"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".txt").map(str::to_string))
        .collect();
    v.sort();
    v
}

fn input(name: &str) -> String {
    import::decode(&std::fs::read(root().join("legacy").join(format!("{name}.txt"))).unwrap()).unwrap()
}

/// Imports texts (shown as `legacy/NAME.txt`) into the fixture project, in memory.
fn run(texts: &[(&str, &str)]) -> Outcome {
    let mut set = SourceSet::new();
    for (name, text) in texts {
        set.add(SourceFile::new(format!("legacy/{name}.txt"), FileKind::Import, *text));
    }
    import::legacy::import(&project(), set, Vec::new())
}

fn expected(name: &str) -> Vec<String> {
    let p = root().join("legacy").join(format!("{name}.expected"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("{} is missing", p.display()));
    let mut v: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    v.sort();
    v
}

fn actual(o: &Outcome) -> Vec<String> {
    let mut v: Vec<String> = o.report.codes_by_line().into_iter().map(|(_, l, c)| format!("{l} {c}")).collect();
    v.sort();
    v
}

#[test]
fn every_legacy_fixture_reports_exactly_its_expected_problems() {
    let names = fixtures();
    assert!(names.len() >= 4, "{names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let o = run(&[(name, &input(name))]);
        let (want, got) = (expected(name), actual(&o));
        if want != got {
            let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
            let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
            failures.push(format!("{name}:\n  missing: {missing:?}\n  unexpected: {extra:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_fixtures_cover_every_import_code() {
    let mut seen = BTreeSet::new();
    for name in fixtures() {
        for l in expected(&name) {
            seen.insert(l.rsplit(' ').next().unwrap().to_string());
        }
    }
    let bib = std::fs::read_to_string(root().join("bib/expected")).unwrap();
    for l in bib.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        seen.insert(l.rsplit(' ').next().unwrap().to_string());
    }
    for code in [
        "citation.unresolved",
        "citation.year-mismatch",
        "bibliography.uncited",
        "bibliography.unparsed",
        "import.metadata",
        "import.citation-ambiguous",
        "import.citation-not-converted",
        "import.figure-candidate",
        "import.duplicate",
        "import.key-renamed",
        "section.missing",
        "date.invalid",
        "frontmatter.missing-field",
    ] {
        assert!(seen.contains(code), "no import fixture expects {code}");
    }
}

#[test]
fn the_entries_and_records_written_are_as_reviewed() {
    for name in fixtures() {
        let o = run(&[(&name, &input(&name))]);
        assert_eq!(o.entries.len(), 1);
        let mut shown = format!("=== {}\n{}", o.entries[0].0, o.entries[0].1);
        shown.push_str(&format!("=== {}\n{}", import::IMPORTED_BIB, o.bib.as_deref().unwrap_or("(unchanged)\n")));
        insta::assert_snapshot!(format!("legacy-{name}"), shown);
    }
}

/// Maximal runs of letters and digits.
fn tokens(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// Every word and number of the input is in the entry, the bibliography or
/// the report (which lists each rewritten heading and citation as written).
fn assert_nothing_lost(texts: &[(&str, &str)], o: &Outcome) {
    let mut out = String::new();
    for (_, e) in &o.entries {
        out.push_str(e);
    }
    out.push_str(o.bib.as_deref().unwrap_or(""));
    out.push_str(&o.report.human(false));
    // The strings of the JSON report, decoded (JSON escapes control characters).
    fn strings(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push(' ');
                out.push_str(s);
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    strings(&serde_json::from_str(&o.report.json()).unwrap(), &mut out);
    let have = tokens(&out);
    for (name, text) in texts {
        let lost: Vec<String> = tokens(text).into_iter().filter(|t| !have.contains(t)).collect();
        assert!(lost.is_empty(), "{name}: lost {lost:?}");
    }
}

#[test]
fn nothing_of_any_fixture_is_lost() {
    for name in fixtures() {
        let text = input(&name);
        assert_nothing_lost(&[(&name, &text)], &run(&[(&name, &text)]));
    }
}

fn body_of(entry: &str) -> &str {
    let split = attest::parse::entry::split_front_matter(entry).expect("front matter");
    &entry[split.body]
}

#[test]
fn citations_are_pandoc_and_records_are_biblatex() {
    for name in fixtures() {
        let o = run(&[(&name, &input(&name))]);
        let summary: serde_json::Value = serde_json::from_str(&o.report.json()).unwrap();
        let file = &summary["summary"]["files"][0];
        let body = body_of(&o.entries[0].1);
        let cites = attest::parse::citation::scan(body);
        let items: usize = cites.iter().map(|c| c.items.len()).sum();
        assert_eq!(items as u64, file["counts"]["citations"].as_u64().unwrap(), "{name}");
        // Every converted citation reads back as the citation the report gives.
        let written: Vec<String> = cites.iter().map(|c| c.to_pandoc()).collect();
        for c in file["citations"].as_array().unwrap() {
            let p = c["pandoc"].as_str().unwrap().trim_end_matches('.');
            assert!(written.iter().any(|w| w == p), "{name}: {p} not in {written:?}");
        }
        if let Some(bib) = &o.bib {
            let (works, diags) = attest::parse::bibliography::parse_biblatex(attest::source::FileId(0), bib);
            assert!(diags.is_empty(), "{name}: {diags:?}");
            let new = file["counts"]["new_works"].as_u64().unwrap() + file["counts"]["unparsed"].as_u64().unwrap();
            assert_eq!(works.len() as u64, new, "{name}");
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn attest_cmd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attest")).args(args).output().expect("the binary runs")
}

/// Runs the binary in `cwd` (so input paths, which the report and the
/// records' comments show as given, are relative).
fn attest_in(cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attest")).current_dir(cwd).args(args).output().expect("the binary runs")
}

/// The codes `check` and the report give, compared per file.
const SHARED: &[&str] =
    &["citation.unresolved", "citation.year-mismatch", "section.missing", "date.invalid", "frontmatter.missing-field"];

#[test]
fn check_reports_again_exactly_what_the_import_report_names() {
    let names = fixtures();
    // Each fixture alone, then all of them in one run.
    let mut runs: Vec<Vec<String>> = names.iter().map(|n| vec![n.clone()]).collect();
    runs.push(names.clone());
    for run_names in runs {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("enc");
        copy_dir(&root().join("project"), &dir);
        let files: Vec<String> = run_names
            .iter()
            .map(|n| root().join("legacy").join(format!("{n}.txt")).to_string_lossy().into_owned())
            .collect();
        let mut args = vec!["import", "legacy"];
        args.extend(files.iter().map(String::as_str));
        args.extend(["--into", dir.to_str().unwrap(), "--format", "json"]);
        let out = attest_cmd(&args);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let diags = report["diagnostics"].as_array().unwrap();

        let a = attest::analyze(attest::source::load::load_dir(&dir).unwrap(), &|| {});
        for (n, name) in run_names.iter().enumerate() {
            let entry = report["summary"]["files"][n]["entry"].as_str().unwrap().to_string();
            let input_suffix = format!("{name}.txt");
            let mut from_report: Vec<&str> = diags
                .iter()
                .filter(|d| d["file"].as_str().unwrap().ends_with(&input_suffix))
                .map(|d| d["code"].as_str().unwrap())
                .filter(|c| SHARED.contains(c))
                .collect();
            let mut from_check: Vec<&str> = a
                .diagnostics
                .iter()
                .filter(|d| d.file.is_some_and(|f| a.sources.get(f).path == entry))
                .map(|d| d.code)
                .collect();
            from_report.sort();
            from_check.sort();
            assert_eq!(from_report, from_check, "{name} (run of {run_names:?})");
        }
        let uncited_report = diags.iter().filter(|d| d["code"] == "bibliography.uncited").count();
        let in_imported: Vec<&str> = a
            .diagnostics
            .iter()
            .filter(|d| d.file.is_some_and(|f| a.sources.get(f).path == import::IMPORTED_BIB))
            .map(|d| d.code)
            .collect();
        assert!(in_imported.iter().all(|c| *c == "bibliography.uncited"), "{in_imported:?}");
        assert_eq!(uncited_report, in_imported.len(), "{run_names:?}");
        // The project's own files are untouched by the import.
        let elsewhere: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| {
                d.file.is_some_and(|f| {
                    let p = &a.sources.get(f).path;
                    p == "bibliography/works.bib" || p == "entries/tallowmere-overview.md"
                })
            })
            .collect();
        assert!(elsewhere.is_empty(), "{elsewhere:?}");
    }
}

#[test]
fn an_existing_entry_is_never_overwritten_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enc");
    copy_dir(&root().join("project"), &dir);
    std::fs::write(dir.join("entries/kestria-1938.md"), "my work").unwrap();
    let k = root().join("legacy/kestria-1938.txt");
    let m = root().join("legacy/merrow-islands.txt");
    let out =
        attest_cmd(&["import", "legacy", m.to_str().unwrap(), k.to_str().unwrap(), "--into", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("import.entry-exists") && shown.contains("entries/kestria-1938.md"), "{shown}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"));
    assert_eq!(std::fs::read_to_string(dir.join("entries/kestria-1938.md")).unwrap(), "my work");
    assert!(!dir.join("entries/merrow-islands.md").exists());
    assert!(!dir.join(import::IMPORTED_BIB).exists());
    // The library's writer refuses too, if the entry appears after the import ran.
    let o = run(&[("merrow-islands", &input("merrow-islands"))]);
    std::fs::write(dir.join("entries/merrow-islands.md"), "arrived meanwhile").unwrap();
    let err = import::write(&dir, &o).unwrap_err();
    assert!(err.to_string().contains("merrow-islands.md"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("entries/merrow-islands.md")).unwrap(), "arrived meanwhile");
    assert!(!dir.join(import::IMPORTED_BIB).exists());
}

#[test]
fn the_cli_reports_like_check_in_both_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enc");
    copy_dir(&root().join("project"), &dir);
    let k = root().join("legacy/kestria-1938.txt");
    let out =
        attest_cmd(&["import", "legacy", k.to_str().unwrap(), "--into", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "errors in the report: exit 1, but written");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    for key in ["severity", "code", "message", "file", "line", "column", "hint"] {
        assert!(d.get(key).is_some(), "missing {key} in {d}");
    }
    for key in ["errors", "warnings", "sections", "citations", "resolved", "references", "files"] {
        assert!(v["summary"].get(key).is_some(), "missing summary.{key}");
    }
    assert!(dir.join("entries/kestria-1938.md").is_file());
    // Human format, into another copy.
    let dir2 = tmp.path().join("enc2");
    copy_dir(&root().join("project"), &dir2);
    let out = attest_cmd(&["import", "legacy", k.to_str().unwrap(), "--into", dir2.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("citation.year-mismatch") && text.contains("kestria-1938.txt:"), "{text}");
    assert!(text.contains("→ entries/kestria-1938.md: 7 sections"), "{text}");
    // No project: exit 2.
    let out = attest_cmd(&["import", "legacy", k.to_str().unwrap(), "--into", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

fn bib_inputs() -> Vec<String> {
    ["zotero.bib", "better-bibtex.json", "zotero.ris"].iter().map(|n| n.to_string()).collect()
}

#[test]
fn import_bib_merges_three_formats_and_reports_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enc");
    copy_dir(&root().join("project"), &dir);
    let files = bib_inputs();
    let mut args = vec!["import", "bib"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--into", dir.to_str().unwrap(), "--format", "json"]);
    let out = attest_in(&root().join("bib"), &args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let f = d["file"].as_str().unwrap();
            format!("{} {} {}", f.rsplit('/').next().unwrap(), d["line"], d["code"].as_str().unwrap())
        })
        .collect();
    got.sort();
    let text = std::fs::read_to_string(root().join("bib/expected")).unwrap();
    let mut want: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    want.sort();
    assert_eq!(got, want);

    let bib = std::fs::read_to_string(dir.join(import::IMPORTED_BIB)).unwrap();
    insta::assert_snapshot!("bib-imported", bib);
    let a = attest::analyze(attest::source::load::load_dir(&dir).unwrap(), &|| {});
    let keys: BTreeSet<&str> = a.corpus.works.iter().map(|w| w.key.v.as_str()).collect();
    for k in [
        "ashdown2008",
        "lindqvist2010",
        "lindqvist2010a",
        "brightwater1975",
        "corvin2015",
        "pell2001",
        "merrowislandarchive1999",
    ] {
        assert!(keys.contains(k), "{k} missing from {keys:?}");
    }
    assert_eq!(a.corpus.works.len(), 7, "duplicates are not written");
    let codes: BTreeSet<&str> = a.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, BTreeSet::from(["bibliography.uncited"]), "{:?}", a.diagnostics);

    // A second run finds only duplicates and writes nothing.
    let before = std::fs::read_to_string(dir.join(import::IMPORTED_BIB)).unwrap();
    let mut args = vec!["import", "bib"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--into", dir.to_str().unwrap()]);
    let out = attest_in(&root().join("bib"), &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing new to write"));
    assert_eq!(std::fs::read_to_string(dir.join(import::IMPORTED_BIB)).unwrap(), before);
}

#[test]
fn legacy_works_already_imported_are_reused() {
    // The same file under two names: the second reuses every record.
    let text = input("kestria-1938");
    let o = run(&[("kestria-1938", &text), ("kestria-copy", &text)]);
    let v: serde_json::Value = serde_json::from_str(&o.report.json()).unwrap();
    let second = &v["summary"]["files"][1]["counts"];
    assert_eq!(second["new_works"], 0);
    assert_eq!(second["reused_works"], 9);
    assert_eq!(o.entries[0].1.matches("[@marrow1987").count(), o.entries[1].1.matches("[@marrow1987").count());
}

#[test]
fn control_characters_and_reused_references_lose_nothing() {
    let text = "Title\u{7}\n G. Bibliography\nNoone, A., 1990, Book, Place: Press.\nNoone, A., 1990, Book, Place: Press.\na\u{0}B \u{2028} c\u{85}d\n";
    let o = run(&[("ctl", text)]);
    assert_nothing_lost(&[("ctl", text)], &o);
    let src = SourceFile::new("entries/ctl.md", FileKind::Entry, o.entries[0].1.clone());
    let (e, _) = attest::parse::entry::parse_entry(attest::source::FileId(0), &src, "en");
    assert!(e.title.v.starts_with("Title"), "{}", o.entries[0].1);
}

/// Lines like those of legacy files, with random text mixed in.
fn legacy_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" A. Context".to_string()),
        Just("\u{a0}B. Decision-makers, organizers and actors".to_string()),
        Just("Victims".to_string()),
        Just(" G. Bibliography".to_string()),
        Just("Last modified: 3 March 2014".to_string()),
        Just("June 2009".to_string()),
        Just("Ann Author, A Title, Online Encyclopedia of Mass Violence, [online], published on 1 May 2010, accessed 2 May 2010, URL : http://example.org/x, ISSN 1961-9898".to_string()),
        Just("Noone, A., 1990, “A title”, [A translation], in Other, B. (ed.), 1991, Book, Place: Press, 1-9.".to_string()),
        Just("Noone, A., 1990, Book, Place: Press. Noone, A., 1992, Other book, Place: Press.".to_string()),
        "[A-Z][a-z]{1,8}, [A-Z]\\., (19|20)[0-9]{2}, [a-z ]{1,20}, [A-Z][a-z]+: [A-Z][a-z]+\\.",
        "[a-zA-Z ,]{0,30}\\(([A-Z]\\. )?[A-Z][a-z]{1,8}( and [A-Z][a-z]+)?, (19|20)[0-9]{2}[a-b]?(: ?[0-9]{1,3}(-[0-9]{1,3})?\\.?)?\\)[ .;]{0,2}[0-9,%]{0,8}",
        "[ -~]{0,60}",
        "\\PC{0,40}",
        "[\\x00-\\x1f\\x7f\u{85}\u{2028}\u{2029}\u{feff}\u{a0}a-zA-Z (),.:;0-9\"“”-]{0,50}",
        "[@#*_>\\[\\]{}:|`<&\\-+=0-9. ]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_importer_never_panics_and_never_loses_input(lines in proptest::collection::vec(legacy_line(), 0..30), crlf in any::<bool>()) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        let o = run(&[("arbitrary", &text)]);
        assert_nothing_lost(&[("arbitrary", &text)], &o);
        if let Some(bib) = &o.bib {
            let (_, diags) = attest::parse::bibliography::parse_biblatex(attest::source::FileId(0), bib);
            prop_assert!(diags.is_empty(), "{:?}\n{}", diags, bib);
        }
        // The entry's front matter always reads.
        let src = SourceFile::new("entries/arbitrary.md", FileKind::Entry, o.entries[0].1.clone());
        let (_, diags) = attest::parse::entry::parse_entry(attest::source::FileId(0), &src, "en");
        let bad: Vec<_> = diags.iter().filter(|d| d.code.starts_with("frontmatter.") && d.code != "frontmatter.missing-field").collect();
        prop_assert!(bad.is_empty(), "{:?}\n{}", bad, o.entries[0].1);
    }
}
