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

use crate::access::{self, Audience};
use crate::search::SearchIndex;
use crate::store::Store;
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
                Ok(Backing { store, search: Arc::new(search), search_dir: Some(dir) })
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
        self.store.replace_model(&snapshot.view).await?;
        self.store.replace_model(&access::view(analysis, Audience::Internal)).await?;
        let search = self.search.clone();
        let docs = snapshot.search_docs.clone();
        let stats = tokio::task::spawn_blocking(move || search.sync(&docs))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        tracing::info!(
            files_changed = changed.len(),
            search_added = stats.added,
            search_removed = stats.removed,
            "store and search index up to date"
        );
        Ok(())
    }
}
