//! `attest import docx`: Word documents built here from XML strings (every
//! place, person and work in them is fictional), read into entries with the
//! legacy importer's citations and reference lists; malformed files give
//! errors, never a panic.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use attest::import::{self, docx, Outcome, Project};
use attest::source::{FileKind, SourceFile, SourceSet};
use proptest::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"#;

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

/// A zip archive of the given parts.
fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            z.start_file(*name, opts).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn p(style: Option<&str>, runs: &str) -> String {
    let ppr = style.map(|s| format!(r#"<w:pPr><w:pStyle w:val="{s}"/></w:pPr>"#)).unwrap_or_default();
    format!("<w:p>{ppr}{runs}</w:p>")
}

fn r(text: &str) -> String {
    format!(r#"<w:r><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

fn ri(text: &str) -> String {
    format!(r#"<w:r><w:rPr><w:i/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

fn note_ref(id: u32) -> String {
    format!(r#"<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{id}"/></w:r>"#)
}

fn document(body: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{}</w:body></w:document>"#,
        body.concat()
    )
}

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="Titel"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="Zitat"><w:name w:val="Quote"/></w:style>
</w:styles>"#;

fn footnotes() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:footnotes {W}>
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>{}</w:p></w:footnote>
<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r>{}</w:p></w:footnote>
<w:footnote w:id="3"><w:p><w:r><w:footnoteRef/></w:r>{}</w:p><w:p>{}</w:p></w:footnote>
</w:footnotes>"#,
        r(" The harbour register is lost (Quillfeather, 2003: 17)."),
        r(" Written in exile."),
        r(" A note on its own line,"),
        r("in two paragraphs."),
    )
}

/// A fictional case study as Word writes it: localised style ids (mapped
/// by styles.xml), a sub-heading, italics, a quote, footnotes.
fn case_study() -> Vec<u8> {
    let body = vec![
        p(Some("Titel"), &r("The Draining of the Orvella Marshes, 1911")),
        p(None, &format!("{}{}", r("Tamsin Quillfeather"), note_ref(2))),
        p(None, &r("March 2015")),
        p(Some("berschrift1"), &r("Context")),
        p(
            None,
            &format!(
                "{}{}{}{}",
                r("FICTIONAL TEST FIXTURE: the marsh villages of "),
                ri("Orvella "),
                r("were drained after the flood of 1909 (Quillfeather, 2003: 45-47)."),
                note_ref(1)
            ),
        ),
        p(Some("berschrift2"), &r("The marsh wardens")),
        p(None, &r("Wardens kept the dikes &amp; the registers (Brannoch and Selley, 1998).")),
        p(Some("berschrift1"), &r("Victims")),
        p(Some("Zitat"), &r("“We left with what we could carry.” (Brannoch and Selley, 1998: 12)")),
        r#"<w:p><w:pPr><w:ind w:left="720"/></w:pPr><w:r><w:t>An indented recollection of the last ferry.</w:t></w:r></w:p>"#.to_string(),
        r#"<w:p><w:r><w:t>Kept</w:t></w:r><w:del w:id="9"><w:r><w:delText>deleted words</w:delText></w:r></w:del><w:ins w:id="10"><w:r><w:t> and inserted.</w:t></w:r></w:ins></w:p>"#.to_string(),
        p(None, &note_ref(3)),
        p(Some("berschrift1"), &r("Bibliography")),
        p(None, &r("Brannoch, E. and Selley, M., 1998, “The marsh wardens”, Journal of Invented Waters, 4, 2: 1-30.")),
        p(None, &format!("{}{}{}", r("Quillfeather, T., 2003, "), ri("Drained lands"), r(", Port Ismay: Lanternhouse."))),
    ];
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("word/document.xml", &document(&body)),
        ("word/styles.xml", STYLES),
        ("word/footnotes.xml", &footnotes()),
    ])
}

fn run(name: &str, bytes: &[u8]) -> Outcome {
    let text = docx::decode(bytes).expect("the document reads");
    let mut set = SourceSet::new();
    set.add(SourceFile::new(format!("docx/{name}.docx"), FileKind::Import, text));
    let project = Project::load(&root().join("project")).expect("the fixture project loads");
    docx::import(&project, set, Vec::new())
}

#[test]
fn a_word_case_study_becomes_an_entry() {
    let o = run("orvella-marshes", &case_study());
    assert_eq!(o.entries.len(), 1);
    let (path, entry) = &o.entries[0];
    assert_eq!(path, "entries/orvella-marshes.md");
    assert!(entry.contains("title: \"The Draining of the Orvella Marshes, 1911\""), "{entry}");
    assert!(entry.contains("  - name: \"Tamsin Quillfeather\""), "{entry}");
    assert!(entry.contains("written: 2015-03"), "{entry}");
    assert!(entry.contains("import docx"), "{entry}");
    // Headings, with the sub-heading one level down.
    assert!(entry.contains("\n## Context\n"), "{entry}");
    assert!(entry.contains("\n### The marsh wardens\n"), "{entry}");
    assert!(entry.contains("\n## Victims\n"), "{entry}");
    assert!(entry.contains("\n## Bibliography\n"), "{entry}");
    // Italics, a citation with its locator, a footnote with its definition.
    assert!(
        entry.contains(
            "the marsh villages of *Orvella* were drained after the flood of 1909 [@quillfeather2003, pp. 45-47].[^2]"
        ),
        "{entry}"
    );
    assert!(entry.contains("\n[^2]: The harbour register is lost [@quillfeather2003, p. 17].\n"), "{entry}");
    // The header's note is kept as a definition.
    assert!(entry.contains("[^1]: Written in exile."), "{entry}");
    // Entities, quotes, tracked changes.
    assert!(entry.contains("Wardens kept the dikes & the registers [@brannoch1998]."), "{entry}");
    assert!(entry.contains("> “We left with what we could carry.” [@brannoch1998, p. 12]"), "{entry}");
    assert!(entry.contains("> An indented recollection of the last ferry."), "{entry}");
    assert!(entry.contains("Kept and inserted."), "{entry}");
    assert!(entry.contains("\n[^3]\n\n[^3]: A note on its own line, in two paragraphs.\n"), "{entry}");
    assert!(!entry.contains("deleted words"), "{entry}");
    assert!(!entry.chars().any(|c| ('\u{E000}'..='\u{F8FF}').contains(&c)), "no marker is left: {entry}");
    // References parsed into BibLaTeX.
    let bib = o.bib.as_deref().expect("new works");
    assert!(bib.contains("@article{brannoch1998,"), "{bib}");
    assert!(bib.contains("journaltitle = {Journal of Invented Waters}"), "{bib}");
    assert!(bib.contains("@book{quillfeather2003,"), "{bib}");
    assert!(bib.contains("title     = {Drained lands}") || bib.contains("title = {Drained lands}"), "{bib}");
    // The report: no unresolved citation, the missing sections named.
    let codes: Vec<&str> = o.report.diagnostics.iter().map(|d| d.code).collect();
    assert!(!codes.contains(&"citation.unresolved"), "{codes:?}");
    assert!(codes.contains(&"section.missing"), "{codes:?}");
    assert_eq!(o.report.summary["citations"], 4, "{}", o.report.json());
    assert_eq!(o.report.summary["resolved"], 4);
    assert_eq!(o.report.summary["references"], 2);
}

#[test]
fn malformed_documents_are_errors() {
    let err = |bytes: &[u8]| docx::read(bytes).expect_err("not readable").to_string();
    assert!(err(b"plain text, not a zip").contains("not a zip archive"));
    assert!(err(&zip_of(&[("[Content_Types].xml", CONTENT_TYPES)])).contains("no word/document.xml"));
    let broken = zip_of(&[("word/document.xml", &format!("<w:document {W}><w:body><w:p><w:r><w:t>x</w:p>"))]);
    assert!(err(&broken).contains("not well-formed XML"), "{}", err(&broken));
    let unclosed = zip_of(&[("word/document.xml", &format!("<w:document {W}><w:body><w:p>"))]);
    assert!(err(&unclosed).contains("not well-formed XML"), "{}", err(&unclosed));
    let entity = zip_of(&[(
        "word/document.xml",
        &format!("<w:document {W}><w:p><w:r><w:t>&bogus;</w:t></w:r></w:p></w:document>"),
    )]);
    assert!(err(&entity).contains("not well-formed XML"), "{}", err(&entity));
}

#[test]
fn a_zip_bomb_is_cut_off() {
    // 40 MiB of one character compresses to a few dozen KiB.
    let big = format!(
        "<w:document {W}><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>",
        "a".repeat(40 << 20)
    );
    let bytes = zip_of(&[("word/document.xml", &big)]);
    assert!(bytes.len() < 1 << 20);
    assert!(docx::read(&bytes).unwrap_err().to_string().contains("larger than 32 MiB"));
}

#[test]
fn the_cli_imports_a_word_file_and_refuses_a_broken_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enc");
    copy_dir(&root().join("project"), &dir);
    let good = tmp.path().join("Orvella Marshes.docx");
    std::fs::write(&good, case_study()).unwrap();
    let bad = tmp.path().join("broken.docx");
    std::fs::write(&bad, b"PK\x03\x04 not really").unwrap();
    let attest = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_attest")).args(args).output().unwrap();
    let out =
        attest(&["import", "docx", bad.to_str().unwrap(), good.to_str().unwrap(), "--into", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("file.unreadable"));
    assert!(!dir.join("entries/orvella-marshes.md").exists());
    let out = attest(&["import", "docx", good.to_str().unwrap(), "--into", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["files"][0]["entry"], "entries/orvella-marshes.md");
    assert!(dir.join("entries/orvella-marshes.md").exists());
    assert!(std::fs::read_to_string(dir.join(import::IMPORTED_BIB)).unwrap().contains("@book{quillfeather2003,"));
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = docx::decode(&bytes);
    }

    #[test]
    fn arbitrary_document_xml_never_panics(xml in "[<>/a-z:=\" &;#0-9\u{e000}\u{e101}]{0,300}") {
        let bytes = zip_of(&[("word/document.xml", &format!("<w:document {W}><w:body>{xml}</w:body></w:document>"))]);
        if let Ok(doc) = docx::read(&bytes) {
            let _ = docx::to_text(&doc);
        }
    }

    #[test]
    fn damaged_archives_never_panic(cut in 0usize..4000, flip in 0usize..4000, byte in any::<u8>()) {
        let mut bytes = case_study();
        if flip < bytes.len() {
            bytes[flip] ^= byte;
        }
        bytes.truncate(cut.max(1));
        let _ = docx::decode(&bytes);
    }
}
