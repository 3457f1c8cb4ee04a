//! The whole static site: every page, asset, index and export, as
//! `(path, bytes)` pairs. Pure and deterministic; entries are rendered in
//! parallel. Templates are minijinja, so a site changes its look by
//! overriding templates and the stylesheet (see `docs/themes.md`) without
//! touching Rust.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use minijinja::Environment;
use rayon::prelude::*;
use serde::Serialize;

use crate::access::{Audience, SiteEntry, View};
use crate::model::{DateField, Entry, EntryKind, Estimate, Figure, Place, Rank, Status, Work};
use crate::parse::edtf;
use crate::render::body::{self, TocItem};
use crate::render::cite::{self, BibItem};
use crate::render::format::{esc, estimate_value, long_date};
use crate::render::svg::{self, MapPlace, TimelineEvent};

/// A template context: like minijinja's `context!`, but every value goes
/// through serde, so plain structs can be passed as they are.
macro_rules! ctx {
    ($($k:ident => $v:expr),* $(,)?) => {{
        let mut m: BTreeMap<&str, minijinja::Value> = BTreeMap::new();
        $( m.insert(stringify!($k), minijinja::Value::from(minijinja::value::Serde(&$v))); )*
        minijinja::Value::from(minijinja::value::Serde(&m))
    }};
}

/// The default theme's templates, in the binary.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/site/base.html")),
    ("entry.html", include_str!("../../templates/site/entry.html")),
    ("home.html", include_str!("../../templates/site/home.html")),
    ("entries.html", include_str!("../../templates/site/entries.html")),
    ("chronology.html", include_str!("../../templates/site/chronology.html")),
    ("places.html", include_str!("../../templates/site/places.html")),
    ("place.html", include_str!("../../templates/site/place.html")),
    ("bibliography.html", include_str!("../../templates/site/bibliography.html")),
    ("figures.html", include_str!("../../templates/site/figures.html")),
    ("search.html", include_str!("../../templates/site/search.html")),
    ("about.html", include_str!("../../templates/site/about.html")),
    ("404.html", include_str!("../../templates/site/404.html")),
];
const DEFAULT_CSS: &str = include_str!("../../assets/style.css");
const SITE_JS: &str = include_str!("../../assets/site.js");

/// Templates and stylesheet of a site.
#[derive(Debug, Clone)]
pub struct Theme {
    templates: BTreeMap<String, String>,
    css: String,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            templates: DEFAULT_TEMPLATES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
            css: DEFAULT_CSS.to_string(),
        }
    }
}

impl Theme {
    /// The default theme with some templates replaced (`name.html`) and,
    /// optionally, another stylesheet.
    pub fn with_overrides(templates: Vec<(String, String)>, css: Option<String>) -> Self {
        let mut t = Theme::default();
        for (name, src) in templates {
            t.templates.insert(name, src);
        }
        if let Some(css) = css {
            t.css = css;
        }
        t
    }

    /// Names of the templates a theme may override.
    pub fn template_names() -> Vec<&'static str> {
        DEFAULT_TEMPLATES.iter().map(|(n, _)| *n).collect()
    }
}

/// Why the site could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template has a syntax error or fails when rendered.
    #[error("template {name}: {message}")]
    Template {
        /// The template.
        name: String,
        /// minijinja's explanation, with the line.
        message: String,
    },
}

fn template_error(e: minijinja::Error) -> RenderError {
    let name = e.name().unwrap_or("?").to_string();
    let mut message = e.to_string();
    if let Some(line) = e.line() {
        message = format!("line {line}: {message}");
    }
    RenderError::Template { name, message }
}

fn environment(theme: &Theme) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    // A misspelt variable in a theme is an error, not an empty string.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // minijinja's HTML escaping also escapes `/`, which turns every URL into
    // `..&#x2f;x`: valid, but unreadable in the source and in diffs. Escape
    // the five characters HTML needs, and leave the rest to minijinja.
    env.set_formatter(|out, state, value| {
        let html = matches!(state.auto_escape(), minijinja::AutoEscape::Html);
        if html && !value.is_safe() && !value.is_none() && !value.is_undefined() {
            if let Some(s) = value.as_str() {
                return out
                    .write_str(&esc(s))
                    .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()));
            }
        }
        minijinja::escape_formatter(out, state, value)
    });
    for (name, src) in &theme.templates {
        env.add_template_owned(name.clone(), src.clone()).map_err(template_error)?;
    }
    Ok(env)
}

#[derive(Serialize, Clone)]
struct SiteCtx {
    title: String,
    subtitle: Option<String>,
    publisher: Option<String>,
    issn: Option<String>,
    description: Option<String>,
    license: Option<String>,
    base_url: String,
    lang: String,
    internal: bool,
}

fn site_ctx(view: &View) -> SiteCtx {
    let c = &view.config;
    SiteCtx {
        title: c.title.clone(),
        subtitle: c.subtitle.clone(),
        publisher: c.publisher.clone(),
        issn: c.issn.clone(),
        description: c.description.clone(),
        license: c.license.clone(),
        base_url: c.base_url.clone(),
        lang: c.default_language().to_string(),
        internal: view.audience == Audience::Internal,
    }
}

/// A file of the site: its path from the site root, and its bytes.
pub type SiteFile = (String, Vec<u8>);

/// Renders pages on request with a site's theme (the server's search
/// results), from templates compiled once.
pub struct PageRenderer {
    env: Environment<'static>,
    site: SiteCtx,
    urls: Urls,
}

impl std::fmt::Debug for PageRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageRenderer").field("site", &self.site.title).finish_non_exhaustive()
    }
}

impl PageRenderer {
    /// Compiles the theme's templates for `view`'s site.
    pub fn new(view: &View, theme: &Theme) -> Result<PageRenderer, RenderError> {
        Ok(PageRenderer { env: environment(theme)?, site: site_ctx(view), urls: Urls::new(&view.config.base_url) })
    }

    /// The search page (`search/index.html`) showing `search`: the
    /// template receives it as `search` (query, total, hits with url,
    /// title, section and an HTML snippet, facets).
    pub fn search_page<S: Serialize>(&self, search: &S) -> Result<String, RenderError> {
        let path = "search/index.html";
        let page = PageCtx {
            title: "Search".into(),
            root: root_of(path),
            canonical: self.urls.absolute(path),
            description: None,
            og_type: "website",
            kind: "search",
        };
        let ctx = ctx! {
            site => self.site.clone(),
            page => page,
            stats => ctx! { entries => 0, works => 0, places => 0 },
            search => search,
        };
        let t = self.env.get_template("search.html").map_err(template_error)?;
        t.render(ctx).map_err(template_error)
    }

    /// The files of entry `slug` of `view` (its page and downloads, as
    /// `build` writes them), made on request: the server shows an entry
    /// from the internal view this way to those cleared for it. `None` when
    /// `view` has no such entry.
    pub fn entry_files(&self, view: &View, slug: &str) -> Result<Option<Vec<SiteFile>>, RenderError> {
        let Some(se) = view.entries.iter().find(|s| s.entry.slug == slug) else { return Ok(None) };
        let cx = Ctx {
            view,
            env: &self.env,
            // The view's own: an internal page says it is one.
            site: site_ctx(view),
            urls: Urls::new(&view.config.base_url),
            works: view.works.iter().map(|w| (w.key.v.as_str(), w)).collect(),
            places: view.places.iter().map(|p| (p.id.v.as_str(), p)).collect(),
            titles: view.entries.iter().map(|s| (s.entry.slug.as_str(), s.entry.title.v.as_str())).collect(),
        };
        Ok(Some(render_entry(&cx, se)?.files))
    }
}

#[derive(Serialize)]
struct PageCtx {
    title: String,
    root: String,
    canonical: String,
    description: Option<String>,
    og_type: &'static str,
    kind: &'static str,
}

/// Where things are, relative to the site root.
pub struct Urls {
    base: String,
}

impl Urls {
    fn new(base_url: &str) -> Self {
        let base = if base_url.ends_with('/') { base_url.to_string() } else { format!("{base_url}/") };
        Urls { base }
    }

    /// Path of an entry page.
    pub fn entry(slug: &str) -> String {
        format!("entries/{slug}/index.html")
    }

    /// Path of a place page.
    pub fn place(id: &str) -> String {
        format!("places/{id}/index.html")
    }

    /// Absolute URL of a page path (`entries/x/index.html` → `…/entries/x/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_end_matches("index.html"))
    }
}

fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

fn kind_label(k: Option<EntryKind>) -> &'static str {
    match k {
        Some(EntryKind::CaseStudy) => "Case study",
        Some(EntryKind::Chronology) => "Chronology",
        Some(EntryKind::Document) => "Document",
        Some(EntryKind::Essay) => "Essay",
        None => "Entry",
    }
}

fn status_label(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Draft) | None => "Draft",
        Some(Status::InReview) => "In review",
        Some(Status::Published) => "Published",
        Some(Status::Withdrawn) => "Withdrawn",
    }
}

fn date_text(d: &Option<DateField>) -> Option<String> {
    d.as_ref().map(|d| d.edtf.as_ref().map(|x| x.humanize()).unwrap_or_else(|| d.raw.clone()))
}

fn is_fuzzy(d: &edtf::Edtf) -> bool {
    d.is_approximate() || d.is_uncertain() || d.has_unspecified()
}

#[derive(Serialize)]
struct EntryCtx {
    slug: String,
    title: String,
    kind_label: &'static str,
    status_label: &'static str,
    draft: bool,
    withdrawn: bool,
    unverified: usize,
    authors: Vec<AuthorCtx>,
    published: Option<String>,
    published_iso: String,
    modified: Option<String>,
    modified_iso: Option<String>,
    period: Option<String>,
    summary: Option<String>,
    language: String,
}

#[derive(Serialize)]
struct AuthorCtx {
    name: String,
    affiliation: Option<String>,
}

#[derive(Serialize)]
struct LedgerCtx {
    id: String,
    caption: String,
    note: Option<String>,
    estimates: Vec<EstimateCtx>,
    deprecated: Vec<EstimateCtx>,
}

#[derive(Serialize)]
struct EstimateCtx {
    figure: String,
    id: String,
    value: String,
    period: String,
    source: String,
    attribution: Option<String>,
    basis: String,
    wording: Option<String>,
    reliability: String,
    reliability_note: Option<String>,
    note: Option<String>,
    rank: &'static str,
    verified: bool,
    verify_note: String,
    deprecated: bool,
}

#[derive(Serialize)]
struct EventCtx {
    id: String,
    date: String,
    edtf: String,
    fuzzy: bool,
    label: String,
    verified: bool,
    places: Vec<LinkCtx>,
    sources: String,
    description: Option<String>,
}

#[derive(Serialize, Clone)]
struct LinkCtx {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct DebateCtx {
    question: String,
    positions: Vec<PositionCtx>,
}

#[derive(Serialize)]
struct PositionCtx {
    id: String,
    qualification: String,
    argument: String,
    holders: Vec<String>,
}

#[derive(Serialize)]
struct TestimonyCtx {
    id: String,
    witness: String,
    role: Option<String>,
    date: Option<String>,
    summary: Option<String>,
    source: String,
}

#[derive(Serialize)]
struct RelatedCtx {
    title: String,
    url: String,
}

/// Figures' measure in words: "people deported — Chechens, 1944".
fn caption(f: &Figure) -> String {
    let m = &f.measure;
    let mut s = m.what.clone();
    if let Some(w) = &m.who {
        s.push_str(&format!(" — {w}"));
    }
    if let Some(w) = &m.where_ {
        s.push_str(&format!(", {w}"));
    }
    if let Some(p) = date_text(&m.period) {
        s.push_str(&format!(", {p}"));
    }
    s
}

fn basis_label(x: &Estimate) -> String {
    x.basis.map(|b| b.as_str().replace('-', " ")).unwrap_or_default()
}

/// The rendered HTML of one entry page and the things other pages need
/// from it.
#[derive(Debug, Clone)]
pub struct RenderedEntry {
    /// Files of the entry (page and downloads).
    pub files: Vec<(String, Vec<u8>)>,
    /// Body HTML, for the search index.
    pub body_html: String,
    /// Table of contents.
    pub toc: Vec<TocItem>,
}

struct Ctx<'a> {
    view: &'a View,
    env: &'a Environment<'static>,
    site: SiteCtx,
    urls: Urls,
    works: HashMap<&'a str, &'a Work>,
    places: HashMap<&'a str, &'a Place>,
    titles: HashMap<&'a str, &'a str>,
}

impl Ctx<'_> {
    fn page(
        &self,
        path: &str,
        title: &str,
        description: Option<String>,
        og_type: &'static str,
        kind: &'static str,
    ) -> PageCtx {
        PageCtx {
            title: title.to_string(),
            root: root_of(path),
            canonical: self.urls.absolute(path),
            description,
            og_type,
            kind,
        }
    }

    fn render(&self, template: &str, ctx: minijinja::Value) -> Result<Vec<u8>, RenderError> {
        let t = self.env.get_template(template).map_err(template_error)?;
        Ok(t.render(ctx).map_err(template_error)?.into_bytes())
    }

    fn place_link(&self, id: &str, root: &str) -> Option<LinkCtx> {
        self.places
            .get(id)
            .map(|p| LinkCtx { name: p.display_name().to_string(), url: format!("{root}{}", Urls::place(id)) })
    }
}

fn render_entry(cx: &Ctx, se: &SiteEntry) -> Result<RenderedEntry, RenderError> {
    let e = &se.entry;
    let lang = e.language.as_str();
    let path = Urls::entry(&e.slug);
    let root = root_of(&path);
    let style = cx.view.config.citation_style;

    let all = e.citations();
    let nocite: Vec<&str> = if e.nocite.iter().any(|n| n.v == "*") {
        cx.view.works.iter().map(|w| w.key.v.as_str()).collect()
    } else {
        e.nocite.iter().map(|n| n.v.as_str()).collect()
    };
    let rendered = cite::render_entry(style, lang, &cx.works, &all, &nocite);
    let mut inline = rendered.inline.clone().into_iter();
    let prose: Vec<String> = inline.by_ref().take(e.body.citations.len()).collect();
    let mut next_cite = || inline.next().unwrap_or_default();

    let entry_url = |slug: &str, anchor: Option<&str>| -> String {
        let base = format!("../{slug}/index.html");
        match anchor {
            Some(a) => format!("{base}#{a}"),
            None => base,
        }
    };
    let mut body = body::render(se, &prose, &entry_url);
    // An entry's own empty "## Bibliography" (the template's last section)
    // is where the generated bibliography goes.
    let mut references = ("references".to_string(), "References".to_string());
    if let Some(last) =
        body.toc.last().filter(|s| s.level == 2 && matches!(s.anchor.as_str(), "bibliography" | "references"))
    {
        let marker = format!("id=\"{}\"", last.anchor);
        if let Some(i) = body.html.rfind(&marker) {
            let start = body.html[..i].rfind("<h2").unwrap_or(i);
            let after = body.html[i..].find("</h2>").map(|j| i + j + 5).unwrap_or(body.html.len());
            if body.html[after..].trim().is_empty() {
                references = (last.anchor.clone(), last.title.clone());
                body.html.truncate(start);
                body.toc.pop();
            }
        }
    }

    // Ledgers, in the order the data gives them; the citation engine's
    // order of registration is kept by walking the data the same way.
    let mut ledgers = Vec::new();
    let mut unverified = 0;
    for f in &e.figures {
        let mut estimates = Vec::new();
        let mut deprecated = Vec::new();
        for x in &f.estimates {
            let source = if x.source.is_some() { next_cite() } else { String::new() };
            if !x.verified {
                unverified += 1;
            }
            let row = EstimateCtx {
                figure: f.id.v.clone(),
                id: x.id.v.clone(),
                value: estimate_value(f, x, lang),
                period: date_text(&x.period).unwrap_or_default(),
                source,
                attribution: x.attribution.clone(),
                basis: basis_label(x),
                wording: x.wording.clone(),
                reliability: x.reliability.map(|r| r.as_str().to_string()).unwrap_or_default(),
                reliability_note: x.reliability_note.clone(),
                note: x.note.clone(),
                rank: x.rank.as_str(),
                verified: x.verified,
                verify_note: x.verify_note.clone().unwrap_or_else(|| "still to be checked against its source".into()),
                deprecated: x.rank == Rank::Deprecated,
            };
            if row.deprecated {
                deprecated.push(row);
            } else {
                estimates.push(row);
            }
        }
        ledgers.push(LedgerCtx {
            id: f.id.v.clone(),
            caption: caption(f),
            note: f.note.clone(),
            estimates,
            deprecated,
        });
    }

    let mut events: Vec<(usize, EventCtx, Option<edtf::Edtf>)> = Vec::new();
    for (i, ev) in e.events.iter().enumerate() {
        let sources: Vec<String> = ev.sources.iter().map(|_| next_cite()).collect();
        if !ev.verified {
            unverified += 1;
        }
        let parsed = ev.date.as_ref().and_then(|d| d.edtf.clone());
        let mut sources = sources.join("; ");
        if let Some(a) = &ev.attribution {
            if !sources.is_empty() {
                sources.push_str("; ");
            }
            sources.push_str(&esc(a));
        }
        events.push((
            i,
            EventCtx {
                id: ev.id.v.clone(),
                date: date_text(&ev.date).unwrap_or_default(),
                edtf: ev.date.as_ref().map(|d| d.raw.clone()).unwrap_or_default(),
                fuzzy: parsed.as_ref().is_some_and(is_fuzzy),
                label: ev.label.clone(),
                verified: ev.verified,
                places: ev.places.iter().filter_map(|p| cx.place_link(&p.v, &root)).collect(),
                sources,
                description: ev.description.clone(),
            },
            parsed,
        ));
    }
    events.sort_by(|a, b| match (&a.2, &b.2) {
        (Some(x), Some(y)) => x.sort_key().cmp(&y.sort_key()).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let timeline_events: Vec<TimelineEvent> = events
        .iter()
        .filter_map(|(_, c, d)| {
            d.clone().map(|date| TimelineEvent {
                id: c.id.clone(),
                label: c.label.clone(),
                date,
                href: format!("#event-{}", c.id),
            })
        })
        .collect();
    let timeline = svg::timeline(&timeline_events);

    let mut debates: Vec<DebateCtx> = Vec::new();
    for p in &e.positions {
        let holders = p
            .holders
            .iter()
            .map(|h| {
                let mut s = String::new();
                if h.cite.is_some() {
                    s.push_str(&next_cite());
                }
                if let Some(n) = &h.name {
                    s.push_str(&esc(n));
                }
                if let Some(d) = date_text(&h.date) {
                    s.push_str(&format!(" ({})", esc(&d)));
                }
                if h.source.is_some() {
                    s.push(' ');
                    s.push_str(&next_cite());
                }
                if let Some(n) = &h.note {
                    s.push_str(&format!(" <span class=\"note\">— {}</span>", esc(n)));
                }
                s
            })
            .collect();
        let question = p.question.clone().unwrap_or_else(|| "Qualification".to_string());
        let pc = PositionCtx {
            id: p.id.v.clone(),
            qualification: p.qualification.clone(),
            argument: p.argument.clone(),
            holders,
        };
        match debates.iter_mut().find(|d| d.question == question) {
            Some(d) => d.positions.push(pc),
            None => debates.push(DebateCtx { question, positions: vec![pc] }),
        }
    }
    let testimonies: Vec<TestimonyCtx> = e
        .testimonies
        .iter()
        .map(|t| TestimonyCtx {
            id: t.id.v.clone(),
            witness: t.witness.clone(),
            role: t.role.clone(),
            date: date_text(&t.date),
            summary: t.summary.clone(),
            source: if t.source.is_some() { next_cite() } else { String::new() },
        })
        .collect();

    // Places: points on the map, areas named under it.
    let mut place_ids: Vec<&str> = Vec::new();
    for p in e
        .places
        .iter()
        .chain(e.events.iter().flat_map(|x| &x.places))
        .chain(e.figures.iter().flat_map(|f| &f.measure.places))
    {
        if !place_ids.contains(&p.v.as_str()) {
            place_ids.push(&p.v);
        }
    }
    let mut points = Vec::new();
    let mut area_places = Vec::new();
    for id in &place_ids {
        let Some(p) = cx.places.get(id) else { continue };
        match &p.coordinates {
            Some(c) => points.push(MapPlace {
                id: id.to_string(),
                name: p.display_name().to_string(),
                lat: c.v.lat,
                lon: c.v.lon,
                precision: p.precision.map(|x| x.as_str().to_string()).unwrap_or_default(),
                href: format!("{root}{}", Urls::place(id)),
            }),
            None => area_places.extend(cx.place_link(id, &root)),
        }
    }
    let map = svg::map(&points);

    let bibliography: Vec<minijinja::Value> =
        rendered.bibliography.iter().map(|b: &BibItem| ctx! { key => b.key, html => b.html }).collect();
    let url = cx.urls.absolute(&path);
    let eref = crate::export::EntryRef { entry: e, config: &cx.view.config, url: url.clone() };
    let cited_works: Vec<&Work> =
        rendered.bibliography.iter().filter_map(|b| cx.works.get(b.key.as_str()).copied()).collect();
    let entry_places: Vec<&Place> = place_ids.iter().filter_map(|id| cx.places.get(id).copied()).collect();
    let jsonld = crate::export::jsonld::entry(&eref, &cited_works, &entry_places);
    let cite_text = how_to_cite(cx, e, &url);
    let related: Vec<RelatedCtx> = e
        .related
        .iter()
        .filter_map(|r| {
            cx.titles
                .get(r.v.as_str())
                .map(|t| RelatedCtx { title: t.to_string(), url: format!("../{}/index.html", r.v) })
        })
        .collect();

    let entry_ctx = EntryCtx {
        slug: e.slug.clone(),
        title: e.title.v.clone(),
        kind_label: kind_label(e.kind.as_ref().map(|k| k.v)),
        status_label: status_label(e.status.as_ref().map(|s| s.v)),
        draft: !e.status.as_ref().is_some_and(|s| s.v.is_public()),
        withdrawn: e.status.as_ref().is_some_and(|s| s.v == Status::Withdrawn),
        unverified,
        authors: e
            .authors
            .iter()
            .map(|a| AuthorCtx { name: a.name.clone(), affiliation: a.affiliation.clone() })
            .collect(),
        published: e.published.as_ref().map(|d| long_date(&d.raw)),
        published_iso: e.published.as_ref().map(|d| d.raw.clone()).unwrap_or_default(),
        modified: e.modified.as_ref().map(|d| long_date(&d.raw)),
        modified_iso: e.modified.as_ref().map(|d| d.raw.clone()),
        period: date_text(&e.period),
        summary: e.summary.clone(),
        language: e.language.clone(),
    };
    let page = cx.page(&path, &e.title.v, e.summary.clone(), "article", "entry-page");
    let ctx = ctx! {
        site => cx.site.clone(),
        page => page,
        entry => entry_ctx,
        toc => body.toc.clone(),
        body => body.html.clone(),
        notes => rendered.notes.clone(),
        ledgers => ledgers,
        events => events.into_iter().map(|(_, c, _)| c).collect::<Vec<_>>(),
        timeline => timeline,
        map => map,
        area_places => area_places,
        debates => debates,
        testimonies => testimonies,
        bibliography => bibliography,
        related => related,
        cite => cite_text,
        references => ctx! { anchor => references.0, title => references.1 },
        jsonld => jsonld,
    };
    let html = cx.render("entry.html", ctx)?;
    let dir = format!("entries/{}/", e.slug);
    let files = vec![
        (format!("{dir}index.html"), html),
        (format!("{dir}cite.bib"), crate::export::bibtex::entry(&eref).into_bytes()),
        (format!("{dir}cite.ris"), crate::export::ris::entry(&eref).into_bytes()),
        (format!("{dir}cite.json"), crate::export::csl_json::entry(&eref).into_bytes()),
        (format!("{dir}bibliography.bib"), crate::export::bibtex::works(&cited_works).into_bytes()),
        (format!("{dir}bibliography.ris"), crate::export::ris::works(&cited_works).into_bytes()),
        (format!("{dir}bibliography.json"), crate::export::csl_json::works(&cited_works).into_bytes()),
    ];
    Ok(RenderedEntry { files, body_html: body.html, toc: body.toc })
}

/// "How to cite this entry", in the form the encyclopedias of the field use.
fn how_to_cite(cx: &Ctx, e: &Entry, url: &str) -> String {
    let authors: Vec<String> = e.authors.iter().map(|a| esc(&a.name)).collect();
    let mut s = String::new();
    if !authors.is_empty() {
        s.push_str(&authors.join(", "));
        s.push_str(", ");
    }
    s.push_str(&format!("“{}”, <cite>{}</cite>, [online]", esc(&e.title.v), esc(&cx.site.title)));
    match &e.published {
        Some(p) => {
            s.push_str(&format!(", published on <time datetime=\"{}\">{}</time>", esc(&p.raw), esc(&long_date(&p.raw))))
        }
        None => s.push_str(", not yet published"),
    }
    if let Some(m) = &e.modified {
        if e.published.as_ref().is_none_or(|p| p.raw != m.raw) {
            s.push_str(&format!(
                ", last modified on <time datetime=\"{}\">{}</time>",
                esc(&m.raw),
                esc(&long_date(&m.raw))
            ));
        }
    }
    s.push_str(", accessed <time id=\"access-date\">[date of access]</time>");
    s.push_str(&format!(", URL: <a href=\"{0}\">{0}</a>", esc(url)));
    if let Some(issn) = &cx.site.issn {
        s.push_str(&format!(", ISSN {}", esc(issn)));
    }
    s.push('.');
    // The latest edition that holds the entry: a copy that will not change.
    if let Some(ed) = cx.view.editions.iter().rev().find(|ed| ed.entries.contains(&e.slug)) {
        let frozen = format!("{}editions/{}/entries/{}/", cx.urls.base, ed.name, e.slug);
        s.push_str(&format!(
            " To cite the text as it stands in edition <cite>{name}</cite> (frozen on <time datetime=\"{date}\">{long}</time>): \
             <a href=\"{url}\">{url}</a>.",
            name = esc(&ed.name),
            date = esc(&ed.date),
            long = esc(&long_date(&ed.date)),
            url = esc(&frozen),
        ));
    }
    s
}

/// A rendered site: its files, and the documents its search index was made of.
#[derive(Debug, Clone)]
pub struct RenderedSite {
    /// `(path relative to the site root, contents)`, sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
    /// The searchable documents (entry sections, events, places, works),
    /// for a server's own full-text index.
    pub search_docs: Vec<crate::index::SearchDoc>,
    /// Each entry's body cut into its sections, by slug.
    pub sections: std::collections::HashMap<String, Vec<SectionHtml>>,
}

/// A part of an entry's rendered body: the text before the first section,
/// or one section (a level-2 heading and what follows it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SectionHtml {
    /// The heading's id (empty for the text before the first section).
    pub anchor: String,
    /// The heading's text (empty for the text before the first section).
    pub title: String,
    /// Sanitised HTML, heading included.
    pub html: String,
}

/// Cuts an entry's rendered body at its level-2 headings.
fn sections_of(r: &RenderedEntry) -> Vec<SectionHtml> {
    let html = &r.body_html;
    let mut cuts: Vec<(usize, &str, &str)> = Vec::new();
    for item in r.toc.iter().filter(|t| t.level == 2) {
        if let Some(i) = html.find(&format!("id=\"{}\"", item.anchor)) {
            let start = html[..i].rfind('<').unwrap_or(i);
            cuts.push((start, &item.anchor, &item.title));
        }
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let first = cuts.first().map(|c| c.0).unwrap_or(html.len());
    out.push(SectionHtml { anchor: String::new(), title: String::new(), html: html[..first].to_string() });
    for (i, (start, anchor, title)) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).map(|c| c.0).unwrap_or(html.len());
        out.push(SectionHtml {
            anchor: anchor.to_string(),
            title: title.to_string(),
            html: html[*start..end].to_string(),
        });
    }
    out
}

/// Renders the whole site. `tick` is called once per entry rendered.
pub fn render_site(
    view: &View,
    theme: &Theme,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    render(view, theme, tick).map(|s| s.files)
}

/// Renders the whole site and keeps its search documents. Nothing is kept
/// for a later render, so each entry's files move into the site instead of
/// being copied: a one-off build holds every page once, not twice.
pub fn render(view: &View, theme: &Theme, tick: &(dyn Fn() + Sync)) -> Result<RenderedSite, RenderError> {
    render_with(view, theme, None, true, tick)
}

/// Entry pages kept from one render to the next, each under a key made of
/// everything that goes into it: its own text and data, and what all
/// entries share (configuration, theme, bibliography, gazetteer, entry
/// titles). After an edit to one entry's prose only that entry is rendered
/// again; an edit to the bibliography renders them all.
#[derive(Debug, Default)]
pub struct RenderCache {
    shared: u64,
    entries: HashMap<String, (u64, std::sync::Arc<RenderedEntry>)>,
    /// The site-wide bibliography, formatted: with thousands of works it is
    /// the slowest site page to make, and it depends on shared inputs only.
    bibliography: Option<Vec<cite::BibItem>>,
    /// Entries taken from the cache by the last render.
    pub reused: usize,
    /// Entries rendered by the last render.
    pub rendered: usize,
}

/// Feeds `Debug` output to a hasher without building the string.
struct HashWriter<'a>(&'a mut std::collections::hash_map::DefaultHasher);

impl std::fmt::Write for HashWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        use std::hash::Hasher;
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn debug_hash(parts: &[&dyn std::fmt::Debug]) -> u64 {
    use std::fmt::Write;
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in parts {
        let _ = write!(HashWriter(&mut h), "{p:?}\u{1f}");
    }
    h.finish()
}

/// Renders the site, reusing the entry pages of `cache` whose inputs did not change.
/// The static search index ([`crate::index::INDEX_PATH`]) is not among the
/// files: it is made from the whole corpus on every change, so the server
/// makes it from [`RenderedSite::search_docs`] after the new version is
/// online rather than before.
pub fn render_cached(
    view: &View,
    theme: &Theme,
    cache: &mut RenderCache,
    tick: &(dyn Fn() + Sync),
) -> Result<RenderedSite, RenderError> {
    render_with(view, theme, Some(cache), false, tick)
}

fn render_with(
    view: &View,
    theme: &Theme,
    mut cache: Option<&mut RenderCache>,
    static_index: bool,
    tick: &(dyn Fn() + Sync),
) -> Result<RenderedSite, RenderError> {
    let env = environment(theme)?;
    let c = &view.config;
    let cx = Ctx {
        view,
        env: &env,
        site: site_ctx(view),
        urls: Urls::new(&c.base_url),
        works: view.works.iter().map(|w| (w.key.v.as_str(), w)).collect(),
        places: view.places.iter().map(|p| (p.id.v.as_str(), p)).collect(),
        titles: view.entries.iter().map(|s| (s.entry.slug.as_str(), s.entry.title.v.as_str())).collect(),
    };
    let mut titles: Vec<(&str, &str)> = cx.titles.iter().map(|(k, v)| (*k, *v)).collect();
    titles.sort_unstable();
    let mut rendered: Vec<std::sync::Arc<RenderedEntry>>;
    if let Some(cache) = cache.as_deref_mut() {
        let shared =
            debug_hash(&[&view.audience, &view.config, theme, &view.works, &view.places, &titles, &view.editions]);
        if shared != cache.shared {
            cache.entries.clear();
            cache.bibliography = None;
            cache.shared = shared;
        }
        let keys: Vec<u64> = view.entries.par_iter().map(|se| debug_hash(&[&se.entry, &se.markdown])).collect();
        rendered = view
            .entries
            .par_iter()
            .zip(&keys)
            .map(|(se, key)| {
                let r = match cache.entries.get(&se.entry.slug) {
                    Some((k, r)) if k == key => Ok(r.clone()),
                    _ => render_entry(&cx, se).map(std::sync::Arc::new),
                };
                tick();
                r
            })
            .collect::<Result<_, _>>()?;
        let before: HashMap<&str, u64> = cache.entries.iter().map(|(s, (k, _))| (s.as_str(), *k)).collect();
        let reused =
            view.entries.iter().zip(&keys).filter(|(se, k)| before.get(se.entry.slug.as_str()) == Some(k)).count();
        cache.reused = reused;
        cache.rendered = view.entries.len() - reused;
        cache.entries = view
            .entries
            .iter()
            .zip(&keys)
            .zip(&rendered)
            .map(|((se, k), r)| (se.entry.slug.clone(), (*k, r.clone())))
            .collect();
    } else {
        rendered = view
            .entries
            .par_iter()
            .map(|se| {
                let r = render_entry(&cx, se).map(std::sync::Arc::new);
                tick();
                r
            })
            .collect::<Result<_, _>>()?;
    }
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for r in &mut rendered {
        match std::sync::Arc::get_mut(r) {
            // Not kept by a cache: the bytes move.
            Some(owned) => files.extend(owned.files.drain(..)),
            None => files.extend(r.files.iter().cloned()),
        }
    }
    let site_bibliography = || {
        let works: Vec<&Work> = view.works.iter().collect();
        cite::render_bibliography(view.config.citation_style, &cx.site.lang, &works)
    };
    let bibliography = match cache {
        Some(c) => c.bibliography.get_or_insert_with(site_bibliography).clone(),
        None => site_bibliography(),
    };
    site_pages(&cx, &rendered, &bibliography, &mut files)?;
    files.insert("assets/style.css".into(), theme.css.clone().into_bytes());
    files.insert("assets/site.js".into(), SITE_JS.as_bytes().to_vec());
    files.insert(crate::index::SCRIPT_PATH.into(), crate::index::SEARCH_JS.as_bytes().to_vec());
    let search_docs = search_docs(&cx, &rendered);
    if static_index {
        for (p, b) in crate::index::build(&search_docs) {
            files.insert(p, b);
        }
    }
    exports(&cx, &mut files);
    let sections = view.entries.iter().zip(&rendered).map(|(se, r)| (se.entry.slug.clone(), sections_of(r))).collect();
    Ok(RenderedSite { files: files.into_iter().collect(), search_docs, sections })
}

#[derive(Serialize, Clone)]
struct ListEntry {
    title: String,
    url: String,
    kind_label: &'static str,
    status_label: &'static str,
    draft: bool,
    withdrawn: bool,
    date: Option<String>,
    summary: Option<String>,
    period: Option<String>,
}

fn list_entry(se: &SiteEntry, root: &str) -> ListEntry {
    let e = &se.entry;
    ListEntry {
        title: e.title.v.clone(),
        url: format!("{root}{}", Urls::entry(&e.slug)),
        kind_label: kind_label(e.kind.as_ref().map(|k| k.v)),
        status_label: status_label(e.status.as_ref().map(|s| s.v)),
        draft: !e.status.as_ref().is_some_and(|s| s.v.is_public()),
        withdrawn: e.status.as_ref().is_some_and(|s| s.v == Status::Withdrawn),
        date: e.modified.as_ref().or(e.published.as_ref()).map(|d| long_date(&d.raw)),
        summary: e.summary.clone(),
        period: date_text(&e.period),
    }
}

fn site_pages(
    cx: &Ctx,
    rendered: &[std::sync::Arc<RenderedEntry>],
    bibliography: &[cite::BibItem],
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), RenderError> {
    let view = cx.view;
    let _ = rendered;
    // Home: latest first (by last modification, then publication).
    let mut latest: Vec<&SiteEntry> = view.entries.iter().collect();
    latest.sort_by(|a, b| {
        let key = |s: &SiteEntry| {
            s.entry.modified.as_ref().or(s.entry.published.as_ref()).map(|d| d.raw.clone()).unwrap_or_default()
        };
        key(b).cmp(&key(a)).then(a.entry.slug.cmp(&b.entry.slug))
    });
    let path = "index.html";
    let ctx = ctx! {
        site => cx.site.clone(),
        page => cx.page(path, &cx.site.title, cx.site.description.clone(), "website", "home"),
        latest => latest.iter().take(20).map(|s| list_entry(s, "")).collect::<Vec<_>>(),
    };
    files.insert(path.into(), cx.render("home.html", ctx)?);

    // Entries by kind, region and period.
    let path = "entries/index.html";
    let root = root_of(path);
    let mut by_kind: Vec<minijinja::Value> = Vec::new();
    for k in EntryKind::ALL {
        let entries: Vec<ListEntry> = view
            .entries
            .iter()
            .filter(|s| s.entry.kind.as_ref().map(|x| x.v) == Some(*k))
            .map(|s| list_entry(s, &root))
            .collect();
        if !entries.is_empty() {
            by_kind.push(ctx! { name => kind_label(Some(*k)), entries => entries });
        }
    }
    let mut regions: BTreeMap<String, (String, Vec<ListEntry>)> = BTreeMap::new();
    for s in &view.entries {
        for p in &s.entry.places {
            let Some(place) = cx.places.get(p.v.as_str()) else { continue };
            if place.kind.is_some_and(|k| k.is_point()) {
                continue;
            }
            let slot = regions
                .entry(place.display_name().to_string())
                .or_insert_with(|| (format!("{root}{}", Urls::place(&p.v)), Vec::new()));
            slot.1.push(list_entry(s, &root));
        }
    }
    let by_region: Vec<minijinja::Value> = regions
        .into_iter()
        .map(|(name, (url, entries))| ctx! { name => name, url => url, entries => entries })
        .collect();
    let mut by_period: Vec<&SiteEntry> =
        view.entries.iter().filter(|s| s.entry.period.as_ref().is_some_and(|p| p.edtf.is_some())).collect();
    by_period.sort_by_key(|s| {
        (s.entry.period.as_ref().and_then(|p| p.edtf.as_ref()).map(|d| d.sort_key()), s.entry.slug.clone())
    });
    let ctx = ctx! {
        site => cx.site.clone(),
        page => cx.page(path, "Entries", None, "website", "entries"),
        by_kind => by_kind,
        by_region => by_region,
        by_period => by_period.iter().map(|s| list_entry(s, &root)).collect::<Vec<_>>(),
    };
    files.insert(path.into(), cx.render("entries.html", ctx)?);

    // Chronology: every entry's events, EDTF-aware order.
    let path = "chronology/index.html";
    let root = root_of(path);
    let mut all: Vec<(edtf::Edtf, &SiteEntry, &crate::model::Event)> = Vec::new();
    for s in &view.entries {
        for ev in &s.entry.events {
            if let Some(d) = ev.date.as_ref().and_then(|d| d.edtf.clone()) {
                all.push((d, s, ev));
            }
        }
    }
    all.sort_by(|a, b| {
        a.0.sort_key().cmp(&b.0.sort_key()).then(a.1.entry.slug.cmp(&b.1.entry.slug)).then(a.2.id.v.cmp(&b.2.id.v))
    });
    let chrono_events: Vec<minijinja::Value> = all
        .iter()
        .map(|(d, s, ev)| {
            let entry_url = format!("{root}{}", Urls::entry(&s.entry.slug));
            ctx! {
                date => d.humanize(), edtf => d.to_string(), fuzzy => is_fuzzy(d), label => ev.label.clone(),
                url => format!("{entry_url}#event-{}", ev.id.v), entry_url => entry_url, entry_title => s.entry.title.v.clone(),
                verified => ev.verified,
            }
        })
        .collect();
    let tl: Vec<TimelineEvent> = all
        .iter()
        .map(|(d, s, ev)| TimelineEvent {
            id: format!("{}-{}", s.entry.slug, ev.id.v),
            label: ev.label.clone(),
            date: d.clone(),
            href: format!("{root}{}#event-{}", Urls::entry(&s.entry.slug), ev.id.v),
        })
        .collect();
    let ctx = ctx! {
        site => cx.site.clone(),
        page => cx.page(path, "Chronology", None, "website", "chronology"),
        events => chrono_events,
        timeline => svg::timeline(&tl),
    };
    files.insert(path.into(), cx.render("chronology.html", ctx)?);

    // Places: the gazetteer and a page per place with what mentions it.
    let mut mentions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut place_events: BTreeMap<&str, Vec<(&SiteEntry, &crate::model::Event)>> = BTreeMap::new();
    for s in &view.entries {
        let e = &s.entry;
        for p in e.places.iter().chain(e.figures.iter().flat_map(|f| &f.measure.places)) {
            mentions.entry(p.v.as_str()).or_default().insert(e.slug.as_str());
        }
        for ev in &e.events {
            for p in &ev.places {
                mentions.entry(p.v.as_str()).or_default().insert(e.slug.as_str());
                place_events.entry(p.v.as_str()).or_default().push((s, ev));
            }
        }
    }
    let path = "places/index.html";
    let root = root_of(path);
    let names_of = |p: &Place| -> Vec<minijinja::Value> {
        let shown = p.display_name();
        p.names
            .iter()
            .filter(|n| n.name != shown)
            .map(|n| {
                let detail: Vec<String> =
                    [n.lang.clone(), n.script.clone(), n.romanization.clone()].into_iter().flatten().collect();
                ctx! { name => n.name.clone(), lang => n.lang.clone(), detail => detail.join(", ") }
            })
            .collect()
    };
    let coords = |p: &Place| {
        p.coordinates.as_ref().map(|c| {
            format!(
                "{:.2}° {}, {:.2}° {}",
                c.v.lat.abs(),
                if c.v.lat >= 0.0 { "N" } else { "S" },
                c.v.lon.abs(),
                if c.v.lon >= 0.0 { "E" } else { "W" }
            )
        })
    };
    let map_places = |root: &str| -> Vec<MapPlace> {
        view.places
            .iter()
            .filter_map(|p| {
                p.coordinates.as_ref().map(|c| MapPlace {
                    id: p.id.v.clone(),
                    name: p.display_name().to_string(),
                    lat: c.v.lat,
                    lon: c.v.lon,
                    precision: p.precision.map(|x| x.as_str().to_string()).unwrap_or_default(),
                    href: format!("{root}{}", Urls::place(&p.id.v)),
                })
            })
            .collect()
    };
    let mut sorted_places: Vec<&Place> = view.places.iter().collect();
    sorted_places.sort_by_key(|p| p.display_name().to_lowercase());
    let rows: Vec<minijinja::Value> = sorted_places
        .iter()
        .map(|p| {
            ctx! {
                name => p.display_name(), url => format!("{root}{}", Urls::place(&p.id.v)), other_names => names_of(p),
                kind => p.kind.map(|k| k.as_str()).unwrap_or_default(), coordinates => coords(p).unwrap_or_default(),
                entry_count => mentions.get(p.id.v.as_str()).map(|s| s.len()).unwrap_or(0),
                verified => p.verified,
            }
        })
        .collect();
    let ctx = ctx! {
        site => cx.site.clone(),
        page => cx.page(path, "Places", None, "website", "places"),
        places => rows,
        map => svg::map(&map_places(&root)),
    };
    files.insert(path.into(), cx.render("places.html", ctx)?);
    for p in &view.places {
        let path = Urls::place(&p.id.v);
        let root = root_of(&path);
        let entries: Vec<minijinja::Value> = mentions
            .get(p.id.v.as_str())
            .into_iter()
            .flatten()
            .filter_map(|slug| {
                cx.titles.get(slug).map(|t| ctx! { title => *t, url => format!("{root}{}", Urls::entry(slug)) })
            })
            .collect();
        let mut evs: Vec<&(&SiteEntry, &crate::model::Event)> =
            place_events.get(p.id.v.as_str()).map(|v| v.iter().collect()).unwrap_or_default();
        evs.sort_by_key(|(s, ev)| {
            (ev.date.as_ref().and_then(|d| d.edtf.as_ref()).map(|d| d.sort_key()), s.entry.slug.clone())
        });
        let events: Vec<minijinja::Value> = evs
            .iter()
            .map(|(s, ev)| {
                ctx! {
                    date => date_text(&ev.date).unwrap_or_default(), label => ev.label.clone(), entry_title => s.entry.title.v.clone(),
                    url => format!("{root}{}#event-{}", Urls::entry(&s.entry.slug), ev.id.v),
                }
            })
            .collect();
        let one: Vec<MapPlace> = map_places(&root).into_iter().filter(|m| m.id == p.id.v).collect();
        let place = ctx! {
            name => p.display_name(), other_names => names_of(p), kind => p.kind.map(|k| k.as_str()).unwrap_or_default(),
            coordinates => coords(p), precision => p.precision.map(|x| x.as_str()).unwrap_or_default(), verified => p.verified,
            part_of => p.part_of.as_ref().and_then(|x| cx.place_link(&x.v, &root)), period => date_text(&p.period), note => p.note.clone(),
        };
        let ctx = ctx! {
            site => cx.site.clone(),
            page => cx.page(&path, p.display_name(), p.note.clone(), "place", "place"),
            place => place, entries => entries, events => events, map => svg::map(&one),
        };
        files.insert(path, cx.render("place.html", ctx)?);
    }

    // Bibliography with "cited in".
    let path = "bibliography/index.html";
    let root = root_of(path);
    let mut cited_in: BTreeMap<&str, Vec<&SiteEntry>> = BTreeMap::new();
    for s in &view.entries {
        let keys: BTreeSet<&str> = crate::check::cited_keys(&s.entry).into_iter().map(|(k, _)| k).collect();
        for k in keys {
            cited_in.entry(k).or_default().push(s);
        }
    }
    let rows: Vec<minijinja::Value> = bibliography
        .iter()
        .map(|b| {
            let cited: Vec<minijinja::Value> = cited_in
                .get(b.key.as_str())
                .into_iter()
                .flatten()
                .map(|s| ctx! { title => s.entry.title.v.clone(), url => format!("{root}{}", Urls::entry(&s.entry.slug)) })
                .collect();
            ctx! { key => b.key.clone(), html => b.html.clone(), cited_in => cited }
        })
        .collect();
    let ctx = ctx! {
        site => cx.site.clone(),
        page => cx.page(path, "Bibliography", None, "website", "bibliography"),
        works => rows,
    };
    files.insert(path.into(), cx.render("bibliography.html", ctx)?);

    // Figures compared across entries: the same measure, side by side.
    let path = "figures/index.html";
    let root = root_of(path);
    let mut measures: BTreeMap<String, Vec<minijinja::Value>> = BTreeMap::new();
    for s in &view.entries {
        for f in &s.entry.figures {
            for x in &f.estimates {
                let entry_url = format!("{root}{}", Urls::entry(&s.entry.slug));
                measures.entry(f.measure.what.trim().to_lowercase()).or_default().push(ctx! {
                    who => f.measure.who.clone().unwrap_or_default(), value => estimate_value(f, x, &s.entry.language),
                    period => date_text(&x.period).or_else(|| date_text(&f.measure.period)).unwrap_or_default(),
                    basis => basis_label(x), rank => x.rank.as_str(), verified => x.verified,
                    source => short_source(cx, x, &root),
                    url => format!("{entry_url}#fig-{}-{}", f.id.v, x.id.v), entry_url => entry_url, entry_title => s.entry.title.v.clone(),
                });
            }
        }
    }
    // A measure that only one entry has is not a comparison: list the
    // shared ones first, then the rest.
    let mut measure_rows: Vec<(String, Vec<minijinja::Value>)> = measures.into_iter().collect();
    measure_rows.sort_by_key(|(what, rows)| (std::cmp::Reverse(rows.len().min(2)), what.clone()));
    let ctx = ctx! {
        site => cx.site.clone(),
        page => cx.page(path, "Figures", None, "website", "figures"),
        measures => measure_rows.into_iter().map(|(what, rows)| ctx! { what => what, rows => rows }).collect::<Vec<_>>(),
    };
    files.insert(path.into(), cx.render("figures.html", ctx)?);

    for (path, template, title, kind) in
        [("search/index.html", "search.html", "Search", "search"), ("about/index.html", "about.html", "About", "about")]
    {
        let ctx = ctx! {
            site => cx.site.clone(),
            page => cx.page(path, title, None, "website", kind),
            stats => ctx! { entries => view.entries.len(), works => view.works.len(), places => view.places.len() },
            search => (),
        };
        files.insert(path.into(), cx.render(template, ctx)?);
    }
    // The 404 page is served at any depth: its links start from the site's
    // own path.
    let base_path =
        cx.site.base_url.splitn(4, '/').nth(3).map(|p| format!("/{}", p.trim_end_matches('/'))).unwrap_or_default();
    let mut page = cx.page("404.html", "Page not found", None, "website", "not-found");
    page.root = format!("{base_path}/");
    let ctx = ctx! { site => cx.site.clone(), page => page };
    files.insert("404.html".into(), cx.render("404.html", ctx)?);
    Ok(())
}

/// Site-wide exports: the bibliography, the data tables, places, feeds.
fn exports(cx: &Ctx, files: &mut BTreeMap<String, Vec<u8>>) {
    use crate::export::{bibtex, csl_json, feeds, geojson, ris, tables};
    let view = cx.view;
    let works: Vec<&Work> = view.works.iter().collect();
    files.insert("bibliography.bib".into(), bibtex::works(&works).into_bytes());
    files.insert("bibliography.ris".into(), ris::works(&works).into_bytes());
    files.insert("bibliography.json".into(), csl_json::works(&works).into_bytes());
    let entries: Vec<&Entry> = view.entries.iter().map(|s| &s.entry).collect();
    files.insert("figures.csv".into(), tables::figures_csv(&entries).into_bytes());
    files.insert("events.csv".into(), tables::events_csv(&entries).into_bytes());
    let mut mentions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &entries {
        let ids = e
            .places
            .iter()
            .chain(e.events.iter().flat_map(|x| &x.places))
            .chain(e.figures.iter().flat_map(|f| &f.measure.places));
        for id in ids {
            let v = mentions.entry(id.v.clone()).or_default();
            if !v.contains(&e.slug) {
                v.push(e.slug.clone());
            }
        }
    }
    let places: Vec<&Place> = view.places.iter().collect();
    files.insert("places.geojson".into(), geojson::places(&places, &mentions).into_bytes());
    let with_urls: Vec<(&Entry, String)> =
        entries.iter().map(|e| (*e, cx.urls.absolute(&Urls::entry(&e.slug)))).collect();
    files.insert(feeds::FEED_PATH.into(), feeds::atom(&view.config, &with_urls).into_bytes());
    let mut pages: Vec<(String, Option<String>)> = files
        .keys()
        .filter(|p| p.ends_with("index.html"))
        .map(|p| (p.trim_end_matches("index.html").to_string(), None))
        .collect();
    for (p, lastmod) in &mut pages {
        if let Some(slug) = p.strip_prefix("entries/").map(|s| s.trim_end_matches('/')) {
            *lastmod = view
                .entries
                .iter()
                .find(|s| s.entry.slug == slug)
                .and_then(|s| s.entry.modified.as_ref().or(s.entry.published.as_ref()))
                .map(|d| d.raw.clone());
        }
    }
    if view.audience == Audience::Public {
        files.insert(feeds::SITEMAP_PATH.into(), feeds::sitemap(&cx.site.base_url, &pages).into_bytes());
        files.insert("robots.txt".into(), feeds::robots(&cx.site.base_url).into_bytes());
    } else {
        // An internal edition is not for search engines.
        files.insert("robots.txt".into(), b"User-agent: *\nDisallow: /\n".to_vec());
    }
}

/// A short, linked source for comparison tables: "Bugai 1992, pp. 264-265".
fn short_source(cx: &Ctx, x: &Estimate, root: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(s) = &x.source {
        for item in &s.v.items {
            let Some(w) = cx.works.get(item.key.as_str()) else { continue };
            let loc = item.locator.as_ref().map(|l| format!(", {l}")).unwrap_or_default();
            parts.push(format!(
                "<a href=\"{root}bibliography/index.html#ref-{}\">{}</a>{}",
                esc(&w.key.v),
                esc(&w.short()),
                esc(&loc)
            ));
        }
    }
    if let Some(a) = &x.attribution {
        parts.push(esc(a));
    }
    parts.join("; ")
}

/// Plain text of an HTML fragment (for the search index).
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Earliest and latest day of an EDTF field, for the search facets.
fn bounds(d: Option<&DateField>) -> Option<(edtf::Day, edtf::Day)> {
    let e = d?.edtf.as_ref()?;
    Some((e.earliest().unwrap_or(edtf::Day::MIN), e.latest().unwrap_or(edtf::Day::MAX)))
}

/// The language a BibLaTeX record declares (`langid`, `language`), as a code.
fn work_language(w: &Work) -> Option<String> {
    let lang = w.record.as_ref()?.language()?;
    Some(lang.language.as_str().to_string())
}

fn search_docs(cx: &Ctx, rendered: &[std::sync::Arc<RenderedEntry>]) -> Vec<crate::index::SearchDoc> {
    use crate::index::SearchDoc;
    let mut docs = Vec::new();
    for (se, r) in cx.view.entries.iter().zip(rendered) {
        let e = &se.entry;
        let url = Urls::entry(&e.slug);
        // The summary and everything before the first section.
        let sections = sections_of(r);
        let mut intro = e.summary.clone().unwrap_or_default();
        intro.push(' ');
        intro.push_str(&text_of(&sections[0].html));
        let mut extra: Vec<String> = e.tags.clone();
        for p in e.places.iter().filter_map(|p| cx.places.get(p.v.as_str())) {
            extra.extend(p.names.iter().map(|n| n.name.clone()));
        }
        intro.push(' ');
        intro.push_str(&extra.join(" "));
        // What every document of this entry is filed under.
        let facets = SearchDoc {
            entry: Some(e.slug.clone()),
            kind: e.kind.as_ref().map(|k| k.v.as_str()).unwrap_or("entry").to_string(),
            places: e.places.iter().map(|p| p.v.clone()).collect(),
            period: bounds(e.period.as_ref()),
            authors: e.authors.iter().map(|a| a.name.clone()).collect(),
            language: e.language.clone(),
            ..SearchDoc::default()
        };
        docs.push(SearchDoc {
            url: url.clone(),
            title: e.title.v.clone(),
            section: kind_label(e.kind.as_ref().map(|k| k.v)).to_string(),
            text: intro.trim().to_string(),
            ..facets.clone()
        });
        for s in &sections[1..] {
            docs.push(SearchDoc {
                url: format!("{url}#{}", s.anchor),
                title: e.title.v.clone(),
                section: s.title.clone(),
                text: text_of(&s.html),
                ..facets.clone()
            });
        }
        for ev in &e.events {
            let mut text = ev.label.clone();
            for extra in ev.description.iter().chain(ev.attribution.iter()) {
                text.push(' ');
                text.push_str(extra);
            }
            for p in ev.places.iter().filter_map(|p| cx.places.get(p.v.as_str())) {
                for n in &p.names {
                    text.push(' ');
                    text.push_str(&n.name);
                }
            }
            docs.push(SearchDoc {
                url: format!("{url}#event-{}", ev.id.v),
                title: e.title.v.clone(),
                section: format!("Event: {}", ev.date.as_ref().map(|d| d.raw.as_str()).unwrap_or("undated")),
                text,
                kind: "event".into(),
                places: ev.places.iter().map(|p| p.v.clone()).collect(),
                period: bounds(ev.date.as_ref()),
                ..facets.clone()
            });
        }
    }
    for p in &cx.view.places {
        let names: Vec<&str> = p.names.iter().map(|n| n.name.as_str()).collect();
        let mut within = vec![p.id.v.clone()];
        let mut up = p.part_of.as_ref().map(|x| x.v.as_str());
        while let Some(id) = up.filter(|id| !within.iter().any(|w| w == id)) {
            within.push(id.to_string());
            up = cx.places.get(id).and_then(|q| q.part_of.as_ref()).map(|x| x.v.as_str());
        }
        docs.push(SearchDoc {
            url: Urls::place(&p.id.v),
            title: p.display_name().to_string(),
            section: "Place".to_string(),
            text: format!("{} {}", names.join(" "), p.note.clone().unwrap_or_default()),
            kind: "place".into(),
            places: within,
            period: bounds(p.period.as_ref()),
            language: cx.site.lang.clone(),
            ..SearchDoc::default()
        });
    }
    for w in &cx.view.works {
        let authors: Vec<String> =
            w.authors.iter().map(|a| format!("{} {}", a.given.clone().unwrap_or_default(), a.family)).collect();
        docs.push(SearchDoc {
            url: format!("bibliography/index.html#ref-{}", w.key.v),
            title: w.title.clone(),
            section: "Work".to_string(),
            text: format!("{} {} {}", authors.join(" "), w.year.map(|y| y.to_string()).unwrap_or_default(), w.title),
            kind: "work".into(),
            period: w.year.map(|y| {
                let y = i64::from(y);
                (edtf::Day { year: y, month: 1, day: 1 }, edtf::Day { year: y, month: 12, day: 31 })
            }),
            authors: w.authors.iter().map(|a| a.family.clone()).collect(),
            language: work_language(w).unwrap_or_else(|| cx.site.lang.clone()),
            ..SearchDoc::default()
        });
    }
    docs
}
