//! `attest serve`: the encyclopedia as a service. The project is loaded,
//! checked and rendered with the same pipeline as `attest build`, held in
//! memory as one [`state::Snapshot`] of the public view, and served: pages,
//! a JSON API under `/api/v1`, search, and, while a folder is watched,
//! reloading pages with the checker's errors shown over them.
//!
//! ```text
//! Project ─load─► analyze ─► access::view(Public) ─► render ─► Snapshot ─► app(state): Router
//!    ▲                                                              │
//!    └──────────── watch: a saved file → reload → replace ◄─────────┘
//! ```

pub mod api;
pub mod app;
pub mod asset;
pub mod auth;
pub mod backing;
pub mod backup;
pub mod edit;
pub mod editions;
pub mod files;
pub mod history;
pub mod live;
pub mod openapi;
pub mod pages;
pub mod review;
pub mod search_page;
pub mod state;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use app::app;
pub use state::{AppState, Project};

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// What to serve.
    pub project: Project,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The database file (default: `.attest/attest.db` in the project).
    pub db: Option<PathBuf>,
    /// The server is behind TLS: `Secure` cookies and HSTS.
    pub secure_cookies: bool,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The port is taken.
    #[error(
        "cannot listen on {0}: the address is already in use (is another server running?); choose another with --addr"
    )]
    AddrInUse(SocketAddr),
    /// Another socket problem.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The project folder cannot be read.
    #[error(transparent)]
    Load(#[from] crate::source::load::LoadError),
    /// The theme cannot be read.
    #[error(transparent)]
    Theme(#[from] crate::build::BuildError),
    /// A template failed.
    #[error("cannot render the site: {0}")]
    Render(#[from] crate::render::site::RenderError),
    /// The folder cannot be watched.
    #[error("cannot watch {path} for changes: {source}")]
    Watch {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// The database or the search index.
    #[error(transparent)]
    Backing(#[from] backing::BackingError),
    /// The server failed while running.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// Loads the project and serves it until SIGINT or SIGTERM; requests in
/// flight are finished before it returns.
pub async fn run(opts: Options) -> Result<(), ServeError> {
    // Listen first: a taken port is reported before any work is done.
    let listener = tokio::net::TcpListener::bind(opts.addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::AddrInUse(opts.addr)
        } else {
            ServeError::Listen { addr: opts.addr, source }
        }
    })?;
    // Signals are taken over before anything is announced, so a SIGTERM
    // right after "serving" is a graceful stop, not the default kill.
    let signals = Signals::install();
    let live = matches!(opts.project, Project::Dir(_));
    let theme = opts.project.theme()?;
    let loaded = opts.project.load()?;
    let db = opts.db.clone().or_else(|| backing::default_db(&opts.project));
    // The default folder is made on demand; a folder given with --db must exist.
    let backing = backing::Backing::open(db.as_deref(), opts.db.is_none()).await?;
    if let Some(db) = &db {
        tracing::info!(db = %db.display(), "database open");
    }
    let mut caches = state::Caches::default();
    let publications =
        state::publications_from(backing.store.publications().await.map_err(backing::BackingError::from)?);
    let analysis = crate::analyze_cached(loaded, &mut caches.parse, &|| {});
    let public = state::public_analysis(&analysis, &publications, &mut caches.parse);
    let editions = match &opts.project {
        Project::Dir(dir) => crate::edition::list(dir),
        Project::Embedded => Vec::new(),
    };
    let snap = state::snapshot_with(&analysis, public.as_ref(), &editions, &theme, live, None, &mut caches.render)?;
    backing.update(&analysis, &snap, &author()).await?;
    let (errors, warnings) = analysis.counts();
    let title = snap.view.config.title.clone();
    let entries = snap.view.entries.len();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // The dummy hash for unknown names is made now, so the first such
    // sign-in does not take longer than the others.
    drop(tokio::task::spawn_blocking(crate::store::accounts::dummy_hash));
    let auth = auth::Auth {
        store: backing.store.clone(),
        options: auth::AuthOptions { secure_cookies: opts.secure_cookies, ..Default::default() },
        clock: auth::Clock::system(),
    };
    let mut state = AppState::with_search(snap, live, stopped, backing.search.clone()).with_auth(auth);
    if let Project::Dir(dir) = &opts.project {
        state = state.with_project(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()));
    }
    *state.caches() = caches;
    state.set_publications(publications);
    let _watcher = match &opts.project {
        Project::Dir(dir) => {
            let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            let handle = tokio::runtime::Handle::current();
            let after = move |analysis: &crate::Analysis, snap: &state::Snapshot| {
                handle.block_on(backing.update(analysis, snap, &author()))
            };
            Some(
                watch::spawn(root, state.clone(), after)
                    .map_err(|source| ServeError::Watch { path: dir.clone(), source })?,
            )
        }
        Project::Embedded => None,
    };
    let addr = listener.local_addr().unwrap_or(opts.addr);
    tracing::info!(%title, entries, errors, warnings, "serving http://{addr}/");
    if live {
        tracing::info!("watching for changes; pages reload when a file is saved");
    }
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    // The client's address reaches the handlers for throttling sign-ins.
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        signals.recv().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop.send(true);
        let _ = signalled.send(());
    });
    // A client that never finishes its request must not keep the process
    // alive: requests in flight get GRACE, then the server stops anyway.
    let deadline = async {
        if on_signal.await.is_ok() {
            tokio::time::sleep(GRACE).await;
            tracing::warn!("connections still open {} s after the signal; stopping", GRACE.as_secs());
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        served = server => served.map_err(ServeError::Serve),
        _ = deadline => Ok(()),
    }
}

/// How long requests in flight may take to finish after SIGTERM.
pub const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Who revisions read from the folder are recorded as, and who the audit
/// log names for `attest user`: the operating-system account running
/// attest (editors' own accounts come with the editing in the browser).
pub fn author() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "attest serve".into())
}

/// SIGINT (Ctrl-C) and SIGTERM, listened for from the moment of install.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals { term: signal(SignalKind::terminate()).ok(), int: signal(SignalKind::interrupt()).ok() }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Resolves on the first SIGINT or SIGTERM.
    async fn recv(mut self) {
        #[cfg(unix)]
        {
            async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = one(&mut self.term) => {},
                _ = one(&mut self.int) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
