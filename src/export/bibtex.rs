//! BibLaTeX export: the bibliography for reference managers and LaTeX, and
//! the BibLaTeX record of an entry itself.
//!
//! A work read from a BibLaTeX file is written back as its editors wrote it,
//! less attest's private `access` field, so nothing of the record is lost in
//! a round trip. A record that would not stand on its own (it uses an
//! `@string` abbreviation, or inherits through `crossref`/`xdata` from a
//! record not exported with it) and a work read from CSL-JSON or hayagriva
//! YAML are written from the parsed record instead, with TeX's special
//! characters escaped. Records that others inherit from come after the
//! records inheriting from them, as BibTeX requires.

use std::collections::BTreeSet;
use std::ops::Range;

use biblatex::{RawBibliography, RawChunk};

use super::meta::{Date, Kind, Meta, Person, Rich};
use super::EntryRef;
use crate::model::Work;

/// The works as a BibLaTeX file.
pub fn works(works: &[&Work]) -> String {
    let keys: BTreeSet<&str> = works.iter().map(|w| w.key.v.as_str()).collect();
    let parents: BTreeSet<String> = works.iter().flat_map(|w| inherits_from(&w.raw)).collect();
    let (children, inherited): (Vec<&&Work>, Vec<&&Work>) =
        works.iter().partition(|w| !parents.contains(w.key.v.as_str()));
    let mut out = String::new();
    for w in children.into_iter().chain(inherited) {
        let record = match as_written(&w.raw, &keys) {
            Some(r) => r,
            None => generate(&Meta::of(w)),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&record);
        out.push('\n');
    }
    out
}

/// The entry as an `@online` record, keyed by its slug: its authors and
/// title, the encyclopedia as `journaltitle` (and its publisher as
/// `organization`), the date of first publication, the ISSN, the address and
/// a note giving the date of the last modification.
pub fn entry(r: &EntryRef) -> String {
    let c = r.config;
    let mut f = Fields::default();
    f.names("author", &r.people());
    f.text("title", &r.entry.title.v);
    f.text("journaltitle", &c.title);
    f.opt_text("organization", c.publisher.as_deref());
    f.verbatim("date", r.published().map(|d| d.iso()));
    f.verbatim("issn", c.issn.clone());
    f.verbatim("url", Some(url(&r.url)));
    f.opt_text("note", r.modified().map(|d| format!("Last modified {}", d.iso())).as_deref());
    f.record("online", &key(&r.entry.slug))
}

/// Keys of the records a raw record inherits from.
fn inherits_from(raw: &str) -> Vec<String> {
    let Ok(parsed) = RawBibliography::parse(raw) else { return Vec::new() };
    let Some(e) = parsed.entries.first() else { return Vec::new() };
    e.v.fields
        .iter()
        .filter(|f| matches!(f.key.v.to_ascii_lowercase().as_str(), "crossref" | "xdata"))
        .flat_map(|f| raw_value(raw, &f.value.span).split(',').map(|k| k.trim().to_string()).collect::<Vec<_>>())
        .filter(|k| !k.is_empty())
        .collect()
}

/// A field's value without its delimiters.
fn raw_value(raw: &str, span: &Range<usize>) -> String {
    raw[span.clone()].trim().trim_matches(|c| c == '{' || c == '}' || c == '"').to_string()
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// The record as written, less its `access` field; `None` when it does not
/// stand on its own.
fn as_written(raw: &str, keys: &BTreeSet<&str>) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    let parsed = RawBibliography::parse(raw).ok()?;
    let e = parsed.entries.first()?;
    let mut drop = Vec::new();
    for f in &e.v.fields {
        let name = f.key.v.to_ascii_lowercase();
        let abbreviated = f.value.v.iter().any(|c| match c.v {
            RawChunk::Abbreviation(a) => {
                !(a.chars().all(|c| c.is_ascii_digit()) || MONTHS.contains(&a.to_ascii_lowercase().as_str()))
            }
            RawChunk::Normal(_) => false,
        });
        if abbreviated {
            return None;
        }
        if matches!(name.as_str(), "crossref" | "xdata")
            && raw_value(raw, &f.value.span).split(',').any(|k| !keys.contains(k.trim()))
        {
            return None;
        }
        if name == "access" {
            drop.push(field_extent(raw, f.key.span.start, f.value.span.end));
        }
    }
    // The entry's span stops before its closing delimiter.
    let rest = &raw[e.span.end..];
    let close = rest.find(['}', ')'])?;
    let end = e.span.end + close + 1;
    let mut out = String::new();
    let mut at = e.span.start;
    for d in drop {
        out.push_str(&raw[at..d.start]);
        at = d.end;
    }
    out.push_str(&raw[at..end]);
    Some(out)
}

/// What to cut to remove a field: the field, its comma, and its line when it
/// has one to itself.
fn field_extent(raw: &str, start: usize, value_end: usize) -> Range<usize> {
    let b = raw.as_bytes();
    let mut end = value_end;
    while end < b.len() && matches!(b[end], b' ' | b'\t') {
        end += 1;
    }
    let mut start = start;
    if end < b.len() && b[end] == b',' {
        end += 1;
    } else {
        // The last field: take the comma before it instead.
        let mut s = start;
        while s > 0 && b[s - 1].is_ascii_whitespace() {
            s -= 1;
        }
        if s > 0 && b[s - 1] == b',' {
            return s - 1..value_end;
        }
    }
    let line_start = raw[..start].rfind('\n').map_or(0, |i| i + 1);
    let before_blank = raw[line_start..start].trim().is_empty();
    let line_end = raw[end..].find('\n').map(|i| end + i);
    if let Some(le) = line_end {
        if before_blank && raw[end..le].trim().is_empty() {
            start = line_start;
            end = le + 1;
        }
    }
    start..end
}

/// A citation key BibTeX accepts: no white space, braces, commas, quotes,
/// `#`, `%`, `=`, `(` or `)`.
fn key(k: &str) -> String {
    let k: String = k.chars().map(|c| if c.is_whitespace() || "{}(),\"#%'=\\".contains(c) { '_' } else { c }).collect();
    if k.is_empty() {
        "_".to_string()
    } else {
        k
    }
}

/// Escapes text for a braced BibLaTeX field.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '%' | '&' | '#' | '$' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text whose braced pieces keep their case.
fn rich(r: &Rich) -> String {
    r.0.iter().map(|(s, keep)| if *keep { format!("{{{}}}", escape(s)) } else { escape(s) }).collect()
}

/// A URL for a verbatim field: braces, backslashes and white space
/// percent-encoded.
fn url(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for c in u.trim().chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            ' ' => out.push_str("%20"),
            c if c.is_whitespace() || c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A name in BibLaTeX's `von Last, Jr, First` form.
fn name(p: &Person) -> String {
    // A part holding a comma or the word "and" must be braced.
    let part = |s: &str| {
        let e = escape(s);
        if s.contains(',') || s.split_whitespace().any(|w| w.eq_ignore_ascii_case("and")) {
            format!("{{{e}}}")
        } else {
            e
        }
    };
    if p.literal {
        return format!("{{{}}}", escape(&p.family));
    }
    let mut family = part(&p.family);
    if let Some(pre) = &p.prefix {
        family = format!("{} {family}", part(pre));
    }
    match (&p.suffix, &p.given) {
        (Some(s), Some(g)) => format!("{family}, {}, {}", part(s), part(g)),
        (Some(s), None) => format!("{family}, {}, ", part(s)),
        (None, Some(g)) => format!("{family}, {}", part(g)),
        (None, None) => family,
    }
}

fn date(d: &Date) -> String {
    let mut s = d.iso();
    if d.approximate {
        s.push('~');
    }
    s
}

/// The fields of a record being written, in order.
#[derive(Default)]
struct Fields(Vec<(&'static str, String)>);

impl Fields {
    fn raw(&mut self, name: &'static str, value: String) {
        if !value.trim().is_empty() {
            self.0.push((name, value));
        }
    }

    fn text(&mut self, name: &'static str, v: &str) {
        self.raw(name, escape(v.trim()));
    }

    fn opt_text(&mut self, name: &'static str, v: Option<&str>) {
        if let Some(v) = v {
            self.text(name, v);
        }
    }

    fn rich(&mut self, name: &'static str, v: Option<&Rich>) {
        if let Some(v) = v {
            self.raw(name, rich(v));
        }
    }

    /// A value written without escapes (dates, identifiers): only braces
    /// and backslashes are taken out.
    fn verbatim(&mut self, name: &'static str, v: Option<String>) {
        if let Some(v) = v {
            self.raw(name, v.chars().filter(|c| !matches!(c, '{' | '}' | '\\') && !c.is_control()).collect());
        }
    }

    fn names(&mut self, field: &'static str, people: &[Person]) {
        if !people.is_empty() {
            self.raw(field, people.iter().map(name).collect::<Vec<_>>().join(" and "));
        }
    }

    fn record(self, kind: &str, key: &str) -> String {
        let width = self.0.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(12);
        let mut out = format!("@{kind}{{{key},\n");
        for (n, v) in self.0 {
            out.push_str(&format!("  {n:<width$} = {{{v}}},\n"));
        }
        out.push('}');
        out
    }
}

fn entry_type(k: Kind) -> &'static str {
    match k {
        Kind::Article | Kind::Newspaper => "article",
        Kind::Conference => "inproceedings",
        Kind::Chapter => "inbook",
        Kind::InCollection => "incollection",
        Kind::EncyclopediaEntry => "inreference",
        Kind::Book => "book",
        Kind::Collection => "collection",
        Kind::Proceedings => "proceedings",
        Kind::Report => "report",
        Kind::Thesis => "thesis",
        Kind::Web => "online",
        Kind::Manuscript => "unpublished",
        Kind::Periodical => "periodical",
        Kind::Reference => "reference",
        Kind::Patent => "patent",
        Kind::Dataset => "dataset",
        Kind::Misc => "misc",
    }
}

/// A BibLaTeX record written from a work's description.
fn generate(m: &Meta) -> String {
    let k = m.kind();
    let mut f = Fields::default();
    f.names("author", &m.authors);
    f.names("editor", &m.editors);
    f.rich("title", m.title.as_ref());
    let container = match k {
        Kind::Article | Kind::Newspaper | Kind::Web => "journaltitle",
        Kind::Misc => "howpublished",
        _ => "booktitle",
    };
    f.rich(container, m.container.as_ref());
    f.opt_text("series", m.series.as_deref());
    f.opt_text("volume", m.volume.as_deref());
    f.opt_text("number", m.issue.as_deref().or(m.number.as_deref()));
    f.opt_text("edition", m.edition.as_deref());
    f.opt_text("pages", m.pages.as_ref().map(|p| p.text("--")).as_deref());
    let genre = m.genre.as_deref().map(|g| match (k, g) {
        (Kind::Thesis, "Doctoral dissertation" | "PhD thesis") => "phdthesis",
        (Kind::Thesis, "Master's thesis") => "mathesis",
        (Kind::Thesis, "Candidate thesis") => "candthesis",
        (Kind::Report, "Technical report") => "techreport",
        (Kind::Report, "Research report") => "resreport",
        (_, g) => g,
    });
    f.opt_text("type", genre);
    let institution = if matches!(k, Kind::Thesis | Kind::Report) { "institution" } else { "organization" };
    f.opt_text(institution, m.institution.as_deref());
    f.opt_text("publisher", m.publisher.as_deref());
    f.opt_text("location", m.place.as_deref());
    f.verbatim("date", m.date.as_ref().map(date));
    f.verbatim("doi", m.doi.clone());
    f.verbatim("isbn", m.isbn.clone());
    f.verbatim("issn", m.issn.clone());
    f.verbatim("url", m.url.as_deref().map(url));
    f.verbatim("urldate", m.urldate.as_ref().map(date));
    f.opt_text("note", m.note.as_deref());
    f.opt_text("abstract", m.abstract_.as_deref());
    f.record(entry_type(k), &key(&m.key))
}

#[cfg(test)]
mod tests {
    use biblatex::{Bibliography, ChunksExt};

    use super::*;
    use crate::export::test_support::{self, bib, entry_ref, sample};

    fn field(b: &Bibliography, key: &str, name: &str) -> Option<String> {
        b.get(key).and_then(|e| e.get(name)).map(|c| c.format_verbatim())
    }

    #[test]
    fn raw_records_are_written_back_without_the_access_field() {
        let ws = bib(concat!(
            "@book{a1990,\n  author = {Bugai, N. F.},\n  title = {T},\n  access = {public},\n  date = {1990},\n}\n\n",
            "% a comment that belongs to no record\n\n",
            "@article{c2001, author = {Naimark, Norman M.}, year = 2001, month = jan, access = {restricted}}\n",
            "@misc{d, title = {D}, ACCESS = \"public\"\n}\n",
        ));
        let refs: Vec<&Work> = ws.iter().collect();
        let out = works(&refs);
        assert!(!out.to_lowercase().contains("access"), "{out}");
        assert!(!out.contains("comment"), "{out}");
        assert!(
            out.starts_with("@book{a1990,\n  author = {Bugai, N. F.},\n  title = {T},\n  date = {1990},\n}\n"),
            "{out}"
        );
        assert!(out.contains("@article{c2001, author = {Naimark, Norman M.}, year = 2001, month = jan}"), "{out}");
        let parsed = Bibliography::parse(&out).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(field(&parsed, "c2001", "year").as_deref(), Some("2001"));
        assert_eq!(field(&parsed, "d", "title").as_deref(), Some("D"));
    }

    #[test]
    fn a_record_using_an_abbreviation_is_written_resolved() {
        let ws = bib("@string{pub = {Druzhba narodov}}\n@book{b, author = {X, Y}, title = {T}, publisher = pub, year = 1992, access = {public}}\n");
        let refs: Vec<&Work> = ws.iter().collect();
        let out = works(&refs);
        assert!(!out.contains("access"), "{out}");
        let parsed = Bibliography::parse(&out).unwrap();
        assert_eq!(field(&parsed, "b", "publisher").as_deref(), Some("Druzhba narodov"));
        assert_eq!(field(&parsed, "b", "date").as_deref(), Some("1992"));
    }

    #[test]
    fn crossref_parents_come_last_and_a_missing_parent_is_inlined() {
        let src = "@collection{coll1993, editor = {Alieva, S. U.}, title = {Tak eto bylo}, date = {1993}}\n\n@incollection{ch1993, author = {Khozhiev, D.}, title = {Genotsid}, crossref = {coll1993}, pages = {169--179}}\n";
        let all = bib(src);
        let both: Vec<&Work> = all.iter().collect();
        let out = works(&both);
        assert!(out.find("@incollection{ch1993").unwrap() < out.find("@collection{coll1993").unwrap(), "{out}");
        assert!(out.contains("crossref = {coll1993}"));
        let alone: Vec<&Work> = all.iter().filter(|w| w.key.v == "ch1993").collect();
        let out = works(&alone);
        assert!(!out.contains("crossref"), "{out}");
        let parsed = Bibliography::parse(&out).unwrap();
        assert_eq!(field(&parsed, "ch1993", "booktitle").as_deref(), Some("Tak eto bylo"));
        assert_eq!(field(&parsed, "ch1993", "pages").as_deref(), Some("169–179"));
    }

    #[test]
    fn generated_records_escape_tex_and_parse_back() {
        use hayagriva::types::{ChunkedString, FormatString, Person, Publisher, StringChunk};
        let title = "50% of {R&D} costs $5 #1 a_b ^ ~ back\\slash";
        let mut r = hayagriva::Entry::new("odd key", hayagriva::types::EntryType::Book);
        r.set_title(FormatString {
            value: ChunkedString(vec![StringChunk::normal(title), StringChunk::verbatim(" UN")]),
            short: None,
        });
        let person = |name: &str, given: Option<&str>| Person {
            name: name.into(),
            given_name: given.map(Into::into),
            prefix: None,
            suffix: None,
            comma_suffix: false,
            alias: None,
        };
        r.set_authors(vec![person("Doe", Some("Jane")), person("Smith and Sons, Ltd", None)]);
        r.set_publisher(Publisher::new(Some(FormatString::with_value("A & B")), None));
        r.set_date(hayagriva::types::Date {
            year: 2001,
            month: Some(4),
            day: Some(3),
            approximate: false,
            season: None,
        });
        r.set_url("https://example.org/a b{c}".parse().unwrap());
        let w = test_support::work(r);
        let out = works(&[&w]);
        let parsed = Bibliography::parse(&out).unwrap_or_else(|e| panic!("{e:?}\n{out}"));
        let e = parsed.get("odd_key").unwrap_or_else(|| panic!("{out}"));
        assert_eq!(field(&parsed, "odd_key", "title").unwrap(), format!("{title} UN"), "{out}");
        assert!(out.contains("{ UN}"), "case kept: {out}");
        assert_eq!(field(&parsed, "odd_key", "publisher").as_deref(), Some("A & B"));
        assert_eq!(field(&parsed, "odd_key", "date").as_deref(), Some("2001-05-04"));
        assert_eq!(field(&parsed, "odd_key", "url").as_deref(), Some("https://example.org/a%20b%7Bc%7D"));
        let authors = e.author().unwrap();
        assert_eq!(authors.len(), 2, "{out}");
        assert_eq!((authors[0].name.as_str(), authors[0].given_name.as_str()), ("Doe", "Jane"));
        assert_eq!(authors[1].name, "Smith and Sons, Ltd");
    }

    #[test]
    fn the_sample_bibliography_round_trips() {
        let a = sample();
        let refs: Vec<&Work> = a.corpus.works.iter().collect();
        let out = works(&refs);
        let parsed = Bibliography::parse(&out).unwrap();
        assert_eq!(parsed.len(), a.corpus.works.len());
        assert_eq!(
            field(&parsed, "campana2007", "journaltitle").as_deref(),
            Some("Online Encyclopedia of Mass Violence")
        );
        assert_eq!(out, works(&refs), "deterministic");
    }

    #[test]
    fn the_entry_as_an_online_record() {
        let a = sample();
        let r = entry_ref(&a, "chechens-ingush-1944");
        let out = entry(&r);
        let parsed = Bibliography::parse(&out).unwrap_or_else(|e| panic!("{e:?}\n{out}"));
        let e = parsed.get("chechens-ingush-1944").unwrap();
        assert_eq!(e.entry_type, biblatex::EntryType::Online);
        assert_eq!(
            field(&parsed, "chechens-ingush-1944", "journaltitle").as_deref(),
            Some("attest sample encyclopedia")
        );
        assert_eq!(field(&parsed, "chechens-ingush-1944", "date").as_deref(), Some("2026-11-29"));
        assert_eq!(
            field(&parsed, "chechens-ingush-1944", "url").as_deref(),
            Some("https://example.org/attest-sample/entries/chechens-ingush-1944/")
        );
        assert_eq!(e.author().unwrap()[0].name, "attest sample editors", "a corporate name stays whole");
        assert!(field(&parsed, "chechens-ingush-1944", "note").is_none(), "not modified since publication");
    }

    #[test]
    fn the_entry_names_its_issn_and_last_modification() {
        let mut a = sample();
        a.corpus.config.issn = Some("1961-9898".into());
        let e = a.corpus.entries.iter_mut().find(|e| e.slug == "chechens-ingush-1944").unwrap();
        e.modified = Some(crate::export::test_support::date_field("2027-01-15"));
        e.authors = vec![crate::model::Author { name: "Aurélie Campana".into(), affiliation: None, orcid: None }];
        let r = entry_ref(&a, "chechens-ingush-1944");
        let out = entry(&r);
        let parsed = Bibliography::parse(&out).unwrap();
        assert_eq!(field(&parsed, "chechens-ingush-1944", "issn").as_deref(), Some("1961-9898"));
        assert_eq!(field(&parsed, "chechens-ingush-1944", "note").as_deref(), Some("Last modified 2027-01-15"));
        let au = parsed.get("chechens-ingush-1944").unwrap().author().unwrap();
        assert_eq!((au[0].name.as_str(), au[0].given_name.as_str()), ("Campana", "Aurélie"));
    }
}
