//! Editions: the published entries frozen as a citable copy of the site
//! that never changes, as the Stanford Encyclopedia of Philosophy archives
//! one every quarter.
//!
//! An edition named `NAME` is the public site rendered from the published
//! entries only, with every address under `BASE_URL/editions/NAME/` (so its
//! how-to-cite lines, canonical links and exports name the frozen copy),
//! written once to the project folder as `editions/NAME/` beside an
//! `edition.toml` manifest: the day, the entries, and the SHA-256 of its
//! files ([`content_hash`]). An existing edition is never written over.
//! `attest build` copies the editions into the site and `attest serve`
//! serves them, and the live entry pages name the latest edition that holds
//! them ([`crate::access::View::editions`]).
//!
//! [`render`] and [`content_hash`] are pure; [`write()`], [`list`] and
//! [`site_files`] read and write the folder.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::access::View;
use crate::model::{Edition, Status};
use crate::render::site::{self, RenderError, SiteFile, Theme};

/// The folder of editions in a project.
pub const DIR: &str = "editions";
/// Each edition's manifest, in its folder.
pub const MANIFEST: &str = "edition.toml";

/// Why an edition could not be cut.
#[derive(Debug, thiserror::Error)]
pub enum EditionError {
    /// The name is not usable in an address.
    #[error("`{0}` cannot name an edition: use 1 to 64 lowercase letters, digits, `-`, `_` or `.`, starting with a letter or digit")]
    BadName(String),
    /// There is one of that name already.
    #[error("there is already an edition `{0}`: an edition is never changed; choose another name")]
    Exists(String),
    /// No entry is published.
    #[error("no entry is published: an edition holds published entries only")]
    Empty,
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The folder could not be written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Checks an edition's name: it becomes part of addresses and a folder.
pub fn check_name(name: &str) -> Result<(), EditionError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        && !name.contains("..");
    if ok {
        Ok(())
    } else {
        Err(EditionError::BadName(name.to_string()))
    }
}

/// What edition `name` shows of `public` (a public view): the published
/// entries, with the site's addresses under `editions/NAME/` and the
/// edition named under the title.
pub fn view_of(public: &View, name: &str, date: &str) -> View {
    let mut v = public.clone();
    v.entries.retain(|s| s.entry.status.as_ref().is_some_and(|x| x.v == Status::Published));
    let kept: std::collections::BTreeSet<String> = v.entries.iter().map(|s| s.entry.slug.clone()).collect();
    for s in &mut v.entries {
        s.entry.related.retain(|r| kept.contains(&r.v));
    }
    let base =
        if v.config.base_url.ends_with('/') { v.config.base_url.clone() } else { format!("{}/", v.config.base_url) };
    v.config.base_url = format!("{base}{DIR}/{name}/");
    v.config.subtitle = Some(format!("Edition {name}, frozen on {date}"));
    v.editions.clear();
    v
}

/// Hex SHA-256 over an edition's files: for each file in path order, its
/// path, a NUL, the hex SHA-256 of its bytes and a newline. The manifest
/// publishes it, so anyone can check a copy (`sha256sum` per file gives
/// the same inner hashes).
pub fn content_hash(files: &[SiteFile]) -> String {
    let mut sorted: Vec<&SiteFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut outer = Sha256::new();
    for (path, bytes) in sorted {
        outer.update(path.as_bytes());
        outer.update([0]);
        outer.update(hex(&Sha256::digest(bytes)));
        outer.update(b"\n");
    }
    hex(&outer.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Renders edition `name` of `public` on day `date`: its files (paths
/// relative to the edition's folder) and its manifest.
pub fn render(public: &View, theme: &Theme, name: &str, date: &str) -> Result<(Vec<SiteFile>, Edition), EditionError> {
    check_name(name)?;
    let view = view_of(public, name, date);
    if view.entries.is_empty() {
        return Err(EditionError::Empty);
    }
    let files = site::render_site(&view, theme, &|| {})?;
    let manifest = Edition {
        name: name.to_string(),
        date: date.to_string(),
        entries: view.entries.iter().map(|s| s.entry.slug.clone()).collect(),
        files: files.len(),
        sha256: content_hash(&files),
    };
    Ok((files, manifest))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EditionError + '_ {
    move |source| EditionError::Io { path: path.to_path_buf(), source }
}

/// Writes an edition into `project/editions/NAME/`, all or nothing: into a
/// hidden folder first, renamed into place last. Refuses a name in use.
pub fn write(project: &Path, files: &[SiteFile], manifest: &Edition) -> Result<PathBuf, EditionError> {
    check_name(&manifest.name)?;
    let root = project.join(DIR);
    let target = root.join(&manifest.name);
    if target.exists() {
        return Err(EditionError::Exists(manifest.name.clone()));
    }
    std::fs::create_dir_all(&root).map_err(io(&root))?;
    let tmp = root.join(format!(".{}.attest-tmp-{}", manifest.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| {
        crate::build::write_tree(&tmp, files).map_err(|(path, source)| EditionError::Io { path, source })?;
        let text = toml::to_string(manifest).expect("a manifest serialises");
        let m = tmp.join(MANIFEST);
        std::fs::write(&m, text).map_err(io(&m))?;
        // A rename does not replace a folder made meanwhile: the check above
        // is repeated by the file system.
        std::fs::rename(&tmp, &target).map_err(|e| {
            if target.exists() {
                EditionError::Exists(manifest.name.clone())
            } else {
                EditionError::Io { path: target.clone(), source: e }
            }
        })
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written.map(|()| target)
}

/// The editions of a project, oldest first (by day, then name). Folders
/// without a readable manifest are left out.
pub fn list(project: &Path) -> Vec<Edition> {
    let Ok(rd) = std::fs::read_dir(project.join(DIR)) else { return Vec::new() };
    let mut out: Vec<Edition> = rd
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| std::fs::read_to_string(e.path().join(MANIFEST)).ok())
        .filter_map(|t| toml::from_str::<Edition>(&t).ok())
        .filter(|m| check_name(&m.name).is_ok())
        .collect();
    out.sort_by(|a, b| (&a.date, &a.name).cmp(&(&b.date, &b.name)));
    out
}

/// Every file of every edition, with its path in the site
/// (`editions/NAME/...`), for `attest build` to copy.
pub fn site_files(project: &Path) -> Result<Vec<SiteFile>, EditionError> {
    let mut out = Vec::new();
    for ed in list(project) {
        let root = project.join(DIR).join(&ed.name);
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(&root) {
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    let bytes = std::fs::read(&p).map_err(io(&p))?;
                    out.push((format!("{DIR}/{}/{rel}", ed.name), bytes));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Checks that the files of edition `name` still hash to its manifest's
/// SHA-256: `Ok(false)` when something was changed.
pub fn verify(project: &Path, name: &str) -> Result<bool, EditionError> {
    let Some(ed) = list(project).into_iter().find(|e| e.name == name) else {
        return Err(EditionError::Io {
            path: project.join(DIR).join(name),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such edition"),
        });
    };
    let prefix = format!("{DIR}/{name}/");
    let files: Vec<SiteFile> = site_files(project)?
        .into_iter()
        .filter_map(|(p, b)| p.strip_prefix(&prefix).map(|r| (r.to_string(), b)))
        .filter(|(p, _)| p != MANIFEST)
        .collect();
    Ok(content_hash(&files) == ed.sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_an_address() {
        for ok in ["2026-winter", "1", "v1.2", "spring_2027"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Winter", "../x", "a/b", "-x", ".x", "a..b", &"x".repeat(65), "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_hash_depends_on_every_path_and_byte_but_not_the_order() {
        let a = vec![("a.html".to_string(), b"one".to_vec()), ("b/c.html".to_string(), b"two".to_vec())];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(content_hash(&a), content_hash(&b));
        let mut c = a.clone();
        c[1].1 = b"twO".to_vec();
        assert_ne!(content_hash(&a), content_hash(&c));
        let mut d = a.clone();
        d[0].0 = "A.html".into();
        assert_ne!(content_hash(&a), content_hash(&d));
        assert_eq!(content_hash(&a).len(), 64);
    }
}
