//! Word documents (`.docx`) converted into entries.
//!
//! A `.docx` file is read into the layout of a legacy text file ([`to_text`],
//! pure): the title, the lines before the first heading, lettered headings,
//! one line per paragraph with a blank line between, block quotes indented,
//! the reference list after its heading. The legacy importer then does the
//! rest ([`import`]), so citations, references, the report and the writing
//! are the same for both. What Markdown cannot get through the plain-text
//! layout (italics, footnotes, heading levels) travels as characters of
//! Unicode's private use area, which the legacy importer leaves alone, and
//! becomes Markdown in the written entries.
//!
//! Read: paragraphs (also those of table cells, text boxes aside), the
//! Title and Heading 1-3 styles, the Quote and Intense Quote styles and
//! indented paragraphs, italics, footnotes, tracked insertions (deletions
//! are left out). Not read: images, comments, field codes, endnotes,
//! headers and footers.

use std::collections::HashMap;
use std::io::Read;

use quick_xml::events::{BytesStart, Event};

use super::{Outcome, Project};
use crate::diag::{codes, Diagnostic};
use crate::source::SourceSet;

/// The most uncompressed bytes read from one part of the archive.
pub const MAX_PART_SIZE: u64 = 32 * 1024 * 1024;

/// The largest `.docx` file read (images make them large).
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Starts and ends italics.
const ITALIC: char = '\u{E000}';
/// Followed by the heading level (2 or 3) as a private-use character.
const LEVEL_BASE: u32 = 0xE010;
/// A footnote reference: `NOTE_REF_BASE + n`.
const NOTE_REF_BASE: u32 = 0xE100;
/// The start of a footnote's text: `NOTE_DEF_BASE + n`.
const NOTE_DEF_BASE: u32 = 0xE900;
/// The most footnotes kept as footnotes (more are kept as text).
const MAX_NOTES: u32 = 0x800;

/// Why a file is not a Word document that can be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocxError {
    /// Not a zip archive.
    #[error("not a Word document (.docx): the file is not a zip archive ({0})")]
    NotZip(String),
    /// No `word/document.xml`.
    #[error("not a Word document (.docx): the archive has no word/document.xml")]
    NoDocument,
    /// A part could not be read from the archive.
    #[error("cannot read {0} in the Word document: {1}")]
    Part(String, String),
    /// A part is larger than [`MAX_PART_SIZE`] once uncompressed.
    #[error("{0} in the Word document is larger than {max} MiB uncompressed", max = MAX_PART_SIZE / 1048576)]
    TooLarge(String),
    /// Broken XML.
    #[error("{0} in the Word document is not well-formed XML: {1}")]
    Xml(String, String),
}

/// What a paragraph is, from its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Body text.
    Normal,
    /// The Title style.
    Title,
    /// Heading 1, 2, 3 (deeper levels count as 3).
    Heading(u8),
    /// Quote, Intense Quote, or an indented paragraph.
    Quote,
}

/// A piece of a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Text, in italics or not.
    Text(String, bool),
    /// A reference to the footnote with this id.
    Note(String),
}

/// A paragraph as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Para {
    /// What it is.
    pub kind: Kind,
    /// Its content.
    pub spans: Vec<Span>,
}

impl Para {
    /// Its text without formatting or notes.
    pub fn plain(&self) -> String {
        self.spans
            .iter()
            .filter_map(|s| match s {
                Span::Text(t, _) => Some(t.as_str()),
                Span::Note(_) => None,
            })
            .collect()
    }
}

/// A Word document as read: its paragraphs and footnotes (id → paragraphs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// The body's paragraphs, in order.
    pub paras: Vec<Para>,
    /// Footnotes by id.
    pub notes: HashMap<String, Vec<Para>>,
}

/// Reads a `.docx` file's bytes. Never panics; malformed input is an error.
pub fn read(bytes: &[u8]) -> Result<Doc, DocxError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| DocxError::NotZip(e.to_string()))?;
    let document = part(&mut zip, "word/document.xml")?.ok_or(DocxError::NoDocument)?;
    let styles = match part(&mut zip, "word/styles.xml")? {
        Some(x) => style_names(&x)?,
        None => HashMap::new(),
    };
    let footnotes = part(&mut zip, "word/footnotes.xml")?;
    let paras = paragraphs("word/document.xml", &document, &styles)?.into_iter().map(|(_, p)| p).collect();
    let mut notes: HashMap<String, Vec<Para>> = HashMap::new();
    if let Some(x) = footnotes {
        for (id, p) in paragraphs("word/footnotes.xml", &x, &styles)? {
            if let Some(id) = id {
                notes.entry(id).or_default().push(p);
            }
        }
    }
    Ok(Doc { paras, notes })
}

/// A part of the archive as text, read up to [`MAX_PART_SIZE`] bytes.
fn part<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<Option<String>, DocxError> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(DocxError::Part(name.into(), e.to_string())),
    };
    let mut buf = Vec::new();
    f.take(MAX_PART_SIZE + 1).read_to_end(&mut buf).map_err(|e| DocxError::Part(name.into(), e.to_string()))?;
    if buf.len() as u64 > MAX_PART_SIZE {
        return Err(DocxError::TooLarge(name.into()));
    }
    let text = String::from_utf8(buf).map_err(|e| DocxError::Xml(name.into(), format!("not UTF-8: {e}")))?;
    Ok(Some(text))
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn xml_err(part: &str, e: impl std::fmt::Display) -> DocxError {
    DocxError::Xml(part.into(), e.to_string())
}

/// Style ids → names, lowercase (`Heading1` → `heading 1`).
fn style_names(xml: &str) -> Result<HashMap<String, String>, DocxError> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().map_err(|e| xml_err("word/styles.xml", e))? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"style" => current = attr(&e, b"styleId"),
                b"name" => {
                    if let (Some(id), Some(name)) = (&current, attr(&e, b"val")) {
                        out.insert(id.clone(), name.to_lowercase());
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"style" => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// What a paragraph style makes of a paragraph, by its name (or its id).
fn kind_of_style(id: &str, styles: &HashMap<String, String>) -> Kind {
    let name = styles.get(id).cloned().unwrap_or_else(|| id.to_lowercase());
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if compact == "title" {
        return Kind::Title;
    }
    if let Some(n) = compact.strip_prefix("heading") {
        return match n.parse::<u8>() {
            Ok(n) if n >= 1 => Kind::Heading(n.min(3)),
            _ => Kind::Normal,
        };
    }
    if compact == "quote" || compact == "intensequote" || compact == "blocktext" {
        return Kind::Quote;
    }
    Kind::Normal
}

/// The paragraphs of a part, each with the id of the footnote it is in.
fn paragraphs(
    part: &str,
    xml: &str,
    styles: &HashMap<String, String>,
) -> Result<Vec<(Option<String>, Para)>, DocxError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    // Depth inside elements whose content is not the text (deletions,
    // drawings, fallbacks, field codes, the paragraph's properties).
    let mut skip = 0usize;
    let mut note: Option<String> = None;
    let mut para: Option<Para> = None;
    let mut in_ppr = false;
    let mut in_rpr = false;
    let mut in_t = false;
    let mut italic = false;
    let push_text = |para: &mut Option<Para>, t: &str, italic: bool| {
        if let Some(p) = para {
            match p.spans.last_mut() {
                Some(Span::Text(s, i)) if *i == italic => s.push_str(t),
                _ => p.spans.push(Span::Text(t.to_string(), italic)),
            }
        }
    };
    let on = |e: &BytesStart| attr(e, b"val").is_none_or(|v| !matches!(v.as_str(), "0" | "false" | "off"));
    loop {
        let ev = reader.read_event().map_err(|e| xml_err(part, e))?;
        match ev {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if skip > 0
                    || matches!(
                        name,
                        b"del" | b"drawing" | b"pict" | b"object" | b"Fallback" | b"instrText" | b"delText"
                    )
                {
                    skip += 1;
                    continue;
                }
                match name {
                    b"footnote" => {
                        let separator = attr(&e, b"type").is_some_and(|t| t != "normal");
                        note = if separator { None } else { attr(&e, b"id") };
                    }
                    b"p" => para = Some(Para { kind: Kind::Normal, spans: Vec::new() }),
                    b"pPr" => in_ppr = true,
                    b"r" => italic = false,
                    b"rPr" if !in_ppr => in_rpr = true,
                    b"t" => in_t = true,
                    _ => start_or_empty(&e, in_ppr, in_rpr, &mut para, &mut italic, styles, on(&e), &push_text),
                }
            }
            Event::Empty(e) if skip == 0 => {
                start_or_empty(&e, in_ppr, in_rpr, &mut para, &mut italic, styles, on(&e), &push_text);
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    b"footnote" => note = None,
                    b"p" => {
                        if let Some(p) = para.take() {
                            out.push((note.clone(), p));
                        }
                    }
                    b"pPr" => in_ppr = false,
                    b"rPr" => in_rpr = false,
                    b"t" => in_t = false,
                    _ => {}
                }
            }
            Event::Text(t) if in_t && skip == 0 => {
                let s = t.xml_content().map_err(|e| xml_err(part, e))?;
                push_text(&mut para, &s, italic);
            }
            Event::CData(t) if in_t && skip == 0 => {
                let s = t.decode().map_err(|e| xml_err(part, e))?;
                push_text(&mut para, &s, italic);
            }
            Event::GeneralRef(r) if in_t && skip == 0 => {
                let c = match r.resolve_char_ref().map_err(|e| xml_err(part, e))? {
                    Some(c) => c,
                    None => match &*r {
                        b"amp" => '&',
                        b"lt" => '<',
                        b"gt" => '>',
                        b"quot" => '"',
                        b"apos" => '\'',
                        other => {
                            return Err(xml_err(part, format!("unknown entity &{};", String::from_utf8_lossy(other))))
                        }
                    },
                };
                push_text(&mut para, c.encode_utf8(&mut [0; 4]), italic);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if skip > 0 || para.is_some() {
        return Err(xml_err(part, "the document ends inside an element"));
    }
    Ok(out)
}

/// An element that may be empty: properties, breaks, tabs, note references.
#[allow(clippy::too_many_arguments)]
fn start_or_empty(
    e: &BytesStart,
    in_ppr: bool,
    in_rpr: bool,
    para: &mut Option<Para>,
    italic: &mut bool,
    styles: &HashMap<String, String>,
    on: bool,
    push_text: &impl Fn(&mut Option<Para>, &str, bool),
) {
    let name = e.local_name();
    match name.as_ref() {
        b"pStyle" if in_ppr => {
            if let (Some(p), Some(id)) = (para.as_mut(), attr(e, b"val")) {
                let k = kind_of_style(&id, styles);
                if k != Kind::Normal {
                    p.kind = k;
                }
            }
        }
        b"ind" if in_ppr => {
            let left = attr(e, b"left").or_else(|| attr(e, b"start"));
            if let (Some(p), Some(n)) = (para.as_mut(), left.and_then(|v| v.parse::<i64>().ok())) {
                if n > 0 && p.kind == Kind::Normal {
                    p.kind = Kind::Quote;
                }
            }
        }
        b"i" if in_rpr => *italic = on,
        b"rStyle" if in_rpr => {
            let id = attr(e, b"val").unwrap_or_default();
            let name = styles.get(&id).cloned().unwrap_or_else(|| id.to_lowercase());
            if name == "emphasis" || name == "subtle emphasis" || name == "intense emphasis" {
                *italic = true;
            }
        }
        b"tab" if !in_ppr => push_text(para, " ", *italic),
        b"br" | b"cr" => push_text(para, " ", *italic),
        b"noBreakHyphen" => push_text(para, "-", *italic),
        b"footnoteReference" => {
            if let (Some(p), Some(id)) = (para.as_mut(), attr(e, b"id")) {
                p.spans.push(Span::Note(id));
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// The document as a legacy text.
// ---------------------------------------------------------------------------

/// The text of spans on one line, with italics marked (or not) and note
/// references replaced by `note`'s result.
fn line_of(spans: &[Span], italics: bool, note: &mut dyn FnMut(&str) -> String) -> String {
    let mut out = String::new();
    for s in spans {
        match s {
            Span::Text(t, i) => {
                let t: String = t
                    .chars()
                    .map(|c| if c.is_whitespace() || c.is_control() { ' ' } else { c })
                    .filter(|c| !is_marker(*c))
                    .collect();
                let core = t.trim();
                if *i && italics && !core.is_empty() {
                    let lead = &t[..t.len() - t.trim_start().len()];
                    let trail = &t[t.trim_end().len()..];
                    out.push_str(lead);
                    out.push(ITALIC);
                    out.push_str(core);
                    out.push(ITALIC);
                    out.push_str(trail);
                } else {
                    out.push_str(&t);
                }
            }
            Span::Note(id) => out.push_str(&note(id)),
        }
    }
    out
}

fn is_marker(c: char) -> bool {
    ('\u{E000}'..='\u{F1FF}').contains(&c)
}

fn notes_text(doc: &Doc, id: &str) -> String {
    let paras = doc.notes.get(id).map(Vec::as_slice).unwrap_or(&[]);
    let mut none = |_: &str| String::new();
    paras.iter().map(|p| line_of(&p.spans, true, &mut none).trim().to_string()).collect::<Vec<_>>().join(" ")
}

/// A document in the layout of a legacy text file: the title on the first
/// line, the paragraphs before the first heading as header lines, then
/// lettered headings, paragraphs (a blank line between them, block quotes
/// indented) and the reference list after its heading.
pub fn to_text(doc: &Doc) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut next = 'A';
    let mut seen_heading = false;
    let mut in_bib = false;
    let mut count: u32 = 0;
    // Notes of the header, put after the first heading.
    let mut header_notes: Vec<String> = Vec::new();
    let paras: Vec<&Para> = doc
        .paras
        .iter()
        .filter(|p| !p.plain().trim().is_empty() || p.spans.iter().any(|s| matches!(s, Span::Note(_))))
        .collect();
    let title_at = paras
        .iter()
        .position(|p| p.kind == Kind::Title)
        .filter(|&i| !paras[..i].iter().any(|p| matches!(p.kind, Kind::Heading(_))));
    if let Some(i) = title_at {
        out.push(header_line(doc, paras[i], &mut count, &mut header_notes));
    }
    for (i, p) in paras.iter().enumerate() {
        if Some(i) == title_at {
            continue;
        }
        let heading_level = match p.kind {
            Kind::Heading(n) => Some(n),
            _ => None,
        };
        if let Some(level) = heading_level {
            let mut heading_notes = Vec::new();
            let text = line_of(&p.spans, false, &mut |id| {
                heading_notes.push(notes_text(doc, id));
                String::new()
            });
            let text = text.trim();
            let lettered = format!("{next}. {text}");
            let line = if let Some((letter, _, _)) = super::legacy::heading_of(text, next) {
                if let Some(c) = letter {
                    next = ((c as u8) + 1) as char;
                } else {
                    next = ((next as u8).saturating_add(1).min(b'Z')) as char;
                }
                Some(text.to_string())
            } else if super::legacy::heading_of(&lettered, next).is_some() {
                next = ((next as u8) + 1).min(b'Z' + 1) as char;
                Some(lettered)
            } else {
                None
            };
            if let Some(mut line) = line {
                if level > 1 {
                    line.push(char::from_u32(LEVEL_BASE + u32::from(level)).unwrap_or(ITALIC));
                }
                in_bib = super::legacy::Concept::of(text) == Some(super::legacy::Concept::Bibliography);
                if !out.is_empty() {
                    out.push(String::new());
                }
                out.push(line);
                out.push(String::new());
                // A heading's notes: kept after it, as notes without a reference.
                for n in heading_notes {
                    count += 1;
                    match char::from_u32(NOTE_DEF_BASE + count).filter(|_| count < MAX_NOTES && !in_bib) {
                        Some(d) => out.push(format!("{d}{n}")),
                        None => out.push(n),
                    }
                    out.push(String::new());
                }
                if !seen_heading {
                    seen_heading = true;
                    for n in header_notes.drain(..) {
                        out.push(n);
                        out.push(String::new());
                    }
                }
                continue;
            }
        }
        if !seen_heading {
            out.push(header_line(doc, p, &mut count, &mut header_notes));
            continue;
        }
        if in_bib {
            // The reference list: plain lines; a note's text follows as a line of its own.
            let mut notes = Vec::new();
            let line = line_of(&p.spans, false, &mut |id| {
                notes.push(notes_text(doc, id));
                String::new()
            });
            out.push(line.trim().to_string());
            out.extend(notes.into_iter().filter(|n| !n.is_empty()));
            continue;
        }
        let mut defs = Vec::new();
        let line = line_of(&p.spans, true, &mut |id| {
            count += 1;
            let n = count;
            let text = notes_text(doc, id);
            match (char::from_u32(NOTE_REF_BASE + n), char::from_u32(NOTE_DEF_BASE + n)) {
                (Some(r), Some(d)) if n < MAX_NOTES => {
                    defs.push(format!("{d}{text}"));
                    r.to_string()
                }
                _ => format!(" ({text})"),
            }
        });
        let line = line.trim();
        out.push(if p.kind == Kind::Quote { format!("    {line}") } else { line.to_string() });
        out.push(String::new());
        for d in defs {
            out.push(d);
            out.push(String::new());
        }
    }
    if !seen_heading {
        // No heading: the header notes stay in the text.
        for n in header_notes {
            out.push(String::new());
            out.push(n);
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// A line of the title or header: no italics; the notes taken out, their
/// text kept in `notes` as definitions (written after the first heading).
fn header_line(doc: &Doc, p: &Para, count: &mut u32, notes: &mut Vec<String>) -> String {
    let line = line_of(&p.spans, false, &mut |id| {
        let text = notes_text(doc, id);
        *count += 1;
        match char::from_u32(NOTE_DEF_BASE + *count).filter(|_| *count < MAX_NOTES) {
            Some(d) => notes.push(format!("{d}{text}")),
            None => notes.push(text),
        }
        String::new()
    });
    line.trim().to_string()
}

/// Markers turned into Markdown in a written entry.
fn markdown(entry: &str) -> String {
    let mut out = String::with_capacity(entry.len());
    for line in entry.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut body = body.to_string();
        // Heading levels.
        if let Some(rest) = body.strip_prefix("## ") {
            if let Some(c) = rest.chars().last().filter(|c| (LEVEL_BASE + 2..=LEVEL_BASE + 3).contains(&(*c as u32))) {
                let level = (c as u32 - LEVEL_BASE) as usize + 1;
                body = format!("{} {}", "#".repeat(level), &rest[..rest.len() - c.len_utf8()]);
            }
        }
        let mut s = String::with_capacity(body.len());
        for (i, c) in body.char_indices() {
            let u = c as u32;
            if c == ITALIC {
                s.push('*');
            } else if (NOTE_REF_BASE + 1..NOTE_REF_BASE + MAX_NOTES).contains(&u) {
                s.push_str(&format!("[^{}]", u - NOTE_REF_BASE));
            } else if (NOTE_DEF_BASE + 1..NOTE_DEF_BASE + MAX_NOTES).contains(&u) {
                let prefix = if i == 0 { "" } else { "\n" };
                s.push_str(&format!("{prefix}[^{}]: ", u - NOTE_DEF_BASE));
            } else if is_marker(c) {
                // A level marker left elsewhere.
            } else {
                s.push(c);
            }
        }
        out.push_str(&s);
        out.push_str(nl);
    }
    out
}

// ---------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------

/// The text of a `.docx` file in the legacy layout, or why it cannot be read.
pub fn decode(bytes: &[u8]) -> Result<String, (&'static str, String)> {
    read(bytes).map(|d| to_text(&d)).map_err(|e| (codes::FILE_UNREADABLE, e.to_string()))
}

/// Reads `.docx` files given on the command line into their legacy text
/// (see [`super::read_inputs`]).
pub fn read_inputs(paths: &[std::path::PathBuf]) -> (SourceSet, Vec<Diagnostic>) {
    super::read_inputs_with(paths, MAX_FILE_SIZE, decode)
}

/// Converts Word documents read by [`read_inputs`]: the legacy importer's
/// conversion, then italics, footnotes and heading levels as Markdown.
pub fn import(project: &Project, inputs: SourceSet, problems: Vec<Diagnostic>) -> Outcome {
    let mut outcome = super::legacy::import(project, inputs, problems);
    for (_, text) in &mut outcome.entries {
        *text = markdown(&text.replacen("attest import legacy", "attest import docx", 1));
    }
    outcome
}
