//! Reading an entry file: splitting the front matter from the body, and
//! turning the front matter's YAML into the model's [`Entry`] fields.
//!
//! Every problem is reported and reading goes on: a mistyped figure does not
//! hide an unknown event field further down. An entry is always returned, even
//! with a broken front matter, so that links to it still resolve and its body
//! is still checked.

use std::ops::Range;

use crate::diag::{codes, Diagnostic};
use crate::model::*;
use crate::parse::citation::{self, Citation};
use crate::parse::yaml::{self, Codes, Node, NodeKind, Obj, Reader};
use crate::parse::{edtf, markdown};
use crate::source::{FileId, SourceFile};

const FRONTMATTER: Codes = Codes {
    missing: codes::FRONTMATTER_MISSING_FIELD,
    unknown: codes::FRONTMATTER_UNKNOWN_FIELD,
    invalid: codes::FRONTMATTER_INVALID_VALUE,
};

/// Where the front matter's YAML and the body lie in an entry file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The YAML between the fences.
    pub yaml: Range<usize>,
    /// The whole block including fences.
    pub block: Range<usize>,
    /// The Markdown body after the closing fence.
    pub body: Range<usize>,
}

/// Finds the front matter block, or says what is wrong with it.
pub fn split_front_matter(text: &str) -> Result<Split, (Range<usize>, String, String)> {
    let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        let shown = first_end.min(text.len());
        return Err((
            0..text[..shown].trim_end().len(),
            "an entry must begin with a front matter block".into(),
            "put a line `---`, the YAML fields (title, kind, status ...) and another `---` at the top of the file"
                .into(),
        ));
    }
    let mut offset = first_end;
    for line in text[first_end..].split_inclusive('\n') {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return Ok(Split {
                yaml: first_end..offset,
                block: 0..offset + line.len(),
                body: offset + line.len()..text.len(),
            });
        }
        offset += line.len();
    }
    Err((0..3, "the front matter opened here is never closed".into(), "end the front matter with a line `---`".into()))
}

/// An entry's slug: its file name without `.md`.
pub fn slug_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path).trim_end_matches(".md")
}

/// Reads one entry file.
pub fn parse_entry(file: FileId, src: &SourceFile, default_language: &str) -> (Entry, Vec<Diagnostic>) {
    let slug = slug_of(&src.path).to_string();
    let mut r = Reader::new(file, FRONTMATTER);
    let mut entry = Entry {
        file,
        slug: slug.clone(),
        title: Sp::new(slug, 0..0),
        kind: None,
        status: None,
        authors: Vec::new(),
        language: default_language.to_string(),
        published: None,
        modified: None,
        written: None,
        period: None,
        places: Vec::new(),
        tags: Vec::new(),
        summary: None,
        access: Access::Public,
        nocite: Vec::new(),
        related: Vec::new(),
        figures: Vec::new(),
        events: Vec::new(),
        positions: Vec::new(),
        testimonies: Vec::new(),
        body: Body::default(),
        front_matter: 0..0,
    };
    let text = src.text.as_str();
    let body_range = match split_front_matter(text) {
        Ok(split) => {
            entry.front_matter = split.block.clone();
            match yaml::parse(&text[split.yaml.clone()], split.yaml.start) {
                Ok(parsed) => {
                    for p in parsed.problems {
                        r.diags.push(
                            Diagnostic::error(codes::FRONTMATTER_SYNTAX, file, p.offset..p.offset, p.message)
                                .with_hint("remove or merge the repeated key"),
                        );
                    }
                    read_front_matter(&mut r, text, &parsed.node, &mut entry)
                }
                Err(e) => r.diags.push(
                    Diagnostic::error(
                        codes::FRONTMATTER_SYNTAX,
                        file,
                        e.offset..e.offset,
                        format!("front matter is not valid YAML: {}", e.message),
                    )
                    .with_hint("check indentation and quote values that contain `: ` or start with `@`, `[` or `{`"),
                ),
            }
            split.body
        }
        Err((span, msg, hint)) => {
            r.diags.push(Diagnostic::error(codes::FRONTMATTER_SYNTAX, file, span, msg).with_hint(hint));
            // Without a closed front matter there is no telling where the body
            // starts; read the whole file as body so its links still count.
            0..text.len()
        }
    };
    let (body, body_diags) = markdown::parse_body(file, text, body_range);
    entry.body = body;
    r.diags.extend(body_diags);
    (entry, r.diags)
}

fn read_front_matter(r: &mut Reader, src: &str, node: &Node, e: &mut Entry) {
    let Some(mut o) = r.obj(node, "the front matter") else { return };
    if let Some((t, span)) = o.req_text(r, src, "title") {
        e.title = Sp::new(t, span);
    }
    if let Some(n) = o.req(r, "kind") {
        e.kind =
            r.one_of(n, src, "kind", &EntryKind::names(), EntryKind::from_name).map(|k| Sp::new(k, n.span.clone()));
    }
    if let Some(n) = o.req(r, "status") {
        e.status = r.one_of(n, src, "status", &Status::names(), Status::from_name).map(|k| Sp::new(k, n.span.clone()));
    }
    let authors = o.get("authors");
    match authors {
        Some(n) => {
            e.authors = read_authors(r, src, n);
            let empty_list = matches!(&n.kind, NodeKind::Seq(v) if v.is_empty());
            if empty_list && e.kind.as_ref().is_some_and(|k| k.v != EntryKind::Chronology) {
                r.invalid_hint(
                    n.span.clone(),
                    "`authors` is empty",
                    "name at least one author (only chronologies may go without)",
                );
            }
        }
        None if e.kind.as_ref().is_some_and(|k| k.v != EntryKind::Chronology) => {
            r.diags.push(
                Diagnostic::error(
                    codes::FRONTMATTER_MISSING_FIELD,
                    r.file,
                    o.span.start..o.span.start,
                    "the front matter has no `authors`",
                )
                .with_hint("add `authors:` with at least one `- name: ...` (only chronologies may go without)"),
            );
        }
        None => {}
    }
    if let Some(l) = o.text(r, src, "language") {
        e.language = l;
    }
    e.published = o.get("published").and_then(|n| date_field(r, src, n, "published", true));
    if e.published.is_none() && e.status.as_ref().is_some_and(|s| s.v.is_public()) {
        r.diags.push(
            Diagnostic::error(
                codes::FRONTMATTER_MISSING_FIELD,
                r.file,
                o.span.start..o.span.start,
                "a published or withdrawn entry needs a `published` date",
            )
            .with_hint("add `published: YYYY-MM-DD`, or set `status: draft`"),
        );
    }
    e.modified = o.get("modified").and_then(|n| date_field(r, src, n, "modified", true));
    if let (Some(p), Some(m)) = (&e.published, &e.modified) {
        if let (Some(pe), Some(me)) =
            (p.edtf.as_ref().and_then(|d| d.earliest()), m.edtf.as_ref().and_then(|d| d.earliest()))
        {
            if me < pe {
                r.diags.push(Diagnostic::error(
                    codes::DATE_INVALID,
                    r.file,
                    m.span.clone(),
                    format!("`modified` ({}) is before `published` ({})", m.raw, p.raw),
                ));
            }
        }
    }
    e.written = o.get("written").and_then(|n| date_field(r, src, n, "written", false));
    e.period = o.get("period").and_then(|n| date_field(r, src, n, "period", false));
    e.places = o.get("places").map(|n| id_list(r, src, n, "places")).unwrap_or_default();
    e.tags = o
        .get("tags")
        .map(|n| r.list(n, "`tags`").into_iter().filter_map(|t| r.text(t, src, "a tag")).collect())
        .unwrap_or_default();
    e.summary = o.text(r, src, "summary");
    e.access = access(r, src, &mut o);
    if let Some(n) = o.get("nocite") {
        e.nocite = nocite(r, src, n);
    }
    e.related = o.get("related").map(|n| id_list(r, src, n, "related")).unwrap_or_default();
    if let Some(n) = o.get("figures") {
        e.figures = r.list(n, "`figures`").into_iter().filter_map(|f| read_figure(r, src, f)).collect();
    }
    if let Some(n) = o.get("events") {
        e.events = r.list(n, "`events`").into_iter().filter_map(|f| read_event(r, src, f)).collect();
    }
    if let Some(n) = o.get("positions") {
        e.positions = r.list(n, "`positions`").into_iter().filter_map(|f| read_position(r, src, f)).collect();
    }
    if let Some(n) = o.get("testimonies") {
        e.testimonies = r.list(n, "`testimonies`").into_iter().filter_map(|f| read_testimony(r, src, f)).collect();
    }
    o.finish(r);
}

fn read_authors(r: &mut Reader, src: &str, n: &Node) -> Vec<Author> {
    let mut out = Vec::new();
    for a in r.list(n, "`authors`") {
        if let NodeKind::Str(name) = &a.kind {
            out.push(Author { name: name.clone(), affiliation: None, orcid: None });
            continue;
        }
        let Some(mut o) = r.obj(a, "an author") else { continue };
        let name = o.req_text(r, src, "name");
        let affiliation = o.text(r, src, "affiliation");
        let orcid = o.text(r, src, "orcid");
        o.finish(r);
        if let Some((name, _)) = name {
            out.push(Author { name, affiliation, orcid });
        }
    }
    out
}

/// Reads `access:` (default public).
fn access(r: &mut Reader, src: &str, o: &mut Obj) -> Access {
    o.get("access")
        .and_then(|n| r.one_of(n, src, "access", &Access::names(), Access::from_name))
        .unwrap_or(Access::Public)
}

/// Whether `s` is a valid id: `a-z`, `0-9` and `-`.
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn read_id(r: &mut Reader, src: &str, o: &mut Obj, what: &str) -> Option<Sp<String>> {
    let (id, span) = o.req_text(r, src, "id")?;
    if !is_id(&id) {
        r.invalid_hint(
            span.clone(),
            format!("{what} id `{id}` may only contain a-z, 0-9 and -"),
            format!("e.g. `{}`", suggest_id(&id)),
        );
    }
    Some(Sp::new(id, span))
}

fn suggest_id(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A list of ids (places, related entries, events).
pub fn id_list(r: &mut Reader, src: &str, n: &Node, what: &str) -> Vec<Sp<String>> {
    r.list(n, &format!("`{what}`"))
        .into_iter()
        .filter_map(|i| r.text(i, src, &format!("an item of `{what}`")).map(|t| Sp::new(t, i.span.clone())))
        .collect()
}

fn nocite(r: &mut Reader, src: &str, n: &Node) -> Vec<Sp<String>> {
    let mut out = Vec::new();
    for item in r.list(n, "`nocite`") {
        let Some(t) = r.text(item, src, "an item of `nocite`") else { continue };
        // Pandoc writes `nocite: '@a, @b'`; a YAML list of keys works too.
        let offs = item.value_offsets(src, &t);
        let mut pos = 0;
        for part in t.split([',', ';']) {
            let start = pos + (part.len() - part.trim_start().len());
            pos += part.len() + 1;
            let key = part.trim().trim_start_matches('@');
            if key.is_empty() {
                continue;
            }
            let at = if part.trim().starts_with('@') { start + 1 } else { start };
            let span = offs.as_ref().map(|o| o[at]..o[at + key.len()]).unwrap_or(item.span.clone());
            out.push(Sp::new(key.to_string(), span));
        }
    }
    out
}

/// Reads a date field (EDTF; `calendar` requires a plain `YYYY-MM-DD`).
pub fn date_field(r: &mut Reader, src: &str, n: &Node, what: &str, calendar: bool) -> Option<DateField> {
    let raw = r.text(n, src, &format!("`{what}`"))?;
    let offs = n.value_offsets(src, &raw);
    let here = |off: usize| {
        offs.as_ref().map(|o| o[off.min(raw.len())]..o[(off + 1).min(raw.len())]).unwrap_or(n.span.clone())
    };
    match edtf::parse(&raw) {
        Ok(d) => {
            if calendar && !is_calendar_day(&d) {
                r.diags.push(
                    Diagnostic::error(
                        codes::DATE_INVALID,
                        r.file,
                        n.span.clone(),
                        format!("`{what}` must be a calendar date, found `{raw}`"),
                    )
                    .with_hint("write it as YYYY-MM-DD, e.g. 2015-02-12"),
                );
                return Some(DateField { raw, edtf: None, span: n.span.clone() });
            }
            Some(DateField { raw, edtf: Some(d), span: n.span.clone() })
        }
        Err(e) => {
            r.diags.push(
                Diagnostic::error(codes::DATE_INVALID, r.file, here(e.offset), format!("`{what}` is not a valid EDTF date: {}", e.message))
                    .with_hint("EDTF examples: 1944-02-23, 1944-02, 1944~, 1944?, 194X, 1944-02-23/1944-03-01 (see docs/format.md)"),
            );
            Some(DateField { raw, edtf: None, span: n.span.clone() })
        }
    }
}

fn is_calendar_day(d: &Edtf) -> bool {
    !d.is_interval()
        && !d.is_uncertain()
        && !d.is_approximate()
        && !d.has_unspecified()
        && d.earliest().is_some()
        && d.earliest() == d.latest()
}

/// Reads a citation field (`"@bugai1992, p. 105"`).
fn cite_field(r: &mut Reader, src: &str, n: &Node, what: &str) -> Option<Sp<Citation>> {
    let raw = r.text(n, src, &format!("`{what}`"))?;
    let offs = n.value_offsets(src, &raw);
    match citation::parse_field(&raw) {
        Ok(mut c) => {
            match &offs {
                Some(o) => remap(&mut c, o),
                None => collapse(&mut c, src, n.span.clone()),
            }
            Some(Sp::new(c, n.span.clone()))
        }
        Err(e) => {
            let span = offs.as_ref().map(|o| o[e.span.start]..o[e.span.end]).unwrap_or(n.span.clone());
            r.diags.push(
                Diagnostic::error(
                    codes::CITATION_SYNTAX,
                    r.file,
                    span,
                    format!("`{what}` is not a citation: {}", e.message),
                )
                .with_hint("write a source as \"@key\" or \"@key, p. 105\" (quoted, since YAML reserves a leading @)"),
            );
            None
        }
    }
}

/// Moves a citation's spans from offsets in the decoded value to the file.
fn remap(c: &mut Citation, offs: &[usize]) {
    c.span = offs[c.span.start]..offs[c.span.end];
    for i in &mut c.items {
        i.key_span = offs[i.key_span.start]..offs[i.key_span.end];
    }
}

/// For a value whose bytes cannot be mapped one to one (a folded or
/// multi-line scalar), finds each `@key` in the raw text; falls back to the
/// whole node.
fn collapse(c: &mut Citation, src: &str, span: Range<usize>) {
    c.span = span.clone();
    let raw = src.get(span.clone()).unwrap_or_default();
    let mut from = 0;
    for i in &mut c.items {
        match raw[from..].find(&format!("@{}", i.key)) {
            Some(at) => {
                let start = span.start + from + at + 1;
                i.key_span = start..start + i.key.len();
                from += at + 1 + i.key.len();
            }
            None => i.key_span = span.clone(),
        }
    }
}

fn cite_list(r: &mut Reader, src: &str, n: &Node, what: &str) -> Vec<Sp<Citation>> {
    r.list(n, &format!("`{what}`")).into_iter().filter_map(|i| cite_field(r, src, i, what)).collect()
}

fn read_figure(r: &mut Reader, src: &str, n: &Node) -> Option<Figure> {
    let mut o = r.obj(n, "a figure")?;
    let id = read_id(r, src, &mut o, "figure");
    let mut measure = Measure::default();
    if let Some(m) = o.req(r, "measure") {
        if let Some(mut mo) = r.obj(m, "`measure`") {
            if let Some((w, _)) = mo.req_text(r, src, "what") {
                measure.what = w;
            }
            measure.who = mo.text(r, src, "who");
            measure.where_ = mo.text(r, src, "where");
            measure.places = mo.get("places").map(|p| id_list(r, src, p, "places")).unwrap_or_default();
            measure.period = mo.get("period").and_then(|p| date_field(r, src, p, "period", false));
            mo.finish(r);
        }
    }
    let unit = o.req(r, "unit").and_then(|u| r.text(u, src, "`unit`")).map(|u| match u.trim() {
        "percent" | "%" => Unit::Percent,
        "share" => Unit::Share,
        other => Unit::Count(other.to_string()),
    });
    let access_v = access(r, src, &mut o);
    let note = o.text(r, src, "note");
    let estimates = match o.get("estimates") {
        Some(es) => r.list(es, "`estimates`").into_iter().filter_map(|e| read_estimate(r, src, e)).collect(),
        None => Vec::new(),
    };
    o.finish(r);
    Some(Figure {
        id: id?,
        measure,
        unit: unit.unwrap_or(Unit::Count(String::new())),
        estimates,
        access: access_v,
        note,
        span: n.span.clone(),
    })
}

fn read_estimate(r: &mut Reader, src: &str, n: &Node) -> Option<Estimate> {
    let mut o = r.obj(n, "an estimate")?;
    let id = read_id(r, src, &mut o, "estimate");
    let mut num = |o: &mut Obj, name: &'static str| {
        o.get(name).and_then(|v| r.number(v, &format!("`{name}`")).map(|x| Sp::new(x, v.span.clone())))
    };
    let value = num(&mut o, "value");
    let low = num(&mut o, "low");
    let high = num(&mut o, "high");
    let has_number = o.has("value") || o.has("low") || o.has("high");
    let approximate = o.boolean(r, "approximate").unwrap_or(false);
    let period = o.get("period").and_then(|p| date_field(r, src, p, "period", false));
    let source = o.get("source").and_then(|s| cite_field(r, src, s, "source"));
    let attribution = o.text(r, src, "attribution").filter(|a| !a.trim().is_empty());
    let id_span = id.as_ref().map(|i| i.span.clone()).unwrap_or(o.span.start..o.span.start);
    if !has_number {
        r.diags.push(
            Diagnostic::error(codes::FIGURE_BAD_RANGE, r.file, id_span.clone(), "the estimate has no value")
                .with_hint("give `value`, or `low` and/or `high`"),
        );
    }
    if !o.has("source") && attribution.is_none() {
        r.diags.push(
            Diagnostic::error(codes::FIGURE_NO_SOURCE, r.file, id_span, "the estimate has no source").with_hint(
                "add `source: \"@key, p. N\"`, or `attribution:` naming who gives the figure when no work can be cited",
            ),
        );
    }
    let basis = o.req(r, "basis").and_then(|b| r.one_of(b, src, "basis", &Basis::names(), Basis::from_name));
    let wording = o.text(r, src, "wording");
    let reliability = o
        .get("reliability")
        .and_then(|b| r.one_of(b, src, "reliability", &Reliability::names(), Reliability::from_name));
    let reliability_note = o.text(r, src, "reliability_note");
    let note = o.text(r, src, "note");
    let rank =
        o.get("rank").and_then(|b| r.one_of(b, src, "rank", &Rank::names(), Rank::from_name)).unwrap_or(Rank::Normal);
    let verified = o.boolean(r, "verified").unwrap_or(true);
    let verify_note = o.text(r, src, "verify_note");
    let access_v = access(r, src, &mut o);
    o.finish(r);
    Some(Estimate {
        id: id?,
        value,
        low,
        high,
        approximate,
        period,
        source,
        attribution,
        basis,
        wording,
        reliability,
        reliability_note,
        note,
        rank,
        verified,
        verify_note,
        access: access_v,
        span: n.span.clone(),
    })
}

fn read_event(r: &mut Reader, src: &str, n: &Node) -> Option<Event> {
    let mut o = r.obj(n, "an event")?;
    let id = read_id(r, src, &mut o, "event");
    let date = o.req(r, "date").and_then(|d| date_field(r, src, d, "date", false));
    let label = o.req_text(r, src, "label").map(|(l, _)| l).unwrap_or_default();
    let description = o.text(r, src, "description");
    let places = o.get("places").map(|p| id_list(r, src, p, "places")).unwrap_or_default();
    let sources = o.get("sources").map(|s| cite_list(r, src, s, "sources")).unwrap_or_default();
    let attribution = o.text(r, src, "attribution").filter(|a| !a.trim().is_empty());
    let listed =
        o.has("sources") && !matches!(&o.get("sources").map(|n| &n.kind), Some(NodeKind::Seq(v)) if v.is_empty());
    if !listed && attribution.is_none() {
        let span = id.as_ref().map(|i| i.span.clone()).unwrap_or(o.span.start..o.span.start);
        r.diags.push(
            Diagnostic::error(codes::EVENT_NO_SOURCE, r.file, span, "the event has no source")
                .with_hint("add `sources: [\"@key, p. N\"]`, or `attribution:` when no work can be cited"),
        );
    }
    let verified = o.boolean(r, "verified").unwrap_or(true);
    let access_v = access(r, src, &mut o);
    o.finish(r);
    Some(Event {
        id: id?,
        date,
        label,
        description,
        places,
        sources,
        attribution,
        verified,
        access: access_v,
        span: n.span.clone(),
    })
}

fn read_position(r: &mut Reader, src: &str, n: &Node) -> Option<Position> {
    let mut o = r.obj(n, "a position")?;
    let id = read_id(r, src, &mut o, "position");
    let question = o.text(r, src, "question");
    let qualification = o.req_text(r, src, "qualification").map(|(q, _)| q).unwrap_or_default();
    let argument = o.req_text(r, src, "argument").map(|(q, _)| q).unwrap_or_default();
    let mut holders = Vec::new();
    if let Some(h) = o.req(r, "holders") {
        for item in r.list(h, "`holders`") {
            let Some(mut ho) = r.obj(item, "a holder") else { continue };
            let cite = ho.get("cite").and_then(|c| cite_field(r, src, c, "cite"));
            let name = ho.text(r, src, "name");
            let date = ho.get("date").and_then(|d| date_field(r, src, d, "date", false));
            let source = ho.get("source").and_then(|c| cite_field(r, src, c, "source"));
            let note = ho.text(r, src, "note");
            if !ho.has("cite") && name.is_none() {
                r.diags.push(
                    Diagnostic::error(
                        codes::FRONTMATTER_MISSING_FIELD,
                        r.file,
                        item.span.start..item.span.start,
                        "a holder needs `cite` (a work) or `name` (a body or person)",
                    )
                    .with_hint("e.g. `- cite: \"@pohl2000, pp. 268-272\"` or `- name: European Parliament`"),
                );
            }
            ho.finish(r);
            holders.push(Holder { cite, name, date, source, note, span: item.span.clone() });
        }
    }
    let access_v = access(r, src, &mut o);
    o.finish(r);
    Some(Position { id: id?, question, qualification, argument, holders, access: access_v, span: n.span.clone() })
}

fn read_testimony(r: &mut Reader, src: &str, n: &Node) -> Option<Testimony> {
    let mut o = r.obj(n, "a testimony")?;
    let id = read_id(r, src, &mut o, "testimony");
    let witness = o.req_text(r, src, "witness").map(|(w, _)| w).unwrap_or_default();
    let role = o.text(r, src, "role");
    let date = o.get("date").and_then(|d| date_field(r, src, d, "date", false));
    let about = o.get("about").map(|a| id_list(r, src, a, "about")).unwrap_or_default();
    let source = o.get("source").and_then(|s| cite_field(r, src, s, "source"));
    let summary = o.text(r, src, "summary");
    // Testimonies may identify living people: visibility is never implied.
    let access_v = match o.get("access") {
        Some(a) => r.one_of(a, src, "access", &Access::names(), Access::from_name).unwrap_or(Access::Restricted),
        None => {
            r.diags.push(
                Diagnostic::error(codes::FRONTMATTER_MISSING_FIELD, r.file, o.span.start..o.span.start, "a testimony must state its `access`")
                    .with_hint("testimonies may identify living witnesses: add `access: restricted`, or `access: public` if it may be published"),
            );
            Access::Restricted
        }
    };
    o.finish(r);
    Some(Testimony { id: id?, witness, role, date, about, source, access: access_v, summary, span: n.span.clone() })
}
