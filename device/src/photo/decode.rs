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

/// Refuse when the estimated peak (`bytes`) is over the decoder-memory limit.
fn check_memory(format: Format, (w, h): (u64, u64), bytes: u64, limits: &Limits) -> Result<(), PhotoError> {
    if bytes > limits.max_decode_bytes {
        return Err(PhotoError::NeedsTooMuchMemory {
            format,
            width: w,
            height: h,
            bytes,
            limit: limits.max_decode_bytes,
        });
    }
    Ok(())
}

/// Largest embedded colour profile used (real ones are a few KB to a few hundred); larger ones are
/// ignored and the pixels taken as sRGB.
pub(crate) const MAX_ICC: usize = 1 << 20;
/// Largest EXIF block read (JPEG's own segments stop at 64 KB).
pub(crate) const MAX_EXIF: usize = 1 << 20;

fn capped(what: &str, data: Option<Vec<u8>>, max: usize) -> Option<Vec<u8>> {
    match data {
        Some(d) if d.len() > max => {
            tracing::warn!(bytes = d.len(), what, "ignoring an oversized metadata block");
            None
        }
        other => other,
    }
}

/// The peak bytes of turning decoded pixels of `color` into upright 8-bit RGB: the stored pixels,
/// the conversion (16-bit and alpha go through 8-bit RGBA, then are flattened onto white), and the
/// copy that turns the image upright — per pixel, times the pixel count.
fn pipeline_bytes(color: image::ColorType, pixels: u64) -> u64 {
    use image::ColorType as C;
    let stored = u64::from(color.bytes_per_pixel());
    let convert = match color {
        C::Rgb8 => 3,                                        // moved, not copied
        C::L8 | C::L16 | C::Rgb16 | C::Rgb32F => stored + 3, // one RGB8 copy beside the stored pixels
        C::Rgba8 => 4 + 3,                                   // flattened into a new RGB8 buffer
        _ => (stored + 4).max(4 + 3),                        // to RGBA8, then flattened
    };
    // Upright: a second RGB8 buffer beside the first.
    convert.max(3 + 3) * pixels
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
    if chunks.iter().map(|(_, c)| c.len()).sum::<usize>() > MAX_ICC {
        tracing::warn!("ignoring an oversized ICC profile");
        return None;
    }
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
        // A progressive JPEG keeps all its coefficients (about 3 bytes per pixel) while decoding.
        check_memory(f, (w, h), w * h * 3, limits)?;
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
    // The decoded pixels, their RGB conversion (CMYK) and the upright copy.
    let scaled_px = (scaled.width * scaled.height) as u64;
    let coefficients = if header.is_progressive { w * h * 3 } else { 0 };
    check_memory(f, (w, h), coefficients + scaled_px * (px as u64 + if cmyk { 3 } else { 0 } + 3), limits)?;
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
        icc: if cmyk { None } else { capped("ICC profile", jpeg_icc(data), MAX_ICC) },
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
            b"zTXt" | b"iCCP" => body.iter().position(|&b| b == 0).and_then(|k| body.get(k + 2..)),
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
            let kb = MAX_PNG_TEXT / 1024;
            return Err(PhotoError::Hostile {
                format: Format::Png,
                what: signoff_core::msg::Text::new(
                    format!("其中的压缩数据块（文字或颜色配置）解压后超过 {kb} KB（解压炸弹）"),
                    format!("a compressed text or colour-profile chunk expands beyond {kb} KB (a decompression bomb)"),
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
            width: 0,
            height: 0,
            bytes: limits.max_decode_bytes + 1,
            limit: limits.max_decode_bytes,
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
    let (wu, hu) = (u64::from(w), u64::from(h));
    check_pixels(format, wu, hu, limits)?;
    check_memory(format, (wu, hu), pipeline_bytes(decoder.color_type(), wu * hu), limits)?;
    let icc = capped("ICC profile", decoder.icc_profile().ok().flatten(), MAX_ICC);
    let exif = match format {
        Format::Png => capped("EXIF", png_exif, MAX_EXIF),
        _ => capped("EXIF", decoder.exif_metadata().ok().flatten(), MAX_EXIF),
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
    // libheif decodes the whole image (it cannot scale while decoding or hand out tiles in this
    // version): the YCbCr planes, the RGB output (rotated once more when the file says so) and our
    // copy of it, about 8 bytes per pixel at the peak. A phone's 200 MP mode needs ~1.6 GB: refused
    // with a message that says which camera setting to use.
    check_memory(f, (w, h), w * h * 8, limits)?;
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
    let exif = capped("EXIF", exif, MAX_EXIF);
    let icc = capped("ICC profile", handle.color_profile_raw().map(|p| p.data), MAX_ICC);
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
