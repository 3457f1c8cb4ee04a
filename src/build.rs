//! `attest build`: the static site written to disk, all or nothing.
//!
//! The files are written into a fresh folder next to the target and swapped
//! in only when every file is there, so a failed build never leaves a half
//! site, and a folder that attest did not write itself is never replaced.

use std::path::{Path, PathBuf};

use crate::access::{self, Audience};
use crate::render::site::{self, Theme};
use crate::Analysis;

/// The file that marks a folder as attest's output.
pub const MARKER: &str = ".attest-build";

/// Why the site was not written.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A template failed.
    #[error(transparent)]
    Render(#[from] site::RenderError),
    /// The output folder holds files attest did not write.
    #[error("{0} exists and was not written by attest build; choose another --out folder (nothing was written)")]
    ForeignOutput(PathBuf),
    /// I/O.
    #[error("cannot write {path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The project's editions could not be read.
    #[error("cannot copy the editions: {0}")]
    Edition(String),
}

/// Reads a project's theme overrides: `theme/*.html` and `theme/style.css`.
pub fn load_theme(project: &Path) -> Result<Theme, BuildError> {
    let dir = project.join("theme");
    if !dir.is_dir() {
        return Ok(Theme::default());
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    let mut templates = Vec::new();
    let mut css = None;
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(&dir).map_err(io(&dir))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    for p in names {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "style.css" {
            css = Some(std::fs::read_to_string(&p).map_err(io(&p))?);
        } else if name.ends_with(".html") {
            templates.push((name, std::fs::read_to_string(&p).map_err(io(&p))?));
        }
    }
    Ok(Theme::with_overrides(templates, css))
}

/// Renders the analysed project for `audience` and writes it to `out`,
/// with the editions cut in folder `project` (copied as they are, and named
/// by the entries' how-to-cite lines). Returns the number of files written.
pub fn build(
    analysis: &Analysis,
    theme: &Theme,
    audience: Audience,
    project: Option<&Path>,
    out: &Path,
    tick: &(dyn Fn() + Sync),
) -> Result<usize, BuildError> {
    let mut view = access::view(analysis, audience);
    let mut editions = Vec::new();
    if let Some(dir) = project {
        view.editions = crate::edition::list(dir);
        editions = crate::edition::site_files(dir).map_err(|e| BuildError::Edition(e.to_string()))?;
    }
    let mut files = site::render_site(&view, theme, tick)?;
    files.extend(editions);
    write_site(out, &files)?;
    Ok(files.len())
}

/// Writes `files` (paths relative to `root`) under `root`, making folders
/// as needed; on failure, the path that failed and why.
pub fn write_tree<P: AsRef<str>, B: AsRef<[u8]>>(
    root: &Path,
    files: &[(P, B)],
) -> Result<(), (PathBuf, std::io::Error)> {
    for (rel, bytes) in files {
        let p = root.join(rel.as_ref());
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(|e| (d.to_path_buf(), e))?;
        }
        std::fs::write(&p, bytes).map_err(|e| (p.clone(), e))?;
    }
    Ok(())
}

/// Writes `files` as the folder `out`, replacing an earlier build.
pub fn write_site(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), BuildError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    if out.exists() {
        let empty = out.is_dir() && std::fs::read_dir(out).map_err(io(out))?.next().is_none();
        if !empty && !out.join(MARKER).is_file() {
            return Err(BuildError::ForeignOutput(out.to_path_buf()));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    let tmp = parent.join(format!(".{name}.attest-tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.attest-old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| {
        write_tree(&tmp, files).map_err(|(path, source)| BuildError::Io { path, source })?;
        std::fs::write(tmp.join(MARKER), "This folder is written by `attest build` and replaced on every build.\n")
            .map_err(io(&tmp))?;
        if out.exists() {
            std::fs::rename(out, &old).map_err(io(out))?;
        }
        std::fs::rename(&tmp, out).map_err(io(out))
    })();
    match written {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&old);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            if old.exists() && !out.exists() {
                let _ = std::fs::rename(&old, out);
            }
            Err(e)
        }
    }
}
