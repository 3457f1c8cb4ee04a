//! Source files in memory and the mapping from byte offsets to line and column.
//!
//! Everything downstream works on byte ranges into a [`SourceFile`]; this
//! module turns them into the `file:line:column` an editor needs. Reading
//! files from disk lives in [`load`], the only part of the pipeline before
//! rendering that touches the file system.

pub mod load;

use std::ops::Range;
use std::path::PathBuf;

/// Index of a file in a [`SourceSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// What a file holds, decided by where it lies in the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `attest.toml`.
    Config,
    /// `entries/*.md`.
    Entry,
    /// A BibLaTeX file.
    BibLatex,
    /// A CSL-JSON file.
    CslJson,
    /// A hayagriva YAML file.
    HayagrivaYaml,
    /// `places.yaml` or `places/*.yaml`.
    Places,
    /// A file given to `attest import` (a legacy case study, a reference
    /// list): not part of the project, read only to be converted.
    Import,
}

/// One file of the project, read into memory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the project root, with `/` separators, as shown to users.
    pub path: String,
    /// Absolute or project-relative path on disk, if it came from disk.
    pub disk_path: Option<PathBuf>,
    /// What the file holds.
    pub kind: FileKind,
    /// The text (empty if the file could not be read).
    pub text: String,
    /// False when the file could not be read or decoded; later stages skip it.
    pub ok: bool,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file from its path (as shown) and text.
    pub fn new(path: impl Into<String>, kind: FileKind, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { path: path.into(), disk_path: None, kind, text, ok: true, line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset. Offsets past
    /// the end or inside a character are clamped to a valid position.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte range of the (1-based) line, without its line break.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(line).map(|e| e - 1).unwrap_or(self.text.len());
        let end = if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') { end - 1 } else { end };
        start..end.max(start)
    }

    /// Byte offset of a 1-based line and character column (inverse of [`Self::line_col`]).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let r = self.line_range(line);
        let mut off = r.start;
        for (i, (b, _)) in self.text[r.clone()].char_indices().enumerate() {
            off = r.start + b;
            if i + 1 == col {
                return off;
            }
        }
        if col > 1 {
            r.end
        } else {
            off
        }
    }
}

/// All files of a project, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

impl SourceSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let f = SourceFile::new("a.md", FileKind::Entry, "ab\nГрозный @x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        let at = f.text.find('@').unwrap();
        assert_eq!(f.line_col(at), (2, 9));
        assert_eq!(f.offset_of(2, 9), at);
        assert_eq!(f.line_col(10_000), (3, 1));
    }
}
