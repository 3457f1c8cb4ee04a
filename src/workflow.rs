//! The editorial workflow as pure rules: which status an action leads to,
//! who may take it, and the edit of the entry's front matter that records
//! it (`status`, and the system-kept `published` and `modified` dates).
//!
//! ```text
//! draft ──submit──▶ in-review ──publish──▶ published ──withdraw──▶ withdrawn
//!   ▲                  │  (editor)            │  (editor)               │
//!   └──────return──────┘                      │                         │
//!   └──── an author's save of a published ────┘      publish again ─────┘
//!         entry starts a new draft of it
//! ```
//!
//! The status lives in the file, so a folder edited on disk and one edited
//! in the browser follow the same rules, and `attest build` needs nothing
//! else. The server (`serve::edit`) decides who the actor is and stores the
//! result as a revision; nothing here reads a clock or a file.

use crate::model::Status;

/// Who takes an action, as far as the workflow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Writes entries and submits them.
    Author,
    /// Comments on revisions; changes no status.
    Reviewer,
    /// Publishes, returns and withdraws.
    Editor,
}

/// A change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Draft → in review: the author asks for review.
    Submit,
    /// In review → draft: back to the author (the author may take it back
    /// too).
    Return,
    /// Draft or in review → published; withdrawn → published again.
    Publish,
    /// Published → withdrawn: kept online with a notice.
    Withdraw,
}

impl Action {
    /// Every action, in the order buttons show them.
    pub const ALL: [Action; 4] = [Action::Submit, Action::Return, Action::Publish, Action::Withdraw];

    /// The name forms send.
    pub fn name(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Return => "return",
            Action::Publish => "publish",
            Action::Withdraw => "withdraw",
        }
    }

    /// The action named `name`.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// What a button says.
    pub fn label(self) -> &'static str {
        match self {
            Action::Submit => "Submit for review",
            Action::Return => "Return to draft",
            Action::Publish => "Publish",
            Action::Withdraw => "Withdraw",
        }
    }

    /// The status this action leads to from `from` (an entry without a
    /// valid status counts as a draft), or `None` when it does not apply.
    pub fn target(self, from: Option<Status>) -> Option<Status> {
        let from = from.unwrap_or(Status::Draft);
        match (self, from) {
            (Action::Submit, Status::Draft) => Some(Status::InReview),
            (Action::Return, Status::InReview) => Some(Status::Draft),
            (Action::Publish, Status::Draft | Status::InReview | Status::Withdrawn) => Some(Status::Published),
            (Action::Withdraw, Status::Published) => Some(Status::Withdrawn),
            _ => None,
        }
    }

    /// Whether `actor` may take this action.
    pub fn allowed(self, actor: Actor) -> bool {
        match self {
            Action::Submit | Action::Return => matches!(actor, Actor::Author | Actor::Editor),
            Action::Publish | Action::Withdraw => actor == Actor::Editor,
        }
    }
}

/// Why the front matter could not be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The text does not start with a `---` front matter block.
    #[error("the file has no front matter (a first line `---`, closed by another `---`)")]
    NoFrontMatter,
    /// The action does not apply to the current status.
    #[error("cannot {action} an entry that is {from}")]
    NotFrom {
        /// The action's name.
        action: &'static str,
        /// The current status.
        from: &'static str,
    },
}

/// The status written in a file's front matter, read line by line (the
/// checker reports a malformed one; this only needs the value).
pub fn status_in(text: &str) -> Option<Status> {
    field_in(text, "status").and_then(Status::from_name)
}

/// `text` after `action` on day `today` (`YYYY-MM-DD`): the new status,
/// and for publication the `published` date and `modified` (today);
/// withdrawal sets `modified`. `first` is the date of the entry's first
/// publication as the system knows it (from its last published version),
/// `None` for an entry never published: publishing then sets `published`
/// to today, whatever the text says, so no one can back-date an entry.
/// Every other byte of the file is kept.
pub fn apply(text: &str, action: Action, today: &str, first: Option<&str>) -> Result<String, WorkflowError> {
    let from = status_in(text);
    let Some(to) = action.target(from) else {
        return Err(WorkflowError::NotFrom { action: action.name(), from: from.unwrap_or(Status::Draft).as_str() });
    };
    let mut fields = vec![("status", to.as_str().to_string())];
    match action {
        Action::Publish => {
            fields.push(("published", first.unwrap_or(today).to_string()));
            fields.push(("modified", today.to_string()));
        }
        Action::Withdraw => fields.push(("modified", today.to_string())),
        Action::Submit | Action::Return => {}
    }
    set_fields(text, &fields)
}

/// The inline value of top-level key `key` of the front matter, unquoted.
pub fn field_in<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let (start, end) = front_matter(text)?;
    top_level(&text[start..end])
        .find(|(k, _, _)| *k == key)
        .map(|(_, v, _)| v.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|v| !v.is_empty())
}

/// Sets top-level scalar keys of the front matter: a key that is there
/// has its line (and any indented continuation lines) replaced; a missing
/// one is added after `status`, or at the end of the block.
pub fn set_fields(text: &str, fields: &[(&str, String)]) -> Result<String, WorkflowError> {
    let (start, end) = front_matter(text).ok_or(WorkflowError::NoFrontMatter)?;
    let block = &text[start..end];
    let lines: Vec<&str> = block.split_inclusive('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + fields.len());
    let mut done = vec![false; fields.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let key = key_of(line);
        let set = key.and_then(|k| fields.iter().position(|(f, _)| *f == k));
        match set {
            Some(n) if !done[n] => {
                out.push(format!("{}: {}\n", fields[n].0, fields[n].1));
                done[n] = true;
                i += 1;
                // The old value's continuation lines go with it.
                while i < lines.len() && is_continuation(lines[i]) {
                    i += 1;
                }
            }
            _ => {
                out.push(ensure_newline(line));
                i += 1;
            }
        }
    }
    let missing: Vec<String> =
        fields.iter().zip(&done).filter(|(_, d)| !**d).map(|((k, v), _)| format!("{k}: {v}\n")).collect();
    if !missing.is_empty() {
        // After the last of the lines that belong with them (`published` for
        // `modified`), else after `status`, else at the end.
        let after = |key: &str| out.iter().position(|l| key_of(l) == Some(key));
        let anchor = if fields.iter().zip(&done).all(|((k, _), d)| *d || *k == "modified") {
            after("published").or_else(|| after("status"))
        } else {
            after("status")
        };
        let at = anchor.map_or(out.len(), |p| p + 1);
        out.splice(at..at, missing);
    }
    let mut result = String::with_capacity(text.len() + 64);
    result.push_str(&text[..start]);
    for l in &out {
        result.push_str(l);
    }
    // `end` is where the closing `---` line starts: the block's last line
    // had its newline (ensured above).
    result.push_str(&text[end..]);
    Ok(result)
}

fn ensure_newline(line: &str) -> String {
    if line.ends_with('\n') {
        line.to_string()
    } else {
        format!("{line}\n")
    }
}

/// The front matter's inner block: from after the opening `---` line to
/// the start of the closing one.
fn front_matter(text: &str) -> Option<(usize, usize)> {
    let first = text.lines().next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = text.find('\n')? + 1;
    let mut at = start;
    for line in text[start..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((start, at));
        }
        at += line.len();
    }
    None
}

/// A top-level `key:` line's key.
fn key_of(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '-', '#']) {
        return None;
    }
    let (k, _) = line.split_once(':')?;
    let k = k.trim_end();
    (!k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')).then_some(k)
}

fn is_continuation(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !line.trim().is_empty()
}

/// Top-level keys of a front matter block with their inline value and line.
fn top_level(block: &str) -> impl Iterator<Item = (&str, &str, &str)> {
    block.lines().filter_map(|l| key_of(l).map(|k| (k, l[k.len()..].trim_start()[1..].trim(), l)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DRAFT: &str = "---\ntitle: A\nkind: essay\nstatus: draft\nauthors: [Ann]\n---\nText: with a colon.\n";

    #[test]
    fn the_status_is_read_from_the_front_matter_only() {
        assert_eq!(status_in(DRAFT), Some(Status::Draft));
        assert_eq!(status_in("---\ntitle: A\n---\nstatus: published\n"), None);
        assert_eq!(status_in("---\nstatus: \"in-review\"\n---\n"), Some(Status::InReview));
        assert_eq!(status_in("no front matter"), None);
    }

    #[test]
    fn publishing_sets_status_and_dates_and_keeps_the_rest() {
        let out = apply(DRAFT, Action::Publish, "2026-11-29", None).unwrap();
        assert_eq!(
            out,
            "---\ntitle: A\nkind: essay\nstatus: published\npublished: 2026-11-29\nmodified: 2026-11-29\n\
             authors: [Ann]\n---\nText: with a colon.\n"
        );
        // Published before: the first publication date stays, modified moves,
        // whatever the draft's text claims.
        let draft =
            out.replace("status: published", "status: draft").replace("published: 2026-11-29", "published: 1999-01-01");
        let again = apply(&draft, Action::Publish, "2027-01-02", Some("2026-11-29")).unwrap();
        assert!(again.contains("published: 2026-11-29\n"), "{again}");
        assert!(again.contains("modified: 2027-01-02\n"), "{again}");
        assert_eq!(again.matches("modified:").count(), 1);
        // Never published: a date in the text does not back-date it.
        let first = apply(&draft, Action::Publish, "2027-01-02", None).unwrap();
        assert!(first.contains("published: 2027-01-02\n"), "{first}");
        assert_eq!(field_in(&first, "published"), Some("2027-01-02"));
    }

    #[test]
    fn actions_follow_the_states_and_the_roles() {
        assert_eq!(Action::Submit.target(Some(Status::Draft)), Some(Status::InReview));
        assert_eq!(Action::Submit.target(None), Some(Status::InReview));
        assert_eq!(Action::Submit.target(Some(Status::Published)), None);
        assert_eq!(Action::Withdraw.target(Some(Status::Draft)), None);
        assert_eq!(Action::Publish.target(Some(Status::Withdrawn)), Some(Status::Published));
        assert!(Action::Submit.allowed(Actor::Author));
        assert!(!Action::Publish.allowed(Actor::Author));
        assert!(!Action::Publish.allowed(Actor::Reviewer));
        assert!(!Action::Submit.allowed(Actor::Reviewer));
        assert!(Action::Withdraw.allowed(Actor::Editor));
        let e = apply(DRAFT, Action::Withdraw, "2026-11-29", None).unwrap_err();
        assert_eq!(e.to_string(), "cannot withdraw an entry that is draft");
        assert_eq!(apply("Text", Action::Submit, "2026-11-29", None).unwrap_err(), WorkflowError::NoFrontMatter);
    }

    #[test]
    fn a_value_over_several_lines_is_replaced_whole() {
        let text = "---\ntitle: A\nmodified:\n  2020-01-01\nstatus: draft\n---\nBody\n";
        let out = set_fields(text, &[("modified", "2026-11-29".into())]).unwrap();
        assert_eq!(out, "---\ntitle: A\nmodified: 2026-11-29\nstatus: draft\n---\nBody\n");
    }

    #[test]
    fn the_result_still_checks() {
        let out = apply(DRAFT, Action::Publish, "2026-11-29", None).unwrap();
        let a = crate::analyze(
            crate::source::load::load_files([
                ("attest.toml", &b"title = \"T\"\nbase_url = \"https://example.org/\"\n"[..]),
                ("entries/a.md", out.as_bytes()),
            ])
            .unwrap(),
            &|| {},
        );
        let e = &a.corpus.entries[0];
        assert_eq!(e.status.as_ref().map(|s| s.v), Some(Status::Published));
        assert_eq!(e.published.as_ref().map(|d| d.raw.as_str()), Some("2026-11-29"));
        assert!(a.diagnostics.iter().all(|d| d.code != crate::diag::codes::FRONTMATTER_MISSING_FIELD));
    }

    proptest! {
        /// Whatever else the front matter and body hold, a set field reads
        /// back, appears once, and no other line changes.
        #[test]
        fn other_lines_are_untouched(
            extra in proptest::collection::vec("[a-z]{1,8}: [a-zA-Z0-9 ,.]{0,20}", 0..6),
            body in "[^\\x00]{0,80}",
        ) {
            let mut fm: Vec<String> = extra.iter().filter(|l| !l.starts_with("status:")).cloned().collect();
            fm.push("status: draft".into());
            let text = format!("---\n{}\n---\n{body}", fm.join("\n"));
            let out = set_fields(&text, &[("status", "in-review".into())]).unwrap();
            prop_assert_eq!(status_in(&out), Some(Status::InReview));
            prop_assert_eq!(out.matches("\nstatus:").count(), 1);
            let body_start = |t: &str| t[4..].find("\n---\n").map(|i| i + 4 + 5).unwrap();
            prop_assert_eq!(&out[body_start(&out)..], &text[body_start(&text)..]);
            prop_assert_eq!(out.len(), text.len() + "in-review".len() - "draft".len());
        }
    }
}
