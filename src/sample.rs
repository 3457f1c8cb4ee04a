//! The sample encyclopedia embedded in the binary, and the starter project of
//! `attest init`, with the code that writes either out to a folder.
//!
//! Writing is all or nothing: files go to a temporary folder next to the
//! target, which is renamed into place only when every file is written, and
//! an existing non-empty folder is never touched.

use std::path::Path;

use include_dir::{include_dir, Dir, DirEntry};

static SAMPLE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sample");
static INIT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates/init");

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<(&'a str, &'a [u8])>) {
    for e in dir.entries() {
        match e {
            DirEntry::Dir(d) => collect(d, out),
            DirEntry::File(f) => out.push((f.path().to_str().expect("embedded paths are UTF-8"), f.contents())),
        }
    }
}

/// The sample encyclopedia's files, as `(relative path, contents)`. Only
/// the sources: a site built into `sample/public` is not part of it.
pub fn sample_files() -> Vec<(&'static str, &'static [u8])> {
    let mut v = Vec::new();
    collect(&SAMPLE, &mut v);
    v.retain(|(p, _)| crate::source::load::classify(p).is_some());
    v.sort();
    v
}

/// The starter project's files.
pub fn init_files() -> Vec<(&'static str, &'static [u8])> {
    let mut v = Vec::new();
    collect(&INIT, &mut v);
    v.sort();
    v
}

/// A generated encyclopedia of `n` entries citing a bibliography of `works`
/// works (seed 0 of [`crate::bench`]), for benchmarks and scale tests:
/// case studies of about 30 KB with the full template that check without
/// errors. Deterministic. `works` is raised to 1 if it is 0.
pub fn synthetic_project(n: usize, works: usize) -> Vec<(String, Vec<u8>)> {
    let spec = crate::bench::Spec { entries: n, works: works.max(1), seed: 0 };
    crate::bench::generate(&spec).map(|c| crate::bench::project_files(&c, &spec)).unwrap_or_default()
}

/// Why files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target exists and is not an empty folder.
    #[error("{0} already exists and is not empty; choose a new folder (nothing was written)")]
    NotEmpty(std::path::PathBuf),
    /// An I/O error.
    #[error("cannot write {path}: {source} (nothing was written)")]
    Io {
        /// Where.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes `files` into the new folder `target`, all or nothing.
pub fn write_project(target: &Path, files: &[(&str, &[u8])]) -> Result<(), WriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    if target.exists() {
        let empty = target.is_dir() && std::fs::read_dir(target).map_err(io(target))?.next().is_none();
        if !empty {
            return Err(WriteError::NotEmpty(target.to_path_buf()));
        }
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "attest".into());
    let tmp = parent.join(format!(".{name}.attest-tmp-{}", std::process::id()));
    let result = (|| {
        crate::build::write_tree(&tmp, files).map_err(|(p, e)| io(&p)(e))?;
        if target.exists() {
            std::fs::remove_dir(target).map_err(io(target))?;
        }
        std::fs::rename(&tmp, target).map_err(io(target))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
