//! Rendering: from the public view of the corpus to HTML pages and SVG
//! figures. Pure: it returns file contents; writing them is `build`'s job.

pub mod body;
pub mod cite;
pub mod format;
pub mod site;
pub mod svg;
