//! Decoding into 8-bit RGB with limits checked before any large allocation.
//!
//! - JPEG: libjpeg-turbo (via `turbojpeg`) reads the header first; the pixel count is checked, then the
//!   image is decoded at the DCT scale (n/8) closest to what the evidence copy needs, so a 12 MP photo
//!   never exists at full size in memory. Progressive JPEGs keep all coefficients (~3 bytes per pixel at
//!   4:2:0) whatever the scale, so they are bounded by the decoder-memory limit instead. CMYK/YCCK
//!   (Adobe, inverted) is converted to RGB.
//! - PNG, WebP: the `image` crate with its `Limits` (width, height, allocation) set before decoding;
//!   16-bit and alpha are flattened onto white.
//! - HEIC: libheif (feature `heic`), which cannot decode at a reduced size: the pixel count and memory
//!   estimate are checked from the container before decoding. libheif applies the HEIF rotation itself.

use super::{Format, Limits, PhotoError};
use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

/// Decoded pixels.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// RGB8, row-major, `width * 3` bytes per row.
    pub rgb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Embedded ICC profile, when present.
    pub icc: Option<Vec<u8>>,
    /// Raw EXIF (TIFF) where the container reader cannot reach it.
    pub exif: Option<Vec<u8>>,
    /// The decoder already applied the orientation (HEIF).
    pub oriented: bool,
    /// Size of the stored image before any scaling (not oriented).
    pub source_width: u32,
    pub source_height: u32,
}

fn check_pixels(format: Format, w: u64, h: u64, limits: &Limits) -> Result<(), PhotoError> {
    let pixels = w.saturating_mul(h);
    if w == 0 || h == 0 {
        return Err(PhotoError::Damaged { format, detail: "the image has no pixels".into() });
    }
    if pixels > limits.max_pixels {
        return Err(PhotoError::TooManyPixels { format, width: w, height: h, limit: limits.max_pixels });
    }
    Ok(())
}

fn check_memory(format: Format, bytes: u64, limits: &Limits, why: &'static str) -> Result<(), PhotoError> {
    if bytes > limits.max_decode_bytes {
        return Err(PhotoError::NeedsTooMuchMemory { format, bytes, limit: limits.max_decode_bytes, why });
    }
    Ok(())
}

/// The smallest DCT scale whose long edge reaches `min_long` (or 1/1 when none does).
fn jpeg_scale(long: usize, min_long: usize) -> ScalingFactor {
    let mut factors = Decompressor::supported_scaling_factors();
    factors.retain(|f| f.num() <= f.denom());
    factors.sort_by(|a, b| (a.num() * b.denom()).cmp(&(b.num() * a.denom())));
    factors.into_iter().find(|f| f.scale(long) >= min_long).unwrap_or(ScalingFactor::ONE)
}

/// The ICC profile from JPEG APP2 `ICC_PROFILE` segments, reassembled in order.
fn jpeg_icc(data: &[u8]) -> Option<Vec<u8>> {
    let mut chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            break;
        }
        let marker = data[i + 1];
        if marker == 0xDA || marker == 0xD9 {
            break; // start of scan: no more headers
        }
        let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        let body = data.get(i + 4..i + 2 + len)?;
        if marker == 0xE2 && body.len() > 14 && &body[..12] == b"ICC_PROFILE\0" {
            chunks.push((body[12], &body[14..]));
        }
        i += 2 + len;
    }
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(n, _)| *n);
    Some(chunks.into_iter().flat_map(|(_, c)| c.iter().copied()).collect())
}

fn tj_err(format: Format, e: turbojpeg::Error) -> PhotoError {
    PhotoError::Damaged { format, detail: e.to_string() }
}

fn decode_jpeg(data: &[u8], min_long: u32, limits: &Limits) -> Result<Decoded, PhotoError> {
    let f = Format::Jpeg;
    let mut d = Decompressor::new().map_err(|e| tj_err(f, e))?;
    let header = d.read_header(data).map_err(|e| tj_err(f, e))?;
    let (w, h) = (header.width as u64, header.height as u64);
    check_pixels(f, w, h, limits)?;
    if header.is_progressive {
        check_memory(f, w * h * 3, limits, "a progressive JPEG keeps all its coefficients while decoding")?;
        // A progressive file with thousands of scans is a known way to burn CPU; real ones have ~10.
        d.set_scan_limit(500).map_err(|e| tj_err(f, e))?;
    }
    let scale = if header.is_lossless {
        ScalingFactor::ONE
    } else {
        jpeg_scale(header.width.max(header.height), min_long as usize)
    };
    d.set_scaling_factor(scale).map_err(|e| tj_err(f, e))?;
    let scaled = header.scaled(scale);
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk { PixelFormat::CMYK } else { PixelFormat::RGB };
    let px = format.size();
    check_memory(f, (scaled.width * scaled.height * px) as u64, limits, "the decoded image")?;
    let mut pixels = vec![0u8; scaled.width * scaled.height * px];
    let image = Image {
        pixels: pixels.as_mut_slice(),
        width: scaled.width,
        pitch: scaled.width * px,
        height: scaled.height,
        format,
    };
    d.decompress(data, image).map_err(|e| tj_err(f, e))?;
    let rgb = if cmyk {
        // Adobe writes CMYK JPEGs inverted (0 = full ink); libjpeg hands the values over as stored.
        pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let k = u16::from(p[3]);
                [p[0], p[1], p[2]].map(|c| ((u16::from(c) * k + 127) / 255) as u8)
            })
            .collect()
    } else {
        pixels
    };
    Ok(Decoded {
        rgb,
        width: scaled.width as u32,
        height: scaled.height as u32,
        icc: if cmyk { None } else { jpeg_icc(data) },
        exif: None,
        oriented: false,
        source_width: header.width as u32,
        source_height: header.height as u32,
    })
}

/// The largest a PNG text chunk may inflate to; Pillow uses the same kind of cap against zTXt bombs.
const MAX_PNG_TEXT: usize = 1 << 20;

/// Walk PNG chunks: find the eXIf chunk wherever it is (writers put it after IDAT too) and refuse
/// compressed text chunks that inflate past [`MAX_PNG_TEXT`] (inflating stops at the cap).
fn png_chunks(data: &[u8]) -> Result<Option<Vec<u8>>, PhotoError> {
    let mut exif = None;
    let mut i = 8;
    while i + 8 <= data.len() {
        let len = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
        let kind = &data[i + 4..i + 8];
        let Some(body) = data.get(i + 8..i + 8 + len) else { break };
        let compressed = match kind {
            b"eXIf" => {
                exif = Some(body.to_vec());
                None
            }
            b"tEXt" if exif.is_none() => {
                exif = imagemagick_raw_exif(body);
                None
            }
            b"zTXt" => body.iter().position(|&b| b == 0).and_then(|k| body.get(k + 2..)),
            b"iTXt" => body.iter().position(|&b| b == 0).and_then(|k| {
                if body.get(k + 1) != Some(&1) {
                    return None;
                }
                // keyword\0 flag method language\0 translated\0 text
                let rest = body.get(k + 3..)?;
                let lang = rest.iter().position(|&b| b == 0)?;
                let rest = rest.get(lang + 1..)?;
                let tr = rest.iter().position(|&b| b == 0)?;
                rest.get(tr + 1..)
            }),
            _ => None,
        };
        if let Some(z) = compressed
            && let Err(e) = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(z, MAX_PNG_TEXT)
            && e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput
        {
            return Err(PhotoError::Hostile {
                format: Format::Png,
                detail: format!(
                    "a compressed text chunk expands beyond {} KB (a decompression bomb)",
                    MAX_PNG_TEXT / 1024
                ),
            });
        }
        if kind == b"IEND" {
            break;
        }
        i += 12 + len;
    }
    Ok(exif)
}

/// ImageMagick's legacy `Raw profile type exif` text chunk: `\nexif\n   <length>\n<hex, in lines>`.
fn imagemagick_raw_exif(body: &[u8]) -> Option<Vec<u8>> {
    let rest =
        body.strip_prefix(b"Raw profile type exif\0").or_else(|| body.strip_prefix(b"Raw profile type APP1\0"))?;
    let text = std::str::from_utf8(rest).ok()?;
    let mut parts = text.split_whitespace();
    let _name = parts.next()?;
    let len: usize = parts.next()?.parse().ok()?;
    let hex: String = parts.flat_map(str::chars).take(len.saturating_mul(2)).collect();
    let bytes = data_encoding::HEXLOWER_PERMISSIVE.decode(hex.as_bytes()).ok()?;
    (!bytes.is_empty()).then_some(bytes)
}

fn decode_with_image(data: &[u8], format: Format, limits: &Limits) -> Result<Decoded, PhotoError> {
    use image::{ImageDecoder, ImageFormat};
    let fmt = match format {
        Format::Png => ImageFormat::Png,
        _ => ImageFormat::WebP,
    };
    let damaged = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => PhotoError::NeedsTooMuchMemory {
            format,
            bytes: 0,
            limit: limits.max_decode_bytes,
            why: "the decoder's allocation limit",
        },
        other => PhotoError::Damaged { format, detail: other.to_string() },
    };
    // Chunk checks come first, so a hostile PNG never reaches the decoder.
    let png_exif = if format == Format::Png { png_chunks(data)? } else { None };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(data), fmt);
    let mut l = image::Limits::default();
    l.max_image_width = Some(u32::try_from(limits.max_pixels.min(u64::from(u32::MAX))).unwrap_or(u32::MAX));
    l.max_image_height = l.max_image_width;
    l.max_alloc = Some(limits.max_decode_bytes);
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let (w, h) = decoder.dimensions();
    check_pixels(format, u64::from(w), u64::from(h), limits)?;
    check_memory(format, decoder.total_bytes(), limits, "the decoded image")?;
    let icc = decoder.icc_profile().ok().flatten();
    let exif = match format {
        Format::Png => png_exif,
        _ => decoder.exif_metadata().ok().flatten(),
    };
    let image = image::DynamicImage::from_decoder(decoder).map_err(damaged)?;
    let rgb = flatten_on_white(image);
    Ok(Decoded { rgb, width: w, height: h, icc, exif, oriented: false, source_width: w, source_height: h })
}

/// 8-bit RGB, with any alpha composited onto white (transparent areas of a screenshot read as paper).
fn flatten_on_white(image: image::DynamicImage) -> Vec<u8> {
    if !image.color().has_alpha() {
        return image.into_rgb8().into_raw();
    }
    let rgba = image.into_rgba8();
    rgba.pixels()
        .flat_map(|p| {
            let a = u16::from(p[3]);
            [p[0], p[1], p[2]].map(|c| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8)
        })
        .collect()
}

#[cfg(feature = "heic")]
fn decode_heic(data: &[u8], limits: &Limits) -> Result<Decoded, PhotoError> {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    let f = Format::Heic;
    let damaged = |e: libheif_rs::HeifError| PhotoError::Damaged { format: f, detail: e.to_string().trim().to_owned() };
    let ctx = HeifContext::read_from_bytes(data).map_err(damaged)?;
    let handle = ctx.primary_image_handle().map_err(damaged)?;
    let (w, h) = (u64::from(handle.width()), u64::from(handle.height()));
    check_pixels(f, w, h, limits)?;
    // libheif decodes the whole image (it cannot scale while decoding): YCbCr planes plus RGB output.
    check_memory(f, w * h * 5, limits, "HEIC images are decoded at full size")?;
    let mut exif = None;
    let mut ids = vec![0; handle.number_of_metadata_blocks(b"Exif").max(0) as usize];
    let n = handle.metadata_block_ids(&mut ids, b"Exif");
    if let Some(id) = ids.get(..n).and_then(|ids| ids.first())
        && let Ok(block) = handle.metadata(*id)
        && block.len() > 4
    {
        // The Exif item starts with a 4-byte offset to the TIFF header.
        let skip = u32::from_be_bytes([block[0], block[1], block[2], block[3]]) as usize;
        exif = block.get(4 + skip..).map(<[u8]>::to_vec);
    }
    let icc = handle.color_profile_raw().map(|p| p.data);
    let lib = LibHeif::new();
    let image = lib.decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None).map_err(damaged)?;
    let planes = image.planes();
    let plane = planes.interleaved.ok_or_else(|| PhotoError::Damaged { format: f, detail: "no RGB plane".into() })?;
    let (pw, ph) = (plane.width as usize, plane.height as usize);
    let mut rgb = Vec::with_capacity(pw * ph * 3);
    for row in 0..ph {
        let start = row * plane.stride;
        rgb.extend_from_slice(
            plane
                .data
                .get(start..start + pw * 3)
                .ok_or_else(|| PhotoError::Damaged { format: f, detail: "short RGB plane".into() })?,
        );
    }
    Ok(Decoded {
        rgb,
        width: pw as u32,
        height: ph as u32,
        icc,
        exif,
        oriented: true,
        source_width: w as u32,
        source_height: h as u32,
    })
}

#[cfg(not(feature = "heic"))]
fn decode_heic(_: &[u8], _: &Limits) -> Result<Decoded, PhotoError> {
    Err(PhotoError::NotBuiltIn { format: Format::Heic, feature: "heic" })
}

/// Decode `data`, aiming (for JPEG) at a long edge of at least `min_long` pixels.
pub(crate) fn decode(data: &[u8], format: Format, min_long: u32, limits: &Limits) -> Result<Decoded, PhotoError> {
    match format {
        Format::Jpeg => decode_jpeg(data, min_long, limits),
        Format::Png | Format::WebP => decode_with_image(data, format, limits),
        Format::Heic => decode_heic(data, limits),
        other => Err(PhotoError::Unsupported { format: Some(other) }),
    }
}
