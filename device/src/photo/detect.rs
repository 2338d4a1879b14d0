//! Telling formats apart by their first bytes, never by the file name.

use serde::Serialize;

/// The formats the pipeline accepts, plus the ones it recognises only to refuse them clearly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JPEG (baseline, progressive, CMYK).
    Jpeg,
    /// PNG (8 and 16 bit).
    Png,
    /// WebP (lossy and lossless).
    WebP,
    /// HEIC/HEIF from phones.
    Heic,
    /// GIF: recognised, not accepted as evidence.
    Gif,
    /// TIFF: recognised, not accepted.
    Tiff,
    /// BMP: recognised, not accepted.
    Bmp,
}

impl Format {
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Heic => "HEIC",
            Format::Gif => "GIF",
            Format::Tiff => "TIFF",
            Format::Bmp => "BMP",
        }
    }
}

/// The format of `data`, from its signature.
pub fn detect(data: &[u8]) -> Option<Format> {
    let starts = |sig: &[u8]| data.len() >= sig.len() && &data[..sig.len()] == sig;
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        return Some(Format::WebP);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(Format::Gif);
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Some(Format::Tiff);
    }
    if starts(b"BM") && data.len() > 14 {
        return Some(Format::Bmp);
    }
    // ISO base media: a `ftyp` box whose brands name HEIF/HEIC.
    if data.len() >= 16 && &data[4..8] == b"ftyp" {
        let size = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let end = size.clamp(16, data.len().min(64));
        let brands = &data[8..end];
        const HEIF: [&[u8; 4]; 8] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"];
        if brands.chunks(4).any(|b| HEIF.iter().any(|h| b == h.as_slice())) {
            return Some(Format::Heic);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(detect(b"\xFF\xD8\xFF\xE0rest"), Some(Format::Jpeg));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(detect(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::WebP));
        assert_eq!(detect(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Some(Format::Heic));
        assert_eq!(detect(b"\0\0\0\x18ftypisom\0\0\0\0isomiso2"), None, "an MP4 video is not a photo");
        assert_eq!(detect(b"GIF89a"), Some(Format::Gif));
        assert_eq!(detect(b"hello"), None);
        assert_eq!(detect(b""), None);
    }
}
