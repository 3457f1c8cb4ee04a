//! Pandoc citation syntax, in entry prose and in front-matter source fields.
//!
//! This module owns every reading of `@key` citations: [`scan`] finds the
//! citations in a run of Markdown prose (`[see @pohl1999, pp. 2-3;
//! @naimark2001]`, `@nekrich1978 [p. 58] argues`, `[-@pohl2000]`), and
//! [`parse_field`] reads the single citation that a front-matter field such as
//! `source: "@bugai1992, pp. 264-265"` holds. Both give exact byte spans for
//! the citation and for each key, so that callers can report problems at a
//! line and column, and both split the text after a key into a CSL locator
//! (`pp. 264-265`) and a free suffix the way Pandoc's citeproc does.
//! [`Citation::to_pandoc`] writes a citation back in Pandoc syntax.
//!
//! It is hand-written because pulldown-cmark, which reads the rest of the
//! Markdown, does not parse Pandoc citations (it sees `[@key]` as plain text
//! or a broken link), and no maintained crate parses Pandoc's citation syntax
//! with byte spans. The rules follow Pandoc's Markdown reader
//! (`citeKey`, `normalCite`, `textualCite`) and its locator parser
//! (`Text.Pandoc.Citeproc.Locator`), with these choices:
//!
//! - Keys are Pandoc's: a letter, digit or `_`, then letters, digits, `_`
//!   and punctuation from `:.#$%&-+?<>~/` between them (`@pohl1999.` is
//!   `pohl1999`), or anything but whitespace and braces in `@{…}`. An `@`
//!   right after a letter, digit or `\` starts no citation (`a@b.org`,
//!   `\@key`); in `x-@key` the `-` belongs to the word and `@key` is cited
//!   without suppression.
//! - A bracket is a citation when every `;`-separated part holds exactly one
//!   key outside nested brackets; then it is one even if a link destination
//!   follows (`[@a](…)`), as in Pandoc. Otherwise it is text, and each key in
//!   it is an author-in-text citation.
//! - `@a [p. 5]` gives `@a` the bracket as locator and suffix only if the
//!   bracket holds no key: `@a [@b]` is two citations, and Pandoc's merged
//!   form `@a [p. 5; @b]` is read as two author-in-text citations, `@a`
//!   without a locator and `@b`.
//! - Locators use the English terms (`p.`, `pp.`, `ch.`, `§`, …). Without
//!   braces every word of the value needs a digit, or, after a label, may be
//!   a roman numeral, so `s.v. Holodomor` is a suffix and
//!   `{s.v. Holodomor}` a locator.
//! - Prefixes, suffixes and locator values are source text, trimmed, with
//!   whitespace runs collapsed; Markdown in them is not interpreted.
//!
//! What the scanner knows of Markdown beyond citations is only what keeps it
//! from finding citations where Pandoc would not: backslash escapes, code
//! spans, autolinks (`<https://…>`), HTML comments, link destinations after
//! brackets that are not citations (`[text](https://example.org/@user)`),
//! reference definitions and footnote markers (`[^1]`, `^[…]`). It runs in
//! time linear in the text.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

/// One citation: a bracketed group of cited items, or an author-in-text
/// citation with its optional locator bracket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// Byte range of the whole citation: from `[` to `]` inclusive for a
    /// bracketed citation; from `@` (or the `-` of `-@`) to the end of the
    /// key, or to the `]` of the bracket that follows it, for an
    /// author-in-text citation.
    pub span: Range<usize>,
    /// Whether the citation is bracketed or author-in-text.
    pub mode: CitationMode,
    /// The cited items, in order; never empty for a citation that [`scan`]
    /// or [`parse_field`] returns.
    pub items: Vec<CiteItem>,
}

/// How a citation is written in the prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitationMode {
    /// `[@key, p. 5]` or `[see @a; @b]`: a parenthetical (or note) citation.
    /// [`parse_field`] also gives this mode to a bare field such as
    /// `@key, p. 5`.
    Bracketed,
    /// `@key` or `@key [p. 5]` in running text: the author is named in the
    /// sentence. Has exactly one item when [`scan`] returns it. `-@key` in
    /// running text is this mode with [`CiteItem::suppress_author`] set.
    AuthorInText,
}

/// One cited source inside a [`Citation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteItem {
    /// The citation key, without `@` and without the braces of `@{…}`.
    pub key: String,
    /// Byte range of the key (without `@`, and inside the braces of `@{…}`).
    pub key_span: Range<usize>,
    /// Text before the key inside the brackets (`see` in `[see @a]`),
    /// trimmed, with runs of whitespace collapsed to one space. The
    /// Markdown in it is not interpreted. Always empty for an
    /// author-in-text item.
    pub prefix: String,
    /// The locator (`pp. 2-3`), if the text after the key starts with one.
    pub locator: Option<Locator>,
    /// Text after the key and the locator, trimmed, without the comma that
    /// separates it from the key or the locator, and with runs of whitespace
    /// collapsed to one space. Markdown in it is not interpreted.
    pub suffix: String,
    /// `-@key`: the author's name is left out of the rendered citation.
    pub suppress_author: bool,
}

/// A pinpoint inside the cited source: `p. 105`, `pp. 264-265`, `ch. 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locator {
    /// What the value counts (page, chapter, section, …).
    pub label: LocatorLabel,
    /// The value as written (`105`, `264-265`, `iv, vi-xi`, `33, 35-37`),
    /// trimmed, with runs of whitespace collapsed to one space.
    pub value: String,
}

/// The CSL locator types that Pandoc recognises in citation suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocatorLabel {
    /// `book`, `bk.`, `bks.`
    Book,
    /// `chapter`, `chap.`, `chaps.`, `ch.`
    Chapter,
    /// `column`, `col.`, `cols.`
    Column,
    /// `figure`, `fig.`, `figs.`
    Figure,
    /// `folio`, `fol.`, `fols.`
    Folio,
    /// `line`, `l.`, `ll.`
    Line,
    /// `note`, `n.`, `nn.`
    Note,
    /// `number`, `no.`, `nos.`
    Number,
    /// `opus`, `op.`, `opp.`
    Opus,
    /// `page`, `p.`, `pp.`; also a value written without a label.
    Page,
    /// `paragraph`, `para.`, `paras.`, `¶`, `¶¶`
    Paragraph,
    /// `part`, `pt.`, `pts.`
    Part,
    /// `section`, `sec.`, `secs.`, `§`, `§§`
    Section,
    /// `sub verbo`, `s.v.`, `s.vv.`
    SubVerbo,
    /// `verse`, `v.`, `vv.`
    Verse,
    /// `volume`, `vol.`, `vols.`
    Volume,
}

/// Every term that introduces a locator, matched case-insensitively.
const LABEL_TERMS: &[(&str, LocatorLabel)] = &[
    ("book", LocatorLabel::Book),
    ("books", LocatorLabel::Book),
    ("bk.", LocatorLabel::Book),
    ("bks.", LocatorLabel::Book),
    ("chapter", LocatorLabel::Chapter),
    ("chapters", LocatorLabel::Chapter),
    ("chap.", LocatorLabel::Chapter),
    ("chaps.", LocatorLabel::Chapter),
    ("ch.", LocatorLabel::Chapter),
    ("column", LocatorLabel::Column),
    ("columns", LocatorLabel::Column),
    ("col.", LocatorLabel::Column),
    ("cols.", LocatorLabel::Column),
    ("figure", LocatorLabel::Figure),
    ("figures", LocatorLabel::Figure),
    ("fig.", LocatorLabel::Figure),
    ("figs.", LocatorLabel::Figure),
    ("folio", LocatorLabel::Folio),
    ("folios", LocatorLabel::Folio),
    ("fol.", LocatorLabel::Folio),
    ("fols.", LocatorLabel::Folio),
    ("line", LocatorLabel::Line),
    ("lines", LocatorLabel::Line),
    ("l.", LocatorLabel::Line),
    ("ll.", LocatorLabel::Line),
    ("note", LocatorLabel::Note),
    ("notes", LocatorLabel::Note),
    ("n.", LocatorLabel::Note),
    ("nn.", LocatorLabel::Note),
    ("number", LocatorLabel::Number),
    ("numbers", LocatorLabel::Number),
    ("no.", LocatorLabel::Number),
    ("nos.", LocatorLabel::Number),
    ("opus", LocatorLabel::Opus),
    ("opera", LocatorLabel::Opus),
    ("op.", LocatorLabel::Opus),
    ("opp.", LocatorLabel::Opus),
    ("page", LocatorLabel::Page),
    ("pages", LocatorLabel::Page),
    ("p.", LocatorLabel::Page),
    ("pp.", LocatorLabel::Page),
    ("paragraph", LocatorLabel::Paragraph),
    ("paragraphs", LocatorLabel::Paragraph),
    ("para.", LocatorLabel::Paragraph),
    ("paras.", LocatorLabel::Paragraph),
    ("¶", LocatorLabel::Paragraph),
    ("¶¶", LocatorLabel::Paragraph),
    ("part", LocatorLabel::Part),
    ("parts", LocatorLabel::Part),
    ("pt.", LocatorLabel::Part),
    ("pts.", LocatorLabel::Part),
    ("section", LocatorLabel::Section),
    ("sections", LocatorLabel::Section),
    ("sec.", LocatorLabel::Section),
    ("secs.", LocatorLabel::Section),
    ("§", LocatorLabel::Section),
    ("§§", LocatorLabel::Section),
    ("sub verbo", LocatorLabel::SubVerbo),
    ("sub verbis", LocatorLabel::SubVerbo),
    ("s.v.", LocatorLabel::SubVerbo),
    ("s.vv.", LocatorLabel::SubVerbo),
    ("verse", LocatorLabel::Verse),
    ("verses", LocatorLabel::Verse),
    ("v.", LocatorLabel::Verse),
    ("vv.", LocatorLabel::Verse),
    ("volume", LocatorLabel::Volume),
    ("volumes", LocatorLabel::Volume),
    ("vol.", LocatorLabel::Volume),
    ("vols.", LocatorLabel::Volume),
];

impl LocatorLabel {
    /// Every label, in the order of the CSL specification.
    pub const ALL: [LocatorLabel; 16] = [
        LocatorLabel::Book,
        LocatorLabel::Chapter,
        LocatorLabel::Column,
        LocatorLabel::Figure,
        LocatorLabel::Folio,
        LocatorLabel::Line,
        LocatorLabel::Note,
        LocatorLabel::Number,
        LocatorLabel::Opus,
        LocatorLabel::Page,
        LocatorLabel::Paragraph,
        LocatorLabel::Part,
        LocatorLabel::Section,
        LocatorLabel::SubVerbo,
        LocatorLabel::Verse,
        LocatorLabel::Volume,
    ];

    /// The CSL locator term: `"page"`, `"chapter"`, …, `"sub verbo"`.
    pub fn csl_name(self) -> &'static str {
        match self {
            LocatorLabel::Book => "book",
            LocatorLabel::Chapter => "chapter",
            LocatorLabel::Column => "column",
            LocatorLabel::Figure => "figure",
            LocatorLabel::Folio => "folio",
            LocatorLabel::Line => "line",
            LocatorLabel::Note => "note",
            LocatorLabel::Number => "number",
            LocatorLabel::Opus => "opus",
            LocatorLabel::Page => "page",
            LocatorLabel::Paragraph => "paragraph",
            LocatorLabel::Part => "part",
            LocatorLabel::Section => "section",
            LocatorLabel::SubVerbo => "sub verbo",
            LocatorLabel::Verse => "verse",
            LocatorLabel::Volume => "volume",
        }
    }

    /// The English short form, singular (`"p."`) or plural (`"pp."`).
    pub fn abbrev(self, plural: bool) -> &'static str {
        let (one, many) = match self {
            LocatorLabel::Book => ("bk.", "bks."),
            LocatorLabel::Chapter => ("chap.", "chaps."),
            LocatorLabel::Column => ("col.", "cols."),
            LocatorLabel::Figure => ("fig.", "figs."),
            LocatorLabel::Folio => ("fol.", "fols."),
            LocatorLabel::Line => ("l.", "ll."),
            LocatorLabel::Note => ("n.", "nn."),
            LocatorLabel::Number => ("no.", "nos."),
            LocatorLabel::Opus => ("op.", "opp."),
            LocatorLabel::Page => ("p.", "pp."),
            LocatorLabel::Paragraph => ("para.", "paras."),
            LocatorLabel::Part => ("pt.", "pts."),
            LocatorLabel::Section => ("sec.", "secs."),
            LocatorLabel::SubVerbo => ("s.v.", "s.vv."),
            LocatorLabel::Verse => ("v.", "vv."),
            LocatorLabel::Volume => ("vol.", "vols."),
        };
        if plural {
            many
        } else {
            one
        }
    }

    /// The label that `term` names: a CSL name (`"sub verbo"`,
    /// `"sub-verbo"`), a full word, singular or plural (`"pages"`), or an
    /// abbreviation (`"pp."`, `"§"`), compared case-insensitively after
    /// trimming.
    pub fn from_term(term: &str) -> Option<LocatorLabel> {
        let term = term.trim();
        if term.eq_ignore_ascii_case("sub-verbo") {
            return Some(LocatorLabel::SubVerbo);
        }
        LABEL_TERMS.iter().find(|(t, _)| t.eq_ignore_ascii_case(term)).map(|&(_, label)| label)
    }
}

impl Locator {
    /// Whether the value names more than one place: a range (`264-265`,
    /// `264–265`, `264--265`) or a list (`33, 35`, `4 & 6`). Decides between
    /// the singular and the plural abbreviation.
    pub fn is_range_or_list(&self) -> bool {
        self.value.contains(['-', '–', '—', ',', '&'])
    }
}

impl fmt::Display for Locator {
    /// The short label and the value: `p. 105`, `pp. 264-265`, `ch. 3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.label.abbrev(self.is_range_or_list());
        if self.value.is_empty() {
            f.write_str(label)
        } else {
            write!(f, "{label} {}", self.value)
        }
    }
}

/// Why a front-matter field is not a citation, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationError {
    /// Byte range of the offending text, relative to the parsed field.
    pub span: Range<usize>,
    /// What is wrong, written for the entry's author.
    pub message: String,
}

impl fmt::Display for CitationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CitationError {}

const NO_CITATION: &str = "no citation: write @key, optionally followed by a locator";
const MISSING_AT: &str = "a source is written as @key, e.g. @bugai1992, p. 105";

fn error(span: Range<usize>, message: &str) -> CitationError {
    CitationError { span, message: message.to_string() }
}

/// Every citation in a run of prose. Offsets are relative to `text`.
///
/// Citations come in text order and never overlap. A bracket counts as a
/// citation only when every `;`-separated part of it holds exactly one
/// `@key` (Pandoc's rule); otherwise it is text, and each `@key` inside it
/// is an author-in-text citation. An author-in-text key takes the bracket
/// right after it (after at most one space) as its locator and suffix when
/// that bracket holds no key and is not a link (`[…](…)`, `[…][…]`) or a
/// footnote (`[^…]`). Nothing inside code spans, autolinks, HTML comments,
/// link destinations or reference definitions is a citation.
pub fn scan(text: &str) -> Vec<Citation> {
    let layout = Layout::new(text);
    let b = text.as_bytes();
    let mut out = Vec::new();
    // Link destinations found after a non-citation bracket: start -> end.
    let mut skips: HashMap<usize, usize> = HashMap::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' | b'`' | b'<' => match layout.opaque.get(&i) {
                Some(&end) => i = end,
                None => i += 1,
            },
            b'(' => match skips.get(&i) {
                Some(&end) => i = end,
                None => i += 1,
            },
            b'[' => {
                if let Some(&close) = layout.close.get(&i) {
                    if let Some(eol) = reference_definition(text, i, close) {
                        i = eol;
                        continue;
                    }
                    if let Some(citation) = bracketed_at(text, &layout, i, close) {
                        out.push(citation);
                        i = close + 1;
                        continue;
                    }
                    if let Some(end) = link_tail_end(text, close + 1) {
                        skips.insert(close + 1, end);
                    }
                }
                i += 1;
            }
            b'@' | b'-' => match in_text_at(text, &layout, i) {
                Some(citation) => {
                    i = citation.span.end;
                    out.push(citation);
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    out
}

/// Parse one citation written in a front-matter field: `"@bugai1992, pp.
/// 264-265"`, `"[@bugai1992, pp. 264-265]"`, `"@a; @b"` or `"[see @a, p. 5;
/// @b]"`. Offsets are relative to `s`.
///
/// The bare and the bracketed forms give a [`CitationMode::Bracketed`]
/// citation whose span covers the trimmed field; `"@key [p. 5]"` gives a
/// [`CitationMode::AuthorInText`] one. Leading and trailing whitespace is
/// allowed; anything else outside the citation is an error.
pub fn parse_field(s: &str) -> Result<Citation, CitationError> {
    let t0 = s.len() - s.trim_start().len();
    let t1 = s.trim_end().len();
    if t0 >= t1 {
        return Err(error(0..s.len(), NO_CITATION));
    }
    let layout = Layout::new(s);
    let b = s.as_bytes();
    if b[t0] == b'[' {
        let Some(&close) = layout.close.get(&t0) else {
            return Err(error(t0..t0 + 1, "unclosed bracket: this `[` has no matching `]`"));
        };
        if close + 1 < t1 {
            return Err(error(
                close + 1..t1,
                "text after the citation: a field holds one citation; put several sources in one bracket, separated by `;`",
            ));
        }
        let items = parse_items(s, &layout, t0 + 1, close)?;
        return Ok(Citation { span: t0..close + 1, mode: CitationMode::Bracketed, items });
    }
    if let Some(citation) = in_text_at(s, &layout, t0) {
        if citation.span.end == t1 && b[t1 - 1] == b']' {
            return Ok(citation);
        }
    }
    let items = parse_items(s, &layout, t0, t1)?;
    Ok(Citation { span: t0..t1, mode: CitationMode::Bracketed, items })
}

impl Citation {
    /// The citation in Pandoc syntax: `[see @a, p. 5; @b]`, `@a [p. 5]`,
    /// `[-@a]`.
    ///
    /// For the citations that [`scan`] and [`parse_field`] return,
    /// `scan(&c.to_pandoc())` finds one citation with the same mode and the
    /// same items (keys, prefixes, locators, suffixes, suppression), though
    /// not necessarily the same spelling: the locator is written with its
    /// standard abbreviation, separated from the key and the suffix by
    /// commas, and in braces (`{p. 5}`, or `{}` for none) where the suffix
    /// would otherwise be read as part of it. Keys that are not plain Pandoc
    /// keys are written in braces (`@{…}`). Text that Pandoc's syntax cannot
    /// hold (a `;` in a suffix, a key with a brace) is written as it is.
    ///
    /// Pandoc has no prefix for an author-in-text citation: such a prefix is
    /// written as plain text before the key. Items after the first of an
    /// author-in-text citation are written as a bracketed citation after it.
    pub fn to_pandoc(&self) -> String {
        match self.mode {
            CitationMode::Bracketed => {
                let items: Vec<String> = self.items.iter().map(render_bracketed_item).collect();
                format!("[{}]", items.join("; "))
            }
            CitationMode::AuthorInText => {
                let Some((first, rest)) = self.items.split_first() else {
                    return String::new();
                };
                let mut out = String::new();
                if !first.prefix.is_empty() {
                    out.push_str(&first.prefix);
                    out.push(' ');
                }
                out.push_str(&render_in_text_item(first));
                if !rest.is_empty() {
                    let more = Citation { span: 0..0, mode: CitationMode::Bracketed, items: rest.to_vec() };
                    out.push(' ');
                    out.push_str(&more.to_pandoc());
                }
                out
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Layout: the Markdown structure that decides where citations can be.
// ---------------------------------------------------------------------------

/// What one left-to-right pass over the text learns before citations are
/// read: which brackets match, and which regions hold no citation syntax.
struct Layout {
    /// Position of each matched `[` -> position of its `]`.
    close: HashMap<usize, usize>,
    /// Positions of the matched `[` whose brackets hold a citation key,
    /// at any depth.
    keyed: HashSet<usize>,
    /// Start -> end of each region to step over whole: a backslash escape,
    /// a code span, an autolink or an HTML comment. Every such region starts
    /// with `\`, `` ` `` or `<`.
    opaque: HashMap<usize, usize>,
}

impl Layout {
    fn new(text: &str) -> Layout {
        let b = text.as_bytes();
        let n = b.len();
        let mut close = HashMap::new();
        let mut opaque = HashMap::new();
        let mut keyed = HashSet::new();
        // Open brackets, and whether a key has been seen inside each.
        let mut open: Vec<(usize, bool)> = Vec::new();
        // Backtick run lengths with no closing run after the current position.
        let mut unclosed_runs: HashSet<usize> = HashSet::new();
        let mut comments_close = true;
        let mut i = 0;
        while i < n {
            match b[i] {
                b'\\' => {
                    if i + 1 < n && b[i + 1].is_ascii_punctuation() {
                        opaque.insert(i, i + 2);
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                b'`' => {
                    let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                    let end = if unclosed_runs.contains(&run) { None } else { code_span_end(b, i + run, run) };
                    match end {
                        Some(end) => {
                            opaque.insert(i, end);
                            i = end;
                        }
                        None => {
                            unclosed_runs.insert(run);
                            i += run;
                        }
                    }
                }
                b'<' => {
                    let mut end = autolink_end(b, i);
                    if end.is_none() && comments_close && b[i..].starts_with(b"<!--") {
                        end = text[i + 4..].find("-->").map(|p| i + 4 + p + 3);
                        comments_close = end.is_some();
                    }
                    match end {
                        Some(end) => {
                            opaque.insert(i, end);
                            i = end;
                        }
                        None => i += 1,
                    }
                }
                // A key is one token: a `]` or `<` inside `@{…}` is part of it.
                b'@' => match key_at(text, i) {
                    Some(key) => {
                        if let Some(top) = open.last_mut() {
                            top.1 = true;
                        }
                        i = key.end;
                    }
                    None => i += 1,
                },
                b'[' => {
                    open.push((i, false));
                    i += 1;
                }
                b']' => {
                    if let Some((o, has_key)) = open.pop() {
                        close.insert(o, i);
                        if has_key {
                            keyed.insert(o);
                            if let Some(top) = open.last_mut() {
                                top.1 = true;
                            }
                        }
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        Layout { close, keyed, opaque }
    }
}

/// End of the code span whose opening run of `run` backticks ends at `from`.
fn code_span_end(b: &[u8], from: usize, run: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == b'`' {
            let len = b[i..].iter().take_while(|&&c| c == b'`').count();
            if len == run {
                return Some(i + len);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// End of the URI autolink (`<scheme:…>`) starting at `i`.
fn autolink_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if !b.get(j)?.is_ascii_alphabetic() {
        return None;
    }
    while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'+' | b'.' | b'-')) {
        j += 1;
    }
    let scheme = j - i - 1;
    if !(2..=32).contains(&scheme) || b.get(j) != Some(&b':') {
        return None;
    }
    while j < b.len() {
        match b[j] {
            b'>' => return Some(j + 1),
            b'<' => return None,
            c if c.is_ascii_whitespace() || c.is_ascii_control() => return None,
            _ => j += 1,
        }
    }
    None
}

/// A reference definition `[label]: …` at the start of a line: the end of
/// its line.
fn reference_definition(text: &str, open: usize, close: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(close + 1) != Some(&b':') || b.get(open + 1) == Some(&b'^') {
        return None;
    }
    let indent = b[..open].iter().rev().take_while(|&&c| c == b' ').count();
    if indent > 3 || (indent < open && b[open - indent - 1] != b'\n') {
        return None;
    }
    Some(text[close..].find('\n').map_or(text.len(), |p| close + p))
}

/// Skip spaces and tabs, and at most one line ending.
fn skip_space_one_line(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    if b.get(i) == Some(&b'\r') {
        i += 1;
    }
    if b.get(i) == Some(&b'\n') {
        i += 1;
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
    }
    i
}

/// The most bytes that a link's destination and title may take.
const LINK_TAIL_LIMIT: usize = 4096;

/// If `(` at `p` opens an inline link's destination (and title), the end of
/// it, after the `)`.
fn link_tail_end(text: &str, p: usize) -> Option<usize> {
    let all = text.as_bytes();
    if all.get(p) != Some(&b'(') {
        return None;
    }
    // Looking no further than this keeps the scan linear on pathological
    // input; a longer destination and title is read as prose.
    let b = &all[..all.len().min(p + LINK_TAIL_LIMIT)];
    let mut i = skip_space_one_line(b, p + 1);
    if b.get(i) == Some(&b'<') {
        i += 1;
        loop {
            match b.get(i)? {
                b'>' => break,
                b'<' | b'\n' => return None,
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        i += 1;
    } else {
        let mut depth = 0usize;
        while i < b.len() {
            let c = b[i];
            if c == b'\\' && b.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
                i += 2;
                continue;
            }
            if c.is_ascii_whitespace() || c.is_ascii_control() {
                break;
            }
            if c == b'(' {
                // CommonMark implementations cap this nesting; cmark at 32.
                depth += 1;
                if depth > 32 {
                    return None;
                }
            } else if c == b')' {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            i += 1;
        }
        if depth != 0 {
            return None;
        }
    }
    let j = skip_space_one_line(b, i);
    match b.get(j) {
        Some(b')') => Some(j + 1),
        Some(&q @ (b'"' | b'\'' | b'(')) if j > i => {
            let end_quote = if q == b'(' { b')' } else { q };
            let mut k = j + 1;
            loop {
                match b.get(k)? {
                    b'\\' => k += 2,
                    b'\n' if b[k + 1..].iter().take_while(|c| c.is_ascii_whitespace()).any(|&c| c == b'\n') => {
                        return None
                    }
                    &c if c == end_quote => break,
                    b'(' if q == b'(' => return None,
                    _ => k += 1,
                }
            }
            let m = skip_space_one_line(b, k + 1);
            (b.get(m) == Some(&b')')).then_some(m + 1)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/// A citation key as it stands in the text.
struct KeyToken {
    /// Position of the `@`, or of the `-` of `-@`.
    start: usize,
    /// The key itself (inside the braces of `@{…}`).
    key: Range<usize>,
    /// End of the key, after the `}` of `@{…}`.
    end: usize,
    suppress: bool,
}

const KEY_PUNCT: &[char] = &[':', '.', '#', '$', '%', '&', '-', '+', '?', '<', '>', '~', '/'];

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the character before an `@` (or `-@`) keeps it from starting a
/// citation: a letter or digit (an e-mail address) or a backslash.
fn blocks_key(text: &str, i: usize) -> bool {
    text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '\\')
}

/// The citation key starting at `i` (an `@`, or the `-` of `-@`).
fn key_at(text: &str, i: usize) -> Option<KeyToken> {
    let b = text.as_bytes();
    let (at, suppress) = match *b.get(i)? {
        b'-' if b.get(i + 1) == Some(&b'@') && !blocks_key(text, i) => (i + 1, true),
        b'@' if !blocks_key(text, i) => (i, false),
        _ => return None,
    };
    let k0 = at + 1;
    let rest = &text[k0..];
    if let Some(inner) = rest.strip_prefix('{') {
        let len = inner.find(|c: char| c == '{' || c == '}' || c.is_whitespace())?;
        if len == 0 || inner.as_bytes()[len] != b'}' {
            return None;
        }
        return Some(KeyToken { start: i, key: k0 + 1..k0 + 1 + len, end: k0 + 2 + len, suppress });
    }
    let first = rest.chars().next().filter(|&c| is_key_char(c))?;
    let mut j = k0 + first.len_utf8();
    while let Some(c) = text[j..].chars().next() {
        if is_key_char(c) {
            j += c.len_utf8();
            continue;
        }
        if KEY_PUNCT.contains(&c) {
            // Punctuation is part of a key only between key characters (or
            // in `://`); ASCII, so `j + 1` is a char boundary.
            let next = text[j + 1..].chars().next();
            if next.is_some_and(is_key_char) || (matches!(c, ':' | '/') && next == Some('/')) {
                j += 1;
                continue;
            }
        }
        break;
    }
    Some(KeyToken { start: i, key: k0..j, end: j, suppress })
}

/// Whether `key` can be written as `@key` without braces.
fn is_plain_key(key: &str) -> bool {
    let at = format!("@{key}");
    key_at(&at, 0).is_some_and(|k| k.end == at.len() && k.key.start == 1)
}

// ---------------------------------------------------------------------------
// Citations
// ---------------------------------------------------------------------------

/// The bracketed citation `[…]` from `open` to `close`, if it is one.
fn bracketed_at(text: &str, layout: &Layout, open: usize, close: usize) -> Option<Citation> {
    let b = text.as_bytes();
    // `^[…]` is an inline note, `[^…]` a footnote reference.
    if (open > 0 && b[open - 1] == b'^') || b.get(open + 1) == Some(&b'^') {
        return None;
    }
    if !layout.keyed.contains(&open) {
        return None;
    }
    let items = parse_items(text, layout, open + 1, close).ok()?;
    Some(Citation { span: open..close + 1, mode: CitationMode::Bracketed, items })
}

/// The author-in-text citation starting at `i`, with its locator bracket.
fn in_text_at(text: &str, layout: &Layout, i: usize) -> Option<Citation> {
    let key = key_at(text, i)?;
    let b = text.as_bytes();
    let mut end = key.end;
    let mut locator = None;
    let mut suffix = String::new();
    let open = if b.get(key.end) == Some(&b' ') { key.end + 1 } else { key.end };
    if b.get(open) == Some(&b'[') {
        if let Some(&close) = layout.close.get(&open) {
            let is_link = matches!(b.get(close + 1), Some(b'(' | b'['));
            if !is_link && b.get(open + 1) != Some(&b'^') && !layout.keyed.contains(&open) {
                (locator, suffix) = parse_tail(&text[open + 1..close]);
                end = close + 1;
            }
        }
    }
    Some(Citation {
        span: key.start..end,
        mode: CitationMode::AuthorInText,
        items: vec![CiteItem {
            key: text[key.key.clone()].to_string(),
            key_span: key.key,
            prefix: String::new(),
            locator,
            suffix,
            suppress_author: key.suppress,
        }],
    })
}

/// One `;`-separated part of a citation group.
struct Segment {
    range: Range<usize>,
    keys: Vec<KeyToken>,
}

/// The items of a citation group `from..to` (the inside of a bracket, or a
/// bare field): parts separated by `;`, each with exactly one key.
fn parse_items(text: &str, layout: &Layout, from: usize, to: usize) -> Result<Vec<CiteItem>, CitationError> {
    let b = text.as_bytes();
    let mut segments = Vec::new();
    let mut current = Segment { range: from..from, keys: Vec::new() };
    let mut i = from;
    while i < to {
        match b[i] {
            b'\\' | b'`' | b'<' => match layout.opaque.get(&i) {
                Some(&end) => i = end,
                None => i += 1,
            },
            b'[' => {
                let Some(&close) = layout.close.get(&i) else {
                    return Err(error(i..i + 1, "unclosed bracket: this `[` has no matching `]`"));
                };
                if layout.keyed.contains(&i) {
                    return Err(error(
                        i..close + 1,
                        "a citation key inside brackets within a citation: write each source as its own item, separated by `;`",
                    ));
                }
                // A nested bracket without keys is text of the prefix or suffix.
                i = close + 1;
            }
            b']' => return Err(error(i..i + 1, "unmatched `]`")),
            b';' => {
                current.range.end = i;
                segments.push(current);
                current = Segment { range: i + 1..i + 1, keys: Vec::new() };
                i += 1;
            }
            b'@' | b'-' => match key_at(text, i) {
                Some(key) => {
                    i = key.end;
                    current.keys.push(key);
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    current.range.end = to;
    segments.push(current);

    let mut items = Vec::with_capacity(segments.len());
    for segment in segments {
        let mut keys = segment.keys.into_iter();
        let Some(key) = keys.next() else {
            return Err(no_key_error(text, segment.range));
        };
        if let Some(second) = keys.next() {
            return Err(error(
                second.start..second.end,
                "a second key in one citation item: separate sources with `;`",
            ));
        }
        let (locator, suffix) = parse_tail(&text[key.end..segment.range.end]);
        items.push(CiteItem {
            key: text[key.key.clone()].to_string(),
            key_span: key.key,
            prefix: collapse_whitespace(&text[segment.range.start..key.start]),
            locator,
            suffix,
            suppress_author: key.suppress,
        });
    }
    Ok(items)
}

/// The error for a citation item with no key.
fn no_key_error(text: &str, range: Range<usize>) -> CitationError {
    let b = text.as_bytes();
    let segment = &text[range.clone()];
    let start = range.start + (segment.len() - segment.trim_start().len());
    let end = range.start + segment.trim_end().len();
    if start >= end {
        let span = if b.get(range.end) == Some(&b';') {
            range.end..range.end + 1
        } else if range.start > 0 && b[range.start - 1] == b';' {
            range.start - 1..range.start
        } else {
            range
        };
        return error(span, "empty citation item: write @key between the `;`");
    }
    let Some(at) = text[start..end].find('@').map(|p| start + p) else {
        return error(start..end, MISSING_AT);
    };
    let next = text[at + 1..].chars().next();
    match next {
        _ if blocks_key(text, at) => error(
            at..at + 1,
            "an `@` right after a letter, digit or backslash does not start a citation; put a space before it",
        ),
        None => error(at..at + 1, "`@` must be followed by a citation key"),
        Some(c) if c.is_whitespace() => error(at..at + 1, "`@` must be followed by a citation key"),
        Some('{') => error(at..at + 2, "a key in braces must be closed and may not hold spaces or braces: @{key}"),
        Some(c) => error(
            at..at + 1 + c.len_utf8(),
            "a citation key begins with a letter, digit or `_`; write other keys in braces: @{key}",
        ),
    }
}

// ---------------------------------------------------------------------------
// Locators
// ---------------------------------------------------------------------------

/// Trim and collapse runs of whitespace into one space.
fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The suffix: trimmed, without a leading comma.
fn suffix_text(s: &str) -> String {
    let s = s.trim_start();
    collapse_whitespace(s.strip_prefix(',').unwrap_or(s))
}

/// Split the text after a key (or inside an author-in-text bracket) into a
/// locator and a suffix.
fn parse_tail(s: &str) -> (Option<Locator>, String) {
    let after_comma = s.strip_prefix(',').unwrap_or(s);
    let body = after_comma.trim_start();
    if let Some(inner) = body.strip_prefix('{') {
        if let Some(close) = matching_brace(inner) {
            let locator = delimited_locator(&inner[..close]);
            return (locator, suffix_text(&inner[close + 1..]));
        }
        return (None, suffix_text(s));
    }
    match integrated_locator(body) {
        Some((locator, used)) => (Some(locator), suffix_text(&body[used..])),
        None => (None, suffix_text(s)),
    }
}

/// Position of the `}` that closes the brace just before `s`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The label term at the start of `s`, longest first, and its length.
fn match_label(s: &str) -> Option<(LocatorLabel, usize)> {
    let mut best: Option<(LocatorLabel, usize)> = None;
    for &(term, label) in LABEL_TERMS {
        let Some(head) = s.get(..term.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(term) || best.is_some_and(|(_, len)| len >= term.len()) {
            continue;
        }
        // A word (`page`, `ch`) must end where the word ends; an
        // abbreviation with a period or a symbol (`p.`, `§`) may run on.
        let ends_word = term.ends_with(|c: char| c.is_ascii_alphabetic());
        if ends_word && s[term.len()..].chars().next().is_some_and(|c| !c.is_whitespace()) {
            continue;
        }
        best = Some((label, term.len()));
    }
    best
}

/// A locator written in braces: `{pp. iv, vi-xi}`, `{ii, A, D-Z}`.
fn delimited_locator(inner: &str) -> Option<Locator> {
    let inner = inner.trim_start();
    let (label, value) = match match_label(inner) {
        Some((label, len)) => (label, &inner[len..]),
        None => (LocatorLabel::Page, inner),
    };
    let value = collapse_whitespace(value);
    (!value.is_empty()).then_some(Locator { label, value })
}

/// A locator at the start of `s` (`p. 5`, `ch. 3`, `824`, `33, 35-37`) and
/// the length of text it takes.
fn integrated_locator(s: &str) -> Option<(Locator, usize)> {
    let (label, start, explicit) = match match_label(s) {
        Some((label, len)) => {
            let rest = &s[len..];
            (label, len + (rest.len() - rest.trim_start().len()), true)
        }
        None => (LocatorLabel::Page, 0, false),
    };
    let end = locator_value_end(s, start, explicit)?;
    let value = collapse_whitespace(&s[start..end]);
    Some((Locator { label, value }, end))
}

/// End of a locator value starting at `start`: words separated by a comma
/// or whitespace, each with a digit (or, after an explicit label, a roman
/// numeral).
fn locator_value_end(s: &str, start: usize, explicit: bool) -> Option<usize> {
    let mut end = locator_word_end(s, start, explicit)?;
    loop {
        let mut next = end;
        if s[next..].starts_with(',') {
            next += 1;
        }
        next += s[next..].len() - s[next..].trim_start().len();
        if next == end {
            return Some(end);
        }
        match locator_word_end(s, next, explicit) {
            Some(e) => end = e,
            None => return Some(end),
        }
    }
}

/// End of one locator word (`105`, `264-265`, `iv`, `3:14`, `(xv)-(xvii)`,
/// `1.2`) starting at `start`, if it counts as a locator.
fn locator_word_end(s: &str, start: usize, explicit: bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut end = start;
    for (offset, c) in s[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => break,
            ')' => depth -= 1,
            c if c.is_alphanumeric() || matches!(c, '-' | '–' | ':' | '.') => {}
            _ => break,
        }
        end = start + offset + c.len_utf8();
    }
    let word = s[start..end].trim_end_matches(['.', ':']);
    if depth != 0 || word.is_empty() {
        return None;
    }
    let digit_like = word.bytes().any(|c| c.is_ascii_digit())
        || (explicit && word.split(|c: char| !c.is_alphanumeric()).any(is_roman));
    digit_like.then_some(start + word.len())
}

/// Whether `s` is a roman numeral in standard form (`iv`, `XVII`, `mcm`).
fn is_roman(s: &str) -> bool {
    if s.is_empty() || !s.chars().all(|c| "ivxlcdmIVXLCDM".contains(c)) {
        return false;
    }
    let upper = s.to_ascii_uppercase();
    let mut r = upper.as_str();
    let thousands = r.len() - r.trim_start_matches('M').len();
    if thousands > 4 {
        return false;
    }
    r = &r[thousands..];
    for (nine, four, five, one) in [("CM", "CD", 'D', 'C'), ("XC", "XL", 'L', 'X'), ("IX", "IV", 'V', 'I')] {
        if let Some(rest) = r.strip_prefix(nine).or_else(|| r.strip_prefix(four)) {
            r = rest;
        } else {
            r = r.strip_prefix(five).unwrap_or(r);
            let ones = r.len() - r.trim_start_matches(one).len();
            if ones > 3 {
                return false;
            }
            r = &r[ones..];
        }
    }
    r.is_empty()
}

// ---------------------------------------------------------------------------
// Writing citations back
// ---------------------------------------------------------------------------

fn render_key(item: &CiteItem) -> String {
    let dash = if item.suppress_author { "-" } else { "" };
    if is_plain_key(&item.key) {
        format!("{dash}@{}", item.key)
    } else {
        format!("{dash}@{{{}}}", item.key)
    }
}

/// Whether two items say the same thing, whatever their spans.
fn same_item(a: &CiteItem, b: &CiteItem) -> bool {
    a.key == b.key
        && a.prefix == b.prefix
        && a.locator == b.locator
        && a.suffix == b.suffix
        && a.suppress_author == b.suppress_author
}

/// Whether scanning `s` gives exactly one citation, covering it, whose one
/// item is `item`.
fn reads_back(s: &str, item: &CiteItem) -> bool {
    match scan(s).as_slice() {
        [c] => c.span == (0..s.len()) && c.items.len() == 1 && same_item(&c.items[0], item),
        _ => false,
    }
}

/// Ways to write the locator and suffix of `item`, best first; `comma` puts
/// a comma before the first part. The later ones keep a suffix that reads
/// differently after a space (`x@y`, `@y`) next to what precedes it.
fn tail_candidates(item: &CiteItem, comma: bool) -> Vec<String> {
    let lead = if comma { ", " } else { "" };
    let suffix = &item.suffix;
    match (&item.locator, suffix.is_empty()) {
        (None, true) => vec![String::new()],
        (None, false) => {
            vec![format!("{lead}{suffix}"), format!("{{}}, {suffix}"), suffix.clone(), format!("{{}}{suffix}")]
        }
        (Some(loc), true) => vec![format!("{lead}{loc}"), format!("{lead}{{{loc}}}")],
        (Some(loc), false) => vec![
            format!("{lead}{loc}, {suffix}"),
            format!("{lead}{{{loc}}}, {suffix}"),
            format!("{lead}{loc} {suffix}"),
            format!("{lead}{{{loc}}} {suffix}"),
            format!("{lead}{loc}{suffix}"),
            format!("{lead}{{{loc}}}{suffix}"),
        ],
    }
}

fn render_bracketed_item(item: &CiteItem) -> String {
    let mut head = String::new();
    if !item.prefix.is_empty() {
        head.push_str(&item.prefix);
        head.push(' ');
    }
    head.push_str(&render_key(item));
    let candidates = tail_candidates(item, true);
    for tail in &candidates {
        let written = format!("{head}{tail}");
        if reads_back(&format!("[{written}]"), item) {
            return written;
        }
    }
    format!("{head}{}", candidates[0])
}

fn render_in_text_item(item: &CiteItem) -> String {
    let head = render_key(item);
    let plain = CiteItem { prefix: String::new(), ..item.clone() };
    let candidates: Vec<String> = tail_candidates(item, false)
        .into_iter()
        .map(|tail| if tail.is_empty() { head.clone() } else { format!("{head} [{tail}]") })
        .collect();
    candidates.iter().find(|written| reads_back(written, &plain)).unwrap_or(&candidates[0]).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str) -> CiteItem {
        CiteItem {
            key: key.to_string(),
            key_span: 0..0,
            prefix: String::new(),
            locator: None,
            suffix: String::new(),
            suppress_author: false,
        }
    }

    fn loc(label: LocatorLabel, value: &str) -> Option<Locator> {
        Some(Locator { label, value: value.to_string() })
    }

    /// The one citation in `text`.
    fn one(text: &str) -> Citation {
        let found = scan(text);
        assert_eq!(found.len(), 1, "{text:?}: {found:#?}");
        found.into_iter().next().unwrap()
    }

    /// The one item of the one citation in `text`.
    fn one_item(text: &str) -> CiteItem {
        let c = one(text);
        assert_eq!(c.items.len(), 1, "{text:?}: {c:#?}");
        c.items.into_iter().next().unwrap()
    }

    fn keys(text: &str) -> Vec<String> {
        scan(text).into_iter().flat_map(|c| c.items).map(|i| i.key).collect()
    }

    #[test]
    fn bracketed_with_page() {
        let text = "As shown [@bugai1992, p. 105].";
        let c = one(text);
        assert_eq!(c.mode, CitationMode::Bracketed);
        assert_eq!(&text[c.span.clone()], "[@bugai1992, p. 105]");
        let i = &c.items[0];
        assert_eq!(i.key, "bugai1992");
        assert_eq!(&text[i.key_span.clone()], "bugai1992");
        assert_eq!(i.locator, loc(LocatorLabel::Page, "105"));
        assert_eq!(i.suffix, "");
        assert_eq!(i.prefix, "");
        assert!(!i.suppress_author);
    }

    #[test]
    fn prefix_locator_and_second_item() {
        let text = "[see @pohl1999, pp. 2-3; @naimark2001]";
        let c = one(text);
        assert_eq!(c.span, 0..text.len());
        assert_eq!(c.items.len(), 2);
        let a = &c.items[0];
        assert_eq!(a.prefix, "see");
        assert_eq!(a.key, "pohl1999");
        assert_eq!(a.locator, loc(LocatorLabel::Page, "2-3"));
        assert_eq!(a.locator.as_ref().unwrap().to_string(), "pp. 2-3");
        assert_eq!(a.suffix, "");
        let b = &c.items[1];
        assert_eq!(b.prefix, "");
        assert_eq!(b.key, "naimark2001");
        assert_eq!(b.locator, None);
        assert_eq!(&text[b.key_span.clone()], "naimark2001");
    }

    #[test]
    fn key_spans_of_two_items() {
        let text = "[@a, p. 5; @b]";
        let c = one(text);
        assert_eq!(c.items[0].key_span, 2..3);
        assert_eq!(c.items[1].key_span, 12..13);
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "5"));
    }

    #[test]
    fn unlabelled_value_is_a_page() {
        let c = one("[@nekrich1978, p. 58; also @martin1998, 824]");
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "58"));
        assert_eq!(c.items[1].prefix, "also");
        assert_eq!(c.items[1].locator, loc(LocatorLabel::Page, "824"));
        assert_eq!(c.items[1].suffix, "");
    }

    #[test]
    fn suppress_author() {
        let i = one_item("[-@pohl2000]");
        assert!(i.suppress_author);
        assert_eq!(i.key, "pohl2000");
        let i = one_item("[see -@pohl2000, p. 268]");
        assert!(i.suppress_author);
        assert_eq!(i.prefix, "see");
        assert_eq!(i.locator, loc(LocatorLabel::Page, "268"));
        let text = "[-@x]";
        let c = one(text);
        assert_eq!(c.span, 0..5);
        assert_eq!(c.items[0].key_span, 3..4);
    }

    #[test]
    fn author_in_text() {
        let text = "@nekrich1978 argues that";
        let c = one(text);
        assert_eq!(c.mode, CitationMode::AuthorInText);
        assert_eq!(c.span, 0..12);
        assert_eq!(c.items[0].key, "nekrich1978");

        let text = "As @nekrich1978 [p. 58] argues";
        let c = one(text);
        assert_eq!(c.mode, CitationMode::AuthorInText);
        assert_eq!(&text[c.span.clone()], "@nekrich1978 [p. 58]");
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "58"));
        assert_eq!(&text[c.items[0].key_span.clone()], "nekrich1978");

        let c = one("@a[ch. 2, with changes] says");
        assert_eq!(c.span, 0..23);
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Chapter, "2"));
        assert_eq!(c.items[0].suffix, "with changes");

        // More than one space: the bracket is a separate (non-)citation.
        let c = one("@a  [p. 5]");
        assert_eq!(c.span, 0..2);
        assert_eq!(c.items[0].locator, None);
    }

    #[test]
    fn author_in_text_bracket_that_is_not_a_locator() {
        // A link after the key.
        let found = scan("@a [the text](http://example.org) says");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span, 0..2);
        // A bracket with its own key is its own citation.
        let found = scan("@a [@b, p. 4]");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].mode, CitationMode::AuthorInText);
        assert_eq!(found[0].span, 0..2);
        assert_eq!(found[1].mode, CitationMode::Bracketed);
        assert_eq!(found[1].span, 3..13);
        // A footnote reference.
        assert_eq!(one("@a [^1]").span, 0..2);
    }

    #[test]
    fn trailing_punctuation_is_not_key() {
        let text = "as @pohl1999.";
        let i = one_item(text);
        assert_eq!(i.key, "pohl1999");
        assert_eq!(&text[i.key_span], "pohl1999");
        assert_eq!(keys("@Foo_bar.baz. and @a:b, @c--d"), ["Foo_bar.baz", "a:b", "c"]);
        assert_eq!(keys("see @http://example.org/x."), ["http://example.org/x"]);
    }

    #[test]
    fn unicode_keys_and_cyrillic_text() {
        let text = "Как пишет @бугай1992 [с. 105], депортация [см. @pohl1999, p. 5; @naimark2001].";
        let found = scan(text);
        assert_eq!(found.len(), 2);
        let a = &found[0];
        assert_eq!(a.mode, CitationMode::AuthorInText);
        assert_eq!(&text[a.span.clone()], "@бугай1992 [с. 105]");
        assert_eq!(a.items[0].key, "бугай1992");
        assert_eq!(&text[a.items[0].key_span.clone()], "бугай1992");
        assert_eq!(a.items[0].locator, None);
        assert_eq!(a.items[0].suffix, "с. 105");
        let b = &found[1];
        assert_eq!(&text[b.span.clone()], "[см. @pohl1999, p. 5; @naimark2001]");
        assert_eq!(b.items[0].prefix, "см.");
        assert_eq!(&text[b.items[0].key_span.clone()], "pohl1999");
        assert_eq!(b.items[0].locator, loc(LocatorLabel::Page, "5"));
        assert_eq!(&text[b.items[1].key_span.clone()], "naimark2001");
        assert!(text.is_char_boundary(b.span.start));
    }

    #[test]
    fn not_citations() {
        for text in [
            "write to someone@example.org today",
            "почта@example.org",
            "escaped \\@key here",
            "a lone @ sign",
            "ends with @",
            "[a link](http://a@b)",
            "[a link](https://mastodon.social/@user)",
            "[text][ref] and [text]",
            "[not a citation]",
            "`code @key` here",
            "```\n@key\n```",
            "<https://example.org/@user>",
            "<!-- @note to self -->",
            "[ref]: https://example.org/@user",
            "@-key and @.key and @{} and @{a b}",
        ] {
            assert_eq!(scan(text), vec![], "{text:?}");
        }
    }

    #[test]
    fn brackets_that_are_text() {
        // A bracket whose parts are not all citation items is text; its keys
        // are author-in-text citations.
        let found = scan("[as @a and @b show]");
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|c| c.mode == CitationMode::AuthorInText));
        assert_eq!(found[0].span, 4..6);
        assert_eq!(found[1].span, 11..13);

        let found = scan("[@a, p. 5; and more]");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].mode, CitationMode::AuthorInText);
        assert_eq!(found[0].span, 1..3);

        let found = scan("[@a;]");
        assert_eq!(found[0].mode, CitationMode::AuthorInText);

        // A link whose text holds a key but is not a citation group.
        let text = "[read @a and @b](https://example.org/@c)";
        assert_eq!(keys(text), ["a", "b"]);
        // As in Pandoc, a citation group wins over a link.
        let text = "[read @a](https://example.org/@b)";
        let found = scan(text);
        assert_eq!(found[0].mode, CitationMode::Bracketed);
        assert_eq!(found[0].items[0].prefix, "read");

        // Inline notes.
        let found = scan("text^[see @a, p. 5]");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].mode, CitationMode::AuthorInText);
        assert_eq!(found[0].items[0].locator, None);
    }

    #[test]
    fn citation_next_to_links_and_code() {
        let text = "See [this](https://x.org/@y) and [@a, p. 3] and `[@b]`.";
        let found = scan(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].span.clone()], "[@a, p. 3]");
        let text = "[link](<https://x.org/@y> \"title @z\") [@a]";
        assert_eq!(keys(text), ["a"]);
    }

    #[test]
    fn escaped_bracket_is_text() {
        let c = one("escaped \\[@key] too");
        assert_eq!(c.mode, CitationMode::AuthorInText);
        assert_eq!(c.span, 10..14);
    }

    #[test]
    fn email_and_dash_rules() {
        assert_eq!(keys("a@b.org"), Vec::<String>::new());
        // `x-@key`: the dash is a word's, the `@` still starts a citation.
        let i = one_item("x-@key");
        assert!(!i.suppress_author);
        assert_eq!(one("x-@key").span, 2..6);
        let i = one_item("as -@key says");
        assert!(i.suppress_author);
        assert_eq!(one("as -@key says").span, 3..8);
    }

    #[test]
    fn braced_keys() {
        let text = "[@{https://example.org/a?b=c&d}, p. 4]";
        let i = one_item(text);
        assert_eq!(i.key, "https://example.org/a?b=c&d");
        assert_eq!(&text[i.key_span.clone()], i.key);
        assert_eq!(i.locator, loc(LocatorLabel::Page, "4"));
        let i = one_item("[@{Foo_bar.baz.}]");
        assert_eq!(i.key, "Foo_bar.baz.");
        let text = "[@{a]b}; @c]";
        let c = one(text);
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[0].key, "a]b");
    }

    #[test]
    fn locator_forms() {
        let cases: &[(&str, Option<Locator>, &str)] = &[
            ("[@a, ch. 3]", loc(LocatorLabel::Chapter, "3"), ""),
            ("[@a, § 4]", loc(LocatorLabel::Section, "4"), ""),
            ("[@a, §§ 4-6]", loc(LocatorLabel::Section, "4-6"), ""),
            ("[@a, ¶ 12]", loc(LocatorLabel::Paragraph, "12"), ""),
            ("[@a, {pp. iv, vi-xi}]", loc(LocatorLabel::Page, "iv, vi-xi"), ""),
            ("[@a, {pp. iv, vi-xi} with suffix]", loc(LocatorLabel::Page, "iv, vi-xi"), "with suffix"),
            ("[@a{ii, A, D-Z}, with a suffix]", loc(LocatorLabel::Page, "ii, A, D-Z"), "with a suffix"),
            ("[@a{}, 99 years later]", None, "99 years later"),
            ("[@a, {s.v. Holodomor}]", loc(LocatorLabel::SubVerbo, "Holodomor"), ""),
            ("[@a, pp. 33, 35-37, and passim]", loc(LocatorLabel::Page, "33, 35-37"), "and passim"),
            ("[@a, pp. 33-35, 38-39 and passim]", loc(LocatorLabel::Page, "33-35, 38-39"), "and passim"),
            ("[@a, p. 5, emphasis added]", loc(LocatorLabel::Page, "5"), "emphasis added"),
            ("[@a, pp. 264–265]", loc(LocatorLabel::Page, "264–265"), ""),
            ("[@a, pp. 264--265]", loc(LocatorLabel::Page, "264--265"), ""),
            ("[@a, p.5]", loc(LocatorLabel::Page, "5"), ""),
            ("[@a p. 5]", loc(LocatorLabel::Page, "5"), ""),
            ("[@a, P. 7]", loc(LocatorLabel::Page, "7"), ""),
            ("[@a, Chapter 2]", loc(LocatorLabel::Chapter, "2"), ""),
            ("[@a, chapters 2-3]", loc(LocatorLabel::Chapter, "2-3"), ""),
            ("[@a, vol. II, p. 4]", loc(LocatorLabel::Volume, "II"), "p. 4"),
            ("[@a, vols. 2]", loc(LocatorLabel::Volume, "2"), ""),
            ("[@a, s.v. 12]", loc(LocatorLabel::SubVerbo, "12"), ""),
            ("[@a, sub verbo 12]", loc(LocatorLabel::SubVerbo, "12"), ""),
            ("[@a, l. 5]", loc(LocatorLabel::Line, "5"), ""),
            ("[@a, nn. 3-4]", loc(LocatorLabel::Note, "3-4"), ""),
            ("[@a, no. 17]", loc(LocatorLabel::Number, "17"), ""),
            ("[@a, op. 9]", loc(LocatorLabel::Opus, "9"), ""),
            ("[@a, para. 4]", loc(LocatorLabel::Paragraph, "4"), ""),
            ("[@a, pt. 2]", loc(LocatorLabel::Part, "2"), ""),
            ("[@a, vv. 1-3]", loc(LocatorLabel::Verse, "1-3"), ""),
            ("[@a, fig. 3]", loc(LocatorLabel::Figure, "3"), ""),
            ("[@a, fol. 12]", loc(LocatorLabel::Folio, "12"), ""),
            ("[@a, col. 2]", loc(LocatorLabel::Column, "2"), ""),
            ("[@a, bk. 4]", loc(LocatorLabel::Book, "4"), ""),
            ("[@a, 12a]", loc(LocatorLabel::Page, "12a"), ""),
            ("[@a, p. (xv)-(xvii)]", loc(LocatorLabel::Page, "(xv)-(xvii)"), ""),
            ("[@a, p. 5.]", loc(LocatorLabel::Page, "5"), "."),
            // Words that are not locators.
            ("[@a, iv]", None, "iv"),
            ("[@a, p. x-ray]", loc(LocatorLabel::Page, "x-ray"), ""),
            ("[@a, page one]", None, "page one"),
            ("[@a, pages]", None, "pages"),
            ("[@a, and passim]", None, "and passim"),
            ("[@a, s.v. Holodomor]", None, "s.v. Holodomor"),
            ("[@a's book]", None, "'s book"),
            ("[@a, pp5]", loc(LocatorLabel::Page, "pp5"), ""),
            ("[@a, {unclosed]", None, "{unclosed"),
        ];
        for (text, locator, suffix) in cases {
            let i = one_item(text);
            assert_eq!(&i.locator, locator, "{text}");
            assert_eq!(i.suffix, *suffix, "{text}");
        }
    }

    #[test]
    fn whitespace_is_collapsed() {
        let i = one_item("[see\n  also @a,\n pp. 33,\n 35 and\n\tpassim]");
        assert_eq!(i.prefix, "see also");
        assert_eq!(i.locator, loc(LocatorLabel::Page, "33, 35"));
        assert_eq!(i.suffix, "and passim");
    }

    #[test]
    fn locator_display_and_labels() {
        let l = Locator { label: LocatorLabel::Page, value: "264-265".into() };
        assert!(l.is_range_or_list());
        assert_eq!(l.to_string(), "pp. 264-265");
        let l = Locator { label: LocatorLabel::Chapter, value: "3".into() };
        assert!(!l.is_range_or_list());
        assert_eq!(l.to_string(), "chap. 3");
        assert!(Locator { label: LocatorLabel::Page, value: "33, 35".into() }.is_range_or_list());
        for label in LocatorLabel::ALL {
            assert_eq!(LocatorLabel::from_term(label.csl_name()), Some(label));
            assert_eq!(LocatorLabel::from_term(label.abbrev(false)), Some(label));
            assert_eq!(LocatorLabel::from_term(label.abbrev(true)), Some(label));
        }
        assert_eq!(LocatorLabel::SubVerbo.csl_name(), "sub verbo");
        assert_eq!(LocatorLabel::from_term(" PP. "), Some(LocatorLabel::Page));
        assert_eq!(LocatorLabel::from_term("§§"), Some(LocatorLabel::Section));
        assert_eq!(LocatorLabel::from_term("sub-verbo"), Some(LocatorLabel::SubVerbo));
        assert_eq!(LocatorLabel::from_term("leaf"), None);
    }

    #[test]
    fn roman_numerals() {
        for r in ["i", "iv", "ix", "xiv", "XVII", "mcmxcix", "cd", "mix"] {
            assert!(is_roman(r), "{r}");
        }
        for r in ["", "iiii", "vv", "ic", "mild", "abc", "xm"] {
            assert!(!is_roman(r), "{r}");
        }
    }

    #[test]
    fn several_citations_in_order() {
        let text = "First [@a], then @b [p. 2], and [see @c; @d, ch. 1]. Mail x@y.org.";
        let found = scan(text);
        let spans: Vec<&str> = found.iter().map(|c| &text[c.span.clone()]).collect();
        assert_eq!(spans, ["[@a]", "@b [p. 2]", "[see @c; @d, ch. 1]"]);
    }

    #[test]
    fn field_forms() {
        let c = parse_field("@bugai1992, pp. 264-265").unwrap();
        assert_eq!(c.mode, CitationMode::Bracketed);
        assert_eq!(c.span, 0..23);
        assert_eq!(c.items[0].key_span, 1..10);
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "264-265"));

        let c = parse_field("  [@bugai1992, pp. 264-265]  ").unwrap();
        assert_eq!(c.span, 2..27);
        assert_eq!(c.items[0].key_span, 4..13);
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "264-265"));

        let c = parse_field("@a; @b").unwrap();
        assert_eq!(c.items.len(), 2);
        assert_eq!(c.items[1].key_span, 5..6);

        let c = parse_field("[see @a, p. 5; @b]").unwrap();
        assert_eq!(c.items[0].prefix, "see");
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "5"));
        assert_eq!(c.items[1].key, "b");

        let c = parse_field("@a [p. 5]").unwrap();
        assert_eq!(c.mode, CitationMode::AuthorInText);
        assert_eq!(c.span, 0..9);
        assert_eq!(c.items[0].locator, loc(LocatorLabel::Page, "5"));

        let c = parse_field("-@a").unwrap();
        assert!(c.items[0].suppress_author);
        assert_eq!(c.mode, CitationMode::Bracketed);
    }

    #[test]
    fn field_errors() {
        let cases: &[(&str, Range<usize>, &str)] = &[
            ("", 0..0, NO_CITATION),
            ("   ", 0..3, NO_CITATION),
            ("bugai1992, p. 105", 0..17, MISSING_AT),
            (" Bugai 1992 ", 1..11, MISSING_AT),
            ("[Bugai 1992]", 1..11, MISSING_AT),
            ("[@a, p. 5", 0..1, "unclosed bracket"),
            ("@a, p. 5 [note", 9..10, "unclosed bracket"),
            ("@a, p. 5]", 8..9, "unmatched"),
            ("[@a] and more", 4..13, "text after the citation"),
            ("@a;", 2..3, "empty citation item"),
            ("@a;; @b", 3..4, "empty citation item"),
            ("@a; Bugai", 4..9, MISSING_AT),
            ("@a @b", 3..5, "a second key"),
            ("x@y.org", 1..2, "right after a letter"),
            ("@ a", 0..1, "must be followed"),
            ("@", 0..1, "must be followed"),
            ("@!a", 0..2, "begins with a letter"),
            ("@{a b}", 0..2, "braces"),
            ("[see [@a]]", 5..9, "inside brackets"),
        ];
        for (field, span, message) in cases {
            let err = parse_field(field).expect_err(field);
            assert_eq!(&err.span, span, "{field:?}: {err:?}");
            assert!(err.message.contains(message), "{field:?}: {err:?}");
            assert_eq!(err.to_string(), err.message);
        }
    }

    #[test]
    fn to_pandoc_forms() {
        let c = one("[see @pohl1999, pp. 2-3; -@naimark2001]");
        assert_eq!(c.to_pandoc(), "[see @pohl1999, pp. 2-3; -@naimark2001]");
        assert_eq!(one("@a [p. 58]").to_pandoc(), "@a [p. 58]");
        assert_eq!(one("@a").to_pandoc(), "@a");
        assert_eq!(one("[@a, 824]").to_pandoc(), "[@a, p. 824]");
        assert_eq!(one("[@a, {p. 5} iv]").to_pandoc(), "[@a, {p. 5}, iv]");
        assert_eq!(one("[@a{}, 99 years]").to_pandoc(), "[@a{}, 99 years]");
        assert_eq!(one("[@{a.b.}]").to_pandoc(), "[@{a.b.}]");
        assert_eq!(one("[@{a.b}]").to_pandoc(), "[@a.b]");
        let c = Citation {
            span: 0..0,
            mode: CitationMode::Bracketed,
            items: vec![CiteItem { key: "a.".into(), locator: loc(LocatorLabel::SubVerbo, "Holodomor"), ..item("a.") }],
        };
        assert_eq!(c.to_pandoc(), "[@{a.}, {s.v. Holodomor}]");
        let c = Citation {
            span: 0..0,
            mode: CitationMode::AuthorInText,
            items: vec![CiteItem { prefix: "as".into(), ..item("a") }, item("b")],
        };
        assert_eq!(c.to_pandoc(), "as @a [@b]");
    }

    #[test]
    fn pathological_input_stays_fast() {
        // Each of these took quadratic time in a naive scanner; at this size
        // that would be seconds, linear is milliseconds.
        let n = 40_000;
        let inputs = [
            format!("{}{}", "[".repeat(n), "]".repeat(n)),
            format!("{}@a{}", "[".repeat(n), "]".repeat(n)),
            "[a](".repeat(n / 4),
            "[a](x (".repeat(n / 7),
            "[a]:".repeat(n / 4),
            "<!--".repeat(n / 4),
            "@{".repeat(n / 2),
            (1..n / 30).map(|k| "`".repeat(k % 40 + 1) + "x").collect(),
        ];
        let start = std::time::Instant::now();
        for text in &inputs {
            scan(text);
            let _ = parse_field(text);
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn check_spans(text: &str) {
            let found = scan(text);
            let mut last_end = 0;
            for c in &found {
                assert!(c.span.start >= last_end && c.span.start < c.span.end, "{c:?}");
                assert!(c.span.end <= text.len());
                assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
                assert!(!c.items.is_empty());
                last_end = c.span.end;
                for i in &c.items {
                    let k = &i.key_span;
                    assert!(c.span.start < k.start && k.end <= c.span.end, "{c:?}");
                    assert!(text.is_char_boundary(k.start) && text.is_char_boundary(k.end));
                    assert_eq!(&text[k.clone()], i.key);
                }
            }
            match parse_field(text) {
                Ok(c) => {
                    assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
                    for i in &c.items {
                        assert_eq!(&text[i.key_span.clone()], i.key);
                    }
                }
                Err(e) => {
                    assert!(e.span.start <= e.span.end && e.span.end <= text.len(), "{e:?}");
                    assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
                }
            }
        }

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => "[a-z_][a-z0-9]{0,6}([:.#$%&+?<>~/-][a-z0-9]{1,4})?",
                1 => "[a-zа-я0-9_]{1,5}[.:/]{1,2}",
                1 => "[a-z0-9:/.?=&#;\\]\\[-]{1,10}",
            ]
        }

        fn words(alphabet: &'static str) -> impl Strategy<Value = String> {
            proptest::collection::vec(alphabet, 0..3).prop_map(|w| w.join(" "))
        }

        fn locator() -> impl Strategy<Value = Option<Locator>> {
            let value = prop_oneof![
                "[1-9][0-9]{0,3}",
                "[1-9][0-9]{0,2}(-|–|--)[1-9][0-9]{0,2}",
                "[1-9][0-9]{0,2}, [1-9][0-9]{0,2}(-[1-9][0-9]{0,2})?",
                prop::sample::select(vec!["i", "iv", "vi-xi", "xvii", "IX", "iv, vi-xi"]).prop_map(str::to_string),
            ];
            let label = prop::sample::select(LocatorLabel::ALL.to_vec());
            proptest::option::of((label, value).prop_map(|(label, value)| Locator { label, value }))
        }

        fn cite_item(in_text: bool) -> impl Strategy<Value = CiteItem> {
            let prefix = if in_text { Just(String::new()).boxed() } else { words("[a-z]{1,6}").boxed() };
            (key(), prefix, locator(), words("[a-z0-9]{1,6}|[ivx]{1,3}|p\\.|pp\\."), any::<bool>()).prop_map(
                |(key, prefix, locator, suffix, suppress_author)| CiteItem {
                    key,
                    key_span: 0..0,
                    prefix,
                    locator,
                    suffix,
                    suppress_author,
                },
            )
        }

        fn citation() -> impl Strategy<Value = Citation> {
            prop_oneof![
                proptest::collection::vec(cite_item(false), 1..4).prop_map(|items| Citation {
                    span: 0..0,
                    mode: CitationMode::Bracketed,
                    items,
                }),
                cite_item(true).prop_map(|item| Citation {
                    span: 0..0,
                    mode: CitationMode::AuthorInText,
                    items: vec![item],
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn spans_hold_for_any_text(text in any::<String>()) {
                check_spans(&text);
            }

            #[test]
            fn spans_hold_for_citation_like_text(
                text in "[\\[\\]@;,. 0-9a-zp{}\\\\()`<>:^\n-]{0,40}|([\\[\\]@;,. a-z0-9{}\\\\-]|п|ё|§|¶|–){0,40}"
            ) {
                check_spans(&text);
            }

            #[test]
            fn scanned_citations_write_back(
                text in "([\\[\\]@;,. 0-9a-z{}\\\\()`<>:^\n-]|ё|–|pp?\\. |§ |ch\\. |iv|@[a-z]{1,3}){0,25}"
            ) {
                for c in scan(&text) {
                    let written = c.to_pandoc();
                    let again = scan(&written);
                    prop_assert_eq!(again.len(), 1, "{:?} -> {:?} -> {:?}", text, written, again);
                    prop_assert_eq!(again[0].mode, c.mode);
                    prop_assert_eq!(again[0].items.len(), c.items.len());
                    for (got, want) in again[0].items.iter().zip(&c.items) {
                        prop_assert!(same_item(got, want), "{:?} -> {:?}: {:?} != {:?}", text, written, got, want);
                    }
                }
            }

            #[test]
            fn round_trip(citation in citation(), before in "|[a-zа-я]{1,5} ", after in "|[,.]| [a-z]{1,5}") {
                let written = citation.to_pandoc();
                let text = format!("{before}{written}{after}");
                let found = scan(&text);
                prop_assert_eq!(found.len(), 1, "{:?} -> {:?}", text, found);
                let c = &found[0];
                prop_assert_eq!(c.mode, citation.mode);
                prop_assert_eq!(&text[c.span.clone()], written.as_str());
                prop_assert_eq!(c.items.len(), citation.items.len());
                for (got, want) in c.items.iter().zip(&citation.items) {
                    prop_assert!(same_item(got, want), "{:?}: {:?} != {:?}", text, got, want);
                    prop_assert_eq!(&text[got.key_span.clone()], want.key.as_str());
                }
                let field = parse_field(&written).map_err(|e| TestCaseError::fail(e.message))?;
                prop_assert_eq!(field.items.len(), citation.items.len());
                for (got, want) in field.items.iter().zip(&citation.items) {
                    prop_assert!(same_item(got, want), "{:?}: {:?} != {:?}", written, got, want);
                }
            }
        }
    }
}
