//! Office reference data and organisation settings on the device, and importing them from JSON or CSV.
//!
//! Reference data changes rarely and is small next to the orders, so it is kept as one JSON row per
//! record and loaded whole at open. An import is all-or-nothing: every record is checked (dates,
//! references between records) before one transaction writes them; the index is then rebuilt because
//! deadlines and search text depend on settings, categories and names.

use super::Store;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use signoff_core::ids::{BuildingId, ContractorId, PersonId, ProjectId, UnitId};
use signoff_core::model::{Building, Contractor, OrgSettings, Person, Project, ReferenceData, Role, Unit};
use signoff_core::msg::{Key, Msg, Text};
use signoff_core::validate::{self, Field};
use std::path::Path;

pub use signoff_core::model::{KnownDevice, ReferenceImport};

/// How many records an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Projects.
    pub projects: usize,
    /// Buildings.
    pub buildings: usize,
    /// Units.
    pub units: usize,
    /// People.
    pub people: usize,
    /// Contractors.
    pub contractors: usize,
    /// Categories.
    pub categories: usize,
    /// Whether the organisation settings were replaced.
    pub settings: bool,
    /// Devices.
    pub devices: usize,
    /// Orders re-indexed afterwards.
    pub reindexed: usize,
}

fn damaged_reference(what: &str, e: &serde_json::Error) -> Error {
    Error::Corrupt { path: std::path::PathBuf::from(format!("reference data: {what}")), reason: e.to_string() }
}

const SETTINGS: (&str, &str) = ("settings", "organisation");

pub(crate) fn save_settings(tx: &Transaction<'_>, s: &OrgSettings) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|e| damaged_reference("settings", &e))?;
    tx.execute(
        "INSERT INTO reference(kind, id, json) VALUES (?1, ?2, ?3) ON CONFLICT(kind, id) DO UPDATE SET json = excluded.json",
        params![SETTINGS.0, SETTINGS.1, json],
    )?;
    Ok(())
}

pub(crate) fn load_settings(conn: &Connection) -> Result<OrgSettings> {
    let json: Option<String> = conn
        .query_row("SELECT json FROM reference WHERE kind = ?1 AND id = ?2", params![SETTINGS.0, SETTINGS.1], |r| {
            r.get(0)
        })
        .optional()?;
    match json {
        None => Ok(OrgSettings::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| damaged_reference("settings", &e)),
    }
}

fn load_kind<T: serde::de::DeserializeOwned>(conn: &Connection, kind: &str) -> Result<Vec<T>> {
    let mut stmt = conn.prepare("SELECT id, json FROM reference WHERE kind = ?1 ORDER BY id")?;
    let rows = stmt.query_map([kind], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, json) = row?;
        out.push(serde_json::from_str(&json).map_err(|e| damaged_reference(&format!("{kind} {id}"), &e))?);
    }
    Ok(out)
}

pub(crate) fn load_reference(conn: &Connection) -> Result<ReferenceData> {
    Ok(ReferenceData::new(
        load_kind(conn, "project")?,
        load_kind(conn, "building")?,
        load_kind(conn, "unit")?,
        load_kind(conn, "person")?,
        load_kind(conn, "contractor")?,
        load_kind(conn, "category")?,
    ))
}

fn put<T: Serialize>(tx: &Transaction<'_>, kind: &str, id: &str, v: &T) -> Result<()> {
    let json = serde_json::to_string(v).map_err(|e| damaged_reference(kind, &e))?;
    tx.prepare_cached(
        "INSERT INTO reference(kind, id, json) VALUES (?1, ?2, ?3) ON CONFLICT(kind, id) DO UPDATE SET json = excluded.json",
    )?
    .execute(params![kind, id, json])?;
    Ok(())
}

fn bad(m: Msg) -> Error {
    Error::Invalid(m)
}

fn kind_label(kind: &str) -> Text {
    match kind {
        "project" => Text::new("项目", "project"),
        "building" => Text::new("楼栋", "building"),
        "unit" => Text::new("房号", "unit"),
        "person" => Text::new("人员", "person"),
        "contractor" => Text::new("施工单位", "contractor"),
        "category" => Text::new("类别", "category"),
        "device" => Text::new("设备", "device"),
        other => Text::same(other),
    }
}

/// Where a record came from, for messages (`units.csv 第 7 行`, or `the 3rd unit of bundle.json`).
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// The file.
    pub file: String,
    /// Per kind, the CSV line (or JSON position, 1-based) of each record, in order.
    pub lines: std::collections::HashMap<&'static str, Vec<u64>>,
    /// CSV (line numbers) or JSON (positions).
    pub csv: bool,
}

impl Origins {
    fn at(&self, kind: &'static str, i: usize) -> Text {
        let n = self.lines.get(kind).and_then(|l| l.get(i)).copied().unwrap_or(i as u64 + 1);
        let file = if self.file.is_empty() { "import".to_owned() } else { self.file.clone() };
        let m = if self.csv {
            Msg::new(Key::LineOf).arg("file", file).arg("line", n)
        } else {
            Msg::new(Key::RecordOf).arg("file", file).arg("n", n).arg("kind", kind_label(kind))
        };
        m.text()
    }
}

fn problem(at: Text, r: signoff_core::Rejection) -> Error {
    bad(Msg::new(Key::ImportBadValue).arg("where", at).arg("problem", r.msg().text()))
}

/// Every id once per kind: a second record with the same id would silently replace the first.
fn check_unique<'a>(kind: &'static str, ids: impl Iterator<Item = &'a str>, origins: &Origins) -> Result<()> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, id) in ids.enumerate() {
        if let Some(first) = seen.insert(id, i) {
            return Err(bad(Msg::new(Key::ImportDuplicate)
                .arg("where", origins.at(kind, i))
                .arg("kind", kind_label(kind))
                .arg("id", id)
                .arg("first", origins.at(kind, first))));
        }
    }
    Ok(())
}

fn check(import: &ReferenceImport, current: &ReferenceData, origins: &Origins) -> Result<()> {
    let has_project =
        |id: &ProjectId| import.projects.iter().any(|p| &p.id == id) || current.projects.iter().any(|p| &p.id == id);
    let has_building =
        |id: &BuildingId| import.buildings.iter().any(|b| &b.id == id) || current.buildings.iter().any(|b| &b.id == id);
    let has_contractor = |id: &ContractorId| {
        import.contractors.iter().any(|c| &c.id == id) || current.contractors.iter().any(|c| &c.id == id)
    };
    let unknown = |kind: &str, id: &str, ref_kind: &str, ref_id: &str| {
        bad(Msg::new(Key::ImportUnknownRef)
            .arg("kind", kind_label(kind))
            .arg("id", id)
            .arg("ref_kind", kind_label(ref_kind))
            .arg("ref_id", ref_id))
    };
    check_unique("project", import.projects.iter().map(|p| p.id.as_str()), origins)?;
    check_unique("building", import.buildings.iter().map(|b| b.id.as_str()), origins)?;
    check_unique("unit", import.units.iter().map(|u| u.id.as_str()), origins)?;
    check_unique("person", import.people.iter().map(|p| p.id.as_str()), origins)?;
    check_unique("contractor", import.contractors.iter().map(|c| c.id.as_str()), origins)?;
    check_unique("category", import.categories.iter().map(|c| c.code.as_str()), origins)?;
    check_unique("device", import.devices.iter().map(|d| d.id.as_str()), origins)?;
    for (i, p) in import.projects.iter().enumerate() {
        let at = || origins.at("project", i);
        validate::text(Field::Id, p.id.as_str()).map_err(|r| problem(at(), r))?;
        validate::text(Field::Name, &p.name).map_err(|r| problem(at(), r))?;
    }
    for (i, b) in import.buildings.iter().enumerate() {
        let at = || origins.at("building", i);
        validate::text(Field::Id, b.id.as_str()).map_err(|r| problem(at(), r))?;
        validate::text(Field::Name, &b.name).map_err(|r| problem(at(), r))?;
        if !has_project(&b.project_id) {
            return Err(unknown("building", b.id.as_str(), "project", b.project_id.as_str()));
        }
        if let Some(c) = &b.contractor_id
            && !has_contractor(c)
        {
            return Err(unknown("building", b.id.as_str(), "contractor", c.as_str()));
        }
    }
    for (i, u) in import.units.iter().enumerate() {
        let at = || origins.at("unit", i);
        validate::text(Field::Id, u.id.as_str()).map_err(|r| problem(at(), r))?;
        validate::text(Field::UnitLabel, &u.label).map_err(|r| problem(at(), r))?;
        validate::text(Field::Address, &u.address).map_err(|r| problem(at(), r))?;
        if !has_project(&u.project_id) {
            return Err(unknown("unit", u.id.as_str(), "project", u.project_id.as_str()));
        }
        if !has_building(&u.building_id) {
            return Err(unknown("unit", u.id.as_str(), "building", u.building_id.as_str()));
        }
        if let (Some(h), Some(a)) = (u.handover_date, u.acceptance_date)
            && h < a
        {
            return Err(bad(Msg::new(Key::ImportHandoverBeforeAcceptance)
                .arg("id", u.id.as_str())
                .arg("handover", h.to_string())
                .arg("acceptance", a.to_string())));
        }
    }
    for (i, p) in import.people.iter().enumerate() {
        let at = || origins.at("person", i);
        validate::text(Field::PersonId, p.id.as_str()).map_err(|r| problem(at(), r))?;
        validate::text(Field::Name, &p.name).map_err(|r| problem(at(), r))?;
        validate::text(Field::Phone, &p.phone).map_err(|r| problem(at(), r))?;
        if p.roles.is_empty() {
            return Err(bad(Msg::new(Key::ImportNoRole).arg("id", p.id.as_str())));
        }
    }
    for (i, c) in import.contractors.iter().enumerate() {
        let at = || origins.at("contractor", i);
        validate::text(Field::Id, c.id.as_str()).map_err(|r| problem(at(), r))?;
        validate::text(Field::Name, &c.name).map_err(|r| problem(at(), r))?;
        validate::text(Field::Phone, &c.phone).map_err(|r| problem(at(), r))?;
    }
    for (i, c) in import.categories.iter().enumerate() {
        let at = || origins.at("category", i);
        validate::text(Field::Id, &c.code).map_err(|r| problem(at(), r))?;
        validate::text(Field::Name, &c.name_zh).map_err(|r| problem(at(), r))?;
        validate::text(Field::Name, &c.name_en).map_err(|r| problem(at(), r))?;
    }
    if let Some(o) = &import.organisation
        && o.utc_offset_minutes.abs() > 14 * 60
    {
        let r = signoff_core::Rejection::new(
            Msg::new(Key::OutOfRange)
                .arg("field", Text::new("时区偏移（分钟）", "UTC offset (minutes)"))
                .arg("min", -840)
                .arg("max", 840)
                .arg("value", o.utc_offset_minutes),
        );
        return Err(problem(Text::same(origins.file.clone()), r));
    }
    Ok(())
}

impl Store {
    /// Import reference data (all-or-nothing), then rebuild the index.
    pub fn import_reference(&mut self, import: &ReferenceImport) -> Result<ImportReport> {
        self.import_reference_from(import, &Origins::default())
    }

    /// [`Store::import_reference`], naming the file and lines records came from in messages.
    pub fn import_reference_from(&mut self, import: &ReferenceImport, origins: &Origins) -> Result<ImportReport> {
        check(import, &self.reference, origins)?;
        for d in &import.devices {
            let ok = data_encoding::HEXLOWER_PERMISSIVE
                .decode(d.public_key.as_bytes())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .is_some_and(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).is_ok());
            if !ok || d.id.trim().is_empty() {
                return Err(bad(Msg::new(Key::NotAPublicKey).arg("id", d.id.as_str())));
            }
        }
        let tx = self.conn.transaction()?;
        for p in &import.projects {
            put(&tx, "project", p.id.as_str(), p)?;
        }
        for b in &import.buildings {
            put(&tx, "building", b.id.as_str(), b)?;
        }
        for u in &import.units {
            put(&tx, "unit", u.id.as_str(), u)?;
        }
        for p in &import.people {
            put(&tx, "person", p.id.as_str(), p)?;
        }
        for c in &import.contractors {
            put(&tx, "contractor", c.id.as_str(), c)?;
        }
        for c in &import.categories {
            put(&tx, "category", &c.code, c)?;
        }
        if let Some(o) = &import.organisation {
            save_settings(&tx, o)?;
        }
        for d in &import.devices {
            tx.execute(
                "INSERT INTO devices(id, public_key, name) VALUES (?1, lower(?2), ?3) \
                 ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key, name = excluded.name",
                params![d.id, d.public_key, d.name],
            )?;
        }
        tx.commit()?;
        self.reference = load_reference(&self.conn)?;
        self.settings = load_settings(&self.conn)?;
        self.reload_keys()?;
        let reindexed = self.rebuild_index()?.indexed;
        Ok(ImportReport {
            projects: import.projects.len(),
            buildings: import.buildings.len(),
            units: import.units.len(),
            people: import.people.len(),
            contractors: import.contractors.len(),
            categories: import.categories.len(),
            settings: import.organisation.is_some(),
            devices: import.devices.len(),
            reindexed,
        })
    }
}

/// The kinds a CSV file can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// `id,name,city`
    Projects,
    /// `id,project_id,name,acceptance_date,contractor_id`
    Buildings,
    /// `id,project_id,building_id,label,address,handover_date,acceptance_date`
    Units,
    /// `id,name,roles,skills,phone,active` (roles and skills separated by `;`)
    People,
    /// `id,name,phone,skills`
    Contractors,
}

impl CsvKind {
    /// From a name such as `units` (or a file stem).
    pub fn parse(s: &str) -> Option<CsvKind> {
        match s.to_ascii_lowercase().as_str() {
            "projects" | "project" | "项目" => Some(CsvKind::Projects),
            "buildings" | "building" | "楼栋" => Some(CsvKind::Buildings),
            "units" | "unit" | "房号" => Some(CsvKind::Units),
            "people" | "persons" | "person" | "人员" => Some(CsvKind::People),
            "contractors" | "contractor" | "施工单位" => Some(CsvKind::Contractors),
            _ => None,
        }
    }

    fn record_kind(self) -> &'static str {
        match self {
            CsvKind::Projects => "project",
            CsvKind::Buildings => "building",
            CsvKind::Units => "unit",
            CsvKind::People => "person",
            CsvKind::Contractors => "contractor",
        }
    }

    /// The columns: `(name, Chinese heading also accepted, required)`.
    pub fn columns(self) -> &'static [(&'static str, &'static str, bool)] {
        match self {
            CsvKind::Projects => &[("id", "编号", true), ("name", "名称", true), ("city", "城市", false)],
            CsvKind::Buildings => &[
                ("id", "编号", true),
                ("project_id", "项目编号", true),
                ("name", "名称", true),
                ("acceptance_date", "竣工验收日期", false),
                ("contractor_id", "施工单位编号", false),
            ],
            CsvKind::Units => &[
                ("id", "编号", true),
                ("project_id", "项目编号", true),
                ("building_id", "楼栋编号", true),
                ("label", "房号", true),
                ("address", "地址", false),
                ("handover_date", "交付日期", false),
                ("acceptance_date", "竣工验收日期", false),
            ],
            CsvKind::People => &[
                ("id", "编号", true),
                ("name", "姓名", true),
                ("roles", "角色", true),
                ("skills", "技能", false),
                ("phone", "电话", false),
                ("active", "在职", false),
            ],
            CsvKind::Contractors => {
                &[("id", "编号", true), ("name", "名称", true), ("phone", "电话", false), ("skills", "技能", false)]
            }
        }
    }
}

fn opt_date(s: &str, field: &str) -> std::result::Result<Option<NaiveDate>, Msg> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    // Excel in China writes dates as 2026/3/1 as often as 2026-03-01.
    let parsed = s.parse().ok().or_else(|| NaiveDate::parse_from_str(s, "%Y/%m/%d").ok());
    parsed.map(Some).ok_or_else(|| Msg::new(Key::ImportBadDate).arg("field", field).arg("value", s))
}

fn list(s: &str) -> Vec<String> {
    s.split([';', '|', ',', '；', '、']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn role(s: &str) -> std::result::Result<Role, Msg> {
    let code = match s {
        "维修人员" | "维修工" | "技术员" => "technician",
        "客服" | "调度" | "客服调度" => "dispatcher",
        "主管" => "supervisor",
        "管理员" => "admin",
        other => other,
    };
    signoff_core::doc::from_code(&code.to_ascii_lowercase()).ok_or_else(|| Msg::new(Key::ImportBadRole).arg("value", s))
}

/// The text of a CSV file: UTF-8 (with or without a byte-order mark), or else GB18030 — what Excel in
/// China writes when it saves "CSV" (the ANSI code page 936, GBK, of which GB18030 is the superset).
pub fn decode_csv_text(data: &[u8]) -> String {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    match std::str::from_utf8(data) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(data).0.into_owned(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Read a CSV file of one kind into an import bundle, with the line each record came from. The header
/// must name only known columns (English, or the Chinese headings) and every required one; a
/// misspelled column is refused rather than silently leaving a field empty.
pub fn read_csv(path: &Path, kind: CsvKind) -> Result<(ReferenceImport, Origins)> {
    let data = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    read_csv_bytes(&data, &file_name(path), kind)
}

/// [`read_csv`] from bytes.
pub fn read_csv_bytes(data: &[u8], file: &str, kind: CsvKind) -> Result<(ReferenceImport, Origins)> {
    let text = decode_csv_text(data);
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let unreadable = |line: u64| {
        bad(Msg::new(Key::ImportUnreadable)
            .arg("file", file)
            .arg("format", "CSV")
            .arg("where", Msg::new(Key::LineOf).arg("file", file).arg("line", line).text()))
    };
    let headers = rdr.headers().map_err(|_| unreadable(1))?.clone();
    let known = kind.columns();
    let known_list = known.iter().map(|(c, _, _)| *c).collect::<Vec<_>>().join(", ");
    let kind_text = kind_label(kind.record_kind());
    let mut positions: std::collections::HashMap<&'static str, usize> = std::collections::HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match known.iter().find(|(c, zh, _)| h.eq_ignore_ascii_case(c) || h == *zh) {
            Some((c, _, _)) => {
                positions.insert(c, i);
            }
            None => {
                return Err(bad(Msg::new(Key::ImportUnknownColumn)
                    .arg("file", file)
                    .arg("column", h)
                    .arg("kind", kind_text)
                    .arg("known", known_list)));
            }
        }
    }
    if let Some((c, _, _)) = known.iter().find(|(c, _, required)| *required && !positions.contains_key(c)) {
        return Err(bad(Msg::new(Key::ImportMissingColumn)
            .arg("file", file)
            .arg("column", *c)
            .arg("kind", kind_text)
            .arg("known", known_list)));
    }
    let mut out = ReferenceImport::default();
    let mut lines = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| unreadable(e.position().map_or(0, |p| p.line())))?;
        let line = rec.position().map_or(0, |p| p.line());
        let at = || Msg::new(Key::LineOf).arg("file", file).arg("line", line).text();
        let on_line = |m: Msg| bad(Msg::new(Key::ImportBadValue).arg("where", at()).arg("problem", m.text()));
        let get = |name: &str| positions.get(name).and_then(|&c| rec.get(c)).unwrap_or("").to_owned();
        let need = |name: &'static str| -> Result<String> {
            let v = get(name);
            if v.is_empty() { Err(on_line(Msg::new(Key::Empty).arg("field", name))) } else { Ok(v) }
        };
        lines.push(line);
        match kind {
            CsvKind::Projects => out.projects.push(Project {
                id: ProjectId::new(need("id")?),
                name: need("name")?,
                city: get("city"),
                warranty_overrides: Vec::new(),
            }),
            CsvKind::Buildings => out.buildings.push(Building {
                id: BuildingId::new(need("id")?),
                project_id: ProjectId::new(need("project_id")?),
                name: need("name")?,
                acceptance_date: opt_date(&get("acceptance_date"), "acceptance_date").map_err(on_line)?,
                contractor_id: Some(get("contractor_id")).filter(|s| !s.is_empty()).map(ContractorId::new),
            }),
            CsvKind::Units => out.units.push(Unit {
                id: UnitId::new(need("id")?),
                project_id: ProjectId::new(need("project_id")?),
                building_id: BuildingId::new(need("building_id")?),
                label: need("label")?,
                address: get("address"),
                handover_date: opt_date(&get("handover_date"), "handover_date").map_err(on_line)?,
                acceptance_date: opt_date(&get("acceptance_date"), "acceptance_date").map_err(on_line)?,
                // Renovations come with the JSON bundle (a CSV row has no room for a list).
                renovations: Vec::new(),
            }),
            CsvKind::People => out.people.push(Person {
                id: PersonId::new(need("id")?),
                name: need("name")?,
                roles: list(&need("roles")?)
                    .iter()
                    .map(|r| role(r))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(on_line)?,
                skills: list(&get("skills")),
                phone: get("phone"),
                contractor: Some(get("contractor")).filter(|c| !c.is_empty()).map(ContractorId::new),
                active: !matches!(get("active").to_ascii_lowercase().as_str(), "false" | "no" | "0" | "否"),
            }),
            CsvKind::Contractors => out.contractors.push(Contractor {
                id: ContractorId::new(need("id")?),
                name: need("name")?,
                phone: get("phone"),
                skills: list(&get("skills")),
            }),
        }
    }
    let mut origins = Origins { file: file.to_owned(), csv: true, ..Origins::default() };
    origins.lines.insert(kind.record_kind(), lines);
    Ok((out, origins))
}

/// Read a JSON import bundle. Keys the bundle's records do not have (a misspelled `handover_dat`)
/// are refused, naming the record.
pub fn read_json(path: &Path) -> Result<(ReferenceImport, Origins)> {
    let data = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let file = file_name(path);
    let unreadable = |e: serde_json::Error| {
        bad(Msg::new(Key::ImportUnreadable)
            .arg("file", file.as_str())
            .arg("format", "JSON")
            .arg("where", Msg::new(Key::LineOf).arg("file", file.as_str()).arg("line", e.line()).text()))
    };
    let value: serde_json::Value = serde_json::from_slice(&data).map_err(unreadable)?;
    let import: ReferenceImport = serde_json::from_value(value.clone()).map_err(unreadable)?;
    let origins = Origins { file: file.clone(), csv: false, ..Origins::default() };
    // Every key given must be one the record has: compare with the record written back.
    let again = serde_json::to_value(&import).map_err(unreadable)?;
    for (section, kind) in [
        ("projects", "project"),
        ("buildings", "building"),
        ("units", "unit"),
        ("people", "person"),
        ("contractors", "contractor"),
        ("categories", "category"),
        ("devices", "device"),
    ] {
        let (Some(given), Some(read)) =
            (value.get(section).and_then(|v| v.as_array()), again.get(section).and_then(|v| v.as_array()))
        else {
            continue;
        };
        for (i, (g, r)) in given.iter().zip(read).enumerate() {
            let (Some(g), Some(r)) = (g.as_object(), r.as_object()) else { continue };
            if let Some(k) = g.keys().find(|k| !r.contains_key(*k)) {
                let known = r.keys().cloned().collect::<Vec<_>>().join(", ");
                return Err(bad(Msg::new(Key::ImportUnknownColumn)
                    .arg("file", origins.at(kind, i))
                    .arg("column", k.as_str())
                    .arg("kind", kind_label(kind))
                    .arg("known", known)));
            }
        }
    }
    Ok((import, origins))
}
