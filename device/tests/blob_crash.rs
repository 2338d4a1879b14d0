//! A crash while writing a blob never leaves a partial blob visible: a child process writes random
//! blobs of 1–6 MB and is killed with SIGKILL at random moments. Afterwards every blob file present
//! hashes to its name, every blob the child acknowledged is there, and stray temp files are gone once
//! the store is opened. `SIGNOFF_BLOB_KILLS` sets the number of kills (40 by default).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::{Rng, RngCore};
use signoff_device::blobs::BlobStore;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD: &str = "SIGNOFF_BLOB_CHILD";

fn child(root: &str) {
    let store = BlobStore::open(root).unwrap();
    let mut out = std::io::stdout().lock();
    let mut rng = rand::rng();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    loop {
        // Cheap to make (so kills land while writing, not while generating) and unique per blob.
        let mut bytes = vec![rng.random::<u8>(); rng.random_range(1..6) << 20];
        rng.fill_bytes(&mut bytes[..32]);
        let (sha, _) = store.put(&bytes).unwrap();
        writeln!(out, "ACK {sha}").unwrap();
        out.flush().unwrap();
    }
}

fn parent() {
    let kills: usize = std::env::var("SIGNOFF_BLOB_KILLS").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rng();
    let mut acked = BTreeSet::new();
    let mut interrupted = 0;
    for _ in 0..kills {
        let mut c = Command::new(&exe).env(CHILD, &root).stdout(Stdio::piped()).spawn().unwrap();
        let stdout = c.stdout.take().unwrap();
        let reader =
            std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());
        std::thread::sleep(Duration::from_millis(rng.random_range(5..120)));
        c.kill().unwrap();
        c.wait().unwrap();
        for line in reader.join().unwrap() {
            if let Some(sha) = line.strip_prefix("ACK ") {
                acked.insert(sha.to_owned());
            }
        }
        // Before opening (which cleans up): a kill mid-write leaves a temp file, never a final one.
        let tmp = std::fs::read_dir(root.join("tmp")).map(|d| d.count()).unwrap_or(0);
        interrupted += usize::from(tmp > 0);
        let store = BlobStore::open(&root).unwrap();
        assert_eq!(std::fs::read_dir(root.join("tmp")).unwrap().count(), 0, "temp files are removed at open");
        let present = store.list().unwrap();
        for (sha, _) in &present {
            assert!(store.verify(sha).unwrap(), "blob {sha} is partial or damaged");
        }
        let names: BTreeSet<&str> = present.iter().map(|(s, _)| s.as_str()).collect();
        for sha in &acked {
            assert!(names.contains(sha.as_str()), "acknowledged blob {sha} is missing");
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "blob crash test: {kills} kills, {interrupted} mid-write, {} acknowledged blobs all intact",
            acked.len()
        );
    }
    assert!(interrupted > 0, "no kill landed during a write; the test proved nothing");
}

fn main() {
    match std::env::var(CHILD) {
        Ok(root) => child(&root),
        Err(_) => parent(),
    }
}
