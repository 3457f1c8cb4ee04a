//! RIS export, written the way Zotero's RIS translator reads it back.
//!
//! Tags are Zotero's for each type: `T2` holds the journal, book, site or
//! encyclopedia a work appears in (and a book's series), `T3` the series of
//! a part, `A2` the editors of a part and `A3` the editors of a book, `SN`
//! the ISSN of an article or the ISBN of anything else, `PB` the publisher
//! (the university of a thesis, the institution of a report). A journal's
//! name is repeated in `JO`, where other programs look for it (Zotero files
//! it as the journal abbreviation). Lines end with CR LF, as the format
//! specifies; values are kept on one line.

use super::meta::{year4, Date, Kind, Meta, Person};
use super::EntryRef;
use crate::model::Work;

/// The works as an RIS file, one record each.
pub fn works(works: &[&Work]) -> String {
    works.iter().map(|w| record(&Meta::of(w))).collect::<Vec<_>>().join("\r\n")
}

/// The entry as an encyclopedia article (`ENCYC`): its authors, date of
/// first publication, title, the encyclopedia (`T2`) and its publisher, the
/// address, language and summary. The ISSN is left out: Zotero would file it
/// as an ISBN.
pub fn entry(r: &EntryRef) -> String {
    let mut o = Record::new("ENCYC");
    for p in r.people() {
        o.tag("AU", &name(&p));
    }
    o.date(r.published().as_ref());
    o.tag("TI", &r.entry.title.v);
    o.tag("T2", &r.config.title);
    o.opt("PB", r.config.publisher.as_deref());
    o.tag("UR", &r.url);
    o.tag("LA", &r.entry.language);
    o.opt("AB", r.entry.summary.as_deref());
    o.end()
}

/// The RIS type of a kind of work.
fn ris_type(k: Kind) -> &'static str {
    match k {
        Kind::Article => "JOUR",
        Kind::Newspaper => "NEWS",
        Kind::Conference => "CONF",
        Kind::Chapter | Kind::InCollection => "CHAP",
        Kind::EncyclopediaEntry => "ENCYC",
        Kind::Book | Kind::Collection | Kind::Proceedings | Kind::Reference => "BOOK",
        Kind::Report => "RPRT",
        Kind::Thesis => "THES",
        Kind::Web => "ELEC",
        Kind::Manuscript => "MANSCPT",
        Kind::Periodical => "JFULL",
        Kind::Patent => "PAT",
        Kind::Dataset => "DATA",
        Kind::Misc => "GEN",
    }
}

/// `Family, Given[, Suffix]`, or a corporate name as written.
fn name(p: &Person) -> String {
    if p.literal {
        return p.family.clone();
    }
    let mut s = p.full_family();
    if let Some(g) = &p.given {
        s.push_str(", ");
        s.push_str(g);
    }
    if let Some(x) = &p.suffix {
        s.push_str(", ");
        s.push_str(x);
    }
    s
}

/// RIS's `YYYY/MM/DD/` form; `None` for a year alone (that is `PY`'s).
fn ris_date(d: &Date) -> Option<String> {
    let m = d.month?;
    let day = d.day.map(|x| format!("{x:02}")).unwrap_or_default();
    Some(format!("{}/{m:02}/{day}/", year4(d.year)))
}

/// One record being written.
struct Record(String);

impl Record {
    fn new(ty: &str) -> Record {
        Record(format!("TY  - {ty}\r\n"))
    }

    /// A tag, its value on one line; nothing for an empty value.
    fn tag(&mut self, tag: &str, value: &str) {
        let v: String = value
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect::<String>()
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !v.is_empty() {
            self.0.push_str(&format!("{tag}  - {v}\r\n"));
        }
    }

    fn opt(&mut self, tag: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.tag(tag, v);
        }
    }

    fn date(&mut self, d: Option<&Date>) {
        if let Some(d) = d {
            self.tag("PY", &year4(d.year));
            self.opt("DA", ris_date(d).as_deref());
        }
    }

    fn end(mut self) -> String {
        self.0.push_str("ER  - \r\n");
        self.0
    }
}

fn record(m: &Meta) -> String {
    let k = m.kind();
    let mut o = Record::new(ris_type(k));
    for p in &m.authors {
        o.tag("AU", &name(p));
    }
    let editor_tag = if k.is_book() { "A3" } else { "A2" };
    for p in &m.editors {
        o.tag(editor_tag, &name(p));
    }
    o.date(m.date.as_ref());
    o.opt("TI", m.title.as_ref().map(|t| t.plain()).as_deref());
    let container = m.container.as_ref().map(|c| c.plain());
    // A book's series goes in T2, where a part's container goes.
    let book_like = k.is_book() || k == Kind::Report;
    if book_like && container.is_none() {
        o.opt("T2", m.series.as_deref());
    } else {
        o.opt("T2", container.as_deref());
        if k == Kind::Article {
            o.opt("JO", container.as_deref());
        }
        o.opt("T3", m.series.as_deref());
    }
    o.opt("VL", m.volume.as_deref());
    o.opt("IS", m.issue.as_deref());
    // For a book or a thesis SP is the number of pages.
    if !book_like && k != Kind::Thesis {
        if let Some(p) = &m.pages {
            o.tag("SP", &p.first);
            o.opt("EP", p.last.as_deref());
        }
    }
    o.opt("ET", m.edition.as_deref());
    o.opt("PB", m.publisher_or_institution());
    o.opt("CY", m.place.as_deref());
    if matches!(k, Kind::Thesis | Kind::Report | Kind::Manuscript | Kind::Web) {
        o.opt("M3", m.genre.as_deref());
    }
    let sn = match k {
        Kind::Article | Kind::Newspaper | Kind::Periodical => m.issn.as_deref(),
        Kind::Report | Kind::Patent => m.number.as_deref(),
        _ => m.isbn.as_deref(),
    };
    o.opt("SN", sn);
    o.opt("DO", m.doi.as_deref());
    o.opt("UR", m.url.as_deref());
    o.opt("Y2", m.urldate.as_ref().map(|d| ris_date(d).unwrap_or_else(|| year4(d.year))).as_deref());
    o.opt("LA", m.language.as_deref());
    o.opt("AB", m.abstract_.as_deref());
    o.opt("N1", m.note.as_deref());
    o.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{bib, csl, entry_ref, entry_works, sample};

    /// The records of an RIS text, as (tag, value) lists; checks the line
    /// syntax on the way.
    fn parse(text: &str) -> Vec<Vec<(String, String)>> {
        assert!(!text.contains('\n') || text.split('\n').all(|l| l.is_empty() || l.ends_with('\r')), "CR LF");
        let mut out = Vec::new();
        let mut cur: Option<Vec<(String, String)>> = None;
        for line in text.split("\r\n").filter(|l| !l.is_empty()) {
            let (tag, value) = (&line[..2], &line[2..]);
            assert!(tag.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{line:?}");
            let value = value.strip_prefix("  - ").unwrap_or_else(|| panic!("{line:?}"));
            match tag {
                "TY" => {
                    assert!(cur.is_none(), "TY inside a record");
                    cur = Some(vec![(tag.to_string(), value.to_string())]);
                }
                "ER" => out.push(cur.take().expect("ER outside a record")),
                _ => cur.as_mut().expect("tag outside a record").push((tag.to_string(), value.to_string())),
            }
        }
        assert!(cur.is_none(), "unterminated record");
        out
    }

    fn get<'a>(r: &'a [(String, String)], tag: &str) -> Vec<&'a str> {
        r.iter().filter(|(t, _)| t == tag).map(|(_, v)| v.as_str()).collect()
    }

    #[test]
    fn the_sample_bibliography_maps_types_and_fields() {
        let a = sample();
        let refs: Vec<&Work> = a.corpus.works.iter().collect();
        let out = works(&refs);
        let recs = parse(&out);
        assert_eq!(recs.len(), refs.len());
        let rec = |key: &str| &recs[refs.iter().position(|w| w.key.v == key).unwrap()];
        let art = rec("brauer2002");
        assert_eq!(get(art, "TY"), ["JOUR"]);
        assert_eq!(get(art, "AU"), ["Brauer, Birgit"]);
        assert_eq!(get(art, "T2"), ["Journal of Genocide Research"]);
        assert_eq!(get(art, "JO"), ["Journal of Genocide Research"]);
        assert_eq!((get(art, "VL"), get(art, "IS")), (vec!["4"], vec!["3"]));
        assert_eq!((get(art, "SP"), get(art, "EP")), (vec!["387"], vec!["400"]));
        assert_eq!(get(art, "PY"), ["2002"]);
        assert!(get(art, "DA").is_empty(), "a year alone is PY's");
        let ch = rec("bitsoev1993");
        assert_eq!(get(ch, "TY"), ["CHAP"]);
        assert_eq!(get(ch, "A2"), ["Alieva, S. U."]);
        assert_eq!(get(ch, "T2"), ["Tak eto bylo: Natsional'nye repressii v SSSR 1919–1952 gody"]);
        assert_eq!((get(ch, "PB"), get(ch, "CY")), (vec!["Rossiiskii mezhdunarodnyi fond kul'tury"], vec!["Moscow"]));
        let web = rec("campana2007");
        assert_eq!(get(web, "TY"), ["ELEC"]);
        assert_eq!(get(web, "DA"), ["2007/11/05/"]);
        assert_eq!(get(web, "T2"), ["Online Encyclopedia of Mass Violence"]);
        assert_eq!(get(web, "AU"), ["Campana, Aurélie"]);
        let thesis = rec("campana2003");
        assert_eq!(get(thesis, "TY"), ["THES"]);
        assert_eq!(get(thesis, "PB"), ["Institut d'études politiques de Strasbourg"]);
        assert_eq!(get(thesis, "M3"), ["PhD dissertation"]);
        let book = rec("isusrr1958");
        assert_eq!(get(book, "TY"), ["BOOK"]);
        assert_eq!(get(book, "AU"), ["Institute for the Study of the USSR"]);
        let quoted = rec("bugai1992");
        assert_eq!(
            get(quoted, "TI"),
            ["Iosif Stalin – Lavrentiyu Berii: \u{201c}Ikh nado deportirovat'\u{201d}: Dokumenty, fakty, kommentarii"]
        );
        assert_eq!(out, works(&refs), "deterministic");
    }

    #[test]
    fn values_stay_on_one_line() {
        let ws = bib("@article{x, author = {Doe, Jane}, title = {A title\n   on two lines}, journaltitle = {J},\n note = {First.\n\nSecond.}, date = {2001-02}}\n");
        let refs: Vec<&Work> = ws.iter().collect();
        let recs = parse(&works(&refs));
        assert_eq!(get(&recs[0], "TI"), ["A title on two lines"]);
        assert_eq!(get(&recs[0], "N1"), ["First. Second."]);
        assert_eq!(get(&recs[0], "DA"), ["2001/02//"]);
    }

    #[test]
    fn a_work_without_a_full_record_keeps_what_the_model_knows() {
        let ws = csl(
            r#"[{"id": "pohl1999", "type": "book", "author": [{"family": "Pohl", "given": "J. Otto"}], "issued": {"date-parts": [[1999]]}, "title": "Ethnic Cleansing in the USSR"}]"#,
        );
        let refs: Vec<&Work> = ws.iter().collect();
        let recs = parse(&works(&refs));
        assert_eq!(get(&recs[0], "TY"), ["BOOK"]);
        assert_eq!(get(&recs[0], "AU"), ["Pohl, J. Otto"]);
        assert_eq!(get(&recs[0], "PY"), ["1999"]);
        assert_eq!(get(&recs[0], "TI"), ["Ethnic Cleansing in the USSR"]);
    }

    #[test]
    fn the_entry_as_an_encyclopedia_article() {
        let a = sample();
        let out = entry(&entry_ref(&a, "chechens-ingush-1944"));
        let recs = parse(&out);
        let r = &recs[0];
        assert_eq!(get(r, "TY"), ["ENCYC"]);
        assert_eq!(get(r, "AU"), ["attest sample editors"]);
        assert_eq!((get(r, "PY"), get(r, "DA")), (vec!["2026"], vec!["2026/11/29/"]));
        assert_eq!(get(r, "T2"), ["attest sample encyclopedia"]);
        assert_eq!(get(r, "UR"), ["https://example.org/attest-sample/entries/chechens-ingush-1944/"]);
        assert!(get(r, "AB")[0].starts_with("In February 1944 the NKVD"));
    }

    #[test]
    fn snapshot_of_the_case_study_bibliography() {
        let a = sample();
        let refs = entry_works(&a, "chechens-ingush-1944");
        let text = format!("{}\r\n{}", entry(&entry_ref(&a, "chechens-ingush-1944")), works(&refs));
        insta::assert_snapshot!(text.replace("\r\n", "\n"));
    }
}
