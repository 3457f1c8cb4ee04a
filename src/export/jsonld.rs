//! JSON-LD (schema.org) for an entry's page: a `ScholarlyArticle` with its
//! authors, dates, the encyclopedia it is part of, the works it cites and
//! what it is about, its events and places.
//!
//! Events carry `startDate` and `endDate` from their EDTF bounds when the
//! bounds are a real span of days (not for open ends, years before 0 or
//! after 9999, or patterns such as `XXXX-12-XX` whose days are not
//! contiguous); the EDTF text itself is kept as `temporalCoverage`. Places
//! give their other names as language-tagged `alternateName`s and their
//! coordinates as `GeoCoordinates`. Events, places and cited works get
//! fragment identifiers under the entry's address (`#event-ID`,
//! `#place-ID`, `#ref-KEY`) so they can refer to one another.
//!
//! The text is meant for `<script type="application/ld+json">`: `<`, `>`
//! and `&` (and the line separators U+2028 and U+2029) are written as JSON
//! escapes, so no value can close the script element.

use serde_json::{json, Map, Value};

use super::meta::{Kind, Meta, Person};
use super::EntryRef;
use crate::model::{Event, Place, Work};
use crate::parse::edtf::{Date, Day, Edtf};

/// The JSON-LD description of an entry; `works` are the works it cites,
/// `places` the places it and its events name.
pub fn entry(r: &EntryRef, works: &[&Work], places: &[&Place]) -> String {
    let e = r.entry;
    let c = r.config;
    let mut o = Obj::new("ScholarlyArticle");
    o.str("@id", &r.url);
    o.str("url", &r.url);
    o.str("headline", &e.title.v);
    o.str("name", &e.title.v);
    o.list(
        "author",
        e.authors.iter().map(|a| {
            let mut p = agent(&a.name);
            if let Some(aff) = a.affiliation.as_deref().filter(|s| !s.trim().is_empty()) {
                p.insert("affiliation".into(), json!({"@type": "Organization", "name": aff.trim()}));
            }
            if let Some(id) = a.orcid.as_deref().filter(|s| !s.trim().is_empty()) {
                let id = id.trim();
                let iri = if id.starts_with("http") { id.to_string() } else { format!("https://orcid.org/{id}") };
                p.insert("sameAs".into(), json!(iri));
            }
            Value::Object(p)
        }),
    );
    let published = r.published();
    o.opt("datePublished", published.map(|d| d.iso()));
    o.opt("dateModified", e.modified.as_ref().and_then(super::meta::Date::from_field).or(published).map(|d| d.iso()));
    o.str("inLanguage", &e.language);
    let mut journal = Obj::new("Periodical");
    journal.str("name", &c.title);
    journal.opt("issn", c.issn.clone());
    journal.str("url", &c.base_url);
    o.obj("isPartOf", journal);
    let mut publisher = Obj::new("Organization");
    publisher.str("name", c.publisher.as_deref().unwrap_or(&c.title));
    o.obj("publisher", publisher);
    o.opt("abstract", e.summary.clone());
    o.list("keywords", e.tags.iter().filter(|t| !t.trim().is_empty()).map(|t| json!(t.trim())));
    o.opt("temporalCoverage", e.period.as_ref().map(|p| p.raw.clone()));
    o.opt("license", c.license.clone().filter(|l| l.starts_with("http://") || l.starts_with("https://")));
    o.list("citation", works.iter().map(|w| citation(&r.url, &Meta::of(w))));
    let about =
        e.events.iter().map(|ev| event(&r.url, ev, places)).chain(places.iter().map(|p| place(&r.url, p, places)));
    o.list("about", about);
    let mut root = o.0;
    root.insert("@context".into(), json!("https://schema.org"));
    script_safe(&serde_json::to_string_pretty(&Value::Object(root)).expect("JSON values serialize"))
}

/// JSON that can sit inside a `<script>` element.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// A schema.org node being written; empty values are left out.
struct Obj(Map<String, Value>);

impl Obj {
    fn new(ty: &str) -> Obj {
        let mut m = Map::new();
        m.insert("@type".into(), json!(ty));
        Obj(m)
    }

    fn str(&mut self, k: &str, v: &str) {
        let v = v.trim();
        if !v.is_empty() {
            self.0.insert(k.into(), json!(v));
        }
    }

    fn opt(&mut self, k: &str, v: Option<String>) {
        if let Some(v) = v {
            self.str(k, &v);
        }
    }

    fn obj(&mut self, k: &str, v: Obj) {
        self.0.insert(k.into(), Value::Object(v.0));
    }

    fn list(&mut self, k: &str, items: impl Iterator<Item = Value>) {
        let items: Vec<Value> = items.collect();
        if !items.is_empty() {
            self.0.insert(k.into(), Value::Array(items));
        }
    }
}

/// A person, or an organisation when the name says so.
fn agent(name: &str) -> Map<String, Value> {
    let ty = if Person::is_corporate(name) { "Organization" } else { "Person" };
    let mut o = Obj::new(ty);
    o.str("name", name);
    o.0
}

fn person(p: &Person) -> Value {
    let mut o = Obj::new(if p.literal && Person::is_corporate(&p.family) { "Organization" } else { "Person" });
    o.str("name", &p.display());
    if !p.literal {
        o.str("familyName", &p.full_family());
        o.opt("givenName", p.given.clone());
    }
    Value::Object(o.0)
}

/// A cited work as a schema.org creative work.
fn citation(base: &str, m: &Meta) -> Value {
    let k = m.kind();
    let ty = match k {
        Kind::Article | Kind::Conference => "ScholarlyArticle",
        Kind::Newspaper => "NewsArticle",
        Kind::EncyclopediaEntry => "Article",
        Kind::Chapter | Kind::InCollection => "Chapter",
        Kind::Book | Kind::Collection | Kind::Proceedings | Kind::Reference => "Book",
        Kind::Report => "Report",
        Kind::Thesis => "Thesis",
        Kind::Web => "WebPage",
        Kind::Manuscript => "Manuscript",
        Kind::Periodical => "Periodical",
        Kind::Dataset => "Dataset",
        Kind::Patent | Kind::Misc => "CreativeWork",
    };
    let mut o = Obj::new(ty);
    o.str("@id", &format!("{base}#ref-{}", m.key));
    o.opt("name", m.title.as_ref().map(|t| t.plain()));
    o.list("author", m.authors.iter().map(person));
    o.list("editor", m.editors.iter().map(person));
    o.opt("datePublished", m.date.map(|d| d.iso()));
    if let Some(container) = &m.container {
        let cty = match k {
            Kind::Article | Kind::Newspaper => "Periodical",
            Kind::Chapter | Kind::InCollection | Kind::EncyclopediaEntry | Kind::Conference => "Book",
            Kind::Web => "WebSite",
            _ => "CreativeWork",
        };
        let mut p = Obj::new(cty);
        p.str("name", &container.plain());
        if matches!(cty, "Periodical" | "WebSite") {
            p.opt("issn", m.issn.clone());
        }
        o.obj("isPartOf", p);
    } else if let Some(series) = &m.series {
        let mut p = Obj::new("CreativeWorkSeries");
        p.str("name", series);
        o.obj("isPartOf", p);
    }
    o.opt("volumeNumber", m.volume.clone().filter(|_| k.is_book()));
    o.opt("pagination", m.pages.as_ref().map(|p| p.text("-")));
    if let Some(p) = m.publisher_or_institution() {
        let mut org = Obj::new("Organization");
        org.str("name", p);
        org.opt("location", m.place.clone());
        o.obj("publisher", org);
    }
    o.opt("isbn", m.isbn.clone().filter(|_| ty == "Book"));
    o.opt("issn", m.issn.clone().filter(|_| m.container.is_none()));
    let mut ids = Vec::new();
    if let Some(doi) = &m.doi {
        ids.push(json!({"@type": "PropertyValue", "propertyID": "DOI", "value": doi}));
        o.str("sameAs", &format!("https://doi.org/{doi}"));
    }
    if let Some(isbn) = &m.isbn {
        ids.push(json!({"@type": "PropertyValue", "propertyID": "ISBN", "value": isbn}));
    }
    o.list("identifier", ids.into_iter());
    o.opt("url", m.url.clone());
    o.opt("inLanguage", m.language.clone());
    Value::Object(o.0)
}

/// Whether a date's bounds are one contiguous span of real days: no
/// unspecified digit before a specified one, and a year from 0 to 9999.
fn spans_days(d: &Date) -> bool {
    let s = d.to_string();
    let date_part = s.split('T').next().unwrap_or("").trim_start_matches('-');
    let contiguous = match date_part.find('X') {
        Some(i) => !date_part[i..].chars().any(|c| c.is_ascii_digit()),
        None => true,
    };
    let (lo, hi) = (d.earliest(), d.latest());
    contiguous && lo.year >= 0 && hi.year <= 9999
}

/// `startDate` and `endDate` of an EDTF date or interval, where meaningful.
fn bounds(e: &Edtf) -> (Option<Day>, Option<Day>) {
    match e {
        Edtf::Date(d) if spans_days(d) => (Some(d.earliest()), Some(d.latest())),
        Edtf::Date(_) => (None, None),
        Edtf::Interval(s, t) => (
            s.date().filter(|d| spans_days(d)).map(Date::earliest),
            t.date().filter(|d| spans_days(d)).map(Date::latest),
        ),
    }
}

fn place_id(base: &str, id: &str) -> String {
    format!("{base}#place-{id}")
}

fn event(base: &str, ev: &Event, places: &[&Place]) -> Value {
    let mut o = Obj::new("Event");
    o.str("@id", &format!("{base}#event-{}", ev.id.v));
    o.str("name", &ev.label);
    o.opt("description", ev.description.clone());
    if let Some(d) = &ev.date {
        o.str("temporalCoverage", &d.raw);
        if let Some(e) = &d.edtf {
            let (start, end) = bounds(e);
            o.opt("startDate", start.map(|d| d.to_string()));
            o.opt("endDate", end.map(|d| d.to_string()));
        }
    }
    o.list(
        "location",
        ev.places
            .iter()
            .filter_map(|id| places.iter().find(|p| p.id.v == id.v))
            .map(|p| json!({"@type": "Place", "@id": place_id(base, &p.id.v), "name": p.display_name()})),
    );
    Value::Object(o.0)
}

fn place(base: &str, p: &Place, places: &[&Place]) -> Value {
    let mut o = Obj::new("Place");
    o.str("@id", &place_id(base, &p.id.v));
    let name = p.display_name();
    o.str("name", name);
    let mut seen = vec![name];
    let mut alternate = Vec::new();
    for n in &p.names {
        if seen.contains(&n.name.as_str()) || n.name.trim().is_empty() {
            continue;
        }
        seen.push(&n.name);
        let lang = match (&n.lang, &n.script) {
            (Some(l), Some(s)) => Some(format!("{l}-{s}")),
            (Some(l), None) => Some(l.clone()),
            _ => None,
        };
        alternate.push(match lang {
            Some(l) => json!({"@value": n.name, "@language": l}),
            None => json!(n.name),
        });
    }
    o.list("alternateName", alternate.into_iter());
    if let Some(c) = &p.coordinates {
        o.0.insert("geo".into(), json!({"@type": "GeoCoordinates", "latitude": c.v.lat, "longitude": c.v.lon}));
    }
    if let Some(parent) = p.part_of.as_ref().and_then(|id| places.iter().find(|q| q.id.v == id.v)) {
        o.0.insert(
            "containedInPlace".into(),
            json!({"@type": "Place", "@id": place_id(base, &parent.id.v), "name": parent.display_name()}),
        );
    }
    Value::Object(o.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{entry_places, entry_ref, entry_works, parse_entry, places as gazetteer, sample};

    fn about<'a>(v: &'a Value, id: &str) -> &'a Value {
        v["about"].as_array().unwrap().iter().find(|x| x["@id"].as_str().unwrap().ends_with(id)).unwrap()
    }

    #[test]
    fn the_case_study() {
        let a = sample();
        let r = entry_ref(&a, "chechens-ingush-1944");
        let works = entry_works(&a, "chechens-ingush-1944");
        let places = entry_places(&a, "chechens-ingush-1944");
        let out = entry(&r, &works, &places);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["@context"], "https://schema.org");
        assert_eq!(v["@type"], "ScholarlyArticle");
        assert_eq!(v["datePublished"], "2026-11-29");
        assert_eq!(v["isPartOf"]["name"], "attest sample encyclopedia");
        assert_eq!(v["author"][0]["@type"], "Organization", "\"attest sample editors\" is a body");
        assert_eq!(v["citation"].as_array().unwrap().len(), works.len());
        let round_up = about(&v, "#event-round-up");
        assert_eq!((&round_up["startDate"], &round_up["endDate"]), (&json!("1944-02-23"), &json!("1944-03-01")));
        assert_eq!(round_up["temporalCoverage"], "1944-02-23/1944-03-01");
        assert_eq!(round_up["location"][0]["name"], "Chechen-Ingush ASSR");
        let decade = about(&v, "#event-uprisings");
        assert_eq!((&decade["startDate"], &decade["endDate"]), (&json!("1930-01-01"), &json!("1939-12-31")));
        let grozny = about(&v, "#place-grozny");
        assert_eq!(grozny["geo"], json!({"@type": "GeoCoordinates", "latitude": 43.31, "longitude": 45.70}));
        assert!(grozny["alternateName"]
            .as_array()
            .unwrap()
            .contains(&json!({"@value": "Грозный", "@language": "ru-Cyrl"})));
        assert_eq!(grozny["containedInPlace"]["name"], "Chechen-Ingush ASSR");
        let campana = v["citation"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["@id"].as_str().unwrap().ends_with("#ref-campana2007"))
            .unwrap();
        assert_eq!(campana["@type"], "WebPage");
        assert_eq!(campana["isPartOf"]["issn"], "1961-9898");
        assert_eq!(
            campana["author"][0],
            json!({"@type": "Person", "name": "Aurélie Campana", "familyName": "Campana", "givenName": "Aurélie"})
        );
        assert_eq!(out, entry(&r, &works, &places), "deterministic");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn data_cannot_close_the_script_element() {
        let e = parse_entry(
            "x",
            "---\ntitle: \"</script><script>alert(1)</script> & <!-- more\"\nkind: essay\nstatus: published\nauthors:\n  - name: Ann Smith\n    affiliation: \"R&D <Lab>\"\n    orcid: 0000-0002-1825-0097\npublished: 2024-01-02\nsummary: \"a\u{2028}b\"\ntags: [\"</SCRIPT>\"]\nevents:\n  - id: e\n    date: 194X-02\n    label: \"</script>\"\n    attribution: Someone\n---\nText.\n",
        );
        let a = sample();
        let r = EntryRef { entry: &e, config: &a.corpus.config, url: "https://example.org/x?a=1&b=</script>".into() };
        let g = gazetteer("- id: p\n  kind: site\n  names:\n    - { name: \"</script>\", lang: en }\n  coordinates: { lat: 1, lon: 2 }\n  precision: exact\n");
        let places: Vec<&Place> = g.iter().collect();
        let out = entry(&r, &[], &places);
        for bad in ['<', '>', '&', '\u{2028}'] {
            assert!(!out.contains(bad), "{bad:?} in {out}");
        }
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["headline"], "</script><script>alert(1)</script> & <!-- more");
        assert_eq!(v["author"][0]["affiliation"]["name"], "R&D <Lab>");
        assert_eq!(v["author"][0]["sameAs"], "https://orcid.org/0000-0002-1825-0097");
        assert_eq!(v["abstract"], "a\u{2028}b");
        let ev = about(&v, "#event-e");
        assert_eq!(ev["temporalCoverage"], "194X-02");
        assert!(ev.get("startDate").is_none(), "February of some year of the 1940s is not one span");
    }
}
