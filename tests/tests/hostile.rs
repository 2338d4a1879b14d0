//! Hostile input: garbage, oversized bodies, other wire versions, and Automerge documents and changes
//! mutated with their checksums fixed so they get past the first check. Every answer is a 200 with a
//! per-document refusal or a 4xx, the server stays up, and stored documents are unchanged.
//! Replaying a request changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use signoff_core::edit::Edit;
use signoff_core::ids::PersonId;
use signoff_core::model::Assignee;
use signoff_core::wire::{self, decode_response};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn uleb(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn read_uleb(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Chunk boundaries: (start, data start, end, type).
fn chunks(bytes: &[u8]) -> Vec<(usize, usize, usize, u8)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 9 < bytes.len() && bytes[at..at + 4] == MAGIC {
        let kind = bytes[at + 8];
        let Some((len, n)) = read_uleb(&bytes[at + 9..]) else { break };
        let data = at + 9 + n;
        let end = data + len as usize;
        if end > bytes.len() {
            break;
        }
        out.push((at, data, end, kind));
        at = end;
    }
    out
}

/// Recompute every chunk's checksum, as a crafted input would.
fn fix_checksums(bytes: &mut [u8]) {
    for (start, data, end, kind) in chunks(bytes) {
        let mut h = Sha256::new();
        h.update([kind]);
        let mut len = Vec::new();
        uleb((end - data) as u64, &mut len);
        h.update(&len);
        h.update(&bytes[data..end]);
        let digest = h.finalize();
        bytes[start + 4..start + 8].copy_from_slice(&digest[..4]);
    }
}

fn mutate(rng: &mut rand::rngs::StdRng, original: &[u8]) -> Vec<u8> {
    let mut b = original.to_vec();
    let spans = chunks(&b);
    for _ in 0..rng.random_range(1..4) {
        let (_, data, end, _) = spans[rng.random_range(0..spans.len())];
        if end <= data {
            continue;
        }
        let at = rng.random_range(data..end);
        match rng.random_range(0..3) {
            0 => b[at] ^= 1 << rng.random_range(0..8),
            1 => b[at] = rng.random(),
            _ => b[at] = [0x00, 0x7f, 0x80, 0xff][rng.random_range(0..4)],
        }
    }
    fix_checksums(&mut b);
    b
}

#[test]
fn malformed_requests_get_4xx_and_the_server_stays_up() {
    let server = Server::start();
    let wang = Device::enrolled(&server, "wang");
    let t = token(&wang);
    assert_eq!(raw_sync(&server.url, &t, b"\xffgarbage".to_vec()).0, 400);
    assert_eq!(raw_sync(&server.url, &t, Vec::new()).0, 400);
    let mut other = wire::SyncRequest { v: 7, ..sync_request(0) };
    assert_eq!(raw_sync(&server.url, &t, wire::encode(&other).unwrap()).0, 400);
    other.v = wire::WIRE_VERSION;
    assert_eq!(raw_sync(&server.url, "forged-token", wire::encode(&other).unwrap()).0, 401);
    let (status, body) = raw_sync(&server.url, &t, vec![0u8; 33 << 20]);
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    let many = (0..501u32)
        .map(|i| {
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&i.to_be_bytes());
            wire::DocPush {
                id: wire::WireId(id),
                base: wire::Heads(vec![]),
                heads: wire::Heads(vec![]),
                changes: vec![],
            }
        })
        .collect();
    let (status, _) = raw_sync(&server.url, &t, wire::encode(&wire::SyncRequest { push: many, ..other }).unwrap());
    assert_eq!(status, 413);
    assert!(healthy(&server.url));
}

#[test]
fn mutated_documents_and_changes_are_refused_and_stored_documents_stay_unchanged() {
    // Without the per-device rate limit, which would answer most of these with 429.
    let server = Server::start_with_env(&[("SIGNOFF_RATE", "100000")]);
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    office.sync();
    // The office's own order (wang may not write it) and one assigned to wang.
    let theirs = create(&mut office, "CH-1-202", "门锁损坏", 0);
    let mine = create(&mut office, "CH-1-201", "卫生间漏水", 1);
    let ctx = office.ctx(2);
    office
        .store
        .apply(&mine, Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() }, &ctx)
        .unwrap();
    office.sync();
    wang.sync();
    let theirs_heads = office.store.heads(theirs.as_str()).unwrap();

    // Material to mutate: wang's new order saved whole, and a change to the assigned one.
    let fresh = create(&mut wang, "CH-1-501", "窗户漏风", 3);
    let whole = wang.store.document_bytes(fresh.as_str()).unwrap();
    let base = wang.store.heads(mine.as_str()).unwrap();
    let ctx = wang.ctx(4);
    wang.store.apply(&mine, Edit::Note { text: "上门前电话联系".into() }, &ctx).unwrap();
    let change = wang.store.changes_since(mine.as_str(), &base).unwrap();
    let t = token(&wang);

    let mut rng = rand::rngs::StdRng::seed_from_u64(20261122);
    let (mut refused, mut accepted) = (0, 0);
    for i in 0..300 {
        let (id, base, bytes) = if i % 2 == 0 {
            (fresh.as_str(), vec![], mutate(&mut rng, &whole))
        } else {
            (mine.as_str(), base.clone(), mutate(&mut rng, &change))
        };
        let (status, body) = raw_sync(&server.url, &t, push_request(id, base, vec![], bytes));
        assert!(status == 200 || (400..500).contains(&status), "mutation {i}: HTTP {status}");
        if status == 200 {
            let resp = decode_response(&body).unwrap();
            refused += resp.rejected.len();
            accepted += resp.accepted.len();
        }
    }
    assert!(healthy(&server.url), "the server survived");
    // A mutation that still decodes to valid changes by wang's own actor is wang's data, accepted.
    assert_eq!(refused + accepted, 300);
    assert!(refused > 150, "most mutations are refused ({refused} refused, {accepted} accepted)");

    // Nothing reached the order wang may not write; everything stored still reads as a work order.
    let mut check = Device::enrolled(&server, "zhou");
    check.sync();
    assert_eq!(check.store.heads(theirs.as_str()).unwrap(), theirs_heads);
    assert!(check.store.quarantined().unwrap().is_empty());
    for id in check.store.document_ids().unwrap() {
        check.store.get(&signoff_core::ids::OrderId::new(id), at(10)).unwrap();
    }
}

#[test]
fn replaying_a_request_changes_nothing() {
    let server = Server::start();
    let mut wang = Device::enrolled(&server, "wang");
    wang.sync();
    let id = create(&mut wang, "CH-1-201", "卫生间漏水", 0);
    let heads = wang.store.heads(id.as_str()).unwrap();
    let body = push_request(id.as_str(), vec![], heads.clone(), wang.store.document_bytes(id.as_str()).unwrap());
    let t = token(&wang);
    let first = decode_response(&raw_sync(&server.url, &t, body.clone()).1).unwrap();
    let second = decode_response(&raw_sync(&server.url, &t, body).1).unwrap();
    assert_eq!(first.accepted.len(), 1);
    assert_eq!(first.accepted[0].heads, second.accepted[0].heads, "the same merged heads");
    assert_eq!(first.accepted[0].official, second.accepted[0].official, "one official number");
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    let order = office.store.get(&id, at(1)).unwrap().order;
    assert_eq!(order.events.len(), 1);
    assert!(order.official_no.unwrap().ends_with("000001"));
    let again = server.admin(&["export", "--org", "acme", server.data.join("export").to_str().unwrap()]);
    assert!(again.starts_with("1 orders exported"), "{again}");
}
