//! CSL-JSON items (Zotero's export) converted to hayagriva records, so works
//! from a `.json` bibliography are formatted like BibLaTeX ones.
//!
//! The record is built with hayagriva's setters and follows the shape that
//! hayagriva's own BibLaTeX conversion gives: a journal article is an
//! `Article` whose parent `Periodical` holds the journal's title, volume and
//! issue; a chapter is a `Chapter` whose parent `Book` holds the book's
//! title, publisher and edition; and so on. That is what hayagriva's CSL
//! processor expects when it resolves `container-title`, `volume` or the CSL
//! item type. Fields hayagriva has no place for are left out.

use std::str::FromStr;

use hayagriva::types::{
    Date, EntryType, FormatString, MaybeTyped, Numeric, PageRanges, Person, PersonRole, PersonsWithRoles, Publisher,
    QualifiedUrl,
};
use hayagriva::Entry;
use serde_json::{Map, Value};

/// Converts one CSL-JSON item; `None` when it cannot be represented (it is
/// not an object, or has no `id`).
pub fn to_hayagriva(item: &Value) -> Option<hayagriva::Entry> {
    let item = item.as_object()?;
    let key = match item.get("id")? {
        // The key as `parse::bibliography` reads it, so the record and its
        // work agree.
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let csl_type = text(item, "type").unwrap_or_default();
    let (kind, parent_kind) = entry_types(&csl_type);
    let mut entry = Entry::new(&key, kind);
    // The container: a parent the type always has (a journal for an
    // article), or one that only a container title calls for (a website).
    let mut parent = match parent_kind {
        Some(Parent::Always(k)) => Some(Entry::new(&key, k)),
        Some(Parent::IfTitled(k)) if text(item, "container-title").is_some() => Some(Entry::new(&key, k)),
        _ => None,
    };

    if let Some(title) = text(item, "title") {
        entry.set_title(format_string(title, text(item, "title-short").or_else(|| text(item, "shortTitle"))));
    }
    if let Some(p) = parent.as_mut() {
        if let Some(title) = text(item, "container-title") {
            let short = text(item, "container-title-short").or_else(|| text(item, "journalAbbreviation"));
            p.set_title(format_string(title, short));
        }
        let container_authors = names(item, "container-author");
        if !container_authors.is_empty() {
            p.set_authors(container_authors);
        }
    }

    let authors = names(item, "author");
    if !authors.is_empty() {
        entry.set_authors(authors);
    }
    let editors = names(item, "editor");
    if !editors.is_empty() {
        entry.set_editors(editors);
    }
    let mut affiliated = Vec::new();
    for (field, role) in [
        ("translator", PersonRole::Translator),
        ("compiler", PersonRole::Compiler),
        ("director", PersonRole::Director),
        ("illustrator", PersonRole::Illustrator),
    ] {
        let people = names(item, field);
        if !people.is_empty() {
            affiliated.push(PersonsWithRoles::new(people, role));
        }
    }
    if !affiliated.is_empty() {
        entry.set_affiliated(affiliated);
    }

    if let Some(date) = item.get("issued").and_then(date) {
        entry.set_date(date);
    }

    // Publication details belong to the container when there is one (the
    // book a chapter is in), as in hayagriva's BibLaTeX conversion.
    let publisher = text(item, "publisher");
    let place = text(item, "publisher-place");
    if publisher.is_some() || place.is_some() {
        let publisher = Publisher::new(publisher.map(FormatString::with_value), place.map(FormatString::with_value));
        match parent.as_mut() {
            Some(p) if container_publishes(p) => p.set_publisher(publisher),
            _ => entry.set_publisher(publisher),
        }
    }
    if let Some(edition) = text(item, "edition") {
        match parent.as_mut() {
            Some(p) if container_publishes(p) => p.set_edition(numeric(&edition)),
            _ => entry.set_edition(numeric(&edition)),
        }
    }
    if let Some(volume) = text(item, "volume") {
        match parent.as_mut() {
            Some(p) => p.set_volume(numeric(&volume)),
            None => entry.set_volume(numeric(&volume)),
        }
    }
    if let Some(issue) = text(item, "issue") {
        match parent.as_mut() {
            Some(p) => p.set_issue(numeric(&issue)),
            None => entry.set_issue(numeric(&issue)),
        }
    }
    if let Some(number) = text(item, "number") {
        match kind {
            EntryType::Report | EntryType::Patent | EntryType::Legislation | EntryType::Case | EntryType::Misc => {
                entry.set_keyed_serial_number("serial", number)
            }
            _ => match parent.as_mut() {
                Some(p) if p.issue().is_none() => p.set_issue(numeric(&number)),
                Some(_) => {}
                None if entry.issue().is_none() => entry.set_issue(numeric(&number)),
                None => {}
            },
        }
    }
    if let Some(pages) = text(item, "page") {
        entry.set_page_range(MaybeTyped::<PageRanges>::from_str(&pages).unwrap_or(MaybeTyped::String(pages)));
    }
    if let Some(n) = text(item, "number-of-pages").and_then(|n| Numeric::from_str(&n).ok()) {
        entry.set_page_total(n);
    }
    if let Some(n) = text(item, "number-of-volumes").and_then(|n| Numeric::from_str(&n).ok()) {
        entry.set_volume_total(n);
    }
    if let Some(chapter) = text(item, "chapter-number") {
        entry.set_chapter(numeric(&chapter));
    }

    // A series: hayagriva finds it as an `Anthology` parent of the book
    // (of the item itself, or of its container).
    if let Some(series) = text(item, "collection-title") {
        let mut s = Entry::new(&key, EntryType::Anthology);
        s.set_title(FormatString::with_value(series));
        if let Some(n) = text(item, "collection-number") {
            s.set_volume(numeric(&n));
        }
        let editors = names(item, "collection-editor");
        if !editors.is_empty() {
            s.set_editors(editors);
        }
        match parent.as_mut() {
            Some(p) if container_publishes(p) => p.set_parents(vec![s]),
            None if matches!(kind, EntryType::Book | EntryType::Anthology | EntryType::Proceedings) => {
                entry.set_parents(vec![s])
            }
            _ => {}
        }
    }

    if let Some(genre) = text(item, "genre") {
        entry.set_genre(FormatString::with_value(genre));
    }
    if let Some(archive) = text(item, "archive") {
        entry.set_archive(FormatString::with_value(archive));
    }
    if let Some(location) = text(item, "archive_location").or_else(|| text(item, "archive-location")) {
        entry.set_archive_location(FormatString::with_value(location));
    }
    if let Some(call_number) = text(item, "call-number") {
        entry.set_call_number(FormatString::with_value(call_number));
    }
    if let Some(authority) = text(item, "authority") {
        entry.set_organization(FormatString::with_value(authority));
    }
    if let Some(note) = text(item, "note") {
        entry.set_note(FormatString::with_value(note));
    }
    if let Some(language) = text(item, "language").and_then(|l| l.replace('_', "-").parse().ok()) {
        entry.set_language(language);
    }
    if let Some(url) = text(item, "URL").and_then(|u| QualifiedUrl::from_str(&u).ok()) {
        let visit_date = item.get("accessed").and_then(date);
        entry.set_url(QualifiedUrl::new(url.value, visit_date));
    }
    for (field, serial) in [("DOI", "doi"), ("ISBN", "isbn"), ("ISSN", "issn"), ("PMID", "pmid"), ("PMCID", "pmcid")] {
        if let Some(value) = text(item, field) {
            entry.set_keyed_serial_number(serial, value);
        }
    }

    if let Some(p) = parent {
        let mut parents = entry.parents().to_vec();
        parents.insert(0, p);
        entry.set_parents(parents);
    }
    Some(entry)
}

/// The parent a CSL type gets in hayagriva's model.
enum Parent {
    /// Always (an article's journal, a chapter's book).
    Always(EntryType),
    /// Only when the item names a container (`container-title`).
    IfTitled(EntryType),
}

/// The hayagriva type of a CSL item type, and of its container.
fn entry_types(csl_type: &str) -> (EntryType, Option<Parent>) {
    use EntryType as T;
    use Parent::{Always, IfTitled};
    match csl_type {
        "article-journal" | "article-magazine" | "review" | "review-book" => (T::Article, Some(Always(T::Periodical))),
        "article-newspaper" => (T::Article, Some(Always(T::Newspaper))),
        "article" => (T::Article, Some(IfTitled(T::Periodical))),
        "paper-conference" => (T::Article, Some(Always(T::Proceedings))),
        "post-weblog" => (T::Article, Some(Always(T::Blog))),
        "book" | "classic" => (T::Book, None),
        "chapter" => (T::Chapter, Some(Always(T::Book))),
        "collection" => (T::Anthology, None),
        "entry" | "entry-dictionary" | "entry-encyclopedia" => (T::Entry, Some(Always(T::Reference))),
        "periodical" => (T::Periodical, None),
        "report" | "standard" => (T::Report, None),
        "thesis" => (T::Thesis, None),
        "manuscript" => (T::Manuscript, None),
        "webpage" => (T::Web, Some(IfTitled(T::Web))),
        "post" => (T::Post, Some(IfTitled(T::Thread))),
        "legal_case" => (T::Case, None),
        "legislation" | "bill" | "regulation" | "treaty" => (T::Legislation, None),
        "patent" => (T::Patent, None),
        "motion_picture" | "broadcast" => (T::Video, None),
        "song" | "musical_score" => (T::Audio, None),
        "graphic" | "figure" | "map" => (T::Artwork, None),
        "performance" => (T::Performance, None),
        "event" => (T::Exhibition, None),
        "dataset" | "software" => (T::Repository, None),
        // document, interview, personal_communication, speech, pamphlet,
        // hearing and anything unknown.
        _ => (T::Misc, None),
    }
}

/// Whether publisher and edition go to this container rather than to the
/// item: books and proceedings publish their chapters and papers, journals
/// do not publish their articles in that sense.
fn container_publishes(parent: &Entry) -> bool {
    matches!(
        parent.entry_type(),
        EntryType::Book | EntryType::Anthology | EntryType::Proceedings | EntryType::Reference
    )
}

/// A field as text: strings trimmed (empty is absent), numbers written out.
fn text(item: &Map<String, Value>, field: &str) -> Option<String> {
    match item.get(field)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn format_string(value: String, short: Option<String>) -> FormatString {
    match short {
        Some(short) if short != value => FormatString::with_short(value, short),
        _ => FormatString::with_value(value),
    }
}

fn numeric(s: &str) -> MaybeTyped<Numeric> {
    MaybeTyped::<Numeric>::from_str(s).unwrap_or_else(|_| MaybeTyped::String(s.to_string()))
}

/// The names of a CSL name variable: `{family, given, non-dropping-particle,
/// dropping-particle, suffix}` or `{literal}` (an institution).
fn names(item: &Map<String, Value>, field: &str) -> Vec<Person> {
    let Some(Value::Array(list)) = item.get(field) else { return Vec::new() };
    list.iter().filter_map(|p| person(p.as_object()?)).collect()
}

fn person(p: &Map<String, Value>) -> Option<Person> {
    let family = text(p, "family");
    let literal = text(p, "literal");
    let (name, given) = match (family, literal) {
        (Some(family), _) => (family, text(p, "given")),
        (None, Some(literal)) => (literal, None),
        // A name with only a given name ("Aeschylus").
        (None, None) => (text(p, "given")?, None),
    };
    let particles: Vec<String> =
        ["dropping-particle", "non-dropping-particle"].iter().filter_map(|f| text(p, f)).collect();
    Some(Person {
        name,
        given_name: given,
        prefix: Some(particles.join(" ")).filter(|s| !s.is_empty()),
        suffix: text(p, "suffix"),
        comma_suffix: p.get("comma-suffix").and_then(Value::as_bool).unwrap_or(false),
        alias: None,
    })
}

/// A CSL date: `date-parts` (the first date of a range), else `raw` or
/// `literal` read as `YYYY-MM-DD` or for its first four-digit year.
fn date(value: &Value) -> Option<Date> {
    let approximate = value.get("circa").is_some_and(|c| match c {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() != Some(0),
        Value::String(s) => !s.is_empty() && s != "0" && s != "false",
        _ => false,
    });
    if let Some(parts) = value.get("date-parts").and_then(|d| d.get(0)).and_then(Value::as_array) {
        let part = |i: usize| -> Option<i64> {
            match parts.get(i)? {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        if let Some(year) = part(0).and_then(|y| i32::try_from(y).ok()) {
            // hayagriva counts months and days from zero.
            let month = part(1).filter(|m| (1..=12).contains(m)).map(|m| (m - 1) as u8);
            let day = part(2).filter(|d| month.is_some() && (1..=31).contains(d)).map(|d| (d - 1) as u8);
            return Some(Date { year, month, day, approximate, season: None });
        }
    }
    let raw = value.get("raw").or(value.get("literal")).and_then(Value::as_str)?.trim();
    if let Ok(mut d) = Date::from_str(raw) {
        d.approximate |= approximate;
        return Some(d);
    }
    crate::parse::bibliography::first_year(raw).map(|year| Date {
        year,
        month: None,
        day: None,
        approximate,
        season: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn book_with_author_and_date() {
        let e = to_hayagriva(&json!({
            "id": "doe1999",
            "type": "book",
            "title": "A Fictional History",
            "author": [{"family": "Doe", "given": "Jane"}, {"literal": "Example Institute"}],
            "issued": {"date-parts": [[1999, 3, 7]]},
            "publisher": "Example Press",
            "publisher-place": "Springfield",
            "ISBN": "978-0-00-000000-0",
            "language": "en"
        }))
        .unwrap();
        assert_eq!(e.key(), "doe1999");
        assert_eq!(e.entry_type(), &EntryType::Book);
        assert_eq!(e.title().unwrap().to_string(), "A Fictional History");
        let authors = e.authors().unwrap();
        assert_eq!(authors[0].name, "Doe");
        assert_eq!(authors[0].given_name.as_deref(), Some("Jane"));
        assert_eq!(authors[1].name, "Example Institute");
        let d = e.date().unwrap();
        assert_eq!((d.year, d.month, d.day), (1999, Some(2), Some(6)));
        let publisher = e.publisher().unwrap();
        assert_eq!(publisher.name().unwrap().to_string(), "Example Press");
        assert_eq!(publisher.location().unwrap().to_string(), "Springfield");
        assert_eq!(e.isbn(), Some("978-0-00-000000-0"));
    }

    #[test]
    fn journal_article_has_its_journal_as_parent() {
        let e = to_hayagriva(&json!({
            "id": "roe2004",
            "type": "article-journal",
            "title": "On Examples",
            "author": [{"family": "Roe", "given": "Richard", "non-dropping-particle": "van"}],
            "container-title": "Journal of Examples",
            "volume": "12",
            "issue": 3,
            "page": "45-67",
            "issued": {"raw": "2004"},
            "DOI": "10.0000/example",
            "URL": "https://example.org/roe2004",
            "accessed": {"date-parts": [["2020", "1", "2"]]}
        }))
        .unwrap();
        assert_eq!(e.entry_type(), &EntryType::Article);
        let journal = &e.parents()[0];
        assert_eq!(journal.entry_type(), &EntryType::Periodical);
        assert_eq!(journal.title().unwrap().to_string(), "Journal of Examples");
        assert_eq!(journal.volume().unwrap().to_string(), "12");
        assert_eq!(journal.issue().unwrap().to_string(), "3");
        assert!(matches!(e.page_range(), Some(MaybeTyped::Typed(_))), "pages are read as a range");
        assert_eq!(e.date().unwrap().year, 2004);
        assert_eq!(e.doi(), Some("10.0000/example"));
        assert_eq!(e.authors().unwrap()[0].prefix.as_deref(), Some("van"));
        let url = e.url().unwrap();
        assert_eq!(url.value.as_str(), "https://example.org/roe2004");
        assert_eq!(url.visit_date.unwrap().year, 2020);
    }

    #[test]
    fn chapter_puts_the_book_in_the_parent() {
        let e = to_hayagriva(&json!({
            "id": "ch",
            "type": "chapter",
            "title": "A Chapter",
            "author": [{"family": "Poe", "given": "Anna"}],
            "editor": [{"family": "Moe", "given": "Bert"}],
            "container-title": "A Collection",
            "publisher": "Example Press",
            "collection-title": "Example Series",
            "collection-number": 4,
            "page": "10-20",
            "issued": {"date-parts": [[2010]]}
        }))
        .unwrap();
        assert_eq!(e.entry_type(), &EntryType::Chapter);
        let book = &e.parents()[0];
        assert_eq!(book.entry_type(), &EntryType::Book);
        assert_eq!(book.title().unwrap().to_string(), "A Collection");
        assert!(book.publisher().is_some());
        assert_eq!(book.parents()[0].title().unwrap().to_string(), "Example Series");
        assert_eq!(e.editors().unwrap()[0].name, "Moe");
    }

    #[test]
    fn a_csl_json_book_is_formatted_like_any_work() {
        use crate::config::CitationStyle;
        use crate::parse::bibliography::parse_file;
        use crate::render::cite::render_bibliography;
        use crate::source::{FileId, FileKind, SourceFile};

        let src = SourceFile::new(
            "works.json",
            FileKind::CslJson,
            r#"[{"id": "doe1999", "type": "book", "title": "A Fictional History",
                 "author": [{"family": "Doe", "given": "Jane"}],
                 "issued": {"date-parts": [[1999]]}, "publisher": "Example Press"}]"#,
        );
        let (works, diags) = parse_file(FileId(0), &src);
        assert!(diags.is_empty(), "{diags:?}");
        for style in [CitationStyle::ChicagoAuthorDate, CitationStyle::Apa, CitationStyle::ChicagoNotes] {
            let bib = render_bibliography(style, "en", &[&works[0]]);
            assert_eq!(bib.len(), 1);
            assert_eq!(bib[0].key, "doe1999");
            for part in ["Doe", "1999", "A Fictional History", "Example Press"] {
                assert!(bib[0].html.contains(part), "{style:?}: {}", bib[0].html);
            }
        }
    }

    #[test]
    fn types_and_odd_values() {
        let kind = |t: &str| *to_hayagriva(&json!({"id": "x", "type": t})).unwrap().entry_type();
        assert_eq!(kind("thesis"), EntryType::Thesis);
        assert_eq!(kind("webpage"), EntryType::Web);
        assert_eq!(kind("report"), EntryType::Report);
        assert_eq!(kind("manuscript"), EntryType::Manuscript);
        assert_eq!(kind("no-such-type"), EntryType::Misc);
        assert_eq!(to_hayagriva(&json!({"id": 42})).unwrap().key(), "42");
        assert!(to_hayagriva(&json!({"title": "no id"})).is_none());
        assert!(to_hayagriva(&json!([1, 2])).is_none());
        let e = to_hayagriva(
            &json!({"id": "w", "type": "webpage", "issued": {"literal": "ca. 1930s?"}, "URL": "not a url"}),
        )
        .unwrap();
        assert!(e.parents().is_empty(), "no container title, no parent");
        assert_eq!(e.date().unwrap().year, 1930);
        assert!(e.url().is_none());
        let e = to_hayagriva(&json!({"id": "d", "issued": {"date-parts": [[1990, 13]]}})).unwrap();
        assert_eq!(e.date().unwrap().month, None);
    }
}
