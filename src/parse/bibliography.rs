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

/// Reads a BibLaTeX text.
pub fn parse_biblatex(file: FileId, text: &str) -> (Vec<Work>, Vec<Diagnostic>) {
    let mut works = Vec::new();
    let mut diags = Vec::new();
    let recs = records(text);
    // `@string` abbreviations may be used by any record: parse every record
    // with all of them in front.
    let mut prefix = String::new();
    for r in &recs {
        if record_type(&text[r.clone()]) == "string" {
            prefix.push_str(&text[r.clone()]);
            prefix.push('\n');
        }
    }
    for r in recs {
        let chunk = &text[r.clone()];
        let kind = record_type(chunk);
        if matches!(kind.as_str(), "string" | "comment" | "preamble") {
            continue;
        }
        let err = |span: Range<usize>, msg: String| {
            let span = r.start + span.start.min(chunk.len())..r.start + span.end.min(chunk.len());
            Diagnostic::error(codes::BIBLIOGRAPHY_SYNTAX, file, span, msg)
        };
        let raw = match RawBibliography::parse(chunk) {
            Ok(raw) => raw,
            Err(e) => {
                diags.push(
                    err(e.span.clone(), format!("malformed BibLaTeX record: {}", e.kind)).with_hint(syntax_hint(chunk)),
                );
                continue;
            }
        };
        let Some(rec) = raw.entries.first() else { continue };
        let key_span = r.start + rec.v.key.span.start..r.start + rec.v.key.span.end;
        let key = rec.v.key.v.to_string();
        let full = format!("{prefix}{chunk}");
        let bib = match Bibliography::parse(&full) {
            Ok(b) => b,
            Err(e) => {
                let s = e.span.start.saturating_sub(prefix.len())..e.span.end.saturating_sub(prefix.len());
                diags.push(err(s, format!("BibLaTeX record `{key}`: {}", e.kind)));
                continue;
            }
        };
        let Some(entry) = bib.get(&key) else { continue };
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
        let end = r.start + chunk.trim_end().len();
        works.push(Work { key: Sp::new(key, key_span), file, kind, authors, year, title, access, span: r.start..end });
    }
    (works, diags)
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

fn first_year(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3))
        .find(|&i| b[i..i + 4].iter().all(u8::is_ascii_digit) && (i == 0 || !b[i - 1].is_ascii_digit()))
        .and_then(|i| s[i..i + 4].parse().ok())
}

/// Span of a record identified by its key in a JSON or YAML text: the first
/// occurrence of the key, quoted or followed by a colon.
fn key_position(text: &str, key: &str) -> Range<usize> {
    for pat in [format!("\"{key}\""), format!("{key}:")] {
        if let Some(i) = text.find(&pat) {
            let s = if pat.starts_with('"') { i + 1 } else { i };
            return s..s + key.len();
        }
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
    for (n, item) in items.iter().enumerate() {
        let key = match item.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(x)) => x.to_string(),
            _ => {
                diags.push(Diagnostic::error(
                    codes::BIBLIOGRAPHY_SYNTAX,
                    file,
                    0..0,
                    format!("CSL-JSON item {} has no `id`", n + 1),
                ));
                continue;
            }
        };
        let span = key_position(&src.text, &key);
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
            let span = key_position(&src.text, &key);
            let authors = e
                .authors()
                .unwrap_or_default()
                .iter()
                .map(|p| Name { family: p.name.clone(), given: p.given_name.clone() })
                .collect();
            let year = e.date().map(|d| d.year);
            let title = e.title().map(|t| t.to_string()).unwrap_or_default();
            let kind = format!("{:?}", e.entry_type()).to_ascii_lowercase();
            Work { key: Sp::new(key, span.clone()), file, kind, authors, year, title, access: Access::Public, span }
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
