//! Sign-off through the device store: sign, refuse, edit afterwards, several parties, another device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::edit::{Edit, FieldEdit};
use signoff_core::ids::{ContractorId, OrderId, PersonId};
use signoff_core::model::Assignee;
use signoff_core::rules::status::{Attention, Status};
use signoff_core::signoff::{SignerRole, Verdict};
use signoff_device::store::reference::{KnownDevice, ReferenceImport};
use signoff_device::{Ctx, Error, Source, Store};

fn completed(s: &mut Store, assignee: Assignee) -> OrderId {
    let id = create(s, "CH-1-201", "leak", "卫生间漏水", 0);
    // The office dispatches; the technician records his own work, the office a contractor's.
    let worker = match &assignee {
        Assignee::Technician(p) => p.to_string(),
        Assignee::Contractor(_) => "chen".to_owned(),
    };
    s.apply(&id, Edit::Assign { assignee, note: String::new() }, &ctx("chen", 1)).unwrap();
    for (e, m) in [
        (Edit::Arrive, 30),
        (
            Edit::AddMaterial(signoff_core::edit::NewMaterial {
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
        s.apply(&id, e, &ctx(&worker, m)).unwrap();
    }
    id
}

fn tech() -> Assignee {
    Assignee::Technician(PersonId::new("wang"))
}

#[test]
fn the_owner_signs_and_anyone_with_the_key_can_verify() {
    let mut t = store("wang");
    let id = completed(&mut t.store, tech());
    let frozen = t.store.freeze_signoff(&id).unwrap();
    assert_eq!(frozen.summary.work_done, "重做防水");
    assert_eq!(frozen.summary.total, "180.00");
    let st = sign(&mut t.store, &id, SignerRole::Owner, "王女士", 100).unwrap();
    let v = t.store.get(&id, at(101)).unwrap();
    assert_eq!(v.status, Status::SignedOff);
    assert_eq!(v.order.statements.len(), 1);
    assert_eq!(v.order.statements[0].id, st.id);
    let reports = t.store.verify_statements(&id).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].verdict, Verdict::Valid);
    assert!(reports[0].counted);
    assert_eq!(reports[0].signer.as_ref().unwrap().name, "王女士");
    assert!(t.store.signoff_progress(&id).unwrap().missing.is_empty());
    // Survives reopening the store (the key file is reused).
    t.reopen();
    assert_eq!(t.store.verify_statements(&id).unwrap()[0].verdict, Verdict::Valid);
}

#[test]
fn sign_off_needs_a_completed_order_and_writes_nothing_otherwise() {
    let mut t = store("wang");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let heads = t.store.heads(id.as_str()).unwrap();
    let err = sign(&mut t.store, &id, SignerRole::Owner, "王女士", 5).unwrap_err();
    assert!(matches!(err, Error::Rejected(_)), "{err}");
    assert_eq!(t.store.heads(id.as_str()).unwrap(), heads);
    assert!(t.store.get(&id, at(6)).unwrap().order.statements.is_empty());
}

#[test]
fn a_refusal_flags_the_order_until_it_is_signed() {
    let mut t = store("wang");
    let id = completed(&mut t.store, tech());
    let v = t.store.apply(&id, Edit::RefuseSignoff { reason: "墙面还有水渍".into() }, &ctx("wang", 100)).unwrap();
    assert_eq!(v.status, Status::SignoffRefused);
    assert!(matches!(&v.attention[..], [Attention::SignoffRefused { reason, .. }] if reason == "墙面还有水渍"));
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 200).unwrap();
    let v = t.store.get(&id, at(201)).unwrap();
    assert_eq!(v.status, Status::SignedOff);
    assert!(v.attention.is_empty());
}

#[test]
fn edits_after_sign_off_are_allowed_and_shown_with_old_and_new_values() {
    let mut t = store("wang");
    let id = completed(&mut t.store, tech());
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 100).unwrap();
    t.store
        .apply(
            &id,
            Edit::EditFields { fields: vec![FieldEdit::WorkDone("重做防水,更换地漏".into())] },
            &ctx("chen", 120),
        )
        .unwrap();
    t.store.apply(&id, Edit::Note { text: "内部备注".into() }, &ctx("chen", 121)).unwrap();
    let reports = t.store.verify_statements(&id).unwrap();
    let Verdict::ChangedAfterSignoff { fields } = &reports[0].verdict else { panic!("{:?}", reports[0].verdict) };
    assert_eq!(fields.len(), 1);
    assert_eq!(
        (fields[0].field.as_str(), fields[0].old.as_str(), fields[0].new.as_str()),
        ("work_done", "重做防水", "重做防水,更换地漏")
    );
    // A new sign-off can be requested and covers the corrected content.
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 130).unwrap();
    let reports = t.store.verify_statements(&id).unwrap();
    let verdicts: Vec<bool> = reports.iter().map(|r| r.verdict == Verdict::Valid).collect();
    assert_eq!(verdicts.iter().filter(|v| **v).count(), 1, "{reports:?}");
}

#[test]
fn warranty_jobs_need_every_party_on_the_same_content() {
    let mut t = store("chen");
    let id = completed(&mut t.store, Assignee::Contractor(ContractorId::new("C-ZJ")));
    let p = t.store.signoff_progress(&id).unwrap();
    assert_eq!(p.required, [SignerRole::Repairer, SignerRole::Owner, SignerRole::Supervisor, SignerRole::Project]);
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 100).unwrap();
    sign(&mut t.store, &id, SignerRole::Supervisor, "监理李工", 101).unwrap();
    let p = t.store.signoff_progress(&id).unwrap();
    assert_eq!(p.missing, [SignerRole::Repairer, SignerRole::Project]);
    sign(&mut t.store, &id, SignerRole::Repairer, "维修部赵主任", 101).unwrap();
    // Each signature changes the document, so later parties sign later heads; what counts is that they
    // all signed the same content.
    sign(&mut t.store, &id, SignerRole::Project, "项目部张经理", 102).unwrap();
    let quantity = signoff_device::store::signoff::SignRequest {
        place: Some(signoff_core::signoff::Place::new(30.2741, 120.1551)),
        ..quantity_confirmation(SignerRole::Contractor, "浙建三公司 刘工")
    };
    t.store.sign(&id, quantity, &ctx("chen", 103)).unwrap();
    let reports = t.store.verify_statements(&id).unwrap();
    assert!(reports.iter().all(|r| r.verdict == Verdict::Valid), "{reports:?}");
    assert!(reports.iter().any(|r| r.kind == Some(signoff_core::signoff::StatementKind::QuantityConfirmation)));
    let p = t.store.signoff_progress(&id).unwrap();
    assert!(p.missing.is_empty(), "{p:?}");
    // Content changed between signatures: the earlier ones no longer count together with a new one.
    t.store
        .apply(&id, Edit::EditFields { fields: vec![FieldEdit::WorkDone("重做防水(返工)".into())] }, &ctx("chen", 104))
        .unwrap();
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 105).unwrap();
    let p = t.store.signoff_progress(&id).unwrap();
    assert_eq!(
        p.missing,
        [SignerRole::Repairer, SignerRole::Owner, SignerRole::Supervisor, SignerRole::Project]
            .into_iter()
            .filter(|r| *r != SignerRole::Owner)
            .collect::<Vec<_>>()
    );
}

#[test]
fn another_device_verifies_once_it_knows_the_signing_device() {
    let mut phone = store("wang");
    let mut office = store("chen");
    let id = completed(&mut phone.store, tech());
    sign(&mut phone.store, &id, SignerRole::Owner, "王女士", 100).unwrap();
    let bytes = phone.store.document_bytes(id.as_str()).unwrap();
    let sync = Ctx { source: Source::Sync, by: PersonId::new("sync"), now: at(110) };
    office.store.receive(&id, &bytes, &sync).unwrap();
    assert_eq!(office.store.verify_statements(&id).unwrap()[0].verdict, Verdict::UnknownDevice);
    let import = ReferenceImport {
        devices: vec![KnownDevice {
            id: phone.store.device().id().to_string(),
            public_key: phone.store.public_key_hex(),
            name: "王建国的手机".into(),
        }],
        ..ReferenceImport::default()
    };
    office.store.import_reference(&import).unwrap();
    assert_eq!(office.store.verify_statements(&id).unwrap()[0].verdict, Verdict::Valid);
    // A wrong key for that device makes the statement look forged.
    let wrong = ReferenceImport {
        devices: vec![KnownDevice {
            id: phone.store.device().id().to_string(),
            public_key: office.store.public_key_hex(),
            name: String::new(),
        }],
        ..ReferenceImport::default()
    };
    office.store.import_reference(&wrong).unwrap();
    assert_eq!(office.store.verify_statements(&id).unwrap()[0].verdict, Verdict::InvalidSignature);
    let bad = ReferenceImport {
        devices: vec![KnownDevice { id: "x".into(), public_key: "00".into(), name: String::new() }],
        ..ReferenceImport::default()
    };
    assert!(office.store.import_reference(&bad).is_err());
}

#[test]
fn the_device_key_file_is_private_and_reused() {
    let t = store("wang");
    let key = t.path().with_extension("key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let before = t.store.public_key_hex();
    drop(t.store);
    let again = Store::open(t.dir.path().join("device.db")).unwrap();
    assert_eq!(again.public_key_hex(), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Store::open(t.dir.path().join("device.db")).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
}

#[test]
fn a_sign_off_before_a_rework_is_superseded_not_a_warning() {
    let mut t = store("wang");
    let id = completed(&mut t.store, tech());
    let first = sign(&mut t.store, &id, SignerRole::Owner, "王女士", 100).unwrap();
    // 回访: the owner is unsatisfied, the order goes back to wang, who redoes the work.
    let unhappy = signoff_core::model::Callback::reached(false, Some(2), "仍渗水".into());
    t.store.apply(&id, Edit::Callback(unhappy), &ctx("chen", 200)).unwrap();
    assert_eq!(t.store.get(&id, at(201)).unwrap().status, Status::Reopened);
    t.store.apply(&id, Edit::Arrive, &ctx("wang", 300)).unwrap();
    let redo = Edit::Complete { findings: None, work_done: Some("重做防水并闭水试验".into()) };
    t.store.apply(&id, redo, &ctx("wang", 330)).unwrap();
    let second = sign(&mut t.store, &id, SignerRole::Owner, "王女士", 340).unwrap();

    let v = t.store.get(&id, at(341)).unwrap();
    assert_eq!(v.status, Status::SignedOff);
    assert!(v.attention.is_empty(), "the earlier statement is not flagged: {:?}", v.attention);
    let reports = t.store.verify_statements(&id).unwrap();
    let r1 = reports.iter().find(|r| r.id == first.id).unwrap();
    let r2 = reports.iter().find(|r| r.id == second.id).unwrap();
    assert!(matches!(r1.verdict, Verdict::ChangedAfterSignoff { .. }), "{:?}", r1.verdict);
    assert!(r1.superseded && !r1.counted);
    assert_eq!(r2.verdict, Verdict::Valid);
    assert!(r2.counted && !r2.superseded);
    assert!(t.store.signoff_progress(&id).unwrap().missing.is_empty());
}

#[test]
fn a_warranty_job_closes_on_a_callback_only_when_every_party_signed_or_by_a_supervisor() {
    let mut t = store("chen");
    let id = completed(&mut t.store, Assignee::Contractor(ContractorId::new("C-ZJ")));
    let satisfied = || Edit::Callback(signoff_core::model::Callback::reached(true, Some(5), "满意".into()));
    sign(&mut t.store, &id, SignerRole::Owner, "王女士", 100).unwrap();
    let err = t.store.apply(&id, satisfied(), &ctx("chen", 110)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Repair department") && text.contains("Site supervisor"), "{text}");
    assert_eq!(t.store.get(&id, at(111)).unwrap().status, Status::SignedOff, "nothing written");
    // A dispatcher may not override; a supervisor may, with the reason recorded.
    assert!(t.store.apply(&id, Edit::Close { reason: "监理已口头确认".into() }, &ctx("chen", 112)).is_err());
    t.store.apply(&id, Edit::Close { reason: "监理已口头确认".into() }, &ctx("zhou", 113)).unwrap();
    assert_eq!(t.store.get(&id, at(114)).unwrap().status, Status::Closed);

    // With every party signed, the callback closes it.
    let id = completed(&mut t.store, Assignee::Contractor(ContractorId::new("C-ZJ")));
    for (role, name) in
        [(SignerRole::Repairer, "赵主任"), (SignerRole::Owner, "王女士"), (SignerRole::Supervisor, "李工")]
    {
        sign(&mut t.store, &id, role, name, 200).unwrap();
    }
    assert!(t.store.apply(&id, satisfied(), &ctx("chen", 210)).is_err(), "项目部 still missing");
    sign(&mut t.store, &id, SignerRole::Project, "张经理", 220).unwrap();
    t.store.apply(&id, satisfied(), &ctx("chen", 230)).unwrap();
    assert_eq!(t.store.get(&id, at(231)).unwrap().status, Status::Closed);
}

#[test]
fn a_quantity_confirmation_is_not_an_acceptance_signature() {
    let mut t = store("chen");
    let id = completed(&mut t.store, Assignee::Contractor(ContractorId::new("C-ZJ")));
    // The contractor confirms the quantities first: recorded, and the order is still awaiting acceptance.
    t.store.sign(&id, quantity_confirmation(SignerRole::Contractor, "浙建三公司 刘工"), &ctx("chen", 99)).unwrap();
    assert_eq!(t.store.get(&id, at(99)).unwrap().status, Status::Completed);
    assert_eq!(t.store.signoff_progress(&id).unwrap().quantity_signed, [SignerRole::Contractor]);
    for (role, name, at) in [
        (SignerRole::Owner, "王女士", 100),
        (SignerRole::Repairer, "维修部赵主任", 101),
        (SignerRole::Project, "项目部张经理", 102),
    ] {
        sign(&mut t.store, &id, role, name, at).unwrap();
    }
    // The supervising engineer signs the 工程量确认单 only: their acceptance is still missing.
    t.store.sign(&id, quantity_confirmation(SignerRole::Supervisor, "监理李工"), &ctx("chen", 103)).unwrap();
    let p = t.store.signoff_progress(&id).unwrap();
    assert_eq!(p.missing, [SignerRole::Supervisor]);
    assert_eq!(p.quantity_signed, [SignerRole::Supervisor, SignerRole::Contractor]);
    sign(&mut t.store, &id, SignerRole::Supervisor, "监理李工", 104).unwrap();
    assert!(t.store.signoff_progress(&id).unwrap().missing.is_empty());
}

/// A 工程量确认单 signed by `name` as `role`: "工程量属实", no rating, no place.
fn quantity_confirmation(role: SignerRole, name: &str) -> signoff_device::store::signoff::SignRequest {
    signoff_device::store::signoff::SignRequest {
        heads: None,
        kind: signoff_core::signoff::StatementKind::QuantityConfirmation,
        name: name.into(),
        role,
        rating: None,
        opinion: "工程量属实".into(),
        strokes: signature(),
        place: None,
    }
}
