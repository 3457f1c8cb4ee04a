//! One file of the rendered site as the server keeps it: the bytes, their
//! validators (ETag, Last-Modified) and compressed copies.
//!
//! Pages are compressed once, on the first request that accepts an
//! encoding, and kept: a burst of readers costs one compression per page,
//! not one per request (which is what a proxy compressing on the fly pays).

use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use axum::body::Bytes;

/// A content encoding the server can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Brotli.
    Br,
    /// gzip.
    Gzip,
    /// As stored.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value, `None` for identity.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Br => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    /// The best encoding an `Accept-Encoding` header allows: brotli, then
    /// gzip, honouring `q=0` and `*`.
    pub fn negotiate(accept: Option<&str>) -> Encoding {
        let Some(accept) = accept else { return Encoding::Identity };
        let mut br = None;
        let mut gzip = None;
        let mut star = None;
        for part in accept.split(',') {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match name.as_str() {
                "br" => br = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => star = Some(q),
                _ => {}
            }
        }
        let ok = |q: Option<f32>| q.or(star).is_some_and(|q| q > 0.0);
        if ok(br) {
            Encoding::Br
        } else if ok(gzip) {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// A file of the site, ready to be served.
#[derive(Debug)]
pub struct Asset {
    /// The bytes as rendered.
    pub body: Bytes,
    /// Strong validator: a hash of the bytes, quoted.
    pub etag: String,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// When these bytes were first served under this path.
    pub modified: SystemTime,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl Asset {
    /// An asset for `path` (the extension gives the type).
    pub fn new(path: &str, body: Vec<u8>, modified: SystemTime) -> Asset {
        Asset {
            etag: format!("\"{}\"", content_hash(&body)),
            body: Bytes::from(body),
            content_type: content_type(path),
            modified,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// Whether compressing this type is worth it.
    pub fn compressible(&self) -> bool {
        self.content_type.starts_with("text/")
            || self.content_type.contains("json")
            || self.content_type.contains("xml")
            || self.content_type.contains("javascript")
            || self.content_type.contains("svg")
    }

    /// The body in `encoding`, compressed on first use and kept.
    pub fn encoded(&self, encoding: Encoding) -> &Bytes {
        match encoding {
            Encoding::Identity => &self.body,
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.body)),
            Encoding::Br => self.br.get_or_init(|| brotli(&self.body)),
        }
    }
}

/// A 64-bit FNV-1a hash of `bytes` in hex: stable across runs and
/// versions, which `std`'s hasher does not promise. ETags only need to
/// change when the bytes do; no adversary chooses them.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{:x}", bytes.len())
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::new(6));
    enc.write_all(bytes).expect("writing to memory");
    Bytes::from(enc.finish().expect("writing to memory"))
}

fn brotli(bytes: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        // Quality 9 of 11: close to the best ratio for HTML at a fraction of
        // the time of 11, and it is paid once per page.
        let mut w = ::brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
        w.write_all(bytes).expect("writing to memory");
    }
    Bytes::from(out)
}

/// The media type for a file name.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "jsonld" => "application/ld+json",
        "geojson" => "application/geo+json",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "bib" => "application/x-bibtex; charset=utf-8",
        "ris" => "application/x-research-info-systems; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_brotli_and_honours_q_zero() {
        assert_eq!(Encoding::negotiate(Some("gzip, deflate, br")), Encoding::Br);
        assert_eq!(Encoding::negotiate(Some("gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("br;q=0, gzip;q=0.5")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("*;q=0")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("*")), Encoding::Br);
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
    }

    #[test]
    fn compressed_copies_decompress_to_the_body() {
        use std::io::Read;
        let a = Asset::new("x.html", "<p>Грозный</p>".repeat(100).into_bytes(), SystemTime::UNIX_EPOCH);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&a.encoded(Encoding::Gzip)[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, a.body);
        let mut out = Vec::new();
        ::brotli::Decompressor::new(&a.encoded(Encoding::Br)[..], 4096).read_to_end(&mut out).unwrap();
        assert_eq!(out, a.body);
        assert!(a.encoded(Encoding::Br).len() < a.body.len() / 4);
    }
}
