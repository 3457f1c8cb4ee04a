//! The sample encyclopedia embedded in the binary checks clean, and the
//! embedded copy is the `sample/` folder of the repository.

#[test]
fn embedded_sample_checks_with_no_errors_and_only_unverified_warnings() {
    let loaded = attest::source::load::load_files(attest::sample::sample_files()).unwrap();
    let a = attest::analyze(loaded, &|| {});
    let (errors, _) = a.counts();
    assert_eq!(errors, 0, "{}", attest::report::human(&a, false));
    let codes: std::collections::BTreeSet<_> = a.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["figure.unverified", "place.unverified"]);
    assert_eq!(a.corpus.entries.len(), 6);
}

#[test]
fn the_case_study_keeps_competing_mortality_estimates_side_by_side() {
    let loaded = attest::source::load::load_files(attest::sample::sample_files()).unwrap();
    let a = attest::analyze(loaded, &|| {});
    let e = a.corpus.entry("chechens-ingush-1944").expect("the case study");
    let f = e.figures.iter().find(|f| f.id.v == "mortality").expect("a mortality figure");
    assert!(f.estimates.len() >= 3, "NKVD, demographic projection and testimonies");
    assert!(f.estimates.iter().all(|x| x.rank != attest::model::Rank::Preferred), "none is preferred over the others");
    let bases: Vec<_> = f.estimates.iter().filter_map(|x| x.basis).collect();
    assert!(bases.contains(&attest::model::Basis::OfficialDocument));
    assert!(bases.contains(&attest::model::Basis::DemographicProjection));
    assert_eq!(
        e.positions.iter().map(|p| p.qualification.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
        2
    );
}

#[test]
fn embedded_files_match_the_repository_folder() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample");
    for (rel, bytes) in attest::sample::sample_files() {
        assert_eq!(std::fs::read(root.join(rel)).unwrap(), bytes, "{rel}");
    }
}

#[test]
fn the_full_example_of_the_format_guide_checks_clean() {
    let doc = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/format.md")).unwrap();
    let section = &doc[doc.find("## A full example").expect("the guide has a full example")..];
    let start = section.find("```markdown\n").unwrap() + "```markdown\n".len();
    let example = &section[start..start + section[start..].find("\n```\n").unwrap() + 1];
    let mut files = attest::sample::sample_files();
    files.push(("entries/format-example.md", example.as_bytes()));
    let a = attest::analyze(attest::source::load::load_files(files).unwrap(), &|| {});
    let in_example: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.file.is_some_and(|f| a.sources.get(f).path == "entries/format-example.md"))
        .map(|d| (d.code, d.message.as_str()))
        .collect();
    // Its one unverified estimate is the only thing to report.
    assert_eq!(in_example.iter().map(|d| d.0).collect::<Vec<_>>(), ["figure.unverified"], "{in_example:?}");
    let e = a.corpus.entry("format-example").unwrap();
    assert_eq!(e.body.figure_refs.len(), 4);
    assert!(e.body.restricted.len() == 2, "the fenced div and the restricted section");
}
