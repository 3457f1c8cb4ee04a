//! Showing diagnostics: compiler-style text for people (through miette) and
//! one JSON object for machines.

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::source::SourceSet;
use crate::Analysis;

/// One diagnostic as it appears in the JSON output.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Stable code.
    pub code: &'a str,
    /// What is wrong.
    pub message: &'a str,
    /// Project-relative path, or null.
    pub file: Option<&'a str>,
    /// 1-based line, or null.
    pub line: Option<usize>,
    /// 1-based column in characters, or null.
    pub column: Option<usize>,
    /// What to do, or null.
    pub hint: Option<&'a str>,
}

/// Totals of a check.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Entries read.
    pub entries: usize,
    /// Works in the bibliography.
    pub works: usize,
    /// Places in the gazetteer.
    pub places: usize,
    /// Files read.
    pub files: usize,
}

/// The summary of an analysis.
pub fn summary(a: &Analysis) -> Summary {
    let (errors, warnings) = a.counts();
    Summary {
        errors,
        warnings,
        entries: a.corpus.entries.len(),
        works: a.corpus.works.len(),
        places: a.corpus.places.len(),
        files: a.sources.len(),
    }
}

/// One diagnostic in the JSON shape, with its line and column computed from
/// `sources` (shared by `check` and `import`).
pub fn json_diag<'a>(sources: &'a SourceSet, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let (file, line, column) = match d.file {
        Some(f) => {
            let src = sources.get(f);
            let (l, c) = src.line_col(d.span.start);
            (Some(src.path.as_str()), Some(l), Some(c))
        }
        None => (None, None, None),
    };
    JsonDiagnostic {
        severity: d.severity.as_str(),
        code: d.code,
        message: &d.message,
        file,
        line,
        column,
        hint: d.hint.as_deref(),
    }
}

/// The JSON report: `{"diagnostics": [...], "summary": {...}}`.
pub fn json(a: &Analysis) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        diagnostics: Vec<JsonDiagnostic<'a>>,
        summary: Summary,
    }
    let out =
        Out { diagnostics: a.diagnostics.iter().map(|d| json_diag(&a.sources, d)).collect(), summary: summary(a) };
    serde_json::to_string_pretty(&out).expect("plain data serialises")
}

#[derive(Debug)]
struct Shown<'a> {
    d: &'a Diagnostic,
    src: Option<miette::NamedSource<String>>,
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.d.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            crate::diag::Severity::Error => miette::Severity::Error,
            crate::diag::Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d.hint.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.src.as_ref()?;
        let len = self.d.span.end.saturating_sub(self.d.span.start);
        Some(Box::new(std::iter::once(miette::LabeledSpan::new_with_span(None, (self.d.span.start, len)))))
    }
}

/// Compiler-style text for each diagnostic (quoting its line of `sources`),
/// without a summary: shared by `check` and `import`.
pub fn human_diagnostics(sources: &SourceSet, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100).with_context_lines(1);
    let mut out = String::new();
    for d in diagnostics {
        let src = d.file.map(|f| {
            let s = sources.get(f);
            miette::NamedSource::new(s.path.clone(), s.text.clone())
        });
        let shown = Shown { d, src };
        if let Some(f) = d.file.filter(|f| sources.get(*f).text.is_empty()) {
            // Nothing to quote (unreadable file): say where in the headline.
            out.push_str(&format!("{}[{}]: {}: {}\n", d.severity.as_str(), d.code, sources.get(f).path, d.message));
            if let Some(h) = &d.hint {
                out.push_str(&format!("  help: {h}\n"));
            }
            out.push('\n');
            continue;
        }
        let _ = handler.render_report(&mut out, &shown);
        out.push('\n');
    }
    out
}

/// Compiler-style text: `file:line:column`, the source line, a caret and the
/// hint, for every diagnostic, then a summary line. `color` turns on ANSI
/// colours and Unicode frames (for terminals).
pub fn human(a: &Analysis, color: bool) -> String {
    let mut out = human_diagnostics(&a.sources, &a.diagnostics, color);
    let s = summary(a);
    out.push_str(&format!(
        "{} error{}, {} warning{} in {} entr{}, {} work{}, {} place{}\n",
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.entries,
        if s.entries == 1 { "y" } else { "ies" },
        s.works,
        plural(s.works),
        s.places,
        plural(s.places)
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
