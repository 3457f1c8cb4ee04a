//! The structure of an entry's Markdown body: sections, citations, figure
//! references, links to other entries and restricted passages.
//!
//! pulldown-cmark does the CommonMark parsing and gives byte ranges. Pandoc
//! citations and `{fig:...}` references are not Markdown constructs, so each
//! run of inline text is scanned in the raw source (with code spans blanked
//! out) by [`citation::scan`], which keeps exact positions. Pandoc fenced divs
//! (`::: restricted`) are not CommonMark either; a line scan finds them.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::diag::{codes, Diagnostic};
use crate::model::{Body, EntryLink, FigureRef, Section};
use crate::parse::citation;
use crate::source::FileId;

/// Parses the body at `range` of `text` (a whole entry file).
pub fn parse_body(file: FileId, text: &str, range: Range<usize>) -> (Body, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut body = Body { start: range.start, ..Body::default() };
    let src = &text[range.clone()];
    let base = range.start;

    for div in fenced_divs(file, src, base, &mut diags) {
        if div.is_restricted() {
            body.restricted.push(div.range);
        }
    }

    let opts = Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH;
    let mut run: Option<Range<usize>> = None;
    let mut blanks: Vec<Range<usize>> = Vec::new();
    let mut in_code_block = false;
    let mut heading: Option<(u8, Option<String>, bool, usize, String)> = None;

    for (ev, r) in Parser::new_ext(src, opts).into_offset_iter() {
        let r = r.start + base..r.end + base;
        let inline = match &ev {
            Event::Text(t) => {
                if let Some(h) = heading.as_mut() {
                    h.4.push_str(t);
                }
                !in_code_block
            }
            Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.4.push_str(t);
                }
                blanks.push(r.clone());
                true
            }
            Event::InlineHtml(_) | Event::InlineMath(_) | Event::DisplayMath(_) => {
                blanks.push(r.clone());
                true
            }
            Event::SoftBreak | Event::HardBreak | Event::FootnoteReference(_) => true,
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some((slug, anchor)) = entry_link(dest_url) {
                    body.links.push(EntryLink { slug, anchor, span: r.clone() });
                }
                true
            }
            Event::Start(
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Image { .. }
                | Tag::Superscript
                | Tag::Subscript,
            )
            | Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => true,
            Event::Start(Tag::Heading { level, id, classes, .. }) => {
                let restricted = classes.iter().any(|c| c.as_ref() == "restricted");
                heading = Some((*level as u8, id.as_ref().map(|s| s.to_string()), restricted, r.start, String::new()));
                false
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, id, restricted, start, title)) = heading.take() {
                    let title = title.trim().to_string();
                    let anchor = id.unwrap_or_else(|| auto_identifier(&title));
                    let span = start..trim_end_at(text, start, r.end);
                    body.sections.push(Section { level, title, anchor, restricted, span, extent: start..range.end });
                }
                false
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code_block = true;
                false
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                false
            }
            _ => false,
        };
        if inline && !in_code_block {
            run = Some(match run {
                Some(x) => x.start.min(r.start)..x.end.max(r.end),
                None => r,
            });
        } else if !inline {
            flush(text, &mut run, &mut blanks, &mut body, &mut diags, file);
        }
    }
    flush(text, &mut run, &mut blanks, &mut body, &mut diags, file);

    // A section runs to the next heading of the same or a higher level.
    let n = body.sections.len();
    for i in 0..n {
        let level = body.sections[i].level;
        let end = body.sections[i + 1..].iter().find(|s| s.level <= level).map(|s| s.span.start).unwrap_or(range.end);
        body.sections[i].extent.end = end;
        if body.sections[i].restricted {
            body.restricted.push(body.sections[i].extent.clone());
        }
    }
    (body, diags)
}

fn trim_end_at(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end().len()
}

/// Scans one run of inline text for citations and figure references.
fn flush(
    text: &str,
    run: &mut Option<Range<usize>>,
    blanks: &mut Vec<Range<usize>>,
    body: &mut Body,
    diags: &mut Vec<Diagnostic>,
    file: FileId,
) {
    let Some(r) = run.take() else {
        blanks.clear();
        return;
    };
    let mut s = text[r.clone()].to_string();
    for b in blanks.drain(..) {
        if b.start >= r.start && b.end <= r.end {
            // Same byte length, so offsets stay exact.
            s.replace_range(b.start - r.start..b.end - r.start, &" ".repeat(b.end - b.start));
        }
    }
    for mut c in citation::scan(&s) {
        c.span = c.span.start + r.start..c.span.end + r.start;
        for i in &mut c.items {
            i.key_span = i.key_span.start + r.start..i.key_span.end + r.start;
        }
        body.citations.push(c);
    }
    let mut from = 0;
    while let Some(i) = s[from..].find("{fig:") {
        let start = from + i;
        let inner_start = start + 5;
        let end = s[inner_start..].find(['}', '\n', '{']).map(|j| inner_start + j);
        match end {
            Some(e) if s.as_bytes()[e] == b'}' => {
                let inner = s[inner_start..e].trim();
                let (fig, est) = match inner.split_once('.') {
                    Some((f, e)) => (f.to_string(), Some(e.to_string())),
                    None => (inner.to_string(), None),
                };
                body.figure_refs.push(FigureRef { figure: fig, estimate: est, span: r.start + start..r.start + e + 1 });
                from = e + 1;
            }
            _ => {
                diags.push(
                    Diagnostic::error(
                        codes::FIGURE_UNKNOWN_REF,
                        file,
                        r.start + start..r.start + inner_start,
                        "a figure reference `{fig:` is never closed",
                    )
                    .with_hint("write {fig:ID} or {fig:ID.ESTIMATE}"),
                );
                from = inner_start;
            }
        }
    }
}

/// The slug and anchor of a link to another entry, if it is one:
/// `entry:slug#anchor` or a relative `slug.md#anchor`.
pub fn entry_link(dest: &str) -> Option<(String, Option<String>)> {
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string()).filter(|a| !a.is_empty())),
        None => (dest, None),
    };
    if let Some(slug) = path.strip_prefix("entry:") {
        return Some((slug.trim_end_matches('/').to_string(), anchor));
    }
    if path.contains("://") || path.starts_with('/') || path.starts_with("mailto:") || !path.ends_with(".md") {
        return None;
    }
    let file = path.rsplit('/').next()?;
    Some((file.trim_end_matches(".md").to_string(), anchor))
}

/// The anchor Pandoc derives from a heading's text: lowercase, letters,
/// digits, `_`, `-` and `.` kept, spaces to hyphens, everything before the
/// first letter dropped.
pub fn auto_identifier(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().skip_while(|c| !c.is_alphabetic()) {
        if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

/// A Pandoc fenced div (`::: name` ... `:::`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Div {
    /// From the opening fence to the end of the closing one (or of the text).
    pub range: Range<usize>,
    /// The opening fence line, without its line break.
    pub open: Range<usize>,
    /// The closing fence line, if the div is closed.
    pub close: Option<Range<usize>>,
    /// Its classes (`restricted`, `note` ...).
    pub classes: Vec<String>,
}

impl Div {
    /// Whether it marks a restricted passage.
    pub fn is_restricted(&self) -> bool {
        self.classes.iter().any(|c| c == "restricted")
    }
}

/// Pandoc fenced divs: `::: restricted`, `::: {.restricted}`, closed by a
/// bare `:::`, outside code blocks. Offsets are `base` + offsets in `src`;
/// an unclosed div is reported and runs to the end.
pub fn fenced_divs(file: FileId, src: &str, base: usize, diags: &mut Vec<Diagnostic>) -> Vec<Div> {
    let mut out = Vec::new();
    let mut open: Vec<(Range<usize>, Vec<String>)> = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        let indent = line.len() - line.trim_start().len();
        if let Some((ch, n)) = fence {
            if indent < 4 && t.starts_with(&ch.to_string().repeat(n)) && t.chars().all(|c| c == ch) {
                fence = None;
            }
            continue;
        }
        if indent < 4 {
            for ch in ['`', '~'] {
                let n = t.chars().take_while(|&c| c == ch).count();
                if n >= 3 {
                    fence = Some((ch, n));
                }
            }
            if fence.is_some() {
                continue;
            }
        }
        if indent >= 4 || !t.starts_with(":::") {
            continue;
        }
        let line_range = base + start..base + start + line.trim_end().len();
        let rest = t.trim_start_matches(':').trim().trim_end_matches(':').trim();
        if rest.is_empty() {
            if let Some((o, classes)) = open.pop() {
                out.push(Div { range: o.start..base + offset, open: o, close: Some(line_range), classes });
            }
        } else {
            let classes = if rest.starts_with('{') {
                rest.trim_start_matches('{')
                    .trim_end_matches('}')
                    .split_whitespace()
                    .filter_map(|w| w.strip_prefix('.'))
                    .map(str::to_string)
                    .collect()
            } else {
                vec![rest.to_string()]
            };
            open.push((line_range, classes));
        }
    }
    for (o, classes) in open {
        diags.push(
            Diagnostic::error(codes::MARKDOWN_UNCLOSED_DIV, file, o.clone(), "this `:::` block is never closed")
                .with_hint("close it with a line `:::`; until then it runs to the end of the entry"),
        );
        out.push(Div { range: o.start..base + src.len(), open: o, close: None, classes });
    }
    out.sort_by_key(|d| d.range.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> (Body, Vec<Diagnostic>) {
        parse_body(FileId(0), src, 0..src.len())
    }

    #[test]
    fn sections_anchors_and_restricted_extent() {
        let src = "## Context\n\nText.\n\n## Witnesses {#wit .restricted}\n\nSecret.\n\n### Sub\n\nMore.\n\n## Memories\n\nOpen.\n";
        let (b, d) = body(src);
        assert!(d.is_empty());
        let names: Vec<_> = b.sections.iter().map(|s| (s.level, s.anchor.as_str(), s.restricted)).collect();
        assert_eq!(names, [(2, "context", false), (2, "wit", true), (3, "sub", false), (2, "memories", false)]);
        assert!(b.is_restricted_at(src.find("Secret").unwrap()));
        assert!(b.is_restricted_at(src.find("More").unwrap()));
        assert!(!b.is_restricted_at(src.find("Open").unwrap()));
    }

    #[test]
    fn citations_outside_code_with_absolute_spans() {
        let src = "Intro `[@notacite]` and [@bugai1992, p. 105].\n\n```\n@nope\n```\n\n- item @nekrich1978 [p. 58]\n";
        let (b, _) = body(src);
        let keys: Vec<_> = b
            .citations
            .iter()
            .flat_map(|c| c.items.iter().map(|i| (&src[i.key_span.clone()], i.key.as_str())))
            .collect();
        assert_eq!(keys, [("bugai1992", "bugai1992"), ("nekrich1978", "nekrich1978")]);
    }

    #[test]
    fn figure_refs_and_entry_links() {
        let src = "About {fig:deported} and {fig:deaths.nkvd}; see [Kalmyks](entry:kalmyks-1943#context) and [x](balkars-1944.md) and [web](https://example.org/a.md).\n";
        let (b, _) = body(src);
        assert_eq!(b.figure_refs.len(), 2);
        assert_eq!(b.figure_refs[1].estimate.as_deref(), Some("nkvd"));
        assert_eq!(&src[b.figure_refs[0].span.clone()], "{fig:deported}");
        let links: Vec<_> = b.links.iter().map(|l| (l.slug.as_str(), l.anchor.as_deref())).collect();
        assert_eq!(links, [("kalmyks-1943", Some("context")), ("balkars-1944", None)]);
    }

    #[test]
    fn restricted_div_and_unclosed_div() {
        let src = "Open.\n\n::: restricted\nHidden.\n:::\n\nOpen again.\n\n::: {.note}\nnever closed\n";
        let (b, d) = body(src);
        assert!(b.is_restricted_at(src.find("Hidden").unwrap()));
        assert!(!b.is_restricted_at(src.find("again").unwrap()));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, codes::MARKDOWN_UNCLOSED_DIV);
    }

    #[test]
    fn pandoc_identifiers() {
        assert_eq!(auto_identifier("Memories of deportation"), "memories-of-deportation");
        assert_eq!(auto_identifier("1. Context!"), "context");
        assert_eq!(auto_identifier("Грозный"), "грозный");
    }
}
