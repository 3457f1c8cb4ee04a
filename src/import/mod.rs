//! `attest import`: bringing existing material into an encyclopedia.
//!
//! This module owns the conversion of material written outside attest:
//! legacy plain-text case studies ([`legacy`], with their reference lists
//! read by [`references`]) and bibliographies exported from reference
//! managers ([`bib`]: BibTeX/BibLaTeX, CSL-JSON, RIS). The conversions are
//! pure: the project as it is ([`Project`]) and the input files in memory go
//! in; the files to write and a [`Report`] come out ([`Outcome`]). Reading
//! the inputs and the project ([`read_inputs`], [`Project::load`]) and
//! writing the result ([`write()`], all or nothing) are the only I/O.
//!
//! What is shared lives here: names folded into citation keys (with
//! Cyrillic transliterated), the registry of keys already taken and works
//! already known ([`Library`]), BibLaTeX records as written out
//! ([`Record`]), and the report. The report uses `check`'s codes wherever
//! `check` would report the same problem in the written files, so an editor
//! sees the same code twice rather than two names for one problem.

pub mod bib;
pub mod docx;
pub mod legacy;
pub mod references;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::check::fold;
use crate::diag::{codes, Diagnostic, Severity};
use crate::model::{EntryKind, Work};
use crate::source::{FileKind, SourceFile, SourceSet};

/// The file the imported works are merged into, relative to the project.
pub const IMPORTED_BIB: &str = "bibliography/imported.bib";

// ---------------------------------------------------------------------------
// The project as the importer needs it.
// ---------------------------------------------------------------------------

/// What an import needs to know of the project it writes into.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The sections required of a case study (`[sections].case-study`).
    pub case_study_sections: Vec<String>,
    /// Every work of the project's bibliography files.
    pub works: Vec<Work>,
    /// Slugs of the entries that exist.
    pub entries: BTreeSet<String>,
    /// The text of `bibliography/imported.bib`, if it exists.
    pub imported_bib: Option<String>,
    /// Keys the project's entries cite (prose, data and `nocite`).
    pub cited: BTreeSet<String>,
}

/// Why a project cannot be imported into.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Not a folder, or no attest.toml.
    #[error(transparent)]
    Load(#[from] crate::source::load::LoadError),
    /// attest.toml could not be read.
    #[error("attest.toml is not valid: {0} (run `attest check` for details)")]
    Config(String),
}

impl Project {
    /// Reads the parts of the project folder `dir` that an import needs.
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        let loaded = crate::source::load::load_dir(dir)?;
        Project::from_sources(&loaded.sources)
    }

    /// The same from files already in memory.
    pub fn from_sources(sources: &SourceSet) -> Result<Project, ProjectError> {
        let mut p = Project::default();
        for (id, f) in sources.iter() {
            match f.kind {
                FileKind::Config => {
                    let config = crate::config::Config::parse(id, f)
                        .map_err(|d| ProjectError::Config(d.first().map(|d| d.message.clone()).unwrap_or_default()))?;
                    p.case_study_sections = config.sections.get(&EntryKind::CaseStudy).cloned().unwrap_or_default();
                }
                FileKind::Entry => {
                    let slug = f.path.rsplit('/').next().unwrap_or(&f.path).trim_end_matches(".md");
                    p.entries.insert(slug.to_string());
                    if f.ok {
                        let (entry, _) = crate::parse::entry::parse_entry(id, f, "en");
                        p.cited.extend(crate::check::cited_keys(&entry).into_iter().map(|(k, _)| k.to_string()));
                    }
                }
                FileKind::BibLatex | FileKind::CslJson | FileKind::HayagrivaYaml if f.ok => {
                    p.works.extend(crate::parse::bibliography::parse_file(id, f).0);
                    if f.path == IMPORTED_BIB {
                        p.imported_bib = Some(f.text.clone());
                    }
                }
                _ => {}
            }
        }
        Ok(p)
    }
}

/// Reads the files given on the command line. A file that cannot be read
/// is present with empty text and `ok: false`, and a diagnostic says why.
pub fn read_inputs(paths: &[PathBuf]) -> (SourceSet, Vec<Diagnostic>) {
    read_inputs_with(paths, crate::source::load::MAX_FILE_SIZE, |b| decode(b).map_err(|m| (codes::FILE_ENCODING, m)))
}

/// [`read_inputs`] for files up to `max` bytes whose text `decode` gives
/// (or the code and message of why it cannot).
pub fn read_inputs_with(
    paths: &[PathBuf],
    max: u64,
    decode: impl Fn(&[u8]) -> Result<String, (&'static str, String)>,
) -> (SourceSet, Vec<Diagnostic>) {
    let mut set = SourceSet::new();
    let mut diags = Vec::new();
    for p in paths {
        let shown = p.to_string_lossy().into_owned();
        let problem = |code, msg: String| (code, msg);
        let read = match std::fs::metadata(p) {
            Ok(m) if !m.is_file() => Err(problem(codes::FILE_UNREADABLE, "not a regular file".to_string())),
            Ok(m) if m.len() > max => {
                Err(problem(codes::FILE_TOO_LARGE, format!("the file is larger than {} MiB", max / 1048576)))
            }
            Ok(_) => {
                std::fs::read(p).map_err(|e| problem(codes::FILE_UNREADABLE, format!("cannot read the file: {e}")))
            }
            Err(e) => Err(problem(codes::FILE_UNREADABLE, format!("cannot read the file: {e}"))),
        };
        let (file, problem) = match read {
            Err(p) => (SourceFile::new(shown, FileKind::Import, ""), Some(p)),
            Ok(bytes) => match decode(&bytes) {
                Ok(text) => (SourceFile::new(shown, FileKind::Import, text), None),
                Err(p) => (SourceFile::new(shown, FileKind::Import, ""), Some(p)),
            },
        };
        let mut file = file;
        file.disk_path = Some(p.clone());
        file.ok = problem.is_none();
        let id = set.add(file);
        if let Some((code, msg)) = problem {
            diags.push(
                Diagnostic::error(code, id, 0..0, msg).with_hint("nothing was imported; fix or leave out this file"),
            );
        }
    }
    (set, diags)
}

/// Input text as UTF-8, without a byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 (first bad byte at offset {}); convert it first, e.g. `iconv -f WINDOWS-1252 -t UTF-8`",
            e.valid_up_to()
        )
    })?;
    if text.contains('\0') {
        return Err("the file contains NUL bytes: is it a binary file?".into());
    }
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_string())
}

// ---------------------------------------------------------------------------
// Names and keys.
// ---------------------------------------------------------------------------

/// Cyrillic letters in Latin script (a simple scheme close to BGN/PCGN
/// without diacritics, covering Russian, Ukrainian, Belarusian, Serbian,
/// Macedonian and Bulgarian letters); other characters are kept.
pub fn translit(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let lower: String = c.to_lowercase().collect();
        let t = match lower.as_str() {
            "а" => "a",
            "б" => "b",
            "в" => "v",
            "г" => "g",
            "ґ" => "g",
            "д" => "d",
            "ђ" => "dj",
            "е" => "e",
            "ё" => "e",
            "є" => "ie",
            "ж" => "zh",
            "з" => "z",
            "ѕ" => "dz",
            "и" => "i",
            "і" => "i",
            "ї" => "i",
            "й" => "i",
            "ј" => "j",
            "к" => "k",
            "л" => "l",
            "љ" => "lj",
            "м" => "m",
            "н" => "n",
            "њ" => "nj",
            "о" => "o",
            "п" => "p",
            "р" => "r",
            "с" => "s",
            "т" => "t",
            "ћ" => "c",
            "ќ" => "kj",
            "ѓ" => "gj",
            "у" => "u",
            "ў" => "u",
            "ф" => "f",
            "х" => "kh",
            "ц" => "ts",
            "ч" => "ch",
            "џ" => "dz",
            "ш" => "sh",
            "щ" => "shch",
            "ъ" | "ь" => "",
            "ы" => "y",
            "э" => "e",
            "ю" => "iu",
            "я" => "ia",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(t);
    }
    out
}

/// A name reduced to the ASCII letters of a citation key: transliterated,
/// without diacritics, lowercase (`Ilić` → `ilic`, `Бугай` → `bugai`).
pub fn key_letters(name: &str) -> String {
    fold(&translit(name))
}

/// A name reduced further for matching spellings of one name against each
/// other (`Bugay`, `Bugai`, `Бугай`; `Khrushchev`, `Hruščev`).
pub fn loose(name: &str) -> String {
    let k = key_letters(name);
    k.replace("kh", "h").replace('x', "ks").replace(['y', 'j'], "i").replace('w', "v")
}

/// Whether `key` is a plain Pandoc citation key that needs no braces.
pub fn is_plain_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.last().is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"_:.#$%&-+?<>~/".contains(c))
}

/// The base of a generated key: the first author's family name in key
/// letters, the year (or `nd`) and a year suffix (`bugai1992a`).
pub fn key_base(family: &str, year: Option<i32>, suffix: Option<char>) -> String {
    let mut k: String = key_letters(family).chars().take(40).collect();
    if k.is_empty() {
        k.push_str("anon");
    }
    match year {
        Some(y) => k.push_str(&format!("{y:04}")),
        None => k.push_str("nd"),
    }
    if let Some(s) = suffix {
        k.push(s);
    }
    k
}

/// A title reduced for comparing two records of one work.
pub fn title_letters(title: &str) -> String {
    key_letters(title)
}

/// What identifies a work when two records are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The first author's family name, [`loose`].
    pub family: String,
    /// Year of publication.
    pub year: Option<i32>,
    /// The title, [`title_letters`].
    pub title: String,
    /// The DOI, lowercase, without a resolver prefix.
    pub doi: Option<String>,
}

impl Identity {
    /// The identity of a work of the project.
    pub fn of_work(w: &Work, doi: Option<String>) -> Identity {
        Identity {
            family: w.authors.first().map(|a| loose(&a.family)).unwrap_or_default(),
            year: w.year,
            title: title_letters(&w.title),
            doi,
        }
    }

    /// Whether two records describe one work: the same DOI, or the same
    /// first author, year and title (a title may lack the other's subtitle).
    pub fn same_work(&self, other: &Identity) -> bool {
        if let (Some(a), Some(b)) = (&self.doi, &other.doi) {
            return a == b;
        }
        if self.family.is_empty() || self.title.is_empty() || self.family != other.family || self.year != other.year {
            return false;
        }
        let (a, b) = (&self.title, &other.title);
        a == b || (a.len().min(b.len()) >= 12 && (a.starts_with(b.as_str()) || b.starts_with(a.as_str())))
    }
}

/// A work's DOI (from its record, else its raw BibLaTeX), normalised.
pub fn work_doi(w: &Work) -> Option<String> {
    w.record
        .as_ref()
        .and_then(|r| r.doi())
        .map(str::to_string)
        .or_else(|| raw_field(&w.raw, "doi"))
        .and_then(|d| normalize_doi(&d))
}

/// A DOI in the form records are compared in: lowercase, no resolver.
pub fn normalize_doi(doi: &str) -> Option<String> {
    let d = doi.trim();
    let d = ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"]
        .iter()
        .find_map(|p| d.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| &d[p.len()..]))
        .unwrap_or(d)
        .trim();
    (d.starts_with("10.") && d.contains('/')).then(|| d.to_lowercase())
}

/// One work the import knows of: in the project, or added by this run.
#[derive(Debug, Clone)]
pub struct Known {
    /// Its key.
    pub key: String,
    /// What identifies it.
    pub identity: Identity,
    /// "Naimark 2001", for hints.
    pub short: String,
    /// Its title, for hints.
    pub title: String,
    /// Where it is defined, for hints (`bibliography/works.bib:12`, or the
    /// input file and line).
    pub origin: String,
}

/// The keys taken and the works known during one import run: the
/// project's works first, then each record the run adds, so a key is never
/// given twice and a work met twice is written once.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Known works, project first.
    pub known: Vec<Known>,
    taken: HashSet<String>,
}

impl Library {
    /// The library of a project.
    pub fn new(project: &Project) -> Library {
        let mut lib = Library::default();
        for w in &project.works {
            let doi = work_doi(w);
            lib.add(Known {
                key: w.key.v.clone(),
                identity: Identity::of_work(w, doi),
                short: w.short(),
                title: w.title.clone(),
                origin: "the project's bibliography".into(),
            });
        }
        lib
    }

    /// Whether a key is taken.
    pub fn is_taken(&self, key: &str) -> bool {
        self.taken.contains(key)
    }

    /// Takes a key without a work (e.g. an unparsed reference).
    pub fn take(&mut self, key: &str) {
        self.taken.insert(key.to_string());
    }

    /// Adds a work.
    pub fn add(&mut self, k: Known) {
        self.taken.insert(k.key.clone());
        self.known.push(k);
    }

    /// A work already known that is the same as `id`.
    pub fn same_as(&self, id: &Identity) -> Option<&Known> {
        self.known.iter().find(|k| k.identity.same_work(id))
    }

    /// `base` if free, else `base` followed by `a`, `b`, ... (never a key
    /// that is taken).
    pub fn fresh_key(&self, base: &str) -> String {
        if !self.is_taken(base) {
            return base.to_string();
        }
        for c in 'a'..='z' {
            let k = format!("{base}{c}");
            if !self.is_taken(&k) {
                return k;
            }
        }
        (2..).map(|n| format!("{base}-{n}")).find(|k| !self.is_taken(k)).expect("some number is free")
    }
}

/// The value of a field in a BibLaTeX record's text, read with the
/// `biblatex` crate (None if the record does not parse or has no such field).
pub fn raw_field(raw: &str, field: &str) -> Option<String> {
    let bib = biblatex::Bibliography::parse(raw).ok()?;
    let e = bib.iter().next()?;
    use biblatex::ChunksExt;
    e.get(field).map(|c| c.format_verbatim())
}

// ---------------------------------------------------------------------------
// BibLaTeX records as written.
// ---------------------------------------------------------------------------

/// A personal or corporate name in a record being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Family name, or the whole name of an organisation.
    pub family: String,
    /// Given names or initials.
    pub given: Option<String>,
    /// An organisation: written in braces so it is not split into names.
    pub corporate: bool,
}

impl Person {
    fn to_biblatex(&self) -> String {
        if self.corporate {
            return format!("{{{}}}", escape_bib(&self.family));
        }
        let family = if self.family.contains(" and ") || self.family.contains(',') {
            format!("{{{}}}", escape_bib(&self.family))
        } else {
            escape_bib(&self.family)
        };
        match &self.given {
            Some(g) if !g.is_empty() => format!("{family}, {}", escape_bib(g)),
            _ => family,
        }
    }
}

/// A BibLaTeX record to write, with comments above it saying where it came
/// from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Entry type: `book`, `article`, `incollection`, `thesis`, `misc` ...
    pub kind: String,
    /// Citation key.
    pub key: String,
    /// `author`.
    pub authors: Vec<Person>,
    /// `editor`.
    pub editors: Vec<Person>,
    /// Other fields in the order they are written, values as plain text
    /// (escaped when written).
    pub fields: Vec<(String, String)>,
    /// Comment lines written above the record (`% ...`).
    pub comments: Vec<String>,
}

/// Escapes plain text for a braced BibLaTeX value.
pub fn escape_bib(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '@' => out.push_str("{@}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A comment line for a `.bib` file: one line, no control characters.
pub fn bib_comment(s: &str) -> String {
    let body: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("% {}", body.trim_end())
}

impl Record {
    /// The record as BibLaTeX, comments first, ending with a line break.
    pub fn to_biblatex(&self) -> String {
        let mut out = String::new();
        for c in &self.comments {
            out.push_str(&bib_comment(c));
            out.push('\n');
        }
        let mut fields: Vec<(&str, String)> = Vec::new();
        let names = |ps: &[Person]| ps.iter().map(Person::to_biblatex).collect::<Vec<_>>().join(" and ");
        if !self.authors.is_empty() {
            fields.push(("author", names(&self.authors)));
        }
        if !self.editors.is_empty() {
            fields.push(("editor", names(&self.editors)));
        }
        for (k, v) in &self.fields {
            if !v.trim().is_empty() {
                fields.push((k, escape_bib(v.trim())));
            }
        }
        let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        out.push_str(&format!("@{}{{{},\n", self.kind, self.key));
        for (k, v) in fields {
            out.push_str(&format!("  {k:width$} = {{{v}}},\n"));
        }
        out.push_str("}\n");
        out
    }

    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// What identifies the record's work.
    pub fn identity(&self) -> Identity {
        let family = self.authors.first().or(self.editors.first()).map(|p| loose(&p.family)).unwrap_or_default();
        let year = self.field("date").and_then(first_year);
        Identity {
            family,
            year,
            title: title_letters(self.field("title").unwrap_or("")),
            doi: self.field("doi").and_then(normalize_doi),
        }
    }

    /// The first author's family name (or the first editor's), or "".
    pub fn first_family(&self) -> &str {
        self.authors.first().or(self.editors.first()).map(|p| p.family.as_str()).unwrap_or("")
    }

    /// "Arnaud 1987", for hints.
    pub fn short(&self) -> String {
        let ps = if self.authors.is_empty() { &self.editors } else { &self.authors };
        let who = match ps.as_slice() {
            [] => "Anonymous".to_string(),
            [a] => a.family.clone(),
            [a, b] => format!("{} and {}", a.family, b.family),
            [a, ..] => format!("{} et al.", a.family),
        };
        match self.field("date").and_then(first_year) {
            Some(y) => format!("{who} {y}"),
            None => format!("{who} n.d."),
        }
    }
}

pub use crate::parse::bibliography::first_year;

/// The text to write as `bibliography/imported.bib`: what it held, then the
/// new records (None when there is nothing new).
pub fn merged_bib(existing: Option<&str>, records: &[String]) -> Option<String> {
    if records.is_empty() {
        return None;
    }
    let mut out = existing.unwrap_or("").to_string();
    if out.is_empty() {
        out.push_str("% Works brought in by `attest import`. Each record says where it came from;\n");
        out.push_str("% check the records against the works themselves before publishing.\n");
    } else if !out.ends_with('\n') {
        out.push('\n');
    }
    for r in records {
        out.push('\n');
        out.push_str(r);
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// The outcome of an import and its report.
// ---------------------------------------------------------------------------

/// What an import found, for the editor: diagnostics pointing into the
/// input files, and a summary.
#[derive(Debug)]
pub struct Report {
    /// The input files.
    pub sources: SourceSet,
    /// Problems, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The summary (JSON object) with the trail of every conversion.
    pub summary: serde_json::Map<String, serde_json::Value>,
    /// Summary lines for people, one per input file and one for the run.
    pub lines: Vec<String>,
}

impl Report {
    /// Number of errors and warnings.
    pub fn counts(&self) -> (usize, usize) {
        crate::check::count(&self.diagnostics)
    }

    /// Whether something stops the import from being written.
    pub fn refused(&self) -> bool {
        self.diagnostics.iter().any(|d| {
            matches!(
                d.code,
                codes::IMPORT_ENTRY_EXISTS | codes::FILE_UNREADABLE | codes::FILE_ENCODING | codes::FILE_TOO_LARGE
            )
        })
    }

    /// Compiler-style text, like `check`'s, then the summary lines.
    pub fn human(&self, color: bool) -> String {
        let mut out = crate::report::human_diagnostics(&self.sources, &self.diagnostics, color);
        for l in &self.lines {
            out.push_str(l);
            out.push('\n');
        }
        let (e, w) = self.counts();
        out.push_str(&format!("{e} error{}, {w} warning{}\n", plural(e), plural(w)));
        out
    }

    /// One JSON object, `{"diagnostics": [...], "summary": {...}}`, like
    /// `check`'s.
    pub fn json(&self) -> String {
        let diags: Vec<_> = self.diagnostics.iter().map(|d| crate::report::json_diag(&self.sources, d)).collect();
        let (e, w) = self.counts();
        let mut summary = serde_json::Map::new();
        summary.insert("errors".into(), e.into());
        summary.insert("warnings".into(), w.into());
        summary.extend(self.summary.clone());
        serde_json::to_string_pretty(&serde_json::json!({"diagnostics": diags, "summary": summary}))
            .expect("plain data serialises")
    }

    /// `(line, code)` of every diagnostic, for tests and scripts.
    pub fn codes_by_line(&self) -> Vec<(String, usize, &'static str)> {
        self.diagnostics
            .iter()
            .map(|d| match d.file {
                Some(f) => {
                    let s = self.sources.get(f);
                    (s.path.clone(), s.line_col(d.span.start).0, d.code)
                }
                None => (String::new(), 0, d.code),
            })
            .collect()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The result of an import: the report and the files to write.
#[derive(Debug)]
pub struct Outcome {
    /// What was found.
    pub report: Report,
    /// New files (`entries/slug.md`), as `(project-relative path, text)`.
    pub entries: Vec<(String, String)>,
    /// The new text of `bibliography/imported.bib`, if it changes.
    pub bib: Option<String>,
    /// The text `bibliography/imported.bib` had when the project was read
    /// (so a change made meanwhile is not overwritten).
    pub bib_before: Option<String>,
}

/// Why the result of an import could not be written. Nothing is written
/// then.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// An entry file exists already.
    #[error("{0} already exists; attest import never overwrites an entry (nothing was written)")]
    EntryExists(PathBuf),
    /// imported.bib changed while the import ran.
    #[error("{0} changed while the import ran; run it again (nothing was written)")]
    Changed(PathBuf),
    /// An I/O error.
    #[error("cannot write {path}: {source} (nothing was written)")]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes an outcome into the project folder `dir`, all or nothing: every
/// file goes to a temporary file beside its target first; new entries are
/// then linked into place (which fails rather than overwrite a file that
/// appeared meanwhile) and imported.bib renamed over the old one last. On
/// any failure what was put in place is removed again. Returns the paths
/// written.
pub fn write(dir: &Path, outcome: &Outcome) -> Result<Vec<PathBuf>, WriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    let tmp_of = |p: &Path| {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        p.with_file_name(format!(".{name}.attest-tmp-{}", std::process::id()))
    };
    let mut plan: Vec<(PathBuf, &str)> = Vec::new();
    for (rel, text) in &outcome.entries {
        let target = dir.join(rel);
        if target.exists() {
            return Err(WriteError::EntryExists(target));
        }
        plan.push((target, text));
    }
    let bib_target = dir.join(IMPORTED_BIB);
    let mut temps: Vec<PathBuf> = Vec::new();
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    let write_tmp = |target: &Path, text: &str, temps: &mut Vec<PathBuf>| -> Result<PathBuf, WriteError> {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let tmp = tmp_of(target);
        std::fs::write(&tmp, text).map_err(io(&tmp))?;
        temps.push(tmp.clone());
        Ok(tmp)
    };
    let mut staged = Vec::new();
    for (target, text) in &plan {
        match write_tmp(target, text, &mut temps) {
            Ok(t) => staged.push((t, target.clone())),
            Err(e) => {
                cleanup(&temps);
                return Err(e);
            }
        }
    }
    let bib_tmp = match &outcome.bib {
        Some(text) => match write_tmp(&bib_target, text, &mut temps) {
            Ok(t) => Some(t),
            Err(e) => {
                cleanup(&temps);
                return Err(e);
            }
        },
        None => None,
    };
    // Commit.
    let mut placed: Vec<PathBuf> = Vec::new();
    let undo = |placed: &[PathBuf], temps: &[PathBuf]| {
        for p in placed {
            let _ = std::fs::remove_file(p);
        }
        cleanup(temps);
    };
    for (tmp, target) in &staged {
        if let Err(e) = std::fs::hard_link(tmp, target) {
            undo(&placed, &temps);
            return Err(if e.kind() == std::io::ErrorKind::AlreadyExists || target.exists() {
                WriteError::EntryExists(target.clone())
            } else {
                WriteError::Io { path: target.clone(), source: e }
            });
        }
        placed.push(target.clone());
    }
    if let Some(tmp) = bib_tmp {
        let now = std::fs::read_to_string(&bib_target).ok();
        if now != outcome.bib_before {
            undo(&placed, &temps);
            return Err(WriteError::Changed(bib_target));
        }
        if let Err(e) = std::fs::rename(&tmp, &bib_target) {
            undo(&placed, &temps);
            return Err(WriteError::Io { path: bib_target, source: e });
        }
        placed.push(bib_target.clone());
    }
    cleanup(&temps);
    Ok(placed)
}

/// Sorts and deduplicates diagnostics like `check` does.
pub(crate) fn finish(diags: &mut Vec<Diagnostic>) {
    crate::check::sort(diags);
}

/// A warning (import diagnostics about the input are mostly warnings).
pub(crate) fn warning(
    code: &'static str,
    file: crate::source::FileId,
    span: std::ops::Range<usize>,
    msg: impl Into<String>,
) -> Diagnostic {
    Diagnostic { severity: Severity::Warning, code, message: msg.into(), file: Some(file), span, hint: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_key_letters() {
        assert_eq!(key_letters("Ilić"), "ilic");
        assert_eq!(key_letters("Бугай"), "bugai");
        assert_eq!(key_letters("Directorate of the Interior"), "directorateoftheinterior");
        assert_eq!(loose("Bugay"), loose("Бугай"));
        assert_eq!(key_base("Ostrova", Some(1999), None), "ostrova1999");
        assert_eq!(key_base("", None, Some('b')), "anonndb");
    }

    #[test]
    fn fresh_keys_get_a_letter() {
        let mut lib = Library::default();
        lib.take("varga2001");
        assert_eq!(lib.fresh_key("varga2001"), "varga2001a");
        lib.take("varga2001a");
        assert_eq!(lib.fresh_key("varga2001"), "varga2001b");
    }

    #[test]
    fn records_are_valid_biblatex() {
        let r = Record {
            kind: "book".into(),
            key: "x2001".into(),
            authors: vec![
                Person { family: "Directorate of the Interior".into(), given: None, corporate: true },
                Person { family: "Brenner".into(), given: Some("K.".into()), corporate: false },
            ],
            editors: vec![],
            fields: vec![
                ("title".into(), "50% of {all} & more_ #1 ~ ^ \\ @home".into()),
                ("date".into(), "2001".into()),
            ],
            comments: vec!["from x.txt, line 3: }{ @odd".into()],
        };
        let text = r.to_biblatex();
        let (works, diags) = crate::parse::bibliography::parse_biblatex(crate::source::FileId(0), &text);
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        assert_eq!(works[0].authors[0].family, "Directorate of the Interior");
        assert_eq!(works[0].year, Some(2001));
        assert_eq!(works[0].title, "50% of {all} & more_ #1 ~ ^ \\ @home");
    }

    #[test]
    fn dois_are_compared_without_resolver() {
        assert_eq!(normalize_doi("https://doi.org/10.1000/ABC"), Some("10.1000/abc".into()));
        assert_eq!(normalize_doi("doi:10.1/x"), Some("10.1/x".into()));
        assert_eq!(normalize_doi("n/a"), None);
    }
}
