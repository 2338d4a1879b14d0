//! The device's trust promises, tried as an attacker and as an unlucky user would, through the CLI as
//! a child process against real store files:
//! - a sign-off counts only when its statement verifies: statements re-signed with another key, or
//!   whose rating, opinion or strokes were edited in the stored bytes, never count — not in the status,
//!   the sign-off progress, `verify` (exit 5), the ledger or the lists — and are flagged;
//! - a document that does not load whole is quarantined, never silently truncated: a flipped byte in a
//!   snapshot page, a snapshot chunk or a change record of a signed order sets it aside, and it stays
//!   listed by its number with a warning;
//! - unbounded and unchecked input is refused with a clear message in one language.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use common::*;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use signoff_core::edit::{Edit, NewMaterial};
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::model::Assignee;
use signoff_core::signoff::SignerRole;
use std::path::Path;
use std::process::{Command, Output};

fn cli(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signoff"))
        .arg("--store")
        .arg(store)
        .args(["--now", "2026-11-17 10:00"])
        .args(args)
        .env_remove("SIGNOFF_LANG")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An order assigned to wang, worked and completed, signed by the owner on wang's device.
fn signed_order(t: &mut TestStore) -> OrderId {
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    t.store
        .apply(
            &id,
            Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() },
            &ctx("chen", 1),
        )
        .unwrap();
    for (e, m) in [
        (Edit::Arrive, 30),
        (
            Edit::AddMaterial(NewMaterial {
                name: "防水涂料".into(),
                spec: "JS".into(),
                quantity: "1.5".parse().unwrap(),
                unit: "桶".into(),
                unit_price: "120".parse().unwrap(),
            }),
            40,
        ),
        (Edit::Complete { findings: Some("防水层破损".into()), work_done: Some("重做防水".into()) }, 90),
    ] {
        t.store.apply(&id, e, &ctx("wang", m)).unwrap();
    }
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 95).unwrap();
    id
}

/// Replace a document's stored bytes with `bytes` (a whole save), as a hand-edited file would be.
fn store_whole(path: &Path, id: &OrderId, bytes: &[u8]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rowid: i64 = conn.query_row("SELECT rowid FROM documents WHERE id = ?1", [id.as_str()], |r| r.get(0)).unwrap();
    conn.execute("DELETE FROM snapshot_pages WHERE id BETWEEN ?1 AND ?2", [rowid << 20, (rowid << 20) | 0xFFFFF])
        .unwrap();
    conn.execute("DELETE FROM snapshot_chunks WHERE doc = ?1", [rowid]).unwrap();
    conn.execute("DELETE FROM changes WHERE doc = ?1", [rowid]).unwrap();
    for (n, chunk) in bytes.chunks(960).enumerate() {
        conn.execute(
            "INSERT INTO snapshot_chunks(doc, n, bytes) VALUES (?1, ?2, ?3)",
            rusqlite::params![rowid, n as i64, chunk],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE documents SET snapshot_len = ?2 WHERE rowid = ?1",
        rusqlite::params![rowid, bytes.len() as i64],
    )
    .unwrap();
}

/// The statements map entry of the only statement, and the document.
fn with_statement(t: &mut TestStore, id: &OrderId, f: impl FnOnce(&mut AutoCommit, &automerge::ObjId)) -> Vec<u8> {
    let mut doc = AutoCommit::load(&t.store.document_bytes(id.as_str()).unwrap()).unwrap();
    let (_, statements) = doc.get(ROOT, "statements").unwrap().unwrap();
    let stmt = doc.map_range(&statements, ..).next().map(|i| i.id()).unwrap();
    f(&mut doc, &stmt);
    doc.commit();
    doc.save()
}

/// A completed order whose only sign-off claims to come from this device but is signed with another
/// key: the statement is well-formed and its id is its hash, only the key is wrong.
fn forged_by_stranger(t: &mut TestStore) -> Vec<u8> {
    let id = create(&mut t.store, "CH-2-501", "plumbing", "厨房下水道堵塞", 100);
    t.store
        .apply(
            &id,
            Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() },
            &ctx("chen", 101),
        )
        .unwrap();
    t.store.apply(&id, Edit::Arrive, &ctx("wang", 102)).unwrap();
    t.store.apply(&id, Edit::Complete { findings: None, work_done: Some("疏通".into()) }, &ctx("wang", 103)).unwrap();
    let mut doc = AutoCommit::load(&t.store.document_bytes(id.as_str()).unwrap()).unwrap();
    let order = signoff_core::doc::read(&doc).unwrap();
    let mut heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    heads.sort();
    let strokes = signature().encode();
    let statement = signoff_core::signoff::Statement {
        version: signoff_core::signoff::STATEMENT_VERSION,
        kind: signoff_core::signoff::StatementKind::Signoff,
        order: order.id.to_string(),
        provisional_no: order.provisional_no.clone(),
        official_no: None,
        heads,
        summary: signoff_core::signoff::summary_of(&order),
        signer: signoff_core::signoff::Signatory { name: "王女士".into(), role: SignerRole::Owner },
        rating: Some(1),
        opinion: "不满意".into(),
        strokes_sha256: signoff_core::signoff::sha256_hex(&strokes),
        signed_at_ms: at(104).timestamp_millis(),
        hlc: "0".into(),
        place: None,
        device: t.store.device().id().to_string(),
    };
    let stranger = SigningKey::from_bytes(&[7u8; 32]);
    let signed = signoff_core::signoff::SignedStatement::sign(&statement, strokes, &stranger).unwrap();
    let fold = signoff_core::rules::status::fold(&order.events, &Default::default());
    let header = signoff_core::doc::EventHeader {
        hlc: signoff_core::hlc::Hlc::new(at(104).timestamp_millis(), 0),
        device: t.store.device().id(),
        by: PersonId::new("wang"),
        at_ms: at(104).timestamp_millis(),
        prev: fold.head.clone(),
    };
    signoff_core::edit::apply(&mut doc, &order, &fold, &header, &Edit::SignOff { statement: signed }).unwrap();
    doc.commit();
    doc.save()
}

fn canonical(doc: &AutoCommit, stmt: &automerge::ObjId) -> String {
    match doc.get(stmt, "canonical").unwrap().unwrap().0 {
        automerge::Value::Scalar(s) => match s.as_ref() {
            automerge::ScalarValue::Str(s) => s.to_string(),
            other => panic!("canonical is {other:?}"),
        },
        other => panic!("canonical is {other:?}"),
    }
}

#[test]
fn a_signature_counts_only_when_it_verifies() {
    type Tamper = Box<dyn Fn(&mut AutoCommit, &automerge::ObjId)>;
    let edits: Vec<(&str, Tamper)> = vec![
        (
            "rating edited",
            Box::new(|doc, s| {
                let c = canonical(doc, s).replace("\"rating\":5", "\"rating\":1");
                doc.put(s, "canonical", c).unwrap();
            }),
        ),
        (
            "opinion edited",
            Box::new(|doc, s| {
                let c = canonical(doc, s).replace("维修及时,满意", "不满意,要求赔偿");
                doc.put(s, "canonical", c).unwrap();
            }),
        ),
        (
            "strokes replaced",
            Box::new(|doc, s| {
                doc.put(
                    s,
                    "strokes",
                    automerge::ScalarValue::Bytes(
                        signoff_core::signoff::strokes::Signature::from_strokes(
                            &[signoff_core::signoff::strokes::Stroke {
                                points: vec![
                                    signoff_core::signoff::strokes::Point { x: 1.0, y: 1.0, time: 0.0, pressure: None },
                                    signoff_core::signoff::strokes::Point {
                                        x: 90.0,
                                        y: 40.0,
                                        time: 16.0,
                                        pressure: None,
                                    },
                                ],
                            }],
                            Some((360, 160)),
                        )
                        .unwrap()
                        .encode(),
                    ),
                )
                .unwrap();
            }),
        ),
        ("re-signed with another key", Box::new(|_, _| {})),
    ];
    for (what, tamper) in edits {
        let mut t = store("wang");
        let id = signed_order(&mut t);
        let no = t.store.get(&id, at(100)).unwrap().order.display_no().to_owned();
        let ok = cli(&t.path(), &["--json", "verify", &no]);
        assert_eq!(ok.status.code(), Some(0), "{what}: genuine first: {}", stderr(&ok));
        let forged = if what == "re-signed with another key" {
            forged_by_stranger(&mut t)
        } else {
            with_statement(&mut t, &id, |doc, s| tamper(doc, s))
        };
        let (id, no) = if what == "re-signed with another key" {
            let order = signoff_core::doc::read(&AutoCommit::load(&forged).unwrap()).unwrap();
            (order.id.clone(), order.display_no().to_owned())
        } else {
            (id, no)
        };
        let path = t.path();
        drop(std::mem::replace(
            &mut t.store,
            signoff_device::Store::init(t.dir.path().join("x.db"), Default::default()).unwrap(),
        ));
        store_whole(&path, &id, &forged);
        assert_eq!(cli(&path, &["rebuild-index"]).status.code(), Some(0));

        let out = cli(&path, &["--json", "verify", &no]);
        assert_eq!(out.status.code(), Some(5), "{what}: verify fails: {}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["statements"][0]["counted"], false, "{what}");
        assert_ne!(v["statements"][0]["verdict"]["verdict"], "valid", "{what}");
        assert_eq!(v["progress"]["missing"][0], "owner", "{what}: the owner has not signed");
        assert!(stderr(&out).contains("没有通过验证"), "{what}: {}", stderr(&out));
        let shown: Value = serde_json::from_str(&stdout(&cli(&path, &["--json", "show", &no]))).unwrap();
        assert_eq!(shown["order"]["status"], "completed", "{what}: the status fold does not count it");
        assert!(
            shown["order"]["attention"].as_array().unwrap().iter().any(|a| a["type"] == "unverified_signoff"),
            "{what}: flagged for attention"
        );
        let table = stdout(&cli(&path, &["show", &no]));
        assert!(table.contains("签认不计入"), "{what}: {table}");
        let attention: Value = serde_json::from_str(&stdout(&cli(&path, &["--json", "list", "--attention"]))).unwrap();
        assert!(attention.as_array().unwrap().iter().any(|r| r["id"] == id.as_str()), "{what}: on the attention list");
        let ledger = t.dir.path().join("ledger.csv");
        assert_eq!(cli(&path, &["export", "--csv", "--out", ledger.to_str().unwrap()]).status.code(), Some(0));
        let csv = std::fs::read_to_string(&ledger).unwrap();
        let row = csv.lines().find(|l| l.contains(no.as_str())).unwrap();
        assert!(!row.contains("已签认"), "{what}: the ledger does not call it signed: {row}");
        assert!(row.contains("待验收"), "{what}: {row}");
    }
}

#[test]
fn a_later_edit_shows_as_changed_after_signoff_by_field_name() {
    let mut t = store("wang");
    let id = signed_order(&mut t);
    let items = t.store.get(&id, at(100)).unwrap().order.materials;
    t.store.apply(&id, Edit::RemoveMaterial { item: items[0].id.clone() }, &ctx("chen", 120)).unwrap();
    let v = t.store.get(&id, at(121)).unwrap();
    assert!(v.needs_attention());
    let changed = v.attention.iter().find_map(|a| match a {
        signoff_core::rules::status::Attention::ChangedAfterSignoff { fields, .. } => Some(fields.clone()),
        _ => None,
    });
    let fields = changed.expect("changed after sign-off is flagged");
    assert_eq!(fields[0].label.zh, "材料“防水涂料”");
    assert_eq!(fields[0].label.en, "material \"防水涂料\"");
    let no = v.order.display_no().to_owned();
    let path = t.path();
    let out = cli(&path, &["--lang", "en", "show", &no]);
    let shown = stdout(&out);
    assert!(
        shown.contains("changed after sign-off")
            && shown.contains("material \"防水涂料\": 防水涂料 JS × 1.5 桶 @120.00 → (none)"),
        "{shown}"
    );
    assert!(!shown.contains("materials["), "no internal keys: {shown}");
    assert_eq!(cli(&path, &["verify", &no]).status.code(), Some(6));
}

/// Flip one byte in the middle of a stored part of a document.
fn damage(path: &Path, sql_select: &str, sql_update: &str, id: &OrderId) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rowid: i64 = conn.query_row("SELECT rowid FROM documents WHERE id = ?1", [id.as_str()], |r| r.get(0)).unwrap();
    let (key, mut bytes): (i64, Vec<u8>) = conn.query_row(sql_select, [rowid], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    conn.execute(sql_update, rusqlite::params![key, bytes]).unwrap();
}

#[test]
fn a_damaged_part_of_a_signed_order_quarantines_it_and_it_stays_listed() {
    let parts = [
        (
            "snapshot page",
            "SELECT id, bytes FROM snapshot_pages WHERE id >> 20 = ?1 ORDER BY id LIMIT 1",
            "UPDATE snapshot_pages SET bytes = ?2 WHERE id = ?1",
        ),
        (
            "snapshot chunk",
            "SELECT n, bytes FROM snapshot_chunks WHERE doc = ?1 ORDER BY n LIMIT 1",
            "UPDATE snapshot_chunks SET bytes = ?2 WHERE doc = (SELECT doc FROM snapshot_chunks LIMIT 1) AND n = ?1",
        ),
        (
            "change record",
            "SELECT seq, bytes FROM changes WHERE doc = ?1 ORDER BY seq DESC LIMIT 1",
            "UPDATE changes SET bytes = ?2 WHERE seq = ?1",
        ),
    ];
    for (part, select, update) in parts {
        let mut t = store("wang");
        let id = signed_order(&mut t);
        let other = create(&mut t.store, "CH-2-501", "plumbing", "厨房下水道堵塞", 100);
        // Enough notes (text that does not compress) to give the snapshot whole pages, then one more
        // change in the tail.
        let mut seed = 12345u32;
        for i in 0..60 {
            let text: String = (0..60)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    char::from_u32(0x4e00 + (seed >> 8) % 0x5000).unwrap()
                })
                .collect();
            t.store.apply(&id, Edit::Note { text }, &ctx("wang", 101 + i)).unwrap();
        }
        t.store.apply(&id, Edit::Note { text: "最后一条".into() }, &ctx("wang", 150)).unwrap();
        let no = t.store.get(&id, at(151)).unwrap().order.display_no().to_owned();
        let path = t.path();
        let stats: Value = serde_json::from_str(&stdout(&cli(&path, &["--json", "stats"]))).unwrap();
        assert!(stats["tail_changes"].as_i64().unwrap() > 0, "{part}: the order has changes in its tail");
        drop(std::mem::replace(
            &mut t.store,
            signoff_device::Store::init(t.dir.path().join("x.db"), Default::default()).unwrap(),
        ));
        let conn = rusqlite::Connection::open(&path).unwrap();
        let pages: i64 = conn.query_row("SELECT count(*) FROM snapshot_pages", [], |r| r.get(0)).unwrap();
        assert!(pages > 0, "{part}: the snapshot has whole pages");
        drop(conn);
        if part == "snapshot chunk" {
            let conn = rusqlite::Connection::open(&path).unwrap();
            let rowid: i64 =
                conn.query_row("SELECT rowid FROM documents WHERE id = ?1", [id.as_str()], |r| r.get(0)).unwrap();
            let (n, mut bytes): (i64, Vec<u8>) = conn
                .query_row("SELECT n, bytes FROM snapshot_chunks WHERE doc = ?1 ORDER BY n LIMIT 1", [rowid], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x5a;
            conn.execute(
                "UPDATE snapshot_chunks SET bytes = ?3 WHERE doc = ?1 AND n = ?2",
                rusqlite::params![rowid, n, bytes],
            )
            .unwrap();
        } else if part == "change record" {
            let conn = rusqlite::Connection::open(&path).unwrap();
            let rowid: i64 =
                conn.query_row("SELECT rowid FROM documents WHERE id = ?1", [id.as_str()], |r| r.get(0)).unwrap();
            let (seq, mut bytes): (i64, Vec<u8>) = conn
                .query_row("SELECT seq, bytes FROM changes WHERE doc = ?1 ORDER BY seq DESC LIMIT 1", [rowid], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x5a;
            conn.execute(
                "UPDATE changes SET bytes = ?3 WHERE doc = ?1 AND seq = ?2",
                rusqlite::params![rowid, seq, bytes],
            )
            .unwrap();
        } else {
            damage(&path, select, update, &id);
        }

        // Reading it fails loudly, naming the order by its number; nothing is half-read.
        let out = cli(&path, &["show", &no]);
        assert_eq!(out.status.code(), Some(1), "{part}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("工单 {no} 的数据已损坏")), "{part}: {}", stderr(&out));
        // It stays in every list, by its number, flagged; the other order is untouched.
        let listed: Value = serde_json::from_str(&stdout(&cli(&path, &["--json", "list"]))).unwrap();
        let rows = listed.as_array().unwrap();
        assert_eq!(rows.len(), 2, "{part}: never dropped from lists");
        let row = rows.iter().find(|r| r["id"] == id.as_str()).unwrap();
        assert_eq!(row["damaged"], true, "{part}");
        let table = stdout(&cli(&path, &["list"]));
        assert!(table.contains(&no) && table.contains("数据损坏"), "{part}: {table}");
        assert_eq!(cli(&path, &["rebuild-index"]).status.code(), Some(0));
        let listed: Value = serde_json::from_str(&stdout(&cli(&path, &["--json", "list"]))).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 2, "{part}: still listed after a rebuild");
        let status = stdout(&cli(&path, &["status"]));
        assert!(status.contains(&no) && status.contains("下次同步时会从服务器恢复"), "{part}: {status}");
        let ledger = t.dir.path().join("l.csv");
        cli(&path, &["export", "--csv", "--out", ledger.to_str().unwrap()]);
        assert!(std::fs::read_to_string(&ledger).unwrap().contains("数据损坏"), "{part}: in the ledger too");
        let shown = cli(&path, &["show", other.as_str()]);
        assert_eq!(shown.status.code(), Some(0), "{part}: other orders keep working");
    }
}

#[test]
fn unbounded_and_unchecked_input_is_refused_in_one_language() {
    let mut t = store("chen");
    let id = signed_order(&mut t);
    let no = t.store.get(&id, at(100)).unwrap().order.display_no().to_owned();
    let fresh = create(&mut t.store, "CH-2-501", "plumbing", "厨房下水道堵塞", 100);
    let fresh = t.store.get(&fresh, at(100)).unwrap().order.display_no().to_owned();
    let path = t.path();
    drop(std::mem::replace(
        &mut t.store,
        signoff_device::Store::init(t.dir.path().join("x.db"), Default::default()).unwrap(),
    ));
    let pad = t.dir.path().join("sig.json");
    let points: Vec<Value> =
        (0..30).map(|i| serde_json::json!({"x": 20 + i * 3, "y": 50 + i % 7, "time": i * 16})).collect();
    std::fs::write(&pad, serde_json::to_vec(&serde_json::json!([{"points": points}])).unwrap()).unwrap();
    let pad = pad.to_str().unwrap();
    // As long as one command-line argument may be (128 KB); the app and the server have no such cap.
    let huge = "漏".repeat(40_000);
    let bidi = "正常\u{202e}文字";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["new", "--unit", "CH-1-201", "--reporter", "x", "--category", "leak", &huge], "报修内容最多 2000 个字"),
        (vec!["new", "--unit", "CH-1-201", "--reporter", &huge, "--category", "leak", "漏"], "报修人最多 50 个字"),
        (vec!["note", &no, bidi], "看不见的控制字符或文字方向控制符"),
        (vec!["note", &no, "a\u{1b}[31mred"], "看不见的控制字符"),
        (
            vec!["--as", "wang", "sign", &no, "--name", "王女士", "--strokes", pad, "--lat", "NaN", "--lon", "1"],
            "纬度不是有效的数值",
        ),
        (
            vec!["--as", "wang", "sign", &no, "--name", "王女士", "--strokes", pad, "--lat", "999", "--lon", "1"],
            "纬度必须在 -90 到 90 之间",
        ),
        (vec!["--as", "nobody", "note", &no, "x"], "人员“nobody”不在人员名单中"),
        (vec!["assign", &fresh, "--to", "chen"], "陈静不是维修人员，不能派工"),
        (
            vec!["--as", "li", "material", &no, "--name", "管", "--qty", "1", "--unit", "米", "--price", "1"],
            "这张工单派给了王建国，李强不能添加材料",
        ),
        (
            vec!["material", &no, "--name", "管", "--qty", "999999999", "--unit", "米", "--price", "999999999"],
            "数量必须在",
        ),
        (vec!["material", &no, "--name", "管", "--qty", "99999", "--unit", "米", "--price", "999999"], "合计超过上限"),
    ];
    let before = stdout(&cli(&path, &["--json", "show", &no]));
    for (args, words) in cases {
        let out = cli(&path, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out).chars().take(300).collect::<String>());
        assert!(stderr(&out).contains(words), "{args:?}: {}", stderr(&out).chars().take(300).collect::<String>());
        assert!(!stderr(&out).contains('\u{202e}'), "control characters are never printed raw");
    }
    assert_eq!(stdout(&cli(&path, &["--json", "show", &no])), before, "nothing changed");
    // A value typed to run as a formula in Excel is written as text.
    let out = cli(
        &path,
        &["new", "--unit", "CH-1-201", "--reporter", "=HYPERLINK(\"http://x\")", "--category", "leak", "@SUM(A1)"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ledger = t.dir.path().join("ledger.csv");
    cli(&path, &["export", "--csv", "--out", ledger.to_str().unwrap()]);
    let csv = std::fs::read_to_string(&ledger).unwrap();
    assert!(csv.contains("'=HYPERLINK") && csv.contains("'@SUM(A1)"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"), "{csv}");
}
