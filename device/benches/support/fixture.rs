//! A store of 10,000 work orders with realistic lives (~40 changes each, from an office device, a
//! technician's phone and sometimes a supervisor's), built once and cached under `target/`.

use automerge::{ActorId, AutoCommit};
use chrono::{DateTime, Utc};
use signoff_core::doc::{self, EventHeader};
use signoff_core::edit::{self, Edit, FieldEdit, NewMaterial, NewPhoto};
use signoff_core::hlc::Hlc;
use signoff_core::ids::{DeviceId, OrderId, PersonId, UnitId};
use signoff_core::model::{
    Assignee, Callback, Cause, Channel, NewOrder, OrderKind, PhotoStage, Reporter, UnitRef, Urgency,
};
use signoff_core::money::{Money, Quantity};
use signoff_core::rules::status::fold;
use signoff_core::signoff::strokes::{Point, Signature, Stroke};
use signoff_core::signoff::{
    STATEMENT_VERSION, Signatory, SignedStatement, SignerRole, Statement, StatementKind, summary_of,
};
use signoff_device::store::reference::read_json;
use signoff_device::{Ctx, InitOptions, Source, Store};
use std::path::{Path, PathBuf};

pub const ORDERS: usize = 10_000;
const VERSION: &str = "v11";
const MIN: i64 = 60_000;
pub const TECHS: [&str; 4] = ["wang", "li", "zhao", "sun"];
const DESCRIPTIONS: [&str; 8] = [
    "卫生间漏水,楼下天花板有水渍",
    "厨房下水道堵塞,水排不下去",
    "客厅插座跳闸,空调无法使用",
    "阳台推拉门变形关不严",
    "卧室墙面开裂约一米长",
    "入户门锁芯损坏",
    "地下车库顶板渗水滴到车上",
    "暖气片不热,阀门漏水",
];
const CATEGORIES: [&str; 8] =
    ["leak", "plumbing", "electrical", "doors_windows", "walls_floors", "fittings", "common_area", "hvac"];

/// A plausible handwritten signature (five strokes of forty points).
fn signature_strokes(seed: i64) -> Signature {
    let strokes: Vec<Stroke> = (0..5)
        .map(|s| Stroke {
            points: (0..40)
                .map(|i| {
                    let f = f64::from(i) + (seed % 7) as f64;
                    Point {
                        x: 20.0 + f64::from(s) * 55.0 + f * 1.2,
                        y: 60.0 + (f * 0.35 + f64::from(s)).sin() * 25.0,
                        time: f64::from(s) * 900.0 + f * 16.0,
                        pressure: Some(0.4 + (f * 0.2).sin().abs() * 0.4),
                    }
                })
                .collect(),
        })
        .collect();
    Signature::from_strokes(&strokes, Some((360, 160))).expect("strokes")
}

pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-11-16T08:00:00+08:00").map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

/// "Now" for the benchmarks: just after the last order was reported.
pub fn now() -> DateTime<Utc> {
    start() + chrono::Duration::minutes(52 * ORDERS as i64 + 60)
}

pub struct Writer {
    device: DeviceId,
    actor: ActorId,
    hlc: Hlc,
}

impl Writer {
    pub fn new(n: u8) -> Self {
        let bytes = [n, 0x51, 0x9e, 0x0f, 0xf0, 0x00, 0x00, n];
        Writer {
            device: DeviceId::new(data_encoding::HEXLOWER.encode(&bytes)),
            actor: ActorId::from(&bytes[..]),
            hlc: Hlc::default(),
        }
    }

    /// A real sign-off of the order as it is now, signed with this writer's key.
    fn signoff(&self, doc: &mut AutoCommit, name: &str, role: SignerRole, at: i64) -> Edit {
        let order = doc::read(doc).expect("read");
        let heads: Vec<String> = {
            let mut h: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
            h.sort();
            h
        };
        let strokes = signature_strokes(at).encode();
        let statement = Statement {
            version: STATEMENT_VERSION,
            kind: StatementKind::Signoff,
            order: order.id.to_string(),
            provisional_no: order.provisional_no.clone(),
            official_no: order.official_no.clone(),
            heads,
            summary: summary_of(&order),
            signer: Signatory { name: name.into(), role },
            rating: Some(5),
            opinion: "维修及时,满意".into(),
            strokes_sha256: signoff_core::signoff::sha256_hex(&strokes),
            signed_at_ms: at,
            hlc: self.hlc.to_string(),
            place: None,
            device: self.device.to_string(),
        };
        Edit::SignOff { statement: SignedStatement::sign(&statement, strokes, &self.key()).expect("sign") }
    }

    /// This writer's device key.
    fn key(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[self.actor.to_bytes()[0]; 32])
    }

    /// The public key of a writer's device, by its id (what a store learns from the office).
    fn key_of(device: &str) -> Option<ed25519_dalek::VerifyingKey> {
        let bytes = data_encoding::HEXLOWER.decode(device.as_bytes()).ok()?;
        Some(ed25519_dalek::SigningKey::from_bytes(&[*bytes.first()?; 32]).verifying_key())
    }

    fn step(&mut self, doc: &mut AutoCommit, by: &str, at: i64, e: Edit) {
        doc.set_actor(self.actor.clone());
        let order = doc::read(doc).expect("read");
        let f = fold(&order.events, &signoff_core::signoff::verify_all(doc, &order, &Writer::key_of));
        let seen = order.events.iter().map(|e| e.hlc).max().unwrap_or_default();
        self.hlc = self.hlc.max(seen).tick(at);
        let h = EventHeader {
            hlc: self.hlc,
            device: self.device.clone(),
            by: PersonId::new(by),
            at_ms: at,
            prev: f.head.clone(),
        };
        if edit::apply(doc, &order, &f, &h, &e).is_ok() {
            doc.commit();
        } else {
            doc.rollback();
        }
    }
}

fn photo(i: usize, k: usize, stage: PhotoStage, at: i64) -> Edit {
    Edit::AddPhoto(NewPhoto {
        sha256: format!("{:064x}", (i as u128) << 8 | k as u128),
        original_sha256: format!("{:064x}", (i as u128) << 8 | k as u128 | 1 << 120),
        thumbnail_sha256: format!("{:064x}", (i as u128) << 8 | k as u128 | 1 << 121),
        width: 2016,
        height: 1512,
        stamped: true,
        stage,
        caption: format!("现场照片{k}"),
        taken_at_ms: Some(at),
        place: None,
    })
}

/// One order's life. `stop` cuts it short to leave it open (assigned, on site, paused).
pub fn life(
    i: usize,
    office: &mut Writer,
    phone: &mut Writer,
    supervisor: &mut Writer,
    stop: Option<u8>,
) -> (OrderId, Vec<u8>) {
    let t0 = start().timestamp_millis() + i as i64 * 52 * MIN;
    let unit_n = i % 39;
    let units: Vec<String> = (1..=3)
        .flat_map(|b| {
            [2, 5, 8, 11, 14, 17]
                .into_iter()
                .flat_map(move |f| [1, 2].into_iter().map(move |r| format!("CH-{b}-{f}{r:02}")))
        })
        .chain(["YL-A-301", "YL-A-801", "YL-A-1201"].map(String::from))
        .collect();
    let unit = units[unit_n % units.len()].clone();
    let tech = TECHS[i % TECHS.len()];
    let id = OrderId::new(format!("00000000-0000-4000-8000-{i:012}"));
    let new = NewOrder {
        kind: if i.is_multiple_of(25) { OrderKind::Complaint } else { OrderKind::Repair },
        unit: UnitRef { unit_id: UnitId::new(unit.clone()), label: unit.clone(), ..UnitRef::default() },
        reporter: Reporter { name: format!("业主{}", i % 997), phone: format!("138{:08}", i * 7919 % 100_000_000) },
        channel: Channel::Hotline,
        category: CATEGORIES[i % 8].into(),
        urgency: if i.is_multiple_of(17) { Urgency::Emergency } else { Urgency::Normal },
        description: format!("{} ({}号报修)", DESCRIPTIONS[i % 8], i),
        location: "主卫".into(),
        preferred_time: "工作日下午".into(),
    };
    let mut doc = AutoCommit::new().with_actor(office.actor.clone());
    office.hlc = office.hlc.tick(t0);
    let h = EventHeader {
        hlc: office.hlc,
        device: office.device.clone(),
        by: PersonId::new("chen"),
        at_ms: t0,
        prev: None,
    };
    doc::create(&mut doc, &id, &format!("BENCH{}-{i:05}", i % 3), &new, &h).expect("create");
    doc.commit();
    let mut t = t0;
    let mut at = |m: i64| {
        t += m * MIN;
        t
    };
    let assign = Edit::Assign { assignee: Assignee::Technician(PersonId::new(tech)), note: "轮流派工".into() };
    office.step(&mut doc, "chen", at(10), Edit::Contact { note: "已约时间".into(), reached: true });
    office.step(&mut doc, "chen", at(2), assign);
    office.step(
        &mut doc,
        "chen",
        at(1),
        Edit::Schedule { from_ms: t0 + 24 * 60 * MIN, to_ms: Some(t0 + 26 * 60 * MIN), note: String::new() },
    );
    office.step(&mut doc, "chen", at(1), Edit::DecideCause { cause: Cause::NotOwnersFault, note: String::new() });
    office.step(&mut doc, "chen", at(5), Edit::Note { text: "业主白天不在家,需提前电话".into() });
    if stop == Some(0) {
        return (id, doc.save());
    }
    let mut field = doc.fork();
    let base = t0 + 24 * 60 * MIN;
    let mut tt = base;
    let mut ft = |m: i64| {
        tt += m * MIN;
        tt
    };
    phone.step(&mut field, tech, ft(5), Edit::Arrive);
    for k in 0..3 {
        let when = ft(2);
        phone.step(&mut field, tech, when, photo(i, k, PhotoStage::Before, when));
    }
    phone.step(
        &mut field,
        tech,
        ft(10),
        Edit::EditFields { fields: vec![FieldEdit::Findings("检查发现管件老化,接口渗水".into())] },
    );
    phone.step(&mut field, tech, ft(5), Edit::Note { text: "需要更换管件".into() });
    if stop == Some(1) {
        doc.merge(&mut field).expect("merge");
        return (id, doc.save());
    }
    phone.step(
        &mut field,
        tech,
        ft(5),
        Edit::Pause {
            reason: "缺料,明天带配件".into(), next_visit_ms: Some(base + 24 * 60 * MIN), owner_told: false
        },
    );
    doc.merge(&mut field).expect("merge");
    office.step(&mut doc, "chen", ft(30), Edit::Note { text: "已通知业主明天再上门".into() });
    office.step(
        &mut doc,
        "chen",
        ft(1),
        Edit::Schedule { from_ms: base + 24 * 60 * MIN, to_ms: None, note: "第二次上门".into() },
    );
    if stop == Some(2) {
        return (id, doc.save());
    }
    field.merge(&mut doc).expect("merge");
    let mut tt = base + 24 * 60 * MIN;
    let mut ft = |m: i64| {
        tt += m * MIN;
        tt
    };
    phone.step(&mut field, tech, ft(3), Edit::Arrive);
    for (k, (name, spec, qty, unit, price)) in [
        ("PPR管", "DN20", 2500, "米", 1800),
        ("直接头", "DN20", 4000, "个", 350),
        ("生料带", "", 1000, "卷", 300),
        ("防水涂料", "JS-II", 1500, "桶", 12000),
    ]
    .into_iter()
    .enumerate()
    {
        phone.step(
            &mut field,
            tech,
            ft(3 + k as i64),
            Edit::AddMaterial(NewMaterial {
                name: name.into(),
                spec: spec.into(),
                quantity: Quantity(qty),
                unit: unit.into(),
                unit_price: Money(price),
            }),
        );
    }
    for k in 3..6 {
        let when = ft(10);
        phone.step(&mut field, tech, when, photo(i, k, PhotoStage::During, when));
    }
    phone.step(
        &mut field,
        tech,
        ft(20),
        Edit::AddLabour {
            person: PersonId::new(tech), minutes: 90, hourly_rate: Money(5000), note: "更换管件".into()
        },
    );
    phone.step(
        &mut field,
        tech,
        ft(5),
        Edit::AddLabour {
            person: PersonId::new(tech), minutes: 30, hourly_rate: Money(5000), note: "闭水试验".into()
        },
    );
    for k in 6..9 {
        let when = ft(2);
        phone.step(&mut field, tech, when, photo(i, k, PhotoStage::After, when));
    }
    phone.step(&mut field, tech, ft(2), Edit::Note { text: "现场已清理".into() });
    phone.step(
        &mut field,
        tech,
        ft(1),
        Edit::Complete {
            findings: None, work_done: Some("更换PPR管及接头,重做地漏周边防水,闭水试验无渗漏".into())
        },
    );
    let when = ft(1);
    let owner = phone.signoff(&mut field, &format!("业主{}", i % 997), SignerRole::Owner, when);
    phone.step(&mut field, tech, when, owner);
    doc.merge(&mut field).expect("merge");
    if i.is_multiple_of(7) {
        let mut sup = doc.fork();
        supervisor.step(&mut sup, "zhou", ft(60), Edit::Note { text: "主管抽查:施工质量合格".into() });
        let when = ft(1);
        let signed = supervisor.signoff(&mut sup, "周主管", SignerRole::Supervisor, when);
        supervisor.step(&mut sup, "zhou", when, signed);
        doc.merge(&mut sup).expect("merge");
    }
    office.step(&mut doc, "chen", ft(120), Edit::Callback(Callback::unreached("未接通".into())));
    office.step(&mut doc, "chen", ft(60), Edit::Callback(Callback::reached(true, Some(5), "业主满意".into())));
    (id, doc.save())
}

fn build(path: &Path) {
    let reference =
        read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/reference.json")).expect("reference").0;
    let tmp = path.with_extension("building");
    let _ = std::fs::remove_file(&tmp);
    let mut store =
        Store::init(&tmp, InitOptions { person: Some(PersonId::new("wang")), settings: None }).expect("init");
    store.import_reference(&reference).expect("import");
    for n in 1..=6 {
        let w = Writer::new(n);
        store
            .add_device(w.device.as_str(), &data_encoding::HEXLOWER.encode(w.key().verifying_key().as_bytes()), "bench")
            .expect("device key");
    }
    let docs: Vec<(OrderId, Vec<u8>)> = std::thread::scope(|s| {
        let halves: Vec<_> = (0..2)
            .map(|half| {
                s.spawn(move || {
                    let (mut office, mut phone, mut sup) =
                        (Writer::new(1 + half), Writer::new(3 + half), Writer::new(5 + half));
                    (0..ORDERS)
                        .filter(|i| i % 2 == half as usize)
                        .map(|i| {
                            let stop = (i >= ORDERS - 400).then_some((i % 4) as u8).filter(|s| *s < 3);
                            life(i, &mut office, &mut phone, &mut sup, stop)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().expect("generator thread")).collect()
    });
    let ctx = Ctx { source: Source::Import, by: PersonId::new("import"), now: now() };
    for (id, bytes) in &docs {
        store.receive(id, bytes, &ctx).expect("receive");
    }
    drop(store);
    std::fs::rename(&tmp, path).expect("rename fixture");
}

/// A fresh copy of the cached 10k-order store (built on first use).
pub fn store_copy(dir: &Path) -> PathBuf {
    let cache =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench-fixtures/store-{ORDERS}-{VERSION}.db"));
    if !cache.exists() {
        std::fs::create_dir_all(cache.parent().expect("dir")).expect("mkdir");
        let t = std::time::Instant::now();
        eprintln!("building the {ORDERS}-order fixture (once)…");
        build(&cache);
        eprintln!("built in {:.0} s", t.elapsed().as_secs_f64());
    }
    let copy = dir.join("bench.db");
    std::fs::copy(&cache, &copy).expect("copy fixture");
    copy
}
