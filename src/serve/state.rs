//! What the server holds between requests: the current rendering of the
//! project as one immutable [`Snapshot`], swapped whole when the project
//! changes, so a request sees one consistent version from start to end.
//!
//! A snapshot's files, API answers and search results are all cut from the
//! public [`View`], so restricted material, removed by [`access::view`],
//! cannot reach an unauthenticated answer by any route. It also holds the
//! internal view, which only [`Snapshot::cleared_entry`] reads, through a
//! [`Clearance`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::Serialize;

use crate::access::{self, Audience, Clearance, View};
use crate::render::site::{self, RenderError, Theme};
use crate::source::load::{self, LoadError, Loaded};
use crate::Analysis;

use super::asset::Asset;

/// Where the project comes from.
#[derive(Debug, Clone)]
pub enum Project {
    /// The sample encyclopedia embedded in the binary.
    Embedded,
    /// A folder on disk.
    Dir(PathBuf),
}

impl Project {
    /// Reads the project's files.
    pub fn load(&self) -> Result<Loaded, LoadError> {
        match self {
            Project::Embedded => load::load_files(crate::sample::sample_files()),
            Project::Dir(dir) => load::load_dir(dir),
        }
    }

    /// The theme: the project's overrides, or the default.
    pub fn theme(&self) -> Result<Theme, crate::build::BuildError> {
        match self {
            Project::Embedded => Ok(Theme::default()),
            Project::Dir(dir) => crate::build::load_theme(dir),
        }
    }
}

/// A diagnostic as the browser overlay and `/_attest/status` show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Stable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// Project-relative path.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// What to do.
    pub hint: Option<String>,
}

impl Problem {
    /// A diagnostic of files `sources`, as shown.
    pub fn new(sources: &crate::source::SourceSet, d: &crate::diag::Diagnostic) -> Problem {
        let j = crate::report::json_diag(sources, d);
        Problem {
            severity: j.severity,
            code: j.code.to_string(),
            message: j.message.to_string(),
            file: j.file.map(str::to_string),
            line: j.line,
            column: j.column,
            hint: j.hint.map(str::to_string),
        }
    }
}

/// One consistent rendering of the project.
#[derive(Debug)]
pub struct Snapshot {
    /// Counts up from 1 with every reload.
    pub generation: u64,
    /// What the public may see; every answer is cut from it.
    pub view: View,
    /// Everything, restricted material marked: for the store's internal
    /// tables and, through a [`Clearance`], for those cleared to see it.
    pub internal: View,
    /// The rendered site by path (`entries/x/index.html`).
    pub files: HashMap<String, Arc<Asset>>,
    /// The rendered HTML of each entry's sections, by slug.
    pub sections: HashMap<String, Vec<site::SectionHtml>>,
    /// The documents of the search index.
    pub search_docs: Vec<crate::index::SearchDoc>,
    /// Errors and warnings of the check, for the overlay.
    pub problems: Vec<Problem>,
    /// When this snapshot was made.
    pub made: SystemTime,
    /// Entry pages rendered for this snapshot (the others were reused).
    pub rendered_entries: usize,
    /// The theme, compiled, for pages made on request (search results).
    pub pages: site::PageRenderer,
    /// The static site's search index (`search/index.js`), made once from
    /// `search_docs` after the snapshot is online (see [`Snapshot::static_index`]).
    static_index: std::sync::OnceLock<Arc<Asset>>,
    /// Each entry's file (project-relative path) by slug, restricted
    /// entries included: where its revisions are stored.
    pub entry_paths: HashMap<String, String>,
    /// Whether pages carry the live-reload script.
    live: bool,
    /// Entry files from the internal view, made on first request, by slug.
    cleared: std::sync::Mutex<HashMap<String, Arc<EntryFiles>>>,
}

/// One entry's files (page and downloads) by site path.
pub type EntryFiles = HashMap<String, Arc<Asset>>;

impl Snapshot {
    /// The static search index of this snapshot, made on first use: the
    /// server starts making it as soon as the snapshot is served, and a
    /// request that comes earlier waits for that one making, so no reader
    /// gets an index of another version.
    pub fn static_index(&self) -> Arc<Asset> {
        self.static_index
            .get_or_init(|| {
                let bytes = crate::index::build(&self.search_docs)
                    .into_iter()
                    .find(|(p, _)| p == crate::index::INDEX_PATH)
                    .map(|(_, b)| b)
                    .unwrap_or_default();
                Arc::new(Asset::new(crate::index::INDEX_PATH, bytes, self.made))
            })
            .clone()
    }

    /// Makes the static search index on another thread.
    pub fn prepare(self: &Arc<Self>) {
        let snap = self.clone();
        std::thread::spawn(move || {
            snap.static_index();
        });
    }

    /// Entry `slug`'s files from the internal view, when `clearance`
    /// covers it (`None` otherwise, or when there is no such entry: the
    /// public files are then all that may be shown). Rendered on first
    /// request and kept for this snapshot.
    pub fn cleared_entry(&self, clearance: &Clearance, slug: &str) -> Result<Option<Arc<EntryFiles>>, RenderError> {
        if clearance.entry(&self.internal, slug).is_none() {
            return Ok(None);
        }
        if let Some(files) = self.cleared.lock().unwrap_or_else(|e| e.into_inner()).get(slug) {
            return Ok(Some(files.clone()));
        }
        // Rendered outside the lock: two first requests may both render.
        let Some(rendered) = self.pages.entry_files(&self.internal, slug)? else { return Ok(None) };
        let files: EntryFiles = rendered
            .into_iter()
            .map(|(path, bytes)| {
                let bytes = if self.live && path.ends_with(".html") { with_live_tag(bytes) } else { bytes };
                let asset = Arc::new(Asset::new(&path, bytes, self.made));
                (path, asset)
            })
            .collect();
        let files = Arc::new(files);
        self.cleared.lock().unwrap_or_else(|e| e.into_inner()).insert(slug.to_string(), files.clone());
        Ok(Some(files))
    }

    /// Number of errors among the problems.
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == "error").count()
    }
}

/// The script tag added to every page while the server watches a project.
pub const LIVE_TAG: &str = "<script src=\"/_attest/live.js\" defer></script>";

/// Renders an analysed project for the public. With `live`, every page
/// loads the reload-and-overlay script. Files whose bytes did not change
/// keep the time and compressed copies they had in `previous`.
pub fn snapshot(
    analysis: &Analysis,
    theme: &Theme,
    live: bool,
    previous: Option<&Snapshot>,
    cache: &mut site::RenderCache,
) -> Result<Snapshot, RenderError> {
    snapshot_with(analysis, None, &[], theme, live, previous, cache)
}

/// Published versions of entry files, by project-relative path: what the
/// public keeps seeing while a newer draft of the entry is written and
/// reviewed (see [`public_analysis`]). Shared texts, so that recording one
/// copies pointers, not every text.
pub type Publications = HashMap<String, Arc<[u8]>>;

/// Publications as the store lists them.
pub fn publications_from(rows: Vec<(String, Vec<u8>)>) -> Publications {
    rows.into_iter().map(|(p, b)| (p, Arc::from(b))).collect()
}

/// The project as the public sees it, when that differs from `working`:
/// each entry whose file is now a draft or in review, and which has a
/// published version in `published`, is read from that version instead.
/// `None` when no entry is in that case (the usual one: `working` is then
/// what the public view is cut from). Parse results come from `parse`.
pub fn public_analysis(
    working: &Analysis,
    published: &Publications,
    parse: &mut crate::parse::cache::ParseCache,
) -> Option<Analysis> {
    if published.is_empty() {
        return None;
    }
    let replaced: HashMap<&str, &[u8]> = working
        .corpus
        .entries
        .iter()
        .filter(|e| !e.status.as_ref().is_some_and(|s| s.v.is_public()))
        .filter_map(|e| {
            let path = working.sources.get(e.file).path.as_str();
            published.get(path).map(|b| (path, &b[..]))
        })
        .collect();
    if replaced.is_empty() {
        return None;
    }
    let files: Vec<(&str, &[u8])> = working
        .sources
        .iter()
        .filter(|(_, f)| f.ok)
        .map(|(_, f)| (f.path.as_str(), replaced.get(f.path.as_str()).copied().unwrap_or(f.text.as_bytes())))
        .collect();
    let loaded = load::load_files(files).ok()?;
    Some(crate::analyze_cached(loaded, parse, &|| {}))
}

/// As [`snapshot`], with the public view cut from `public` when given
/// (see [`public_analysis`]) and the `editions` already cut named on the
/// pages; everything else (the internal view, the problems, the entries'
/// files) comes from `analysis`, the project as it is being written.
pub fn snapshot_with(
    analysis: &Analysis,
    public: Option<&Analysis>,
    editions: &[crate::model::Edition],
    theme: &Theme,
    live: bool,
    previous: Option<&Snapshot>,
    cache: &mut site::RenderCache,
) -> Result<Snapshot, RenderError> {
    let mut view = access::view(public.unwrap_or(analysis), Audience::Public);
    view.editions = editions.to_vec();
    let mut internal = access::view(analysis, Audience::Internal);
    internal.editions = editions.to_vec();
    let rendered = site::render_cached(&view, theme, cache, &|| {})?;
    let now = SystemTime::now();
    let mut files = HashMap::with_capacity(rendered.files.len());
    for (path, mut bytes) in rendered.files {
        if live && path.ends_with(".html") {
            bytes = with_live_tag(bytes);
        }
        let asset = match previous.and_then(|p| p.files.get(&path)) {
            Some(old) if old.body[..] == bytes[..] => old.clone(),
            _ => Arc::new(Asset::new(&path, bytes, now)),
        };
        files.insert(path, asset);
    }
    let problems = analysis.diagnostics.iter().map(|d| Problem::new(&analysis.sources, d)).collect();
    Ok(Snapshot {
        generation: previous.map_or(1, |p| p.generation + 1),
        files,
        sections: rendered.sections,
        search_docs: rendered.search_docs,
        problems,
        made: now,
        rendered_entries: cache.rendered,
        pages: site::PageRenderer::new(&view, theme)?,
        static_index: std::sync::OnceLock::new(),
        live,
        cleared: Default::default(),
        entry_paths: analysis
            .corpus
            .entries
            .iter()
            .map(|e| (e.slug.clone(), analysis.sources.get(e.file).path.clone()))
            .collect(),
        view,
        internal,
    })
}

fn with_live_tag(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(text) = String::from_utf8(bytes) else { unreachable!("rendered pages are UTF-8") };
    match text.rfind("</body>") {
        Some(i) => {
            let mut out = String::with_capacity(text.len() + LIVE_TAG.len() + 1);
            out.push_str(&text[..i]);
            out.push_str(LIVE_TAG);
            out.push('\n');
            out.push_str(&text[i..]);
            out.into_bytes()
        }
        None => text.into_bytes(),
    }
}

/// Something the live-reload channel tells open pages.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LiveEvent {
    /// A new snapshot is being served: reload.
    Reload {
        /// Its generation.
        generation: u64,
        /// Errors of the check (shown over the page).
        errors: usize,
    },
    /// The project could not be read or rendered; the last good version is
    /// still served.
    Failed {
        /// Why.
        message: String,
    },
}

/// The state shared by every request.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// What one reload keeps for the next, so that an edit to one entry parses
/// and renders that entry only.
#[derive(Debug, Default)]
pub struct Caches {
    /// Parse results by file.
    pub parse: crate::parse::cache::ParseCache,
    /// Rendered entry pages.
    pub render: site::RenderCache,
}

struct Inner {
    snapshot: RwLock<Arc<Snapshot>>,
    live: Option<tokio::sync::broadcast::Sender<LiveEvent>>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    last_failure: RwLock<Option<String>>,
    cache: std::sync::Mutex<Caches>,
    search: Arc<crate::search::SearchIndex>,
    publications: RwLock<Arc<Publications>>,
    auth: std::sync::OnceLock<super::auth::Auth>,
    project: std::sync::OnceLock<PathBuf>,
}

impl AppState {
    /// State serving `snapshot`, with an in-memory search index filled from
    /// it. `live` turns on the reload channel.
    pub fn new(snapshot: Snapshot, live: bool, shutdown: tokio::sync::watch::Receiver<bool>) -> AppState {
        let search = crate::search::SearchIndex::in_memory().expect("an in-memory index opens");
        search.sync(&snapshot.search_docs).expect("an in-memory index takes the documents");
        AppState::with_search(snapshot, live, shutdown, Arc::new(search))
    }

    /// State serving `snapshot` and answering searches from `search`, which
    /// the caller keeps in step with the snapshots.
    pub fn with_search(
        snapshot: Snapshot,
        live: bool,
        shutdown: tokio::sync::watch::Receiver<bool>,
        search: Arc<crate::search::SearchIndex>,
    ) -> AppState {
        let snapshot = Arc::new(snapshot);
        snapshot.prepare();
        AppState {
            inner: Arc::new(Inner {
                snapshot: RwLock::new(snapshot),
                live: live.then(|| tokio::sync::broadcast::channel(16).0),
                shutdown,
                last_failure: RwLock::new(None),
                cache: Default::default(),
                search,
                publications: Default::default(),
                auth: std::sync::OnceLock::new(),
                project: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The same state with accounts: signing in, sessions and the audit
    /// page work from now on. Without it nobody can sign in. Only the
    /// first call counts.
    pub fn with_auth(self, auth: super::auth::Auth) -> AppState {
        let _ = self.inner.auth.set(auth);
        self
    }

    /// The same state with the project folder that saves from the browser
    /// write to. Without it (the bundled sample) nothing can be edited.
    /// Only the first call counts.
    pub fn with_project(self, dir: PathBuf) -> AppState {
        let _ = self.inner.project.set(dir);
        self
    }

    /// The published versions of entry files, which reloads read.
    pub fn publications(&self) -> Arc<Publications> {
        self.inner.publications.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the published versions (loaded from the database).
    pub fn set_publications(&self, all: Publications) {
        *self.inner.publications.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(all);
    }

    /// Records that `content` is now the published version of `path`.
    pub fn set_publication(&self, path: &str, content: Vec<u8>) {
        let mut guard = self.inner.publications.write().unwrap_or_else(|e| e.into_inner());
        let mut all = (**guard).clone();
        all.insert(path.to_string(), Arc::from(content));
        *guard = Arc::new(all);
    }

    /// The project folder, when entries may be edited in the browser.
    pub fn project_dir(&self) -> Option<&std::path::Path> {
        self.inner.project.get().map(PathBuf::as_path)
    }

    /// The accounts, when the server has them.
    pub fn auth(&self) -> Option<super::auth::Auth> {
        self.inner.auth.get().cloned()
    }

    /// The snapshot being served.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Serves `snapshot` from now on and tells open pages to reload.
    pub fn replace(&self, snapshot: Snapshot) {
        let event = LiveEvent::Reload { generation: snapshot.generation, errors: snapshot.errors() };
        let snapshot = Arc::new(snapshot);
        snapshot.prepare();
        *self.inner.snapshot.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        *self.inner.last_failure.write().unwrap_or_else(|e| e.into_inner()) = None;
        self.notify(event);
    }

    /// Records that a reload failed (the old snapshot stays).
    pub fn failed(&self, message: String) {
        *self.inner.last_failure.write().unwrap_or_else(|e| e.into_inner()) = Some(message.clone());
        self.notify(LiveEvent::Failed { message });
    }

    /// Why the last reload failed, if it did.
    pub fn last_failure(&self) -> Option<String> {
        self.inner.last_failure.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn notify(&self, event: LiveEvent) {
        if let Some(tx) = &self.inner.live {
            // No open page is not an error.
            let _ = tx.send(event);
        }
    }

    /// The parse results and entry pages kept for the next reload (one
    /// reload at a time holds them).
    pub fn caches(&self) -> std::sync::MutexGuard<'_, Caches> {
        self.inner.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The full-text index of the public view.
    pub fn search(&self) -> Arc<crate::search::SearchIndex> {
        self.inner.search.clone()
    }

    /// Whether pages reload on change (the server watches a folder).
    pub fn is_live(&self) -> bool {
        self.inner.live.is_some()
    }

    /// A receiver of live events, when live.
    pub fn subscribe(&self) -> Option<tokio::sync::broadcast::Receiver<LiveEvent>> {
        self.inner.live.as_ref().map(|tx| tx.subscribe())
    }

    /// Becomes true when the server is shutting down.
    pub fn shutdown(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.shutdown.clone()
    }
}
