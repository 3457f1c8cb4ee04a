//! Generated encyclopedias for benchmarks and scale tests: a deterministic
//! corpus of case studies with the full template (figures, estimates,
//! events, positions, testimonies, restricted passages, citations with
//! locators into a shared bibliography, places from a generated
//! gazetteer), written as an attest project and, for comparison, as a plain
//! Hugo site with the same Markdown bodies.
//!
//! Everything is invented and looks it: words are strings of syllables,
//! names are placeholders, titles say "Synthetic case", and every summary
//! says that names, dates and figures are made up. The same seed gives the
//! same bytes on every machine and every release.

use std::collections::HashSet;
use std::fmt::Write as _;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Number of entries (case studies).
    pub entries: usize,
    /// Number of works in the shared bibliography.
    pub works: usize,
    /// Seed of the generator: the same seed gives the same corpus.
    pub seed: u64,
}

/// Places in the generated gazetteer ("a few hundred", whatever the size
/// of the corpus).
pub const PLACES: usize = 300;

/// One generated entry, for writers of other layouts.
#[derive(Debug, Clone)]
pub struct GeneratedEntry {
    /// File name without `.md`.
    pub slug: String,
    /// The title.
    pub title: String,
    /// The one-paragraph summary.
    pub summary: String,
    /// Publication date, `YYYY-MM-DD`.
    pub published: String,
    /// The attest front matter (YAML, without the `---` lines).
    pub front: String,
    /// The Markdown body, the same in every layout.
    pub body: String,
}

/// A generated corpus: the entries, the bibliography and the gazetteer.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The entries, in slug order.
    pub entries: Vec<GeneratedEntry>,
    /// `bibliography/works.bib`.
    pub bibliography: String,
    /// `places.yaml`.
    pub places: String,
}

/// SplitMix64 (Steele, Lea and Flood 2014). Hand-written rather than taken
/// from `rand`: a benchmark corpus must be byte-identical for a seed on
/// every machine and in every release, which `rand` does not promise for
/// its standard generator, and these few lines need no dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True with probability `1/n`.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Syllables as (Cyrillic, BGN/PCGN romanisation, scholarly romanisation),
/// so every generated name exists in both scripts and in two romanisations
/// that differ where Russian ones do (zh/ž, kh/ch, ts/c, ya/ja ...).
const SYLLABLES: &[(&str, &str, &str)] = &[
    ("ка", "ka", "ka"),
    ("ло", "lo", "lo"),
    ("ми", "mi", "mi"),
    ("ра", "ra", "ra"),
    ("ве", "ve", "ve"),
    ("ту", "tu", "tu"),
    ("но", "no", "no"),
    ("са", "sa", "sa"),
    ("ди", "di", "di"),
    ("бе", "be", "be"),
    ("го", "go", "go"),
    ("пи", "pi", "pi"),
    ("ре", "re", "re"),
    ("да", "da", "da"),
    ("му", "mu", "mu"),
    ("ни", "ni", "ni"),
    ("жа", "zha", "ža"),
    ("хо", "kho", "cho"),
    ("ши", "shi", "ši"),
    ("цу", "tsu", "cu"),
    ("ча", "cha", "ča"),
    ("ля", "lya", "lja"),
    ("рю", "ryu", "rju"),
    ("зо", "zo", "zo"),
    ("фе", "fe", "fe"),
    ("ны", "ny", "ny"),
    ("тал", "tal", "tal"),
    ("вин", "vin", "vin"),
    ("кор", "kor", "kor"),
    ("мест", "mest", "mest"),
];

/// English connectives between the generated words, so the text has the
/// rhythm of prose for the Markdown parsers and search tokenisers.
const FUNCTION_WORDS: &[&str] =
    &["the", "of", "and", "in", "to", "a", "was", "by", "with", "from", "that", "for", "as", "on", "were", "after"];

const PLACE_SUFFIXES: &[(&str, &str)] = &[("ск", "sk"), ("ово", "ovo"), ("ино", "ino"), ("град", "grad"), ("ка", "ka")];

const UNITS: &[&str] = &["people", "families", "percent", "convoys", "households"];

const BASES: &[&str] = &[
    "official-document",
    "census",
    "survey",
    "demographic-projection",
    "testimony",
    "impression",
    "scholarly-estimate",
    "media-report",
    "other",
];

const SECTIONS: &[&str] = &["Context", "Perpetrators", "Victims", "Witnesses", "Memories", "Interpretation"];

/// A generated name in its three forms.
#[derive(Debug, Clone)]
struct Name {
    cyr: String,
    bgn: String,
    sch: String,
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn name(rng: &mut Rng, syllables: std::ops::RangeInclusive<usize>, suffix: Option<(&str, &str)>) -> Name {
    let n = rng.range(*syllables.start() as i64, *syllables.end() as i64) as usize;
    let mut out = Name { cyr: String::new(), bgn: String::new(), sch: String::new() };
    for _ in 0..n {
        let (c, b, s) = rng.pick(SYLLABLES);
        out.cyr.push_str(c);
        out.bgn.push_str(b);
        out.sch.push_str(s);
    }
    if let Some((c, l)) = suffix {
        out.cyr.push_str(c);
        out.bgn.push_str(l);
        out.sch.push_str(l);
    }
    Name { cyr: capitalise(&out.cyr), bgn: capitalise(&out.bgn), sch: capitalise(&out.sch) }
}

/// A work of the bibliography, as entries need it.
#[derive(Debug, Clone)]
struct WorkRef {
    key: String,
    restricted: bool,
    pages: (u32, u32),
}

#[derive(Debug, Clone)]
struct PlaceRef {
    id: String,
    name: Name,
}

/// Why a corpus cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Entries need works to cite.
    #[error("--works must be at least 1: every entry cites works of the shared bibliography")]
    NoWorks,
}

/// Generates the corpus for `spec`.
pub fn generate(spec: &Spec) -> Result<Corpus, SpecError> {
    if spec.works == 0 {
        return Err(SpecError::NoWorks);
    }
    let vocab = vocabulary(spec.seed);
    let (bibliography, works) = bibliography(spec);
    let (places, gazetteer) = gazetteer(spec.seed);
    let public: Vec<usize> = (0..works.len()).filter(|&w| !works[w].restricted).collect();
    let restricted: Vec<usize> = (0..works.len()).filter(|&w| works[w].restricted).collect();
    let ctx = Ctx { spec, vocab: &vocab, works: &works, public: &public, restricted: &restricted, places: &gazetteer };
    let entries = (0..spec.entries).map(|i| ctx.entry(i)).collect();
    Ok(Corpus { entries, bibliography, places })
}

/// Writes `spec`'s corpus as an attest project: `attest.toml`,
/// `bibliography/works.bib`, `places.yaml` and `entries/*.md`, as
/// `(relative path, contents)`.
pub fn project_files(corpus: &Corpus, spec: &Spec) -> Vec<(String, Vec<u8>)> {
    let config = format!(
        "title = \"Synthetic benchmark encyclopedia\"\n\
         base_url = \"https://example.org/bench/\"\n\
         languages = [\"en\"]\n\
         description = \"Generated for benchmarks ({} entries, {} works, seed {}): every word, name, date and figure is invented.\"\n\n\
         [sections]\n\
         case-study = [\"Context\", \"Perpetrators\", \"Victims\", \"Witnesses\", \"Memories\", \"Interpretation\", \"Bibliography\"]\n",
        spec.entries, spec.works, spec.seed
    );
    let mut files = vec![
        ("attest.toml".to_string(), config.into_bytes()),
        ("bibliography/works.bib".into(), corpus.bibliography.clone().into_bytes()),
        ("places.yaml".into(), corpus.places.clone().into_bytes()),
    ];
    for e in &corpus.entries {
        files.push((format!("entries/{}.md", e.slug), format!("---\n{}---\n\n{}", e.front, e.body).into_bytes()));
    }
    files
}

/// Writes the same entries as a plain Hugo site: `hugo.toml`, minimal
/// layouts (`baseof`, `single`, `list`) and `content/entries/*.md` with
/// TOML front matter and the very same Markdown bodies (citations,
/// `{fig:…}` references and restricted passages stay as text, which is
/// what Hugo makes of them).
pub fn hugo_files(corpus: &Corpus) -> Vec<(String, Vec<u8>)> {
    let config = "baseURL = \"https://example.org/bench/\"\n\
                  title = \"Synthetic benchmark encyclopedia\"\n\
                  languageCode = \"en\"\n\
                  disableKinds = [\"taxonomy\", \"term\"]\n";
    let baseof = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
                  <title>{{ .Title }} | {{ .Site.Title }}</title>\n</head>\n<body>\n\
                  {{ block \"main\" . }}{{ end }}\n</body>\n</html>\n";
    let single = "{{ define \"main\" }}\n<main data-pagefind-body>\n<h1>{{ .Title }}</h1>\n\
                  <p>{{ .Summary }}</p>\n{{ .Content }}\n</main>\n{{ end }}\n";
    let list = "{{ define \"main\" }}\n<main>\n<h1>{{ .Title }}</h1>\n<ul>\n\
                {{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>\n{{ end }}\
                </ul>\n</main>\n{{ end }}\n";
    let mut files = vec![
        ("hugo.toml".to_string(), config.as_bytes().to_vec()),
        ("layouts/_default/baseof.html".into(), baseof.as_bytes().to_vec()),
        ("layouts/_default/single.html".into(), single.as_bytes().to_vec()),
        ("layouts/_default/list.html".into(), list.as_bytes().to_vec()),
    ];
    for e in &corpus.entries {
        let front = format!(
            "+++\ntitle = {}\ndate = {}\nsummary = {}\n+++\n\n",
            toml_string(&e.title),
            e.published,
            toml_string(&e.summary)
        );
        files.push((format!("content/entries/{}.md", e.slug), format!("{front}{}", e.body).into_bytes()));
    }
    files
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn vocabulary(seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed, 1);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(3000);
    while out.len() < 3000 {
        let w = name(&mut rng, 2..=3, None).bgn.to_lowercase();
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

fn bibliography(spec: &Spec) -> (String, Vec<WorkRef>) {
    let mut rng = Rng::new(spec.seed, 2);
    let mut keys = HashSet::new();
    let mut works = Vec::with_capacity(spec.works);
    let mut bib = String::from("% Generated bibliography: every author, title and publisher is invented.\n\n");
    for w in 0..spec.works {
        let family = name(&mut rng, 2..=3, Some(("ин", "in")));
        let initial = rng.pick(SYLLABLES).1[..1].to_uppercase();
        let year = rng.range(1950, 2024);
        let base = format!("{}{year}", family.bgn.to_lowercase());
        let mut key = base.clone();
        let mut n = 0;
        while !keys.insert(key.clone()) {
            key = format!("{base}{}", letters(n));
            n += 1;
        }
        let cyrillic = w % 5 == 3;
        let restricted = w % 40 == 7;
        let title_words: Vec<String> = (0..rng.range(3, 7)).map(|_| name(&mut rng, 2..=3, None).bgn).collect();
        let (author, title) = if cyrillic {
            let cyr_title: Vec<String> = (0..rng.range(3, 6)).map(|_| name(&mut rng, 2..=3, None).cyr).collect();
            let initial_cyr = family.cyr.chars().next().unwrap_or('А');
            (format!("{}, {initial_cyr}.", family.cyr), cyr_title.join(" "))
        } else {
            (format!("{}, {initial}.", family.bgn), format!("Synthetic study of {}", title_words.join(" ")))
        };
        let start = rng.range(1, 400) as u32;
        let pages = (start, start + rng.range(10, 300) as u32);
        let lang = if cyrillic { "  langid = {russian},\n" } else { "" };
        if restricted {
            let _ = write!(
                bib,
                "@misc{{{key},\n  author = {{{author}}},\n  title = {{Interview transcript {w} (invented)}},\n  \
                 date = {{{year}}},\n  access = {{restricted}},\n{lang}}}\n\n"
            );
        } else {
            match w % 3 {
                0 => {
                    let _ = write!(
                        bib,
                        "@book{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n  \
                         publisher = {{Placeholder Press}},\n  location = {{Nowhere}},\n  date = {{{year}}},\n{lang}}}\n\n"
                    );
                }
                1 => {
                    let _ = write!(
                        bib,
                        "@article{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n  \
                         journaltitle = {{Journal of Synthetic Studies}},\n  volume = {{{}}},\n  number = {{{}}},\n  \
                         pages = {{{}--{}}},\n  date = {{{year}}},\n{lang}}}\n\n",
                        rng.range(1, 60),
                        rng.range(1, 4),
                        pages.0,
                        pages.1
                    );
                }
                _ => {
                    let _ = write!(
                        bib,
                        "@incollection{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n  \
                         booktitle = {{Collected Synthetic Papers {}}},\n  editor = {{Editor, E.}},\n  \
                         publisher = {{Placeholder Press}},\n  pages = {{{}--{}}},\n  date = {{{year}}},\n{lang}}}\n\n",
                        rng.range(1, 40),
                        pages.0,
                        pages.1
                    );
                }
            }
        }
        works.push(WorkRef { key, restricted, pages });
    }
    (bib, works)
}

/// `0 → b`, `1 → c`, … `24 → z`, `25 → bb`: suffixes that keep keys unique.
fn letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'b' + (n % 25) as u8) as char);
        n /= 25;
        if n == 0 {
            return s;
        }
    }
}

fn gazetteer(seed: u64) -> (String, Vec<PlaceRef>) {
    let mut rng = Rng::new(seed, 3);
    let mut out = String::from("# Generated gazetteer: every name is invented; coordinates are random.\n\n");
    let mut places = Vec::with_capacity(PLACES);
    let areas = PLACES / 5;
    for p in 0..PLACES {
        let suffix = *rng.pick(PLACE_SUFFIXES);
        let n = name(&mut rng, 2..=3, Some(suffix));
        let id = format!("{}-{p}", n.bgn.to_lowercase());
        let _ = write!(
            out,
            "- id: {id}\n  kind: {}\n  names:\n    - {{ name: {}, lang: en, preferred: true }}\n    \
             - {{ name: {}, lang: ru, script: Cyrl }}\n    \
             - {{ name: {}, lang: ru, script: Latn, romanization: scholarly }}\n",
            if p < areas {
                *rng.pick(&["region", "province", "district"])
            } else {
                *rng.pick(&["city", "town", "village", "camp", "station"])
            },
            n.bgn,
            n.cyr,
            n.sch
        );
        if p >= areas {
            let _ = write!(
                out,
                "  coordinates: {{ lat: {:.2}, lon: {:.2} }}\n  precision: {}\n  part_of: {}\n",
                rng.range(3500, 6000) as f64 / 100.0,
                rng.range(3000, 9000) as f64 / 100.0,
                rng.pick(&["exact", "locality"]),
                places.get(rng.below(areas)).map(|a: &PlaceRef| a.id.as_str()).unwrap_or_default()
            );
        }
        out.push('\n');
        places.push(PlaceRef { id, name: n });
    }
    (out, places)
}

struct Ctx<'a> {
    spec: &'a Spec,
    vocab: &'a [String],
    works: &'a [WorkRef],
    public: &'a [usize],
    restricted: &'a [usize],
    places: &'a [PlaceRef],
}

/// One entry being written: its random stream and what prose may cite.
struct Writer<'a> {
    ctx: &'a Ctx<'a>,
    rng: Rng,
    /// Public works this entry must cite so that every work is cited.
    owed: Vec<usize>,
    /// Restricted works it must cite inside restricted passages.
    owed_restricted: Vec<usize>,
    figures: Vec<(String, Vec<String>)>,
    places: Vec<usize>,
}

impl Ctx<'_> {
    fn entry(&self, i: usize) -> GeneratedEntry {
        let mut w = Writer {
            ctx: self,
            rng: Rng::new(self.spec.seed, 1000 + i as u64),
            owed: Vec::new(),
            owed_restricted: Vec::new(),
            figures: Vec::new(),
            places: Vec::new(),
        };
        let n = self.spec.entries.max(1);
        for k in (i..self.works.len()).step_by(n) {
            if self.works[k].restricted {
                w.owed_restricted.push(k);
            } else {
                w.owed.push(k);
            }
        }
        let slug = slug(i);
        let case = name(&mut w.rng, 2..=3, None);
        let title = format!("Synthetic case {i:05}: the {} displacement", case.bgn);
        let summary = format!(
            "Generated entry {i} for benchmarks: the {} case does not exist, and every name, date and figure in it is invented.",
            case.bgn
        );
        let day = i % 28 + 1;
        let month = (i / 28) % 12 + 1;
        let published = format!("{}-{month:02}-{day:02}", 2020 + (i / 336) % 6);
        let (front, events) = w.front(i, &title, &summary, &published);
        let body = w.body(i, &events);
        GeneratedEntry { slug, title, summary, published, front, body }
    }
}

fn slug(i: usize) -> String {
    format!("case-{i:05}")
}

impl<'a> Writer<'a> {
    fn word(&mut self) -> &'a str {
        // Squaring a uniform draw favours the first words, roughly as real
        // vocabularies do, so common words return in many entries.
        let u = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let vocab: &'a [String] = self.ctx.vocab;
        let k = ((u * u) * vocab.len() as f64) as usize;
        &vocab[k.min(vocab.len() - 1)]
    }

    fn words(&mut self, n: usize) -> String {
        let mut s = String::new();
        for k in 0..n {
            if k > 0 {
                s.push(' ');
            }
            if k % 3 == 1 {
                let f = *self.rng.pick(FUNCTION_WORDS);
                s.push_str(f);
            } else {
                s.push_str(self.word());
            }
        }
        s
    }

    fn public_work(&mut self) -> usize {
        if let Some(k) = self.owed.pop() {
            return k;
        }
        let p = self.ctx.public;
        if p.is_empty() {
            0
        } else {
            p[self.rng.below(p.len())]
        }
    }

    /// A citation item with a page locator inside the work's pages.
    fn item(&mut self, k: usize) -> String {
        let wk = &self.ctx.works[k];
        let (a, b) = wk.pages;
        let p = self.rng.range(a as i64, b as i64);
        if self.rng.one_in(3) {
            format!("@{}, pp. {p}-{}", wk.key, (p + self.rng.range(1, 6)).min(b as i64).max(p + 1))
        } else {
            format!("@{}, p. {p}", wk.key)
        }
    }

    fn source(&mut self) -> String {
        let k = self.public_work();
        self.item(k)
    }

    fn front(&mut self, i: usize, title: &str, summary: &str, published: &str) -> (String, Vec<(String, i64)>) {
        let mut f = String::with_capacity(9000);
        let start = self.rng.range(1900, 1975);
        let end = start + self.rng.range(12, 40);
        let n = self.ctx.spec.entries;
        let _ = write!(
            f,
            "title: \"{title}\"\nkind: case-study\nstatus: published\nauthors:\n  - name: {} {}\n    affiliation: Placeholder Institute\n\
             published: {published}\nperiod: {start}/{end}\nsummary: \"{summary}\"\ntags: [synthetic, {}]\n",
            self.word()[..1].to_uppercase(),
            capitalise(self.word()),
            self.word()
        );
        let mut places = Vec::new();
        while places.len() < 5.min(self.ctx.places.len()) {
            let p = self.rng.below(self.ctx.places.len());
            if !places.contains(&p) {
                places.push(p);
            }
        }
        self.places = places;
        let ids: Vec<&str> = self.places.iter().map(|&p| self.ctx.places[p].id.as_str()).collect();
        let _ = writeln!(f, "places: [{}]", ids.join(", "));
        if n > 2 {
            let _ = writeln!(f, "related: [{}, {}]", slug((i + 1) % n), slug((i + n - 1) % n));
        }
        f.push_str("figures:\n");
        for fi in 1..=10 {
            self.figure(&mut f, fi, start, end);
        }
        f.push_str("events:\n");
        let mut events = Vec::new();
        for ei in 1..=15 {
            events.push(self.event(&mut f, ei, start, end));
        }
        f.push_str("positions:\n");
        for (pi, q) in ["genocide", "ethnic-cleansing"].iter().enumerate() {
            let _ = write!(
                f,
                "  - id: {q}\n    question: How to qualify the invented case?\n    qualification: {}\n    \
                 argument: \"{}.\"\n    holders:\n      - cite: \"{}\"\n",
                q.replace('-', " "),
                capitalise(&self.words(10)),
                self.source()
            );
            if pi == 0 {
                let _ = write!(
                    f,
                    "      - name: Placeholder Assembly\n        date: {}~\n        source: \"{}\"\n",
                    end + 30,
                    self.source()
                );
            }
        }
        f.push_str("testimonies:\n");
        for ti in 1..=2 {
            let about = events[self.rng.below(events.len())].0.clone();
            let _ = write!(
                f,
                "  - id: witness-{ti}\n    witness: Witness {} (invented)\n    date: \"{}?\"\n    about: [{about}]\n    \
                 source: \"{}\"\n    access: public\n    summary: \"{}.\"\n",
                capitalise(self.word()),
                end + self.rng.range(5, 50),
                self.source(),
                capitalise(&self.words(14))
            );
        }
        if i.is_multiple_of(4) {
            // A restricted testimony: it cites a restricted work when there
            // is one, and is then about an event (no public event cites a
            // restricted work, so nothing leaks).
            let (source, about) = match self.restricted_item() {
                Some(s) => (s, format!("\n    about: [{}]", events[0].0)),
                None => (self.source(), String::new()),
            };
            let _ = write!(
                f,
                "  - id: witness-private\n    witness: Witness {} (invented, restricted)\n    date: \"{}\"{about}\n    \
                 source: \"{source}\"\n    access: restricted\n    summary: \"{}.\"\n",
                capitalise(self.word()),
                end + 20,
                capitalise(&self.words(12))
            );
        }
        (f, events)
    }

    fn restricted_item(&mut self) -> Option<String> {
        let k = match self.owed_restricted.pop() {
            Some(k) => k,
            None if self.ctx.restricted.is_empty() => return None,
            None => self.ctx.restricted[self.rng.below(self.ctx.restricted.len())],
        };
        Some(self.item(k))
    }

    fn figure(&mut self, f: &mut String, fi: usize, start: i64, end: i64) {
        let unit = *self.rng.pick(UNITS);
        let id = format!("f{fi:02}");
        let what = format!("invented {} count of the {}", unit.trim_end_matches('s'), self.word());
        let a = self.rng.range(start, end);
        let b = self.rng.range(a, end);
        let _ = write!(f, "  - id: {id}\n    measure:\n      what: {what}\n      period: {a}/{b}\n");
        if self.rng.one_in(2) {
            let p = self.places[self.rng.below(self.places.len())];
            let _ = writeln!(f, "      places: [{}]", self.ctx.places[p].id);
        }
        let _ = write!(f, "    unit: {unit}\n    estimates:\n");
        let count = self.rng.range(1, 4);
        let mut ests = Vec::new();
        for ei in 1..=count {
            let eid = format!("e{ei}");
            let (lo, hi) = if unit == "percent" {
                let lo = self.rng.range(0, 900) as f64 / 10.0;
                (lo, lo + self.rng.range(0, 90) as f64 / 10.0)
            } else {
                let lo = self.rng.range(10, 400_000) as f64;
                (lo, lo + self.rng.range(0, 100_000) as f64)
            };
            let _ = writeln!(f, "      - id: {eid}");
            match self.rng.below(3) {
                0 => {
                    let _ = writeln!(f, "        value: {lo}");
                }
                1 => {
                    let _ = write!(f, "        low: {lo}\n        high: {hi}\n");
                }
                _ => {
                    let _ = write!(f, "        high: {hi}\n        approximate: true\n");
                }
            }
            let _ = write!(
                f,
                "        period: {a}/{b}\n        source: \"{}\"\n        basis: {}\n",
                self.source(),
                self.rng.pick(BASES)
            );
            if ei == 1 && self.rng.one_in(2) {
                f.push_str("        rank: preferred\n");
            }
            if self.rng.one_in(3) {
                let _ = writeln!(f, "        wording: \"{}\"", self.words(6));
            }
            ests.push(eid);
        }
        self.figures.push((id, ests));
    }

    fn event(&mut self, f: &mut String, ei: usize, start: i64, end: i64) -> (String, i64) {
        let id = format!("ev{ei:02}");
        // Strictly inside the period, so that uncertain and approximate
        // dates stay within it too.
        let y = self.rng.range(start + 1, end - 1);
        let m = self.rng.range(1, 12);
        let d = self.rng.range(1, 28);
        let date = match self.rng.below(8) {
            0 => format!("{y}-{m:02}-{d:02}"),
            1 => format!("{y}-{m:02}"),
            2 => format!("{y}~"),
            3 => format!("{y}?"),
            4 => format!("{y}-{m:02}~"),
            5 => format!("{y}-{m:02}-{d:02}/{y}-{m:02}-{:02}", (d + 5).min(28)),
            6 => format!("{y}-{m:02}-{d:02}?"),
            _ => format!("{y}"),
        };
        let p = self.places[self.rng.below(self.places.len())];
        let _ = write!(
            f,
            "  - id: {id}\n    date: \"{date}\"\n    label: {} (invented event)\n    places: [{}]\n    sources: [\"{}\"]\n",
            capitalise(&self.words(6)),
            self.ctx.places[p].id,
            self.source()
        );
        (id, y)
    }

    fn sentence(&mut self, out: &mut String) {
        let n = self.rng.range(9, 20) as usize;
        out.push_str(&capitalise(&self.words(n)));
        match self.rng.below(14) {
            0 | 1 => {
                let (id, ests) = self.figures[self.rng.below(self.figures.len())].clone();
                if self.rng.one_in(2) {
                    let _ = write!(out, " counted {{fig:{id}}}");
                } else {
                    let e = &ests[self.rng.below(ests.len())];
                    let _ = write!(out, " counted {{fig:{id}.{e}}}");
                }
            }
            2 => {
                let p = &self.ctx.places[self.places[self.rng.below(self.places.len())]].name;
                let _ = write!(out, " near {} ([{}]{{lang=ru}})", p.bgn, p.cyr);
            }
            _ => {}
        }
        if self.rng.one_in(6) || !self.owed.is_empty() {
            let first = self.source();
            if self.rng.one_in(4) {
                let second = self.source();
                let _ = write!(out, " [see {first}; {second}]");
            } else {
                let _ = write!(out, " [{first}]");
            }
        }
        out.push_str(". ");
    }

    fn paragraph(&mut self, out: &mut String) {
        for _ in 0..self.rng.range(5, 8) {
            self.sentence(out);
        }
        out.pop();
        out.push_str("\n\n");
    }

    fn body(&mut self, i: usize, events: &[(String, i64)]) -> String {
        let mut b = String::with_capacity(24_000);
        let n = self.ctx.spec.entries;
        for (si, sec) in SECTIONS.iter().enumerate() {
            if *sec == "Victims" {
                b.push_str("## Victims {#victims}\n\n");
            } else {
                let _ = write!(b, "## {sec}\n\n");
            }
            for _ in 0..4 {
                self.paragraph(&mut b);
            }
            if si == 1 {
                let _ = write!(b, "### {}\n\n", capitalise(&self.words(4)));
                self.paragraph(&mut b);
                self.paragraph(&mut b);
            }
            if *sec == "Context" && n > 1 {
                let other = (i + 1 + self.rng.below(n - 1)) % n;
                let _ = write!(
                    b,
                    "Compare the [invented case {other}](entry:{}#victims), whose events ({}) are no more real.\n\n",
                    slug(other),
                    events.first().map(|e| e.0.as_str()).unwrap_or("none")
                );
            }
            if *sec == "Witnesses" {
                b.push_str("::: restricted\nEditors' note (invented): ");
                let mut note = String::new();
                self.sentence(&mut note);
                b.push_str(note.trim_end());
                // Every restricted work this entry owes, or one at random.
                let mut cited = false;
                while let Some(k) = self.owed_restricted.pop() {
                    let item = self.item(k);
                    let _ = write!(b, " Transcript [{item}].");
                    cited = true;
                }
                if let Some(item) = self.restricted_item().filter(|_| !cited) {
                    let _ = write!(b, " Transcript [{item}].");
                }
                b.push_str("\n:::\n\n");
            }
        }
        // Whatever is still owed, so that every work is cited somewhere.
        if !self.owed.is_empty() {
            b.push_str("## Interpretation, continued\n\n");
            while !self.owed.is_empty() {
                self.paragraph(&mut b);
            }
        }
        b.push_str("## Bibliography\n");
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
        let a = Spec { entries: 3, works: 20, seed: 7 };
        let once = generate(&a).unwrap();
        assert_eq!(project_files(&once, &a), project_files(&generate(&a).unwrap(), &a));
        let b = Spec { seed: 8, ..a };
        assert_ne!(once.entries[0].body, generate(&b).unwrap().entries[0].body);
    }

    #[test]
    fn no_works_is_an_error_not_a_panic() {
        assert_eq!(generate(&Spec { entries: 2, works: 0, seed: 1 }).unwrap_err(), SpecError::NoWorks);
    }

    #[test]
    fn keys_stay_unique_with_letters() {
        assert_eq!(letters(0), "b");
        assert_eq!(letters(24), "z");
        assert_eq!(letters(25), "bc");
        let all: std::collections::HashSet<String> = (0..5000).map(letters).collect();
        assert_eq!(all.len(), 5000);
    }
}
