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
use signoff_core::rules::status::Status;
use signoff_device::store::query::ListFilter;
use signoff_device::{Ctx, Source, Store};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The office's dispatcher: the edits below land on orders of every technician, which only the office
/// may record on all of them (the permission check is part of what an edit costs).
fn ctx(minutes: i64) -> Ctx {
    Ctx { source: Source::Ui, by: PersonId::new("chen"), now: fixture::now() + chrono::Duration::minutes(minutes) }
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
        let f = ListFilter { overdue: true, open_only: true, ..Default::default() };
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

    // Percentiles over 2,000 edits each: on an order the user just opened (the app's case: the job is on
    // screen), and on a random order of the 10,000 (the document is loaded from disk first).
    let mut warm = Vec::with_capacity(2000);
    let mut cold = Vec::with_capacity(2000);
    for n in 0..2000usize {
        let id = order_id((n * 104_729 + 13) % fixture::ORDERS);
        let t = Instant::now();
        store.apply(&id, Edit::Note { text: format!("冷备注{n}") }, &ctx(10_000 + n as i64)).unwrap();
        cold.push(t.elapsed());
        let id = order_id((n * 7_919 + 5) % fixture::ORDERS);
        black_box(store.get(&id, fixture::now()).unwrap());
        let t = Instant::now();
        store.apply(&id, Edit::Note { text: format!("热备注{n}") }, &ctx(20_000 + n as i64)).unwrap();
        warm.push(t.elapsed());
    }
    warm.sort();
    cold.sort();
    // The same on screen, with the mix of edits a technician makes (half of them change searchable text).
    let mut mixed = Vec::with_capacity(2000);
    for n in 0..2000usize {
        let id = order_id((n * 15_485_863 + 11) % fixture::ORDERS);
        black_box(store.get(&id, fixture::now()).unwrap());
        let edit = match n % 6 {
            0 => Edit::Note { text: format!("备注{n}") },
            1 => Edit::AddMaterial(signoff_core::edit::NewMaterial {
                name: "软管".into(),
                spec: "40cm".into(),
                quantity: signoff_core::money::Quantity(2000),
                unit: "根".into(),
                unit_price: signoff_core::money::Money(1500),
            }),
            2 => Edit::AddLabour {
                person: PersonId::new("wang"),
                minutes: 30,
                hourly_rate: signoff_core::money::Money(5000),
                note: String::new(),
            },
            3 => Edit::Contact { note: String::new(), reached: true },
            4 => Edit::EditFields { fields: vec![signoff_core::edit::FieldEdit::Findings(format!("复查{n}"))] },
            _ => Edit::AddPhoto(signoff_core::edit::NewPhoto {
                sha256: format!("{:064x}", n + 1_000_000),
                original_sha256: format!("{:064x}", n + 2_000_000),
                thumbnail_sha256: format!("{:064x}", n + 3_000_000),
                width: 2016,
                height: 1512,
                stamped: true,
                stage: signoff_core::model::PhotoStage::After,
                caption: String::new(),
                taken_at_ms: None,
                place: None,
            }),
        };
        let t = Instant::now();
        store.apply(&id, edit, &ctx(30_000 + n as i64)).unwrap();
        mixed.push(t.elapsed());
    }
    mixed.sort();
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
    // The office's board as the app asks for it (at most 500 rows), with each filter it offers, and the
    // callback queue (issue 16: ≤ 20 ms per board query, ≤ 10 ms for the callback queue).
    let board_filters: Vec<(&str, ListFilter)> = vec![
        ("open", ListFilter { open_only: true, limit: Some(500), ..Default::default() }),
        ("all", ListFilter { limit: Some(500), ..Default::default() }),
        ("status 已派工", ListFilter { statuses: vec![Status::Assigned], limit: Some(500), ..Default::default() }),
        (
            "technician wang, open",
            ListFilter { assignee: Some("wang".into()), open_only: true, limit: Some(500), ..Default::default() },
        ),
        // Every fixture order is in one (unnamed) project: the filter matches them all.
        (
            "project, open",
            ListFilter { project: Some(String::new()), open_only: true, limit: Some(500), ..Default::default() },
        ),
        ("overdue", ListFilter { overdue: true, open_only: true, limit: Some(500), ..Default::default() }),
        ("attention", ListFilter { attention: true, limit: Some(500), ..Default::default() }),
        (
            "complaints, open",
            ListFilter {
                kind: Some(signoff_core::model::OrderKind::Complaint),
                open_only: true,
                limit: Some(500),
                ..Default::default()
            },
        ),
    ];
    let mut board_worst = ("", 0.0f64, 0usize);
    for (name, f) in &board_filters {
        let t = Instant::now();
        let mut rows = 0;
        for _ in 0..20 {
            rows = black_box(store.list(f, now_ms).unwrap()).len();
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
        if ms > board_worst.1 {
            board_worst = (name, ms, rows);
        }
    }
    // The fixture's orders end in field work or closed; 2,000 of those in field work are finished now
    // so the callback queue has a realistic backlog.
    let field = ListFilter {
        statuses: vec![Status::Assigned, Status::Paused, Status::Reopened],
        limit: Some(2000),
        ..Default::default()
    };
    for o in store.list(&field, now_ms).unwrap() {
        let (id, tech) = (OrderId::new(o.row.id.clone()), o.row.assignee_id.clone().unwrap_or_default());
        let c = Ctx { by: PersonId::new(tech), ..ctx(50_000) };
        store.apply(&id, Edit::Arrive, &c).unwrap();
        store.apply(&id, Edit::Complete { findings: None, work_done: Some("更换管件".into()) }, &c).unwrap();
    }
    let (callbacks_t, callbacks_n) = {
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..50 {
            n = black_box(store.callbacks(now_ms).unwrap()).len();
        }
        (t.elapsed().as_secs_f64() * 1000.0 / 50.0, n)
    };
    let today_t = {
        let t = Instant::now();
        for _ in 0..200 {
            black_box(store.today(&me, now_ms).unwrap());
        }
        t.elapsed().as_secs_f64() * 1000.0 / 200.0
    };
    let p50 = percentile(&warm, 0.5);
    let p99 = percentile(&warm, 0.99);
    let mixed50 = percentile(&mixed, 0.5);
    let mixed99 = percentile(&mixed, 0.99);
    let cold50 = percentile(&cold, 0.5);
    let cold99 = percentile(&cold, 0.99);
    let open = percentile(&opens, 0.5);
    let ratio = stats.file_bytes as f64 / saved as f64;
    let doc_ratio = (stats.snapshot_bytes + stats.tail_bytes) as f64 / saved as f64;
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!();
    println!("signoff-device store benchmark: {} orders, today's list = {today} jobs", ids.len());
    println!("| measure | target | measured | |");
    println!("|---|---|---|---|");
    let row = |what: &str, target: &str, value: String, ok: Option<bool>| {
        println!("| {what} | {target} | {value} | {} |", ok.map_or("", verdict));
    };
    let ms = |v: f64| format!("{v:.3} ms");
    row(
        "edit + durable commit + index, order on screen, mixed edits, p50",
        "≤ 1.5 ms",
        ms(mixed50),
        Some(mixed50 <= 1.5),
    );
    row(
        "edit + durable commit + index, order on screen, mixed edits, p99",
        "≤ 5 ms",
        ms(mixed99),
        Some(mixed99 <= 5.0),
    );
    row("same, notes only (each rewrites the search text), p50", "≤ 1.5 ms", ms(p50), Some(p50 <= 1.5));
    row("same, notes only (each rewrites the search text), p99", "≤ 5 ms", ms(p99), Some(p99 <= 5.0));
    row("notes on a random order (document loaded from disk first), p50", "—", ms(cold50), None);
    row("notes on a random order (document loaded from disk first), p99", "—", ms(cold99), None);
    row("today's-jobs list", "≤ 2 ms", ms(today_t), Some(today_t <= 2.0));
    row(
        &format!(
            "office board, slowest of {} filters ({}: {} rows)",
            board_filters.len(),
            board_worst.0,
            board_worst.2
        ),
        "≤ 20 ms",
        ms(board_worst.1),
        Some(board_worst.1 <= 20.0),
    );
    row(&format!("callback queue ({callbacks_n} orders)"), "≤ 10 ms", ms(callbacks_t), Some(callbacks_t <= 10.0));
    row("trigram search 卫生间漏水", "≤ 10 ms", ms(search_t), Some(search_t <= 10.0));
    row("two-character search 漏水 (text scan)", "—", ms(short_t), None);
    row("open store + first list, median", "≤ 100 ms", ms(open), Some(open <= 100.0));
    row(
        "store file bytes per order / save() bytes",
        "≤ 1.5×",
        format!("{ratio:.2}× ({:.0} B / {:.0} B)", stats.file_bytes as f64 / n, saved as f64 / n),
        Some(ratio <= 1.5),
    );
    println!("| document bytes only (snapshot + tail) / save() | — | {doc_ratio:.2}× | |");
    let space = store.space().unwrap();
    let doc_pages: i64 = space
        .iter()
        .filter(|(t, _)| ["documents", "snapshot_pages", "snapshot_chunks", "changes"].contains(&t.as_str()))
        .map(|(_, b)| b)
        .sum();
    println!("| documents + changes pages / save() | — | {:.2}× | |", doc_pages as f64 / saved as f64);
    println!();
    println!(
        "space by table: {}",
        space.iter().take(12).map(|(t, b)| format!("{t} {:.0} B/order", *b as f64 / n)).collect::<Vec<_>>().join(", ")
    );
    c.final_summary();
}
