//! Every folder under `tests/fixtures/check/` is a small encyclopedia with a
//! file `expected` beside it listing, one per line, the diagnostics `check`
//! must report: `path:line:column code`. Lines starting with `#` are
//! comments. The test fails on any missing or unexpected diagnostic, so
//! every fixture pins both what is found and where.

use std::path::Path;

fn fixtures() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut v: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

fn actual(dir: &Path) -> Vec<String> {
    let loaded = attest::source::load::load_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let a = attest::analyze(loaded, &|| {});
    let mut v: Vec<String> = a
        .diagnostics
        .iter()
        .map(|d| match d.file {
            Some(f) => {
                let s = a.sources.get(f);
                let (l, c) = s.line_col(d.span.start);
                format!("{}:{l}:{c} {}", s.path, d.code)
            }
            None => format!("- {}", d.code),
        })
        .collect();
    v.sort();
    v
}

fn expected(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("expected"))
        .unwrap_or_else(|_| panic!("{} has no `expected` file", dir.display()));
    let mut v: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn every_fixture_reports_exactly_its_expected_diagnostics() {
    let mut failures = Vec::new();
    for dir in fixtures() {
        let (want, got) = (expected(&dir), actual(&dir));
        if want != got {
            let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
            let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
            failures.push(format!(
                "{}:\n  missing: {missing:?}\n  unexpected: {extra:?}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_documented_code_has_a_fixture() {
    let mut covered = std::collections::BTreeSet::new();
    for dir in fixtures() {
        for l in expected(&dir) {
            covered.insert(l.rsplit(' ').next().unwrap().to_string());
        }
    }
    // config.missing stops the check before any file is read (exit 2) and is
    // tested through the CLI; file.too-large needs a file over 8 MiB, which is
    // made at test time in malformed.rs rather than kept in the repository.
    // The import codes are reported by `attest import` about its input, never
    // by check; tests/it/import.rs covers them with the fixtures under
    // tests/fixtures/import/.
    let elsewhere = [
        "config.missing",
        "file.too-large",
        "bibliography.unparsed",
        "import.entry-exists",
        "import.metadata",
        "import.citation-ambiguous",
        "import.citation-not-converted",
        "import.figure-candidate",
        "import.duplicate",
        "import.key-renamed",
    ];
    let missing: Vec<_> =
        attest::diag::codes::ALL.iter().filter(|c| !elsewhere.contains(*c) && !covered.contains(**c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn every_code_is_documented_in_the_format_guide() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/format.md")).unwrap();
    let missing: Vec<_> = attest::diag::codes::ALL.iter().filter(|c| !doc.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "codes missing from docs/format.md: {missing:?}");
}
