//! Bibliographies exported from reference managers merged into the
//! project: BibTeX/BibLaTeX (Zotero, Better BibTeX, JabRef), CSL-JSON
//! (Zotero's and Better BibTeX's export) and RIS.
//!
//! Every record is compared with the works of the project and with the
//! records already taken from the inputs: the same DOI, or the same first
//! author, year and title, is a duplicate (reported, not written). Keys are
//! kept as the export gives them, since authors cite with them; a key that
//! another work of the project has already is given a letter and reported.
//! Records without a usable key (RIS, Zotero's CSL-JSON) get one made of
//! the first author's name and the year. BibTeX records are copied as
//! written; CSL-JSON and RIS records are written as BibLaTeX.

use std::ops::Range;

use serde_json::{json, Value};

use super::{
    is_plain_key, key_base, warning, work_doi, Identity, Known, Library, Outcome, Person, Project, Record, Report,
};
use crate::diag::{codes, Diagnostic};
use crate::source::{FileId, SourceFile, SourceSet};

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// BibTeX or BibLaTeX.
    BibTex,
    /// CSL-JSON: an array of items.
    CslJson,
    /// RIS: tagged lines, `TY  - ` to `ER  - `.
    Ris,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::BibTex => "BibTeX",
            Format::CslJson => "CSL-JSON",
            Format::Ris => "RIS",
        }
    }
}

/// The format of an input, from its extension or else its content.
pub fn detect(path: &str, text: &str) -> Format {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "bib" | "bibtex" | "biblatex" => Format::BibTex,
        "json" | "csljson" => Format::CslJson,
        "ris" => Format::Ris,
        _ => {
            let t = text.trim_start();
            if t.starts_with('[') || t.starts_with('{') {
                Format::CslJson
            } else if t.lines().any(|l| l.starts_with("TY  -")) {
                Format::Ris
            } else {
                Format::BibTex
            }
        }
    }
}

/// A record read from an input.
struct Incoming {
    /// The key the input gives, if usable.
    key: Option<String>,
    /// Where it is in the input.
    span: Range<usize>,
    identity: Identity,
    short: String,
    /// The first author's (or editor's) family name, for a generated key.
    family: String,
    /// The title, for messages.
    title: String,
    body: Body,
}

impl Incoming {
    /// A record parsed from CSL-JSON or RIS.
    fn from_record(key: Option<String>, span: Range<usize>, record: Record) -> Self {
        Incoming {
            key,
            span,
            identity: record.identity(),
            short: record.short(),
            family: record.first_family().to_string(),
            title: record.field("title").unwrap_or("").to_string(),
            body: Body::Record(record),
        }
    }
}

enum Body {
    /// A BibTeX record as written, and the offset of its key in it.
    Raw { text: String, key_at: Range<usize> },
    /// A record to write.
    Record(Record),
}

/// Whether a key from an export can be kept (not a Zotero item URI or a
/// bare number).
fn usable_key(k: &str) -> bool {
    is_plain_key(k) && !k.contains('/') && !k.starts_with("http") && k.chars().any(|c| c.is_ascii_alphabetic())
}

/// Imports bibliography files. Pure: nothing is written.
pub fn import(project: &Project, inputs: SourceSet, problems: Vec<Diagnostic>) -> Outcome {
    let mut lib = Library::new(project);
    let mut diags = problems;
    let mut written: Vec<String> = Vec::new();
    let mut files = Vec::new();
    let mut lines = Vec::new();
    let mut strings_defined: Vec<String> =
        string_defs(project.imported_bib.as_deref().unwrap_or("")).into_iter().map(|(n, _)| n).collect();
    let (mut t_records, mut t_added, mut t_dups, mut t_renamed) = (0u64, 0u64, 0u64, 0u64);
    for (id, src) in inputs.iter() {
        if !src.ok {
            continue;
        }
        let format = detect(&src.path, &src.text);
        let incoming = match format {
            Format::BibTex => {
                for (name, chunk) in string_defs(&src.text) {
                    if !strings_defined.contains(&name) {
                        written.push(format!("% From {}: an abbreviation its records use.\n{chunk}\n", src.path));
                        strings_defined.push(name);
                    }
                }
                read_bibtex(id, src, &mut diags)
            }
            Format::CslJson => read_csl_json(id, src, &mut diags),
            Format::Ris => read_ris(id, src),
        };
        let (mut added, mut dups, mut renamed) = (0u64, 0u64, 0u64);
        let mut trail = Vec::new();
        let records = incoming.len() as u64;
        for inc in incoming {
            let line = src.line_col(inc.span.start).0;
            if let Some(same) = lib.same_as(&inc.identity) {
                dups += 1;
                let why = if inc.identity.doi.is_some() && inc.identity.doi == same.identity.doi {
                    "the same DOI"
                } else {
                    "the same author, year and title"
                };
                diags.push(
                    warning(
                        codes::IMPORT_DUPLICATE,
                        id,
                        inc.span.clone(),
                        format!(
                            "{} has {why} as @{} ({}, in {}); it is not imported again",
                            inc.short, same.key, same.short, same.origin
                        ),
                    )
                    .with_hint(format!(
                        "cite it as @{}; if they are different works, correct the record and import it again",
                        same.key
                    )),
                );
                trail.push(json!({"line": line, "key": inc.key, "status": "duplicate", "of": same.key}));
                continue;
            }
            let key = match &inc.key {
                Some(k) if !lib.is_taken(k) => k.clone(),
                Some(k) => {
                    let new = lib.fresh_key(k);
                    renamed += 1;
                    let other = lib
                        .known
                        .iter()
                        .find(|w| w.key == *k)
                        .map(|w| format!(" ({}, “{}”)", w.short, w.title))
                        .unwrap_or_default();
                    diags.push(
                        warning(
                            codes::IMPORT_KEY_RENAMED,
                            id,
                            inc.span.clone(),
                            format!("the key `{k}` belongs to another work{other}; this record is imported as `{new}`"),
                        )
                        .with_hint(format!("citations of @{k} meant for “{}” must become @{new}", inc.title)),
                    );
                    new
                }
                None => lib.fresh_key(&key_base(&inc.family, inc.identity.year, None)),
            };
            let origin = format!("{}:{line}", src.path);
            let comment = format!("% From {}, line {line} ({}).\n", src.path, format.name());
            let text = match inc.body {
                Body::Raw { text, key_at } => {
                    let mut t = text;
                    t.replace_range(key_at, &key);
                    format!("{comment}{t}\n")
                }
                Body::Record(mut r) => {
                    r.key = key.clone();
                    r.comments = vec![comment.trim_start_matches("% ").trim_end().to_string()];
                    r.to_biblatex()
                }
            };
            lib.add(Known { key: key.clone(), identity: inc.identity, short: inc.short, title: inc.title, origin });
            written.push(text);
            added += 1;
            trail.push(json!({"line": line, "key": key, "status": "added"}));
        }
        lines.push(format!(
            "{} ({}): {records} records, {added} added, {dups} duplicates, {renamed} keys changed",
            src.path,
            format.name()
        ));
        files.push(json!({
            "input": src.path,
            "format": format.name(),
            "counts": {"records": records, "added": added, "duplicates": dups, "renamed": renamed},
            "records": trail,
        }));
        t_records += records;
        t_added += added;
        t_dups += dups;
        t_renamed += renamed;
    }
    super::finish(&mut diags);
    let mut summary = serde_json::Map::new();
    summary.insert("records".into(), t_records.into());
    summary.insert("added".into(), t_added.into());
    summary.insert("duplicates".into(), t_dups.into());
    summary.insert("renamed".into(), t_renamed.into());
    summary.insert("files".into(), Value::Array(files));
    let bib = super::merged_bib(project.imported_bib.as_deref(), &written);
    Outcome {
        report: Report { sources: inputs, diagnostics: diags, summary, lines },
        entries: Vec::new(),
        bib,
        bib_before: project.imported_bib.clone(),
    }
}

/// `@string{name = {...}}` definitions: (name, the definition as written).
fn string_defs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("@string") {
        let start = from + i;
        let Some(open) = text[start..].find(['{', '(']).map(|o| start + o) else { break };
        let mut depth = 0;
        let mut end = None;
        for (j, c) in text[open..].char_indices() {
            match c {
                '{' | '(' => depth += 1,
                '}' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + j + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let name: String = text[open + 1..end]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect::<String>()
            .to_lowercase();
        if !name.is_empty() {
            out.push((name, text[start..end].to_string()));
        }
        from = end;
    }
    out
}

fn read_bibtex(file: FileId, src: &SourceFile, diags: &mut Vec<Diagnostic>) -> Vec<Incoming> {
    let (works, d) = crate::parse::bibliography::parse_biblatex(file, &src.text);
    diags.extend(d);
    works
        .into_iter()
        .map(|w| {
            let doi = work_doi(&w);
            let key_at = w.key.span.start - w.span.start..w.key.span.end - w.span.start;
            Incoming {
                key: Some(w.key.v.clone()),
                span: w.key.span.clone(),
                identity: Identity::of_work(&w, doi),
                short: w.short(),
                family: w.authors.first().map(|a| a.family.clone()).unwrap_or_default(),
                title: w.title.clone(),
                body: Body::Raw { text: w.raw.clone(), key_at },
            }
        })
        .collect()
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn csl_names(v: &Value, k: &str) -> Vec<Person> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    if let Some(l) = str_of(p, "literal") {
                        return Some(Person { family: l.to_string(), given: None, corporate: true });
                    }
                    let family = str_of(p, "family")?;
                    let particle = str_of(p, "non-dropping-particle").map(|x| format!("{x} ")).unwrap_or_default();
                    Some(Person {
                        family: format!("{particle}{family}"),
                        given: str_of(p, "given").map(str::to_string),
                        corporate: false,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn csl_date(v: &Value, k: &str) -> Option<String> {
    let d = v.get(k)?;
    if let Some(parts) = d.get("date-parts").and_then(|p| p.get(0)).and_then(Value::as_array) {
        let n: Vec<i64> = parts
            .iter()
            .filter_map(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| s.trim().parse().ok())))
            .collect();
        return match n.as_slice() {
            [y, m, d, ..] => Some(format!("{y:04}-{m:02}-{d:02}")),
            [y, m] => Some(format!("{y:04}-{m:02}")),
            [y] => Some(format!("{y:04}")),
            [] => None,
        };
    }
    str_of(d, "raw").or_else(|| str_of(d, "literal")).map(str::to_string)
}

/// A CSL-JSON item as a BibLaTeX record.
pub fn csl_to_record(item: &Value) -> Record {
    let ty = str_of(item, "type").unwrap_or("document");
    let kind = match ty {
        "book" => "book",
        "article-journal" | "article-magazine" | "article-newspaper" | "article" => "article",
        "chapter" => "incollection",
        "paper-conference" => "inproceedings",
        "thesis" => "thesis",
        "report" => "report",
        "webpage" | "post-weblog" | "post" => "online",
        "manuscript" => "unpublished",
        "entry-encyclopedia" | "entry-dictionary" | "entry" => "inreference",
        "dataset" => "dataset",
        _ => "misc",
    };
    let container = match kind {
        "article" => "journaltitle",
        "incollection" | "inproceedings" | "inreference" => "booktitle",
        _ => "maintitle",
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            fields.push((k.to_string(), v));
        }
    };
    let s = |k: &str| str_of(item, k).map(str::to_string);
    let num = |k: &str| {
        item.get(k).and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_i64().map(|n| n.to_string())))
    };
    put("title", s("title"));
    if kind == "online" {
        put("organization", s("container-title"));
    } else {
        put(container, s("container-title"));
    }
    if ty == "article-magazine" {
        put("entrysubtype", Some("magazine".into()));
    } else if ty == "article-newspaper" {
        put("entrysubtype", Some("newspaper".into()));
    }
    put("series", s("collection-title"));
    put("volume", num("volume"));
    put("number", num("issue").or_else(|| num("number")));
    put("edition", num("edition"));
    put("pages", s("page").map(|p| p.replace(['–', '—'], "-").replace("--", "-").replace('-', "--")));
    put("publisher", s("publisher"));
    put("location", s("publisher-place").or_else(|| s("event-place")));
    if kind == "thesis" {
        put("institution", s("publisher"));
        put("type", s("genre"));
    }
    put("date", csl_date(item, "issued"));
    put("urldate", csl_date(item, "accessed"));
    put("doi", s("DOI"));
    put("url", s("URL"));
    put("isbn", s("ISBN"));
    put("issn", s("ISSN"));
    put("note", s("note"));
    put("abstract", s("abstract"));
    if kind == "thesis" {
        fields.retain(|(k, _)| k != "publisher");
    }
    Record {
        kind: kind.into(),
        key: String::new(),
        authors: csl_names(item, "author"),
        editors: csl_names(item, "editor"),
        fields,
        comments: Vec::new(),
    }
}

fn read_csl_json(file: FileId, src: &SourceFile, diags: &mut Vec<Diagnostic>) -> Vec<Incoming> {
    let value: Value = match serde_json::from_str(&src.text) {
        Ok(v) => v,
        Err(e) => {
            let at = src.offset_of(e.line(), e.column());
            diags.push(Diagnostic::error(codes::BIBLIOGRAPHY_SYNTAX, file, at..at, format!("malformed CSL-JSON: {e}")));
            return Vec::new();
        }
    };
    // Better BibTeX writes an array; some tools wrap it in {"items": [...]}.
    let items = match &value {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.get("items").and_then(Value::as_array).cloned().unwrap_or_else(|| vec![value.clone()]),
        _ => {
            diags.push(Diagnostic::error(
                codes::BIBLIOGRAPHY_SYNTAX,
                file,
                0..0,
                "a CSL-JSON file holds a list of items",
            ));
            return Vec::new();
        }
    };
    let starts = crate::parse::bibliography::json_items(&src.text);
    items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let at = if value.is_array() { starts.get(n).copied().unwrap_or(0) } else { 0 };
            let record = csl_to_record(item);
            let key = str_of(item, "citation-key")
                .or_else(|| str_of(item, "citationKey"))
                .or_else(|| str_of(item, "id"))
                .filter(|k| usable_key(k))
                .map(str::to_string);
            Incoming::from_record(key, at..at + 1, record)
        })
        .collect()
}

/// RIS records: (start offset, tags in order).
fn ris_records(text: &str) -> Vec<(usize, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, Vec<(String, String)>)> = None;
    let mut off = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']).trim_start_matches('\u{feff}');
        let tag = (line.len() >= 5
            && line.as_bytes()[..2].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && line[2..].starts_with("  -"))
        .then(|| (line[..2].to_string(), line[5.min(line.len())..].trim().to_string()));
        match tag {
            Some((t, v)) if t == "TY" => {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
                cur = Some((off, vec![(t, v)]));
            }
            Some((t, _)) if t == "ER" => {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
            }
            Some((t, v)) => {
                if let Some((_, tags)) = cur.as_mut() {
                    tags.push((t, v));
                }
            }
            None => {
                // A continuation of the value before.
                if let Some((_, tags)) = cur.as_mut() {
                    if let Some(last) = tags.last_mut() {
                        if !line.trim().is_empty() {
                            last.1.push(' ');
                            last.1.push_str(line.trim());
                        }
                    }
                }
            }
        }
        off += raw.len();
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

fn ris_person(v: &str) -> Person {
    match v.split_once(',') {
        Some((f, g)) => Person {
            family: f.trim().to_string(),
            given: Some(g.split(',').next().unwrap_or("").trim().to_string()).filter(|g| !g.is_empty()),
            corporate: false,
        },
        None => Person { family: v.trim().to_string(), given: None, corporate: true },
    }
}

/// An RIS record as a BibLaTeX record.
pub fn ris_to_record(tags: &[(String, String)]) -> (Record, Option<String>) {
    let get = |t: &str| tags.iter().find(|(k, v)| k == t && !v.is_empty()).map(|(_, v)| v.clone());
    let all = |ts: &[&str]| -> Vec<String> {
        tags.iter().filter(|(k, v)| ts.contains(&k.as_str()) && !v.is_empty()).map(|(_, v)| v.clone()).collect()
    };
    let ty = get("TY").unwrap_or_default();
    let kind = match ty.as_str() {
        "BOOK" => "book",
        "EDBOOK" => "collection",
        "JOUR" | "JFULL" | "MGZN" | "NEWS" | "EJOUR" => "article",
        "CHAP" | "ECHAP" => "incollection",
        "THES" => "thesis",
        "RPRT" => "report",
        "CONF" | "CPAPER" => "inproceedings",
        "ELEC" | "WEB" | "BLOG" => "online",
        "UNPB" | "MANSCPT" => "unpublished",
        "ENCYC" | "DICT" => "inreference",
        _ => "misc",
    };
    let authors: Vec<Person> = all(&["AU", "A1"]).iter().map(|a| ris_person(a)).collect();
    let mut editors: Vec<Person> = all(&["ED"]).iter().map(|a| ris_person(a)).collect();
    let a2: Vec<Person> = all(&["A2"]).iter().map(|a| ris_person(a)).collect();
    if matches!(kind, "incollection" | "inproceedings" | "collection" | "inreference") {
        editors.extend(a2);
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            fields.push((k.to_string(), v));
        }
    };
    put("title", get("TI").or_else(|| get("T1")).or_else(|| get("CT")));
    let container = get("T2").or_else(|| get("JF")).or_else(|| get("JO")).or_else(|| get("JA")).or_else(|| get("BT"));
    match kind {
        "article" => put("journaltitle", container),
        "incollection" | "inproceedings" | "inreference" => put("booktitle", container),
        "book" | "collection" => put("series", container),
        _ => put("note", container),
    }
    put("series", get("T3"));
    put("volume", get("VL"));
    put("number", get("IS").or_else(|| get("M1").filter(|_| kind == "report")));
    put("edition", get("ET"));
    let pages = match (get("SP"), get("EP")) {
        (Some(s), Some(e)) => Some(format!("{s}--{e}")),
        (Some(s), None) => Some(s.replace(['–', '—'], "-").replace("--", "-").replace('-', "--")),
        _ => None,
    };
    put("pages", pages);
    if kind == "thesis" {
        put("institution", get("PB"));
        put("type", get("M3"));
    } else {
        put("publisher", get("PB"));
    }
    put("location", get("CY").or_else(|| get("PP")));
    let date = get("DA").or_else(|| get("PY")).or_else(|| get("Y1")).map(|d| ris_date(&d));
    put("date", date.filter(|d| !d.is_empty()));
    put("doi", get("DO"));
    put("url", get("UR"));
    if let Some(sn) = get("SN") {
        let digits = sn.chars().filter(|c| c.is_ascii_digit() || *c == 'X').count();
        put(if digits == 8 { "issn" } else { "isbn" }, Some(sn));
    }
    put("abstract", get("AB"));
    put("keywords", Some(all(&["KW"]).join(", ")));
    let notes = all(&["N1"]).join("; ");
    put("note", Some(notes));
    let key = get("ID").filter(|k| usable_key(k));
    (Record { kind: kind.into(), key: String::new(), authors, editors, fields, comments: Vec::new() }, key)
}

/// `2001/05/03/`, `2001///`, `2001` → `2001-05-03`, `2001`.
fn ris_date(d: &str) -> String {
    let parts: Vec<&str> = d.split('/').map(str::trim).collect();
    let y = parts.first().copied().unwrap_or("");
    if !(y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())) {
        return d.trim().to_string();
    }
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    match (num(1), num(2)) {
        (Some(m), Some(dd)) if (1..=12).contains(&m) && (1..=31).contains(&dd) => format!("{y}-{m:02}-{dd:02}"),
        (Some(m), None) if (1..=12).contains(&m) => format!("{y}-{m:02}"),
        _ => y.to_string(),
    }
}

fn read_ris(file: FileId, src: &SourceFile) -> Vec<Incoming> {
    let _ = file;
    ris_records(&src.text)
        .into_iter()
        .map(|(at, tags)| {
            let (record, key) = ris_to_record(&tags);
            Incoming::from_record(key, at..at + 2, record)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected() {
        assert_eq!(detect("a.bib", ""), Format::BibTex);
        assert_eq!(detect("a.txt", "TY  - BOOK\n"), Format::Ris);
        assert_eq!(detect("export", "[{}]"), Format::CslJson);
    }

    #[test]
    fn ris_dates_and_pages() {
        assert_eq!(ris_date("2001/05/03/"), "2001-05-03");
        assert_eq!(ris_date("2001///"), "2001");
        let (r, key) = ris_to_record(&[
            ("TY".into(), "JOUR".into()),
            ("AU".into(), "Quillan, R.".into()),
            ("TI".into(), "Ledger".into()),
            ("T2".into(), "Review".into()),
            ("SP".into(), "5".into()),
            ("EP".into(), "9".into()),
            ("PY".into(), "2001".into()),
            ("ID".into(), "quillan2001".into()),
        ]);
        assert_eq!(r.kind, "article");
        assert_eq!(r.field("pages"), Some("5--9"));
        assert_eq!(r.field("journaltitle"), Some("Review"));
        assert_eq!(key.as_deref(), Some("quillan2001"));
    }

    #[test]
    fn zotero_item_uris_are_not_keys() {
        assert!(!usable_key("http://zotero.org/users/1/items/ABCD"));
        assert!(!usable_key("12345"));
        assert!(usable_key("quillan2001"));
    }
}
