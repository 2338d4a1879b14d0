//! Organisation settings: service targets (SLA), warranty periods and the working-day calendar.
//! Defaults come from the domain description; every number is configurable per organisation.

use crate::calendar::WorkCalendar;
use crate::model::WarrantyComponent;
use serde::{Deserialize, Serialize};

/// Service targets (服务时限).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SlaPolicy {
    /// Call the owner back to fix the visit time within this many minutes of the report (2 h).
    pub contact_within_min: i64,
    /// An emergency has someone on site within this many minutes (15).
    pub emergency_on_site_min: i64,
    /// A warranty contractor is on site within this many hours of assignment (24).
    pub contractor_on_site_hours: i64,
    /// After a 《质量维修通知单》 the contractor has this many hours before a third party is suggested.
    pub repair_notice_grace_hours: i64,
    /// A valid complaint is passed to its department within this many working days (1).
    pub complaint_transfer_working_days: u32,
    /// A complaint is answered with a plan within this many working days (2).
    pub complaint_answer_working_days: u32,
    /// The callback after a non-household repair is due within this many working days.
    pub callback_working_days: u32,
    /// An appointment with no end counts as this many minutes long.
    pub appointment_default_min: i64,
    /// A deadline is "at risk" once less than this fraction of its window is left.
    pub at_risk_fraction: f64,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            contact_within_min: 120,
            emergency_on_site_min: 15,
            contractor_on_site_hours: 24,
            repair_notice_grace_hours: 24,
            complaint_transfer_working_days: 1,
            complaint_answer_working_days: 2,
            callback_working_days: 3,
            appointment_default_min: 120,
            at_risk_fraction: 0.25,
        }
    }
}

/// How long a warranty lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "unit", content = "count", rename_all = "snake_case")]
pub enum WarrantyPeriod {
    /// Calendar years from the start date.
    Years(u32),
    /// Heating or cooling seasons (采暖期/供冷期) that begin on or after the start date.
    Seasons(u32),
    /// The design life of the building, in years.
    DesignLife(u32),
}

/// A yearly season, e.g. the heating season 11-15 to 03-15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Season {
    /// Start month (1–12).
    pub start_month: u32,
    /// Start day.
    pub start_day: u32,
    /// End month (may be in the next year).
    pub end_month: u32,
    /// End day (inclusive).
    pub end_day: u32,
}

/// A project's longer period for one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarrantyOverride {
    /// Component.
    pub component: WarrantyComponent,
    /// Its period in this project.
    pub period: WarrantyPeriod,
}

/// Warranty periods per component (defaults: the statutory minimums).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WarrantyPolicy {
    /// 主体结构.
    pub structure: WarrantyPeriod,
    /// 防水防渗漏.
    pub waterproofing: WarrantyPeriod,
    /// 供热与供冷.
    pub heating_cooling: WarrantyPeriod,
    /// 电气管线.
    pub electrical_wiring: WarrantyPeriod,
    /// 给排水.
    pub water_supply_drainage: WarrantyPeriod,
    /// 设备安装.
    pub equipment: WarrantyPeriod,
    /// 装修.
    pub decoration: WarrantyPeriod,
    /// The season counted for heating and cooling warranties.
    pub season: Season,
}

impl Default for WarrantyPolicy {
    fn default() -> Self {
        WarrantyPolicy {
            structure: WarrantyPeriod::DesignLife(50),
            waterproofing: WarrantyPeriod::Years(5),
            heating_cooling: WarrantyPeriod::Seasons(2),
            electrical_wiring: WarrantyPeriod::Years(2),
            water_supply_drainage: WarrantyPeriod::Years(2),
            equipment: WarrantyPeriod::Years(2),
            decoration: WarrantyPeriod::Years(2),
            season: Season { start_month: 11, start_day: 15, end_month: 3, end_day: 15 },
        }
    }
}

impl WarrantyPolicy {
    /// The default period for a component.
    pub fn period(&self, component: WarrantyComponent) -> WarrantyPeriod {
        match component {
            WarrantyComponent::Structure => self.structure,
            WarrantyComponent::Waterproofing => self.waterproofing,
            WarrantyComponent::HeatingCooling => self.heating_cooling,
            WarrantyComponent::ElectricalWiring => self.electrical_wiring,
            WarrantyComponent::WaterSupplyDrainage => self.water_supply_drainage,
            WarrantyComponent::Equipment => self.equipment,
            WarrantyComponent::Decoration => self.decoration,
        }
    }
}

/// How long a device keeps a photo's original file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeepOriginals {
    /// Until the evidence copy is uploaded, then the original may be dropped to save space.
    #[default]
    UntilUploaded,
    /// Always.
    Always,
}

/// Photo evidence settings (照相取证).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PhotoSettings {
    /// Burn time, order number and unit into a band on the evidence copy (水印).
    pub stamp: bool,
    /// Long edge of the evidence copy in pixels (an upper bound; see the photo pipeline).
    pub evidence_long_edge: u32,
    /// JPEG quality of the evidence copy.
    pub evidence_quality: u8,
    /// Long edge of thumbnails.
    pub thumbnail_long_edge: u32,
    /// How long originals are kept on the device.
    pub keep_originals: KeepOriginals,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings {
            stamp: true,
            evidence_long_edge: 2048,
            evidence_quality: 82,
            thumbnail_long_edge: 320,
            keep_originals: KeepOriginals::UntilUploaded,
        }
    }
}

/// Who must sign before an order counts as accepted (验收).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SignoffSettings {
    /// For ordinary jobs.
    pub roles: Vec<crate::signoff::SignerRole>,
    /// For warranty jobs done by a contractor (维修部, 业主, 监理, 项目部 sign the 维修单).
    pub warranty_roles: Vec<crate::signoff::SignerRole>,
}

impl Default for SignoffSettings {
    fn default() -> Self {
        use crate::signoff::SignerRole as R;
        SignoffSettings {
            roles: vec![R::Owner],
            warranty_roles: vec![R::Repairer, R::Owner, R::Supervisor, R::Project],
        }
    }
}

/// Everything an organisation configures for the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OrgSettings {
    /// Organisation name.
    pub name: String,
    /// Local time offset from UTC in minutes (China: +480). Days and working days are local.
    pub utc_offset_minutes: i32,
    /// Service targets.
    pub sla: SlaPolicy,
    /// Warranty periods.
    pub warranty: WarrantyPolicy,
    /// Working days.
    pub calendar: WorkCalendar,
    /// Photo evidence.
    pub photos: PhotoSettings,
    /// Sign-off roles.
    pub signoff: SignoffSettings,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            name: String::new(),
            utc_offset_minutes: 8 * 60,
            sla: SlaPolicy::default(),
            warranty: WarrantyPolicy::default(),
            calendar: WorkCalendar::default(),
            photos: PhotoSettings::default(),
            signoff: SignoffSettings::default(),
        }
    }
}

impl OrgSettings {
    /// The organisation's local time zone (UTC if the configured offset is out of range).
    pub fn tz(&self) -> chrono::FixedOffset {
        use chrono::Offset;
        chrono::FixedOffset::east_opt(self.utc_offset_minutes.saturating_mul(60)).unwrap_or(chrono::Utc.fix())
    }
}
