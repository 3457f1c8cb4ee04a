//! Reading a project folder (or an in-memory copy of one, such as the sample
//! embedded in the binary) into a [`SourceSet`].
//!
//! This is the one place that touches the file system for `check`. It
//! classifies files by where they lie (`attest.toml`, `entries/*.md`,
//! `bibliography/*`, `places.yaml`, `places/*.yaml`), refuses files that are
//! too large, not UTF-8 or binary with a diagnostic instead of a panic, and
//! returns them in a stable order.

use std::path::{Path, PathBuf};

use crate::diag::{codes, Diagnostic};
use crate::source::{FileKind, SourceFile, SourceSet};

/// Largest file attest reads, in bytes. Real entries are well under 1 MiB;
/// the limit keeps a stray data dump from exhausting memory.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// The files of a project and the problems met while reading them.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The files that were read (unreadable ones are present with empty text).
    pub sources: SourceSet,
    /// Problems with the files themselves.
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a project could not be loaded at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder does not exist or is not a folder.
    #[error("{0} is not a folder")]
    NotADirectory(PathBuf),
    /// There is no attest.toml.
    #[error("no attest.toml in {0}: is this an attest encyclopedia? (`attest init DIR` creates one)")]
    NoConfig(PathBuf),
    /// A folder could not be listed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What a project-relative path holds, or `None` if attest ignores it.
pub fn classify(rel: &str) -> Option<FileKind> {
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let ext = ext.as_deref();
    match rel.split_once('/') {
        None if rel == "attest.toml" => Some(FileKind::Config),
        None if rel == "places.yaml" || rel == "places.yml" => Some(FileKind::Places),
        Some(("entries", rest)) if !rest.contains('/') && ext == Some("md") => Some(FileKind::Entry),
        Some(("places", rest)) if !rest.contains('/') && matches!(ext, Some("yaml" | "yml")) => Some(FileKind::Places),
        Some(("bibliography", rest)) if !rest.contains('/') => match ext {
            Some("bib") => Some(FileKind::BibLatex),
            Some("json") => Some(FileKind::CslJson),
            Some("yaml" | "yml") => Some(FileKind::HayagrivaYaml),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a project folder.
pub fn load_dir(root: &Path) -> Result<Loaded, LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NotADirectory(root.to_path_buf()));
    }
    if !root.join("attest.toml").is_file() {
        return Err(LoadError::NoConfig(root.to_path_buf()));
    }
    let mut rels = vec!["attest.toml".to_string()];
    for f in ["places.yaml", "places.yml"] {
        if root.join(f).is_file() {
            rels.push(f.to_string());
        }
    }
    for dir in ["entries", "bibliography", "places"] {
        let p = root.join(dir);
        if !p.is_dir() {
            continue;
        }
        let rd = std::fs::read_dir(&p).map_err(|source| LoadError::Io { path: p.clone(), source })?;
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .map(|n| format!("{dir}/{n}"))
            .filter(|rel| classify(rel).is_some())
            .collect();
        names.sort();
        rels.extend(names);
    }
    let mut loaded = Loaded::default();
    for rel in rels {
        let kind = classify(&rel).expect("listed files are classified");
        let disk = root.join(&rel);
        let bytes = match std::fs::metadata(&disk) {
            Ok(m) if !m.is_file() => {
                Err((codes::FILE_UNREADABLE, "not a regular file (a device, a pipe or a folder?)".to_string()))
            }
            Ok(m) if m.len() > MAX_FILE_SIZE => Err(too_large(m.len())),
            Ok(_) => read_bounded(&disk),
            Err(e) => Err((codes::FILE_UNREADABLE, format!("cannot read the file: {e}"))),
        };
        let (mut file, diag) = decode(rel, kind, bytes);
        file.disk_path = Some(disk);
        push(&mut loaded, file, diag);
    }
    Ok(loaded)
}

fn push(loaded: &mut Loaded, file: SourceFile, diag: Option<Problem>) {
    // A file that could not be decoded keeps its text up to the problem, so
    // the diagnostic can quote the line where it is.
    let at = file.text.len();
    let id = loaded.sources.add(file);
    if let Some((code, msg)) = diag {
        loaded.diagnostics.push(Diagnostic::error(code, id, at..at, msg));
    }
}

/// Builds a project from in-memory files `(relative path, bytes)`, e.g. the
/// embedded sample. Paths attest does not recognise are ignored.
pub fn load_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<Loaded, LoadError> {
    let mut files: Vec<(&str, &[u8])> = files.into_iter().filter(|(p, _)| classify(p).is_some()).collect();
    files.sort_by_key(|(p, _)| (*p != "attest.toml", *p));
    if files.first().map(|(p, _)| *p) != Some("attest.toml") {
        return Err(LoadError::NoConfig(PathBuf::from("<memory>")));
    }
    let mut loaded = Loaded::default();
    for (rel, bytes) in files {
        let kind = classify(rel).expect("filtered above");
        let r =
            if bytes.len() as u64 > MAX_FILE_SIZE { Err(too_large(bytes.len() as u64)) } else { Ok(bytes.to_vec()) };
        let (file, diag) = decode(rel.to_string(), kind, r);
        push(&mut loaded, file, diag);
    }
    Ok(loaded)
}

/// Reads at most MAX_FILE_SIZE + 1 bytes, so a file that grows after its
/// size was taken cannot exhaust memory.
fn read_bounded(path: &Path) -> Result<Vec<u8>, Problem> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| (codes::FILE_UNREADABLE, format!("cannot read the file: {e}"));
    let f = std::fs::File::open(path).map_err(unreadable)?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_SIZE + 1).read_to_end(&mut buf).map_err(unreadable)?;
    if buf.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(buf.len() as u64));
    }
    Ok(buf)
}

fn too_large(len: u64) -> (&'static str, String) {
    (
        codes::FILE_TOO_LARGE,
        format!(
            "the file is {:.1} MiB; attest reads files of at most {} MiB",
            len as f64 / 1048576.0,
            MAX_FILE_SIZE / 1048576
        ),
    )
}

type Problem = (&'static str, String);

fn decode(rel: String, kind: FileKind, bytes: Result<Vec<u8>, Problem>) -> (SourceFile, Option<Problem>) {
    let (mut file, problem) = decode_inner(rel, kind, bytes);
    file.ok = problem.is_none();
    (file, problem)
}

fn decode_inner(rel: String, kind: FileKind, bytes: Result<Vec<u8>, Problem>) -> (SourceFile, Option<Problem>) {
    match bytes {
        Err(p) => (SourceFile::new(rel, kind, ""), Some(p)),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(mut text) => {
                if let Some(pos) = text.find('\0') {
                    let file = SourceFile::new(rel, kind, text);
                    let (line, col) = file.line_col(pos);
                    return (
                        SourceFile::new(file.path, kind, &file.text[..pos]),
                        Some((
                            codes::FILE_ENCODING,
                            format!("the file contains a NUL byte at line {line}, column {col}: is it a binary file?"),
                        )),
                    );
                }
                if text.starts_with('\u{feff}') {
                    text.replace_range(..3, "");
                }
                (SourceFile::new(rel, kind, text), None)
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
                let probe = SourceFile::new(rel, kind, prefix);
                let (line, col) = probe.line_col(valid);
                (
                    probe,
                    Some((
                        codes::FILE_ENCODING,
                        format!("the file is not valid UTF-8 (first bad byte at line {line}, column {col})"),
                    )),
                )
            }
        },
    }
}
