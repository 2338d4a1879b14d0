//! Photo ingest against libvips (`cargo bench -p signoff-device --bench photo`; needs `vipsthumbnail`
//! from Debian's libvips-tools: `scripts/setup-debian --bench`).
//!
//! One process per measured run, like a CLI call: `signoff photo prepare FILE --out DIR` (decode once,
//! evidence + thumbnail, all hashes) against `vipsthumbnail -s 2048` plus `vipsthumbnail -s 320` (both
//! `[Q=82,strip]`), alternating in the same run, 7 pairs per image. Reports median wall time, the ratio,
//! and peak RSS (from `wait4`). Images: the 12 MP phone JPEG from the shared test data, and a 24 MP
//! baseline and an 18 MP progressive JPEG made from it with vips.
//!
//! Targets (issue 3): ≤ 0.35× vips on the 12 MP phone JPEG, ≤ 0.5× on a progressive JPEG, peak RSS
//! ≤ 64 MB on baseline JPEGs up to 24 MP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
// wait4() for the child's peak RSS.
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Run a command; its wall time and peak RSS in KiB. `wait4` reaps the child (clippy cannot see that).
#[allow(clippy::zombie_processes)]
fn run(cmd: &mut Command) -> (Duration, i64) {
    let start = Instant::now();
    let child = cmd.stdout(std::process::Stdio::null()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed");
    (wall, usage.ru_maxrss)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn make(dir: &Path, src: &Path, name: &str, scale: &str, opts: &str) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("vips")
        .arg("resize")
        .arg(src)
        .arg(format!("{}[{opts}]", out.display()))
        .arg(scale)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn main() {
    if Command::new("vipsthumbnail").arg("--version").output().is_err() {
        println!("vipsthumbnail not found: run scripts/setup-debian --bench");
        return;
    }
    let signoff = env!("CARGO_BIN_EXE_signoff");
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos/derived__iphone8plus_arrow_orient6_12mp.jpg");
    let images = [
        ("12 MP phone JPEG (4032×3024, baseline, orientation 6)", src.clone()),
        ("24 MP baseline JPEG (5702×4276)", make(dir.path(), &src, "24mp.jpg", "1.41421", "Q=90")),
        ("18 MP progressive JPEG (4938×3703)", make(dir.path(), &src, "prog18.jpg", "1.2247", "Q=90,interlace")),
    ];
    let out = dir.path().join("out");
    println!("| image | signoff median | vips (2048 + 320) median | ratio | peak RSS signoff / vips |");
    println!("|---|---|---|---|---|");
    for (label, file) in &images {
        let (mut ours, mut theirs, mut our_rss, mut their_rss) = (Vec::new(), Vec::new(), 0, 0);
        for _ in 0..7 {
            let (t, rss) = run(Command::new(signoff).args(["photo", "prepare"]).arg(file).arg("--out").arg(&out));
            ours.push(t);
            our_rss = our_rss.max(rss);
            let mut pair = Duration::ZERO;
            for size in ["2048", "320"] {
                let dest = format!("{}/vips-{size}.jpg[Q=82,strip]", out.display());
                let (t, rss) = run(Command::new("vipsthumbnail").arg(file).args(["-s", size, "-o", &dest]));
                pair += t;
                their_rss = their_rss.max(rss);
            }
            theirs.push(pair);
        }
        let (o, v) = (median(ours), median(theirs));
        println!(
            "| {label} | {:.0} ms | {:.0} ms | {:.2}× | {:.0} / {:.0} MiB |",
            o.as_secs_f64() * 1e3,
            v.as_secs_f64() * 1e3,
            o.as_secs_f64() / v.as_secs_f64(),
            our_rss as f64 / 1024.0,
            their_rss as f64 / 1024.0
        );
    }
    // How fast hostile files are refused, in a process of their own like any CLI call.
    for name in [
        "generated__bomb_40000x40000_1bit.png",
        "generated__bomb_jpeg_sof_65500x65500.jpg",
        "pypi-pillow__png_ztxt_decompression_dos.png",
    ] {
        let f = src.with_file_name(name);
        let start = Instant::now();
        let status = Command::new(signoff)
            .args(["photo", "prepare"])
            .arg(&f)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        println!(
            "refused {name}: exit {:?} in {:.1} ms (whole process)",
            status.code(),
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
