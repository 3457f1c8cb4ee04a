//! The site configuration, `attest.toml`.
//!
//! Strict on purpose: an unknown key is an error, so a misspelt setting never
//! silently falls back to a default. Parsing is pure: it takes the file's text
//! and returns the [`Config`] or diagnostics pointing into it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::{codes, Diagnostic};
use crate::model::EntryKind;
use crate::source::{FileId, SourceFile};

/// The CSL styles an encyclopedia can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CitationStyle {
    /// Chicago Manual of Style, author-date.
    #[default]
    ChicagoAuthorDate,
    /// APA 7th edition.
    Apa,
    /// Chicago Manual of Style, notes and bibliography.
    ChicagoNotes,
}

/// `attest.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Name of the encyclopedia.
    pub title: String,
    /// A line under the title.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Who publishes it.
    #[serde(default)]
    pub publisher: Option<String>,
    /// ISSN of the online publication, e.g. `1961-9898`.
    #[serde(default)]
    pub issn: Option<String>,
    /// Where the site is published; citations and links are built on it.
    pub base_url: String,
    /// Languages of the encyclopedia; the first is the default for entries.
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    /// CSL style of citations and bibliographies.
    #[serde(default)]
    pub citation_style: CitationStyle,
    /// A paragraph for the about page.
    #[serde(default)]
    pub description: Option<String>,
    /// Licence of the content.
    #[serde(default)]
    pub license: Option<String>,
    /// Required sections per entry kind (`case-study = ["Context", ...]`).
    #[serde(default)]
    pub sections: BTreeMap<EntryKind, Vec<String>>,
    /// Whether entries in draft are on the public site, labelled "Draft".
    /// Entries in review never are; published and withdrawn ones always.
    #[serde(default)]
    pub drafts: Drafts,
}

/// `drafts = "public"` or `"hidden"` in `attest.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Drafts {
    /// Shown with a "Draft" banner: for encyclopedias that write in the
    /// open, and for the sample.
    #[default]
    Public,
    /// Seen only by those who may edit them, until an editor publishes.
    Hidden,
}

fn default_languages() -> Vec<String> {
    vec!["en".to_string()]
}

impl Config {
    /// The default language of entries.
    pub fn default_language(&self) -> &str {
        self.languages.first().map(String::as_str).unwrap_or("en")
    }

    /// Parses `attest.toml`. On failure returns the diagnostics (one for a
    /// syntax error; one per invalid value otherwise).
    pub fn parse(file_id: FileId, file: &SourceFile) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = toml::from_str(&file.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            let hint = unknown_key_hint(&msg);
            vec![Diagnostic::error(codes::CONFIG_INVALID, file_id, span, format!("attest.toml: {msg}"))
                .with_hint_opt(hint)]
        })?;
        let mut diags = Vec::new();
        let at = |key: &str| key_span(&file.text, key);
        if let Some(issn) = &config.issn {
            if let Err(why) = check_issn(issn) {
                diags.push(Diagnostic::error(
                    codes::CONFIG_INVALID,
                    file_id,
                    at("issn"),
                    format!("issn {issn:?} is not a valid ISSN: {why}"),
                ));
            }
        }
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
            diags.push(
                Diagnostic::error(
                    codes::CONFIG_INVALID,
                    file_id,
                    at("base_url"),
                    "base_url must be an absolute http(s) URL",
                )
                .with_hint("e.g. base_url = \"https://encyclopedia.example.org/\""),
            );
        }
        if config.languages.is_empty() {
            diags.push(Diagnostic::error(
                codes::CONFIG_INVALID,
                file_id,
                at("languages"),
                "languages must name at least one language",
            ));
        }
        if diags.is_empty() {
            Ok(config)
        } else {
            Err(diags)
        }
    }
}

fn unknown_key_hint(msg: &str) -> Option<String> {
    msg.contains("unknown field").then(|| "see docs/format.md for the keys attest.toml accepts".to_string())
}

/// Span of `key = ...` in a TOML text, for diagnostics about a key's value.
fn key_span(text: &str, key: &str) -> std::ops::Range<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            let start = offset + (line.len() - t.len());
            return start..start + line.trim_end().len() - (line.len() - t.len());
        }
        offset += line.len();
    }
    0..0
}

/// Checks the form and check digit of an ISSN (ISO 3297).
pub fn check_issn(issn: &str) -> Result<(), String> {
    let b = issn.as_bytes();
    if b.len() != 9 || b[4] != b'-' {
        return Err("write it as NNNN-NNNC".into());
    }
    let digits: Vec<u8> = b[..4].iter().chain(&b[5..8]).copied().collect();
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err("the first seven characters must be digits".into());
    }
    let sum: u32 = digits.iter().enumerate().map(|(i, d)| (8 - i as u32) * u32::from(d - b'0')).sum();
    let check = (11 - sum % 11) % 11;
    let expected = if check == 10 { 'X' } else { char::from(b'0' + check as u8) };
    let got = char::from(b[8]).to_ascii_uppercase();
    if got == expected {
        Ok(())
    } else {
        Err(format!("the check digit should be {expected}, not {got}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issn_check_digit_is_verified() {
        assert!(check_issn("1961-9898").is_ok());
        assert!(check_issn("0317-8471").is_ok());
        assert!(check_issn("2434-561X").is_ok());
        assert!(check_issn("1961-9897").unwrap_err().contains("should be 8"));
        assert!(check_issn("19619898").is_err());
    }
}
