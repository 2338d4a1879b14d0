//! Handwritten signatures: strokes of points with relative time and optional pressure, in a compact
//! binary format, rendered to PNG and SVG identically everywhere.
//!
//! ## Format (version 1), all integers little-endian or LEB128 varints
//!
//! ```text
//! "SGS1"                      magic and version
//! u16 width, u16 height       the canvas, in CSS pixels
//! u8 flags                    bit 0: points carry pressure
//! varint strokes              number of strokes (≤ 2,000)
//! per stroke:
//!   varint points             number of points (1..=20,000)
//!   varint x, varint y        first point, in 1/8 px
//!   varint dt                 ms since the previous stroke ended (since the start for the first)
//!   [u8 pressure]             0..=255 for 0.0..=1.0, when flagged
//!   per further point:
//!     zigzag dx, zigzag dy    movement in 1/8 px
//!     varint dt               ms since the previous point
//!     [zigzag dpressure]
//! ```
//!
//! Coordinates are quantised to 1/8 px and pressure to 1/255: far finer than a finger or a stylus, and a
//! typical signature (5–10 strokes, a few hundred points) takes 1–3 KB. The SHA-256 of these bytes is
//! what a sign-off statement names.
//!
//! Rendering uses integer arithmetic only (distances in 1/8 px, an integer square root, coverage as the
//! maximum over segments), so the same strokes give the same pixels on a phone and on the server.

use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 4] = b"SGS1";
const MAX_STROKES: usize = 2_000;
const MAX_POINTS: usize = 20_000;
const UNITS: i64 = 8; // per CSS pixel

/// One point as a signature pad reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Point {
    /// x in CSS pixels.
    pub x: f64,
    /// y in CSS pixels.
    pub y: f64,
    /// Time in ms (any origin; only differences are kept).
    pub time: f64,
    /// Pressure 0..=1, when the device reports it.
    #[serde(default)]
    pub pressure: Option<f64>,
}

/// A stroke: the points between pen down and pen up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stroke {
    /// Points in order.
    pub points: Vec<Point>,
}

/// A handwritten signature in its compact, quantised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    width: u16,
    height: u16,
    pressure: bool,
    /// Per stroke: (x, y in 1/8 px, time in ms from the start, pressure 0..=255).
    strokes: Vec<Vec<(i64, i64, i64, u8)>>,
}

/// Why strokes could not be read or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrokesError {
    /// Not the strokes format.
    #[error("not a signature (bad header)")]
    BadHeader,
    /// The bytes end early or carry junk after the end.
    #[error("the signature data is truncated or has trailing bytes")]
    Truncated,
    /// Too many strokes or points, or points off the canvas.
    #[error("{0}")]
    Invalid(String),
    /// No strokes at all.
    #[error("the signature is empty")]
    Empty,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, StrokesError> {
        let b = *self.data.get(self.at).ok_or(StrokesError::Truncated)?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, StrokesError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(StrokesError::Invalid("varint too long".into()))
    }

    fn small(&mut self, limit: usize, what: &str) -> Result<usize, StrokesError> {
        let v = self.varint()?;
        usize::try_from(v).ok().filter(|v| *v <= limit).ok_or_else(|| StrokesError::Invalid(format!("too many {what}")))
    }
}

impl Signature {
    /// Quantise strokes from a signature pad. `canvas` is the pad's size in CSS pixels; without it the
    /// strokes' own extent is used.
    pub fn from_strokes(strokes: &[Stroke], canvas: Option<(u16, u16)>) -> Result<Signature, StrokesError> {
        let strokes: Vec<&Stroke> = strokes.iter().filter(|s| !s.points.is_empty()).collect();
        if strokes.is_empty() {
            return Err(StrokesError::Empty);
        }
        if strokes.len() > MAX_STROKES || strokes.iter().any(|s| s.points.len() > MAX_POINTS) {
            return Err(StrokesError::Invalid("too many strokes or points".into()));
        }
        let all = || strokes.iter().flat_map(|s| s.points.iter());
        if all().any(|p| !p.x.is_finite() || !p.y.is_finite() || !p.time.is_finite() || p.x < 0.0 || p.y < 0.0) {
            return Err(StrokesError::Invalid("points must be finite and not negative".into()));
        }
        let (width, height) = canvas.unwrap_or_else(|| {
            let w = all().map(|p| p.x).fold(0.0, f64::max).ceil() + 1.0;
            let h = all().map(|p| p.y).fold(0.0, f64::max).ceil() + 1.0;
            (w.min(f64::from(u16::MAX)) as u16, h.min(f64::from(u16::MAX)) as u16)
        });
        let start = all().map(|p| p.time).fold(f64::INFINITY, f64::min);
        let pressure = all().any(|p| p.pressure.is_some());
        let q = |v: f64, max: u16| ((v * UNITS as f64).round() as i64).clamp(0, i64::from(max) * UNITS);
        let strokes = strokes
            .iter()
            .map(|s| {
                let mut last_t = 0;
                s.points
                    .iter()
                    .map(|p| {
                        // Time never runs backwards within the format.
                        let t = ((p.time - start).round() as i64).max(last_t);
                        last_t = t;
                        let pr = (p.pressure.unwrap_or(0.5).clamp(0.0, 1.0) * 255.0).round() as u8;
                        (q(p.x, width), q(p.y, height), t, pr)
                    })
                    .collect()
            })
            .collect();
        Ok(Signature { width, height, pressure, strokes })
    }

    /// Canvas size in CSS pixels.
    pub fn size(&self) -> (u16, u16) {
        (self.width, self.height)
    }

    /// Number of strokes.
    pub fn stroke_count(&self) -> usize {
        self.strokes.len()
    }

    /// The signature back as strokes (quantised values).
    pub fn to_strokes(&self) -> Vec<Stroke> {
        self.strokes
            .iter()
            .map(|s| Stroke {
                points: s
                    .iter()
                    .map(|&(x, y, t, p)| Point {
                        x: x as f64 / UNITS as f64,
                        y: y as f64 / UNITS as f64,
                        time: t as f64,
                        pressure: self.pressure.then_some(f64::from(p) / 255.0),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The compact binary form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.strokes.iter().map(|s| s.len() * 4).sum::<usize>());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.push(u8::from(self.pressure));
        put_varint(&mut out, self.strokes.len() as u64);
        let mut prev_end = 0;
        for s in &self.strokes {
            put_varint(&mut out, s.len() as u64);
            let mut prev: Option<(i64, i64, i64, u8)> = None;
            for &(x, y, t, p) in s {
                match prev {
                    None => {
                        put_varint(&mut out, x as u64);
                        put_varint(&mut out, y as u64);
                        put_varint(&mut out, (t - prev_end).max(0) as u64);
                        if self.pressure {
                            out.push(p);
                        }
                    }
                    Some((px, py, pt, pp)) => {
                        put_varint(&mut out, zigzag(x - px));
                        put_varint(&mut out, zigzag(y - py));
                        put_varint(&mut out, (t - pt).max(0) as u64);
                        if self.pressure {
                            put_varint(&mut out, zigzag(i64::from(p) - i64::from(pp)));
                        }
                    }
                }
                prev = Some((x, y, t, p));
            }
            prev_end = prev.map_or(prev_end, |p| p.2);
        }
        out
    }

    /// Read the binary form, checking every bound.
    pub fn decode(data: &[u8]) -> Result<Signature, StrokesError> {
        if data.len() < 9 || &data[..4] != MAGIC {
            return Err(StrokesError::BadHeader);
        }
        let width = u16::from_le_bytes([data[4], data[5]]);
        let height = u16::from_le_bytes([data[6], data[7]]);
        let flags = data[8];
        if flags > 1 {
            return Err(StrokesError::BadHeader);
        }
        let pressure = flags & 1 == 1;
        let mut r = Reader { data, at: 9 };
        let n = r.small(MAX_STROKES, "strokes")?;
        let (max_x, max_y) = (i64::from(width) * UNITS, i64::from(height) * UNITS);
        let mut strokes = Vec::with_capacity(n);
        let mut prev_end = 0i64;
        for _ in 0..n {
            let m = r.small(MAX_POINTS, "points")?;
            if m == 0 {
                return Err(StrokesError::Invalid("a stroke without points".into()));
            }
            let mut s = Vec::with_capacity(m);
            let x = r.varint()? as i64;
            let y = r.varint()? as i64;
            let mut t = prev_end.saturating_add(r.varint()? as i64);
            let mut p = if pressure { r.byte()? } else { 128 };
            let (mut x, mut y) = (x, y);
            s.push((x, y, t, p));
            for _ in 1..m {
                x = x.saturating_add(unzigzag(r.varint()?));
                y = y.saturating_add(unzigzag(r.varint()?));
                t = t.saturating_add(r.varint()? as i64);
                if pressure {
                    p = (i64::from(p) + unzigzag(r.varint()?)).clamp(0, 255) as u8;
                }
                s.push((x, y, t, p));
            }
            if s.iter().any(|&(x, y, _, _)| !(0..=max_x).contains(&x) || !(0..=max_y).contains(&y)) {
                return Err(StrokesError::Invalid("a point lies outside the canvas".into()));
            }
            prev_end = t;
            strokes.push(s);
        }
        if r.at != data.len() {
            return Err(StrokesError::Truncated);
        }
        if strokes.is_empty() {
            return Err(StrokesError::Empty);
        }
        Ok(Signature { width, height, pressure, strokes })
    }

    /// SHA-256 (hex) of the binary form: what a statement names.
    pub fn sha256(&self) -> String {
        crate::signoff::sha256_hex(&self.encode())
    }

    /// The ink as an 8-bit coverage mask, `scale` output pixels per CSS pixel (1..=8).
    pub fn rasterize(&self, scale: u32) -> (u32, u32, Vec<u8>) {
        let scale = i64::from(scale.clamp(1, 8));
        let (w, h) = (i64::from(self.width) * scale, i64::from(self.height) * scale);
        let mut mask = vec![0u8; (w * h) as usize];
        // Work in output pixels × 8 (sub-pixel units); a point at x units is at x·scale in them.
        let u = UNITS;
        for s in &self.strokes {
            let pts: Vec<(i64, i64, i64)> = s
                .iter()
                .map(|&(x, y, _, p)| {
                    // Pen radius 0.9–2.1 CSS px by pressure (1.5 px without pressure data).
                    let r = if self.pressure { 9 * u / 10 + i64::from(p) * 12 * u / 10 / 255 } else { 3 * u / 2 };
                    (x * scale, y * scale, r * scale)
                })
                .collect();
            let segments: Vec<_> =
                if pts.len() == 1 { vec![(pts[0], pts[0])] } else { pts.windows(2).map(|w| (w[0], w[1])).collect() };
            for (a, b) in segments {
                let r = a.2.max(b.2);
                let (x0, x1) = ((a.0.min(b.0) - r - u) / u, (a.0.max(b.0) + r + u) / u + 1);
                let (y0, y1) = ((a.1.min(b.1) - r - u) / u, (a.1.max(b.1) + r + u) / u + 1);
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let len2 = i128::from(dx * dx + dy * dy);
                for py in y0.max(0)..y1.min(h) {
                    for px in x0.max(0)..x1.min(w) {
                        // Pixel centre in sub-pixel units.
                        let (cx, cy) = (px * u + u / 2, py * u + u / 2);
                        let (ax, ay) = (cx - a.0, cy - a.1);
                        let dot = i128::from(ax * dx + ay * dy);
                        let d2 = if len2 == 0 || dot <= 0 {
                            i128::from(ax * ax + ay * ay)
                        } else if dot >= len2 {
                            let (bx, by) = (cx - b.0, cy - b.1);
                            i128::from(bx * bx + by * by)
                        } else {
                            let cross = i128::from(ax * dy - ay * dx);
                            cross * cross / len2
                        };
                        let d = isqrt(d2.max(0) as u128) as i64;
                        // Full ink inside r - u/2, fading to none at r + u/2 (one output pixel).
                        let cov = ((r + u / 2 - d) * 255 / u).clamp(0, 255) as u8;
                        let i = (py * w + px) as usize;
                        if cov > mask[i] {
                            mask[i] = cov;
                        }
                    }
                }
            }
        }
        (w as u32, h as u32, mask)
    }

    /// A PNG of the signature: dark ink on transparent, `scale` pixels per CSS pixel.
    pub fn to_png(&self, scale: u32) -> Vec<u8> {
        let (w, h, mask) = self.rasterize(scale);
        let mut rgba = Vec::with_capacity(mask.len() * 4);
        for a in mask {
            rgba.extend_from_slice(&[0x10, 0x1a, 0x3a, a]);
        }
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Balanced);
        enc.set_filter(png::Filter::Sub);
        // Writing to a Vec cannot fail for a correctly sized buffer; an empty PNG would show the failure.
        if let Ok(mut writer) = enc.write_header() {
            let _ = writer.write_image_data(&rgba);
        }
        out
    }

    /// An SVG of the signature (one path per stroke).
    pub fn to_svg(&self) -> String {
        let f = |v: i64| {
            let s = format!("{:.3}", v as f64 / UNITS as f64);
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        };
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">",
            w = self.width,
            h = self.height
        );
        for s in &self.strokes {
            let avg_p = s.iter().map(|p| i64::from(p.3)).sum::<i64>() / s.len() as i64;
            let width = if self.pressure { 1.8 + avg_p as f64 * 2.4 / 255.0 } else { 3.0 };
            let mut d = String::new();
            for (i, &(x, y, _, _)) in s.iter().enumerate() {
                d.push_str(if i == 0 { "M" } else { " L" });
                d.push_str(&format!("{} {}", f(x), f(y)));
            }
            if s.len() == 1 {
                d.push_str(&format!(" L{} {}", f(s[0].0), f(s[0].1)));
            }
            svg.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"#101a3a\" stroke-width=\"{width:.2}\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>"
            ));
        }
        svg.push_str("</svg>");
        svg
    }
}

fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let mut x = (n as f64).sqrt() as u128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}
