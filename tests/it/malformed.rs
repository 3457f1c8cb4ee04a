//! Malformed input of every kind gives diagnostics, never a panic: binary
//! bytes, invalid UTF-8, a 50 MB file, unclosed front matter, hostile
//! Markdown; and arbitrary input never panics any parser.

use proptest::prelude::*;

const CONFIG: &[u8] = b"title = \"T\"\nbase_url = \"https://example.org/\"\n";

fn codes_of(files: Vec<(&str, &[u8])>) -> Vec<&'static str> {
    let loaded = attest::source::load::load_files(files).unwrap();
    attest::analyze(loaded, &|| {}).diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let loaded =
        attest::source::load::load_files(vec![("attest.toml", CONFIG), ("entries/a.md", b"---\ntitle: \xff\n---\n")])
            .unwrap();
    let a = attest::analyze(loaded, &|| {});
    assert_eq!(a.diagnostics.len(), 1);
    assert_eq!(a.diagnostics[0].code, "file.encoding");
    assert!(a.diagnostics[0].message.contains("line 2, column 8"), "{}", a.diagnostics[0].message);
}

#[test]
fn binary_bytes_are_reported_not_parsed() {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    bytes.extend((0u8..=255).cycle().take(4096));
    assert_eq!(codes_of(vec![("attest.toml", CONFIG), ("entries/a.md", &bytes)]), ["file.encoding"]);
}

#[test]
fn a_50_mb_file_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("attest.toml"), CONFIG).unwrap();
    std::fs::create_dir(tmp.path().join("entries")).unwrap();
    let f = std::fs::File::create(tmp.path().join("entries/huge.md")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let loaded = attest::source::load::load_dir(tmp.path()).unwrap();
    let a = attest::analyze(loaded, &|| {});
    let codes: Vec<_> = a.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["file.too-large"]);
    assert!(a.diagnostics[0].message.contains("50.0 MiB"));
}

#[test]
fn unclosed_front_matter_is_one_clear_error() {
    let codes =
        codes_of(vec![("attest.toml", CONFIG), ("entries/a.md", b"---\ntitle: A\nkind: essay\n\nBody text.\n")]);
    assert_eq!(codes, ["frontmatter.syntax"]);
}

#[test]
fn hostile_markdown_does_not_panic() {
    let mut body = String::from("---\ntitle: A\nkind: essay\nstatus: draft\nauthors: [X]\n---\n");
    body.push_str(&"[".repeat(10_000));
    body.push_str(&"> ".repeat(5_000));
    body.push_str("\n<script>alert(1)</script>\n{fig:\n@\n[@\n:::\n");
    body.push_str(&"*a ".repeat(20_000));
    let codes = codes_of(vec![("attest.toml", CONFIG), ("entries/a.md", body.as_bytes())]);
    assert!(codes.contains(&"figure.unknown-ref"), "{codes:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_entry_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = codes_of(vec![("attest.toml", CONFIG), ("entries/a.md", &bytes)]);
    }

    #[test]
    fn arbitrary_front_matter_text_never_panics(body in "---\n[a-z:@ \\[\\]{}\\-\n0-9\"'~?%/.]{0,400}\n---\n[a-z@ \\[\\]{}:#\n]{0,200}") {
        let _ = codes_of(vec![("attest.toml", CONFIG), ("entries/a.md", body.as_bytes())]);
    }

    #[test]
    fn arbitrary_bibliography_text_never_panics(text in "[@a-z{}=,\" \n%0-9]{0,600}") {
        let _ = codes_of(vec![("attest.toml", CONFIG), ("bibliography/b.bib", text.as_bytes())]);
    }

    #[test]
    fn arbitrary_gazetteer_text_never_panics(text in "[- a-z:\n\\[\\]{},0-9.]{0,400}") {
        let _ = codes_of(vec![("attest.toml", CONFIG), ("places.yaml", text.as_bytes())]);
    }

    #[test]
    fn arbitrary_config_text_never_panics(text in "[a-z_=\" \n\\[\\]0-9.-]{0,300}") {
        let loaded = attest::source::load::load_files(vec![("attest.toml", text.as_bytes())]).unwrap();
        let _ = attest::analyze(loaded, &|| {});
    }
}
