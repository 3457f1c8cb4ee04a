//! The encyclopedia's data as CSV tables (RFC 4180) for spreadsheets and
//! statistics: one row per estimate of a figure, one row per event.
//!
//! Every table starts with a header row; lines end with CR LF; a field
//! holding a comma, a double quote or a line break is quoted, its quotes
//! doubled. Values are as written in the entries: dates in EDTF, sources as
//! Pandoc citations, numbers without thousands separators, booleans as
//! `true`/`false`, several values in one field separated by `; `.

use crate::model::{Citation, DateField, Entry, Unit};

/// Columns of [`figures_csv`].
pub const FIGURE_COLUMNS: &[&str] = &[
    "entry",
    "figure",
    "what",
    "who",
    "where",
    "places",
    "measure_period",
    "unit",
    "estimate",
    "value",
    "low",
    "high",
    "approximate",
    "period",
    "source",
    "attribution",
    "basis",
    "reliability",
    "rank",
    "verified",
];

/// Columns of [`events_csv`].
pub const EVENT_COLUMNS: &[&str] =
    &["entry", "event", "date", "earliest", "latest", "label", "places", "sources", "attribution", "verified"];

/// One row per estimate of every figure of the entries.
pub fn figures_csv(entries: &[&Entry]) -> String {
    let mut t = Table::new(FIGURE_COLUMNS);
    for e in entries {
        for f in &e.figures {
            let m = &f.measure;
            let unit = match &f.unit {
                Unit::Percent => "percent",
                Unit::Share => "share",
                Unit::Count(noun) => noun.as_str(),
            };
            for x in &f.estimates {
                t.row(vec![
                    e.slug.clone(),
                    f.id.v.clone(),
                    m.what.clone(),
                    m.who.clone().unwrap_or_default(),
                    m.where_.clone().unwrap_or_default(),
                    list(m.places.iter().map(|p| p.v.clone())),
                    date(m.period.as_ref()),
                    unit.to_string(),
                    x.id.v.clone(),
                    number(x.value.as_ref().map(|v| v.v)),
                    number(x.low.as_ref().map(|v| v.v)),
                    number(x.high.as_ref().map(|v| v.v)),
                    x.approximate.to_string(),
                    date(x.period.as_ref()),
                    x.source.as_ref().map(|s| cite(&s.v)).unwrap_or_default(),
                    x.attribution.clone().unwrap_or_default(),
                    x.basis.map(|b| b.as_str().to_string()).unwrap_or_default(),
                    x.reliability.map(|r| r.as_str().to_string()).unwrap_or_default(),
                    x.rank.as_str().to_string(),
                    x.verified.to_string(),
                ]);
            }
        }
    }
    t.0
}

/// One row per event of the entries, with the first and last possible day
/// of its EDTF date (empty for an open or unknown end).
pub fn events_csv(entries: &[&Entry]) -> String {
    let mut t = Table::new(EVENT_COLUMNS);
    for e in entries {
        for ev in &e.events {
            let edtf = ev.date.as_ref().and_then(|d| d.edtf.as_ref());
            t.row(vec![
                e.slug.clone(),
                ev.id.v.clone(),
                date(ev.date.as_ref()),
                edtf.and_then(|d| d.earliest()).map(|d| d.to_string()).unwrap_or_default(),
                edtf.and_then(|d| d.latest()).map(|d| d.to_string()).unwrap_or_default(),
                ev.label.clone(),
                list(ev.places.iter().map(|p| p.v.clone())),
                list(ev.sources.iter().map(|s| cite(&s.v))),
                ev.attribution.clone().unwrap_or_default(),
                ev.verified.to_string(),
            ]);
        }
    }
    t.0
}

fn date(d: Option<&DateField>) -> String {
    d.map(|d| d.raw.clone()).unwrap_or_default()
}

fn cite(c: &Citation) -> String {
    c.to_pandoc()
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("; ")
}

/// A number as written: `120000`, `14.6`.
fn number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        Some(v) => format!("{v}"),
        None => String::new(),
    }
}

/// A CSV text being written.
struct Table(String);

impl Table {
    fn new(columns: &[&str]) -> Table {
        let mut t = Table(String::new());
        t.row(columns.iter().map(|c| c.to_string()).collect());
        t
    }

    fn row(&mut self, fields: Vec<String>) {
        let fields: Vec<String> = fields.iter().map(|f| field(f)).collect();
        self.0.push_str(&fields.join(","));
        self.0.push_str("\r\n");
    }
}

/// A field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{parse_entry, sample};

    /// Reads RFC 4180 CSV: records end with CR LF outside quotes.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut f = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        let mut at_start = true;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (false, '"') if at_start => {
                    quoted = true;
                    at_start = false;
                }
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    f.push('"');
                }
                (true, '"') => {
                    quoted = false;
                    assert!(matches!(chars.peek(), Some(',') | Some('\r') | None), "text after a closing quote");
                }
                (false, ',') => {
                    row.push(std::mem::take(&mut f));
                    at_start = true;
                }
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "CR without LF");
                    row.push(std::mem::take(&mut f));
                    rows.push(std::mem::take(&mut row));
                    at_start = true;
                }
                (false, '\n') | (false, '"') => panic!("bare {c:?} in an unquoted field"),
                (_, c) => {
                    f.push(c);
                    at_start = false;
                }
            }
        }
        assert!(!quoted && f.is_empty() && row.is_empty(), "the text ends with CR LF");
        rows
    }

    fn column<'a>(rows: &'a [Vec<String>], row: &'a [String], name: &str) -> &'a str {
        &row[rows[0].iter().position(|c| c == name).unwrap()]
    }

    #[test]
    fn the_sample_figures_one_row_per_estimate() {
        let a = sample();
        let entries: Vec<&Entry> = a.corpus.entries.iter().collect();
        let out = figures_csv(&entries);
        let rows = parse(&out);
        assert_eq!(rows[0], FIGURE_COLUMNS);
        let n: usize = entries.iter().flat_map(|e| &e.figures).map(|f| f.estimates.len()).sum();
        assert_eq!(rows.len(), n + 1);
        assert!(rows.iter().all(|r| r.len() == FIGURE_COLUMNS.len()));
        let row = rows.iter().find(|r| r[1] == "deported-chechens").unwrap();
        assert_eq!(column(&rows, row, "entry"), "chechens-ingush-1944");
        assert_eq!(column(&rows, row, "low"), "350000");
        assert_eq!(column(&rows, row, "high"), "400000");
        assert_eq!(column(&rows, row, "measure_period"), "1944-02-23/1944-03-01");
        assert_eq!(column(&rows, row, "unit"), "people");
        assert_eq!(column(&rows, row, "source"), "[@campana2007]");
        assert_eq!(column(&rows, row, "rank"), "preferred");
        let convoys = rows.iter().find(|r| r[1] == "convoys-under-way").unwrap();
        assert_eq!(column(&rows, convoys, "source"), "[@bugai1992, p. 105]", "quoted for its comma");
        assert!(out.contains("\"[@bugai1992, p. 105]\""));
        assert_eq!(out, figures_csv(&entries), "deterministic");
    }

    #[test]
    fn the_sample_events_with_their_bounds() {
        let a = sample();
        let entries: Vec<&Entry> = a.corpus.entries.iter().collect();
        let rows = parse(&events_csv(&entries));
        assert_eq!(rows[0], EVENT_COLUMNS);
        let n: usize = entries.iter().map(|e| e.events.len()).sum();
        assert_eq!(rows.len(), n + 1);
        let r = rows.iter().find(|r| r[0] == "chechens-ingush-1944" && r[1] == "round-up").unwrap();
        assert_eq!(&r[2..5], ["1944-02-23/1944-03-01", "1944-02-23", "1944-03-01"]);
        assert_eq!(column(&rows, r, "places"), "chechen-ingush-assr");
        let decade = rows.iter().find(|r| r[1] == "uprisings").unwrap();
        assert_eq!(&decade[2..5], ["193X", "1930-01-01", "1939-12-31"]);
    }

    #[test]
    fn quotes_commas_and_line_breaks_survive() {
        let e = parse_entry(
            "q",
            "---\ntitle: Q\nkind: essay\nstatus: draft\nauthors: [Ann]\nfigures:\n  - id: f\n    measure:\n      what: \"the \\\"so-called\\\" dead, all\"\n      who: \"line one\\nline two\\r\\nthree\"\n    unit: people\n    estimates:\n      - id: a\n        value: 14.6\n        attribution: \"NKVD, \\\"as reported\\\"\"\n        basis: official-document\n      - id: b\n        low: 0.5\n        approximate: true\n        attribution: X\n        basis: impression\n        verified: false\nevents:\n  - id: e\n    date: 1944/..\n    label: \"a \\\"b\\\", c\"\n    places: [p1, p2]\n    sources: [\"@x, p. 1\", \"@y\"]\n---\nText.\n",
        );
        let rows = parse(&figures_csv(&[&e]));
        assert_eq!(rows.len(), 3);
        assert_eq!(column(&rows, &rows[1], "what"), "the \"so-called\" dead, all");
        assert_eq!(column(&rows, &rows[1], "who"), "line one\nline two\r\nthree");
        assert_eq!(column(&rows, &rows[1], "attribution"), "NKVD, \"as reported\"");
        assert_eq!(column(&rows, &rows[1], "value"), "14.6");
        assert_eq!(column(&rows, &rows[2], "low"), "0.5");
        assert_eq!(column(&rows, &rows[2], "approximate"), "true");
        assert_eq!(column(&rows, &rows[2], "verified"), "false");
        let rows = parse(&events_csv(&[&e]));
        assert_eq!(&rows[1][2..8], ["1944/..", "1944-01-01", "", "a \"b\", c", "p1; p2", "[@x, p. 1]; [@y]"]);
    }
}
