//! What crawlers and feed readers fetch: the sitemap, the Atom feed of
//! published entries and `robots.txt`.
//!
//! Text is escaped for XML (and characters XML 1.0 cannot hold are
//! dropped); addresses are percent-encoded where a URL may not hold a
//! character as it is. Dates are calendar days; the feed gives them at
//! midnight UTC.

use crate::config::Config;
use crate::model::{Entry, Status};
use crate::render::format::esc as escape;

use super::meta::{calendar_day, year4};

/// Where the sitemap is published, under the site's base URL.
pub const SITEMAP_PATH: &str = "sitemap.xml";

/// Where the Atom feed is published, under the site's base URL.
pub const FEED_PATH: &str = "feed.xml";

/// The sitemap of the site: one `<url>` per page, in the order given (a
/// page given twice is listed once). A path is taken relative to
/// `base_url` unless it is an absolute http(s) address; `lastmod` is
/// written when it is a `YYYY-MM-DD` date.
pub fn sitemap(base_url: &str, pages: &[(String, Option<String>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for (path, lastmod) in pages {
        let loc = join(base_url, path);
        if !seen.insert(loc.clone()) {
            continue;
        }
        out.push_str("  <url>\n    <loc>");
        out.push_str(&escape(&loc));
        out.push_str("</loc>\n");
        if let Some(d) = lastmod.as_deref().map(str::trim).filter(|d| is_day(d)) {
            out.push_str(&format!("    <lastmod>{d}</lastmod>\n"));
        }
        out.push_str("  </url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// The Atom feed of the published entries, newest first by last
/// modification (or first publication). Only entries whose status is
/// `published` and that carry a `published` or `modified` day are listed;
/// an entry without either cannot be dated in a feed.
pub fn atom(config: &Config, entries: &[(&Entry, String)]) -> String {
    let mut items: Vec<(&Entry, &str, Option<String>, String)> = entries
        .iter()
        .filter(|(e, _)| e.status.as_ref().is_some_and(|s| s.v == Status::Published))
        .filter_map(|(e, url)| {
            let published = e.published.as_ref().and_then(day);
            let updated = e.modified.as_ref().and_then(day).or(published.clone())?;
            Some((*e, url.as_str(), published, updated))
        })
        .collect();
    items.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| b.2.cmp(&a.2)).then_with(|| a.0.slug.cmp(&b.0.slug)));
    let base = config.base_url.as_str();
    let lang = config.default_language();
    let updated = items.iter().map(|i| i.3.as_str()).max().unwrap_or("1970-01-01");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n", escape(lang)));
    out.push_str(&format!("  <title>{}</title>\n", escape(&config.title)));
    if let Some(s) = config.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!("  <subtitle>{}</subtitle>\n", escape(s)));
    }
    out.push_str(&format!("  <id>{}</id>\n", escape(&join(base, ""))));
    out.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&join(base, ""))));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&join(base, FEED_PATH))
    ));
    out.push_str(&format!("  <updated>{}</updated>\n", timestamp(updated)));
    let who = config.publisher.as_deref().filter(|p| !p.trim().is_empty()).unwrap_or(&config.title);
    out.push_str(&format!("  <author>\n    <name>{}</name>\n  </author>\n", escape(who)));
    if let Some(l) = config.license.as_deref().filter(|l| !l.trim().is_empty()) {
        out.push_str(&format!("  <rights>{}</rights>\n", escape(l)));
    }
    out.push_str("  <generator>attest</generator>\n");
    for (e, url, published, updated) in items {
        let url = join(base, url);
        if e.language.is_empty() || e.language == lang {
            out.push_str("  <entry>\n");
        } else {
            out.push_str(&format!("  <entry xml:lang=\"{}\">\n", escape(&e.language)));
        }
        out.push_str(&format!("    <title type=\"text\">{}</title>\n", escape(&e.title.v)));
        out.push_str(&format!("    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&url)));
        out.push_str(&format!("    <id>{}</id>\n", escape(&url)));
        if let Some(p) = &published {
            out.push_str(&format!("    <published>{}</published>\n", timestamp(p)));
        }
        out.push_str(&format!("    <updated>{}</updated>\n", timestamp(&updated)));
        for a in e.authors.iter().filter(|a| !a.name.trim().is_empty()) {
            out.push_str(&format!("    <author>\n      <name>{}</name>\n", escape(a.name.trim())));
            if let Some(o) = a.orcid.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
                let uri = if o.starts_with("http") { o.to_string() } else { format!("https://orcid.org/{o}") };
                out.push_str(&format!("      <uri>{}</uri>\n", escape(&uri)));
            }
            out.push_str("    </author>\n");
        }
        for t in e.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            out.push_str(&format!("    <category term=\"{}\"/>\n", escape(t)));
        }
        if let Some(s) = e.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            out.push_str(&format!("    <summary type=\"text\">{}</summary>\n", escape(s)));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// `robots.txt`: everything may be crawled; the sitemap is named.
pub fn robots(base_url: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", join(base_url, SITEMAP_PATH))
}

/// `YYYY-MM-DD` of a date field naming one day.
fn day(f: &crate::model::DateField) -> Option<String> {
    calendar_day(f).map(|(y, m, d)| format!("{}-{m:02}-{d:02}", year4(y)))
}

fn timestamp(day: &str) -> String {
    format!("{day}T00:00:00Z")
}

fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

/// A page's address: `path` under `base`, or `path` itself when absolute;
/// characters a URL cannot hold as they are percent-encoded.
fn join(base: &str, path: &str) -> String {
    let url = if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{}/{}", base.trim().trim_end_matches('/'), path.trim().trim_start_matches('/'))
    };
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_graphic() && !"\"<>\\^`{|}".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{date_field, entry_url, parse_entry, sample};

    /// The text content of every `<tag>` element, in order (no nesting of
    /// the same tag), unescaped; checks that escapes are well formed.
    fn texts(xml: &str, tag: &str) -> Vec<String> {
        let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
        let mut out = Vec::new();
        let mut rest = xml;
        while let Some(i) = rest.find(&open) {
            let after = &rest[i + open.len()..];
            if !after.starts_with(['>', ' ']) {
                rest = after;
                continue;
            }
            let start = after.find('>').unwrap() + 1;
            let end = after.find(&close).unwrap();
            out.push(unescape(&after[start..end]));
            rest = &after[end..];
        }
        out
    }

    fn unescape(s: &str) -> String {
        assert!(!s.contains('<') && !s.contains('>'), "unescaped markup in {s:?}");
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').expect("an entity ends with ;") + i;
            out.push_str(match &rest[i..=end] {
                "&amp;" => "&",
                "&lt;" => "<",
                "&gt;" => ">",
                "&quot;" => "\"",
                "&apos;" => "'",
                e => panic!("unknown entity {e}"),
            });
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn sitemap_escapes_and_joins_addresses() {
        let pages = vec![
            ("".to_string(), None),
            ("/entries/a/".to_string(), Some("2026-11-29".to_string())),
            ("entries/a/".to_string(), Some("2027-01-01".to_string())),
            ("search/?q=a&lang=en".to_string(), Some("not a date".to_string())),
            ("places/Грозный/".to_string(), None),
            ("https://other.example/x".to_string(), None),
        ];
        let out = sitemap("https://example.org/enc/", &pages);
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset"));
        assert_eq!(
            texts(&out, "loc"),
            [
                "https://example.org/enc/",
                "https://example.org/enc/entries/a/",
                "https://example.org/enc/search/?q=a&lang=en",
                "https://example.org/enc/places/%D0%93%D1%80%D0%BE%D0%B7%D0%BD%D1%8B%D0%B9/",
                "https://other.example/x",
            ]
        );
        assert!(out.contains("q=a&amp;lang=en"));
        assert_eq!(texts(&out, "lastmod"), ["2026-11-29"]);
        assert_eq!(out, sitemap("https://example.org/enc/", &pages), "deterministic");
    }

    #[test]
    fn robots_names_the_sitemap() {
        assert_eq!(
            robots("https://example.org/enc"),
            "User-agent: *\nAllow: /\n\nSitemap: https://example.org/enc/sitemap.xml\n"
        );
    }

    #[test]
    fn atom_lists_published_entries_newest_first() {
        let mut a = sample();
        a.corpus.config.title = "Mass <Violence> & \"Co\"".into();
        let entries: Vec<(&Entry, String)> = a.corpus.entries.iter().map(|e| (e, entry_url(&a, &e.slug))).collect();
        let extra = parse_entry(
            "z",
            "---\ntitle: \"R&D </title> \u{1} x\"\nkind: essay\nstatus: published\nauthors:\n  - name: Ann Smith\n    orcid: 0000-0002-1825-0097\npublished: 2026-12-01\nmodified: 2027-02-03\nlanguage: fr\ntags: [\"a&b\"]\n---\nText.\n",
        );
        let mut all = entries.clone();
        all.push((&extra, "entries/z/".to_string()));
        let out = atom(&a.corpus.config, &all);
        let published: Vec<&str> = a
            .corpus
            .entries
            .iter()
            .filter(|e| e.status.as_ref().is_some_and(|s| s.v == Status::Published))
            .map(|e| e.title.v.as_str())
            .collect();
        let titles = texts(&out, "title");
        assert_eq!(titles[0], "Mass <Violence> & \"Co\"");
        assert_eq!(titles[1], "R&D </title>  x", "newest first; control characters dropped");
        assert_eq!(titles.len(), 2 + published.len(), "drafts and entries in review are left out");
        assert_eq!(texts(&out, "updated")[0], "2027-02-03T00:00:00Z", "the feed is as new as its newest entry");
        assert!(out.contains(
            "<link rel=\"alternate\" type=\"text/html\" href=\"https://example.org/attest-sample/entries/z/\"/>"
        ));
        assert!(out.contains("<entry xml:lang=\"fr\">"));
        assert!(out.contains("<category term=\"a&amp;b\"/>"));
        assert_eq!(texts(&out, "uri"), ["https://orcid.org/0000-0002-1825-0097"]);
        assert_eq!(out, atom(&a.corpus.config, &all), "deterministic");
    }

    #[test]
    fn an_entry_without_dates_cannot_be_in_the_feed() {
        let a = sample();
        let mut e = a.corpus.entry("chechens-ingush-1944").unwrap().clone();
        e.published = None;
        e.modified = None;
        let out = atom(&a.corpus.config, &[(&e, "x".into())]);
        assert!(!out.contains("<entry"));
        assert_eq!(texts(&out, "updated"), ["1970-01-01T00:00:00Z"]);
        e.modified = Some(date_field("2027-03-04"));
        let out = atom(&a.corpus.config, &[(&e, "x".into())]);
        assert!(!out.contains("<published>"));
        assert_eq!(texts(&out, "updated"), ["2027-03-04T00:00:00Z", "2027-03-04T00:00:00Z"]);
    }
}
