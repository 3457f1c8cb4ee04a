//! Legacy plain-text case studies converted into entries.
//!
//! The layout read is the one in which the case studies of older online
//! encyclopedias circulate: a title line; `Last modified: <date>`; the
//! author line(s); the date the text was written; a citation line (`Author,
//! Title, <Encyclopedia>, [online], published on <date>, accessed <date>,
//! URL : <url>, ISSN <issn>`); lettered sections (` A. Context`, ` B.
//! Decision-makers, organizers and actors`, ... ` G. Bibliography`) with
//! paragraphs, block quotes and author-year citations (`(Name, 1978: 58)`);
//! and a reference list. Real files stray from it, and each step is
//! tolerant: a heading may start with a no-break space or lack its letter,
//! header lines may be missing or in another order, quotes and dashes may be
//! typographic or not.
//!
//! [`import`] converts files one after the other (so two files citing one
//! work share its record) and returns the entries, the new text of
//! `bibliography/imported.bib` and a report. Nothing of the input is
//! dropped: the header is kept in comments of the front matter, prose is
//! copied as written (escaped for Markdown), each reference is copied into a
//! comment above its record, and what was rewritten (headings, citations)
//! is listed with its original text in the report's summary.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use serde_json::{json, Value};

use super::references::{self, is_initials, is_space, RefLine};
use super::{key_base, key_letters, loose, warning, Known, Library, Outcome, Person, Project, Record, Report};
use crate::diag::{closest, codes, Diagnostic};
use crate::parse::citation::{Citation, CitationMode, CiteItem, Locator, LocatorLabel};
use crate::source::{FileId, SourceFile, SourceSet};

// ---------------------------------------------------------------------------
// Lines, dates.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// 1-based.
    no: usize,
    /// Byte offset of the line in the input.
    start: usize,
    /// Without the line break.
    text: &'a str,
}

impl Line<'_> {
    fn trimmed(&self) -> &str {
        self.text.trim_matches(is_space)
    }
    /// Byte range of the trimmed text in the input.
    fn span(&self) -> Range<usize> {
        let lead = self.text.len() - self.text.trim_start_matches(is_space).len();
        let t = self.trimmed();
        self.start + lead..self.start + lead + t.len()
    }
    fn is_blank(&self) -> bool {
        self.trimmed().is_empty()
    }
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        out.push(Line { no: i + 1, start, text: l.strip_suffix('\r').unwrap_or(l) });
        start += l.len() + 1;
    }
    out
}

/// A calendar date with optional month and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub y: i32,
    /// Month, 1-12.
    pub m: Option<u32>,
    /// Day of the month.
    pub d: Option<u32>,
}

impl Date {
    /// The EDTF form: `2009-06-14`, `2009-06`, `2009`.
    pub fn edtf(&self) -> String {
        match (self.m, self.d) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.y),
            (Some(m), None) => format!("{:04}-{m:02}", self.y),
            _ => format!("{:04}", self.y),
        }
    }
    fn is_full(&self) -> bool {
        self.d.is_some()
    }
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("janvier", 1),
    ("february", 2),
    ("feb", 2),
    ("février", 2),
    ("fevrier", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("may", 5),
    ("mai", 5),
    ("june", 6),
    ("jun", 6),
    ("juin", 6),
    ("july", 7),
    ("jul", 7),
    ("juillet", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("october", 10),
    ("oct", 10),
    ("octobre", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("december", 12),
    ("dec", 12),
    ("décembre", 12),
    ("decembre", 12),
];

fn month(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.').to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == w).map(|(_, m)| *m)
}

fn days_in(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn day(w: &str) -> Option<u32> {
    let w = w.trim_end_matches(['.', ',']);
    let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
    let rest = &w[digits.len()..];
    if digits.is_empty() || digits.len() > 2 || !matches!(rest, "" | "st" | "nd" | "rd" | "th" | "er") {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year(w: &str) -> Option<i32> {
    let w = w.trim_end_matches(['.', ',']);
    (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())).then(|| w.parse().ok()).flatten()
}

/// Reads a date as legacy files write it: `14 June 2009`, `June 14, 2009`,
/// `June 2009`, `2009`, `2009-06-14`, `14/06/2009` (day first), `3 mars
/// 2014`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim_matches(|c: char| is_space(c) || matches!(c, '.' | ',' | ';' | ':'));
    let valid = |d: Date| match (d.m, d.d) {
        (Some(m), Some(dd)) => ((1..=12).contains(&m) && dd <= days_in(d.y, m)).then_some(d),
        (Some(m), None) => (1..=12).contains(&m).then_some(d),
        _ => Some(d),
    };
    let words: Vec<&str> = s.split(|c: char| is_space(c) || c == ',').filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [one] => {
            if let Some(y) = year(one) {
                return Some(Date { y, m: None, d: None });
            }
            let parts: Vec<&str> = one.split(['-', '/', '.']).collect();
            let num = |p: &str| p.parse::<u32>().ok();
            match parts.as_slice() {
                [y, m, d] if y.len() == 4 => valid(Date { y: y.parse().ok()?, m: Some(num(m)?), d: Some(num(d)?) }),
                [y, m] if y.len() == 4 && m.len() <= 2 => valid(Date { y: y.parse().ok()?, m: Some(num(m)?), d: None }),
                [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => {
                    valid(Date { y: y.parse().ok()?, m: Some(num(m)?), d: Some(num(d)?) })
                }
                _ => None,
            }
        }
        [a, b] => {
            let m = month(a)?;
            valid(Date { y: year(b)?, m: Some(m), d: None })
        }
        [a, b, c] => {
            if let (Some(d), Some(m), Some(y)) = (day(a), month(b), year(c)) {
                return valid(Date { y, m: Some(m), d: Some(d) });
            }
            let (m, d, y) = (month(a)?, day(b)?, year(c)?);
            valid(Date { y, m: Some(m), d: Some(d) })
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Headings.
// ---------------------------------------------------------------------------

/// The sections of the legacy template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Concept {
    Context,
    Perpetrators,
    Victims,
    Witnesses,
    Memories,
    Interpretation,
    Bibliography,
}

impl Concept {
    const ALL: [Concept; 7] = [
        Concept::Context,
        Concept::Perpetrators,
        Concept::Victims,
        Concept::Witnesses,
        Concept::Memories,
        Concept::Interpretation,
        Concept::Bibliography,
    ];

    /// How a heading of this section starts (folded), in English and French.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Concept::Context => &["context", "background", "historicalbackground", "contexte"],
            Concept::Perpetrators => &[
                "perpetrators",
                "decisionmakers",
                "organizers",
                "organisers",
                "decideurs",
                "bourreaux",
                "responsables",
            ],
            Concept::Victims => &["victims", "victimes"],
            Concept::Witnesses => &["witnesses", "witness", "testimonies", "temoins", "temoignages"],
            Concept::Memories => &["memories", "memory", "memoires", "memoire"],
            Concept::Interpretation => {
                &["interpretation", "generalandlegalinterpretation", "legalinterpretation", "interpretationsgenerales"]
            }
            Concept::Bibliography => &["bibliography", "bibliographie", "references", "workscited", "sources"],
        }
    }

    pub(super) fn of(text: &str) -> Option<Concept> {
        let f = crate::check::fold(text);
        Concept::ALL.into_iter().find(|c| c.keys().iter().any(|k| f.starts_with(k)))
    }

    /// The project's name for this section, if it has one.
    fn project_name(self, sections: &[String]) -> Option<&str> {
        sections
            .iter()
            .find(|s| {
                let f = crate::check::fold(s);
                !f.is_empty() && self.keys().iter().any(|k| f.starts_with(k) || k.starts_with(&f))
            })
            .map(String::as_str)
    }
}

#[derive(Debug, Clone)]
struct Heading<'a> {
    line: Line<'a>,
    concept: Option<Concept>,
    /// The name written in the entry.
    name: String,
}

/// Whether a text reads like a heading rather than a sentence.
fn heading_like(t: &str, max_words: usize) -> bool {
    let words = t.split_whitespace().count();
    words >= 1
        && words <= max_words
        && t.chars().count() <= 100
        && !t.ends_with(['.', ';', ',', ':', '?', '!'])
        && t.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Reads a heading line: ` A. Context`, `\u{a0}B. Decision-makers, ...`,
/// `Victims` (a known heading without its letter). `next` is the letter
/// expected after the headings seen so far; an unknown heading is taken
/// only with a letter that does not go backwards.
pub(super) fn heading_of(raw: &str, next: char) -> Option<(Option<char>, &str, Option<Concept>)> {
    let t = raw.trim_matches(is_space);
    let mut cs = t.char_indices();
    if let (Some((_, l)), Some((i, d))) = (cs.next(), cs.next()) {
        if l.is_ascii_uppercase() && matches!(d, '.' | ')' | '-' | '–' | '/') {
            let rest = t[i + d.len_utf8()..].trim_start_matches(is_space);
            if rest.len() < t.len() - i - d.len_utf8() && heading_like(rest, 12) {
                let concept = Concept::of(rest);
                if concept.is_some() || l >= next {
                    return Some((Some(l), rest, concept));
                }
            }
        }
    }
    if heading_like(t, 8) && t.split_whitespace().count() <= 8 {
        if let Some(c) = Concept::of(t) {
            return Some((None, t, Some(c)));
        }
    }
    None
}

// ---------------------------------------------------------------------------
// The header.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum HeaderKind {
    Modified(String),
    Written(String),
    Citation,
    Author,
}

fn is_citation_line(t: &str) -> bool {
    let l = t.to_lowercase();
    t.chars().count() >= 30
        && (l.contains("encyclopedia of mass violence")
            || l.contains("[online]")
            || l.contains("[en ligne]")
            || l.contains("issn")
            || (l.contains("published on") && (l.contains("accessed") || l.contains("url")))
            || l.contains("url :")
            || l.contains("url:"))
}

const AFFILIATION_WORDS: &[&str] = &[
    "university",
    "université",
    "universität",
    "institute",
    "institut",
    "cnrs",
    "centre",
    "center",
    "college",
    "school",
    "academy",
    "académie",
    "faculty",
    "department",
    "laboratory",
    "museum",
    "foundation",
    "research",
    "ehess",
    "sciences po",
];

fn is_affiliation(t: &str) -> bool {
    let l = t.to_lowercase();
    AFFILIATION_WORDS.iter().any(|w| l.contains(w))
}

fn author_like(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 12
        && !t.chars().any(|c| c.is_ascii_digit())
        && t.chars().next().is_some_and(char::is_uppercase)
        && !t.contains(": ")
        && (!t.ends_with(['.', '!', '?', ';', ':']) || words.last().is_some_and(|w| is_initials(w)))
}

fn classify_header(t: &str) -> Option<HeaderKind> {
    // ASCII lower case keeps byte offsets, so `l`'s offsets index `t`.
    let l = t.to_ascii_lowercase();
    for p in ["last modified", "last updated", "dernière modification", "derniere modification", "modified", "updated"]
    {
        if l.starts_with(p) {
            let rest = t[p.len()..].trim_start_matches(|c: char| is_space(c) || c == ':');
            let rest = rest.strip_prefix("on ").unwrap_or(rest);
            return Some(HeaderKind::Modified(rest.to_string()));
        }
    }
    if is_citation_line(t) {
        return Some(HeaderKind::Citation);
    }
    if parse_date(t).is_some() {
        return Some(HeaderKind::Written(t.to_string()));
    }
    for p in ["written in", "written:", "written", "date:", "rédigé en", "rédigé le"] {
        if l.starts_with(p) && parse_date(&t[p.len()..]).is_some() {
            return Some(HeaderKind::Written(t[p.len()..].to_string()));
        }
    }
    if author_like(t) || (is_affiliation(t) && t.split_whitespace().count() <= 15) {
        return Some(HeaderKind::Author);
    }
    None
}

/// The fields of a citation line, in whatever order they come.
#[derive(Debug, Default, Clone)]
struct CiteLine {
    published: Option<String>,
    accessed: Option<String>,
    url: Option<String>,
    issn: Option<String>,
    /// The text before the title (the authors), when the title is found in it.
    authors: Option<String>,
}

/// The text after a phrase up to the next comma.
fn after_phrase(t: &str, phrases: &[&str]) -> Option<String> {
    let l = t.to_ascii_lowercase();
    for p in phrases {
        if let Some(i) = l.find(p) {
            let rest = &t[i + p.len()..];
            let end = rest.find(',').unwrap_or(rest.len());
            let v = rest[..end].trim_matches(|c: char| is_space(c) || c == ':').to_string();
            if !v.is_empty() {
                return Some(v);
            }
        }
    }
    None
}

fn read_cite_line(t: &str, title: Option<&str>) -> CiteLine {
    let mut c = CiteLine {
        published: after_phrase(t, &["published on", "published", "publié le", "mis en ligne le"]),
        accessed: after_phrase(t, &["accessed on", "accessed", "consulted on", "consulté le"]),
        ..CiteLine::default()
    };
    if let Some(i) = t.find("http://").or_else(|| t.find("https://")) {
        let url: String = t[i..].chars().take_while(|c| !is_space(*c)).collect();
        c.url = Some(url.trim_end_matches([',', ';', '.', ')']).to_string());
    }
    let l = t.to_ascii_lowercase();
    if let Some(i) = l.find("issn") {
        let rest = t[i + 4..].trim_start_matches(|ch: char| is_space(ch) || ch == ':');
        let v: String = rest.chars().take_while(|ch| ch.is_ascii_digit() || *ch == '-' || *ch == 'X').collect();
        if v.len() >= 8 {
            c.issn = Some(v);
        }
    }
    if let Some(title) = title.filter(|t| t.chars().count() >= 8) {
        if let Some(i) = t.find(title) {
            let before = t[..i].trim_matches(|ch: char| is_space(ch) || ch == ',');
            if !before.is_empty() {
                c.authors = Some(before.to_string());
            }
        }
    }
    c
}

/// An author of the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntryAuthor {
    name: String,
    affiliation: Option<String>,
}

fn read_authors(lines: &[&str]) -> Vec<EntryAuthor> {
    let mut out: Vec<EntryAuthor> = Vec::new();
    for l in lines {
        let l = l.trim_matches(is_space);
        if l.is_empty() {
            continue;
        }
        if is_affiliation(l) && !l.contains('(') {
            // A line of its own: the affiliation of the authors of the line before.
            let (name_part, aff) = match l.split_once(", ") {
                Some((n, a)) if author_like(n) && !is_affiliation(n) && is_affiliation(a) => (Some(n), a),
                _ => (None, l),
            };
            if let Some(n) = name_part {
                out.push(EntryAuthor { name: n.to_string(), affiliation: Some(aff.to_string()) });
            } else if let Some(last) = out.last_mut() {
                last.affiliation = Some(aff.to_string());
            }
            continue;
        }
        let mut names: Vec<&str> = vec![l];
        for sep in [" and ", " & ", "; ", " et "] {
            names = names.into_iter().flat_map(|n| n.split(sep)).collect();
        }
        // "Jane Q. Example, John Roe": several names when each has two words.
        let mut split: Vec<&str> = Vec::new();
        for n in names {
            let parts: Vec<&str> = n.split(", ").collect();
            if parts.len() > 1 && parts.iter().all(|p| p.split_whitespace().count() >= 2) {
                split.extend(parts);
            } else {
                split.push(n);
            }
        }
        for n in split {
            let n = n.trim();
            if n.is_empty() {
                continue;
            }
            let (name, aff) = match (n.find(" ("), n.ends_with(')')) {
                (Some(i), true) => (n[..i].trim(), Some(n[i + 2..n.len() - 1].trim().to_string())),
                _ => (n, None),
            };
            out.push(EntryAuthor { name: name.to_string(), affiliation: aff });
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Markdown and YAML output.
// ---------------------------------------------------------------------------

/// Escapes plain text for Markdown with Pandoc's extensions, so it reads
/// back as the same text: no emphasis, links, citations, lists or HTML
/// appear that the legacy text did not mean.
fn escape_md(s: &str, line_start: bool, heading: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '^' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' if !prev.is_some_and(char::is_alphanumeric) => out.push_str("\\@"),
            '{' if s[i..].starts_with("{fig:") => out.push_str("&#123;"),
            '{' | '}' | '#' if heading => {
                out.push('\\');
                out.push(c);
            }
            '&' if entity_at(&s[i..]) => out.push_str("\\&"),
            c if c.is_control() && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
        prev = Some(c);
    }
    if line_start {
        escape_line_start(&mut out);
    }
    out
}

fn entity_at(s: &str) -> bool {
    let body: String = s[1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '#').collect();
    !body.is_empty() && s[1 + body.len()..].starts_with(';')
}

/// Escapes what would start a block construct at the start of a line: a
/// heading, a list item, a fenced div, a definition, a rule.
fn escape_line_start(out: &mut String) {
    let first = out.chars().next();
    let second = out.chars().nth(1);
    match first {
        Some('#') | Some(':') | Some('=') | Some('(') => out.insert(0, '\\'),
        Some('-' | '+') if second.is_none_or(|c| c == ' ' || c == '\t' || c == '-' || c == '+') => out.insert(0, '\\'),
        _ => {
            // "1. ", "12) ", "a. ", "iv) ": an ordered list in Pandoc.
            let marker: String = out.chars().take_while(|c| c.is_alphanumeric()).collect();
            let n = marker.len();
            let roman = marker.chars().all(|c| "ivxlcdmIVXLCDM".contains(c));
            let numeric = marker.chars().all(|c| c.is_ascii_digit());
            if n > 0
                && (numeric && n <= 9 || marker.chars().count() == 1 || roman && n <= 4)
                && out[n..].starts_with(['.', ')'])
                && out[n + 1..].chars().next().is_none_or(|c| c == ' ' || c == '\t')
            {
                out.insert(n, '\\');
            }
        }
    }
}

/// A YAML double-quoted string.
fn yaml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML comment line holding `s` as written.
fn yaml_comment(s: &str) -> String {
    let body: String = s
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    format!("#   {}", body.trim_end())
}

/// A file name turned into an entry slug: `Valdoria removal.txt` →
/// `valdoria-removal`.
pub fn slugify(name: &str) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    let mut out = String::new();
    for c in super::translit(stem).chars() {
        let folded = crate::check::fold(&c.to_string());
        if c.is_ascii_digit() {
            out.push(c);
        } else if !folded.is_empty() {
            out.push_str(&folded);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "imported".to_string()
    } else {
        out
    }
}

// ---------------------------------------------------------------------------
// Author-year citations in prose.
// ---------------------------------------------------------------------------

/// A name in a citation: initials (if given) and surname.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CName {
    initials: Option<String>,
    surname: String,
}

/// One cited work in a parenthesis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CPart {
    prefix: String,
    names: Vec<CName>,
    etal: bool,
    year: Option<i32>,
    suffix: Option<char>,
    locator: Option<String>,
}

/// A four-digit year (1000-2100) at a word boundary, with an optional
/// letter, or `n.d.`: (start, end, year, letter).
fn find_year(s: &str) -> Option<(usize, usize, Option<i32>, Option<char>)> {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if !s.is_char_boundary(i) || (i > 0 && s[..i].chars().next_back().is_some_and(char::is_alphanumeric)) {
            continue;
        }
        if s[i..].starts_with("n.d.") || s[i..].starts_with("s.d.") {
            return Some((i, i + 4, None, None));
        }
        if b.len() >= i + 4 && b[i..i + 4].iter().all(u8::is_ascii_digit) {
            let y: i32 = s[i..i + 4].parse().ok()?;
            let mut end = i + 4;
            let mut suffix = None;
            if let Some(&c) = b.get(end).filter(|c| c.is_ascii_lowercase()) {
                if b.get(end + 1).is_none_or(|n| !n.is_ascii_alphanumeric()) {
                    suffix = Some(c as char);
                    end += 1;
                }
            }
            if b.get(end).is_some_and(|c| c.is_ascii_alphanumeric()) || !(1000..=2100).contains(&y) {
                continue;
            }
            return Some((i, end, Some(y), suffix));
        }
    }
    None
}

/// Reads `see X. Name and Other et al.`: (prefix, names, et al.).
fn cite_names(before: &str) -> Option<(String, Vec<CName>, bool)> {
    let words: Vec<&str> = before.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() && i < 4 {
        let w = words[i];
        let lower = w.chars().next().is_some_and(|c| c.is_lowercase());
        let particle_before_name = ["van", "von", "de", "der", "den", "du", "la", "le", "di", "da", "al", "el"]
            .contains(&w)
            && words.get(i + 1).is_some_and(|n| n.chars().next().is_some_and(char::is_uppercase));
        if !lower || particle_before_name {
            break;
        }
        i += 1;
    }
    let prefix = words[..i].join(" ");
    let mut rest = words[i..].join(" ");
    let mut etal = false;
    for m in [" et al.", " et al", " and others", " et alii"] {
        if let Some(r) = rest.strip_suffix(m) {
            rest = r.trim_end_matches(',').to_string();
            etal = true;
            break;
        }
    }
    if rest.is_empty() || rest.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut chunks: Vec<String> = vec![rest];
    for sep in [" and ", " & ", " et ", " und ", " и ", ", "] {
        chunks = chunks.iter().flat_map(|c| c.split(sep).map(str::to_string).collect::<Vec<_>>()).collect();
    }
    let mut names = Vec::new();
    for c in chunks {
        let ws: Vec<&str> = c.split_whitespace().collect();
        let lead = ws.iter().take_while(|w| is_initials(w)).count();
        let surname = ws[lead..].join(" ");
        if surname.is_empty() || !name_ok(&surname) {
            return None;
        }
        names.push(CName { initials: (lead > 0).then(|| ws[..lead].join(" ")), surname });
    }
    (!names.is_empty()).then_some((prefix, names, etal))
}

fn name_ok(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 6
        && words.iter().any(|w| w.chars().next().is_some_and(char::is_uppercase))
        && words.iter().all(|w| {
            w.chars().all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
                && (w.chars().next().is_some_and(char::is_uppercase)
                    || [
                        "van", "von", "de", "der", "den", "du", "des", "la", "le", "di", "da", "dos", "del", "al",
                        "el", "of", "the", "for", "on", "bin", "ibn", "ter", "ten", "zu", "y",
                    ]
                    .contains(w)
                    || w.starts_with("d'")
                    || w.starts_with("d’")
                    || w.starts_with("al-"))
        })
}

/// Reads the inside of a parenthesis as author-year citations: `Name,
/// 1978: 58`, `see A and B, 1995; C, 1990: 5-7`, `1999: 77` (years only,
/// for a name in the sentence). `None` when it is not one.
fn parse_group(inner: &str) -> Option<Vec<CPart>> {
    let inner = inner.trim_matches(is_space);
    if inner.is_empty() || inner.len() > 400 {
        return None;
    }
    let mut out: Vec<CPart> = Vec::new();
    for raw in inner.split(';') {
        let mut part = raw.trim_matches(is_space);
        if part.is_empty() {
            return None;
        }
        let (ys, _, _, _) = find_year(part)?;
        let before = part[..ys].trim_end_matches(|c: char| is_space(c) || c == ',');
        let (prefix, names, etal) = if before.is_empty() {
            match out.last() {
                Some(p) => (String::new(), p.names.clone(), p.etal),
                None => (String::new(), Vec::new(), false),
            }
        } else {
            cite_names(before)?
        };
        part = &part[ys..];
        // One or more years for these names: "1999", "1999: 77", "1999, 2003: 5".
        let mut first = true;
        loop {
            let (s, e, year, suffix) = find_year(part)?;
            if s != 0 {
                return None;
            }
            let after = &part[e..];
            let trimmed = after.trim_start_matches(is_space);
            let mut next: Option<&str> = None;
            let locator = if trimmed.is_empty() {
                None
            } else if let Some(r) = trimmed.strip_prefix(':') {
                Some(r.trim_matches(is_space).to_string())
            } else if let Some(r) = trimmed.strip_prefix(',') {
                let r = r.trim_matches(is_space);
                match find_year(r) {
                    Some((0, _, _, _)) => {
                        next = Some(r);
                        None
                    }
                    _ => Some(r.to_string()),
                }
            } else if LocatorLabel::from_term(trimmed.split_whitespace().next().unwrap_or("")).is_some() {
                Some(trimmed.to_string())
            } else {
                return None;
            };
            out.push(CPart {
                prefix: if first { prefix.clone() } else { String::new() },
                names: names.clone(),
                etal,
                year,
                suffix,
                locator: locator.filter(|l| !l.is_empty()),
            });
            first = false;
            match next {
                Some(r) => part = r,
                None => break,
            }
        }
    }
    Some(out)
}

/// The locator of a legacy citation: `58`, `264-265`, `12-18.`, `p. 58`,
/// `vol. 2`; a text that is none of these becomes a suffix. The flag says
/// whether a final period was taken off (the end of the sentence, which is
/// put back after the citation).
fn locator_of(raw: Option<&str>) -> (Option<Locator>, String, bool) {
    let Some(raw) = raw else { return (None, String::new(), false) };
    let mut t = raw.trim();
    let mut dot = false;
    if t.ends_with('.') && t[..t.len() - 1].chars().last().is_some_and(|c| c.is_ascii_digit() || c == ')') {
        t = &t[..t.len() - 1];
        dot = true;
    }
    if t.is_empty() {
        return (None, String::new(), dot);
    }
    let first = t.split_whitespace().next().unwrap_or("");
    if let Some(label) = LocatorLabel::from_term(first) {
        let value = t[first.len()..].trim();
        if !value.is_empty() {
            return (
                Some(Locator { label, value: value.split_whitespace().collect::<Vec<_>>().join(" ") }),
                String::new(),
                dot,
            );
        }
    }
    let pagey = t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '–' | '—' | ',' | ' ' | 'f' | '.'));
    if pagey {
        let value = t.replace(['–', '—'], "-").split_whitespace().collect::<Vec<_>>().join(" ");
        return (Some(Locator { label: LocatorLabel::Page, value }), String::new(), dot);
    }
    (None, t.to_string(), dot)
}

/// Top-level parentheses of a line: (open, close) byte offsets.
fn parens(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '(' => stack.push(i),
            ')' => {
                if let Some(o) = stack.pop() {
                    if stack.is_empty() {
                        out.push((o, i));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a parenthesis that is not read as citations still looks like
/// one (a capitalised name, then a year).
fn looks_like_citation(inner: &str) -> bool {
    let Some((ys, _, Some(_), _)) = find_year(inner) else { return false };
    let before = inner[..ys].trim_end_matches(|c: char| is_space(c) || c == ',');
    before.split_whitespace().last().is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase))
}

// ---------------------------------------------------------------------------
// Figures.
// ---------------------------------------------------------------------------

/// Numbers in a text that may be figures: counts (`8,000`, `41 000`),
/// percentages (`9%`, `20 per cent`), decimals; not years or ordinals.
fn numbers(s: &str) -> Vec<(Range<usize>, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-')) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        // Thousands groups: ",000", " 000", "\u{a0}000", ".000".
        loop {
            let sep_len = if s[j..].starts_with(',') || s[j..].starts_with(' ') || s[j..].starts_with('.') {
                1
            } else if s[j..].starts_with('\u{a0}') || s[j..].starts_with('\u{202f}') {
                s[j..].chars().next().map_or(1, char::len_utf8)
            } else {
                0
            };
            if sep_len > 0
                && b.len() >= j + sep_len + 3
                && b[j + sep_len..j + sep_len + 3].iter().all(u8::is_ascii_digit)
                && b.get(j + sep_len + 3).is_none_or(|c| !c.is_ascii_digit())
            {
                j += sep_len + 3;
            } else {
                break;
            }
        }
        // Decimals.
        if s[j..].starts_with('.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
            j += 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
        let mut end = j;
        let rest = &s[j..];
        let percent = if rest.starts_with('%') {
            end += 1;
            true
        } else if rest.starts_with(" %") || rest.starts_with("\u{a0}%") {
            end += rest.find('%').map_or(0, |p| p + 1);
            true
        } else {
            rest.starts_with(" per cent") || rest.starts_with(" percent")
        };
        let text = &s[start..end];
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let ordinal = b.get(j).is_some_and(|c| c.is_ascii_alphabetic());
        let is_year = !percent
            && digits.len() == 4
            && text.len() == 4
            && (1000..=2100).contains(&digits.parse::<i32>().unwrap_or(0));
        if !ordinal && !is_year && (percent || digits.len() >= 2) {
            out.push((start..end, text.to_string()));
        }
        i = end.max(j).max(start + 1);
    }
    out
}

// ---------------------------------------------------------------------------
// The run: files converted one after the other.
// ---------------------------------------------------------------------------

/// A reference of the list being converted, with its key.
#[derive(Debug, Clone)]
struct OwnRef {
    key: String,
    line: usize,
    /// Family names, loose.
    families: Vec<String>,
    /// First letters of the given names, folded.
    initials: Vec<Option<char>>,
    /// A corporate author's words, loose.
    corporate: Option<Vec<String>>,
    year: Option<i32>,
    suffix: Option<char>,
    short: String,
}

/// An unresolved citation item, classified when the whole run is known.
#[derive(Debug, Clone)]
struct Pending {
    file: FileId,
    span: Range<usize>,
    key: String,
    original: String,
    hint: Option<String>,
}

/// What was cited and where, for the uncited check at the end.
#[derive(Debug, Clone)]
struct Listed {
    file: FileId,
    span: Range<usize>,
    key: String,
    short: String,
}

struct Run<'p> {
    project: &'p Project,
    lib: Library,
    records: Vec<Record>,
    diags: Vec<Diagnostic>,
    pending: Vec<Pending>,
    cited: HashSet<String>,
    listed: Vec<Listed>,
    /// Keys given to citations of works that are nowhere: (names, year) → key.
    unknown: HashMap<String, String>,
    slugs: BTreeSet<String>,
}

/// Converts legacy case studies. `inputs` are the files as read (an
/// unreadable one is skipped; `problems` says why and the outcome is then
/// refused). Pure: nothing is written.
pub fn import(project: &Project, inputs: SourceSet, problems: Vec<Diagnostic>) -> Outcome {
    let mut run = Run {
        project,
        lib: Library::new(project),
        records: Vec::new(),
        diags: problems,
        pending: Vec::new(),
        cited: HashSet::new(),
        listed: Vec::new(),
        unknown: HashMap::new(),
        slugs: project.entries.clone(),
    };
    let mut entries = Vec::new();
    let mut summaries = Vec::new();
    let mut lines = Vec::new();
    for (id, src) in inputs.iter() {
        if !src.ok {
            continue;
        }
        let (slug, text, summary, line) = run.convert(id, src);
        entries.push((format!("entries/{slug}.md"), text));
        summaries.push(summary);
        lines.push(line);
    }
    run.finish(entries, summaries, lines, inputs)
}

impl Run<'_> {
    fn finish(
        mut self,
        entries: Vec<(String, String)>,
        summaries: Vec<Value>,
        mut lines: Vec<String>,
        inputs: SourceSet,
    ) -> Outcome {
        let rendered: Vec<String> = self.records.iter().map(Record::to_biblatex).collect();
        let new_text = rendered.join("\n");
        let (new_works, _) = crate::parse::bibliography::parse_biblatex(FileId(u32::MAX), &new_text);
        let all: Vec<&crate::model::Work> = self.project.works.iter().chain(new_works.iter()).collect();
        for p in std::mem::take(&mut self.pending) {
            let mismatch = crate::check::is_year_mismatch(all.iter().copied(), &p.key);
            let (code, msg) = if mismatch {
                (
                    codes::CITATION_YEAR_MISMATCH,
                    format!("{} names an author of the reference list, but none of their works is from that year (written as @{})", p.original, p.key),
                )
            } else {
                (codes::CITATION_UNRESOLVED, format!("{} matches no reference (written as @{})", p.original, p.key))
            };
            self.diags.push(Diagnostic::error(code, p.file, p.span, msg).with_hint_opt(p.hint));
        }
        let cited_before: &BTreeSet<String> = &self.project.cited;
        for l in &self.listed {
            if !self.cited.contains(&l.key) && !cited_before.contains(&l.key) {
                self.diags.push(
                    warning(
                        codes::BIBLIOGRAPHY_UNCITED,
                        l.file,
                        l.span.clone(),
                        format!("the text cites this reference nowhere: @{} ({})", l.key, l.short),
                    )
                    .with_hint(
                        "cite it where the text relies on it, list it in `nocite`, or remove it from the bibliography",
                    ),
                );
            }
        }
        super::finish(&mut self.diags);
        let totals: HashMap<&str, u64> =
            ["sections", "citations", "resolved", "references", "new_works", "reused_works", "unparsed"]
                .into_iter()
                .map(|k| (k, summaries.iter().map(|s| s["counts"][k].as_u64().unwrap_or(0)).sum::<u64>()))
                .collect();
        let count = |k: &str| totals[k];
        let mut summary = serde_json::Map::new();
        for (k, v) in &totals {
            summary.insert(k.to_string(), (*v).into());
        }
        summary.insert("files".into(), Value::Array(summaries));
        if entries.len() > 1 {
            lines.push(format!(
                "{} files: {} sections, {} citations ({} resolved), {} references ({} new works, {} reused, {} unparsed)",
                entries.len(),
                count("sections"),
                count("citations"),
                count("resolved"),
                count("references"),
                count("new_works"),
                count("reused_works"),
                count("unparsed")
            ));
        }
        let bib = super::merged_bib(self.project.imported_bib.as_deref(), &rendered);
        let report = Report { sources: inputs, diagnostics: self.diags, summary, lines };
        Outcome { report, entries, bib, bib_before: self.project.imported_bib.clone() }
    }

    /// Converts one file: (slug, entry text, summary, summary line).
    fn convert(&mut self, file: FileId, src: &SourceFile) -> (String, String, Value, String) {
        let text = src.text.as_str();
        let lines = split_lines(text);
        let mut diags: Vec<Diagnostic> = Vec::new();

        // Slug.
        let mut slug = slugify(&src.path);
        let first_line_span = lines.iter().find(|l| !l.is_blank()).map(|l| l.span()).unwrap_or(0..0);
        if self.slugs.contains(&slug) {
            let why = if self.project.entries.contains(&slug) {
                "the project already has this entry"
            } else {
                "another file of this import writes it"
            };
            diags.push(
                Diagnostic::error(
                    codes::IMPORT_ENTRY_EXISTS,
                    file,
                    first_line_span.clone(),
                    format!("entries/{slug}.md exists: {why}; attest import never overwrites an entry"),
                )
                .with_hint("rename the input file (its name gives the entry's), or remove the entry first; nothing was written"),
            );
            // Go on converting, so the report is complete.
            slug = format!("{slug}-2");
        }
        self.slugs.insert(slug.clone());

        // Title and header.
        let mut idx = 0;
        while idx < lines.len() && lines[idx].is_blank() {
            idx += 1;
        }
        let mut title: Option<Line> = None;
        if idx < lines.len() && heading_of(lines[idx].text, 'A').is_none() {
            title = Some(lines[idx]);
            idx += 1;
        }
        let mut header: Vec<(Line, HeaderKind)> = Vec::new();
        while idx < lines.len() {
            let l = lines[idx];
            if l.is_blank() {
                idx += 1;
                continue;
            }
            if heading_of(l.text, 'A').is_some() {
                break;
            }
            match classify_header(l.trimmed()) {
                Some(k) => {
                    header.push((l, k));
                    idx += 1;
                }
                None => break,
            }
        }
        let body_start = idx;

        // Metadata.
        let title_text = title.map(|l| l.trimmed().to_string());
        let cite_line = header
            .iter()
            .find(|(_, k)| *k == HeaderKind::Citation)
            .map(|(l, _)| read_cite_line(l.trimmed(), title_text.as_deref()));
        let author_lines: Vec<&str> =
            header.iter().filter(|(_, k)| *k == HeaderKind::Author).map(|(l, _)| l.trimmed()).collect();
        let mut authors = read_authors(&author_lines);
        if authors.is_empty() {
            if let Some(a) = cite_line.as_ref().and_then(|c| c.authors.as_deref()) {
                authors = read_authors(&[a]);
            }
        }
        let title_span = title.map(|l| l.span()).unwrap_or(first_line_span.clone());
        let meta_warn = |diags: &mut Vec<Diagnostic>, span: Range<usize>, msg: String, hint: &str| {
            diags.push(warning(codes::IMPORT_METADATA, file, span, msg).with_hint(hint.to_string()));
        };
        if title.is_none() {
            meta_warn(
                &mut diags,
                title_span.clone(),
                "no title line before the first heading; the file name is used as the title".into(),
                "write the title in the entry's `title`",
            );
        }
        let read_date = |diags: &mut Vec<Diagnostic>, raw: Option<(&str, Range<usize>)>, what: &str, full: bool| {
            let (raw, span) = raw?;
            match parse_date(raw) {
                Some(d) if !full || d.is_full() => Some(d),
                Some(_) => {
                    meta_warn(
                        diags,
                        span,
                        format!("the {what} date `{}` is not a full date, so it is not written", raw.trim()),
                        "`published` and `modified` need a day: write it as YYYY-MM-DD in the front matter",
                    );
                    None
                }
                None => {
                    meta_warn(
                        diags,
                        span,
                        format!("the {what} date `{}` cannot be read, so it is not written", raw.trim()),
                        "dates read like `14 June 2009`, `June 2009` or `2009-06-14`; write it in the front matter",
                    );
                    None
                }
            }
        };
        let modified_raw = header.iter().find_map(|(l, k)| match k {
            HeaderKind::Modified(s) => Some((s.as_str(), l.span())),
            _ => None,
        });
        let written_raw = header.iter().find_map(|(l, k)| match k {
            HeaderKind::Written(s) => Some((s.as_str(), l.span())),
            _ => None,
        });
        let cite_span = header.iter().find(|(_, k)| *k == HeaderKind::Citation).map(|(l, _)| l.span());
        let modified = read_date(&mut diags, modified_raw.clone(), "last-modified", true);
        let written = read_date(&mut diags, written_raw, "written", false);
        let published = read_date(
            &mut diags,
            cite_line.as_ref().and_then(|c| c.published.as_deref()).zip(cite_span.clone()),
            "published",
            true,
        );
        if cite_line.is_none() {
            meta_warn(
                &mut diags,
                title_span.clone(),
                "no citation line (`Author, Title, ..., published on <date>, URL : ..., ISSN ...`): the publication date, URL and ISSN are unknown".into(),
                "add `published` to the front matter if the entry was published before",
            );
        }
        if authors.is_empty() {
            diags.push(
                Diagnostic::error(
                    codes::FRONTMATTER_MISSING_FIELD,
                    file,
                    title_span.clone(),
                    "no author line and no author in a citation line: the entry has no `authors`",
                )
                .with_hint("add `authors` to the entry's front matter"),
            );
        }
        if let (Some(p), Some(m)) = (published, modified) {
            if m < p {
                diags.push(
                    Diagnostic::error(
                        codes::DATE_INVALID,
                        file,
                        modified_raw.map(|(_, s)| s).unwrap_or(title_span.clone()),
                        format!("last modified {} is before the publication date {}", m.edtf(), p.edtf()),
                    )
                    .with_hint("one of the two dates is wrong in the legacy file; correct it in the entry"),
                );
            }
        }

        // Body: headings, prose and the reference list.
        let mut next_letter = 'A';
        let mut in_bib = false;
        let mut headings: Vec<Heading> = Vec::new();
        // The body as a list of headings, lines of prose and blank lines.
        enum Item<'a> {
            Heading(usize),
            Text(Line<'a>),
            Blank,
        }
        let mut items: Vec<Item> = Vec::new();
        let mut ref_lines: Vec<RefLine> = Vec::new();
        let mut ignored: Vec<Value> = Vec::new();
        for l in &lines[body_start..] {
            if let Some((letter, htext, concept)) = heading_of(l.text, next_letter) {
                if let Some(c) = letter {
                    next_letter = ((c as u8) + 1) as char;
                } else {
                    next_letter = ((next_letter as u8).saturating_add(1).min(b'Z')) as char;
                }
                let name = concept
                    .and_then(|c| c.project_name(&self.project.case_study_sections))
                    .map(str::to_string)
                    .unwrap_or_else(|| htext.to_string());
                in_bib = concept == Some(Concept::Bibliography);
                headings.push(Heading { line: *l, concept, name });
                items.push(Item::Heading(headings.len() - 1));
                continue;
            }
            if in_bib {
                let t = l.trimmed();
                let sub = !t.is_empty()
                    && heading_like(t, 5)
                    && !t.contains(',')
                    && !t.chars().any(|c| c.is_ascii_digit())
                    && ref_lines.last().is_none_or(|p| {
                        p.text.trim_matches(is_space).is_empty() || p.text.trim_end().ends_with(['.', ')', ']'])
                    });
                if sub {
                    ignored.push(json!({"line": l.no, "text": t, "why": "a heading inside the reference list"}));
                } else {
                    ref_lines.push(RefLine { line: l.no, start: l.start, text: l.text });
                }
                continue;
            }
            items.push(if l.is_blank() { Item::Blank } else { Item::Text(*l) });
        }

        // References: keys, records.
        let refs = references::split(&ref_lines);
        let mut own: Vec<OwnRef> = Vec::new();
        let mut ref_trail = Vec::new();
        let (mut new_works, mut reused, mut unparsed) = (0u64, 0u64, 0u64);
        for r in &refs {
            let parsed = references::parse(&r.text);
            let mut comments: Vec<String> = vec![format!(
                "From {}, line {}{}:",
                src.path,
                r.line,
                if r.parts.len() > 1 { " (wrapped)" } else { "" }
            )];
            comments.extend(r.parts.iter().map(|p| format!("  {p}")));
            match parsed {
                Some(p) => {
                    let first = p.authors.first().or(p.editors.first());
                    let family = first.map(|a| a.family.as_str()).unwrap_or("");
                    let mut record = Record {
                        kind: p.kind.to_string(),
                        key: String::new(),
                        authors: p.authors.clone(),
                        editors: p.editors.clone(),
                        fields: p.fields.clone(),
                        comments,
                    };
                    let identity = record.identity();
                    let (key, status) = match self.lib.same_as(&identity) {
                        Some(k) => {
                            reused += 1;
                            (k.key.clone(), "reused")
                        }
                        None => {
                            let key = self.lib.fresh_key(&key_base(family, p.year, p.suffix));
                            record.key = key.clone();
                            self.lib.add(Known {
                                key: key.clone(),
                                identity,
                                short: record.short(),
                                title: record.field("title").unwrap_or("").to_string(),
                                origin: format!("{}:{}", src.path, r.line),
                            });
                            self.records.push(record.clone());
                            new_works += 1;
                            (key, "new")
                        }
                    };
                    let people = if p.authors.is_empty() { &p.editors } else { &p.authors };
                    let people: Vec<&Person> = people.iter().filter(|a| a.family != "others").collect();
                    let corporate = people.first().filter(|a| a.corporate).map(|a| {
                        a.family.split_whitespace().map(key_letters).filter(|w| !w.is_empty()).collect::<Vec<_>>()
                    });
                    let short = match people.first().and_then(|a| a.given.as_deref()) {
                        Some(g) => format!("{g} {}", record.short()),
                        None => record.short(),
                    };
                    own.push(OwnRef {
                        key: key.clone(),
                        line: r.line,
                        families: people.iter().map(|a| loose(&a.family)).collect(),
                        initials: people
                            .iter()
                            .map(|a| a.given.as_deref().and_then(|g| key_letters(g).chars().next()))
                            .collect(),
                        corporate,
                        year: p.year,
                        suffix: p.suffix,
                        short: short.clone(),
                    });
                    self.listed.push(Listed { file, span: r.span.clone(), key: key.clone(), short });
                    let mut t = json!({"line": r.line, "key": key, "type": p.kind, "status": status});
                    if status == "reused" {
                        t["text"] = Value::String(r.text.clone());
                    }
                    ref_trail.push(t);
                }
                None => {
                    unparsed += 1;
                    let y = super::first_year(&r.text);
                    let word = r.text.split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
                    let base = if y.is_some() && !key_letters(word).is_empty() {
                        key_base(word, y, None)
                    } else {
                        format!("unparsed-{slug}-{}", r.line)
                    };
                    let key = self.lib.fresh_key(&base);
                    self.lib.take(&key);
                    comments[0] = format!(
                        "From {}, line {}: a reference attest could not read, kept verbatim in `note`:",
                        src.path, r.line
                    );
                    self.records.push(Record {
                        kind: "misc".into(),
                        key: key.clone(),
                        authors: Vec::new(),
                        editors: Vec::new(),
                        fields: vec![("note".into(), r.text.clone())],
                        comments,
                    });
                    diags.push(
                        warning(
                            codes::BIBLIOGRAPHY_UNPARSED,
                            file,
                            r.span.clone(),
                            format!(
                                "this reference could not be read; it is kept verbatim as @misc{{{key}}} in its `note`"
                            ),
                        )
                        .with_hint("rewrite the record in bibliography/imported.bib by hand (author, title, date ...)"),
                    );
                    self.listed.push(Listed {
                        file,
                        span: r.span.clone(),
                        key: key.clone(),
                        short: "unparsed reference".into(),
                    });
                    ref_trail.push(json!({"line": r.line, "key": key, "type": "misc", "status": "unparsed"}));
                }
            }
        }

        // Prose.
        let mut body = String::new();
        let mut cite_trail: Vec<Value> = Vec::new();
        let (mut n_items, mut n_resolved) = (0u64, 0u64);
        let mut prev_text_block_colon = false;
        let mut i = 0;
        let mut section_trail = Vec::new();
        while i < items.len() {
            match &items[i] {
                Item::Blank => {
                    i += 1;
                }
                Item::Heading(h) => {
                    let h = &headings[*h];
                    body.push_str(&format!("## {}\n\n", escape_md(&h.name, false, true)));
                    section_trail.push(json!({
                        "line": h.line.no,
                        "heading": h.line.trimmed(),
                        "section": h.name,
                        "known": h.concept.is_some(),
                    }));
                    prev_text_block_colon = false;
                    i += 1;
                }
                Item::Text(_) => {
                    let mut block: Vec<Line> = Vec::new();
                    while let Some(Item::Text(l)) = items.get(i) {
                        block.push(*l);
                        i += 1;
                    }
                    let quote = is_block_quote(&block, prev_text_block_colon);
                    prev_text_block_colon = block.last().is_some_and(|l| l.trimmed().ends_with(':'));
                    for l in &block {
                        let (md, trail, items_n, resolved_n) = self.convert_line(file, l, &own, &mut diags);
                        n_items += items_n;
                        n_resolved += resolved_n;
                        cite_trail.extend(trail);
                        if quote {
                            body.push_str("> ");
                        }
                        body.push_str(&md);
                        body.push('\n');
                    }
                    body.push('\n');
                }
            }
        }

        // Required sections.
        let names: Vec<&str> = headings.iter().map(|h| h.name.as_str()).collect();
        for required in &self.project.case_study_sections {
            let present = names.iter().any(|n| {
                n.to_lowercase().starts_with(&required.to_lowercase())
                    || crate::parse::markdown::auto_identifier(n) == crate::parse::markdown::auto_identifier(required)
            });
            if !present {
                diags.push(
                    Diagnostic::error(
                        codes::SECTION_MISSING,
                        file,
                        title_span.clone(),
                        format!("the legacy text has no section that maps to `{required}`, which a case study needs"),
                    )
                    .with_hint(format!("write the section, or add `## {required}` with what the text has on it")),
                );
            }
        }

        // Front matter.
        let mut fm = String::from("---\n");
        fm.push_str(&format!(
            "# Imported by `attest import legacy` from {}. The legacy header, as written:\n",
            src.path.replace('\n', " ")
        ));
        let header_lines: Vec<Line> = title.into_iter().chain(header.iter().map(|(l, _)| *l)).collect();
        for l in &header_lines {
            fm.push_str(&yaml_comment(l.trimmed()));
            fm.push('\n');
        }
        if let Some(c) = &cite_line {
            for (k, v) in [("accessed", &c.accessed), ("url", &c.url), ("issn", &c.issn)] {
                if let Some(v) = v {
                    fm.push_str(&yaml_comment(&format!("{k}: {v}")).replacen("#   ", "# ", 1));
                    fm.push('\n');
                }
            }
        }
        let title_value = title_text.clone().unwrap_or_else(|| slug.clone());
        fm.push_str(&format!("title: {}\n", yaml_str(&title_value)));
        fm.push_str("kind: case-study\nstatus: draft\n");
        if !authors.is_empty() {
            fm.push_str("authors:\n");
            for a in &authors {
                fm.push_str(&format!("  - name: {}\n", yaml_str(&a.name)));
                if let Some(af) = &a.affiliation {
                    fm.push_str(&format!("    affiliation: {}\n", yaml_str(af)));
                }
            }
        }
        if let Some(w) = written {
            fm.push_str(&format!("written: {}\n", w.edtf()));
        }
        if let Some(p) = published {
            fm.push_str(&format!("published: {}\n", p.edtf()));
        }
        if let Some(m) = modified {
            fm.push_str(&format!("modified: {}\n", m.edtf()));
        }
        fm.push_str("---\n\n");
        let entry = format!("{fm}{}", body.trim_end_matches('\n')) + "\n";

        let n_sections = headings.len() as u64;
        let n_refs = refs.len() as u64;
        let line = format!(
            "{} → entries/{slug}.md: {n_sections} sections, {n_items} citations ({n_resolved} resolved), {n_refs} references ({new_works} new works, {reused} reused, {unparsed} unparsed)",
            src.path
        );
        let summary = json!({
            "input": src.path,
            "entry": format!("entries/{slug}.md"),
            "metadata": {
                "title": title_value,
                "authors": authors.iter().map(|a| json!({"name": a.name, "affiliation": a.affiliation})).collect::<Vec<_>>(),
                "written": written.map(|d| d.edtf()),
                "published": published.map(|d| d.edtf()),
                "modified": modified.map(|d| d.edtf()),
                "accessed": cite_line.as_ref().and_then(|c| c.accessed.clone()),
                "url": cite_line.as_ref().and_then(|c| c.url.clone()),
                "issn": cite_line.as_ref().and_then(|c| c.issn.clone()),
            },
            "counts": {
                "sections": n_sections,
                "citations": n_items,
                "resolved": n_resolved,
                "references": n_refs,
                "new_works": new_works,
                "reused_works": reused,
                "unparsed": unparsed,
            },
            "sections": section_trail,
            "citations": cite_trail,
            "references": ref_trail,
            "ignored": ignored,
        });
        self.diags.extend(diags);
        (slug, entry, summary, line)
    }

    /// Converts one line of prose: Markdown with Pandoc citations, the trail
    /// of its citations, the number of items and of resolved items.
    fn convert_line(
        &mut self,
        file: FileId,
        l: &Line,
        own: &[OwnRef],
        diags: &mut Vec<Diagnostic>,
    ) -> (String, Vec<Value>, u64, u64) {
        let raw = l.text;
        let lead = raw.len() - raw.trim_start_matches(is_space).len();
        let t = raw.trim_matches(is_space);
        let base = l.start + lead;
        // Replacements: (range in t, text, trailing period).
        let mut reps: Vec<(Range<usize>, String)> = Vec::new();
        let mut trail = Vec::new();
        let (mut n_items, mut n_resolved) = (0u64, 0u64);
        let mut cite_ranges: Vec<(Range<usize>, Vec<String>)> = Vec::new();
        for (o, c) in parens(t) {
            let inner = &t[o + 1..c];
            let Some(parts) = parse_group(inner) else {
                if looks_like_citation(inner) {
                    diags.push(
                        warning(
                            codes::IMPORT_CITATION_NOT_CONVERTED,
                            file,
                            base + o..base + c + 1,
                            format!("`{}` looks like a citation but could not be read; it is left as text", &t[o..=c]),
                        )
                        .with_hint("write it as a Pandoc citation, e.g. [@name1990, p. 12]"),
                    );
                }
                continue;
            };
            let mut start = o;
            let mut mode = CitationMode::Bracketed;
            let mut parts = parts;
            if parts[0].names.is_empty() {
                // "Name (1999: 77)": the name is in the sentence.
                match self.narrative(&t[..o], &parts, own) {
                    Some((name_start, names, etal)) => {
                        for p in parts.iter_mut() {
                            if p.names.is_empty() {
                                p.names = names.clone();
                                p.etal = etal;
                            }
                        }
                        start = name_start;
                        mode = CitationMode::AuthorInText;
                    }
                    None => continue,
                }
            }
            let original = &t[start..=c];
            let span = base + start..base + c + 1;
            let mut items = Vec::new();
            let mut keys = Vec::new();
            let mut dot = false;
            for p in &parts {
                let (key, resolved, hint) = self.resolve(file, p, own, span.clone(), original, diags);
                n_items += 1;
                if resolved {
                    n_resolved += 1;
                    self.cited.insert(key.clone());
                } else {
                    self.pending.push(Pending {
                        file,
                        span: span.clone(),
                        key: key.clone(),
                        original: format!("`{original}`"),
                        hint,
                    });
                }
                let (locator, suffix, d) = locator_of(p.locator.as_deref());
                dot |= d;
                keys.push(key.clone());
                items.push(CiteItem {
                    key,
                    key_span: 0..0,
                    prefix: p.prefix.clone(),
                    locator,
                    suffix,
                    suppress_author: false,
                });
            }
            let mut pandoc = Citation { span: 0..0, mode, items }.to_pandoc();
            let next = t[c + 1..].chars().next();
            if dot && !matches!(next, Some('.') | Some('!') | Some('?')) {
                pandoc.push('.');
            }
            trail.push(json!({"line": l.no, "text": original, "pandoc": pandoc, "keys": keys}));
            cite_ranges.push((start..c + 1, keys));
            reps.push((start..c + 1, pandoc));
        }
        // Figure candidates: numbers in the stretch of the sentence before a citation.
        let mut from = 0;
        for (r, keys) in &cite_ranges {
            let stretch_start = sentence_start(t, from, r.start);
            let nums = numbers(&t[stretch_start..r.start]);
            if let Some((first, _)) = nums.first() {
                let list: Vec<&str> = nums.iter().map(|(_, s)| s.as_str()).collect();
                let cites: Vec<String> = keys.iter().map(|k| format!("@{k}")).collect();
                diags.push(
                    warning(
                        codes::IMPORT_FIGURE_CANDIDATE,
                        file,
                        base + stretch_start + first.start..base + stretch_start + first.end,
                        format!("{} next to a citation ({}): a figure to record?", list.join(", "), cites.join("; ")),
                    )
                    .with_hint("if the number matters, record it under `figures:` with its source and basis, and print it with {fig:ID} (docs/format.md#figures)"),
                );
            }
            from = r.end;
        }
        // Assemble.
        let mut out = String::new();
        let mut at = 0;
        for (r, s) in &reps {
            let mut text = escape_md(&t[at..r.start], at == 0, false);
            // "!" before a citation would make it an image.
            if text.ends_with('!') {
                text.insert(text.len() - 1, '\\');
            }
            if at > 0 && (text.starts_with('(') || text.starts_with('[')) {
                // "(" right after a citation would make it a link.
                text.insert(0, '\\');
            }
            out.push_str(&text);
            out.push_str(s);
            at = r.end;
        }
        let mut rest = escape_md(&t[at..], at == 0, false);
        if at > 0 && rest.starts_with('(') {
            rest.insert(0, '\\');
        }
        out.push_str(&rest);
        (out, trail, n_items, n_resolved)
    }

    /// The name before `(1999: 77)` in a sentence, when it is an author the
    /// reference list or the project knows: (start of the name, names, et al.).
    fn narrative(&self, before: &str, parts: &[CPart], own: &[OwnRef]) -> Option<(usize, Vec<CName>, bool)> {
        let b = before.trim_end_matches(is_space);
        if b.is_empty() || !b.ends_with(|c: char| c.is_alphabetic()) {
            return None;
        }
        let words: Vec<(usize, &str)> = word_starts(b);
        let mut best: Option<(usize, Vec<CName>, bool, bool)> = None;
        for k in 1..=words.len().min(6) {
            let (start, _) = words[words.len() - k];
            let cand = &b[start..];
            let Some((prefix, names, etal)) = cite_names(cand) else { continue };
            if !prefix.is_empty() {
                continue;
            }
            let author = own.iter().any(|r| authors_match(&names, etal, r) > 0)
                || self.lib.known.iter().any(|kw| kw.identity.family == loose(&names[0].surname));
            if !author {
                continue;
            }
            let year_ok = own.iter().any(|r| authors_match(&names, etal, r) > 0 && r.year == parts[0].year);
            if best.as_ref().is_none_or(|b| year_ok || !b.3) {
                best = Some((start, names, etal, year_ok));
            }
        }
        best.map(|(s, n, e, _)| (s, n, e))
    }

    /// Finds the key of a cited work: (key, resolved, hint when it is not).
    fn resolve(
        &mut self,
        file: FileId,
        p: &CPart,
        own: &[OwnRef],
        span: Range<usize>,
        original: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> (String, bool, Option<String>) {
        let scored: Vec<(u8, &OwnRef)> =
            own.iter().map(|r| (authors_match(&p.names, p.etal, r), r)).filter(|(s, _)| *s > 0).collect();
        let best = scored.iter().map(|(s, _)| *s).max().unwrap_or(0);
        let by_author: Vec<&OwnRef> = scored.iter().filter(|(s, _)| *s == best).map(|(_, r)| *r).collect();
        let by_year: Vec<&OwnRef> = by_author
            .iter()
            .copied()
            .filter(|r| r.year == p.year && (p.suffix.is_none() || r.suffix == p.suffix || r.suffix.is_none()))
            .collect();
        let by_year: Vec<&OwnRef> = if by_year.len() > 1 && p.suffix.is_some() {
            let exact: Vec<&OwnRef> = by_year.iter().copied().filter(|r| r.suffix == p.suffix).collect();
            if exact.is_empty() {
                by_year
            } else {
                exact
            }
        } else {
            by_year
        };
        let show = |r: &OwnRef| format!("@{} ({}, line {})", r.key, r.short, r.line);
        match by_year.as_slice() {
            [one] => return (one.key.clone(), true, None),
            [first, ..] => {
                let list: Vec<String> = by_year.iter().map(|r| show(r)).collect();
                diags.push(
                    warning(
                        codes::IMPORT_CITATION_AMBIGUOUS,
                        file,
                        span,
                        format!("`{original}` fits several references; the first, @{}, is cited", first.key),
                    )
                    .with_hint(format!("check which is meant: {}", list.join(", "))),
                );
                return (first.key.clone(), true, None);
            }
            [] => {}
        }
        // Works of the project (or of an earlier file of this run) by this author and year.
        let fam = loose(&p.names[0].surname);
        let known: Vec<&Known> = self
            .lib
            .known
            .iter()
            .filter(|k| k.identity.family == fam && k.identity.year == p.year && !own.iter().any(|r| r.key == k.key))
            .collect();
        if by_author.is_empty() || !known.is_empty() {
            if let Some(k) = known.first() {
                return (k.key.clone(), true, None);
            }
        }
        // Not found: a key that resolves to nothing, so check reports it too.
        let ident = format!(
            "{}|{}|{:?}|{:?}",
            p.names.iter().map(|n| loose(&n.surname)).collect::<Vec<_>>().join("+"),
            p.names[0].initials.as_deref().map(key_letters).unwrap_or_default(),
            p.year,
            p.suffix
        );
        let key = match self.unknown.get(&ident) {
            Some(k) => k.clone(),
            None => {
                let base = key_base(&p.names[0].surname, p.year, p.suffix);
                let with_initials = p.names[0].initials.as_deref().map(|i| {
                    let mut k = key_letters(&p.names[0].surname);
                    k.push_str(&key_letters(i));
                    k + &base[key_letters(&p.names[0].surname).len().min(base.len())..]
                });
                let taken = |k: &str| self.lib.is_taken(k) || own.iter().any(|r| r.key == k);
                let key = [Some(base.clone()), with_initials]
                    .into_iter()
                    .flatten()
                    .find(|k| !taken(k))
                    .unwrap_or_else(|| (2..).map(|n| format!("{base}-x{n}")).find(|k| !taken(k)).expect("free"));
                self.lib.take(&key);
                self.unknown.insert(ident, key.clone());
                key
            }
        };
        let hint = if !by_author.is_empty() {
            let list: Vec<String> = by_author.iter().map(|r| show(r)).collect();
            let initials_differ = p.names[0].initials.is_some() && by_author.iter().all(|r| r.year == p.year);
            if initials_differ {
                Some(format!("the initials differ from the reference list's: {}", list.join(", ")))
            } else {
                Some(format!("the reference list has {}; correct the year, or add the work", list.join(", ")))
            }
        } else {
            let mut c: Vec<String> = closest(&key, own.iter().map(|r| r.key.as_str()), 3)
                .into_iter()
                .filter_map(|k| own.iter().find(|r| r.key == k))
                .map(show)
                .collect();
            if c.is_empty() {
                c = closest(&key, self.lib.known.iter().map(|k| k.key.as_str()), 3)
                    .into_iter()
                    .map(|k| format!("@{k}"))
                    .collect();
            }
            Some(match c.as_slice() {
                [] => "add the work to the bibliography, or correct the citation".to_string(),
                _ => format!("closest: {}; or add the work to the bibliography", c.join(", ")),
            })
        };
        (key, false, hint)
    }
}

/// Start offsets of the words at the end of `s`, in order.
fn word_starts(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_space(c) {
            if let Some(st) = start.take() {
                out.push((st, &s[st..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..]));
    }
    out
}

/// How well cited names fit a reference's authors: 0 (not), 1 (the first
/// author only), 2 (all names, in order).
fn authors_match(names: &[CName], etal: bool, r: &OwnRef) -> u8 {
    let Some(first) = names.first() else { return 0 };
    let cited = loose(&first.surname);
    let first_ok = match &r.corporate {
        Some(words) => {
            let cw: Vec<String> = first.surname.split_whitespace().map(key_letters).filter(|w| !w.is_empty()).collect();
            let prefix = !cw.is_empty() && words.len() >= cw.len() && words[..cw.len()] == cw[..];
            let acronym: String = words
                .iter()
                .filter(|w| !["of", "the", "for", "and", "on", "de", "la", "des", "du", "et"].contains(&w.as_str()))
                .filter_map(|w| w.chars().next())
                .collect();
            let is_acronym = first.surname.chars().count() >= 2
                && first.surname.chars().all(char::is_uppercase)
                && crate::check::fold(&first.surname) == acronym;
            prefix || is_acronym
        }
        None => r.families.first().is_some_and(|f| *f == cited),
    };
    if !first_ok {
        return 0;
    }
    if let (Some(i), Some(Some(ri))) = (&first.initials, r.initials.first()) {
        if !key_letters(i).starts_with(*ri) {
            return 0;
        }
    }
    if names.len() > 1 {
        let rest_ok = names.len() <= r.families.len()
            && names.iter().zip(&r.families).skip(1).all(|(n, f)| loose(&n.surname) == *f);
        return if rest_ok { 2 } else { 0 };
    }
    if etal || r.families.len() <= 1 {
        2
    } else {
        1
    }
}

/// Where the sentence holding `at` starts, not before `from`.
fn sentence_start(t: &str, from: usize, at: usize) -> usize {
    let seg = &t[from..at];
    let mut start = from;
    for (i, c) in seg.char_indices() {
        if matches!(c, '.' | '!' | '?' | ';') {
            let after = &seg[i + 1..];
            let next = after.trim_start_matches(is_space).chars().next();
            let before_is_digit = seg[..i].chars().last().is_some_and(|c| c.is_ascii_digit());
            let after_is_digit = after.chars().next().is_some_and(|c| c.is_ascii_digit());
            if after.starts_with(is_space)
                && next.is_some_and(|n| n.is_uppercase())
                && !(before_is_digit && after_is_digit)
            {
                start = from + i + 1;
            }
        }
    }
    start
}

/// Whether a block of lines is a quotation: indented, or after a line
/// ending with a colon and ending itself with a citation after the end of
/// a sentence, or wholly in quotation marks.
fn is_block_quote(block: &[Line], after_colon: bool) -> bool {
    let Some(first) = block.first() else { return false };
    let indent: String = first.text.chars().take_while(|c| is_space(*c)).collect();
    if indent.contains('\t') || indent.chars().count() >= 2 {
        return true;
    }
    if !after_colon {
        return false;
    }
    let text: String = block.iter().map(|l| l.trimmed()).collect::<Vec<_>>().join(" ");
    let t = text.trim_end_matches(|c: char| is_space(c) || c == '.');
    let quoted_whole = text.starts_with(['“', '«', '"', '„']) && {
        let end = t.trim_end();
        end.ends_with(['”', '»', '"', '“'])
            || parens(end)
                .last()
                .is_some_and(|(o, c)| *c + 1 == end.len() && end[..*o].trim_end().ends_with(['”', '»', '"', '“']))
    };
    if quoted_whole {
        return true;
    }
    if let Some((o, c)) = parens(t).last() {
        if *c + 1 == t.len() && parse_group(&t[o + 1..*c]).is_some_and(|p| !p[0].names.is_empty()) {
            return t[..*o].trim_end().ends_with(['.', '!', '?', '…', '”', '»', '"']);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_legacy_files_write_them() {
        let d = |s| parse_date(s).map(|d| d.edtf());
        assert_eq!(d("14 June 2009").as_deref(), Some("2009-06-14"));
        assert_eq!(d("June 14, 2009").as_deref(), Some("2009-06-14"));
        assert_eq!(d("June 2009").as_deref(), Some("2009-06"));
        assert_eq!(d("3 mars 2014").as_deref(), Some("2014-03-03"));
        assert_eq!(d("2009").as_deref(), Some("2009"));
        assert_eq!(d("2009-06-14").as_deref(), Some("2009-06-14"));
        assert_eq!(d("14/06/2009").as_deref(), Some("2009-06-14"));
        assert_eq!(d("31 June 2009"), None);
        assert_eq!(d("Spring 2009"), None);
    }

    #[test]
    fn headings_with_and_without_letters() {
        assert_eq!(heading_of(" A. Context", 'A').map(|h| (h.0, h.1)), Some((Some('A'), "Context")));
        assert_eq!(
            heading_of("\u{a0}B. Decision-makers, organizers and actors", 'B').map(|h| h.2),
            Some(Some(Concept::Perpetrators))
        );
        assert_eq!(heading_of("Victims", 'C').map(|h| h.2), Some(Some(Concept::Victims)));
        assert_eq!(heading_of(" H. Annex", 'H').map(|h| h.1), Some("Annex"));
        assert!(heading_of(" C. Annex", 'H').is_none(), "an unknown heading's letter may not go back");
        assert!(heading_of("Victims were counted twice.", 'C').is_none());
        assert!(heading_of("A. Smith wrote the first account of it in the camp, as the records show.", 'A').is_none());
    }

    #[test]
    fn citations_in_parentheses() {
        let p = parse_group("Halvorsen, 1984: 58").unwrap();
        assert_eq!(
            (p[0].names[0].surname.as_str(), p[0].year, p[0].locator.as_deref()),
            ("Halvorsen", Some(1984), Some("58"))
        );
        let p = parse_group("see R. Quillan and Dorsey, 2001:101-102; Ostrander 1990a").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].prefix, "see");
        assert_eq!(p[0].names[0].initials.as_deref(), Some("R."));
        assert_eq!(p[0].names[1].surname, "Dorsey");
        assert_eq!(p[1].suffix, Some('a'));
        let p = parse_group("Sorokina, 1991, 1993: 7").unwrap();
        assert_eq!(p.iter().map(|x| x.year).collect::<Vec<_>>(), [Some(1991), Some(1993)]);
        assert_eq!(p[1].locator.as_deref(), Some("7"));
        assert!(parse_group("about 8,000 people").is_none());
        assert!(parse_group("1931-1934").is_none());
        assert_eq!(parse_group("1999: 77").unwrap()[0].names.len(), 0);
        assert_eq!(
            locator_of(Some("12-18.")),
            (Some(Locator { label: LocatorLabel::Page, value: "12-18".into() }), String::new(), true)
        );
        assert_eq!(locator_of(Some("p. 5")).0.unwrap().to_string(), "p. 5");
    }

    #[test]
    fn numbers_that_may_be_figures() {
        let got: Vec<String> = numbers("between 41,000 and 45 500 people, 9% and 20 per cent in 1944, the 3rd of 7")
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(got, ["41,000", "45 500", "9%", "20"]);
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(
            escape_md("1. not a list *or* [link] @key", true, false),
            "1\\. not a list \\*or\\* \\[link\\] \\@key"
        );
        assert_eq!(escape_md("# x", true, false), "\\# x");
        assert_eq!(escape_md("a@b.org {fig:x}", false, false), "a@b.org &#123;fig:x}");
        assert_eq!(escape_md("- dash", true, false), "\\- dash");
        assert_eq!(escape_md("::: div", true, false), "\\::: div");
    }

    #[test]
    fn corporate_authors_by_first_words_or_initials() {
        let r = OwnRef {
            key: "hrw2001".into(),
            line: 1,
            families: vec![loose("Harbour Relief Watch")],
            initials: vec![None],
            corporate: Some(vec!["harbour".into(), "relief".into(), "watch".into()]),
            year: Some(2001),
            suffix: None,
            short: String::new(),
        };
        let name = |s: &str| vec![CName { initials: None, surname: s.into() }];
        assert_eq!(authors_match(&name("Harbour Relief"), false, &r), 2);
        assert_eq!(authors_match(&name("HRW"), false, &r), 2);
        assert_eq!(authors_match(&name("Relief"), false, &r), 0);
        let person = OwnRef { families: vec![loose("Thorne")], initials: vec![Some('a')], corporate: None, ..r };
        let with = |i: &str| vec![CName { initials: Some(i.into()), surname: "Thorne".into() }];
        assert_eq!(authors_match(&with("A."), false, &person), 2);
        assert_eq!(authors_match(&with("L."), false, &person), 0);
    }

    #[test]
    fn slugs_from_file_names() {
        assert_eq!(slugify("dir/Valdoria Removal (1940).txt"), "valdoria-removal-1940");
        assert_eq!(slugify("Ильинка.txt"), "ilinka");
        assert_eq!(slugify("....txt"), "imported");
    }
}
