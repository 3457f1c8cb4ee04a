//! The sample's built pages, as a reader meets them: numbers link to ledger
//! rows, citations to bibliography items, the how-to-cite line is complete,
//! and the HTML of the main pages is pinned by snapshots.

use std::collections::{BTreeMap, BTreeSet};

fn sample_site() -> BTreeMap<String, String> {
    let a = attest::analyze(attest::source::load::load_files(attest::sample::sample_files()).unwrap(), &|| {});
    let view = attest::access::view(&a, attest::access::Audience::Public);
    attest::render::site::render_site(&view, &attest::render::site::Theme::default(), &|| {})
        .unwrap()
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect()
}

fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let pat = format!("{attr}=\"");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find(&pat) {
        let start = from + i + pat.len();
        let end = html[start..].find('"').map(|j| start + j).unwrap_or(html.len());
        out.push(html[start..end].to_string());
        from = end;
    }
    out
}

#[test]
fn every_in_page_link_of_an_entry_has_its_target() {
    let site = sample_site();
    for (path, html) in site
        .iter()
        .filter(|(p, _)| p.starts_with("entries/") && p.ends_with("/index.html") && *p != "entries/index.html")
    {
        let ids: BTreeSet<String> = attr_values(html, "id").into_iter().collect();
        let missing: Vec<String> = attr_values(html, "href")
            .into_iter()
            .filter_map(|h| h.strip_prefix('#').map(str::to_string))
            .filter(|h| !ids.contains(h))
            .collect();
        assert!(missing.is_empty(), "{path}: links to missing anchors {missing:?}");
    }
}

#[test]
fn every_relative_link_of_the_site_points_to_a_built_file() {
    let site = sample_site();
    let mut broken = Vec::new();
    for (path, html) in site.iter().filter(|(p, _)| p.ends_with(".html") && *p != "404.html") {
        let dir = std::path::Path::new(path).parent().unwrap().to_path_buf();
        for h in attr_values(html, "href").into_iter().chain(attr_values(html, "src")) {
            if h.starts_with('#') || h.contains("://") || h.starts_with("mailto:") {
                continue;
            }
            let file = h.split('#').next().unwrap();
            let mut p = dir.clone();
            for part in file.split('/') {
                match part {
                    ".." => {
                        p.pop();
                    }
                    "" | "." => {}
                    x => p.push(x),
                }
            }
            let p = p.to_string_lossy().replace('\\', "/");
            if !site.contains_key(&p) {
                broken.push(format!("{path} -> {h}"));
            }
        }
    }
    broken.sort();
    broken.dedup();
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn the_case_study_page_shows_ledger_debate_citations_and_how_to_cite() {
    let site = sample_site();
    let page = &site["entries/chechens-ingush-1944/index.html"];
    // The mortality estimates side by side, with their bases.
    assert!(
        page.contains("id=\"fig-mortality-nkvd\"")
            && page.contains("id=\"fig-mortality-ediev\"")
            && page.contains("id=\"fig-mortality-historians\"")
    );
    assert!(page.contains("14.6–23.7%"));
    assert!(page.contains("demographic projection"));
    // Unverified values are flagged, in the banner and in the ledger.
    assert!(page.contains("Unverified data."));
    assert!(page.contains("class=\"badge unverified\""));
    // The debate, with both qualifications.
    assert!(page.contains("Genocide or ethnic cleansing?"));
    // Citations are formatted (Chicago author-date), not left as Pandoc keys.
    assert!(!page.contains("[@bugai1992"), "raw Pandoc citation left in the page");
    assert!(page.contains("href=\"#ref-bugai1992\""));
    // How to cite: title, encyclopedia, [online], dates, URL; the access
    // date reads correctly without scripts.
    let cite = &page[page.find("class=\"how-to-cite\"").unwrap()..];
    for needle in [
        "attest sample editors",
        "[online]",
        "published on",
        "29 November 2026",
        "[date of access]",
        "https://example.org/attest-sample/entries/chechens-ingush-1944/",
    ] {
        assert!(cite.contains(needle), "how to cite lacks {needle}");
    }
}

#[test]
fn the_chronology_sorts_edtf_dates_in_order() {
    let site = sample_site();
    let page = &site["chronology/index.html"];
    let dates = attr_values(page, "datetime");
    let parsed: Vec<_> = dates.iter().map(|d| attest::parse::edtf::parse(d).unwrap().sort_key()).collect();
    let mut sorted = parsed.clone();
    sorted.sort();
    assert_eq!(parsed, sorted);
    assert!(dates.iter().any(|d| d == "193X"), "the decade of uprisings is there");
}

#[test]
fn pages_are_pinned_by_snapshots() {
    let site = sample_site();
    for page in [
        "entries/chechens-ingush-1944/index.html",
        "entries/kalmyks-1943/index.html",
        "index.html",
        "chronology/index.html",
    ] {
        let name = page.replace('/', "__");
        insta::assert_snapshot!(name, site[page]);
    }
}

fn sample_with(edit: impl Fn(&str, &str) -> String) -> attest::access::View {
    let files: Vec<(String, Vec<u8>)> = attest::sample::sample_files()
        .into_iter()
        .map(|(p, b)| (p.to_string(), edit(p, std::str::from_utf8(b).unwrap()).into_bytes()))
        .collect();
    let loaded = attest::source::load::load_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))).unwrap();
    attest::access::view(&attest::analyze(loaded, &|| {}), attest::access::Audience::Public)
}

#[test]
fn the_render_cache_reuses_only_what_did_not_change_and_changes_no_byte() {
    use attest::render::site::{render, render_cached, RenderCache, Theme};
    let theme = Theme::default();
    let mut cache = RenderCache::default();
    let same = |_: &str, t: &str| t.to_string();
    let first = render_cached(&sample_with(same), &theme, &mut cache, &|| {}).unwrap();
    assert_eq!((cache.rendered, cache.reused), (6, 0));
    // Prose of one entry.
    let prose = |p: &str, t: &str| {
        if p.ends_with("kalmyks-1943.md") {
            format!("{t}\nAn added sentence.\n")
        } else {
            t.to_string()
        }
    };
    let second = render_cached(&sample_with(prose), &theme, &mut cache, &|| {}).unwrap();
    assert_eq!((cache.rendered, cache.reused), (1, 5));
    let fresh = render(&sample_with(prose), &theme, &|| {}).unwrap();
    // The server makes the static search index itself, from the same documents.
    let index = attest::index::INDEX_PATH;
    let fresh_pages: Vec<_> = fresh.files.iter().filter(|(p, _)| p != index).cloned().collect();
    assert_eq!(second.files, fresh_pages, "cached = fresh");
    assert!(!second.files.iter().any(|(p, _)| p == index));
    assert_eq!(
        attest::index::build(&second.search_docs),
        fresh.files.iter().filter(|(p, _)| p == index).cloned().collect::<Vec<_>>()
    );
    assert_ne!(first.files, second.files);
    // The bibliography is shared by every entry: all are rendered again.
    let bib = |p: &str, t: &str| {
        if p.ends_with(".bib") {
            t.replacen("title", "titleaddon = {Changed},\n  title", 1)
        } else {
            prose(p, t)
        }
    };
    render_cached(&sample_with(bib), &theme, &mut cache, &|| {}).unwrap();
    assert_eq!((cache.rendered, cache.reused), (6, 0));
}
