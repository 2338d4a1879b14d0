//! Pixel work on decoded RGB8 images: EXIF orientation, colour conversion to sRGB, resizing, JPEG
//! encoding, hashing.

use super::PhotoError;
use fast_image_resize::images::Image as FirImage;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use sha2::{Digest, Sha256};

/// An RGB8 image.
#[derive(Debug, Clone)]
pub(crate) struct Rgb {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Apply an EXIF orientation (1–8) so the image is upright.
pub(crate) fn orient(img: Rgb, orientation: u16) -> Rgb {
    if !(2..=8).contains(&orientation) {
        return img;
    }
    let (w, h) = (img.width as isize, img.height as isize);
    let (nw, nh) = if orientation >= 5 { (h, w) } else { (w, h) };
    // The source pixel of output (x, y) is at origin + x·dx + y·dy (in pixels of the stored image).
    let at = |sx: isize, sy: isize| sy * w + sx;
    let (origin, dx, dy) = match orientation {
        2 => (at(w - 1, 0), -1, w),
        3 => (at(w - 1, h - 1), -1, -w),
        4 => (at(0, h - 1), 1, -w),
        5 => (at(0, 0), w, 1),
        6 => (at(0, h - 1), -w, 1),
        7 => (at(w - 1, h - 1), -w, -1),
        _ => (at(w - 1, 0), w, -1), // 8
    };
    let mut out = vec![0u8; img.data.len()];
    for (y, row) in out.chunks_exact_mut(nw as usize * 3).enumerate().take(nh as usize) {
        let mut src = origin + y as isize * dy;
        for px in row.chunks_exact_mut(3) {
            let s = src as usize * 3;
            px.copy_from_slice(&img.data[s..s + 3]);
            src += dx;
        }
    }
    Rgb { data: out, width: nw as u32, height: nh as u32 }
}

/// Convert from the embedded profile to sRGB (no-op without a profile, or when it is sRGB already).
pub(crate) fn to_srgb(img: &mut Rgb, icc: Option<&[u8]>) {
    let Some(icc) = icc else { return };
    let Some(input) = qcms::Profile::new_from_slice(icc, false) else {
        tracing::debug!("unreadable ICC profile; pixels kept as they are");
        return;
    };
    if input.is_sRGB() {
        return;
    }
    // A precached output profile selects qcms's SIMD path (~10× faster than without).
    static SRGB: std::sync::OnceLock<Box<qcms::Profile>> = std::sync::OnceLock::new();
    let output = SRGB.get_or_init(|| {
        let mut p = qcms::Profile::new_sRGB();
        p.precache_output_transform();
        p
    });
    if let Some(t) = qcms::Transform::new(&input, output, qcms::DataType::RGB8, qcms::Intent::Perceptual) {
        t.apply(&mut img.data);
    }
}

/// The size with the long edge at most `long`, keeping the aspect ratio (never enlarging).
pub(crate) fn fit(width: u32, height: u32, long: u32) -> (u32, u32) {
    let current = width.max(height);
    if current <= long {
        return (width, height);
    }
    let scale = f64::from(long) / f64::from(current);
    let w = (f64::from(width) * scale).round().max(1.0) as u32;
    let h = (f64::from(height) * scale).round().max(1.0) as u32;
    (w, h)
}

/// Resize with Lanczos3 (SIMD via fast_image_resize).
pub(crate) fn resize(img: &Rgb, width: u32, height: u32) -> Result<Rgb, PhotoError> {
    if (width, height) == (img.width, img.height) {
        return Ok(img.clone());
    }
    let internal = |e: &dyn std::fmt::Display| PhotoError::Internal(format!("resize: {e}"));
    let src = fast_image_resize::images::ImageRef::new(img.width, img.height, &img.data, PixelType::U8x3)
        .map_err(|e| internal(&e))?;
    let mut dst = FirImage::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| internal(&e))?;
    Ok(Rgb { data: dst.into_vec(), width, height })
}

/// Encode as a baseline JPEG, 4:2:0, no metadata.
pub(crate) fn encode_jpeg(img: &Rgb, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let internal = |e: turbojpeg::Error| PhotoError::Internal(format!("JPEG encoder: {e}"));
    let mut c = turbojpeg::Compressor::new().map_err(internal)?;
    c.set_quality(i32::from(quality.clamp(1, 100))).map_err(internal)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(internal)?;
    let image = turbojpeg::Image {
        pixels: img.data.as_slice(),
        width: img.width as usize,
        pitch: img.width as usize * 3,
        height: img.height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    c.compress_to_vec(image).map_err(internal)
}

/// SHA-256 in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 image whose pixels are numbered 1..=6 (in the red channel).
    fn numbered() -> Rgb {
        let data = (1u8..=6).flat_map(|n| [n, 0, 0]).collect();
        Rgb { data, width: 3, height: 2 }
    }

    fn reds(img: &Rgb) -> Vec<u8> {
        img.data.chunks(3).map(|p| p[0]).collect()
    }

    #[test]
    fn all_eight_orientations() {
        // Stored:  1 2 3     (orientation says how to turn it upright)
        //          4 5 6
        let cases: [(u16, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [1, 2, 3, 4, 5, 6]),
            (2, (3, 2), [3, 2, 1, 6, 5, 4]),
            (3, (3, 2), [6, 5, 4, 3, 2, 1]),
            (4, (3, 2), [4, 5, 6, 1, 2, 3]),
            (5, (2, 3), [1, 4, 2, 5, 3, 6]),
            (6, (2, 3), [4, 1, 5, 2, 6, 3]),
            (7, (2, 3), [6, 3, 5, 2, 4, 1]),
            (8, (2, 3), [3, 6, 2, 5, 1, 4]),
        ];
        for (o, size, want) in cases {
            let out = orient(numbered(), o);
            assert_eq!((out.width, out.height), size, "orientation {o}");
            assert_eq!(reds(&out), want, "orientation {o}");
        }
    }

    #[test]
    fn fit_keeps_the_aspect_and_never_enlarges() {
        assert_eq!(fit(4032, 3024, 2048), (2048, 1536));
        assert_eq!(fit(3024, 4032, 320), (240, 320));
        assert_eq!(fit(600, 450, 2048), (600, 450));
    }
}
