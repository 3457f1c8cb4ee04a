//! CSL-JSON export: the format of citeproc processors, Pandoc and Zotero's
//! "CSL JSON" import.
//!
//! Output is a pretty-printed JSON array of items, keys sorted within each
//! item. The citation key is the item's `id` (and `citation-key`); numbers
//! such as volumes and issues are strings, as written.

use serde_json::{json, Map, Value};

use super::meta::{Date, Kind, Meta, Person};
use super::EntryRef;
use crate::model::Work;

/// The works as a CSL-JSON array.
pub fn works(works: &[&Work]) -> String {
    array(works.iter().map(|w| item(&Meta::of(w))).collect())
}

/// The entry as an `entry-encyclopedia` item, in an array of its own: its
/// authors and title, the encyclopedia as `container-title` with its
/// publisher and ISSN, the date of first publication, the address, the
/// language and the summary as abstract.
pub fn entry(r: &EntryRef) -> String {
    let mut o = Item::default();
    o.str("id", &r.entry.slug);
    o.str("citation-key", &r.entry.slug);
    o.str("type", "entry-encyclopedia");
    o.str("title", &r.entry.title.v);
    o.names("author", &r.people());
    o.str("container-title", &r.config.title);
    o.opt("publisher", r.config.publisher.as_deref());
    o.date("issued", r.published().as_ref());
    o.opt("ISSN", r.config.issn.as_deref());
    o.str("URL", &r.url);
    o.str("language", &r.entry.language);
    o.opt("abstract", r.entry.summary.as_deref());
    array(vec![o.0])
}

fn array(items: Vec<Map<String, Value>>) -> String {
    let mut s = serde_json::to_string_pretty(&Value::Array(items.into_iter().map(Value::Object).collect()))
        .expect("JSON values serialize");
    s.push('\n');
    s
}

/// The CSL type of a kind of work.
fn csl_type(k: Kind) -> &'static str {
    match k {
        Kind::Article => "article-journal",
        Kind::Newspaper => "article-newspaper",
        Kind::Conference => "paper-conference",
        Kind::Chapter | Kind::InCollection => "chapter",
        Kind::EncyclopediaEntry => "entry-encyclopedia",
        Kind::Book | Kind::Collection | Kind::Proceedings | Kind::Reference => "book",
        Kind::Report => "report",
        Kind::Thesis => "thesis",
        Kind::Web => "webpage",
        Kind::Manuscript => "manuscript",
        Kind::Periodical => "periodical",
        Kind::Patent => "patent",
        Kind::Dataset => "dataset",
        Kind::Misc => "document",
    }
}

fn name(p: &Person) -> Value {
    if p.literal {
        return json!({ "literal": p.family });
    }
    let mut m = Map::new();
    m.insert("family".into(), json!(p.family));
    if let Some(g) = &p.given {
        m.insert("given".into(), json!(g));
    }
    if let Some(x) = &p.prefix {
        m.insert("non-dropping-particle".into(), json!(x));
    }
    if let Some(x) = &p.suffix {
        m.insert("suffix".into(), json!(x));
    }
    Value::Object(m)
}

fn date(d: &Date) -> Value {
    let mut parts = vec![json!(d.year)];
    if let Some(m) = d.month {
        parts.push(json!(m));
        if let Some(day) = d.day {
            parts.push(json!(day));
        }
    }
    let mut o = Map::new();
    o.insert("date-parts".into(), json!([parts]));
    if d.approximate {
        o.insert("circa".into(), json!(true));
    }
    Value::Object(o)
}

/// An item being written; empty values are left out.
#[derive(Default)]
struct Item(Map<String, Value>);

impl Item {
    fn str(&mut self, k: &str, v: &str) {
        let v = v.trim();
        if !v.is_empty() {
            self.0.insert(k.into(), json!(v));
        }
    }

    fn opt(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    fn names(&mut self, k: &str, people: &[Person]) {
        if !people.is_empty() {
            self.0.insert(k.into(), Value::Array(people.iter().map(name).collect()));
        }
    }

    fn date(&mut self, k: &str, d: Option<&Date>) {
        if let Some(d) = d {
            self.0.insert(k.into(), date(d));
        }
    }
}

fn item(m: &Meta) -> Map<String, Value> {
    let k = m.kind();
    let mut o = Item::default();
    o.str("id", &m.key);
    o.str("citation-key", &m.key);
    o.str("type", csl_type(k));
    o.opt("title", m.title.as_ref().map(|t| t.plain()).as_deref());
    o.names("author", &m.authors);
    o.names("editor", &m.editors);
    o.date("issued", m.date.as_ref());
    o.opt("container-title", m.container.as_ref().map(|c| c.plain()).as_deref());
    o.opt("collection-title", m.series.as_deref());
    o.opt("volume", m.volume.as_deref());
    o.opt("issue", m.issue.as_deref());
    o.opt("number", m.number.as_deref());
    o.opt("edition", m.edition.as_deref());
    o.opt("page", m.pages.as_ref().map(|p| p.text("-")).as_deref());
    o.opt("publisher", m.publisher_or_institution());
    o.opt("publisher-place", m.place.as_deref());
    o.opt("genre", m.genre.as_deref());
    o.opt("DOI", m.doi.as_deref());
    o.opt("ISBN", m.isbn.as_deref());
    o.opt("ISSN", m.issn.as_deref());
    o.opt("URL", m.url.as_deref());
    o.date("accessed", m.urldate.as_ref());
    o.opt("language", m.language.as_deref());
    o.opt("abstract", m.abstract_.as_deref());
    o.opt("note", m.note.as_deref());
    o.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{bib, entry_ref, sample};

    fn parse(s: &str) -> Vec<Value> {
        match serde_json::from_str(s).unwrap() {
            Value::Array(a) => a,
            v => panic!("not an array: {v}"),
        }
    }

    #[test]
    fn the_sample_bibliography_as_csl_items() {
        let a = sample();
        let refs: Vec<&Work> = a.corpus.works.iter().collect();
        let out = works(&refs);
        let items = parse(&out);
        assert_eq!(items.len(), refs.len());
        let it = |key: &str| items.iter().find(|i| i["id"] == key).unwrap();
        let art = it("pohl2000");
        assert_eq!(art["type"], "article-journal");
        assert_eq!(art["author"], json!([{"family": "Pohl", "given": "J. Otto"}]));
        assert_eq!(art["issued"], json!({"date-parts": [[2000]]}));
        assert_eq!(art["container-title"], "Journal of Genocide Research");
        assert_eq!((&art["volume"], &art["issue"], &art["page"]), (&json!("2"), &json!("2"), &json!("267-293")));
        assert_eq!(art["title"], "Stalin's genocide against the \u{201c}Repressed Peoples\u{201d}");
        let web = it("campana2007");
        assert_eq!(web["type"], "webpage");
        assert_eq!(web["issued"], json!({"date-parts": [[2007, 11, 5]]}));
        assert_eq!(web["ISSN"], "1961-9898");
        assert_eq!(web["container-title"], "Online Encyclopedia of Mass Violence");
        let corp = it("isusrr1958");
        assert_eq!(corp["author"], json!([{"literal": "Institute for the Study of the USSR"}]));
        assert_eq!(corp["publisher-place"], "New York");
        let ch = it("khozhiev1993");
        assert_eq!(ch["type"], "chapter");
        assert_eq!(ch["editor"], json!([{"family": "Alieva", "given": "S. U."}]));
        assert_eq!(it("campana2003")["publisher"], "Institut d'études politiques de Strasbourg");
        assert_eq!(out, works(&refs), "deterministic");
    }

    #[test]
    fn particles_suffixes_and_approximate_dates() {
        let ws = bib("@book{b, author = {van Beethoven, Jr, Ludwig}, title = {T}, date = {1801~}, urldate = {2020-01-02}, url = {https://example.org/}}\n");
        let refs: Vec<&Work> = ws.iter().collect();
        let items = parse(&works(&refs));
        assert_eq!(
            items[0]["author"],
            json!([{"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van", "suffix": "Jr"}])
        );
        assert_eq!(items[0]["issued"], json!({"date-parts": [[1801]], "circa": true}));
        assert_eq!(items[0]["accessed"], json!({"date-parts": [[2020, 1, 2]]}));
    }

    #[test]
    fn the_entry_as_an_encyclopedia_item() {
        let mut a = sample();
        a.corpus.config.issn = Some("1961-9898".into());
        a.corpus.config.publisher = Some("Example Press".into());
        let items = parse(&entry(&entry_ref(&a, "chechens-ingush-1944")));
        assert_eq!(items.len(), 1);
        let i = &items[0];
        assert_eq!(i["type"], "entry-encyclopedia");
        assert_eq!(i["id"], "chechens-ingush-1944");
        assert_eq!(i["container-title"], "attest sample encyclopedia");
        assert_eq!(i["publisher"], "Example Press");
        assert_eq!(i["ISSN"], "1961-9898");
        assert_eq!(i["issued"], json!({"date-parts": [[2026, 11, 29]]}));
        assert_eq!(i["URL"], "https://example.org/attest-sample/entries/chechens-ingush-1944/");
        assert_eq!(i["author"], json!([{"literal": "attest sample editors"}]));
        let keys: Vec<&String> = i.as_object().unwrap().keys().collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted keys");
    }
}
