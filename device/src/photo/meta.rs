//! EXIF: capture time (with its offset), GPS position, orientation, make and model. Malformed EXIF
//! never fails a photo; the fields are just absent.

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use exif::{Exif, In, Tag, Value};
use serde::Serialize;
use signoff_core::model::GeoPoint;

/// What the camera recorded about a photo.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PhotoMeta {
    /// Capture time as an instant, when the camera recorded a time zone offset (OffsetTimeOriginal).
    pub taken_at_ms: Option<i64>,
    /// Capture time as the camera's local wall clock (`YYYY-MM-DD HH:MM:SS`), offset or not.
    pub taken_local: Option<String>,
    /// The offset, e.g. `+08:00`, if recorded.
    pub offset: Option<String>,
    /// GPS position.
    pub gps: Option<GeoPoint>,
    /// EXIF orientation 1–8 (1 when absent).
    pub orientation: u16,
    /// Camera make.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
}

impl PhotoMeta {
    /// The capture instant: the recorded one, or the local time read in `fallback_tz` (phones that
    /// write no offset are almost always in the organisation's zone).
    pub fn taken_at_or(&self, fallback_tz: FixedOffset) -> Option<i64> {
        self.taken_at_ms.or_else(|| {
            let local = NaiveDateTime::parse_from_str(self.taken_local.as_deref()?, "%Y-%m-%d %H:%M:%S").ok()?;
            fallback_tz.from_local_datetime(&local).single().map(|t| t.timestamp_millis())
        })
    }
}

fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    let f = exif.get_field(tag, In::PRIMARY)?;
    match &f.value {
        Value::Ascii(parts) => {
            let s: String = parts
                .iter()
                .flat_map(|p| p.iter())
                .map(|&b| b as char)
                .collect::<String>()
                .trim_matches(char::from(0))
                .trim()
                .to_owned();
            (!s.is_empty()).then_some(s)
        }
        _ => None,
    }
}

fn degrees(exif: &Exif, tag: Tag, reference: Tag, negative: u8) -> Option<f64> {
    let f = exif.get_field(tag, In::PRIMARY)?;
    let Value::Rational(parts) = &f.value else { return None };
    let part = |i: usize| parts.get(i).filter(|r| r.denom != 0).map(|r| r.to_f64());
    let value = part(0)? + part(1).unwrap_or(0.0) / 60.0 + part(2).unwrap_or(0.0) / 3600.0;
    let sign = match exif.get_field(reference, In::PRIMARY).map(|f| &f.value) {
        Some(Value::Ascii(r)) if r.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
        _ => 1.0,
    };
    value.is_finite().then_some(sign * value)
}

/// Read the fields the work order keeps from parsed EXIF.
pub(crate) fn from_exif(exif: &Exif) -> PhotoMeta {
    let orientation = exif
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1);
    let taken_local = ascii(exif, Tag::DateTimeOriginal)
        .or_else(|| ascii(exif, Tag::DateTime))
        .and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y:%m:%d %H:%M:%S").ok())
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string());
    let offset = ascii(exif, Tag::OffsetTimeOriginal).or_else(|| ascii(exif, Tag::OffsetTime));
    let taken_at_ms = match (&taken_local, &offset) {
        (Some(local), Some(off)) => {
            chrono::DateTime::parse_from_str(&format!("{local} {off}"), "%Y-%m-%d %H:%M:%S %:z")
                .ok()
                .map(|t| t.timestamp_millis())
        }
        _ => None,
    };
    let gps = match (
        degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S'),
        degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W'),
    ) {
        (Some(lat), Some(lon)) if lat.abs() <= 90.0 && lon.abs() <= 180.0 && (lat, lon) != (0.0, 0.0) => {
            let accuracy_m = exif.get_field(Tag::GPSHPositioningError, In::PRIMARY).and_then(|f| match &f.value {
                Value::Rational(r) => r.first().filter(|r| r.denom != 0).map(|r| r.to_f64()),
                _ => None,
            });
            Some(GeoPoint { lat, lon, accuracy_m })
        }
        _ => None,
    };
    PhotoMeta {
        taken_at_ms,
        taken_local,
        offset,
        gps,
        orientation,
        make: ascii(exif, Tag::Make),
        model: ascii(exif, Tag::Model),
    }
}

/// EXIF from a whole file (JPEG, HEIF, PNG, WebP containers); absent or malformed → defaults.
pub(crate) fn from_container(data: &[u8]) -> PhotoMeta {
    let mut cursor = std::io::Cursor::new(data);
    match exif::Reader::new().read_from_container(&mut cursor) {
        Ok(exif) => from_exif(&exif),
        Err(_) => PhotoMeta { orientation: 1, ..PhotoMeta::default() },
    }
}

/// EXIF from a raw TIFF block (as PNG's eXIf chunk, WebP's EXIF chunk or HEIF's Exif item hold it).
pub(crate) fn from_raw(tiff: &[u8]) -> PhotoMeta {
    // HEIF Exif items and some writers prefix the TIFF header with "Exif\0\0".
    let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
    match exif::Reader::new().read_raw(tiff.to_vec()) {
        Ok(exif) => from_exif(&exif),
        Err(_) => PhotoMeta { orientation: 1, ..PhotoMeta::default() },
    }
}
