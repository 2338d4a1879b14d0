//! The burned-in stamp (水印): a dark band at the bottom of the evidence copy with white text — capture
//! time, order number, unit — rendered with a bundled subset of Noto Sans CJK SC Bold (SIL OFL 1.1,
//! GB2312 characters plus ASCII; see `device/assets/fonts/`), so no system font is assumed. Characters
//! outside the subset are drawn as □ rather than dropped silently.

use super::pixels::Rgb;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold-GB2312.otf");

fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(FONT_BYTES).ok()
}

/// Burn `lines` into a band at the bottom of `img`.
pub(crate) fn stamp(img: &mut Rgb, lines: &[String]) {
    let Some(font) = font() else {
        tracing::error!("the bundled stamp font did not load; the photo is not stamped");
        return;
    };
    if lines.is_empty() {
        return;
    }
    let (w, h) = (img.width as i64, img.height as i64);
    let px = (w.min(h) as f32 / 28.0).clamp(12.0, 72.0);
    let scaled = font.as_scaled(PxScale::from(px));
    let line_h = (scaled.height() + scaled.line_gap()).ceil() as i64;
    let pad = (px * 0.4) as i64;
    let band = (line_h * lines.len() as i64 + 2 * pad).min(h);
    // Darken the band (55 % black) so white text reads on any background.
    for y in (h - band)..h {
        let row = (y * w * 3) as usize;
        for v in &mut img.data[row..row + (w * 3) as usize] {
            *v = (u16::from(*v) * 45 / 100) as u8;
        }
    }
    let missing = font.glyph_id('□');
    for (i, line) in lines.iter().enumerate() {
        let baseline = (h - band + pad) as f32 + scaled.ascent() + (i as i64 * line_h) as f32;
        let mut x = pad as f32;
        let mut prev = None;
        for c in line.chars() {
            let mut id = font.glyph_id(c);
            if id.0 == 0 && !c.is_whitespace() {
                id = missing;
            }
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x, baseline));
            x += scaled.h_advance(id);
            prev = Some(id);
            if x > w as f32 {
                break;
            }
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let (px_x, px_y) = (b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy));
                    if px_x < 0 || px_y < 0 || px_x >= w || px_y >= h {
                        return;
                    }
                    let idx = ((px_y * w + px_x) * 3) as usize;
                    let a = coverage.clamp(0.0, 1.0);
                    for v in &mut img.data[idx..idx + 3] {
                        *v = (f32::from(*v) * (1.0 - a) + 255.0 * a) as u8;
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_has_the_characters_the_stamp_uses() {
        let f = font().expect("bundled font");
        for c in "2026-11-17 09:12 星期二 报修单 BX-2026-000123 翠湖花园1栋201室 栋单元座号"
            .chars()
            .filter(|c| !c.is_whitespace())
        {
            assert_ne!(f.glyph_id(c).0, 0, "missing {c}");
        }
    }

    #[test]
    fn stamping_writes_light_text_into_a_dark_band_and_leaves_the_rest() {
        let mut img = Rgb { data: vec![200; 400 * 300 * 3], width: 400, height: 300 };
        stamp(&mut img, &["2026-11-17 09:12".into(), "翠湖花园1栋201".into()]);
        let row = |y: usize| &img.data[y * 400 * 3..(y + 1) * 400 * 3];
        assert!(row(10).iter().all(|&v| v == 200), "top untouched");
        let bottom: Vec<u8> = (250..300).flat_map(|y| row(y).to_vec()).collect();
        assert!(bottom.iter().any(|&v| v > 200), "white text drawn");
        assert!(bottom.iter().filter(|&&v| v == 90).count() > bottom.len() / 2, "band darkened");
    }
}
