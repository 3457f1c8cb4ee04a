//! Bibliography files: BibLaTeX, CSL-JSON and hayagriva YAML, read into the
//! model's [`Work`]s with the position of each record.
//!
//! BibLaTeX goes through the `biblatex` crate (hayagriva's own parser). The
//! file is cut into records at each line-initial `@` and each record is
//! parsed on its own, so one malformed record is reported with its position
//! while every other record is still read. CSL-JSON is read with serde_json
//! and hayagriva YAML with hayagriva itself.

use std::ops::Range;

use biblatex::{Bibliography, ChunksExt, RawBibliography};

use crate::diag::{codes, Diagnostic};
use crate::model::{Access, Name, Sp, Work};
use crate::parse::csl_json;
use crate::source::{FileId, FileKind, SourceFile};

/// Reads one bibliography file.
pub fn parse_file(file: FileId, src: &SourceFile) -> (Vec<Work>, Vec<Diagnostic>) {
    match src.kind {
        FileKind::BibLatex => parse_biblatex(file, &src.text),
        FileKind::CslJson => parse_csl_json(file, src),
        FileKind::HayagrivaYaml => parse_hayagriva(file, src),
        _ => (Vec::new(), Vec::new()),
    }
}

/// Byte ranges of the records of a BibLaTeX file: each starts at an `@`
/// that begins a line (after white space).
fn records(text: &str) -> Vec<Range<usize>> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('@') {
            starts.push(offset + line.len() - trimmed.len());
        }
        offset += line.len();
    }
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        out.push(s..e);
    }
    out
}

fn record_type(chunk: &str) -> String {
    chunk[1..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>().to_ascii_lowercase()
}

/// TeX typography that BibTeX users write and the `biblatex` crate leaves
/// as is: ``quotes'' and the thesis type keys of standard BibLaTeX.
fn tex_typography(record: &str) -> String {
    record
        .replace("'''", "'\u{201d}")
        .replace("``", "\u{201c}")
        .replace("''", "\u{201d}")
        .replace("{phdthesis}", "{PhD dissertation}")
        .replace("{mathesis}", "{Master's thesis}")
}

/// A record that passed the syntax check.
struct Record {
    range: Range<usize>,
    kind: String,
    key: String,
    key_span: Range<usize>,
}

/// Reads a BibLaTeX text.
pub fn parse_biblatex(file: FileId, text: &str) -> (Vec<Work>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let recs = records(text);
    // `@string` abbreviations may be used by any record.
    let mut strings = String::new();
    for r in &recs {
        if record_type(&text[r.clone()]) == "string" {
            strings.push_str(&text[r.clone()]);
            strings.push('\n');
        }
    }
    // Pass 1: the syntax of each record on its own, so one broken record is
    // reported where it is and the others are still read.
    let mut good = Vec::new();
    for r in recs {
        let chunk = &text[r.clone()];
        let kind = record_type(chunk);
        if matches!(kind.as_str(), "string" | "comment" | "preamble") {
            continue;
        }
        match RawBibliography::parse(chunk) {
            Ok(raw) => {
                let Some(rec) = raw.entries.first() else { continue };
                let key_span = r.start + rec.v.key.span.start..r.start + rec.v.key.span.end;
                let range = r.start..r.start + chunk.trim_end().len();
                good.push(Record { kind, key: rec.v.key.v.to_string(), key_span, range });
            }
            Err(e) => {
                // At the end of the record the parser has run past an unclosed
                // brace: point at that brace instead.
                let at_end = e.span.start >= chunk.trim_end().len();
                let span = match unclosed_brace(chunk) {
                    Some(b) if at_end => b..b + 1,
                    _ => e.span.clone(),
                };
                let span = r.start + span.start.min(chunk.len())..r.start + span.end.min(chunk.len());
                diags.push(
                    Diagnostic::error(
                        codes::BIBLIOGRAPHY_SYNTAX,
                        file,
                        span,
                        format!("malformed BibLaTeX record: {}", e.kind),
                    )
                    .with_hint(syntax_hint(chunk)),
                );
            }
        }
    }
    // Pass 2: the records together, so abbreviations and `crossref`s resolve
    // across the file. A record the resolution fails on is reported and left
    // out, and the rest parsed again. A repeated key (reported by the checks)
    // is read on its own.
    let mut seen = std::collections::HashSet::new();
    let (mut main, repeated): (Vec<Record>, Vec<Record>) = good.into_iter().partition(|r| seen.insert(r.key.clone()));
    let bib = loop {
        let mut combined = strings.clone();
        let mut starts = Vec::with_capacity(main.len());
        for r in &main {
            starts.push(combined.len());
            combined.push_str(&tex_typography(&text[r.range.clone()]));
            combined.push('\n');
        }
        match Bibliography::parse(&combined) {
            Ok(b) => break b,
            Err(e) => {
                let at = e.span.start;
                match starts.iter().rposition(|&s| s <= at && at >= strings.len()) {
                    Some(i) => {
                        let r = main.remove(i);
                        let off = (r.range.start + at - starts[i]).min(r.range.end);
                        diags.push(Diagnostic::error(
                            codes::BIBLIOGRAPHY_SYNTAX,
                            file,
                            off..off,
                            format!("BibLaTeX record `{}`: {}", r.key, e.kind),
                        ));
                    }
                    None => {
                        diags.push(Diagnostic::error(
                            codes::BIBLIOGRAPHY_SYNTAX,
                            file,
                            0..0,
                            format!("BibLaTeX @string definitions: {}", e.kind),
                        ));
                        break Bibliography::new();
                    }
                }
            }
        }
    };
    let library = hayagriva::io::from_biblatex(&bib).ok();
    let record = |key: &str, e: &biblatex::Entry| -> Option<hayagriva::Entry> {
        match &library {
            Some(l) => l.get(key).cloned(),
            // One record hayagriva cannot convert must not cost the others theirs.
            None => {
                let mut one = Bibliography::new();
                one.insert(e.clone());
                hayagriva::io::from_biblatex(&one).ok().and_then(|l| l.get(key).cloned())
            }
        }
    };
    let mut works: Vec<Work> = main
        .iter()
        .filter_map(|r| bib.get(&r.key).map(|e| work(file, r, e, record(&r.key, e), &text[r.range.clone()])))
        .collect();
    for r in &repeated {
        if let Ok(alone) = Bibliography::parse(&format!("{strings}{}", tex_typography(&text[r.range.clone()]))) {
            let rec = hayagriva::io::from_biblatex(&alone).ok().and_then(|l| l.get(&r.key).cloned());
            works.extend(alone.get(&r.key).map(|e| work(file, r, e, rec, &text[r.range.clone()])));
        }
    }
    works.sort_by_key(|w| w.span.start);
    (works, diags)
}

fn work(file: FileId, r: &Record, entry: &biblatex::Entry, record: Option<hayagriva::Entry>, raw: &str) -> Work {
    let mut authors: Vec<Name> = entry.author().unwrap_or_default().into_iter().map(person).collect();
    if authors.is_empty() {
        authors = entry.editors().unwrap_or_default().into_iter().flat_map(|(ps, _)| ps).map(person).collect();
    }
    let year = ["date", "year"].iter().find_map(|f| entry.get(f)).and_then(|c| first_year(&c.format_verbatim()));
    let title = entry.get("title").map(|c| c.format_verbatim()).unwrap_or_default();
    let access = match entry.get("access").map(|c| c.format_verbatim().trim().to_ascii_lowercase()) {
        Some(a) if a == "restricted" => Access::Restricted,
        _ => Access::Public,
    };
    Work {
        key: Sp::new(r.key.clone(), r.key_span.clone()),
        file,
        kind: r.kind.clone(),
        authors,
        year,
        title,
        access,
        span: r.range.clone(),
        record,
        raw: raw.to_string(),
    }
}

/// Offset of the `{` of a record that is never closed: the value brace
/// still open when the next `field =` line starts, else the innermost one.
fn unclosed_brace(chunk: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let mut offset = 0;
    for (n, line) in chunk.split_inclusive('\n').enumerate() {
        if n > 0 && open.len() >= 2 {
            let t = line.trim_start();
            let name_len = t.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-').count();
            if name_len > 0 && t[name_len..].trim_start().starts_with('=') {
                return Some(open[1]);
            }
        }
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match c {
                '\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                '{' if !escaped => open.push(offset + i),
                '}' if !escaped => {
                    open.pop();
                }
                _ => {}
            }
            escaped = false;
        }
        offset += line.len();
    }
    open.pop()
}

fn syntax_hint(chunk: &str) -> String {
    let opens = chunk.matches('{').count();
    let closes = chunk.matches('}').count();
    if opens > closes {
        format!("{} opening brace(s) are not closed", opens - closes)
    } else if closes > opens {
        format!("{} closing brace(s) too many", closes - opens)
    } else {
        "a record reads @type{key, field = {value}, ...}".to_string()
    }
}

fn person(p: biblatex::Person) -> Name {
    let family = if p.prefix.is_empty() { p.name } else { format!("{} {}", p.prefix, p.name) };
    Name { family, given: Some(p.given_name).filter(|g| !g.is_empty()) }
}

/// The first four-digit year in a text (a run of exactly four digits).
pub fn first_year(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3))
        .find(|&i| {
            b[i..i + 4].iter().all(u8::is_ascii_digit)
                && (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        })
        .and_then(|i| s[i..i + 4].parse().ok())
}

/// Start offsets of the top-level items of a JSON array (strings skipped),
/// so a CSL-JSON diagnostic can point at its item.
pub(crate) fn json_items(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                if depth == 1 {
                    out.push(i);
                }
                in_str = true;
            }
            '[' | '{' => {
                if depth == 1 {
                    out.push(i);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            c if depth == 1
                && !c.is_whitespace()
                && c != ','
                && out.last().is_none_or(|&l| text[l..i].contains(',')) =>
            {
                out.push(i)
            }
            _ => {}
        }
    }
    out
}

/// Span of `"id": "key"`'s key inside a CSL-JSON item.
fn json_key_span(text: &str, item: Range<usize>, key: &str) -> Range<usize> {
    let body = &text[item.clone()];
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = body[from..].find("\"id\"") {
        let after = from + i + 4;
        let rest = body[after..].trim_start();
        if let Some(r) = rest.strip_prefix(':') {
            let r2 = r.trim_start();
            let at = after + (body[after..].len() - r2.len());
            if r2.starts_with(&quoted) {
                return item.start + at + 1..item.start + at + 1 + key.len();
            }
            if r2.starts_with(key) {
                return item.start + at..item.start + at + key.len();
            }
        }
        from = after;
    }
    item.start..item.start + 1
}

/// Span of a top-level `key:` at the start of a line of a hayagriva file.
fn yaml_key_span(text: &str, key: &str) -> Range<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let unquoted = line.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'));
        let quoted = [('"', '"'), ('\'', '\'')].iter().any(|(a, b)| {
            line.strip_prefix(*a)
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix(*b))
                .is_some_and(|r| r.trim_start().starts_with(':'))
        });
        if unquoted {
            return offset..offset + key.len();
        }
        if quoted {
            return offset + 1..offset + 1 + key.len();
        }
        offset += line.len();
    }
    0..0
}

fn parse_csl_json(file: FileId, src: &SourceFile) -> (Vec<Work>, Vec<Diagnostic>) {
    let items: Vec<serde_json::Value> = match serde_json::from_str(&src.text) {
        Ok(serde_json::Value::Array(a)) => a,
        Ok(_) => {
            return (
                Vec::new(),
                vec![Diagnostic::error(
                    codes::BIBLIOGRAPHY_SYNTAX,
                    file,
                    0..0,
                    "a CSL-JSON file must hold a list of items",
                )],
            );
        }
        Err(e) => {
            let at = src.offset_of(e.line(), e.column());
            return (
                Vec::new(),
                vec![Diagnostic::error(codes::BIBLIOGRAPHY_SYNTAX, file, at..at, format!("malformed CSL-JSON: {e}"))],
            );
        }
    };
    let mut works = Vec::new();
    let mut diags = Vec::new();
    let starts = json_items(&src.text);
    for (n, item) in items.iter().enumerate() {
        let start = starts.get(n).copied().unwrap_or(0);
        let end = starts.get(n + 1).copied().unwrap_or(src.text.len());
        let key = match item.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(x)) => x.to_string(),
            _ => {
                diags.push(
                    Diagnostic::error(
                        codes::BIBLIOGRAPHY_SYNTAX,
                        file,
                        start..start + 1,
                        format!("CSL-JSON item {} has no `id`", n + 1),
                    )
                    .with_hint("every item needs an \"id\": its citation key"),
                );
                continue;
            }
        };
        let span = json_key_span(&src.text, start..end, &key);
        let authors = ["author", "editor"]
            .iter()
            .filter_map(|f| item.get(f).and_then(|a| a.as_array()))
            .find(|a| !a.is_empty())
            .map(|a| {
                a.iter()
                    .map(|p| Name {
                        family: p.get("family").or(p.get("literal")).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                        given: p.get("given").and_then(|v| v.as_str()).map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let year = item.get("issued").and_then(|i| {
            i.get("date-parts")
                .and_then(|d| d.get(0))
                .and_then(|d| d.get(0))
                .and_then(|y| y.as_i64().map(|y| y as i32).or_else(|| y.as_str().and_then(first_year)))
                .or_else(|| i.get("raw").and_then(|r| r.as_str()).and_then(first_year))
        });
        let title = item.get("title").and_then(|t| t.as_str()).unwrap_or("").to_string();
        let kind = item.get("type").and_then(|t| t.as_str()).unwrap_or("document").to_string();
        works.push(Work {
            key: Sp::new(key, span.clone()),
            file,
            kind,
            authors,
            year,
            title,
            access: Access::Public,
            span,
            record: csl_json::to_hayagriva(item),
            raw: String::new(),
        });
    }
    (works, diags)
}

fn parse_hayagriva(file: FileId, src: &SourceFile) -> (Vec<Work>, Vec<Diagnostic>) {
    let lib = match hayagriva::io::from_yaml_str(&src.text) {
        Ok(l) => l,
        Err(e) => {
            let at = e.location().map(|l| src.offset_of(l.line(), l.column())).unwrap_or(0);
            return (
                Vec::new(),
                vec![Diagnostic::error(
                    codes::BIBLIOGRAPHY_SYNTAX,
                    file,
                    at..at,
                    format!("malformed hayagriva YAML: {e}"),
                )],
            );
        }
    };
    let works = lib
        .iter()
        .map(|e| {
            let key = e.key().to_string();
            let span = yaml_key_span(&src.text, &key);
            let authors = e
                .authors()
                .unwrap_or_default()
                .iter()
                .map(|p| Name { family: p.name.clone(), given: p.given_name.clone() })
                .collect();
            let year = e.date().map(|d| d.year);
            let title = e.title().map(|t| t.to_string()).unwrap_or_default();
            let kind = format!("{:?}", e.entry_type()).to_ascii_lowercase();
            Work {
                key: Sp::new(key, span.clone()),
                file,
                kind,
                authors,
                year,
                title,
                access: Access::Public,
                span,
                record: Some(e.clone()),
                raw: String::new(),
            }
        })
        .collect();
    (works, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_record_does_not_hide_the_others() {
        let src = "@book{a1990, author = {Bugai, N. F.}, title = {T}, date = {1990}}\n\n@book{broken, title = {Unclosed}\n\n@article{c2001, author = {Naimark, Norman M.}, year = {2001}, access = {restricted}}\n";
        let (works, diags) = parse_biblatex(FileId(0), src);
        let keys: Vec<_> = works.iter().map(|w| (w.key.v.as_str(), w.year)).collect();
        assert_eq!(keys, [("a1990", Some(1990)), ("c2001", Some(2001))]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, codes::BIBLIOGRAPHY_SYNTAX);
        assert!(diags[0].span.start >= src.find("@book{broken").unwrap());
        assert_eq!(works[1].access, Access::Restricted);
        assert_eq!(&src[works[0].key.span.clone()], "a1990");
        assert_eq!(works[0].authors[0].family, "Bugai");
    }

    #[test]
    fn crossref_to_another_record_is_not_a_syntax_error() {
        let src = "@incollection{ch1993, author = {Khozhiev, D.}, title = {Genotsid}, crossref = {coll1993}, pages = {169--179}}\n\n@collection{coll1993, editor = {Alieva, S. U.}, title = {Tak eto bylo}, date = {1993}}\n";
        let (works, diags) = parse_biblatex(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(works.len(), 2);
        assert_eq!(works[0].year, Some(1993), "the year is inherited from the parent");
    }

    #[test]
    fn string_abbreviations_are_shared() {
        let src = "@string{pub = {Druzhba}}\n@book{b, author = {X, Y}, publisher = pub, year = 1992}\n";
        let (works, diags) = parse_biblatex(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(works.len(), 1);
    }

    #[test]
    fn csl_json_items() {
        let src = SourceFile::new(
            "b.json",
            FileKind::CslJson,
            r#"[{"id": "pohl1999", "type": "book", "author": [{"family": "Pohl", "given": "J. Otto"}], "issued": {"date-parts": [[1999]]}, "title": "Ethnic Cleansing"}]"#,
        );
        let (works, diags) = parse_file(FileId(0), &src);
        assert!(diags.is_empty());
        assert_eq!(works[0].short(), "Pohl 1999");
        assert_eq!(&src.text[works[0].key.span.clone()], "pohl1999");
    }
}
