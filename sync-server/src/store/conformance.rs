//! The storage story every [`Store`] backend must pass (SQLite here; PostgreSQL runs the same).
//! Call [`run`] with a fresh, empty store from a backend's test. Failures panic with what broke.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

const NOW: i64 = 1_790_000_000_000;

/// Run every check against `store`, which must be empty.
pub async fn run<S: Store>(store: S) {
    people_and_enrolment(&store).await;
    documents_and_feed(&store).await;
    knowledge(&store).await;
    numbers_are_unique(&store).await;
    blobs(&store).await;
    concurrent_writes_fail_alone(&store).await;
    reference_version(&store).await;
}

async fn people_and_enrolment<S: Store>(s: &S) {
    s.create_org("acme", "Acme 物业", NOW).await.unwrap();
    assert!(matches!(s.create_org("acme", "again", NOW).await, Err(StoreError::Refused(_))));
    let tech = PersonRecord {
        org: "acme".into(),
        id: "p-wang".into(),
        name: "王建国".into(),
        role: Role::Technician,
        skills: vec!["plumbing".into()],
        contractor: None,
    };
    s.put_person(tech.clone()).await.unwrap();
    assert_eq!(s.person("acme", "p-wang").await.unwrap(), Some(tech));
    // A contractor crew member keeps the company they work for.
    let crew = PersonRecord {
        org: "acme".into(),
        id: "p-zj".into(),
        name: "浙建张工".into(),
        role: Role::Contractor,
        skills: vec![],
        contractor: Some("C-ZJ".into()),
    };
    s.put_person(crew.clone()).await.unwrap();
    assert_eq!(s.person("acme", "p-zj").await.unwrap(), Some(crew));
    let missing = PersonRecord { org: "nobody".into(), ..s.person("acme", "p-wang").await.unwrap().unwrap() };
    assert!(matches!(s.put_person(missing).await, Err(StoreError::NotFound(_))));

    let code =
        |h: &str, exp| Enrolment { code_hash: h.into(), org: "acme".into(), person: "p-wang".into(), expires_ms: exp };
    s.add_enrolment(code("c1", NOW + 1000)).await.unwrap();
    s.add_enrolment(code("c2", NOW - 1)).await.unwrap();
    let dev = |id: &str, t: &str| NewDevice {
        id: id.into(),
        public_key: "ab".repeat(32),
        name: "phone".into(),
        token_hash: t.into(),
    };
    let rec = s.redeem_enrolment("c1", dev("d1", "t1"), NOW).await.unwrap();
    assert_eq!((rec.org.as_str(), rec.person.as_str(), rec.role), ("acme", "p-wang", Role::Technician));
    // One time only, expired codes refused, unknown codes refused.
    assert!(matches!(s.redeem_enrolment("c1", dev("d2", "t2"), NOW).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.redeem_enrolment("c2", dev("d3", "t3"), NOW).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.redeem_enrolment("zz", dev("d4", "t4"), NOW).await, Err(StoreError::NotFound(_))));
    // A device id cannot be enrolled twice, and the code is not used up by the refusal.
    s.add_enrolment(code("c5", NOW + 1000)).await.unwrap();
    assert!(matches!(s.redeem_enrolment("c5", dev("d1", "t5"), NOW).await, Err(StoreError::Refused(_))));
    s.redeem_enrolment("c5", dev("d5", "t5"), NOW).await.unwrap();

    assert_eq!(s.device_by_token("t1").await.unwrap().unwrap().id, "d1");
    assert_eq!(s.device_by_token("nope").await.unwrap(), None);
    assert!(s.revoke_device("d1", NOW + 5).await.unwrap());
    assert!(!s.revoke_device("unknown", NOW).await.unwrap());
    assert_eq!(s.device_by_token("t1").await.unwrap().unwrap().revoked_ms, Some(NOW + 5));
    assert_eq!(s.devices("acme").await.unwrap().len(), 2);
}

/// The reference data's version is its feed position: it moves with every change to the reference
/// data or the device keys, and stays put otherwise.
async fn reference_version<S: Store>(s: &S) {
    let empty = s.feed_state("nobody").await.unwrap();
    assert_eq!((empty.head, empty.reference), (0, None));
    assert_eq!(empty.epoch.len(), 16, "a restore epoch from the start");
    assert_eq!(s.feed_state("acme").await.unwrap().epoch, empty.epoch, "one epoch for the server");
    let renewed = s.new_epoch().await.unwrap();
    assert_ne!(renewed, empty.epoch);
    assert_eq!(s.feed_state("nobody").await.unwrap().epoch, renewed);
    let v1 = s.set_reference("acme", r#"{"projects":[]}"#).await.unwrap();
    assert_eq!(s.feed_state("acme").await.unwrap().reference, Some(v1));
    s.write_document(write("doc-r", None, DocBody::Snapshot(vec![1]), None)).await.unwrap();
    assert_eq!(s.feed_state("acme").await.unwrap().reference, Some(v1), "a document is not reference data");
    assert!(s.revoke_device("d5", NOW).await.unwrap());
    let v2 = s.feed_state("acme").await.unwrap().reference.unwrap();
    assert!(v2 > v1, "a revoked key changes the bundle");
}

fn write(id: &str, v: Option<i64>, body: DocBody, assignee: Option<&str>) -> DocWrite {
    DocWrite {
        id: id.into(),
        org: "acme".into(),
        expected_version: v,
        body,
        heads: vec![7; 32],
        meta: DocMeta { assignee: assignee.map(Into::into), creator: "d5".into(), official: None },
        blobs: vec![],
    }
}

async fn documents_and_feed<S: Store>(s: &S) {
    let head0 = s.feed_state("acme").await.unwrap().head;
    let a = s.write_document(write("doc-a", None, DocBody::Snapshot(vec![1, 2]), None)).await.unwrap();
    assert!(a > head0);
    assert!(matches!(
        s.write_document(write("doc-a", None, DocBody::Snapshot(vec![9]), None)).await,
        Err(StoreError::Conflict)
    ));
    let b = s.write_document(write("doc-b", None, DocBody::Snapshot(vec![3]), Some("p-wang"))).await.unwrap();
    assert!(b > a);
    let a2 = s.write_document(write("doc-a", Some(1), DocBody::Append(vec![4]), Some("p-li"))).await.unwrap();
    // A write from a stale version is refused and changes nothing.
    assert!(matches!(
        s.write_document(write("doc-a", Some(1), DocBody::Append(vec![5]), None)).await,
        Err(StoreError::Conflict)
    ));
    let doc = s.document("doc-a").await.unwrap().unwrap();
    assert_eq!((doc.version, doc.snapshot.clone(), doc.changes.clone()), (2, vec![1, 2], vec![vec![4]]));
    assert_eq!(doc.meta.assignee.as_deref(), Some("p-li"));
    s.write_document(write("doc-a", Some(2), DocBody::Append(vec![6]), Some("p-li"))).await.unwrap();
    assert_eq!(s.document("doc-a").await.unwrap().unwrap().changes, vec![vec![4], vec![6]]);
    s.write_document(write("doc-a", Some(3), DocBody::Snapshot(vec![7, 7]), Some("p-li"))).await.unwrap();
    let doc = s.document("doc-a").await.unwrap().unwrap();
    assert_eq!((doc.version, doc.snapshot, doc.changes.len()), (4, vec![7, 7], 0));
    assert_eq!(s.document("nope").await.unwrap(), None);

    // The feed keeps the newest entry per document, in order.
    let feed = s.feed_after("acme", head0, 100, None).await.unwrap();
    let ids: Vec<_> = feed
        .iter()
        .filter_map(|e| match &e.item {
            FeedItem::Doc { id, .. } => Some(id.as_str()),
            FeedItem::Reference => None,
        })
        .collect();
    assert_eq!(ids, ["doc-b", "doc-a"]);
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(feed.last().unwrap().seq > a2);
    assert_eq!(s.feed_after("acme", head0, 1, None).await.unwrap().len(), 1);
    assert_eq!(s.feed_state("acme").await.unwrap().head, feed.last().unwrap().seq);
    assert!(s.feed_after("other-org", 0, 100, None).await.unwrap().is_empty());

    let r = s.set_reference("acme", r#"{"projects":[]}"#).await.unwrap();
    assert_eq!(s.reference("acme").await.unwrap().as_deref(), Some(r#"{"projects":[]}"#));
    let after = s.feed_after("acme", r - 1, 10, None).await.unwrap();
    assert_eq!(after[0].item, FeedItem::Reference);
    assert_eq!(s.document_ids("acme").await.unwrap(), ["doc-a", "doc-b"]);

    // A technician's view: only what is assigned to them (doc-b), plus reference entries.
    let wang = Viewer { person: "p-wang".into(), device: "d5".into() };
    let seen: Vec<FeedItem> =
        s.feed_after("acme", head0, 100, Some(wang.clone())).await.unwrap().into_iter().map(|e| e.item).collect();
    assert!(seen.iter().any(|i| matches!(i, FeedItem::Doc { id, .. } if id == "doc-b")));
    assert!(!seen.iter().any(|i| matches!(i, FeedItem::Doc { id, .. } if id == "doc-a")));
    assert!(seen.contains(&FeedItem::Reference));

    // Several writes in one transaction: a stale one is refused, the others are written.
    let head = s.feed_state("acme").await.unwrap().head;
    let results = s
        .write_documents(vec![
            write("doc-d", None, DocBody::Snapshot(vec![1]), None),
            write("doc-a", Some(1), DocBody::Append(vec![8]), None),
            write("doc-b", Some(1), DocBody::Append(vec![9]), Some("p-wang")),
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok() && matches!(results[1], Err(StoreError::Conflict)) && results[2].is_ok());
    assert_eq!(s.document("doc-b").await.unwrap().unwrap().changes, vec![vec![9]]);
    assert_eq!(s.document("doc-a").await.unwrap().unwrap().version, 4);
    assert_eq!(s.feed_after("acme", head, 10, None).await.unwrap().len(), 2);
}

async fn knowledge<S: Store>(s: &S) {
    let docs = vec!["k1".to_string(), "k2".to_string(), "k3".to_string()];
    s.record_knowledge("d5", 10, vec![("k1".into(), vec![1; 32])], vec![("k2".into(), vec![2; 32])]).await.unwrap();
    // Pending heads are not known until the device confirms the cursor they were sent with.
    assert_eq!(s.knowledge("d5", &docs).await.unwrap(), vec![("k1".to_string(), vec![1; 32])]);
    s.confirm_knowledge("d5", 10).await.unwrap();
    assert_eq!(s.knowledge("d5", &docs).await.unwrap().len(), 2);
    // A response that was lost (the device comes back with an older cursor) is forgotten.
    s.record_knowledge("d5", 20, vec![], vec![("k2".into(), vec![9; 32]), ("k3".into(), vec![3; 32])]).await.unwrap();
    s.confirm_knowledge("d5", 10).await.unwrap();
    assert_eq!(
        s.knowledge("d5", &docs).await.unwrap(),
        vec![("k1".to_string(), vec![1; 32]), ("k2".to_string(), vec![2; 32])]
    );
    // Gone (empty pending) removes the knowledge once confirmed.
    s.record_knowledge("d5", 30, vec![], vec![("k1".into(), vec![])]).await.unwrap();
    s.confirm_knowledge("d5", 30).await.unwrap();
    assert_eq!(s.knowledge("d5", &docs).await.unwrap(), vec![("k2".to_string(), vec![2; 32])]);
    // Other devices know nothing.
    assert!(s.knowledge("d1", &docs).await.unwrap().is_empty());
}

async fn numbers_are_unique<S: Store>(s: &S) {
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.next_number("acme", 2026, 1).await.unwrap() }));
    }
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=40).collect::<Vec<u64>>());
    assert_eq!(s.next_number("acme", 2027, 1).await.unwrap(), 1);
    // A range: 41..=50, then 51.
    assert_eq!(s.next_number("acme", 2026, 10).await.unwrap(), 41);
    assert_eq!(s.next_number("acme", 2026, 1).await.unwrap(), 51);
    assert_eq!(s.next_number("other", 2026, 1).await.unwrap(), 1);
    // An order brought back after a restore takes its number again and moves the counter past it;
    // a number another order has is not taken twice.
    let mut w = write("doc-numbered", None, DocBody::Snapshot(vec![1]), None);
    w.meta.official = Some("BX-2026-000070".into());
    s.write_document(w).await.unwrap();
    assert!(s.reclaim_number("acme", "doc-back", "BX-2026-000080", 2026, 80).await.unwrap());
    assert_eq!(s.next_number("acme", 2026, 1).await.unwrap(), 81);
    assert!(!s.reclaim_number("acme", "doc-back", "BX-2026-000070", 2026, 70).await.unwrap());
    assert!(s.reclaim_number("acme", "doc-numbered", "BX-2026-000070", 2026, 70).await.unwrap(), "its own number");
    assert_eq!(s.next_number("acme", 2026, 1).await.unwrap(), 82, "the counter never goes back");
}

async fn blobs<S: Store>(s: &S) {
    let sha = "a".repeat(64);
    assert_eq!(s.blob(&sha).await.unwrap(), None);
    let meta = BlobMeta { sha: sha.clone(), size: 10, uploaded_by: "d5".into(), created_ms: NOW };
    s.put_blob(meta.clone()).await.unwrap();
    s.put_blob(BlobMeta { uploaded_by: "d9".into(), ..meta.clone() }).await.unwrap();
    assert_eq!(s.blob(&sha).await.unwrap(), Some(meta));
    // The photo belongs to the organisation of the device that uploaded it (d5 is acme's), no other.
    assert!(s.blob_in_org(&sha, "acme").await.unwrap());
    assert!(!s.blob_in_org(&sha, "other").await.unwrap());
    let mut w = write("doc-c", None, DocBody::Snapshot(vec![1]), Some("p-wang"));
    w.blobs = vec![sha.clone()];
    s.write_document(w).await.unwrap();
    let holders = s.blob_holders(&sha).await.unwrap();
    assert_eq!(holders.len(), 1);
    assert_eq!((holders[0].doc.as_str(), holders[0].meta.assignee.as_deref()), ("doc-c", Some("p-wang")));
    // A write that drops the photo drops the reference.
    s.write_document(write("doc-c", Some(1), DocBody::Append(vec![2]), Some("p-wang"))).await.unwrap();
    assert!(s.blob_holders(&sha).await.unwrap().is_empty());
}

/// Many writes at once, some of which must fail (a stale version, a duplicate new document, an
/// unknown organisation, a batch whose second document is invalid after its first was written): each
/// failure changes nothing and does not take the others with it, and the
/// feed gets exactly one new position per successful write.
async fn concurrent_writes_fail_alone<S: Store>(s: &S) {
    s.write_document(write("doc-x", None, DocBody::Snapshot(vec![1]), None)).await.unwrap();
    let head0 = s.feed_state("acme").await.unwrap().head;
    let mut tasks = Vec::new();
    for i in 0..80u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                0 => s.write_document(write(&format!("doc-n{i}"), None, DocBody::Snapshot(vec![i]), None)).await,
                1 => s.write_document(write("doc-x", None, DocBody::Snapshot(vec![i]), None)).await,
                2 => s
                    .write_documents(vec![
                        write(&format!("doc-half{i}"), None, DocBody::Snapshot(vec![i]), None),
                        write(&format!("doc-bad{i}"), None, DocBody::Append(vec![i]), None),
                    ])
                    .await
                    .map(|_| 0),
                _ => s
                    .put_person(PersonRecord {
                        org: "nowhere".into(),
                        id: format!("p{i}"),
                        name: "x".into(),
                        role: Role::Technician,
                        skills: vec![],
                        contractor: None,
                    })
                    .await
                    .map(|()| 0),
            }
        }));
    }
    let mut seqs = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match (i % 4, t.await.unwrap()) {
            (0, Ok(seq)) => seqs.push(seq),
            (1, Err(StoreError::Conflict)) | (2, Err(StoreError::Refused(_))) | (3, Err(StoreError::NotFound(_))) => {}
            (k, other) => panic!("write {i} (kind {k}) ended as {other:?}"),
        }
    }
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 20, "one feed position per new document");
    assert!(seqs[0] > head0);
    for i in (0..80u8).step_by(4) {
        let d = s.document(&format!("doc-n{i}")).await.unwrap().expect("written");
        assert_eq!(d.snapshot, vec![i]);
        assert_eq!(s.document(&format!("doc-half{}", i + 2)).await.unwrap(), None, "a failed batch is undone");
    }
    let x = s.document("doc-x").await.unwrap().unwrap();
    assert_eq!((x.version, x.snapshot.as_slice()), (1, &[1u8][..]), "the duplicates changed nothing");
    assert_eq!(s.person("nowhere", "p3").await.unwrap(), None);
    let fed = s.feed_after("acme", head0, 1000, None).await.unwrap();
    assert_eq!(fed.len(), 20, "{fed:?}");
}
