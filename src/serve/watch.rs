//! Watching a project folder: a saved file re-checks and re-renders the
//! project, the new snapshot replaces the old one, and open pages reload.
//! A change that cannot be loaded leaves the last good version served and
//! tells the pages why.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::state::{self, AppState, Project};

/// How long to wait for more events after one arrives: editors save in
/// several steps (temporary file, rename, metadata).
pub const SETTLE: Duration = Duration::from_millis(120);

/// Whether a changed path can change the site (not the output folder, the
/// server's own files, hidden files or editors' backups).
pub fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned());
    let Some(first) = parts.next() else { return false };
    if first == "public" || first == "target" {
        return false;
    }
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let hidden = std::iter::once(first).chain(parts).any(|p| p.starts_with('.'));
    !(hidden || name.ends_with('~') || name.ends_with(".swp") || name.contains(".attest-tmp-") || name.starts_with('#'))
}

/// Whether an event kind can change a file's contents or existence.
fn changes(kind: &notify::EventKind) -> bool {
    use notify::event::{MetadataKind, ModifyKind};
    use notify::EventKind;
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// What runs after each reload, before the new snapshot is served: the
/// store and the search index follow the snapshot. An error keeps the old
/// snapshot served.
pub trait AfterReload:
    Fn(&crate::Analysis, &state::Snapshot) -> Result<(), super::backing::BackingError> + Send + Sync
{
}
impl<F: Fn(&crate::Analysis, &state::Snapshot) -> Result<(), super::backing::BackingError> + Send + Sync> AfterReload
    for F
{
}

/// Starts watching `root`; reloads go to `state`, and after each reload
/// `after` runs. The returned watcher must be kept alive.
pub fn spawn(
    root: PathBuf,
    state: AppState,
    after: impl AfterReload + 'static,
) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Reading the project opens every file; only writes, creations,
        // removals and renames change it (reacting to reads would reload forever).
        if let Some(ev) = res.ok().filter(|ev| changes(&ev.kind)) {
            for p in ev.paths {
                let _ = tx.send(p);
            }
        }
    })?;
    watcher.watch(&root, RecursiveMode::Recursive)?;
    let after = std::sync::Arc::new(after);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut changed = relevant(&root, &first);
            // Let the editor finish, then take everything that came meanwhile.
            tokio::time::sleep(SETTLE).await;
            while let Ok(p) = rx.try_recv() {
                changed |= relevant(&root, &p);
            }
            if !changed {
                continue;
            }
            let (state, root, after) = (state.clone(), root.clone(), after.clone());
            let _ = tokio::task::spawn_blocking(move || reload(&root, &state, &*after)).await;
        }
    });
    Ok(watcher)
}

/// Loads, checks and renders the folder again and serves the result.
pub fn reload(root: &Path, state: &AppState, after: &dyn AfterReload) {
    let started = Instant::now();
    let project = Project::Dir(root.to_path_buf());
    // Milliseconds spent in each step, logged with the reload so that a slow
    // one can be told apart without a profiler.
    let mut steps = [0u64; 4];
    let mut lap = {
        let mut last = Instant::now();
        move |slot: &mut u64| {
            *slot = last.elapsed().as_millis() as u64;
            last = Instant::now();
        }
    };
    let result = (|| -> Result<state::Snapshot, String> {
        let theme = project.theme().map_err(|e| e.to_string())?;
        let loaded = project.load().map_err(|e| e.to_string())?;
        lap(&mut steps[0]);
        let mut caches = state.caches();
        let analysis = crate::analyze_cached(loaded, &mut caches.parse, &|| {});
        let public = state::public_analysis(&analysis, &state.publications(), &mut caches.parse);
        lap(&mut steps[1]);
        let previous = state.snapshot();
        let snap = state::snapshot_with(
            &analysis,
            public.as_ref(),
            &crate::edition::list(root),
            &theme,
            state.is_live(),
            Some(&previous),
            &mut caches.render,
        )
        .map_err(|e| e.to_string())?;
        drop(caches);
        lap(&mut steps[2]);
        after(&analysis, &snap).map_err(|e| e.to_string())?;
        lap(&mut steps[3]);
        Ok(snap)
    })();
    match result {
        Ok(snap) => {
            let errors = snap.errors();
            tracing::info!(
                generation = snap.generation,
                errors,
                entries_rendered = snap.rendered_entries,
                load_ms = steps[0],
                check_ms = steps[1],
                render_ms = steps[2],
                store_ms = steps[3],
                ms = started.elapsed().as_millis() as u64,
                "reloaded"
            );
            state.replace(snap);
        }
        Err(message) => {
            tracing::error!(%message, "reload failed; still serving the last good version");
            state.failed(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::relevant;
    use std::path::Path;

    #[test]
    fn output_hidden_and_backup_files_are_ignored() {
        let root = Path::new("/p");
        assert!(relevant(root, Path::new("/p/entries/a.md")));
        assert!(relevant(root, Path::new("/p/attest.toml")));
        assert!(!relevant(root, Path::new("/p/public/index.html")));
        assert!(!relevant(root, Path::new("/p/.attest/attest.db-wal")));
        assert!(!relevant(root, Path::new("/p/entries/.a.md.swp")));
        assert!(!relevant(root, Path::new("/p/entries/a.md~")));
        assert!(!relevant(root, Path::new("/elsewhere/a.md")));
    }
}
