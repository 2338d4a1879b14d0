//! The photo pipeline: from a camera or gallery file to an evidence JPEG and a thumbnail.
//!
//! [`prepare`] detects the format from the content, checks size limits before anything large is
//! allocated, reads EXIF, decodes (JPEG at a reduced DCT scale), converts to sRGB, turns the image
//! upright, makes the evidence copy (long edge ≤ 2048 px, see below) and a thumbnail from the same
//! pixels, optionally burns in the stamp (水印), encodes both as metadata-free JPEGs and hashes the
//! original and both outputs. Time and place go to the work order, never into the files (owners'
//! homes and positions are personal data).
//!
//! What "long edge 2048" means: the evidence long edge is at most 2048 px. When a JPEG's DCT scaling
//! lands between 1792 and 2048 px (a 12 MP phone photo at 1/2 gives 2016 px) that size is used as is;
//! otherwise the image is decoded at the smallest scale above 2048 and resized to exactly 2048 with
//! Lanczos3. Smaller images are never enlarged.

mod decode;
mod detect;
mod meta;
mod pixels;
mod stamp;

pub use detect::{Format, detect};
pub use meta::PhotoMeta;
pub use pixels::sha256_hex;

use serde::Serialize;

/// Why a photo was refused. Nothing is stored for a refused photo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// Not an image format this app reads.
    #[error("{}", match format {
        Some(f) => format!("{} files are not accepted as evidence photos; use JPEG, PNG, WebP or HEIC", f.name()),
        None => "this file is not a photo (JPEG, PNG, WebP or HEIC)".to_owned(),
    })]
    Unsupported {
        /// The format, when recognised.
        format: Option<Format>,
    },
    /// The file is larger than allowed.
    #[error("the file is {bytes} bytes; photos larger than {limit} bytes are refused")]
    TooBig {
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The image claims more pixels than allowed.
    #[error("the {} image is {width}×{height} pixels ({} MP); the limit is {} MP", format.name(), width * height / 1_000_000, limit / 1_000_000)]
    TooManyPixels {
        /// Format.
        format: Format,
        /// Width.
        width: u64,
        /// Height.
        height: u64,
        /// The pixel limit.
        limit: u64,
    },
    /// Decoding would need more memory than allowed: the pixels as stored, their expansion to
    /// 8-bit RGB and the copies the pipeline makes, counted before anything is allocated.
    #[error("decoding this {} image ({width}×{height}) would need about {} MB; the limit is {} MB", format.name(), bytes / 1_000_000, limit / 1_000_000)]
    NeedsTooMuchMemory {
        /// Format.
        format: Format,
        /// Width.
        width: u64,
        /// Height.
        height: u64,
        /// Estimated bytes at the peak.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is truncated or damaged.
    #[error("the {} file is damaged or incomplete: {detail}", format.name())]
    Damaged {
        /// Format.
        format: Format,
        /// The decoder's words (for logs).
        detail: String,
    },
    /// The file is built to exhaust memory or time (a decompression bomb).
    #[error("the {} file was refused as hostile: {}", format.name(), what.en)]
    Hostile {
        /// Format.
        format: Format,
        /// What it does, in both languages.
        what: signoff_core::msg::Text,
    },
    /// This build cannot decode the format.
    #[error("this build of Signoff cannot decode {} photos (built without the `{feature}` feature)", format.name())]
    NotBuiltIn {
        /// Format.
        format: Format,
        /// The cargo feature that adds it.
        feature: &'static str,
    },
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// An encoder or resizer failed on valid input (a bug).
    #[error("photo processing failed: {0}")]
    Internal(String),
}

impl PhotoError {
    /// What to tell a person.
    pub fn msg(&self) -> signoff_core::msg::Msg {
        use signoff_core::msg::{Key, Msg};
        let mb = |b: u64| b.div_ceil(1_000_000);
        match self {
            PhotoError::Unsupported { format: Some(f) } => Msg::new(Key::PhotoFormat).arg("format", f.name()),
            PhotoError::Unsupported { format: None } => Msg::new(Key::NotAPhoto),
            PhotoError::TooBig { bytes, limit } => {
                Msg::new(Key::PhotoTooBig).arg("mb", mb(*bytes)).arg("limit", limit / 1_000_000)
            }
            PhotoError::TooManyPixels { format, width, height, limit } => Msg::new(Key::PhotoTooManyPixels)
                .arg("format", format.name())
                .arg("width", *width)
                .arg("height", *height)
                .arg("mp", width * height / 1_000_000)
                .arg("limit", limit / 1_000_000),
            PhotoError::NeedsTooMuchMemory { format: Format::Heic, width, height, bytes, limit } => {
                Msg::new(Key::PhotoHugeHeic)
                    .arg("mp", width * height / 1_000_000)
                    .arg("width", *width)
                    .arg("height", *height)
                    .arg("mb", mb(*bytes))
                    .arg("limit", limit / 1_000_000)
            }
            PhotoError::NeedsTooMuchMemory { format, width, height, bytes, limit } => Msg::new(Key::PhotoNeedsMemory)
                .arg("format", format.name())
                .arg("width", *width)
                .arg("height", *height)
                .arg("mb", mb(*bytes))
                .arg("limit", limit / 1_000_000),
            PhotoError::Damaged { format, .. } => Msg::new(Key::PhotoDamaged).arg("format", format.name()),
            PhotoError::Hostile { format, what } => {
                Msg::new(Key::PhotoHostile).arg("format", format.name()).arg("what", what.clone())
            }
            PhotoError::NotBuiltIn { format, .. } => Msg::new(Key::PhotoNotBuiltIn).arg("format", format.name()),
            PhotoError::Io { path, source } => Msg::new(Key::FileError)
                .arg("path", path.display().to_string())
                .arg("why", crate::error::io_words(source)),
            PhotoError::Internal(_) => Msg::new(Key::PhotoInternal),
        }
    }
}

/// Limits checked before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted (default 80 MB).
    pub max_input_bytes: u64,
    /// Largest pixel count a file may claim (default 250 MP: JPEGs are decoded at a reduced scale).
    pub max_pixels: u64,
    /// Most memory decoding may take at its peak (default 256 MB): the pixels as the file stores them,
    /// their expansion to 8-bit RGB (greyscale, palette and 16-bit images grow several times), and
    /// the copy turning the image upright, all counted from the header before anything is allocated.
    /// It bounds progressive JPEGs (~85 MP), 8-bit RGB PNG/WebP (~42 MP), 16-bit RGBA PNG (~14 MP)
    /// and HEIC (~32 MP).
    pub max_decode_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_input_bytes: 80_000_000, max_pixels: 250_000_000, max_decode_bytes: 256 * 1024 * 1024 }
    }
}

/// How to make the outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareOptions {
    /// Limits.
    pub limits: Limits,
    /// Evidence long edge (upper bound).
    pub evidence_long_edge: u32,
    /// Evidence JPEG quality.
    pub evidence_quality: u8,
    /// Thumbnail long edge.
    pub thumbnail_long_edge: u32,
    /// Text lines to burn in, if the organisation stamps photos. The capture time is added as the
    /// first line by [`prepare`] when `stamp_time` gives the zone to show it in.
    pub stamp: Option<Stamp>,
}

/// What the stamp says.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// Lines after the time (order number, unit…).
    pub lines: Vec<String>,
    /// Shown when the photo has no capture time (the time it is attached).
    pub fallback_ms: i64,
    /// The organisation's zone, for showing times.
    pub tz: chrono::FixedOffset,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions {
            limits: Limits::default(),
            evidence_long_edge: 2048,
            evidence_quality: 82,
            thumbnail_long_edge: 320,
            stamp: None,
        }
    }
}

/// One encoded output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Encoded {
    /// JPEG bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// SHA-256 (hex).
    pub sha256: String,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// A prepared photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prepared {
    /// Detected format.
    pub format: Format,
    /// SHA-256 of the file as given.
    pub original_sha256: String,
    /// Its size.
    pub original_bytes: u64,
    /// Upright size of the full image.
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// EXIF.
    pub meta: PhotoMeta,
    /// Evidence copy.
    pub evidence: Encoded,
    /// Thumbnail.
    pub thumbnail: Encoded,
    /// Whether the evidence carries the stamp.
    pub stamped: bool,
}

/// Make the evidence copy and thumbnail of one photo.
pub fn prepare(data: &[u8], options: &PrepareOptions) -> Result<Prepared, PhotoError> {
    let limits = &options.limits;
    if data.len() as u64 > limits.max_input_bytes {
        return Err(PhotoError::TooBig { bytes: data.len() as u64, limit: limits.max_input_bytes });
    }
    let format = detect(data).ok_or(PhotoError::Unsupported { format: None })?;
    if !matches!(format, Format::Jpeg | Format::Png | Format::WebP | Format::Heic) {
        return Err(PhotoError::Unsupported { format: Some(format) });
    }
    let target = options.evidence_long_edge.max(16);
    let decoded = decode::decode(data, format, target * 7 / 8, limits)?;
    let meta = match (&decoded.exif, format) {
        (Some(raw), _) => meta::from_raw(raw),
        (None, Format::Jpeg | Format::Heic) => meta::from_container(data),
        (None, _) => PhotoMeta { orientation: 1, ..PhotoMeta::default() },
    };
    let orientation = if decoded.oriented { 1 } else { meta.orientation };
    let (sw, sh) = (decoded.source_width, decoded.source_height);
    let (width, height) = if orientation >= 5 && !decoded.oriented { (sh, sw) } else { (sw, sh) };
    let mut img = pixels::Rgb { data: decoded.rgb, width: decoded.width, height: decoded.height };
    pixels::to_srgb(&mut img, decoded.icc.as_deref());
    let img = pixels::orient(img, orientation);
    let (ew, eh) = pixels::fit(img.width, img.height, target);
    let mut evidence = pixels::resize(&img, ew, eh)?;
    drop(img);
    let (tw, th) = pixels::fit(ew, eh, options.thumbnail_long_edge.max(16));
    let thumbnail = pixels::resize(&evidence, tw, th)?;
    let stamped = match &options.stamp {
        Some(s) => {
            let when = meta.taken_at_or(s.tz).unwrap_or(s.fallback_ms);
            let time = chrono::DateTime::from_timestamp_millis(when)
                .map(|t| t.with_timezone(&s.tz).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let mut lines = vec![time];
            lines.extend(s.lines.iter().filter(|l| !l.is_empty()).cloned());
            stamp::stamp(&mut evidence, &lines);
            true
        }
        None => false,
    };
    let encode = |img: &pixels::Rgb, q: u8| -> Result<Encoded, PhotoError> {
        let bytes = pixels::encode_jpeg(img, q)?;
        Ok(Encoded { sha256: sha256_hex(&bytes), bytes, width: img.width, height: img.height })
    };
    Ok(Prepared {
        format,
        original_sha256: sha256_hex(data),
        original_bytes: data.len() as u64,
        width,
        height,
        meta,
        evidence: encode(&evidence, options.evidence_quality)?,
        thumbnail: encode(&thumbnail, 80)?,
        stamped,
    })
}

/// Read a file (refusing it early when it is over the size limit) and [`prepare`] it.
pub fn prepare_file(path: &std::path::Path, options: &PrepareOptions) -> Result<(Vec<u8>, Prepared), PhotoError> {
    let io = |source| PhotoError::Io { path: path.to_owned(), source };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > options.limits.max_input_bytes {
        return Err(PhotoError::TooBig { bytes: len, limit: options.limits.max_input_bytes });
    }
    let data = std::fs::read(path).map_err(io)?;
    let prepared = prepare(&data, options)?;
    Ok((data, prepared))
}
