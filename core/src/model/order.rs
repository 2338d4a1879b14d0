//! A work order as read from its document.

use crate::ids::BuildingId;
use crate::ids::{ContractorId, OrderId, PersonId, UnitId};
use crate::model::{Event, EventKind, ProjectId};
use crate::money::{Money, Quantity};
use serde::{Deserialize, Serialize};

/// How the report reached the office (报修渠道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 电话 hotline.
    Hotline,
    /// 来访 walk-in at the desk.
    WalkIn,
    /// 书面 written report.
    Written,
    /// App or WeChat.
    App,
    /// 巡查/验收发现 found during an inspection or handover.
    Inspection,
}

/// Urgency (紧急程度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 紧急: someone on site immediately.
    Emergency,
    /// 重要.
    Important,
    /// 一般.
    Normal,
}

/// Repair (报修) or complaint (投诉); complaints have their own answer deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// 报修.
    #[default]
    Repair,
    /// 投诉.
    Complaint,
}

/// What caused the defect, as decided by the office or the technician (维修分判).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// 业主自身原因.
    OwnerCaused,
    /// 使用不当.
    Misuse,
    /// 非业主原因 (a construction or material defect).
    NotOwnersFault,
    /// 待查.
    Unknown,
}

/// Who does a job: one of the company's technicians or a contractor company.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    /// 维修人员.
    Technician(PersonId),
    /// 施工单位 / 维修单位.
    Contractor(ContractorId),
}

impl Assignee {
    /// The id as text, whichever kind it is.
    pub fn id(&self) -> &str {
        match self {
            Assignee::Technician(p) => p.as_str(),
            Assignee::Contractor(c) => c.as_str(),
        }
    }
}

/// Where the job is: the unit reference plus a snapshot of its address, so the order reads correctly
/// even on a device that lacks the reference data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnitRef {
    /// Reference data id of the unit.
    pub unit_id: UnitId,
    /// Project 项目.
    pub project_id: ProjectId,
    /// Building 楼栋.
    pub building_id: BuildingId,
    /// Short label, e.g. `3栋2单元1502`.
    pub label: String,
    /// Full address at the time of the report.
    pub address: String,
}

/// Who reported the defect. Personal data: never logged.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reporter {
    /// Name (报修人).
    pub name: String,
    /// Phone (联系电话).
    pub phone: String,
}

/// A material used on the job (材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Material {
    /// Stable id within the order.
    pub id: String,
    /// Name 名称.
    pub name: String,
    /// Specification 规格.
    pub spec: String,
    /// Quantity 数量.
    pub quantity: Quantity,
    /// Unit of measure 单位 (个, 米, 卷…).
    pub unit: String,
    /// Unit price 单价.
    pub unit_price: Money,
}

impl Material {
    /// Quantity × unit price.
    pub fn total(&self) -> Money {
        self.unit_price.times(self.quantity)
    }

    /// The line total, or `None` when it does not fit (only a hostile document holds such numbers).
    pub fn checked_total(&self) -> Option<Money> {
        self.unit_price.checked_times(self.quantity)
    }
}

/// Time spent on the job (工时).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Labour {
    /// Stable id within the order.
    pub id: String,
    /// Who worked.
    pub person: PersonId,
    /// Minutes worked.
    pub minutes: u32,
    /// Hourly rate charged, if chargeable.
    pub hourly_rate: Money,
    /// What was done.
    pub note: String,
}

impl Labour {
    /// Minutes × hourly rate, rounded to the fen.
    pub fn total(&self) -> Money {
        self.hourly_rate.times(Quantity(i64::from(self.minutes) * 1000 / 60))
    }

    /// The line total, or `None` when it does not fit.
    pub fn checked_total(&self) -> Option<Money> {
        self.hourly_rate.checked_times(Quantity(i64::from(self.minutes) * 1000 / 60))
    }
}

/// When a photo was taken relative to the repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PhotoStage {
    /// 维修前.
    Before,
    /// 维修中.
    During,
    /// 维修后.
    After,
    /// 其他.
    Other,
}

/// A place on earth (WGS-84), with accuracy when known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GeoPoint {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Accuracy radius in metres, if known.
    pub accuracy_m: Option<f64>,
}

/// A reference to a photo's blobs (the pipeline that makes these is in `signoff-device`). Every hash is
/// SHA-256 in lowercase hex; the blobs themselves live in a content-addressed store, never in documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PhotoRef {
    /// Stable id within the order.
    pub id: String,
    /// The evidence image (JPEG, long edge ≤ 2048 px, stamped when the organisation stamps photos).
    pub sha256: String,
    /// The file as it came from the camera or gallery (unstamped); empty in documents from before it was recorded.
    pub original_sha256: String,
    /// The thumbnail (JPEG, long edge ≈ 320 px).
    pub thumbnail_sha256: String,
    /// Evidence width in pixels (0 when unknown).
    pub width: u32,
    /// Evidence height in pixels (0 when unknown).
    pub height: u32,
    /// Whether the evidence carries the burned-in stamp (水印).
    pub stamped: bool,
    /// Stage.
    pub stage: PhotoStage,
    /// Caption 说明.
    pub caption: String,
    /// Capture time (ms since epoch), if known.
    pub taken_at_ms: Option<i64>,
    /// Where it was taken, if known.
    pub place: Option<GeoPoint>,
    /// Who took it.
    pub taken_by: PersonId,
    /// Removed (an event records why); signed evidence is never removed.
    pub removed: bool,
}

/// A work order as read from its document: the fields people entered and the full event log.
/// Status, assignee and deadlines are derived from it by [`crate::rules`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkOrder {
    /// Document id.
    pub id: OrderId,
    /// Schema version the document was written with.
    pub schema: u64,
    /// Provisional number made on the creating device (临时单号).
    pub provisional_no: String,
    /// Official number assigned once by the server (报修单号), if synced.
    pub official_no: Option<String>,
    /// Repair or complaint.
    pub kind: OrderKind,
    /// Where.
    pub unit: UnitRef,
    /// Who reported.
    pub reporter: Reporter,
    /// How it was reported.
    pub channel: Channel,
    /// Category code (see [`crate::model::Category`]).
    pub category: String,
    /// Urgency.
    pub urgency: Urgency,
    /// What is wrong (报修内容).
    pub description: String,
    /// Where in the unit (部位), e.g. 主卫.
    pub location: String,
    /// When the owner would like the visit, free text (预约时间意向).
    pub preferred_time: String,
    /// Cause, once decided.
    pub cause: Option<Cause>,
    /// What the technician found (检查情况).
    pub findings: String,
    /// What was done (维修内容).
    pub work_done: String,
    /// Materials.
    pub materials: Vec<Material>,
    /// Labour entries.
    pub labour: Vec<Labour>,
    /// Photo references.
    pub photos: Vec<PhotoRef>,
    /// The append-only event log, in HLC order.
    pub events: Vec<Event>,
    /// Signed statements (sign-offs, quantity confirmations), by id.
    pub statements: Vec<crate::signoff::SignedStatement>,
    /// Fields with concurrent conflicting values (field name → all values), shown for a person to pick.
    pub field_conflicts: Vec<FieldConflict>,
}

/// Concurrent different values written to the same field on different devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldConflict {
    /// Field name in the document.
    pub field: String,
    /// Every value, in a deterministic order.
    pub values: Vec<String>,
}

impl WorkOrder {
    /// The number people should see: the official one when assigned, else the provisional one.
    pub fn display_no(&self) -> &str {
        self.official_no.as_deref().unwrap_or(&self.provisional_no)
    }

    /// Total of materials.
    pub fn materials_total(&self) -> Money {
        self.materials.iter().map(Material::total).sum()
    }

    /// Total of labour charges.
    pub fn labour_total(&self) -> Money {
        self.labour.iter().map(Labour::total).sum()
    }

    /// Materials plus labour.
    pub fn total_cost(&self) -> Money {
        self.materials_total() + self.labour_total()
    }

    /// Minutes of labour recorded.
    pub fn labour_minutes(&self) -> u32 {
        self.labour.iter().map(|l| l.minutes).sum()
    }

    /// Callbacks recorded (回访记录), in order.
    pub fn callbacks(&self) -> impl Iterator<Item = (&Event, &Callback)> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Callback(c) => Some((e, c)),
            _ => None,
        })
    }
}

use crate::model::Callback;

/// What the office enters to open a new order (报修登记).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewOrder {
    /// Repair or complaint.
    #[serde(default)]
    pub kind: OrderKind,
    /// Where.
    pub unit: UnitRef,
    /// Who reported.
    pub reporter: Reporter,
    /// How.
    pub channel: Channel,
    /// Category code.
    pub category: String,
    /// Urgency.
    pub urgency: Urgency,
    /// What is wrong.
    pub description: String,
    /// Where in the unit.
    #[serde(default)]
    pub location: String,
    /// Preferred visit time, free text.
    #[serde(default)]
    pub preferred_time: String,
}
