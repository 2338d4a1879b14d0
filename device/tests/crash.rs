//! Crash safety: a child process makes acknowledged writes in a loop and is killed with SIGKILL at
//! random moments. After every kill the store opens, `PRAGMA integrity_check` is ok, every write the
//! child acknowledged is present, and the index agrees with the documents.
//!
//! This test binary is its own child: run with `SIGNOFF_CRASH_CHILD=<store>` it only writes. Kills:
//! 200 by default, `SIGNOFF_CRASH_KILLS` for more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use rand::Rng;
use signoff_core::edit::Edit;
use signoff_core::ids::OrderId;
use signoff_core::model::EventKind;
use signoff_device::Store;
use signoff_device::store::index;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD: &str = "SIGNOFF_CRASH_CHILD";

/// The child: write forever, printing each write after the store acknowledged it.
fn child(path: &str) {
    let mut s = Store::open(path).unwrap();
    let mut ids: Vec<OrderId> = s.document_ids().unwrap().into_iter().map(OrderId::new).collect();
    let mut out = std::io::stdout().lock();
    let mut rng = rand::rng();
    let run: u32 = rng.random();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    for i in 0u64.. {
        let minutes = i64::try_from(i % 100_000).unwrap_or(0);
        if ids.is_empty() || rng.random_ratio(1, 8) {
            let text = format!("新报修 {run}-{i} 卫生间漏水");
            let v = s.create_order(new_order("CH-1-201", "leak", &text), &ctx("chen", minutes)).unwrap();
            ids.push(v.order.id.clone());
            writeln!(out, "NEW {} {text}", v.order.id).unwrap();
        } else {
            let id = ids[rng.random_range(0..ids.len())].clone();
            let text = format!("记录 {run}-{i}");
            s.apply(&id, Edit::Note { text: text.clone() }, &ctx("wang", minutes)).unwrap();
            writeln!(out, "NOTE {id} {text}").unwrap();
        }
        out.flush().unwrap();
    }
}

fn verify(path: &std::path::Path, notes: &BTreeMap<String, BTreeSet<String>>, created: &BTreeSet<String>, deep: bool) {
    let mut s = Store::open(path).unwrap_or_else(|e| panic!("store does not open after a kill: {e}"));
    assert_eq!(s.integrity_check().unwrap(), "ok");
    let ids: BTreeSet<String> = s.document_ids().unwrap().into_iter().collect();
    for id in created {
        assert!(ids.contains(id), "acknowledged order {id} is missing");
    }
    for (id, texts) in notes {
        let v = s.get(&OrderId::new(id.clone()), at(0)).unwrap();
        let have: BTreeSet<&str> = v
            .order
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Note { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        for t in texts {
            assert!(have.contains(t.as_str()), "acknowledged note {t:?} on {id} is missing");
        }
    }
    if deep {
        // The index written with each change agrees with the documents.
        let mut derived: Vec<index::IndexRow> = Vec::new();
        for id in &ids {
            derived.push(index::derive(&s.get(&OrderId::new(id.clone()), at(0)).unwrap()));
        }
        let indexed: Vec<index::IndexRow> = s.materialised_view().unwrap().into_iter().map(|(r, _)| r).collect();
        assert_eq!(indexed, derived, "index and documents disagree after a kill");
    }
}

fn parent() {
    let kills: usize = std::env::var("SIGNOFF_CRASH_KILLS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let mut s = Store::init(&path, Default::default()).unwrap();
    s.import_reference(&demo_reference()).unwrap();
    drop(s);
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rng();
    let mut notes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut acknowledged = 0usize;
    let started = Instant::now();
    for round in 0..kills {
        let mut child =
            Command::new(&exe).env(CHILD, &path).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => lines.push(l),
                    Err(_) => break,
                }
            }
            lines
        });
        // Kill at a random moment: sometimes while it starts, mostly in the middle of writing.
        std::thread::sleep(Duration::from_micros(rng.random_range(500..40_000)));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(!status.success(), "the child must have been killed");
        let lines = reader.join().unwrap();
        for l in lines.iter().filter(|l| *l != "READY") {
            // A torn last line was never acknowledged in full.
            let mut parts = l.splitn(3, ' ');
            let (Some(kind), Some(id), Some(text)) = (parts.next(), parts.next(), parts.next()) else { continue };
            match kind {
                "NEW" => {
                    created.insert(id.to_owned());
                }
                "NOTE" => {
                    notes.entry(id.to_owned()).or_default().insert(text.to_owned());
                }
                _ => continue,
            }
            acknowledged += 1;
        }
        verify(&path, &notes, &created, round % 25 == 24);
    }
    verify(&path, &notes, &created, true);
    #[allow(clippy::print_stdout)]
    {
        println!(
            "crash test: {kills} kills, {acknowledged} acknowledged writes all present, {} orders, {:.1}s",
            created.len(),
            started.elapsed().as_secs_f64()
        );
    }
    assert!(acknowledged > kills, "too few writes happened between kills to prove anything");
}

fn main() {
    match std::env::var(CHILD) {
        Ok(path) => child(&path),
        Err(_) => parent(),
    }
}
