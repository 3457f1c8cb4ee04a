//! The `attest` command: arguments in, pipeline run, diagnostics out, exit code.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Evidence-first engine for scholarly encyclopedias of mass violence.
#[derive(Parser)]
#[command(name = "attest", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check an encyclopedia: citations, figures, dates, places, sections, links, restricted material.
    Check {
        /// The encyclopedia's folder (the one holding attest.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Build the static site: pages, search index, exports. Refuses when check finds errors.
    Build {
        /// The encyclopedia's folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Where to write the site (default DIR/public).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Build an internal edition that includes restricted material, with a banner on every page.
        #[arg(long)]
        include_restricted: bool,
    },
    /// Create a new, empty encyclopedia with one example entry.
    Init {
        /// A new (or empty) folder.
        dir: PathBuf,
    },
    /// Write the bundled sample encyclopedia out to a folder.
    Sample {
        /// A new (or empty) folder.
        dir: PathBuf,
    },
    /// Serve the encyclopedia on the web: pages, search and a JSON API. Without DIR, the
    /// bundled sample; with DIR, that project, reloaded whenever a file is saved.
    #[cfg(feature = "serve")]
    Serve {
        /// The encyclopedia's folder (default: the sample bundled in attest).
        dir: Option<PathBuf>,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// The database file (default: DIR/.attest/attest.db; the sample keeps it in memory).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The server is reached over HTTPS (through a proxy that terminates TLS): mark the
        /// session cookie Secure and send Strict-Transport-Security.
        #[arg(long)]
        secure_cookies: bool,
    },
    /// Accounts for signing in to `attest serve`: add, set passwords, list, grant.
    #[cfg(feature = "serve")]
    User {
        #[command(subcommand)]
        what: User,
    },
    /// Editions: the published entries frozen at addresses that never change.
    #[cfg(feature = "serve")]
    Edition {
        #[command(subcommand)]
        what: EditionCmd,
    },
    /// Print the audit log of `attest serve` (sign-ins, account changes), oldest first.
    #[cfg(feature = "serve")]
    Audit {
        #[command(flatten)]
        db: DbArgs,
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Copy the database of `attest serve` to FILE, safely while the server runs.
    #[cfg(feature = "serve")]
    Backup {
        /// The backup file to write (one SQLite file).
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Put a backup made by `attest backup` in place of the database (the server must be stopped).
    #[cfg(feature = "serve")]
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Benchmark tools: generated corpora (see bench/run.sh).
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
    /// Bring existing material in: legacy case studies, reference-manager exports.
    Import {
        #[command(subcommand)]
        what: Import,
    },
}

/// Which database `attest user` and `attest audit` use: the same as `attest serve DIR`.
#[cfg(feature = "serve")]
#[derive(clap::Args)]
struct DbArgs {
    /// The encyclopedia's folder (its database is DIR/.attest/attest.db, as for `attest serve DIR`).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The database file instead (as given to `attest serve --db`).
    #[arg(long)]
    db: Option<PathBuf>,
}

#[cfg(feature = "serve")]
#[derive(Subcommand)]
enum User {
    /// Create an account and print a random password for it, once (or read one from stdin).
    Add {
        /// The sign-in name: lowercase letters, digits, `.`, `_`, `-`, `@`.
        name: String,
        /// reader, author, reviewer, editor or admin.
        #[arg(long)]
        role: attest::store::accounts::Role,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password (printed once, or read from stdin); the account is signed out everywhere.
    Passwd {
        /// The account.
        name: String,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Give the account a second factor (TOTP): prints its secret once, for an authenticator
    /// app; signing in then also asks for the app's code. `--off` removes it. Either way the
    /// account is signed out everywhere.
    Totp {
        /// The account.
        name: String,
        /// Remove the second factor instead.
        #[arg(long)]
        off: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the accounts with their roles and grants.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Give a reader an entry to read whole, or an author or reviewer an entry to work on (`*`: all).
    Grant {
        /// The reader's account.
        name: String,
        /// An entry's slug, or `*`.
        slug: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[cfg(feature = "serve")]
#[derive(Subcommand)]
enum EditionCmd {
    /// Freeze every published entry as edition NAME in DIR/editions/NAME/ (refused while the
    /// project has errors, or if NAME is taken); prints its content hash.
    Cut {
        /// Its name, part of its address: lowercase letters, digits, `-`, `_`, `.`.
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the editions with their day, entries and content hash.
    List {
        /// The encyclopedia's folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Check that an edition's files still hash to its published content hash (exit 1 if not).
    Verify {
        /// The edition.
        name: String,
        /// The encyclopedia's folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum Bench {
    /// Write a generated encyclopedia of invented case studies (about 30 KB each) that checks
    /// without errors; the same seed gives the same files.
    Corpus {
        /// Number of entries.
        #[arg(long)]
        entries: usize,
        /// Number of works in the shared bibliography (default: as many as entries).
        #[arg(long)]
        works: Option<usize>,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A new (or empty) folder for the attest project.
        #[arg(long)]
        out: PathBuf,
        /// Also write the same Markdown bodies as a plain Hugo site in this new folder.
        #[arg(long)]
        hugo: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Import {
    /// Convert legacy plain-text case studies into entries and merge their reference lists
    /// into bibliography/imported.bib.
    Legacy {
        /// The text files (UTF-8), one case study each; the file name gives the entry's name.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The encyclopedia's folder.
        #[arg(long)]
        into: PathBuf,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Convert Word documents (.docx) into entries and merge their reference lists into
    /// bibliography/imported.bib.
    Docx {
        /// The Word files, one case study each; the file name gives the entry's name.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The encyclopedia's folder.
        #[arg(long)]
        into: PathBuf,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Merge BibTeX/BibLaTeX, CSL-JSON or RIS files into bibliography/imported.bib.
    Bib {
        /// The exports (.bib, .json, .ris).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The encyclopedia's folder.
        #[arg(long)]
        into: PathBuf,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Compiler-style text.
    Human,
    /// One JSON object on stdout.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { dir, format } => check(&dir, format),
        Command::Build { dir, out, include_restricted } => build(&dir, out, include_restricted),
        Command::Init { dir } => write(&dir, &attest::sample::init_files(), "a new encyclopedia"),
        Command::Sample { dir } => write(&dir, &attest::sample::sample_files(), "the sample encyclopedia"),
        #[cfg(feature = "serve")]
        Command::Serve { dir, addr, db, secure_cookies } => serve(dir, addr, db, secure_cookies),
        #[cfg(feature = "serve")]
        Command::User { what } => accounts::user(what),
        #[cfg(feature = "serve")]
        Command::Audit { db, json } => accounts::audit(&db, json),
        #[cfg(feature = "serve")]
        Command::Edition { what } => accounts::edition(what),
        #[cfg(feature = "serve")]
        Command::Backup { file, force, db } => accounts::backup(&db, &file, force),
        #[cfg(feature = "serve")]
        Command::Restore { file, db } => accounts::restore(&db, &file),
        Command::Bench { what: Bench::Corpus { entries, works, seed, out, hugo } } => {
            bench_corpus(attest::bench::Spec { entries, works: works.unwrap_or(entries.max(1)), seed }, &out, hugo)
        }
        Command::Import { what: Import::Legacy { files, into, format } } => {
            import(&files, &into, format, attest::import::read_inputs, attest::import::legacy::import)
        }
        Command::Import { what: Import::Docx { files, into, format } } => {
            import(&files, &into, format, attest::import::docx::read_inputs, attest::import::docx::import)
        }
        Command::Import { what: Import::Bib { files, into, format } } => {
            import(&files, &into, format, attest::import::read_inputs, attest::import::bib::import)
        }
    }
}

type Reader = fn(&[PathBuf]) -> (attest::source::SourceSet, Vec<attest::diag::Diagnostic>);
type Importer =
    fn(&attest::import::Project, attest::source::SourceSet, Vec<attest::diag::Diagnostic>) -> attest::import::Outcome;

/// Runs an import: exit 0 when written and the report has no errors, 1
/// when written with errors in the report, 2 when nothing was written.
fn import(files: &[PathBuf], into: &std::path::Path, format: Format, reader: Reader, importer: Importer) -> ExitCode {
    let project = match attest::import::Project::load(into) {
        Ok(p) => p,
        Err(e) => {
            let code = match e {
                attest::import::ProjectError::Config(_) => "config.invalid",
                attest::import::ProjectError::Load(_) => "config.missing",
            };
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::json!({"diagnostics": [{"severity": "error", "code": code, "message": e.to_string(),
                        "file": null, "line": null, "column": null, "hint": null}], "summary": null})
                ),
                Format::Human => eprintln!("error[{code}]: {e}"),
            }
            return ExitCode::from(2);
        }
    };
    let (inputs, problems) = reader(files);
    let outcome = importer(&project, inputs, problems);
    let report = &outcome.report;
    let show = |report: &attest::import::Report| match format {
        Format::Json => println!("{}", report.json()),
        Format::Human => print!("{}", report.human(std::io::stdout().is_terminal())),
    };
    show(report);
    if report.refused() {
        eprintln!("error: nothing was written (see the errors above)");
        return ExitCode::from(2);
    }
    match attest::import::write(into, &outcome) {
        Ok(written) => {
            if matches!(format, Format::Human) {
                for p in &written {
                    println!("wrote {}", p.display());
                }
                if written.is_empty() {
                    println!("nothing new to write");
                }
            }
            if report.counts().0 > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Loads and analyses a project, with a progress bar when `bar` is set and
/// stderr is a terminal. `Err` carries the exit code after the error has
/// been shown.
fn analyze(dir: &std::path::Path, bar: bool, json: bool) -> Result<attest::Analysis, ExitCode> {
    let loaded = match attest::source::load::load_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"diagnostics": [{"severity": "error", "code": "config.missing", "message": e.to_string(),
                        "file": null, "line": null, "column": null, "hint": null}], "summary": null})
                );
            } else {
                eprintln!("error[config.missing]: {e}");
            }
            return Err(ExitCode::from(2));
        }
    };
    let entries = loaded.sources.iter().filter(|(_, f)| f.kind == attest::source::FileKind::Entry).count() as u64;
    let bar = if bar { progress(entries, "checking") } else { None };
    let analysis = with_bar(&bar, |tick| attest::analyze(loaded, tick));
    Ok(analysis)
}

/// A progress bar over entries, on terminals only.
fn progress(len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} entries"))
                .expect("valid template"),
        );
        b
    })
}

/// Runs `f` with a tick callback that advances `bar`, then clears the bar.
fn with_bar<T>(bar: &Option<indicatif::ProgressBar>, f: impl FnOnce(&(dyn Fn() + Sync)) -> T) -> T {
    let tick = || {
        if let Some(b) = bar {
            b.inc(1);
        }
    };
    let out = f(&tick);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out
}

fn check(dir: &std::path::Path, format: Format) -> ExitCode {
    let json = matches!(format, Format::Json);
    let analysis = match analyze(dir, !json, json) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match format {
        Format::Json => println!("{}", attest::report::json(&analysis)),
        Format::Human => print!("{}", attest::report::human(&analysis, std::io::stdout().is_terminal())),
    }
    if analysis.counts().0 > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn build(dir: &std::path::Path, out: Option<PathBuf>, include_restricted: bool) -> ExitCode {
    let analysis = match analyze(dir, true, false) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let (errors, warnings) = analysis.counts();
    if errors > 0 {
        print!("{}", attest::report::human(&analysis, std::io::stdout().is_terminal()));
        eprintln!("error: not building: `attest check` found {errors} error(s)");
        return ExitCode::from(1);
    }
    let theme = match attest::build::load_theme(dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let out = out.unwrap_or_else(|| dir.join("public"));
    let audience =
        if include_restricted { attest::access::Audience::Internal } else { attest::access::Audience::Public };
    let bar = progress(analysis.corpus.entries.len() as u64, "rendering");
    let result = with_bar(&bar, |tick| attest::build::build(&analysis, &theme, audience, Some(dir), &out, tick));
    match result {
        Ok(n) => {
            let edition = if include_restricted {
                "internal edition (contains restricted material: do not publish)"
            } else {
                "public site"
            };
            println!("wrote the {edition} to {} ({n} files; {warnings} warning(s) from check)", out.display());
            println!("open {} in a browser", out.join("index.html").display());
            #[cfg(feature = "serve")]
            if include_restricted {
                accounts::audit_restricted_build(dir, &out);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn bench_corpus(spec: attest::bench::Spec, out: &std::path::Path, hugo: Option<PathBuf>) -> ExitCode {
    let corpus = match attest::bench::generate(&spec) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let what = format!("a generated encyclopedia of {} entries and {} works", spec.entries, spec.works);
    let code = write(out, &as_refs(&attest::bench::project_files(&corpus, &spec)), &what);
    match hugo {
        Some(dir) if code == ExitCode::SUCCESS => {
            match attest::sample::write_project(&dir, &as_refs(&attest::bench::hugo_files(&corpus))) {
                Ok(()) => {
                    println!("wrote the same entries as a Hugo site to {0}; build it with: hugo -s {0}", dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        _ => code,
    }
}

fn as_refs(files: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect()
}

fn write(dir: &std::path::Path, files: &[(&str, &[u8])], what: &str) -> ExitCode {
    match attest::sample::write_project(dir, files) {
        Ok(()) => {
            println!(
                "wrote {what} to {} ({} files); check it with: attest check {}",
                dir.display(),
                files.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(feature = "serve")]
fn serve(dir: Option<PathBuf>, addr: std::net::SocketAddr, db: Option<PathBuf>, secure_cookies: bool) -> ExitCode {
    use attest::serve::{self, Options, Project};
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ATTEST_LOG").unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
    let project = match dir {
        Some(d) => Project::Dir(d),
        None => Project::Embedded,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server's runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve::run(Options { project, addr, db, secure_cookies })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `attest user` and `attest audit`: accounts of `attest serve`, in the
/// database the server uses for the same folder.
#[cfg(feature = "serve")]
mod accounts {
    use std::io::BufRead;
    use std::process::ExitCode;

    use attest::serve::backing::default_db;
    use attest::serve::Project;
    use attest::store::accounts::{self as acc, AuditEvent};
    use attest::store::{now_ms, Store};

    use super::{DbArgs, User};

    /// The database file `args` names (for a folder, made with its
    /// `.attest` folder when `create`), or the error to print.
    fn db_path(args: &DbArgs, create: bool) -> Result<std::path::PathBuf, String> {
        let path = match &args.db {
            Some(p) => p.clone(),
            None => {
                if !args.dir.join("attest.toml").is_file() {
                    return Err(format!(
                        "{} is not an encyclopedia (no attest.toml); give its folder, or the database with --db",
                        args.dir.display()
                    ));
                }
                let Some(db) = default_db(&Project::Dir(args.dir.clone())) else {
                    unreachable!("a folder has a database")
                };
                if create {
                    if let Some(parent) = db.parent() {
                        std::fs::create_dir_all(parent)
                            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                    }
                }
                db
            }
        };
        Ok(path)
    }

    /// Runs `f` on a new single-threaded runtime; errors are printed and exit 2.
    fn run<Fut>(f: Fut) -> ExitCode
    where
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot start: {e}");
                return ExitCode::from(2);
            }
        };
        match runtime.block_on(f) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        }
    }

    /// Runs `f` on the database `args` names; errors are printed and exit 2.
    fn with_store<F, Fut>(args: &DbArgs, create: bool, f: F) -> ExitCode
    where
        F: FnOnce(Store) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        run(async {
            let path = db_path(args, create)?;
            if !create && !path.is_file() {
                return Err(format!(
                    "there is no database at {} yet (`attest user add` or `attest serve` makes it)",
                    path.display()
                ));
            }
            let store = Store::open(&path).await.map_err(|e| e.to_string())?;
            let result = f(store.clone()).await;
            store.close().await;
            result
        })
    }

    /// Records an internal build in the project's audit log, when the project
    /// has a database (`attest serve` made one): restricted material left
    /// the server's care. A failure to record is said, not fatal.
    pub fn audit_restricted_build(dir: &std::path::Path, out: &std::path::Path) {
        let db = dir.join(".attest").join("attest.db");
        if !db.is_file() {
            return;
        }
        let detail = format!("attest build --include-restricted to {}", out.display());
        let done = run(async move {
            let store = Store::open(&db).await.map_err(|e| e.to_string())?;
            let audit = event("export.restricted", "*", Some(detail));
            let r = store.audit(now_ms(), &audit).await.map_err(|e| e.to_string());
            store.close().await;
            r
        });
        if done != ExitCode::SUCCESS {
            eprintln!("warning: the internal build is not recorded in the audit log");
        }
    }

    /// `attest edition ...`.
    pub fn edition(what: super::EditionCmd) -> ExitCode {
        use super::EditionCmd;
        match what {
            EditionCmd::Cut { name, db } => run(async move {
                let path = db_path(&db, false)?;
                let store =
                    if path.is_file() { Some(Store::open(&path).await.map_err(|e| e.to_string())?) } else { None };
                let who = attest::serve::author();
                let made = attest::serve::editions::cut(&db.dir, store.as_ref(), &name, &who, "command line", now_ms())
                    .await
                    .map_err(|e| e.message);
                if let Some(s) = store {
                    s.close().await;
                }
                let made = made?;
                println!(
                    "cut edition `{}` ({}): {} entries, {} files in {}",
                    made.name,
                    made.date,
                    made.entries.len(),
                    made.files,
                    db.dir.join(attest::edition::DIR).join(&made.name).display()
                );
                println!("sha256 {}", made.sha256);
                Ok(())
            }),
            EditionCmd::List { dir } => {
                let all = attest::edition::list(&dir);
                if all.is_empty() {
                    println!("no editions yet; cut one with: attest edition cut NAME");
                }
                for e in all {
                    println!("{:<24} {}  {:>5} entries  sha256 {}", e.name, e.date, e.entries.len(), e.sha256);
                }
                ExitCode::SUCCESS
            }
            EditionCmd::Verify { name, dir } => match attest::edition::verify(&dir, &name) {
                Ok(true) => {
                    println!("edition `{name}`: every file is as it was cut");
                    ExitCode::SUCCESS
                }
                Ok(false) => {
                    eprintln!(
                        "error: edition `{name}` was changed since it was cut: its files no longer give its sha256"
                    );
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            },
        }
    }

    /// `attest backup FILE`.
    pub fn backup(db: &DbArgs, file: &std::path::Path, force: bool) -> ExitCode {
        run(async {
            let path = db_path(db, false)?;
            attest::serve::backup::backup(&path, file, force, &attest::serve::author())
                .await
                .map_err(|e| e.to_string())?;
            println!("backed up {} to {}", path.display(), file.display());
            Ok(())
        })
    }

    /// `attest restore FILE`.
    pub fn restore(db: &DbArgs, file: &std::path::Path) -> ExitCode {
        run(async {
            let path = db_path(db, false)?;
            let done = attest::serve::backup::restore(&path, file, &attest::serve::author())
                .await
                .map_err(|e| e.to_string())?;
            println!("restored {} from {}", path.display(), file.display());
            if let Some(previous) = done.previous {
                println!("the database it replaced is kept as {}", previous.display());
            }
            println!("the search index is rebuilt when the server next starts");
            Ok(())
        })
    }

    /// The audit row of a change made from the command line.
    fn event(action: &str, target: &str, detail: Option<String>) -> AuditEvent {
        AuditEvent {
            actor: attest::serve::author(),
            action: action.into(),
            target: Some(target.into()),
            address: Some("command line".into()),
            detail,
        }
    }

    /// A new password: the first line of stdin, checked, or a random one
    /// (then `true`: it must be shown).
    fn new_password(from_stdin: bool) -> Result<(String, bool), String> {
        if !from_stdin {
            return acc::random_password().map(|p| (p, true)).map_err(|e| e.to_string());
        }
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line);
        acc::check_password(password)?;
        Ok((password.to_string(), false))
    }

    fn hashed(password: &str) -> Result<String, String> {
        acc::hash_password(password).map_err(|e| e.to_string())
    }

    pub fn user(what: User) -> ExitCode {
        match what {
            User::Add { name, role, password_stdin, db } => {
                if let Err(e) = acc::check_name(&name) {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
                with_store(&db, true, |store| async move {
                    let (password, show) = new_password(password_stdin)?;
                    let audit = event("user.add", &name, Some(format!("role {role}")));
                    store
                        .add_account(&name, role, &hashed(&password)?, now_ms(), &audit)
                        .await
                        .map_err(|e| e.to_string())?;
                    println!("created the account `{name}` ({role})");
                    if show {
                        println!("password: {password}");
                        println!(
                            "(shown once: it is stored only as a hash; change it with `attest user passwd {name}`)"
                        );
                    }
                    Ok(())
                })
            }
            User::Passwd { name, password_stdin, db } => with_store(&db, false, |store| async move {
                let (password, show) = new_password(password_stdin)?;
                let audit = event("user.passwd", &name, None);
                store.set_password(&name, &hashed(&password)?, now_ms(), &audit).await.map_err(|e| e.to_string())?;
                println!("set a new password for `{name}`; every session of the account has ended");
                if show {
                    println!("password: {password}");
                    println!("(shown once: it is stored only as a hash)");
                }
                Ok(())
            }),
            User::Totp { name, off, db } => with_store(&db, false, |store| async move {
                if off {
                    let audit = event("user.totp", &name, Some("second factor removed".into()));
                    store.set_totp(&name, None, now_ms(), &audit).await.map_err(|e| e.to_string())?;
                    println!("`{name}` signs in with a password only now; every session of the account has ended");
                    return Ok(());
                }
                let secret = acc::new_totp_secret().map_err(|e| e.to_string())?;
                let audit = event("user.totp", &name, Some("second factor set".into()));
                store.set_totp(&name, Some(&secret), now_ms(), &audit).await.map_err(|e| e.to_string())?;
                println!("`{name}` now signs in with a password and the code of an authenticator app;");
                println!("every session of the account has ended. Add it to the app with this address:");
                println!("  {}", acc::totp_uri(&secret, "attest", &name));
                println!("or type the key: {}", acc::totp_base32(&secret));
                println!("(shown once: keep it as safe as the password)");
                Ok(())
            }),
            User::List { db } => with_store(&db, false, |store| async move {
                let accounts = store.accounts().await.map_err(|e| e.to_string())?;
                if accounts.is_empty() {
                    println!("no accounts yet; make the first with: attest user add NAME --role admin");
                }
                for a in accounts {
                    let grants =
                        if a.grants.is_empty() { String::new() } else { format!("  grants: {}", a.grants.join(", ")) };
                    println!(
                        "{:<24} {:<8}  created {}  password set {}{grants}",
                        a.name,
                        a.role,
                        acc::format_time(a.created_ms),
                        acc::format_time(a.password_changed_ms)
                    );
                }
                Ok(())
            }),
            User::Grant { name, slug, db } => {
                let valid = slug == "*"
                    || (!slug.is_empty()
                        && slug.len() <= 200
                        && slug.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)));
                if !valid {
                    eprintln!("error: `{slug}` is neither an entry's slug (its file name without .md) nor `*`");
                    return ExitCode::from(2);
                }
                with_store(&db, false, |store| async move {
                    let audit = event("user.grant", &name, Some(format!("granted {slug}")));
                    let role = store.grant(&name, &slug, now_ms(), &audit).await.map_err(|e| e.to_string())?;
                    let what = if slug == "*" { "every entry".to_string() } else { format!("`{slug}`") };
                    if role == attest::store::accounts::Role::Reader {
                        println!("`{name}` may now read the restricted material of {what}");
                    } else {
                        println!("`{name}` ({role}) may now work on {what}, restricted material included");
                    }
                    Ok(())
                })
            }
        }
    }

    pub fn audit(db: &DbArgs, json: bool) -> ExitCode {
        with_store(db, false, |store| async move {
            let mut rows = store.audit_log(u32::MAX).await.map_err(|e| e.to_string())?;
            rows.reverse();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?);
                return Ok(());
            }
            for r in rows {
                let e = r.event;
                let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
                println!(
                    "{}  {}  {}  {}  {}  {}",
                    acc::format_time(r.time_ms),
                    e.actor,
                    e.action,
                    opt(e.target),
                    opt(e.address),
                    opt(e.detail)
                );
            }
            Ok(())
        })
    }
}
