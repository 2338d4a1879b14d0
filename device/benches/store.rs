//! Store benchmarks on 10,000 realistic work orders (`cargo bench -p signoff-device`).
//!
//! Targets (issue 2): edit + durable commit + index update p50 ≤ 1.5 ms, p99 ≤ 5 ms; today's-jobs list
//! ≤ 2 ms; trigram search ≤ 10 ms; open the store and produce the first list ≤ 100 ms; store bytes per
//! order ≤ 1.5× Automerge `save()` size. Criterion measures the timings; a percentile pass over 2,000
//! durable edits and a size report follow, printed as a table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "support/fixture.rs"]
mod fixture;

use criterion::Criterion;
use signoff_core::edit::Edit;
use signoff_core::ids::{OrderId, PersonId};
use signoff_device::{Ctx, Source, Store};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn ctx(minutes: i64) -> Ctx {
    Ctx { source: Source::Ui, by: PersonId::new("wang"), now: fixture::now() + chrono::Duration::minutes(minutes) }
}

fn order_id(i: usize) -> OrderId {
    OrderId::new(format!("00000000-0000-4000-8000-{i:012}"))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture::store_copy(dir.path());
    let now_ms = fixture::now().timestamp_millis();
    let me = PersonId::new("wang");
    let mut c = Criterion::default().configure_from_args().sample_size(50).measurement_time(Duration::from_secs(4));

    c.bench_function("open store + first list (today's jobs)", |b| {
        b.iter(|| {
            let s = Store::open(&path).unwrap();
            black_box(s.today(&me, now_ms).unwrap().len())
        })
    });
    let mut store = Store::open(&path).unwrap();
    let today = store.today(&me, now_ms).unwrap().len();
    c.bench_function("today's jobs list", |b| b.iter(|| black_box(store.today(&me, now_ms).unwrap().len())));
    c.bench_function("overdue board (all open, overdue)", |b| {
        let f = signoff_device::store::query::ListFilter { overdue: true, open_only: true, ..Default::default() };
        b.iter(|| black_box(store.list(&f, now_ms).unwrap().len()))
    });
    c.bench_function("trigram search 卫生间漏水", |b| {
        b.iter(|| black_box(store.search("卫生间漏水", 50, now_ms).unwrap().len()))
    });
    c.bench_function("short search 漏水 (substring scan)", |b| {
        b.iter(|| black_box(store.search("漏水", 50, now_ms).unwrap().len()))
    });
    c.bench_function("search by number BENCH1-09997", |b| {
        b.iter(|| black_box(store.search("BENCH1-09997", 50, now_ms).unwrap().len()))
    });
    let mut k = 0usize;
    c.bench_function("edit + durable commit + index update", |b| {
        b.iter(|| {
            k += 1;
            let id = order_id((k * 7919) % fixture::ORDERS);
            black_box(store.apply(&id, Edit::Note { text: format!("基准备注{k}") }, &ctx(k as i64)).unwrap());
        })
    });

    // Percentiles over 2,000 edits on random orders (cold and warm cache mixed, as in real use).
    let mut times = Vec::with_capacity(2000);
    for n in 0..2000usize {
        let id = order_id((n * 104_729 + 13) % fixture::ORDERS);
        let t = Instant::now();
        store.apply(&id, Edit::Note { text: format!("百分位备注{n}") }, &ctx(10_000 + n as i64)).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let mut opens = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let s = Store::open(&path).unwrap();
        black_box(s.today(&me, now_ms).unwrap());
        opens.push(t.elapsed());
    }
    opens.sort();

    // Sizes: the whole file against the sum of Automerge save() sizes.
    let stats = store.stats(now_ms).unwrap();
    let ids = store.document_ids().unwrap();
    let mut saved = 0usize;
    for id in &ids {
        saved += store.document_bytes(id).unwrap().len();
    }
    let n = ids.len() as f64;
    let search_t = {
        let t = Instant::now();
        for _ in 0..50 {
            black_box(store.search("卫生间漏水", 50, now_ms).unwrap());
        }
        t.elapsed().as_secs_f64() * 1000.0 / 50.0
    };
    let short_t = {
        let t = Instant::now();
        for _ in 0..50 {
            black_box(store.search("漏水", 50, now_ms).unwrap());
        }
        t.elapsed().as_secs_f64() * 1000.0 / 50.0
    };
    let today_t = {
        let t = Instant::now();
        for _ in 0..200 {
            black_box(store.today(&me, now_ms).unwrap());
        }
        t.elapsed().as_secs_f64() * 1000.0 / 200.0
    };
    let p50 = percentile(&times, 0.5);
    let p99 = percentile(&times, 0.99);
    let open = percentile(&opens, 0.5);
    let ratio = stats.file_bytes as f64 / saved as f64;
    let doc_ratio = (stats.snapshot_bytes + stats.tail_bytes) as f64 / saved as f64;
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!();
    println!("signoff-device store benchmark: {} orders, today's list = {today} jobs", ids.len());
    println!("| measure | target | measured | |");
    println!("|---|---|---|---|");
    println!("| edit + durable commit + index, p50 | ≤ 1.5 ms | {p50:.3} ms | {} |", verdict(p50 <= 1.5));
    println!("| edit + durable commit + index, p99 | ≤ 5 ms | {p99:.3} ms | {} |", verdict(p99 <= 5.0));
    println!("| today's-jobs list | ≤ 2 ms | {today_t:.3} ms | {} |", verdict(today_t <= 2.0));
    println!("| trigram search 卫生间漏水 | ≤ 10 ms | {search_t:.3} ms | {} |", verdict(search_t <= 10.0));
    println!("| short search 漏水 (scan) | ≤ 10 ms | {short_t:.3} ms | {} |", verdict(short_t <= 10.0));
    println!("| open store + first list, median | ≤ 100 ms | {open:.2} ms | {} |", verdict(open <= 100.0));
    println!(
        "| store bytes per order / save() bytes | ≤ 1.5× | {ratio:.2}× ({:.0} B / {:.0} B) | {} |",
        stats.file_bytes as f64 / n,
        saved as f64 / n,
        verdict(ratio <= 1.5)
    );
    println!("| document bytes only (snapshot + tail) / save() | — | {doc_ratio:.2}× | |");
    c.final_summary();
}
