//! The photo pipeline's memory promise, measured as a phone would feel it: every file of the shared
//! test data and every decompression bomb of the same kinds we can make is run through
//! `signoff photo prepare` in a child process, and the child's peak resident memory (`ru_maxrss` from
//! `wait4`) must stay under the decoder limit plus the process's own baseline. Bombs are refused with
//! a message saying why; real photos are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The decoder limit (photo::Limits::default) plus what the CLI process itself takes.
const PEAK_LIMIT_BYTES: u64 = 256 * 1024 * 1024 + 64 * 1024 * 1024;

struct Run {
    ok: bool,
    peak: u64,
    stderr: String,
}

/// Run `signoff photo prepare FILE` and measure the child's peak RSS. The child is reaped by `wait4`
/// (which also returns its resource usage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn prepare(file: &Path) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_signoff"))
        .args(["--lang", "en", "photo", "prepare"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; pid is our own child, waited for once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Run { ok, peak: usage.ru_maxrss as u64 * 1024, stderr: reader.join().unwrap() }
}

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos").join(name)
}

/// A PNG of `width`×`height` zeros in the given colour type and depth, written row by row (a few
/// hundred KB on disk that expand to hundreds of MB or more).
fn zero_png(path: &Path, width: u32, height: u32, color: png::ColorType, depth: png::BitDepth) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    enc.set_color(color);
    enc.set_depth(depth);
    enc.set_compression(png::Compression::Fast);
    if color == png::ColorType::Indexed {
        enc.set_palette(vec![0u8, 0, 0, 255, 255, 255]);
    }
    let mut w = enc.write_header().unwrap().into_stream_writer().unwrap();
    let bits = u64::from(width) * u64::from(color.samples() as u32) * u64::from(depth as u8);
    let row = vec![0u8; bits.div_ceil(8) as usize];
    for _ in 0..height {
        std::io::Write::write_all(&mut w, &row).unwrap();
    }
    w.finish().unwrap();
}

/// A small PNG whose iCCP chunk inflates to 1 GiB of zeros.
fn icc_bomb(path: &Path) {
    let zeros = vec![0u8; 1 << 30];
    let z = miniz_oxide::deflate::compress_to_vec_zlib(&zeros, 9);
    drop(zeros);
    // A real 8×8 image, with the bomb as its colour profile.
    let mut img = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut img, 8, 8);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[128u8; 8 * 8 * 3]).unwrap();
    }
    // Profile name, its terminator, compression method 0, then the zlib stream.
    let mut body = b"bomb\0\0".to_vec();
    body.extend_from_slice(&z);
    let mut chunk = (body.len() as u32).to_be_bytes().to_vec();
    let mut crc_input = b"iCCP".to_vec();
    crc_input.extend_from_slice(&body);
    chunk.extend_from_slice(&crc_input);
    chunk.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    // Insert after IHDR (8-byte signature + 25-byte IHDR chunk).
    let mut out_png = img[..33].to_vec();
    out_png.extend_from_slice(&chunk);
    out_png.extend_from_slice(&img[33..]);
    std::fs::write(path, out_png).unwrap();
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A lossless WebP header claiming 12000×12000 RGBA (576 MB decoded), with nothing behind it.
fn webp_bomb(path: &Path) {
    let (w, h) = (12000u32 - 1, 12000u32 - 1);
    let bits: u32 = w | (h << 14) | (1 << 28);
    let mut vp8l = vec![0x2f];
    vp8l.extend_from_slice(&bits.to_le_bytes());
    vp8l.extend_from_slice(&[0u8; 64]);
    let mut riff = b"WEBP".to_vec();
    riff.extend_from_slice(b"VP8L");
    riff.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
    riff.extend_from_slice(&vp8l);
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(riff.len() as u32).to_le_bytes());
    file.extend_from_slice(&riff);
    std::fs::write(path, file).unwrap();
}

/// The Xiaomi HEIC with its image claiming the size of a Galaxy S2x Ultra's 200 MP mode.
fn heic_200mp(path: &Path) {
    let mut d = std::fs::read(shared("pypi-pillow-heif__xiaomi_gps.heic")).unwrap();
    let mut i = 0;
    while let Some(at) = d[i..].windows(4).position(|w| w == b"ispe").map(|p| p + i) {
        let dims = (
            u32::from_be_bytes(d[at + 8..at + 12].try_into().unwrap()),
            u32::from_be_bytes(d[at + 12..at + 16].try_into().unwrap()),
        );
        if dims == (2592, 1944) {
            d[at + 8..at + 12].copy_from_slice(&16320u32.to_be_bytes());
            d[at + 12..at + 16].copy_from_slice(&12240u32.to_be_bytes());
        }
        i = at + 4;
    }
    std::fs::write(path, d).unwrap();
}

#[test]
fn every_photo_and_bomb_stays_under_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let made = |name: &str| dir.path().join(name);
    // What each file must do: accepted, or refused with words saying why.
    let mut cases: Vec<(PathBuf, Result<(), &str>)> = Vec::new();
    let manifest = std::fs::read_to_string(shared("MANIFEST.tsv")).unwrap();
    for line in manifest.lines().skip(1) {
        let name = line.split('\t').next().unwrap();
        let refused =
            name.contains("bomb") || name.contains("truncated") || name.contains("dos") || name.ends_with(".gif");
        cases.push((shared(name), if refused { Err("") } else { Ok(()) }));
    }
    zero_png(&made("grey_15000.png"), 15000, 15000, png::ColorType::Grayscale, png::BitDepth::Eight);
    cases.push((made("grey_15000.png"), Err("would need about")));
    zero_png(&made("rgba16_6000.png"), 6000, 6000, png::ColorType::Rgba, png::BitDepth::Sixteen);
    cases.push((made("rgba16_6000.png"), Err("would need about")));
    zero_png(&made("palette_1bit_15000.png"), 15000, 15000, png::ColorType::Indexed, png::BitDepth::One);
    cases.push((made("palette_1bit_15000.png"), Err("would need about")));
    zero_png(&made("rgb_6000x4000.png"), 6000, 4000, png::ColorType::Rgb, png::BitDepth::Eight);
    cases.push((made("rgb_6000x4000.png"), Ok(())));
    icc_bomb(&made("icc_bomb.png"));
    cases.push((made("icc_bomb.png"), Err("decompression bomb")));
    webp_bomb(&made("lossless_12000.webp"));
    cases.push((made("lossless_12000.webp"), Err("would need about")));
    heic_200mp(&made("galaxy_200mp.heic"));
    cases.push((made("galaxy_200mp.heic"), Err("12 MP")));

    let mut report = Vec::new();
    for (file, want) in &cases {
        let run = prepare(file);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        report.push(format!("{name}: {} MiB {}", run.peak >> 20, if run.ok { "accepted" } else { "refused" }));
        assert!(run.peak <= PEAK_LIMIT_BYTES, "{name}: peak {} MiB is over the limit: {}", run.peak >> 20, run.stderr);
        match want {
            Ok(()) => assert!(run.ok, "{name} should be accepted: {}", run.stderr),
            Err(words) => {
                assert!(!run.ok, "{name} should be refused");
                assert!(run.stderr.contains(words), "{name}: {}", run.stderr);
            }
        }
    }
    println!("{}", report.join("\n"));
}
