//! `attest build`: the site's privacy guarantees (no third-party request, no
//! restricted byte in a public build), determinism, and the command itself.

use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const MARKERS: &[&str] = &[
    "SECRETWORKTITLE",
    "SECRETPLACENAME",
    "SECRETESTIMATEWORDING",
    "7777777",
    "7,777,777",
    "SECRETFIGUREMEASURE",
    "5555555",
    "5,555,555",
    "SECRETEVENTLABEL",
    "SECRETQUALIFICATION",
    "SECRETPOSITIONARGUMENT",
    "SECRETHOLDER",
    "SECRETWITNESSNAME",
    "SECRETTESTIMONYSUMMARY",
    "SECRETDIVTEXT",
    "SECRETSECTIONTEXT",
    "SECRETSUBHEADING",
    "SECRETENTRYTITLE",
    "SECRETAUTHOR",
    "SECRETSUMMARY",
    "SECRETENTRYBODY",
    "interview2020",
    "Interviewer",
    "hidden-event",
    "hidden-witness",
    "secret-figure",
];

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn site(dir: &Path, audience: attest::access::Audience) -> BTreeMap<String, Vec<u8>> {
    let a = attest::analyze(attest::source::load::load_dir(dir).unwrap(), &|| {});
    assert_eq!(a.counts().0, 0, "{}", attest::report::human(&a, false));
    let view = attest::access::view(&a, audience);
    attest::render::site::render_site(&view, &attest::render::site::Theme::default(), &|| {})
        .unwrap()
        .into_iter()
        .collect()
}

fn sample_site() -> BTreeMap<String, Vec<u8>> {
    let a = attest::analyze(attest::source::load::load_files(attest::sample::sample_files()).unwrap(), &|| {});
    let view = attest::access::view(&a, attest::access::Audience::Public);
    attest::render::site::render_site(&view, &attest::render::site::Theme::default(), &|| {})
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn no_restricted_byte_reaches_any_file_of_a_public_build() {
    let files = site(&fixture("build/restricted"), attest::access::Audience::Public);
    let mut leaks = Vec::new();
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for m in MARKERS {
            if text.contains(m) || path.contains(m) {
                leaks.push(format!("{m} in {path}"));
            }
        }
    }
    assert!(leaks.is_empty(), "restricted material leaked: {leaks:?}");
    // The public material is there.
    let page = String::from_utf8_lossy(&files["entries/public/index.html"]).into_owned();
    assert!(page.contains("Public text about") && page.contains("Public again"));
    assert!(!files.contains_key("entries/secret/index.html"));
}

#[test]
fn an_internal_edition_has_the_restricted_material_and_says_so() {
    let files = site(&fixture("build/restricted"), attest::access::Audience::Internal);
    let all: String = files.values().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    for m in ["SECRETDIVTEXT", "SECRETSECTIONTEXT", "SECRETENTRYTITLE", "SECRETWITNESSNAME", "SECRETEVENTLABEL"] {
        assert!(all.contains(m), "{m} missing from the internal edition");
    }
    let page = String::from_utf8_lossy(&files["entries/public/index.html"]).into_owned();
    assert!(page.contains("Internal edition"));
    assert!(page.contains("noindex"));
}

/// Every reference to another host that would make the reader's browser
/// fetch something: `src`, `href` of stylesheets, scripts and icons,
/// `@import`, `url()`, `srcset`, `<object data>`. Links (`<a href>`) to
/// sources are allowed.
fn third_party_requests(path: &str, text: &str) -> Vec<String> {
    let external = |v: &str| {
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")
    };
    let mut found = Vec::new();
    let lower = text.to_lowercase();
    for attr in ["src=", "srcset=", "data=", "poster=", "action="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let at = from + i + attr.len();
            let v: String = text[at..].chars().take(200).collect();
            let before = lower[..from + i].chars().last().unwrap_or(' ');
            if before.is_whitespace() && external(&v) {
                found.push(format!("{path}: {attr}{}", &v[..v.len().min(60)]));
            }
            from = at;
        }
    }
    // <link href> pulls stylesheets, icons, fonts, preloads.
    let mut from = 0;
    while let Some(i) = lower[from..].find("<link") {
        let start = from + i;
        let end = lower[start..].find('>').map(|j| start + j).unwrap_or(lower.len());
        let tag = &lower[start..end];
        if let Some(h) = tag.find("href=") {
            let rel_alternate = tag.contains("rel=\"alternate\"") || tag.contains("rel=\"canonical\"");
            if external(&tag[h + 5..]) && !rel_alternate {
                found.push(format!("{path}: {}", &text[start..end.min(start + 120)]));
            }
        }
        from = end;
    }
    for pat in ["@import", "url("] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(pat) {
            let at = from + i + pat.len();
            let v: String = lower[at..].chars().take(100).collect();
            let v = v.trim_start_matches(['(', ' ', '"', '\'']);
            if v.starts_with("http") || v.starts_with("//") {
                found.push(format!("{path}: {pat}{}", &v[..v.len().min(60)]));
            }
            from = at;
        }
    }
    found
}

#[test]
fn no_page_makes_a_third_party_request() {
    let files = sample_site();
    let mut found = Vec::new();
    for (path, bytes) in &files {
        if [".html", ".css", ".js", ".svg"].iter().any(|e| path.ends_with(e)) {
            found.extend(third_party_requests(path, &String::from_utf8_lossy(bytes)));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_third_party_detector_catches_what_it_should() {
    let bad = r#"<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/a.js"></script><style>@import "https://f.example/f.css"; b { background: url(https://t.example/p.png) }</style><img srcset="https://i.example/1.png 1x">"#;
    assert_eq!(third_party_requests("x.html", bad).len(), 5);
    let fine = r#"<a href="https://doi.org/10.1/x">DOI</a><link rel="canonical" href="https://example.org/"><script src="../assets/site.js"></script>"#;
    assert!(third_party_requests("x.html", fine).is_empty());
}

#[test]
fn the_build_is_deterministic() {
    assert_eq!(sample_site(), sample_site());
}

#[test]
fn build_refuses_a_project_with_errors_and_never_replaces_a_foreign_folder() {
    let exe = env!("CARGO_BIN_EXE_attest");
    let tmp = tempfile::tempdir().unwrap();
    let bad = fixture("check/citation-unresolved");
    let out = tmp.path().join("out");
    let o = std::process::Command::new(exe)
        .args(["build", bad.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("citation.unresolved"));
    assert!(!out.exists(), "nothing is written when check fails");

    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("thesis.docx"), "irreplaceable").unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample");
    let o = std::process::Command::new(exe)
        .args(["build", sample.to_str().unwrap(), "--out", mine.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(mine.join("thesis.docx")).unwrap(), "irreplaceable");

    // A folder written by attest is replaced by the next build.
    let site = tmp.path().join("site");
    for _ in 0..2 {
        let o = std::process::Command::new(exe)
            .args(["build", sample.to_str().unwrap(), "--out", site.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(site.join("entries/chechens-ingush-1944/index.html").is_file());
}
