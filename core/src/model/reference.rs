//! Office-owned reference data (项目, 楼栋, 房号, 人员, 施工单位, 类别). Devices read it; only the office
//! changes it.

use crate::ids::{BuildingId, ContractorId, PersonId, UnitId};
use crate::model::Urgency;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::ids::ProjectId;

/// A project 项目 (one development).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// Id.
    pub id: ProjectId,
    /// Name, e.g. 翠湖花园.
    pub name: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Warranty periods that differ from the organisation's defaults (longer, by contract).
    #[serde(default)]
    pub warranty_overrides: Vec<crate::model::WarrantyOverride>,
}

/// A building 楼栋.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Building {
    /// Id.
    pub id: BuildingId,
    /// Project.
    pub project_id: ProjectId,
    /// Name, e.g. 3栋.
    pub name: String,
    /// 竣工验收 date of the building, the start of the contractor's warranty when a unit has none.
    #[serde(default)]
    pub acceptance_date: Option<NaiveDate>,
    /// The warranty contractor (总包) responsible for the building.
    #[serde(default)]
    pub contractor_id: Option<ContractorId>,
}

/// A unit 房号.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    /// Id.
    pub id: UnitId,
    /// Project.
    pub project_id: ProjectId,
    /// Building.
    pub building_id: BuildingId,
    /// Label, e.g. `3栋2单元1502`.
    pub label: String,
    /// Full address.
    #[serde(default)]
    pub address: String,
    /// Handover to the owner 交付日期; the owner's warranty runs from it.
    #[serde(default)]
    pub handover_date: Option<NaiveDate>,
    /// Completion acceptance 竣工验收日期; the contractor's warranty runs from it.
    #[serde(default)]
    pub acceptance_date: Option<NaiveDate>,
    /// The owner's renovations on record (装修备案), oldest first: a part they changed is checked before
    /// the developer's warranty is assumed to cover it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renovations: Vec<Renovation>,
}

/// A renovation of a unit after handover (装修), as the office recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Renovation {
    /// When (the start of the works).
    pub date: NaiveDate,
    /// The building parts it changed (e.g. waterproofing redone, walls drilled → decoration).
    pub parts: Vec<WarrantyComponent>,
    /// What was done.
    #[serde(default)]
    pub note: String,
}

/// A role a person has in the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 维修人员.
    Technician,
    /// 客服/调度.
    Dispatcher,
    /// 主管.
    Supervisor,
    /// Administrator.
    Admin,
}

/// A person on the office's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Id.
    pub id: PersonId,
    /// Name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Skills (category skills, e.g. `plumbing`, `electrical`).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Phone (personal data: not logged).
    #[serde(default)]
    pub phone: String,
    /// The contractor company a crew member (role technician) works for: they work that company's
    /// jobs, not jobs assigned to them by name. Left out for the organisation's own staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contractor: Option<ContractorId>,
    /// Still working here.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Person {
    /// Has the role.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A contractor company 施工单位 / 维修单位.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contractor {
    /// Id.
    pub id: ContractorId,
    /// Name.
    pub name: String,
    /// Contact phone.
    #[serde(default)]
    pub phone: String,
    /// Skills.
    #[serde(default)]
    pub skills: Vec<String>,
}

/// The building part a category's warranty period is counted for (建设工程质量管理条例 art. 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarrantyComponent {
    /// 地基基础和主体结构: the design life.
    Structure,
    /// 屋面防水、有防水要求的卫生间房间和外墙面的防渗漏: 5 years.
    Waterproofing,
    /// 供热与供冷系统: 2 heating or cooling seasons.
    HeatingCooling,
    /// 电气管线: 2 years.
    ElectricalWiring,
    /// 给排水管道: 2 years.
    WaterSupplyDrainage,
    /// 设备安装: 2 years.
    Equipment,
    /// 装修工程: 2 years.
    Decoration,
}

impl WarrantyComponent {
    /// Every building part, as the regulation lists them.
    pub const ALL: [WarrantyComponent; 7] = [
        WarrantyComponent::Structure,
        WarrantyComponent::Waterproofing,
        WarrantyComponent::HeatingCooling,
        WarrantyComponent::ElectricalWiring,
        WarrantyComponent::WaterSupplyDrainage,
        WarrantyComponent::Equipment,
        WarrantyComponent::Decoration,
    ];

    /// The part's name in both languages.
    pub fn label(self) -> crate::msg::Text {
        let (zh, en) = match self {
            WarrantyComponent::Structure => ("地基基础和主体结构", "Foundations and structure"),
            WarrantyComponent::Waterproofing => {
                ("防水（屋面、卫生间、外墙）", "Waterproofing (roof, bathrooms, facade)")
            }
            WarrantyComponent::HeatingCooling => ("供热与供冷系统", "Heating and cooling"),
            WarrantyComponent::ElectricalWiring => ("电气管线", "Electrical wiring"),
            WarrantyComponent::WaterSupplyDrainage => ("给排水管道", "Water supply and drainage"),
            WarrantyComponent::Equipment => ("设备安装", "Equipment"),
            WarrantyComponent::Decoration => ("装修工程", "Decoration"),
        };
        crate::msg::Text::new(zh, en)
    }
}

/// A repair category 类别 with its defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    /// Code, e.g. `leak`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Skill a technician needs for it.
    pub skill: String,
    /// Which warranty period applies.
    pub warranty: WarrantyComponent,
    /// Default urgency at intake.
    pub default_urgency: Urgency,
    /// A simple household repair: the callback is due the same day as completion.
    #[serde(default)]
    pub household: bool,
}

impl Category {
    fn new(code: &str, zh: &str, en: &str, skill: &str, warranty: WarrantyComponent, household: bool) -> Self {
        Category {
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            skill: skill.into(),
            warranty,
            default_urgency: Urgency::Normal,
            household,
        }
    }

    /// The categories named in the domain description, used until the office imports its own.
    pub fn defaults() -> Vec<Category> {
        use WarrantyComponent as W;
        let mut leak = Category::new("leak", "渗漏", "Water leakage", "waterproofing", W::Waterproofing, false);
        leak.default_urgency = Urgency::Important;
        vec![
            leak,
            Category::new("plumbing", "给排水", "Plumbing", "plumbing", W::WaterSupplyDrainage, true),
            Category::new("electrical", "电气", "Electrical", "electrical", W::ElectricalWiring, true),
            Category::new("doors_windows", "门窗", "Doors and windows", "carpentry", W::Decoration, true),
            Category::new("walls_floors", "墙地面/裂缝", "Walls, floors, cracks", "masonry", W::Decoration, false),
            Category::new("fittings", "装修", "Fittings and finishes", "carpentry", W::Decoration, true),
            Category::new("common_area", "公共区域", "Common areas", "general", W::Equipment, false),
            Category::new("hvac", "供暖/空调", "Heating and cooling", "hvac", W::HeatingCooling, false),
        ]
    }
}

/// All reference data a device holds, with lookups by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReferenceData {
    /// Projects.
    pub projects: Vec<Project>,
    /// Buildings.
    pub buildings: Vec<Building>,
    /// Units.
    pub units: Vec<Unit>,
    /// People.
    pub people: Vec<Person>,
    /// Contractors.
    pub contractors: Vec<Contractor>,
    /// Categories (the defaults when empty).
    pub categories: Vec<Category>,
    #[serde(skip)]
    unit_pos: std::collections::HashMap<UnitId, usize>,
}

impl ReferenceData {
    /// Build from parts, with lookups ready.
    pub fn new(
        projects: Vec<Project>,
        buildings: Vec<Building>,
        units: Vec<Unit>,
        people: Vec<Person>,
        contractors: Vec<Contractor>,
        categories: Vec<Category>,
    ) -> Self {
        let mut r =
            ReferenceData { projects, buildings, units, people, contractors, categories, unit_pos: Default::default() };
        r.reindex();
        r
    }

    /// Rebuild the lookup tables after changing the vectors.
    pub fn reindex(&mut self) {
        if self.categories.is_empty() {
            self.categories = Category::defaults();
        }
        self.unit_pos = self.units.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
    }

    /// A unit by id.
    pub fn unit(&self, id: &UnitId) -> Option<&Unit> {
        match self.unit_pos.get(id) {
            Some(&i) => self.units.get(i),
            None => self.units.iter().find(|u| &u.id == id),
        }
    }

    /// A building by id.
    pub fn building(&self, id: &BuildingId) -> Option<&Building> {
        self.buildings.iter().find(|b| &b.id == id)
    }

    /// A project by id.
    pub fn project(&self, id: &ProjectId) -> Option<&Project> {
        self.projects.iter().find(|p| &p.id == id)
    }

    /// A person by id.
    pub fn person(&self, id: &PersonId) -> Option<&Person> {
        self.people.iter().find(|p| &p.id == id)
    }

    /// A contractor by id.
    pub fn contractor(&self, id: &ContractorId) -> Option<&Contractor> {
        self.contractors.iter().find(|c| &c.id == id)
    }

    /// A category by code.
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// The display name of an assignee.
    pub fn assignee_name(&self, a: &crate::model::Assignee) -> String {
        match a {
            crate::model::Assignee::Technician(p) => self.person(p).map_or_else(|| p.to_string(), |p| p.name.clone()),
            crate::model::Assignee::Contractor(c) => {
                self.contractor(c).map_or_else(|| c.to_string(), |c| c.name.clone())
            }
        }
    }
}

/// A bundle of reference data, as in a JSON import file. Missing parts are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ReferenceImport {
    /// Organisation settings (replaces the current ones).
    pub organisation: Option<super::OrgSettings>,
    /// Projects.
    pub projects: Vec<Project>,
    /// Buildings.
    pub buildings: Vec<Building>,
    /// Units.
    pub units: Vec<Unit>,
    /// People.
    pub people: Vec<Person>,
    /// Contractors.
    pub contractors: Vec<Contractor>,
    /// Categories.
    pub categories: Vec<Category>,
    /// Devices whose sign-offs this device should be able to verify.
    pub devices: Vec<KnownDevice>,
}

/// A device and its Ed25519 public key (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnownDevice {
    /// Device id (16 hex digits).
    pub id: String,
    /// Public key, 64 hex digits.
    pub public_key: String,
    /// A name for people (e.g. 王建国's phone).
    #[serde(default)]
    pub name: String,
}
