//! Citations and bibliographies formatted with hayagriva in the site's CSL
//! style, in two phases per entry: every citation is registered, then the
//! entry is finished once (disambiguation and "ibid." need the whole entry).
//!
//! The styles are those of hayagriva's style archive (see [`archive_name`])
//! and the terms those of its locale archive, chosen from the entry's
//! language (see [`locale_code`]). Each work is a [`Work::record`], hayagriva's
//! own model of the record.
//!
//! What hayagriva renders is an element tree; this module writes it as HTML
//! itself rather than with hayagriva's HTML writer, because that writer does
//! not escape text and styles with inline CSS. Here every text is escaped,
//! formatting becomes `<i>`, `<b>`, `<sup>`, `<sub>` or a `span` with a
//! `csl-*` class (`csl-small-caps`, `csl-underline`, `csl-light`), and the
//! CSL display attribute a `div` with a `csl-*` class (`csl-block`,
//! `csl-left-margin`, `csl-right-inline`, `csl-indent`).
//!
//! How Pandoc's citation syntax maps to hayagriva:
//!
//! - each cited item is a hayagriva citation item; its locator a
//!   [`SpecificLocator`] with the CSL locator term of its label;
//! - an author-in-text citation (`@key`) uses hayagriva's "prose" purpose
//!   in author-date styles ("Bugai (1992, 105)"); in note styles the author
//!   is named in the text (hayagriva's "author" purpose) and followed by the
//!   note marker, and the note holds the whole citation;
//! - `-@key` leaves out the names hayagriva rendered first for the item
//!   (the author, or what the style puts in its place), which is what CSL's
//!   "suppress-author" does: hayagriva has no such purpose for a citation
//!   item, so it is done on the element tree, keeping year suffixes and
//!   locators;
//! - hayagriva has no prefix or suffix per item, so they are written around
//!   the item's rendering: the prefix before it, the suffix after it, with a
//!   comma unless it starts with punctuation (for an author-in-text citation,
//!   inside its closing parenthesis);
//! - every cited item links to its bibliography item (`#ref-KEY`), each item
//!   of a citation to its own; in note styles, the note marker links to the
//!   note (`#note-N`) and the items inside the note to the bibliography;
//! - `nocite` works are registered as hidden items after every citation, so
//!   they reach the bibliography without changing the citations ("ibid.",
//!   first and subsequent notes); `*` (or `@*`) stands for every work.
//!
//! A cited key that has no work, or whose work has no record, is written
//! `[missing: KEY]` and stays out of the bibliography. In note styles every
//! citation is a note, even one whose works are all missing, so that
//! `notes[i]` is always the note of `inline[i]`, numbered `i + 1`.
//!
//! Pandoc's `no.` locator is CSL's `issue` locator (whose term is "no."):
//! CSL has no `number` locator.

use std::collections::HashMap;

use crate::render::format::{esc as escape, is_web_url};
use std::sync::OnceLock;

use hayagriva::archive::{self, ArchivedStyle};
use hayagriva::citationberg::taxonomy::Locator as CslLocator;
use hayagriva::citationberg::{
    Display, FontStyle, FontVariant, FontWeight, IndependentStyle, Locale, LocaleCode, Style, StyleClass,
    TextDecoration, VerticalAlign,
};
use hayagriva::{
    BibliographyDriver, BibliographyItem, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, Elem,
    ElemChild, ElemChildren, ElemMeta, Formatting, LocatorPayload, Rendered, SpecificLocator,
};

use crate::config::CitationStyle;
use crate::model::{Citation, Work};
use crate::parse::citation::{CitationMode, CiteItem, LocatorLabel};

/// The formatted citations of one entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryCitations {
    /// One HTML fragment per citation given, in the same order. Author-date
    /// styles give the in-text citation; note styles give a note marker
    /// (`<sup>`) linking to [`EntryCitations::notes`].
    pub inline: Vec<String>,
    /// For note styles: the text of each note, in order (empty otherwise).
    pub notes: Vec<String>,
    /// The entry's bibliography, in the style's order.
    pub bibliography: Vec<BibItem>,
}

/// One formatted bibliography item.
#[derive(Debug, Clone, PartialEq)]
pub struct BibItem {
    /// Citation key (anchors are `ref-KEY`).
    pub key: String,
    /// The formatted reference, as HTML.
    pub html: String,
}

/// The name of a citation style in hayagriva's style archive.
pub fn archive_name(style: CitationStyle) -> &'static str {
    match style {
        CitationStyle::ChicagoAuthorDate => "chicago-author-date",
        CitationStyle::Apa => "american-psychological-association",
        CitationStyle::ChicagoNotes => "chicago-notes",
    }
}

/// Whether a style puts its citations in notes.
pub fn is_note_style(style: CitationStyle) -> bool {
    csl_style(style).settings.class == StyleClass::Note
}

/// The CSL style, decoded from the archive once.
fn csl_style(style: CitationStyle) -> &'static IndependentStyle {
    static AUTHOR_DATE: OnceLock<IndependentStyle> = OnceLock::new();
    static APA: OnceLock<IndependentStyle> = OnceLock::new();
    static NOTES: OnceLock<IndependentStyle> = OnceLock::new();
    let cell = match style {
        CitationStyle::ChicagoAuthorDate => &AUTHOR_DATE,
        CitationStyle::Apa => &APA,
        CitationStyle::ChicagoNotes => &NOTES,
    };
    cell.get_or_init(|| {
        let name = archive_name(style);
        match ArchivedStyle::by_name(name).map(ArchivedStyle::get) {
            Some(Style::Independent(s)) => s,
            // The names above are fixed and tested.
            _ => panic!("hayagriva's archive has no independent style `{name}`"),
        }
    })
}

/// The CSL locales of hayagriva's archive, decoded once.
fn locale_files() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(archive::locales)
}

/// The archived CSL locale for a BCP 47 language tag: the tag itself
/// (`fr-CA`), else the language's usual region (`ru` → `ru-RU`), else any
/// locale of the language, else `en-US`.
pub fn locale_code(lang: &str) -> LocaleCode {
    let files = locale_files();
    let lang = lang.trim().replace('_', "-");
    let available =
        |code: &str| files.iter().filter_map(|l| l.lang.as_ref()).find(|c| c.0.eq_ignore_ascii_case(code)).cloned();
    if lang.is_empty() {
        return LocaleCode::en_us();
    }
    if let Some(code) = available(&lang) {
        return code;
    }
    let base = lang.split('-').next().unwrap_or_default().to_ascii_lowercase();
    if let Some(code) = LocaleCode(base.clone()).fallback().and_then(|c| available(&c.0)) {
        return code;
    }
    files
        .iter()
        .filter_map(|l| l.lang.as_ref())
        .filter(|c| c.0.split('-').next().is_some_and(|b| b.eq_ignore_ascii_case(&base)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .cloned()
        .unwrap_or_else(LocaleCode::en_us)
}

/// The CSL locator term for a Pandoc locator label.
fn csl_locator(label: LocatorLabel) -> CslLocator {
    match label {
        LocatorLabel::Book => CslLocator::Book,
        LocatorLabel::Chapter => CslLocator::Chapter,
        LocatorLabel::Column => CslLocator::Column,
        LocatorLabel::Figure => CslLocator::Figure,
        LocatorLabel::Folio => CslLocator::Folio,
        LocatorLabel::Line => CslLocator::Line,
        LocatorLabel::Note => CslLocator::Note,
        LocatorLabel::Number => CslLocator::Issue,
        LocatorLabel::Opus => CslLocator::Opus,
        LocatorLabel::Page => CslLocator::Page,
        LocatorLabel::Paragraph => CslLocator::Paragraph,
        LocatorLabel::Part => CslLocator::Part,
        LocatorLabel::Section => CslLocator::Section,
        LocatorLabel::SubVerbo => CslLocator::SubVerbo,
        LocatorLabel::Verse => CslLocator::Verse,
        LocatorLabel::Volume => CslLocator::Volume,
    }
}

/// What is written around one registered citation item.
struct ItemInfo<'a> {
    /// Its key, for the link to the bibliography.
    key: &'a str,
    /// Text before it.
    prefix: &'a str,
    /// Text after it.
    suffix: &'a str,
    /// `-@key`.
    suppress_author: bool,
    /// Rendered with hayagriva's prose purpose ("Author (date)").
    prose: bool,
}

/// One citation of the entry, once resolved.
struct Planned<'a> {
    /// Index of its rendering among those hayagriva returns; `None` when no
    /// item could be registered.
    rendered: Option<usize>,
    /// The registered items, in the order given to hayagriva.
    items: Vec<ItemInfo<'a>>,
    /// Keys without a record.
    missing: Vec<&'a str>,
    /// For an author-in-text citation in a note style: the record whose
    /// author is named in the text.
    author_in_text: Option<(&'a str, &'a hayagriva::Entry)>,
}

/// Formats an entry's citations (in reading order) and its bibliography
/// (every cited work plus `nocite`). Works missing from `works`, or without
/// a record, are written `[missing: KEY]` and left out of the bibliography.
pub fn render_entry(
    style: CitationStyle,
    lang: &str,
    works: &HashMap<&str, &Work>,
    citations: &[&Citation],
    nocite: &[&str],
) -> EntryCitations {
    let csl = csl_style(style);
    let files = locale_files();
    let locale = locale_code(lang);
    let notes = csl.settings.class == StyleClass::Note;
    let record = |key: &str| works.get(key).and_then(|w| w.record.as_ref());

    // Phase 1: register every citation.
    let mut driver: BibliographyDriver<'_, hayagriva::Entry> = BibliographyDriver::new();
    let mut registered = 0;
    let mut plans = Vec::with_capacity(citations.len());
    for (n, citation) in citations.iter().enumerate() {
        let in_text = citation.mode == CitationMode::AuthorInText;
        let mut plan = Planned { rendered: None, items: Vec::new(), missing: Vec::new(), author_in_text: None };
        let mut request_items = Vec::new();
        for item in &citation.items {
            let Some(rec) = record(&item.key) else {
                plan.missing.push(&item.key);
                continue;
            };
            let prose = in_text && !item.suppress_author && !notes;
            if in_text && !item.suppress_author && notes && plan.author_in_text.is_none() {
                plan.author_in_text = Some((&item.key, rec));
            }
            request_items.push(CitationItem::new(
                rec,
                locator(item),
                None,
                false,
                if prose { Some(CitePurpose::Prose) } else { None },
            ));
            plan.items.push(ItemInfo {
                key: &item.key,
                prefix: &item.prefix,
                suffix: &item.suffix,
                suppress_author: item.suppress_author,
                prose,
            });
        }
        if !request_items.is_empty() {
            let note_number = notes.then_some(n + 1);
            driver.citation(CitationRequest::new(request_items, csl, Some(locale.clone()), files, note_number));
            plan.rendered = Some(registered);
            registered += 1;
        }
        plans.push(plan);
    }
    // `nocite` works: hidden, and after every citation so that they change
    // neither "ibid." nor first and subsequent notes.
    let mut extra: Vec<&hayagriva::Entry> = Vec::new();
    let all = nocite.iter().any(|k| matches!(k.trim(), "*" | "@*"));
    if all {
        let mut keys: Vec<&str> = works.keys().copied().collect();
        keys.sort_unstable();
        extra.extend(keys.into_iter().filter_map(record));
    } else {
        extra.extend(nocite.iter().filter_map(|k| record(k.trim().trim_start_matches('@'))));
    }
    let has_extra = !extra.is_empty();
    if has_extra {
        let hidden = extra.into_iter().map(|rec| CitationItem::new(rec, None, None, true, None)).collect();
        driver.citation(CitationRequest::new(hidden, csl, Some(locale.clone()), files, None));
    }

    // Phase 2: finish once.
    let rendered = if registered > 0 || has_extra {
        Some(driver.finish(BibliographyRequest::new(csl, Some(locale.clone()), files)))
    } else {
        None
    };

    let mut out = EntryCitations::default();
    for (n, plan) in plans.iter().enumerate() {
        let mut html = match (plan.rendered, &rendered) {
            (Some(i), Some(r)) => citation_html(&r.citations[i].citation, &plan.items, notes),
            _ => String::new(),
        };
        if !plan.missing.is_empty() {
            if !html.is_empty() {
                html.push(' ');
            }
            html.push_str(&missing_html(&plan.missing));
        }
        if notes {
            let number = n + 1;
            let mut inline = String::new();
            if let Some((key, rec)) = plan.author_in_text {
                inline.push_str(&author_html(csl, &locale, key, rec));
            }
            inline.push_str(&format!(
                "<sup class=\"note-ref\" id=\"note-ref-{number}\"><a href=\"#note-{number}\">{number}</a></sup>"
            ));
            out.inline.push(inline);
            out.notes.push(html);
        } else {
            out.inline.push(html);
        }
    }
    out.bibliography = rendered.map(|r| bibliography_items(&r)).unwrap_or_default();
    out
}

/// Formats works as a bibliography (the site-wide bibliography page), in the
/// style's order. Works without a record are left out.
pub fn render_bibliography(style: CitationStyle, lang: &str, works: &[&Work]) -> Vec<BibItem> {
    let csl = csl_style(style);
    let files = locale_files();
    let locale = locale_code(lang);
    // hayagriva sorts the bibliography with a comparison that renders the
    // style's sort macros for both sides every time (n log n renderings:
    // a quarter of a build's time with 10,000 works). Handing the works
    // over already in about the style's order (names, year, title) lets its
    // stable sort find long runs and compare each work with few others. The
    // style still decides the order: a work this key misplaces costs time,
    // never correctness.
    let mut works = works.to_vec();
    works.sort_by_cached_key(|w| presort_key(w));
    let items: Vec<_> = works
        .iter()
        .filter_map(|w| w.record.as_ref())
        .map(|rec| CitationItem::new(rec, None, None, true, None))
        .collect();
    if items.is_empty() {
        return Vec::new();
    }
    let mut driver: BibliographyDriver<'_, hayagriva::Entry> = BibliographyDriver::new();
    driver.citation(CitationRequest::new(items, csl, Some(locale.clone()), files, None));
    bibliography_items(&driver.finish(BibliographyRequest::new(csl, Some(locale), files)))
}

/// Names (family then given, lower case; the title when there are none),
/// year and title: close to the order of the bibliography in the
/// author-date and note styles.
fn presort_key(w: &Work) -> (Vec<(String, String)>, Option<i32>, String) {
    let title = w.title.to_lowercase();
    let mut names = w
        .authors
        .iter()
        .map(|n| (n.family.to_lowercase(), n.given.as_deref().unwrap_or_default().to_lowercase()))
        .collect::<Vec<_>>();
    if names.is_empty() {
        // The styles put a work without author or editor under its title.
        names.push((title.clone(), String::new()));
    }
    (names, w.year, title)
}

/// The locator of an item, when it has a value.
fn locator(item: &CiteItem) -> Option<SpecificLocator<'_>> {
    let l = item.locator.as_ref().filter(|l| !l.value.is_empty())?;
    Some(SpecificLocator(csl_locator(l.label), LocatorPayload::Str(&l.value)))
}

fn bibliography_items(rendered: &Rendered) -> Vec<BibItem> {
    let Some(bib) = &rendered.bibliography else { return Vec::new() };
    bib.items.iter().map(bib_item).collect()
}

fn bib_item(item: &BibliographyItem) -> BibItem {
    let mut html = String::new();
    if let Some(first) = &item.first_field {
        write_child(&mut html, first, true);
        html.push(' ');
    }
    write_children(&mut html, &item.content, true);
    BibItem { key: item.key.clone(), html: html.trim().to_string() }
}

/// `[missing: a] [missing: b]`.
fn missing_html(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("[missing: {}]", escape(k))).collect::<Vec<_>>().join(" ")
}

/// The author of a work as a note style names it in running text, linked
/// to the work's bibliography item.
fn author_html(csl: &IndependentStyle, locale: &LocaleCode, key: &str, rec: &hayagriva::Entry) -> String {
    let request = CitationRequest::new(
        vec![CitationItem::new(rec, None, None, false, Some(CitePurpose::Author))],
        csl,
        Some(locale.clone()),
        locale_files(),
        None,
    );
    let mut author = hayagriva::standalone_citation(request);
    // A standalone citation keeps the layout's affixes whatever its purpose:
    // the note's closing period has no place in running text.
    let layout = &csl.citation.layout;
    if let (Some(prefix), Some(ElemChild::Text(t))) = (layout.prefix.as_deref(), author.0.first_mut()) {
        if let Some(rest) = t.text.strip_prefix(prefix) {
            t.text = rest.to_string();
        }
    }
    if let (Some(suffix), Some(ElemChild::Text(t))) = (layout.suffix.as_deref(), author.0.last_mut()) {
        if let Some(rest) = t.text.strip_suffix(suffix) {
            t.text = rest.to_string();
        }
    }
    let mut inner = String::new();
    write_children(&mut inner, &author, false);
    let inner = inner.trim();
    if inner.is_empty() {
        return String::new();
    }
    format!("<a href=\"#ref-{}\">{inner}</a>", escape(key))
}

/// A rendered citation as HTML, each item linked to its bibliography item
/// and given its prefix and suffix. A note starts with a capital, as a
/// sentence does ("See …").
fn citation_html(children: &ElemChildren, items: &[ItemInfo], note: bool) -> String {
    let mut out = String::new();
    for child in &children.0 {
        match child {
            ElemChild::Elem(e) => match e.meta {
                Some(ElemMeta::Entry(i)) if i < items.len() => {
                    let capitalize = note && out.is_empty();
                    item_html(&mut out, e, &items[i], capitalize)
                }
                _ => {
                    // Entries are at the top level; look deeper all the same.
                    let html = citation_html(&e.children, items, note && out.is_empty());
                    write_display(&mut out, e, &html);
                }
            },
            other => write_child(&mut out, other, false),
        }
    }
    out
}

fn item_html(out: &mut String, elem: &Elem, info: &ItemInfo, capitalize: bool) {
    let mut content = elem.children.clone();
    if info.suppress_author {
        suppress_author(&mut content);
    }
    let mut inner = String::new();
    write_children(&mut inner, &content, false);
    let mut inner_display = String::new();
    write_display(&mut inner_display, elem, &inner);
    let inner = inner_display;
    if !info.prefix.is_empty() {
        let mut chars = info.prefix.chars();
        let prefix = match chars.next() {
            Some(first) if capitalize => first.to_uppercase().chain(chars).collect(),
            _ => info.prefix.to_string(),
        };
        out.push_str(&escape(&prefix));
        out.push(' ');
    }
    let suffix = if info.suffix.is_empty() {
        String::new()
    } else {
        format!("{}{}", suffix_separator(info.suffix), escape(info.suffix))
    };
    let href = escape(info.key);
    match inner.strip_suffix(')') {
        // "Bugai (1992, 105, emphasis added)".
        Some(before) if info.prose && !suffix.is_empty() => {
            out.push_str(&format!("<a href=\"#ref-{href}\">{before}{suffix})</a>"));
        }
        _ => {
            out.push_str(&format!("<a href=\"#ref-{href}\">{inner}</a>"));
            out.push_str(&suffix);
        }
    }
}

/// What separates a suffix from the citation: nothing before punctuation,
/// else a comma, as in `[@key, p. 5, emphasis added]`.
fn suffix_separator(suffix: &str) -> &'static str {
    if suffix.starts_with([',', ';', ':', '.', ')', ']']) {
        ""
    } else {
        ", "
    }
}

/// Leaves out the first names an item renders (its author, or what the
/// style substitutes for one) and the separator that followed them.
fn suppress_author(children: &mut ElemChildren) {
    if remove_first_names(children) {
        trim_start(children);
    }
}

fn remove_first_names(children: &mut ElemChildren) -> bool {
    for i in 0..children.0.len() {
        if let ElemChild::Elem(e) = &mut children.0[i] {
            if matches!(e.meta, Some(ElemMeta::Names(_))) {
                children.0.remove(i);
                return true;
            }
            if remove_first_names(&mut e.children) {
                return true;
            }
        }
    }
    false
}

/// Removes leading white space and separators (`,`, `;`, `:`), returning
/// whether visible content was reached.
fn trim_start(children: &mut ElemChildren) -> bool {
    let is_sep = |c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':');
    while let Some(first) = children.0.first_mut() {
        let done = match first {
            ElemChild::Text(t) => {
                let trimmed = t.text.trim_start_matches(is_sep);
                if trimmed.len() != t.text.len() {
                    t.text = trimmed.to_string();
                }
                !t.text.is_empty()
            }
            ElemChild::Elem(e) => trim_start(&mut e.children),
            ElemChild::Markup(m) => !m.trim_start_matches(is_sep).is_empty(),
            ElemChild::Link { .. } => true,
            ElemChild::Transparent { .. } => false,
        };
        if done {
            return true;
        }
        children.0.remove(0);
    }
    false
}

/// Writes an element tree as HTML; `links` keeps hyperlinks (URLs, DOIs),
/// which citations drop since they link to the bibliography themselves.
fn write_children(out: &mut String, children: &ElemChildren, links: bool) {
    for child in &children.0 {
        write_child(out, child, links);
    }
}

fn write_child(out: &mut String, child: &ElemChild, links: bool) {
    match child {
        ElemChild::Text(t) => write_formatted(out, &t.text, &t.formatting),
        ElemChild::Elem(e) => {
            let mut inner = String::new();
            write_children(&mut inner, &e.children, links);
            write_display(out, e, &inner);
        }
        ElemChild::Markup(m) => out.push_str(&escape(m)),
        ElemChild::Link { text, url } if links && is_web_url(url) => {
            out.push_str(&format!("<a href=\"{}\">", escape(url)));
            write_formatted(out, &text.text, &text.formatting);
            out.push_str("</a>");
        }
        ElemChild::Link { text, .. } => write_formatted(out, &text.text, &text.formatting),
        ElemChild::Transparent { .. } => {}
    }
}

/// Wraps an element's HTML in a `div` for its CSL display attribute.
fn write_display(out: &mut String, elem: &Elem, inner: &str) {
    let class = match elem.display {
        None => {
            out.push_str(inner);
            return;
        }
        Some(Display::Block) => "csl-block",
        Some(Display::LeftMargin) => "csl-left-margin",
        Some(Display::RightInline) => "csl-right-inline",
        Some(Display::Indent) => "csl-indent",
    };
    out.push_str(&format!("<div class=\"{class}\">{inner}</div>"));
}

fn write_formatted(out: &mut String, text: &str, f: &Formatting) {
    if text.is_empty() {
        return;
    }
    let mut close: Vec<&str> = Vec::new();
    let mut open = |out: &mut String, tag: &'static str, end: &'static str| {
        out.push_str(tag);
        close.push(end);
    };
    if f.font_style == FontStyle::Italic {
        open(out, "<i>", "</i>");
    }
    match f.font_weight {
        FontWeight::Bold => open(out, "<b>", "</b>"),
        FontWeight::Light => open(out, "<span class=\"csl-light\">", "</span>"),
        FontWeight::Normal => {}
    }
    if f.font_variant == FontVariant::SmallCaps {
        open(out, "<span class=\"csl-small-caps\">", "</span>");
    }
    if f.text_decoration == TextDecoration::Underline {
        open(out, "<span class=\"csl-underline\">", "</span>");
    }
    match f.vertical_align {
        VerticalAlign::Sup => open(out, "<sup>", "</sup>"),
        VerticalAlign::Sub => open(out, "<sub>", "</sub>"),
        VerticalAlign::None | VerticalAlign::Baseline => {}
    }
    out.push_str(&escape(text));
    for end in close.iter().rev() {
        out.push_str(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::bibliography::parse_biblatex;
    use crate::parse::citation::scan;
    use crate::source::FileId;

    const BIB: &str = r#"
@book{bugai1992,
  author    = {Bugai, N. F.},
  title     = {Iosif Stalin -- Lavrentiyu Berii},
  publisher = {Druzhba narodov},
  location  = {Moscow},
  date      = {1992},
}
@article{doe2001a,
  author       = {Doe, Jane},
  title        = {First Fictional Article},
  journaltitle = {Journal of Examples},
  volume       = {3},
  date         = {2001},
  pages        = {1--20},
}
@article{doe2001b,
  author       = {Doe, Jane},
  title        = {Second Fictional Article},
  journaltitle = {Journal of Examples},
  volume       = {3},
  date         = {2001},
  pages        = {21--40},
}
@book{roe1999,
  author    = {Roe, Richard},
  title     = {Signs {<} Wonders \& Numbers},
  publisher = {Example Press},
  location  = {Springfield},
  date      = {1999},
}
@book{abel2010,
  author    = {Abel, Anna},
  title     = {An Uncited Book},
  publisher = {Example Press},
  date      = {2010},
}
"#;

    fn works() -> Vec<Work> {
        let (works, diags) = parse_biblatex(FileId(0), BIB);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(works.iter().all(|w| w.record.is_some()));
        works
    }

    fn render(style: CitationStyle, prose: &str, nocite: &[&str]) -> EntryCitations {
        let works = works();
        let map: HashMap<&str, &Work> = works.iter().map(|w| (w.key.v.as_str(), w)).collect();
        let citations = scan(prose);
        let refs: Vec<&Citation> = citations.iter().collect();
        render_entry(style, "en", &map, &refs, nocite)
    }

    fn one(style: CitationStyle, prose: &str) -> String {
        let out = render(style, prose, &[]);
        assert_eq!(out.inline.len(), 1, "{prose}: {out:?}");
        out.inline[0].clone()
    }

    /// The text of an HTML fragment, tags removed.
    fn text(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    fn keys(items: &[BibItem]) -> Vec<&str> {
        items.iter().map(|b| b.key.as_str()).collect()
    }

    #[test]
    fn only_web_addresses_become_links_in_references() {
        let bib = "@online{a,\n  author = {Doe, Jane},\n  title = {A},\n  url = {javascript:alert(1)},\n  date = {2001},\n}\n\
                   @online{b,\n  author = {Roe, Jim},\n  title = {B},\n  url = {HTTPS://example.org/b},\n  date = {2002},\n}\n";
        let (works, diags) = parse_biblatex(FileId(0), bib);
        assert!(diags.is_empty(), "{diags:?}");
        let refs: Vec<&Work> = works.iter().collect();
        let items = render_bibliography(CitationStyle::ChicagoAuthorDate, "en", &refs);
        let html: Vec<&str> = items.iter().map(|b| b.html.as_str()).collect();
        assert!(!html[0].contains("href"), "{}", html[0]);
        assert!(html[0].contains("javascript:alert(1)"), "the address is still shown as text: {}", html[0]);
        assert!(
            html[1].contains("<a href=\"") && html[1].to_lowercase().contains("https://example.org/b"),
            "{}",
            html[1]
        );
    }

    #[test]
    fn the_archive_has_every_style() {
        assert_eq!(archive_name(CitationStyle::ChicagoAuthorDate), "chicago-author-date");
        assert_eq!(archive_name(CitationStyle::Apa), "american-psychological-association");
        assert_eq!(archive_name(CitationStyle::ChicagoNotes), "chicago-notes");
        assert!(!is_note_style(CitationStyle::ChicagoAuthorDate));
        assert!(!is_note_style(CitationStyle::Apa));
        assert!(is_note_style(CitationStyle::ChicagoNotes));
    }

    #[test]
    fn locales_fall_back_to_the_language_then_to_us_english() {
        let code = |l: &str| locale_code(l).0;
        assert_eq!(code("en"), "en-US");
        assert_eq!(code("en_GB"), "en-GB");
        assert_eq!(code("ru"), "ru-RU");
        assert_eq!(code("fr"), "fr-FR");
        assert_eq!(code("de-AT"), "de-AT");
        assert_eq!(code("fr-BE"), "fr-FR");
        assert_eq!(code("uk"), "uk-UA");
        assert_eq!(code("xx"), "en-US");
        assert_eq!(code(""), "en-US");
        let works = works();
        let map: HashMap<&str, &Work> = works.iter().map(|w| (w.key.v.as_str(), w)).collect();
        let citations = scan("[@roe1999, vol. 2]");
        let ru = render_entry(CitationStyle::ChicagoAuthorDate, "ru", &map, &[&citations[0]], &[]);
        assert_eq!(text(&ru.inline[0]), "(Roe 1999, т. 2)");
    }

    #[test]
    fn author_date_citation_with_a_page() {
        let html = one(CitationStyle::ChicagoAuthorDate, "[@bugai1992, p. 105]");
        assert_eq!(html, "(<a href=\"#ref-bugai1992\">Bugai 1992, 105</a>)");
        let t = text(&html);
        for part in ["Bugai", "1992", "105"] {
            assert!(t.contains(part), "{t}");
        }
    }

    #[test]
    fn locator_labels_become_csl_terms() {
        let t =
            text(&one(CitationStyle::ChicagoAuthorDate, "[@roe1999, ch. 3; @bugai1992, vol. 2; @doe2001a, sec. 4]"));
        for part in ["chap. 3", "vol. 2", "sec. 4"] {
            assert!(t.contains(part), "{t}");
        }
    }

    #[test]
    fn same_author_and_year_get_a_letter() {
        let out = render(CitationStyle::ChicagoAuthorDate, "[@doe2001a] and later [@doe2001b, p. 22]", &[]);
        assert_eq!(text(&out.inline[0]), "(Doe 2001a)");
        assert_eq!(text(&out.inline[1]), "(Doe 2001b, 22)");
        let bib: Vec<String> = out.bibliography.iter().map(|b| text(&b.html)).collect();
        assert!(bib[0].contains("2001a") && bib[1].contains("2001b"), "{bib:?}");
        // Cited together, each year links to its own work.
        let html = one(CitationStyle::ChicagoAuthorDate, "[@doe2001a; @doe2001b]");
        assert_eq!(html, "(<a href=\"#ref-doe2001a\">Doe 2001a</a>; <a href=\"#ref-doe2001b\">2001b</a>)");
    }

    #[test]
    fn each_item_links_to_its_own_work_after_sorting() {
        // APA sorts the items of a citation by author.
        let html = one(CitationStyle::Apa, "[@roe1999; @bugai1992]");
        assert_eq!(html, "(<a href=\"#ref-bugai1992\">Bugai, 1992</a>; <a href=\"#ref-roe1999\">Roe, 1999</a>)");
    }

    #[test]
    fn suppressed_author() {
        let t = text(&one(CitationStyle::ChicagoAuthorDate, "[-@bugai1992, p. 105]"));
        assert_eq!(t, "(1992, 105)");
        let t = text(&one(CitationStyle::ChicagoAuthorDate, "[@roe1999; -@bugai1992]"));
        assert_eq!(t, "(Roe 1999; 1992)");
        let t = text(&one(CitationStyle::Apa, "[-@bugai1992]"));
        assert_eq!(t, "(1992)");
    }

    #[test]
    fn author_in_text_names_the_author_outside_the_parentheses() {
        let html = one(CitationStyle::ChicagoAuthorDate, "As @bugai1992 [p. 105] shows");
        assert_eq!(html, "<a href=\"#ref-bugai1992\">Bugai (1992, 105)</a>");
        let html = one(CitationStyle::ChicagoAuthorDate, "@bugai1992 [p. 105, emphasis added]");
        assert_eq!(text(&html), "Bugai (1992, 105, emphasis added)");
        let html = one(CitationStyle::Apa, "@bugai1992");
        assert_eq!(text(&html), "Bugai (1992)");
    }

    #[test]
    fn prefixes_and_suffixes_are_escaped_and_placed() {
        let html = one(CitationStyle::ChicagoAuthorDate, "[see & compare @roe1999, p. 5, where a < b]");
        assert_eq!(html, "(see &amp; compare <a href=\"#ref-roe1999\">Roe 1999, 5</a>, where a &lt; b)");
    }

    #[test]
    fn styles_render_differently() {
        let prose = "[@bugai1992, p. 105]";
        let chicago = render(CitationStyle::ChicagoAuthorDate, prose, &[]);
        let apa = render(CitationStyle::Apa, prose, &[]);
        let notes = render(CitationStyle::ChicagoNotes, prose, &[]);
        assert_eq!(text(&apa.inline[0]), "(Bugai, 1992, p. 105)");
        assert_ne!(apa.inline, chicago.inline);
        assert_ne!(apa.bibliography, chicago.bibliography);
        assert_ne!(notes.bibliography, chicago.bibliography);
        assert!(chicago.notes.is_empty() && apa.notes.is_empty());
        assert_eq!(notes.inline, ["<sup class=\"note-ref\" id=\"note-ref-1\"><a href=\"#note-1\">1</a></sup>"]);
        assert_eq!(notes.notes.len(), 1);
        let note = text(&notes.notes[0]);
        assert!(note.starts_with("N. F. Bugai, Iosif Stalin"), "{note}");
        assert!(note.ends_with("105."), "{note}");
        assert!(notes.notes[0].starts_with("<a href=\"#ref-bugai1992\">"));
    }

    #[test]
    fn notes_are_numbered_and_shortened() {
        let out = render(
            CitationStyle::ChicagoNotes,
            "[@bugai1992] then [see @bugai1992, p. 7; @nobody] and @roe1999 says",
            &[],
        );
        assert_eq!(out.inline.len(), 3);
        assert_eq!(out.notes.len(), 3);
        assert!(out.inline[1].contains("id=\"note-ref-2\"") && out.inline[1].contains("href=\"#note-2\""));
        let second = text(&out.notes[1]);
        assert!(second.starts_with("See Bugai, Iosif Stalin"), "a later note is short: {second}");
        assert!(second.ends_with("[missing: nobody]"), "{second}");
        // Author in text: the name in the prose, the citation in the note.
        assert!(out.inline[2].starts_with("<a href=\"#ref-roe1999\">Roe</a><sup"), "{}", out.inline[2]);
        assert!(text(&out.notes[2]).contains("Richard Roe, Signs"));
    }

    #[test]
    fn bibliography_has_every_cited_and_nocited_work_once_in_order() {
        let out = render(
            CitationStyle::ChicagoAuthorDate,
            "[@roe1999] [@doe2001b; @bugai1992] [@doe2001a] [@roe1999, p. 3]",
            &["abel2010", "@bugai1992", "nobody"],
        );
        assert_eq!(keys(&out.bibliography), ["abel2010", "bugai1992", "doe2001a", "doe2001b", "roe1999"]);
        assert!(out.bibliography.iter().all(|b| !b.html.starts_with("<a ") && !b.html.contains("id=")));
        // Nothing cited, only `nocite`.
        let out = render(CitationStyle::Apa, "no citations here", &["roe1999"]);
        assert!(out.inline.is_empty());
        assert_eq!(keys(&out.bibliography), ["roe1999"]);
        // `@*`: every work, as on the bibliography page.
        let works = works();
        let all = render(CitationStyle::ChicagoNotes, "", &["@*"]);
        let page = render_bibliography(CitationStyle::ChicagoNotes, "en", &works.iter().collect::<Vec<_>>());
        assert_eq!(all.bibliography, page);
        assert_eq!(page.len(), works.len());
    }

    #[test]
    fn missing_works_do_not_panic() {
        let mut works = works();
        works[0].record = None; // bugai1992, a record that could not be converted
        let map: HashMap<&str, &Work> = works.iter().map(|w| (w.key.v.as_str(), w)).collect();
        let citations = scan("[@nobody] [@bugai1992, p. 3] [@roe1999; @a<b&c] @ghost");
        let refs: Vec<&Citation> = citations.iter().collect();
        for style in [CitationStyle::ChicagoAuthorDate, CitationStyle::Apa, CitationStyle::ChicagoNotes] {
            let out = render_entry(style, "en", &map, &refs, &["bugai1992", "ghost"]);
            let shown = if out.notes.is_empty() { &out.inline } else { &out.notes };
            assert_eq!(shown[0], "[missing: nobody]");
            assert_eq!(shown[1], "[missing: bugai1992]");
            assert!(shown[2].ends_with(" [missing: a&lt;b&amp;c]"), "{}", shown[2]);
            assert!(shown[2].contains("#ref-roe1999"));
            assert_eq!(shown[3], "[missing: ghost]");
            assert_eq!(keys(&out.bibliography), ["roe1999"]);
        }
        let empty = render_entry(CitationStyle::ChicagoAuthorDate, "en", &HashMap::new(), &refs, &[]);
        assert_eq!(empty.inline.len(), 4);
        assert!(empty.bibliography.is_empty());
    }

    #[test]
    fn text_is_escaped() {
        let out = render(CitationStyle::ChicagoAuthorDate, "[@roe1999]", &[]);
        let html = &out.bibliography[0].html;
        assert!(html.contains("<i>Signs &lt; Wonders &amp; Numbers</i>"), "{html}");
        let notes = render(CitationStyle::ChicagoNotes, "[@roe1999]", &[]);
        assert!(notes.notes[0].contains("Signs &lt; Wonders &amp; Numbers"), "{:?}", notes.notes);
    }

    #[test]
    fn output_is_deterministic() {
        let prose = "[@doe2001a; @doe2001b] @roe1999 [-@bugai1992, p. 2] [@doe2001a]";
        for style in [CitationStyle::ChicagoAuthorDate, CitationStyle::Apa, CitationStyle::ChicagoNotes] {
            let first = render(style, prose, &["@*"]);
            for _ in 0..5 {
                assert_eq!(render(style, prose, &["@*"]), first);
            }
        }
    }

    #[test]
    fn sample_bibliography_renders_in_every_style() {
        let (works, diags) = parse_biblatex(FileId(0), include_str!("../../sample/bibliography/works.bib"));
        assert!(diags.is_empty(), "{diags:?}");
        let refs: Vec<&Work> = works.iter().collect();
        for style in [CitationStyle::ChicagoAuthorDate, CitationStyle::Apa, CitationStyle::ChicagoNotes] {
            let bib = render_bibliography(style, "en", &refs);
            assert_eq!(bib.len(), works.iter().filter(|w| w.record.is_some()).count());
            assert!(bib.iter().all(|b| !b.html.is_empty()));
            let mut seen: Vec<&str> = keys(&bib);
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), bib.len(), "each work once");
        }
    }

    #[test]
    fn entry_bibliography_snapshot() {
        let out =
            render(CitationStyle::ChicagoAuthorDate, "[@doe2001a; @doe2001b] [@bugai1992] [@roe1999]", &["abel2010"]);
        let listing: Vec<String> = out.bibliography.iter().map(|b| format!("{}: {}", b.key, b.html)).collect();
        insta::assert_snapshot!(listing.join("\n"));
    }
}
