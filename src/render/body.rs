//! An entry's Markdown body as HTML: citations formatted, `{fig:...}`
//! references replaced by the numbers from the data (linked to the figure
//! ledger), links to other entries resolved, fenced divs turned into
//! `<div>`s, and the result sanitised.
//!
//! Citations and figure references are swapped for placeholder characters
//! from Unicode's private use area before pulldown-cmark runs, and swapped
//! back after ammonia has cleaned the HTML, so the generated markup is
//! never re-parsed as Markdown and hostile Markdown cannot forge it.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use crate::access::SiteEntry;
use crate::parse::markdown;
use crate::render::format::{esc, estimate_value, shown_estimates};

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A heading for the table of contents.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TocItem {
    /// 2 for sections, 3 for subsections.
    pub level: u8,
    /// Heading text.
    pub title: String,
    /// Anchor.
    pub anchor: String,
    /// Whether the section is restricted (internal editions only).
    pub restricted: bool,
}

/// The rendered body.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedBody {
    /// Sanitised HTML.
    pub html: String,
    /// Sections and subsections.
    pub toc: Vec<TocItem>,
}

/// Renders the body of `se`. `citations[i]` is the HTML of the i-th prose
/// citation (`se.entry.body.citations[i]`); `entry_url(slug, anchor)` gives
/// the relative URL of another entry.
pub fn render(se: &SiteEntry, citations: &[String], entry_url: &dyn Fn(&str, Option<&str>) -> String) -> RenderedBody {
    let e = &se.entry;
    let md = &se.markdown;
    let lang = e.language.as_str();

    // 1. Placeholders and div fences.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for (i, c) in e.body.citations.iter().enumerate() {
        edits.push((c.span.clone(), format!("{OPEN}c{i}{CLOSE}")));
    }
    for (j, r) in e.body.figure_refs.iter().enumerate() {
        edits.push((r.span.clone(), format!("{OPEN}f{j}{CLOSE}")));
    }
    let mut ignored = Vec::new();
    for d in markdown::fenced_divs(e.file, md, 0, &mut ignored) {
        let classes: Vec<String> = d.classes.iter().map(|c| esc(c)).collect();
        edits.push((d.open.clone(), format!("<div class=\"div {}\">\n", classes.join(" "))));
        if let Some(close) = d.close {
            edits.push((close, "\n</div>".to_string()));
        }
    }
    edits.extend(lang_spans(md));
    edits.sort_by_key(|(r, _)| r.start);
    let mut text = String::with_capacity(md.len());
    let mut at = 0;
    for (r, rep) in edits {
        if r.start < at {
            continue;
        }
        text.push_str(&md[at..r.start]);
        text.push_str(&rep);
        at = r.end;
    }
    text.push_str(&md[at..]);

    // 2. Markdown to HTML, with anchors on every heading and entry links
    // resolved.
    let opts = Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH;
    let mut sections = e.body.sections.iter();
    let events = Parser::new_ext(&text, opts).map(|ev| match ev {
        Event::Start(Tag::Heading { level, id: _, mut classes, attrs }) => {
            let anchor = sections.next().map(|s| s.anchor.clone()).unwrap_or_default();
            classes.retain(|c| c.as_ref() == "restricted");
            Event::Start(Tag::Heading { level, id: Some(CowStr::from(anchor)), classes, attrs })
        }
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest = match markdown::entry_link(&dest_url) {
                Some((slug, anchor)) => CowStr::from(entry_url(&slug, anchor.as_deref())),
                None => dest_url,
            };
            Event::Start(Tag::Link { link_type, dest_url: dest, title, id })
        }
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events);

    // 3. Sanitise: entries are written by people, and a body is no place for
    // scripts, styles or event handlers.
    let html = ammonia::Builder::default()
        .add_tags(["div", "section", "figure", "figcaption", "mark", "abbr", "cite", "q", "small", "span"])
        .add_generic_attributes(["id", "class", "lang", "dir", "title"])
        .clean(&html)
        .to_string();

    // 4. Generated markup back in.
    let mut out = String::with_capacity(html.len() + citations.iter().map(String::len).sum::<usize>());
    let mut rest = html.as_str();
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len_utf8()..];
        let Some(j) = after.find(CLOSE) else {
            rest = after;
            continue;
        };
        let token = &after[..j];
        rest = &after[j + CLOSE.len_utf8()..];
        let (kind, n) = token.split_at(1);
        let n: usize = n.parse().unwrap_or(usize::MAX);
        match kind {
            "c" => out.push_str(citations.get(n).map(String::as_str).unwrap_or("")),
            "f" => out.push_str(&figure_ref(se, n, lang)),
            _ => {}
        }
    }
    out.push_str(rest);

    let toc = e
        .body
        .sections
        .iter()
        .filter(|s| s.level == 2 || s.level == 3)
        .map(|s| TocItem { level: s.level, title: s.title.clone(), anchor: s.anchor.clone(), restricted: s.restricted })
        .collect();
    RenderedBody { html: out, toc }
}

/// Pandoc's bracketed spans with a language, `[Грозный]{lang=ru}`, become
/// `<span lang="ru">`, so screen readers and hyphenation treat the words in
/// their own language. Returns the edits for the opening and closing marks.
fn lang_spans(md: &str) -> Vec<(Range<usize>, String)> {
    let mut edits = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let bytes = md.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'`' => {
                // Skip code spans.
                let n = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                let fence = &md[i..i + n];
                i = md[i + n..].find(fence).map(|j| i + n + j + n - 1).unwrap_or(i + n - 1);
            }
            b'\n' if bytes.get(i + 1) == Some(&b'\n') => open.clear(),
            b'[' => open.push(i),
            b']' => {
                let start = open.pop();
                let rest = &md[i + 1..];
                if let (Some(s), Some(attrs)) = (start, rest.strip_prefix("{lang=")) {
                    let tag: String = attrs.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                    if !tag.is_empty() && attrs[tag.len()..].starts_with('}') {
                        edits.push((s..s + 1, format!("<span lang=\"{}\">", esc(&tag))));
                        edits.push((i..i + 1 + "{lang=".len() + tag.len() + 1, "</span>".to_string()));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    edits
}

/// The number(s) a `{fig:...}` prints, linked to the ledger.
fn figure_ref(se: &SiteEntry, n: usize, lang: &str) -> String {
    let Some(r) = se.entry.body.figure_refs.get(n) else { return String::new() };
    let Some(f) = se.entry.figures.iter().find(|f| f.id.v == r.figure) else {
        return "<span class=\"fig missing\">[figure not available]</span>".to_string();
    };
    let shown: Vec<_> = match &r.estimate {
        Some(id) => f.estimates.iter().filter(|x| &x.id.v == id).collect(),
        None => shown_estimates(f),
    };
    if shown.is_empty() {
        return "<span class=\"fig missing\">[figure not available]</span>".to_string();
    }
    let parts: Vec<String> = shown
        .iter()
        .map(|x| {
            let unverified = if x.verified { "" } else { " unverified" };
            let title = if x.verified {
                String::new()
            } else {
                " title=\"unverified: still to be checked against its source\"".to_string()
            };
            format!(
                "<a class=\"fig{unverified}\" href=\"#fig-{}-{}\"{title}>{}</a>",
                esc(&f.id.v),
                esc(&x.id.v),
                esc(&estimate_value(f, x, lang))
            )
        })
        .collect();
    // Competing estimates printed together stay visibly apart.
    parts.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_spans_with_a_language_become_spans() {
        let md = "The city of [Грозный]{lang=ru} and `[x]{lang=de}` and [plain].";
        let mut edits = lang_spans(md);
        edits.sort_by_key(|(r, _)| r.start);
        assert_eq!(edits.len(), 2);
        assert_eq!(&md[edits[0].0.clone()], "[");
        assert_eq!(edits[0].1, "<span lang=\"ru\">");
        assert_eq!(&md[edits[1].0.clone()], "]{lang=ru}");
    }
}
