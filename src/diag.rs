//! Diagnostics as values: what went wrong, where, and what to do about it.
//!
//! Every stage of the pipeline returns its problems as [`Diagnostic`]s instead
//! of stopping at the first one, so an editor sees everything in one run. A
//! diagnostic points at a byte range of a [`SourceFile`](crate::source::SourceFile);
//! line and column are computed only when it is shown. The stable codes an
//! editor may search for or filter on are listed in [`codes`].

use std::ops::Range;

use serde::Serialize;

use crate::source::FileId;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look, but the encyclopedia can be built.
    Warning,
    /// Must be fixed before the encyclopedia is built.
    Error,
}

impl Severity {
    /// The lowercase name used in the CLI and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found in the sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code from [`codes`], e.g. `citation.unresolved`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file concerned, if any (a missing config has none).
    pub file: Option<FileId>,
    /// Byte range in that file.
    pub span: Range<usize>,
    /// What the editor can do about it ("did you mean @bugai1992?").
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `span` of `file`.
    pub fn error(code: &'static str, file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, code, message: message.into(), file: Some(file), span, hint: None }
    }

    /// A warning at `span` of `file`.
    pub fn warning(code: &'static str, file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, code, message: message.into(), file: Some(file), span, hint: None }
    }

    /// An error that concerns no file in particular.
    pub fn global(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, code, message: message.into(), file: None, span: 0..0, hint: None }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint if there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The stable diagnostic codes, documented in `docs/format.md`.
pub mod codes {
    #![allow(missing_docs)]
    pub const CONFIG_MISSING: &str = "config.missing";
    pub const CONFIG_INVALID: &str = "config.invalid";
    pub const FILE_UNREADABLE: &str = "file.unreadable";
    pub const FILE_ENCODING: &str = "file.encoding";
    pub const FILE_TOO_LARGE: &str = "file.too-large";
    pub const FRONTMATTER_SYNTAX: &str = "frontmatter.syntax";
    pub const FRONTMATTER_UNKNOWN_FIELD: &str = "frontmatter.unknown-field";
    pub const FRONTMATTER_MISSING_FIELD: &str = "frontmatter.missing-field";
    pub const FRONTMATTER_INVALID_VALUE: &str = "frontmatter.invalid-value";
    pub const PLACES_SYNTAX: &str = "places.syntax";
    pub const PLACES_UNKNOWN_FIELD: &str = "places.unknown-field";
    pub const PLACES_MISSING_FIELD: &str = "places.missing-field";
    pub const PLACES_INVALID_VALUE: &str = "places.invalid-value";
    pub const ID_DUPLICATE: &str = "id.duplicate";
    pub const CITATION_SYNTAX: &str = "citation.syntax";
    pub const CITATION_UNRESOLVED: &str = "citation.unresolved";
    pub const CITATION_YEAR_MISMATCH: &str = "citation.year-mismatch";
    pub const BIBLIOGRAPHY_SYNTAX: &str = "bibliography.syntax";
    pub const BIBLIOGRAPHY_DUPLICATE_KEY: &str = "bibliography.duplicate-key";
    pub const BIBLIOGRAPHY_UNCITED: &str = "bibliography.uncited";
    pub const FIGURE_NO_SOURCE: &str = "figure.no-source";
    pub const FIGURE_NO_ESTIMATES: &str = "figure.no-estimates";
    pub const FIGURE_BAD_RANGE: &str = "figure.bad-range";
    pub const FIGURE_UNKNOWN_REF: &str = "figure.unknown-ref";
    pub const FIGURE_UNVERIFIED: &str = "figure.unverified";
    pub const EVENT_NO_SOURCE: &str = "event.no-source";
    pub const EVENT_UNVERIFIED: &str = "event.unverified";
    pub const DATE_INVALID: &str = "date.invalid";
    pub const DATE_OUTSIDE_PERIOD: &str = "date.outside-period";
    pub const PLACE_UNKNOWN: &str = "place.unknown";
    pub const PLACE_NO_COORDINATES: &str = "place.no-coordinates";
    pub const PLACE_BAD_COORDINATES: &str = "place.bad-coordinates";
    pub const PLACE_UNVERIFIED: &str = "place.unverified";
    pub const SECTION_MISSING: &str = "section.missing";
    pub const MARKDOWN_UNCLOSED_DIV: &str = "markdown.unclosed-div";
    pub const LINK_BROKEN: &str = "link.broken";
    pub const RESTRICTED_LEAK_RISK: &str = "restricted.leak-risk";
    // Reported by `attest import` only (see docs/import.md).
    pub const BIBLIOGRAPHY_UNPARSED: &str = "bibliography.unparsed";
    pub const IMPORT_ENTRY_EXISTS: &str = "import.entry-exists";
    pub const IMPORT_METADATA: &str = "import.metadata";
    pub const IMPORT_CITATION_AMBIGUOUS: &str = "import.citation-ambiguous";
    pub const IMPORT_CITATION_NOT_CONVERTED: &str = "import.citation-not-converted";
    pub const IMPORT_FIGURE_CANDIDATE: &str = "import.figure-candidate";
    pub const IMPORT_DUPLICATE: &str = "import.duplicate";
    pub const IMPORT_KEY_RENAMED: &str = "import.key-renamed";

    /// Every code, in the order of the documentation table.
    pub const ALL: &[&str] = &[
        CONFIG_MISSING,
        CONFIG_INVALID,
        FILE_UNREADABLE,
        FILE_ENCODING,
        FILE_TOO_LARGE,
        FRONTMATTER_SYNTAX,
        FRONTMATTER_UNKNOWN_FIELD,
        FRONTMATTER_MISSING_FIELD,
        FRONTMATTER_INVALID_VALUE,
        ID_DUPLICATE,
        CITATION_SYNTAX,
        CITATION_UNRESOLVED,
        CITATION_YEAR_MISMATCH,
        BIBLIOGRAPHY_SYNTAX,
        BIBLIOGRAPHY_DUPLICATE_KEY,
        BIBLIOGRAPHY_UNCITED,
        FIGURE_NO_SOURCE,
        FIGURE_NO_ESTIMATES,
        FIGURE_BAD_RANGE,
        FIGURE_UNKNOWN_REF,
        FIGURE_UNVERIFIED,
        EVENT_NO_SOURCE,
        EVENT_UNVERIFIED,
        DATE_INVALID,
        DATE_OUTSIDE_PERIOD,
        PLACE_UNKNOWN,
        PLACE_NO_COORDINATES,
        PLACE_BAD_COORDINATES,
        PLACE_UNVERIFIED,
        PLACES_SYNTAX,
        PLACES_UNKNOWN_FIELD,
        PLACES_MISSING_FIELD,
        PLACES_INVALID_VALUE,
        SECTION_MISSING,
        MARKDOWN_UNCLOSED_DIV,
        LINK_BROKEN,
        RESTRICTED_LEAK_RISK,
        BIBLIOGRAPHY_UNPARSED,
        IMPORT_ENTRY_EXISTS,
        IMPORT_METADATA,
        IMPORT_CITATION_AMBIGUOUS,
        IMPORT_CITATION_NOT_CONVERTED,
        IMPORT_FIGURE_CANDIDATE,
        IMPORT_DUPLICATE,
        IMPORT_KEY_RENAMED,
    ];
}

/// The closest candidates to `word` among `candidates`, best first, for
/// "did you mean" hints. Uses normalised Damerau-Levenshtein similarity.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<&'a str> {
    let word_l = word.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(&word_l, &c.to_lowercase()), c))
        .filter(|(s, _)| *s >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(max).map(|(_, c)| c).collect()
}
