//! Access control: the one place where restricted material is removed
//! before anything is rendered, indexed or exported.
//!
//! [`view`] turns an analysed encyclopedia into what one audience may see.
//! For the public, restricted entries, figures, estimates, events, positions
//! and testimonies are dropped, restricted passages and sections are cut out
//! of the Markdown text itself (so no later stage can print them by
//! mistake), restricted works leave the bibliography, and only the works and
//! places that public material refers to remain. Everything downstream
//! (pages, search index, exports, feeds) reads the [`View`], never the raw
//! corpus.
//!
//! [`Clearance`] says which entries' restricted material one signed-in
//! person may see; [`Clearance::entry`] is the only way a server answer
//! takes an entry from the internal view.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use crate::config::{Config, Drafts};
use crate::model::{Access, Entry, Place, Status, Work};
use crate::parse::markdown;
use crate::Analysis;

/// Who a view is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: restricted material is removed.
    Public,
    /// The editorial team: everything, with restricted material marked.
    Internal,
}

/// An entry as an audience may see it.
#[derive(Debug, Clone)]
pub struct SiteEntry {
    /// The entry; its `body` spans point into [`SiteEntry::markdown`].
    pub entry: Entry,
    /// The Markdown body, restricted passages cut out for the public.
    pub markdown: String,
}

/// What one audience may see of an encyclopedia.
#[derive(Debug, Clone)]
pub struct View {
    /// For whom.
    pub audience: Audience,
    /// Site configuration.
    pub config: Config,
    /// Entries, in file order.
    pub entries: Vec<SiteEntry>,
    /// Works that visible material cites (or lists in `nocite`).
    pub works: Vec<Work>,
    /// Places that visible material refers to, with the places enclosing them.
    pub places: Vec<Place>,
    /// Editions already cut, oldest first: an entry's how-to-cite line
    /// names the latest that holds it. Empty unless the caller, who can
    /// read the folder, fills it in.
    pub editions: Vec<crate::model::Edition>,
}

impl View {
    /// The work with this key.
    pub fn work(&self, key: &str) -> Option<&Work> {
        self.works.iter().find(|w| w.key.v == key)
    }

    /// The place with this id.
    pub fn place(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id.v == id)
    }
}

/// Which entries' restricted material a person may see. Who gets which
/// clearance (by role, by grant) is the server's policy; what a clearance
/// lets through is decided here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Clearance {
    /// Only what the public sees.
    #[default]
    None,
    /// Everything of these entries (slugs): restricted entries, passages,
    /// figures, estimates, events, positions, testimonies and the works
    /// they cite.
    Entries(BTreeSet<String>),
    /// Everything.
    All,
}

impl Clearance {
    /// The clearance that grants (entry slugs, or `*` for all) give.
    pub fn from_grants<S: AsRef<str>>(grants: &[S]) -> Clearance {
        if grants.iter().any(|g| g.as_ref() == "*") {
            return Clearance::All;
        }
        let slugs: BTreeSet<String> = grants.iter().map(|g| g.as_ref().to_string()).collect();
        if slugs.is_empty() {
            Clearance::None
        } else {
            Clearance::Entries(slugs)
        }
    }

    /// Whether the restricted material of entry `slug` is let through.
    pub fn covers(&self, slug: &str) -> bool {
        match self {
            Clearance::None => false,
            Clearance::Entries(slugs) => slugs.contains(slug),
            Clearance::All => true,
        }
    }

    /// Entry `slug` as this clearance shows it: from `internal` (an
    /// [`Audience::Internal`] view) when covered, `None` otherwise, in
    /// which case the public view's version is what may be shown.
    pub fn entry<'v>(&self, internal: &'v View, slug: &str) -> Option<&'v SiteEntry> {
        debug_assert_eq!(internal.audience, Audience::Internal);
        if internal.audience != Audience::Internal || !self.covers(slug) {
            return None;
        }
        internal.entries.iter().find(|s| s.entry.slug == slug)
    }
}

fn public(a: Access) -> bool {
    a == Access::Public
}

/// Cuts `ranges` (file offsets) out of the body text that starts at `start`.
fn cut(text: &str, start: usize, ranges: &[Range<usize>]) -> String {
    let mut rs: Vec<Range<usize>> =
        ranges.iter().map(|r| r.start.max(start) - start..r.end.max(start) - start).collect();
    rs.sort_by_key(|r| r.start);
    let body = &text[start..];
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    for r in rs {
        if r.start > at {
            out.push_str(&body[at..r.start]);
        }
        at = at.max(r.end.min(body.len()));
    }
    out.push_str(&body[at.min(body.len())..]);
    out
}

/// Whether an entry's editorial status lets the public see it: published
/// and withdrawn entries always, drafts when the site says `drafts =
/// "public"`, entries in review never.
pub fn released(e: &Entry, config: &Config) -> bool {
    match e.status.as_ref().map(|s| s.v) {
        Some(s) if s.is_public() => true,
        Some(Status::InReview) => false,
        _ => config.drafts == Drafts::Public,
    }
}

/// What `audience` may see of the analysed encyclopedia. The public sees
/// public material of [`released`] entries.
pub fn view(a: &Analysis, audience: Audience) -> View {
    let corpus = &a.corpus;
    let visible_slugs: BTreeSet<&str> = corpus
        .entries
        .iter()
        .filter(|e| audience == Audience::Internal || (public(e.access) && released(e, &corpus.config)))
        .map(|e| e.slug.as_str())
        .collect();
    let work_access: HashMap<&str, Access> = corpus.works.iter().map(|w| (w.key.v.as_str(), w.access)).collect();
    let mut entries = Vec::new();
    for e in corpus.entries.iter().filter(|e| visible_slugs.contains(e.slug.as_str())) {
        let text = &a.sources.get(e.file).text;
        let start = e.body.start.min(text.len());
        let mut entry = e.clone();
        let markdown = match audience {
            Audience::Internal => text[start..].to_string(),
            Audience::Public => {
                entry.figures.retain(|f| public(f.access));
                for f in &mut entry.figures {
                    f.estimates.retain(|x| public(x.access));
                }
                entry.figures.retain(|f| !f.estimates.is_empty());
                entry.events.retain(|x| public(x.access));
                entry.positions.retain(|x| public(x.access));
                entry.testimonies.retain(|x| public(x.access));
                entry.related.retain(|r| visible_slugs.contains(r.v.as_str()));
                entry.nocite.retain(|n| n.v == "*" || work_access.get(n.v.as_str()) == Some(&Access::Public));
                cut(text, start, &e.body.restricted)
            }
        };
        // Re-read the body so every span points into the text that will be
        // rendered (and nothing cut out can be reached through a stale span).
        let (body, _) = markdown::parse_body(e.file, &markdown, 0..markdown.len());
        entry.body = body;
        entries.push(SiteEntry { entry, markdown });
    }

    let everything = entries.iter().any(|s| s.entry.nocite.iter().any(|n| n.v == "*"));
    let cited: BTreeSet<&str> =
        entries.iter().flat_map(|s| crate::check::cited_keys(&s.entry).into_iter().map(|(k, _)| k)).collect();
    let works = corpus
        .works
        .iter()
        .filter(|w| audience == Audience::Internal || public(w.access))
        .filter(|w| audience == Audience::Internal || everything || cited.contains(w.key.v.as_str()))
        .cloned()
        .collect();

    let places = match audience {
        Audience::Internal => corpus.places.clone(),
        Audience::Public => {
            let mut wanted: BTreeSet<String> = BTreeSet::new();
            for s in &entries {
                let e = &s.entry;
                let ids = e
                    .places
                    .iter()
                    .chain(e.events.iter().flat_map(|x| &x.places))
                    .chain(e.figures.iter().flat_map(|f| &f.measure.places));
                wanted.extend(ids.map(|p| p.v.clone()));
            }
            // Enclosing places, so a village can be shown within its region.
            let mut queue: Vec<String> = wanted.iter().cloned().collect();
            while let Some(id) = queue.pop() {
                if let Some(parent) = corpus.place(&id).and_then(|p| p.part_of.as_ref()) {
                    if wanted.insert(parent.v.clone()) {
                        queue.push(parent.v.clone());
                    }
                }
            }
            corpus.places.iter().filter(|p| wanted.contains(&p.id.v)).cloned().collect()
        }
    };
    View { audience, config: corpus.config.clone(), entries, works, places, editions: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearances_cover_their_grants_only() {
        assert_eq!(Clearance::from_grants::<&str>(&[]), Clearance::None);
        assert_eq!(Clearance::from_grants(&["a", "*"]), Clearance::All);
        let c = Clearance::from_grants(&["a", "b"]);
        assert!(c.covers("a") && c.covers("b") && !c.covers("c") && !c.covers(""));
        assert!(!Clearance::None.covers("a"));
        assert!(Clearance::All.covers("anything"));
    }

    #[test]
    fn cutting_restricted_ranges_keeps_the_rest_in_order() {
        let text = "---\nx\n---\nA\nSECRET1\nB\nSECRET2\nC";
        let start = text.find("A").unwrap();
        let s1 = text.find("SECRET1").unwrap();
        let s2 = text.find("SECRET2").unwrap();
        let out = cut(text, start, &[s2..s2 + 8, s1..s1 + 8, s1 + 2..s1 + 4]);
        assert_eq!(out, "A\nB\nC");
    }

    #[test]
    fn the_public_sees_entries_by_their_status_and_the_sites_drafts_setting() {
        let entry = |slug: &str, status: &str| {
            let text = format!(
                "---\ntitle: {slug}\nkind: essay\nstatus: {status}\npublished: 2026-01-01\nauthors: [Ann]\n---\nText.\n"
            );
            (format!("entries/{slug}.md"), text.into_bytes())
        };
        for (drafts, expected) in [("public", vec!["d", "p", "w"]), ("hidden", vec!["p", "w"])] {
            let mut files = vec![(
                "attest.toml".to_string(),
                format!("title = \"T\"\nbase_url = \"https://example.org/\"\ndrafts = \"{drafts}\"\n").into_bytes(),
            )];
            files.extend([
                entry("d", "draft"),
                entry("r", "in-review"),
                entry("p", "published"),
                entry("w", "withdrawn"),
            ]);
            let loaded =
                crate::source::load::load_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))).unwrap();
            let a = crate::analyze(loaded, &|| {});
            let public = view(&a, Audience::Public);
            let public: Vec<&str> = public.entries.iter().map(|s| s.entry.slug.as_str()).collect();
            assert_eq!(public, expected, "drafts = {drafts}");
            assert_eq!(view(&a, Audience::Internal).entries.len(), 4, "those who work on entries see all");
        }
    }
}
