//! Sign-off statements: the strokes format, canonical bytes, the tamper matrix and a property test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::{ActorId, AutoCommit, ROOT, ReadDoc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use proptest::prelude::*;
use signoff_core::doc::{self, EventHeader};
use signoff_core::edit::{self, Edit, FieldEdit, NewMaterial, NewPhoto};
use signoff_core::hlc::Hlc;
use signoff_core::ids::{BuildingId, DeviceId, OrderId, PersonId, ProjectId, UnitId};
use signoff_core::model::{Assignee, Cause, Channel, NewOrder, OrderKind, PhotoStage, Reporter, UnitRef, Urgency};
use signoff_core::money::Money;
use signoff_core::rules::status::fold;
use signoff_core::signoff::strokes::{Point, Signature, Stroke};
use signoff_core::signoff::{
    STATEMENT_VERSION, Signatory, SignedStatement, SignerRole, Statement, StatementKind, Verdict, summary_of, verify,
};

const T0: i64 = 1_794_790_800_000;
const DEV: &str = "a1a2a3a4a5a6a7a8";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn keys(k: &SigningKey) -> impl Fn(&str) -> Option<VerifyingKey> + '_ {
    move |d: &str| (d == DEV).then(|| k.verifying_key())
}

fn signature() -> Signature {
    let strokes: Vec<Stroke> = (0..6)
        .map(|s| Stroke {
            points: (0..50)
                .map(|i| {
                    let f = f64::from(i);
                    Point {
                        x: 15.0 + f64::from(s) * 50.0 + f * 1.1,
                        y: 70.0 + (f * 0.3 + f64::from(s)).sin() * 30.0,
                        time: 1_700_000_000_000.0 + f64::from(s) * 800.0 + f * 16.0,
                        pressure: Some(0.3 + (f * 0.15).cos().abs() * 0.5),
                    }
                })
                .collect(),
        })
        .collect();
    Signature::from_strokes(&strokes, Some((360, 160))).unwrap()
}

struct Order {
    doc: AutoCommit,
    t: i64,
}

impl Order {
    fn new(id: &str) -> Order {
        let mut doc =
            AutoCommit::new().with_actor(ActorId::from(&[0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8][..]));
        let new = NewOrder {
            kind: OrderKind::Repair,
            unit: UnitRef {
                unit_id: UnitId::new("CH-1-201"),
                project_id: ProjectId::new("CH"),
                building_id: BuildingId::new("CH-1"),
                label: "1栋201".into(),
                address: "翠湖花园1栋201室".into(),
            },
            reporter: Reporter { name: "王女士".into(), phone: "13812345678".into() },
            channel: Channel::Hotline,
            category: "leak".into(),
            urgency: Urgency::Important,
            description: "卫生间漏水".into(),
            location: "主卫".into(),
            preferred_time: String::new(),
        };
        doc::create(&mut doc, &OrderId::new(id), "BAFQ2D-00001", &new, &header(T0, None)).unwrap();
        doc.commit();
        let mut o = Order { doc, t: T0 };
        for e in [
            Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() },
            Edit::Arrive,
            Edit::DecideCause { cause: Cause::NotOwnersFault, note: String::new() },
            Edit::AddMaterial(material("防水涂料", "1.5", "120")),
            Edit::AddMaterial(material("地漏", "1", "45")),
            Edit::AddLabour {
                person: PersonId::new("wang"),
                minutes: 90,
                hourly_rate: Money(5000),
                note: String::new(),
            },
            Edit::AddPhoto(photo(1, PhotoStage::Before)),
            Edit::AddPhoto(photo(2, PhotoStage::After)),
            Edit::Complete {
                findings: Some("地漏周边防水层破损".into()), work_done: Some("重做防水".into())
            },
        ] {
            o.edit(e);
        }
        o
    }

    fn edit(&mut self, e: Edit) {
        self.t += 60_000;
        let order = doc::read(&self.doc).unwrap();
        let f = fold(&order.events, &signoff_core::signoff::verify_all(&self.doc, &order, &keys(&key())));
        edit::apply(&mut self.doc, &order, &f, &header(self.t, f.head.clone()), &e)
            .unwrap_or_else(|err| panic!("{e:?}: {err}"));
        self.doc.commit();
    }

    fn statement(&self, heads: Vec<String>, summary_from: &AutoCommit) -> Statement {
        let order = doc::read(summary_from).unwrap();
        Statement {
            version: STATEMENT_VERSION,
            kind: StatementKind::Signoff,
            order: order.id.to_string(),
            provisional_no: order.provisional_no.clone(),
            official_no: None,
            heads,
            summary: summary_of(&order),
            signer: Signatory { name: "王女士".into(), role: SignerRole::Owner },
            rating: Some(5),
            opinion: "满意".into(),
            strokes_sha256: signature().sha256(),
            signed_at_ms: self.t + 1000,
            hlc: Hlc::new(self.t + 1000, 0).to_string(),
            place: None,
            device: DEV.into(),
        }
    }

    /// Sign what the order holds now and record it.
    fn sign(&mut self) -> SignedStatement {
        let heads = heads_of(&mut self.doc);
        let st = self.statement(heads, &self.doc.clone());
        let signed = SignedStatement::sign(&st, signature().encode(), &key()).unwrap();
        self.edit(Edit::SignOff { statement: signed.clone() });
        signed
    }

    fn verify(&self, s: &SignedStatement) -> Verdict {
        let k = key();
        verify(&self.doc, s, &keys(&k))
    }

    fn item(&self, kind: &str, n: usize) -> String {
        let o = doc::read(&self.doc).unwrap();
        match kind {
            "materials" => o.materials[n].id.clone(),
            "labour" => o.labour[n].id.clone(),
            _ => o.photos.iter().filter(|p| !p.removed).nth(n).unwrap().id.clone(),
        }
    }
}

fn heads_of(doc: &mut AutoCommit) -> Vec<String> {
    let mut h: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
    h.sort();
    h
}

fn header(at: i64, prev: Option<signoff_core::ids::EventId>) -> EventHeader {
    EventHeader { hlc: Hlc::new(at, 0), device: DeviceId::new(DEV), by: PersonId::new("wang"), at_ms: at, prev }
}

fn material(name: &str, qty: &str, price: &str) -> NewMaterial {
    NewMaterial {
        name: name.into(),
        spec: String::new(),
        quantity: qty.parse().unwrap(),
        unit: "个".into(),
        unit_price: price.parse().unwrap(),
    }
}

fn photo(n: u8, stage: PhotoStage) -> NewPhoto {
    NewPhoto {
        sha256: format!("{n:02x}").repeat(32),
        original_sha256: format!("{:02x}", n.wrapping_add(100)).repeat(32),
        thumbnail_sha256: format!("{:02x}", n.wrapping_add(200)).repeat(32),
        width: 2016,
        height: 1512,
        stamped: true,
        stage,
        caption: String::new(),
        taken_at_ms: None,
        place: None,
    }
}

fn changed(v: &Verdict) -> Vec<String> {
    match v {
        Verdict::ChangedAfterSignoff { fields } => fields.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected changed-after-sign-off, got {other:?}"),
    }
}

#[test]
fn strokes_format_round_trips_is_compact_and_is_pinned() {
    let sig = signature();
    let bytes = sig.encode();
    assert!(bytes.len() < 4096, "a typical signature is well under 4 KB: {} bytes", bytes.len());
    assert_eq!(Signature::decode(&bytes).unwrap(), sig);
    assert_eq!(Signature::from_strokes(&sig.to_strokes(), Some(sig.size())).unwrap(), sig, "quantising is idempotent");
    insta::assert_snapshot!("strokes_v1_hex", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    for bad in
        [&bytes[..bytes.len() - 1], b"SGS1\x01\x00", b"not a signature at all", &[bytes.clone(), vec![0]].concat()]
    {
        assert!(Signature::decode(bad).is_err());
    }
    assert!(Signature::from_strokes(&[], None).is_err(), "an empty signature is refused");
}

#[test]
fn rendering_is_deterministic_and_pinned() {
    let sig = signature();
    let png = sig.to_png(2);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (w, h, mask) = sig.rasterize(2);
    assert_eq!((w, h), (720, 320));
    let inked = mask.iter().filter(|&&a| a > 128).count();
    assert!(inked > 2_000 && inked < w as usize * h as usize / 4, "{inked} inked pixels");
    // The same strokes give the same pixels on every machine: integer arithmetic only.
    insta::assert_snapshot!("strokes_v1_png_sha256", signoff_core::signoff::sha256_hex(&png));
    let svg = sig.to_svg();
    assert!(svg.starts_with("<svg") && svg.matches("<path").count() == 6);
    insta::assert_snapshot!("strokes_v1_svg_sha256", signoff_core::signoff::sha256_hex(svg.as_bytes()));
}

#[test]
fn canonical_bytes_are_pinned() {
    let mut o = Order::new("7d9f6a2e-0000-4000-8000-000000000001");
    let heads = heads_of(&mut o.doc);
    let st = o.statement(heads, &o.doc.clone());
    let bytes = st.canonical_bytes().unwrap();
    insta::assert_snapshot!("statement_v1_canonical", String::from_utf8(bytes.clone()).unwrap());
    let signed = SignedStatement::sign(&st, signature().encode(), &key()).unwrap();
    assert_eq!(signed.id, signoff_core::signoff::sha256_hex(&bytes));
    insta::assert_snapshot!("statement_v1_signature", signed.signature);
    assert_eq!(signed.statement().unwrap(), st);
}

#[test]
fn tamper_matrix() {
    let base = {
        let mut o = Order::new("o-1");
        let s = o.sign();
        assert_eq!(o.verify(&s), Verdict::Valid);
        (o, s)
    };
    let fresh = || (Order { doc: base.0.doc.clone(), t: base.0.t }, base.1.clone());

    // Every signed field, changed after signing, is named exactly.
    type Change = Box<dyn Fn(&mut Order)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "description",
            Box::new(|o| {
                o.edit(Edit::EditFields { fields: vec![FieldEdit::Description("卫生间、厨房漏水".into())] })
            }),
        ),
        ("location", Box::new(|o| o.edit(Edit::EditFields { fields: vec![FieldEdit::Location("次卫".into())] }))),
        (
            "findings",
            Box::new(|o| o.edit(Edit::EditFields { fields: vec![FieldEdit::Findings("另见水管老化".into())] })),
        ),
        (
            "work_done",
            Box::new(|o| {
                o.edit(Edit::EditFields { fields: vec![FieldEdit::WorkDone("重做防水并换地漏".into())] })
            }),
        ),
        ("cause", Box::new(|o| o.edit(Edit::DecideCause { cause: Cause::Misuse, note: String::new() }))),
        (
            "materials[{m0}]",
            Box::new(|o| {
                let id = o.item("materials", 0);
                o.edit(Edit::RemoveMaterial { item: id })
            }),
        ),
        ("materials[{new}]", Box::new(|o| o.edit(Edit::AddMaterial(material("生料带", "1", "3"))))),
        (
            "labour[{new}]",
            Box::new(|o| {
                o.edit(Edit::AddLabour {
                    person: PersonId::new("li"),
                    minutes: 30,
                    hourly_rate: Money(5000),
                    note: String::new(),
                })
            }),
        ),
        // The app refuses to remove signed evidence, so this is a writer that ignores the rules.
        (
            "photos[{p0}]",
            Box::new(|o| {
                use automerge::transaction::Transactable;
                let id = o.item("photos", 0);
                let (_, photos) = o.doc.get(ROOT, "photos").unwrap().unwrap();
                let (_, p) = o.doc.get(&photos, id.as_str()).unwrap().unwrap();
                o.doc.put(&p, "removed", true).unwrap();
                o.doc.commit();
            }),
        ),
        ("photos[{new}]", Box::new(|o| o.edit(Edit::AddPhoto(photo(9, PhotoStage::After))))),
    ];
    for (field, change) in cases {
        let (mut o, s) = fresh();
        let (m0, p0) = (o.item("materials", 0), o.item("photos", 0));
        change(&mut o);
        let newest = |kind: &str| {
            let ord = doc::read(&o.doc).unwrap();
            let e = ord.events.last().unwrap();
            let _ = kind;
            e.id.to_string()
        };
        let want = field.replace("{m0}", &m0).replace("{p0}", &p0).replace("{new}", &newest(field));
        assert_eq!(changed(&o.verify(&s)), std::slice::from_ref(&want), "{field}");
        // The verdict carries what was signed and what is there now.
        if let Verdict::ChangedAfterSignoff { fields } = o.verify(&s)
            && field == "work_done"
        {
            assert_eq!((fields[0].old.as_str(), fields[0].new.as_str()), ("重做防水", "重做防水并换地漏"));
        }
    }

    // Fields that are not signed: notes, urgency, the reporter's phone, the preferred time.
    let (mut o, s) = fresh();
    o.edit(Edit::Note { text: "内部备注:下次带备件".into() });
    o.edit(Edit::EditFields {
        fields: vec![
            FieldEdit::Urgency(Urgency::Normal),
            FieldEdit::ReporterPhone("13900000000".into()),
            FieldEdit::PreferredTime("周末".into()),
        ],
    });
    assert_eq!(o.verify(&s), Verdict::Valid);

    // One flipped bit of the signature.
    let (o, mut s) = fresh();
    let mut bytes = s.signature.clone().into_bytes();
    bytes[10] = if bytes[10] == b'0' { b'1' } else { b'0' };
    s.signature = String::from_utf8(bytes).unwrap();
    assert_eq!(o.verify(&s), Verdict::InvalidSignature);

    // The stored statement text altered (a better rating), or the strokes swapped.
    let (o, mut s) = fresh();
    s.canonical = s.canonical.replace("\"rating\":5", "\"rating\":4");
    assert_eq!(o.verify(&s), Verdict::InvalidSignature);
    let (o, mut s) = fresh();
    s.strokes[20] ^= 1;
    assert_eq!(o.verify(&s), Verdict::InvalidSignature);

    // Replayed on another order: its changes are not in that document.
    let (_, s) = fresh();
    let other = Order::new("o-2");
    assert_eq!(other.verify(&s), Verdict::HeadsNotInDocument);

    // Heads the document does not have.
    let (mut o, _) = fresh();
    let bogus = vec!["ab".repeat(32)];
    let st = o.statement(bogus, &o.doc.clone());
    let forged = SignedStatement::sign(&st, signature().encode(), &key()).unwrap();
    assert_eq!(o.verify(&forged), Verdict::HeadsNotInDocument);

    // A validly signed statement whose summary is not what the document held at its heads.
    let heads = heads_of(&mut o.doc);
    let mut st = o.statement(heads, &o.doc.clone());
    st.summary.work_done = "全部重新装修".into();
    let lying = SignedStatement::sign(&st, signature().encode(), &key()).unwrap();
    assert_eq!(o.verify(&lying), Verdict::SummaryMismatch);

    // An unknown device.
    let (o, s) = fresh();
    assert_eq!(verify(&o.doc, &s, &|_| None), Verdict::UnknownDevice);
    let stranger = SigningKey::from_bytes(&[7; 32]);
    assert_eq!(
        verify(&o.doc, &s, &|_| Some(stranger.verifying_key())),
        Verdict::InvalidSignature,
        "right id, wrong key"
    );
}

#[test]
fn office_edits_merged_before_and_after_signing() {
    let mut o = Order::new("o-1");
    // The office corrects the findings on its own replica while the technician is on site.
    let mut office = o.doc.fork().with_actor(ActorId::from(&[1u8; 8][..]));
    let order = doc::read(&office).unwrap();
    let f = fold(&order.events, &signoff_core::signoff::verify_all(&office, &order, &keys(&key())));
    let h = EventHeader {
        hlc: Hlc::new(o.t + 5, 0),
        device: DeviceId::new("0101010101010101"),
        by: PersonId::new("chen"),
        at_ms: o.t + 5,
        prev: f.head.clone(),
    };
    edit::apply(
        &mut office,
        &order,
        &f,
        &h,
        &Edit::EditFields { fields: vec![FieldEdit::Findings("防水层破损,地漏松动".into())] },
    )
    .unwrap();
    office.commit();

    // Merged before the owner signs: the owner saw it, the sign-off stays valid.
    let mut before = Order { doc: o.doc.clone(), t: o.t };
    before.doc.merge(&mut office.clone()).unwrap();
    let s = before.sign();
    assert_eq!(before.verify(&s), Verdict::Valid);

    // Merged after: the owner never saw it, so it shows as changed after sign-off.
    let s = o.sign();
    o.doc.merge(&mut office).unwrap();
    let v = o.verify(&s);
    assert_eq!(changed(&v), ["findings"]);
    // A new sign-off can be requested and covers the corrected content.
    let again = o.sign();
    assert_eq!(o.verify(&again), Verdict::Valid);
    assert_eq!(doc::read(&o.doc).unwrap().statements.len(), 2);
    let _ = o.doc.length(ROOT);
}

#[derive(Debug, Clone)]
enum Later {
    Description(u8),
    WorkDone(u8),
    Findings(u8),
    AddMaterial(u8),
    RemoveMaterial(u8),
    AddPhoto(u8),
    RemovePhoto(u8),
    Note(u8),
    Urgency(bool),
}

fn later() -> impl Strategy<Value = Later> {
    prop_oneof![
        (0..3u8).prop_map(Later::Description),
        (0..3u8).prop_map(Later::WorkDone),
        (0..3u8).prop_map(Later::Findings),
        any::<u8>().prop_map(Later::AddMaterial),
        (0..4u8).prop_map(Later::RemoveMaterial),
        any::<u8>().prop_map(Later::AddPhoto),
        (0..4u8).prop_map(Later::RemovePhoto),
        any::<u8>().prop_map(Later::Note),
        any::<bool>().prop_map(Later::Urgency),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random later edits: the verdict names exactly the signed fields whose final value differs.
    #[test]
    fn the_verdict_lists_exactly_the_changed_signed_fields(edits in prop::collection::vec(later(), 0..12)) {
        let mut o = Order::new("o-prop");
        let s = o.sign();
        let signed = doc::read(&o.doc).unwrap();
        let text = |n: u8, base: &str| if n == 0 { base.to_owned() } else { format!("{base}({n})") };
        let mut expect = std::collections::BTreeSet::new();
        let (mut desc, mut work, mut find) = (signed.description.clone(), signed.work_done.clone(), signed.findings.clone());
        let mut items: std::collections::BTreeMap<String, bool> = std::collections::BTreeMap::new(); // id → signed?
        for m in &signed.materials { items.insert(format!("materials[{}]", m.id), true); }
        for p in &signed.photos { items.insert(format!("photos[{}]", p.id), true); }
        let mut present: std::collections::BTreeSet<String> = items.keys().cloned().collect();
        for e in edits {
            match e {
                Later::Description(n) => { desc = text(n, &signed.description); o.edit(Edit::EditFields { fields: vec![FieldEdit::Description(desc.clone())] }) }
                Later::WorkDone(n) => { work = text(n, &signed.work_done); o.edit(Edit::EditFields { fields: vec![FieldEdit::WorkDone(work.clone())] }) }
                Later::Findings(n) => { find = text(n, &signed.findings); o.edit(Edit::EditFields { fields: vec![FieldEdit::Findings(find.clone())] }) }
                Later::AddMaterial(n) => {
                    o.edit(Edit::AddMaterial(material(&format!("配件{n}"), "2", "10")));
                    let id = doc::read(&o.doc).unwrap().events.last().unwrap().id.to_string();
                    items.insert(format!("materials[{id}]"), false);
                    present.insert(format!("materials[{id}]"));
                }
                Later::RemoveMaterial(n) => {
                    let list: Vec<String> = present.iter().filter(|k| k.starts_with("materials[")).cloned().collect();
                    if let Some(k) = list.get(usize::from(n) % list.len().max(1)) {
                        o.edit(Edit::RemoveMaterial { item: k["materials[".len()..k.len() - 1].to_owned() });
                        present.remove(k);
                    }
                }
                Later::AddPhoto(n) => {
                    o.edit(Edit::AddPhoto(photo(n.max(3), PhotoStage::During)));
                    let id = doc::read(&o.doc).unwrap().events.last().unwrap().id.to_string();
                    items.insert(format!("photos[{id}]"), false);
                    present.insert(format!("photos[{id}]"));
                }
                Later::RemovePhoto(n) => {
                    // Signed evidence cannot be removed; photos added after signing can.
                    let list: Vec<String> = present.iter().filter(|k| k.starts_with("photos[") && items.get(*k) == Some(&false)).cloned().collect();
                    if let Some(k) = list.get(usize::from(n) % list.len().max(1)) {
                        o.edit(Edit::RemovePhoto { item: k["photos[".len()..k.len() - 1].to_owned(), reason: "不要了".into() });
                        present.remove(k);
                    }
                }
                Later::Note(n) => o.edit(Edit::Note { text: format!("备注{n}") }),
                Later::Urgency(u) => o.edit(Edit::EditFields { fields: vec![FieldEdit::Urgency(if u { Urgency::Emergency } else { Urgency::Normal })] }),
            }
        }
        if desc != signed.description { expect.insert("description".to_owned()); }
        if work != signed.work_done { expect.insert("work_done".to_owned()); }
        if find != signed.findings { expect.insert("findings".to_owned()); }
        for (item, was_signed) in &items {
            if *was_signed != present.contains(item) { expect.insert(item.clone()); }
        }
        let got: std::collections::BTreeSet<String> = match o.verify(&s) {
            Verdict::Valid => Default::default(),
            Verdict::ChangedAfterSignoff { fields } => fields.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(got, expect);
    }
}
