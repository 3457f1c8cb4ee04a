//! Script injection: `tests/fixtures/xss` puts a corpus of payloads (script
//! tags, event handlers, `javascript:`/`vbscript:`/`data:` URLs, SVG, CSS
//! expressions, broken markup) in every field that reaches a reader: entry
//! bodies, titles, summaries, authors, figures, events, positions,
//! testimonies, tags, bibliography fields, place names in several scripts,
//! notes and the site's configuration. Every payload carries a marker
//! (`XSSMARKnn`) so a failure says which one got through.
//!
//! Every file of the static site, every page and API answer of the server,
//! and searches whose query is itself a payload are checked: markup is read
//! by the small scanner below, which finds each tag the way a browser's
//! tokenizer would (quoted and unquoted attributes, raw-text `<script>` and
//! `<style>`) and refuses anything that could run. A scanner of our own,
//! rather than an HTML parser crate, because it is stricter than a parser
//! (it never repairs broken markup; an unclosed tag or quote is itself a
//! failure) and it costs no dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const MARK: &str = "XSSMARK";

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss")
}

fn analysis() -> attest::Analysis {
    let a = attest::analyze(attest::source::load::load_dir(&fixture()).unwrap(), &|| {});
    assert_eq!(a.counts().0, 0, "the corpus must load cleanly: {}", attest::report::human(&a, false));
    a
}

fn site_files() -> BTreeMap<String, Vec<u8>> {
    let view = attest::access::view(&analysis(), attest::access::Audience::Public);
    attest::render::site::render_site(&view, &attest::render::site::Theme::default(), &|| {})
        .unwrap()
        .into_iter()
        .collect()
}

fn server() -> Router {
    let snap = attest::serve::state::snapshot(
        &analysis(),
        &attest::render::site::Theme::default(),
        true,
        None,
        &mut attest::render::site::RenderCache::default(),
    )
    .unwrap();
    let (tx, rx) = tokio::sync::watch::channel(false);
    std::mem::forget(tx);
    attest::serve::app(attest::serve::AppState::new(snap, true, rx))
}

/// The markers in a text.
fn markers(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(MARK) {
        let digits: String = rest[i + MARK.len()..].chars().take_while(char::is_ascii_digit).collect();
        out.insert(format!("{MARK}{digits}"));
        rest = &rest[i + MARK.len()..];
    }
    out
}

/// The start of a text, for messages.
fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// One tag as a browser's tokenizer reads it.
#[derive(Debug)]
struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
    raw: String,
}

/// Decodes the character references that can hide a URL's scheme, then
/// drops what browsers drop from URLs (ASCII whitespace and controls).
fn url_text(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            let end = rest.find(|ch: char| ch == ';' || ch.is_whitespace()).unwrap_or(rest.len());
            let entity = &rest[1..end];
            let decoded = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = entity.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match entity.to_ascii_lowercase().as_str() {
                    "colon" => Some(':'),
                    "tab" => Some('\t'),
                    "newline" => Some('\n'),
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => None,
                }
            };
            if let Some(d) = decoded {
                out.push(d);
                rest = rest.get(end + 1..).unwrap_or("");
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase()
}

/// Attributes whose value a browser loads or navigates to.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcset",
    "cite",
    "ping",
    "lowsrc",
    "dynsrc",
    "content",
];

/// Elements attest never writes, whatever they carry.
const NEVER: &[&str] = &[
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "isindex",
    "noscript",
    "xmp",
    "plaintext",
    "math",
    "template",
    "textarea",
];

/// Elements attest writes, which must carry nothing from the data.
const NO_DATA: &[&str] = &["svg", "style", "form", "script"];

/// Scripts attest writes itself, by the end of their `src`.
const OWN_SCRIPTS: &[&str] = &["search/search.js", "assets/site.js", "_attest/live.js", "search/index.js"];

/// Every way `text` (HTML, SVG or XML) could run something, as messages.
fn scan_markup(where_: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bad = |m: String| problems.push(format!("{where_}: {m}"));
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('<') {
        let at = i + off;
        let rest = &text[at..];
        // Comments and CDATA sections are skipped whole; one left open
        // would swallow the rest of the page.
        let skipped = [("<!--", "-->"), ("<![CDATA[", "]]>")].into_iter().find(|(open, _)| rest.starts_with(open));
        if let Some((open, close)) = skipped {
            match rest.find(close) {
                Some(end) => i = at + end + close.len(),
                None => {
                    bad(format!("`{open}` that never closes"));
                    break;
                }
            }
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = at + rest.find('>').unwrap_or(rest.len() - 1) + 1;
            continue;
        }
        let mut j = at + 1;
        let closing = bytes.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        if !bytes.get(j).is_some_and(u8::is_ascii_alphabetic) {
            // A `<` that starts no tag is text to a browser.
            i = at + 1;
            continue;
        }
        let name_end =
            text[j..].find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>').map_or(text.len(), |k| j + k);
        let name = text[j..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut k = name_end;
        let mut closed = false;
        while k < text.len() {
            let c = bytes[k];
            if c.is_ascii_whitespace() || c == b'/' {
                k += 1;
                continue;
            }
            if c == b'>' {
                closed = true;
                k += 1;
                break;
            }
            let an_end = text[k + 1..]
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
                .map_or(text.len(), |x| k + 1 + x);
            let attr = text[k..an_end].to_ascii_lowercase();
            k = an_end;
            while k < text.len() && bytes[k].is_ascii_whitespace() {
                k += 1;
            }
            let mut value = String::new();
            if bytes.get(k) == Some(&b'=') {
                k += 1;
                while k < text.len() && bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                match bytes.get(k) {
                    Some(&q) if q == b'"' || q == b'\'' => match text[k + 1..].find(q as char) {
                        Some(e) => {
                            value = text[k + 1..k + 1 + e].to_string();
                            k = k + 1 + e + 1;
                        }
                        None => {
                            bad(format!("an attribute quote that never closes in <{name}"));
                            k = text.len();
                        }
                    },
                    _ => {
                        let e = text[k..].find(|c: char| c.is_ascii_whitespace() || c == '>').unwrap_or(text.len() - k);
                        value = text[k..k + e].to_string();
                        k += e;
                    }
                }
            }
            attrs.push((attr, value));
        }
        let raw = text[at..k.min(text.len())].to_string();
        if !closed {
            bad(format!("a tag that never closes: {}", clip(&raw)));
            break;
        }
        let tag = Tag { name, closing, attrs, raw };
        i = k;
        if !tag.closing {
            check_tag(&tag, &mut bad);
            if tag.name == "script" || tag.name == "style" {
                // Raw text: everything up to the closing tag is content.
                let end = text[i..].to_ascii_lowercase().find(&format!("</{}", tag.name)).map(|e| i + e);
                let Some(end) = end else {
                    bad(format!("<{}> that never closes", tag.name));
                    break;
                };
                check_raw_text(&tag, &text[i..end], &mut bad);
                i = end;
            }
        }
    }
    problems
}

fn check_tag(tag: &Tag, bad: &mut dyn FnMut(String)) {
    let name = tag.name.as_str();
    // Names are lowercased as a browser does; markers are upper case.
    let marked = |s: &str| !markers(&s.to_ascii_uppercase()).is_empty();
    if marked(&tag.name) || tag.attrs.iter().any(|(a, _)| marked(a)) {
        bad(format!("markup made from data: {}", tag.raw));
    }
    if NEVER.contains(&name) {
        bad(format!("<{name}> is never written by attest: {}", tag.raw));
    }
    if NO_DATA.contains(&name) && !markers(&tag.raw).is_empty() {
        bad(format!("<{name}> carries data: {}", tag.raw));
    }
    for (attr, value) in &tag.attrs {
        if attr.starts_with("on") {
            bad(format!("an event handler `{attr}`: {}", tag.raw));
        }
        if URL_ATTRS.contains(&attr.as_str()) {
            let url = url_text(value);
            for scheme in ["javascript:", "vbscript:", "data:", "livescript:"] {
                if url.starts_with(scheme) || (attr == "content" && url.contains(&format!("url={scheme}"))) {
                    bad(format!("a `{scheme}` URL in `{attr}`: {}", tag.raw));
                }
            }
        }
        if attr == "style" {
            let css = url_text(value);
            if css.contains("expression(") || css.contains("javascript:") || css.contains("-moz-binding") {
                bad(format!("script in a style attribute: {}", tag.raw));
            }
            if !markers(value).is_empty() {
                bad(format!("a style attribute made from data: {}", tag.raw));
            }
        }
    }
    if name == "script" {
        let src = tag.attrs.iter().find(|(a, _)| a == "src").map(|(_, v)| v.as_str());
        let ty = tag.attrs.iter().find(|(a, _)| a == "type").map(|(_, v)| v.as_str());
        let own = match (src, ty) {
            (Some(src), None) => OWN_SCRIPTS.iter().any(|s| src.ends_with(s)),
            (None, Some("application/ld+json")) => true,
            _ => false,
        };
        if !own {
            bad(format!("a script attest does not write: {}", tag.raw));
        }
    }
}

fn check_raw_text(tag: &Tag, content: &str, bad: &mut dyn FnMut(String)) {
    let ty = tag.attrs.iter().find(|(a, _)| a == "type").map(|(_, v)| v.as_str());
    if tag.name == "script" && ty == Some("application/ld+json") {
        // JSON must escape `<`, so that neither `</script` nor `<!--` can
        // end or change the script element.
        if content.contains('<') {
            bad(format!("a raw `<` inside JSON-LD: {}", clip(&content[content.find('<').unwrap()..])));
        }
        if let Err(e) = serde_json::from_str::<Value>(content) {
            bad(format!("JSON-LD that is not JSON ({e})"));
        }
    } else if tag.name == "script" {
        if !content.trim().is_empty() {
            bad(format!("an inline script: {}", clip(content)));
        }
    } else {
        let css = content.to_ascii_lowercase();
        if !markers(content).is_empty() || css.contains("expression(") || css.contains("javascript:") {
            bad(format!("a style sheet made from data: {}", clip(content)));
        }
    }
}

/// Keys of JSON answers whose strings are HTML fragments.
const HTML_KEYS: &[&str] = &["html", "snippet", "reference"];

fn scan_json(where_: &str, value: &Value, key: &str, problems: &mut Vec<String>) {
    match value {
        Value::String(s) if HTML_KEYS.contains(&key) => problems.extend(scan_markup(&format!("{where_} .{key}"), s)),
        Value::Array(items) => items.iter().for_each(|v| scan_json(where_, v, key, problems)),
        Value::Object(map) => map.iter().for_each(|(k, v)| scan_json(where_, v, k, problems)),
        _ => {}
    }
}

/// What kind of text a file or answer is, and the checks that fit it.
fn audit(where_: &str, kind: &str, bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return if markers(&String::from_utf8_lossy(bytes)).is_empty() {
            Vec::new()
        } else {
            vec![format!("{where_}: binary data with a marker")]
        };
    };
    match kind {
        "html" | "xml" | "svg" => scan_markup(where_, text),
        "json" => match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                let mut problems = Vec::new();
                scan_json(where_, &v, "", &mut problems);
                problems
            }
            Err(e) => vec![format!("{where_}: not JSON ({e})")],
        },
        "js" => {
            // The static search index is data in a script: it must be
            // exactly one JSON value assigned to one global.
            let data = text
                .trim_start_matches('\u{FEFF}')
                .strip_prefix("window.ATTEST_SEARCH = ")
                .and_then(|t| t.trim_end().strip_suffix(';'));
            match data {
                Some(json) => match serde_json::from_str::<Value>(json) {
                    Ok(_) => Vec::new(),
                    Err(e) => vec![format!("{where_}: the search index is not one JSON value ({e})")],
                },
                None if markers(text).is_empty() => Vec::new(),
                None => vec![format!("{where_}: a script carrying data")],
            }
        }
        "css" if !markers(text).is_empty() => vec![format!("{where_}: a style sheet carrying data")],
        // Plain-text formats are inert where they are served as such (checked
        // against the server's content types below).
        "css" | "text" => Vec::new(),
        other => vec![format!("{where_}: no rule for {other} files; add one")],
    }
}

fn kind_of_path(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "html",
        Some("xml") => "xml",
        Some("svg") => "svg",
        Some("json" | "geojson" | "jsonld") => "json",
        Some("js") => "js",
        Some("css") => "css",
        Some("bib" | "ris" | "csv" | "txt") => "text",
        _ => "unknown",
    }
}

fn kind_of_type(content_type: &str) -> &'static str {
    let t = content_type.split(';').next().unwrap_or("").trim();
    match t {
        "text/html" => "html",
        "image/svg+xml" => "svg",
        t if t.ends_with("xml") => "xml",
        t if t.ends_with("json") => "json",
        "text/javascript" | "application/javascript" => "js",
        "text/css" => "css",
        t if t.starts_with("text/") || t.starts_with("application/x-") => "text",
        _ => "unknown",
    }
}

#[test]
fn no_payload_is_live_in_any_file_of_the_static_site() {
    let files = site_files();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, bytes) in &files {
        problems.extend(audit(path, kind_of_path(path), bytes));
        seen.extend(markers(&String::from_utf8_lossy(bytes)));
        if !markers(path).is_empty() {
            problems.push(format!("{path}: a file named after data"));
        }
    }
    assert!(problems.is_empty(), "{} live payloads:\n{}", problems.len(), problems.join("\n"));
    // The payloads did reach the pages, as text: the test looked at them.
    for m in SHOWN {
        assert!(seen.contains(*m), "{m} is in no file: the corpus no longer exercises its field");
    }
}

/// Markers in fields that every reader sees (as harmless text).
const SHOWN: &[&str] = &[
    "XSSMARK01",
    "XSSMARK02",
    "XSSMARK03",
    "XSSMARK04",
    "XSSMARK06",
    "XSSMARK08",
    "XSSMARK09",
    "XSSMARK10",
    "XSSMARK11",
    "XSSMARK12",
    "XSSMARK13",
    "XSSMARK15",
    "XSSMARK18",
    "XSSMARK20",
    "XSSMARK21",
    "XSSMARK22",
    "XSSMARK23",
    "XSSMARK24",
    "XSSMARK25",
    "XSSMARK27",
    "XSSMARK28",
    "XSSMARK29",
    "XSSMARK30",
    "XSSMARK31",
    "XSSMARK32",
    "XSSMARK33",
    "XSSMARK34",
    "XSSMARK36",
    "XSSMARK40",
    "XSSMARK41",
    "XSSMARK42",
    "XSSMARK44",
    "XSSMARK46",
    "XSSMARK47",
    "XSSMARK57",
    "XSSMARK90",
    "XSSMARK93",
];

async fn fetch(app: &Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let ty = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, ty, body)
}

/// Queries that are payloads themselves, and queries that find the corpus.
const QUERIES: &[&str] = &[
    "<script>alert('XSSMARK200')</script>",
    "\"><img src=x onerror=alert('XSSMARK201')>",
    "' onmouseover='XSSMARK202",
    "</title><svg onload=XSSMARK203>",
    "javascript:alert('XSSMARK204')",
    "<style>*{x:expression(XSSMARK205)}</style>",
    "script",
    "XSSMARK01",
    "onerror",
    "\"XSSMARK206",
];

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn no_payload_is_live_in_any_answer_of_the_server() {
    let app = server();
    let mut uris: Vec<String> = site_files().keys().map(|p| format!("/{p}")).collect();
    uris.extend(
        [
            "/api/v1",
            "/api/v1/openapi.json",
            "/api/v1/entries",
            "/api/v1/entries/evil",
            "/api/v1/entries/plain",
            "/api/v1/entries/evil/figures/people",
            "/api/v1/figures",
            "/api/v1/events",
            "/api/v1/places",
            "/api/v1/places.geojson",
            "/api/v1/places/town",
            "/api/v1/places/region",
            "/api/v1/works",
            "/api/v1/works/evil2001",
            "/api/v1/works/evil2002",
            "/api/v1/works/evil2003",
            "/api/v1/works/evil2004",
            "/_attest/status",
            "/login",
            "/entries/evil/",
        ]
        .map(String::from),
    );
    for q in QUERIES {
        let q = encode(q);
        for base in ["/search/", "/api/search", "/api/v1/search"] {
            uris.push(format!("{base}?q={q}"));
            for filter in ["kind", "place", "period", "author", "lang"] {
                uris.push(format!("{base}?q=script&{filter}={q}"));
            }
        }
        uris.push(format!("/entries/{q}/"));
        uris.push(format!("/api/v1/entries/{q}"));
        uris.push(format!("/api/v1/{q}"));
        uris.push(format!("/login?next={q}"));
    }
    let mut problems = Vec::new();
    let mut searched = BTreeSet::new();
    for uri in &uris {
        let (status, ty, body) = fetch(&app, uri).await;
        if uri.starts_with("/search/?q=XSSMARK01") {
            searched.extend(markers(&String::from_utf8_lossy(&body)));
        }
        if status.is_server_error() {
            problems.push(format!("{uri}: {status}"));
        }
        let kind = kind_of_type(&ty);
        if body.is_empty() {
            continue;
        }
        if kind == "text" && !markers(&String::from_utf8_lossy(&body)).is_empty() {
            // Data served as plain text is inert, as long as it is not HTML.
            assert!(!ty.contains("html"), "{uri}: {ty}");
        }
        problems.extend(audit(uri, kind, &body));
    }
    assert!(problems.is_empty(), "{} live payloads:\n{}", problems.len(), problems.join("\n"));
    // The search page did show hits from the corpus: its snippets were checked.
    assert!(searched.contains("XSSMARK01"), "the search for a marker found nothing: {searched:?}");
}

#[test]
fn the_scanner_finds_each_kind_of_live_payload() {
    let live = [
        "<script>alert(1)</script>",
        "<p><img src=x onerror=alert(1)></p>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=' JAVASCRIPT&colon;alert(1)'>x</a>",
        "<a href=vbscript:x>x</a>",
        "<iframe src=\"data:text/html,x\"></iframe>",
        "<svg onload=\"x\"></svg>",
        "<div style=\"width: expression(alert(1))\">x</div>",
        "<style>p { background: url(javascript:x) }</style>",
        "<b title=\"x",
        "<form action=\"javascript:x\"></form>",
        "<meta http-equiv=refresh content=\"0;url=javascript:x\">",
        "<script type=\"application/ld+json\">{\"a\": \"</b>\"}</script>",
        "<span title=a XSSMARK1=x>",
        "<script src=\"https://elsewhere.example/x.js\"></script>",
    ];
    for html in live {
        assert!(!scan_markup("t", html).is_empty(), "not found: {html}");
    }
    let inert = [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; XSSMARK1 a < b</p>",
        "<a href=\"https://example.org/?q=javascript:x\" title=\"&quot;&gt;&lt;script&gt;XSSMARK1\">x</a>",
        "<script type=\"application/ld+json\">{\"a\": \"\\u003c/script\\u003e XSSMARK1\"}</script>",
        "<!-- a comment --><script src=\"../search/search.js\" defer></script>",
    ];
    for html in inert {
        assert_eq!(scan_markup("t", html), Vec::<String>::new(), "{html}");
    }
}
