//! What the server keeps beyond memory, brought up to date with every
//! snapshot: the store (a revision of every changed source file, and the
//! derived model of the public and internal views) and the full-text index
//! of the public view.
//!
//! The order makes a crash at any moment harmless: sources are recorded in
//! one transaction first, then the model, then the index; a process killed
//! in between leaves what was stored before intact, and the next start
//! records and derives again from the files (nothing to repair by hand).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::search::SearchIndex;
use crate::store::{ModelChange, Store};
use crate::Analysis;

use super::state::{Project, Snapshot};

/// Why the store or the index could not be opened or updated.
#[derive(Debug, thiserror::Error)]
pub enum BackingError {
    /// The database.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The search index.
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    /// The folder for the database could not be made.
    #[error("cannot create {}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The store and the search index.
#[derive(Clone)]
pub struct Backing {
    /// The database.
    pub store: Store,
    /// The full-text index (public view only).
    pub search: Arc<SearchIndex>,
    /// Where the index lives on disk (`None` in memory).
    pub search_dir: Option<PathBuf>,
    /// Whether this process has written the whole model once. Until it
    /// has, the stored model may come from another version of the files
    /// (an earlier run), so the first update writes all of it.
    model_written: Arc<std::sync::atomic::AtomicBool>,
}

/// The database path used when none is given: `DIR/.attest/attest.db` for a
/// folder, `None` (in memory) for the embedded sample.
pub fn default_db(project: &Project) -> Option<PathBuf> {
    match project {
        Project::Dir(dir) => Some(dir.join(".attest").join("attest.db")),
        Project::Embedded => None,
    }
}

impl Backing {
    /// Opens the database at `db` (in memory for `None`) and the index in
    /// the folder `<db>.search` next to it.
    pub async fn open(db: Option<&Path>, create_parent: bool) -> Result<Backing, BackingError> {
        match db {
            None => Ok(Backing {
                store: Store::open_in_memory().await?,
                search: Arc::new(SearchIndex::in_memory()?),
                search_dir: None,
                model_written: Default::default(),
            }),
            Some(db) => {
                if create_parent {
                    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent)
                            .map_err(|source| BackingError::Folder { path: parent.to_path_buf(), source })?;
                    }
                }
                let store = Store::open(db).await?;
                let mut dir = db.as_os_str().to_owned();
                dir.push(".search");
                let dir = PathBuf::from(dir);
                let search = SearchIndex::open(&dir)?;
                store.set_meta("search_index", &dir.to_string_lossy()).await?;
                Ok(Backing {
                    store,
                    search: Arc::new(search),
                    search_dir: Some(dir),
                    model_written: Default::default(),
                })
            }
        }
    }

    /// Records the sources read for `snapshot`, the derived model of both
    /// audiences, and the public search documents.
    pub async fn update(&self, analysis: &Analysis, snapshot: &Snapshot, author: &str) -> Result<(), BackingError> {
        let files: Vec<(String, Vec<u8>)> = analysis
            .sources
            .iter()
            .filter(|(_, f)| f.ok)
            .map(|(_, f)| (f.path.clone(), f.text.as_bytes().to_vec()))
            .collect();
        // A file that could not be read (too large, not UTF-8) is not
        // gone: only a complete reading may record deletions.
        let complete = analysis.sources.iter().all(|(_, f)| f.ok);
        let changed = self.store.record_sources(&files, complete, author, "read from the project folder").await?;
        let written = self.model_written.load(std::sync::atomic::Ordering::Acquire);
        let slugs = edited_entries(&changed);
        let change = match &slugs {
            // The model is made from the files alone: none changed, none to write.
            Some(s) if written && complete && s.is_empty() => None,
            Some(s) if written && complete => Some(ModelChange::Entries(s)),
            _ => Some(ModelChange::All),
        };
        if let Some(change) = change {
            self.store.update_model(&snapshot.view, change).await?;
            self.store.update_model(&snapshot.internal, change).await?;
            self.model_written.store(true, std::sync::atomic::Ordering::Release);
        }
        let search = self.search.clone();
        let docs = snapshot.search_docs.clone();
        let started = std::time::Instant::now();
        let stats = tokio::task::spawn_blocking(move || search.sync(&docs))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        tracing::info!(
            files_changed = changed.len(),
            model = match change {
                None => "unchanged",
                Some(ModelChange::All) => "written",
                Some(ModelChange::Entries(_)) => "entries written",
            },
            search_added = stats.added,
            search_removed = stats.removed,
            search_ms = started.elapsed().as_millis() as u64,
            "store and search index up to date"
        );
        Ok(())
    }
}

/// The slugs of the entries among the changed (written or deleted) files,
/// or `None` when another kind of file changed (configuration,
/// bibliography, gazetteer), which can change every entry's model.
fn edited_entries(changed: &[String]) -> Option<Vec<&str>> {
    changed
        .iter()
        .map(|path| match crate::source::load::classify(path) {
            Some(crate::source::FileKind::Entry) => Some(crate::parse::entry::slug_of(path)),
            _ => None,
        })
        .collect()
}
