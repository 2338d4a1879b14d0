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

const SETTINGS: (&str, &str) = ("settings", "organisation");

pub(crate) fn save_settings(tx: &Transaction<'_>, s: &OrgSettings) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|e| Error::Invalid(e.to_string()))?;
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
        Some(j) => serde_json::from_str(&j).map_err(|e| Error::Invalid(format!("stored settings: {e}"))),
    }
}

fn load_kind<T: serde::de::DeserializeOwned>(conn: &Connection, kind: &str) -> Result<Vec<T>> {
    let mut stmt = conn.prepare("SELECT id, json FROM reference WHERE kind = ?1 ORDER BY id")?;
    let rows = stmt.query_map([kind], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, json) = row?;
        out.push(serde_json::from_str(&json).map_err(|e| Error::Invalid(format!("stored {kind} {id}: {e}")))?);
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
    let json = serde_json::to_string(v).map_err(|e| Error::Invalid(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO reference(kind, id, json) VALUES (?1, ?2, ?3) ON CONFLICT(kind, id) DO UPDATE SET json = excluded.json",
    )?
    .execute(params![kind, id, json])?;
    Ok(())
}

fn check(import: &ReferenceImport, current: &ReferenceData) -> Result<()> {
    let has_project =
        |id: &ProjectId| import.projects.iter().any(|p| &p.id == id) || current.projects.iter().any(|p| &p.id == id);
    let has_building =
        |id: &BuildingId| import.buildings.iter().any(|b| &b.id == id) || current.buildings.iter().any(|b| &b.id == id);
    let has_contractor = |id: &ContractorId| {
        import.contractors.iter().any(|c| &c.id == id) || current.contractors.iter().any(|c| &c.id == id)
    };
    let empty = |what: &str, id: &str| -> Result<()> {
        if id.trim().is_empty() { Err(Error::Invalid(format!("a {what} has an empty id"))) } else { Ok(()) }
    };
    for p in &import.projects {
        empty("project", p.id.as_str())?;
    }
    for b in &import.buildings {
        empty("building", b.id.as_str())?;
        if !has_project(&b.project_id) {
            return Err(Error::Invalid(format!("building {} refers to unknown project {}", b.id, b.project_id)));
        }
        if let Some(c) = &b.contractor_id
            && !has_contractor(c)
        {
            return Err(Error::Invalid(format!("building {} refers to unknown contractor {c}", b.id)));
        }
    }
    for u in &import.units {
        empty("unit", u.id.as_str())?;
        if !has_project(&u.project_id) {
            return Err(Error::Invalid(format!("unit {} refers to unknown project {}", u.id, u.project_id)));
        }
        if !has_building(&u.building_id) {
            return Err(Error::Invalid(format!("unit {} refers to unknown building {}", u.id, u.building_id)));
        }
        if let (Some(h), Some(a)) = (u.handover_date, u.acceptance_date)
            && h < a
        {
            return Err(Error::Invalid(format!("unit {}: handover {h} is before completion acceptance {a}", u.id)));
        }
    }
    for p in &import.people {
        empty("person", p.id.as_str())?;
        if p.roles.is_empty() {
            return Err(Error::Invalid(format!("person {} has no role", p.id)));
        }
    }
    for c in &import.categories {
        empty("category", &c.code)?;
    }
    if let Some(o) = &import.organisation
        && o.utc_offset_minutes.abs() > 14 * 60
    {
        return Err(Error::Invalid(format!("utc_offset_minutes {} is out of range", o.utc_offset_minutes)));
    }
    Ok(())
}

impl Store {
    /// Import reference data (all-or-nothing), then rebuild the index.
    pub fn import_reference(&mut self, import: &ReferenceImport) -> Result<ImportReport> {
        check(import, &self.reference)?;
        for d in &import.devices {
            let ok = data_encoding::HEXLOWER_PERMISSIVE
                .decode(d.public_key.as_bytes())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .is_some_and(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).is_ok());
            if !ok || d.id.trim().is_empty() {
                return Err(Error::Invalid(format!("device {:?}: not an Ed25519 public key", d.id)));
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
            "projects" | "project" => Some(CsvKind::Projects),
            "buildings" | "building" => Some(CsvKind::Buildings),
            "units" | "unit" => Some(CsvKind::Units),
            "people" | "persons" | "person" => Some(CsvKind::People),
            "contractors" | "contractor" => Some(CsvKind::Contractors),
            _ => None,
        }
    }
}

fn opt_date(s: &str, line: u64, field: &str) -> Result<Option<NaiveDate>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| Error::Invalid(format!("line {line}: {field} {s:?} is not a date (YYYY-MM-DD)")))
}

fn list(s: &str) -> Vec<String> {
    s.split([';', '|', ',']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn role(s: &str, line: u64) -> Result<Role> {
    signoff_core::doc::from_code(s).ok_or_else(|| {
        Error::Invalid(format!("line {line}: unknown role {s:?} (technician, dispatcher, supervisor, admin)"))
    })
}

/// Read a CSV file of one kind into an import bundle. A UTF-8 byte-order mark is accepted.
pub fn read_csv(path: &Path, kind: CsvKind) -> Result<ReferenceImport> {
    let data = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(data);
    let headers = rdr.headers().map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut out = ReferenceImport::default();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| Error::Invalid(format!("{} line {line}: {e}", path.display())))?;
        let get = |name: &str| col(name).and_then(|c| rec.get(c)).unwrap_or("").to_owned();
        let need = |name: &str| -> Result<String> {
            let v = get(name);
            if v.is_empty() { Err(Error::Invalid(format!("line {line}: {name} is empty"))) } else { Ok(v) }
        };
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
                acceptance_date: opt_date(&get("acceptance_date"), line, "acceptance_date")?,
                contractor_id: Some(get("contractor_id")).filter(|s| !s.is_empty()).map(ContractorId::new),
            }),
            CsvKind::Units => out.units.push(Unit {
                id: UnitId::new(need("id")?),
                project_id: ProjectId::new(need("project_id")?),
                building_id: BuildingId::new(need("building_id")?),
                label: need("label")?,
                address: get("address"),
                handover_date: opt_date(&get("handover_date"), line, "handover_date")?,
                acceptance_date: opt_date(&get("acceptance_date"), line, "acceptance_date")?,
            }),
            CsvKind::People => out.people.push(Person {
                id: PersonId::new(need("id")?),
                name: need("name")?,
                roles: list(&need("roles")?).iter().map(|r| role(r, line)).collect::<Result<_>>()?,
                skills: list(&get("skills")),
                phone: get("phone"),
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
    Ok(out)
}

/// Read a JSON import bundle.
pub fn read_json(path: &Path) -> Result<ReferenceImport> {
    let data = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    serde_json::from_slice(&data).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}
