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

fn synthetic_entry(i: usize, works: usize) -> String {
    let front = [
        format!("title: Entry {i}"),
        "kind: essay".into(),
        "status: draft".into(),
        "authors: [Editor]".into(),
        "period: 1940/1960".into(),
        format!("places: [p{}]", i % 50),
        "figures:".into(),
        "  - id: f".into(),
        "    measure: { what: people deported }".into(),
        "    unit: people".into(),
        "    estimates:".into(),
        format!(
            "      - {{ id: a, low: 1000, high: 2000, source: \"@w{}, p. 5\", basis: official-document }}",
            i % works
        ),
        format!(
            "      - {{ id: b, value: 1500, approximate: true, source: \"@w{}\", basis: testimony }}",
            (i + 1) % works
        ),
        "events:".into(),
        format!(
            "  - {{ id: e1, date: 1944-02-23/1944-03-01, label: Operation, places: [p{}], sources: [\"@w{}\"] }}",
            i % 50,
            (i + 2) % works
        ),
        format!("  - {{ id: e2, date: 1957~, label: Return, sources: [\"@w{}\"] }}", (i + 3) % works),
    ];
    let mut s = format!("---\n{}\n---\n\n", front.join("\n"));
    for sec in 0..7 {
        s.push_str(&format!("## Section {sec}\n\n"));
        for p in 0..6 {
            s.push_str(&format!(
                "Paragraph {p} of section {sec} describes the events at length, with a figure of {{fig:f}} people and a citation [see @w{}, pp. {}-{}; @w{}]. ",
                (i + p + sec) % works, p + 1, p + 9, (i * 7 + p) % works
            ));
            s.push_str(&"More prose follows, as in a real case study, to give the entry its weight. ".repeat(6));
            s.push_str("\n\n");
        }
    }
    s
}

/// A generated encyclopedia of `n` entries citing a bibliography of `works`
/// works, for benchmarks and scale tests: every entry has the figure,
/// event, citation and section structure of a real one (about 25 KB) and
/// the whole checks without errors. Deterministic.
pub fn synthetic_project(n: usize, works: usize) -> Vec<(String, Vec<u8>)> {
    let mut files =
        vec![("attest.toml".to_string(), b"title = \"Bench\"\nbase_url = \"https://example.org/\"\n".to_vec())];
    let mut bib = String::new();
    for w in 0..works {
        bib.push_str(&format!(
            "@book{{w{w}, author = {{Author{w}, A.}}, title = {{Work {w}}}, date = {{19{:02}}}}}\n",
            w % 100
        ));
    }
    files.push(("bibliography/works.bib".into(), bib.into_bytes()));
    let mut places = String::new();
    for p in 0..50 {
        places.push_str(&format!("- id: p{p}\n  kind: region\n  names: [Region {p}]\n"));
    }
    files.push(("places.yaml".into(), places.into_bytes()));
    for i in 0..n {
        files.push((format!("entries/e{i:05}.md"), synthetic_entry(i, works).into_bytes()));
    }
    files
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
        for (rel, bytes) in files {
            let p = tmp.join(rel);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(io(dir))?;
            }
            std::fs::write(&p, bytes).map_err(io(&p))?;
        }
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
