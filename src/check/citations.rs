//! Citations against the bibliography: unresolved keys (with suggestions),
//! year mismatches, duplicate keys and works nobody cites.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

use super::Index;
use crate::diag::{closest, codes, Diagnostic};
use crate::model::{Entry, Work};

/// Every citation item of an entry: prose, data and `nocite`, as
/// `(key, key span)`.
pub fn cited_keys(e: &Entry) -> Vec<(&str, std::ops::Range<usize>)> {
    let mut out: Vec<(&str, std::ops::Range<usize>)> =
        e.citations().into_iter().flat_map(|c| c.items.iter().map(|i| (i.key.as_str(), i.key_span.clone()))).collect();
    // `nocite: "@*"` (Pandoc: every work) is handled by check_bibliography.
    out.extend(e.nocite.iter().filter(|n| n.v != "*").map(|n| (n.v.as_str(), n.span.clone())));
    out
}

/// Folds a name for comparison: no diacritics, lowercase ASCII letters only.
pub fn fold(s: &str) -> String {
    s.nfkd().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Splits a key like `bugai1992a` into its author part and year.
fn key_author_year(key: &str) -> (String, Option<i32>) {
    let letters: String = key.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let digits: String = key.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
    (fold(&letters), if digits.len() == 4 { digits.parse().ok() } else { None })
}

fn authored_by(w: &Work, author: &str) -> bool {
    !author.is_empty() && w.authors.first().is_some_and(|a| fold(&a.family) == author)
}

pub(super) fn check_entry(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    for (key, span) in cited_keys(e) {
        if idx.works.contains_key(key) {
            continue;
        }
        out.push(unresolved(idx, e, key, span));
    }
}

/// Whether `check` reports a `key` that no work has as
/// `citation.year-mismatch` rather than `citation.unresolved`: its author
/// part (the letters before a four-digit year) is the folded family name of
/// the first author of some works, and none of them is from that year.
/// `attest import` uses it so that its report and `check` agree.
pub fn is_year_mismatch<'a>(works: impl IntoIterator<Item = &'a Work>, key: &str) -> bool {
    let (author, year) = key_author_year(key);
    let Some(y) = year else { return false };
    let same: Vec<&Work> = works.into_iter().filter(|w| authored_by(w, &author)).collect();
    !same.is_empty() && !same.iter().any(|w| w.year == Some(y))
}

fn unresolved(idx: &Index, e: &Entry, key: &str, span: std::ops::Range<usize>) -> Diagnostic {
    let (author, year) = key_author_year(key);
    let same_author: Vec<&Work> = idx.corpus.works.iter().filter(|w| authored_by(w, &author)).collect();
    let by_key = closest(key, idx.corpus.works.iter().map(|w| w.key.v.as_str()), 3);
    if let Some(y) = year {
        if is_year_mismatch(same_author.iter().copied(), key) {
            let list: Vec<String> = same_author.iter().map(|w| format!("@{} ({})", w.key.v, w.short())).collect();
            return Diagnostic::error(
                codes::CITATION_YEAR_MISMATCH,
                e.file,
                span,
                format!(
                    "`{key}` names {} {y}, but the bibliography has no work of theirs from {y}",
                    same_author[0].authors[0].family
                ),
            )
            .with_hint(format!(
                "did you mean {}? If the year is right, add the work to the bibliography",
                list.join(" or ")
            ));
        }
    }
    let mut suggestions: Vec<String> = by_key.iter().map(|k| format!("@{k}")).collect();
    for w in same_author.iter().filter(|w| year.is_none() || w.year == year) {
        let s = format!("@{}", w.key.v);
        if !suggestions.contains(&s) {
            suggestions.push(s);
        }
    }
    let hint = match suggestions.as_slice() {
        [] => "add the work to a file in bibliography/, or correct the key".to_string(),
        [one] => {
            let w = idx.works.get(&one[1..]).map(|w| format!(" ({})", w.short())).unwrap_or_default();
            format!("did you mean {one}{w}?")
        }
        many => format!("did you mean one of {}?", many.join(", ")),
    };
    Diagnostic::error(codes::CITATION_UNRESOLVED, e.file, span, format!("no work with key `{key}` in the bibliography"))
        .with_hint(hint)
}

pub(super) fn check_bibliography(idx: &Index, out: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::HashMap<&str, &Work> = std::collections::HashMap::new();
    for w in &idx.corpus.works {
        if let Some(first) = seen.get(w.key.v.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::BIBLIOGRAPHY_DUPLICATE_KEY,
                    w.file,
                    w.key.span.clone(),
                    format!("the key `{}` is defined twice", w.key.v),
                )
                .with_hint(format!(
                    "first defined at {}; rename one of them (keys must be unique across all bibliography files)",
                    idx.locate(first.file, first.key.span.start)
                )),
            );
        } else {
            seen.insert(&w.key.v, w);
        }
    }
    let cited: HashSet<&str> =
        idx.corpus.entries.iter().flat_map(|e| cited_keys(e).into_iter().map(|(k, _)| k)).collect();
    for w in seen.values() {
        if !cited.contains(w.key.v.as_str()) {
            out.push(
                Diagnostic::warning(
                    codes::BIBLIOGRAPHY_UNCITED,
                    w.file,
                    w.key.span.clone(),
                    format!("no entry cites `{}` ({})", w.key.v, w.short()),
                )
                .with_hint("cite it, list it in an entry's `nocite`, or remove it"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_into_author_and_year() {
        assert_eq!(key_author_year("bugai1992"), ("bugai".into(), Some(1992)));
        assert_eq!(key_author_year("pohlm2002a"), ("pohlm".into(), Some(2002)));
        assert_eq!(key_author_year("isusrr"), ("isusrr".into(), None));
        assert_eq!(fold("Aurélie Campana"), "aureliecampana");
    }
}
