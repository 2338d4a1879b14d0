//! Owner sign-off and multi-party acceptance (验收签字): signed statements bound to exactly what was
//! signed.
//!
//! A [`Statement`] names the order, the document heads it covers and a canonical [`Summary`] of the
//! order at those heads (unit, description, findings, work done, materials, labour, cost, cause, photo
//! hashes by stage), who signed (name, role), rating and opinion (签署意见), the hash of the handwritten
//! [`strokes`](strokes::Signature), when and where, and the device. Its canonical bytes (RFC 8785 JSON,
//! see [`canonical`]) are signed with the device's Ed25519 key. [`verify`] recomputes the summary from the
//! document as it was at the signed heads and as it is now, so anyone can later tell a valid sign-off
//! from a forged one and see exactly which signed fields changed afterwards.

pub mod canonical;
pub mod strokes;
mod verify;

pub use verify::{
    FieldChange, Verdict, Verdicts, changed_fields, compare_now, verdicts_with, verify, verify_all, verify_genuine,
};

use crate::error::Error;
use crate::ids::DeviceId;
use crate::model::{PhotoStage, WorkOrder};
use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The statement format version this build writes; readers accept every version up to it.
pub const STATEMENT_VERSION: u32 = 1;

/// SHA-256 in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// What is being signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// 验收签字: acceptance of the repair.
    Signoff,
    /// 工程量确认单: the contractor's items, quantities, unit prices and total, the basis of settlement.
    QuantityConfirmation,
}

/// Who signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    /// 业主.
    Owner,
    /// 业主授权的住户/租户.
    AuthorisedTenant,
    /// 监理.
    Supervisor,
    /// 项目部.
    Project,
    /// 施工单位.
    Contractor,
    /// 维修部 (the repairing department).
    Repairer,
}

impl SignerRole {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            SignerRole::Owner => "owner",
            SignerRole::AuthorisedTenant => "authorised_tenant",
            SignerRole::Supervisor => "supervisor",
            SignerRole::Project => "project",
            SignerRole::Contractor => "contractor",
            SignerRole::Repairer => "repairer",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            SignerRole::Owner => "业主",
            SignerRole::AuthorisedTenant => "授权住户",
            SignerRole::Supervisor => "监理",
            SignerRole::Project => "项目部",
            SignerRole::Contractor => "施工单位",
            SignerRole::Repairer => "维修部",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            SignerRole::Owner => "Owner",
            SignerRole::AuthorisedTenant => "Authorised occupant",
            SignerRole::Supervisor => "Site supervisor",
            SignerRole::Project => "Project department",
            SignerRole::Contractor => "Contractor",
            SignerRole::Repairer => "Repair department",
        }
    }

    /// Every role, in the order forms list them.
    pub const ALL: [SignerRole; 6] = [
        SignerRole::Repairer,
        SignerRole::Owner,
        SignerRole::AuthorisedTenant,
        SignerRole::Supervisor,
        SignerRole::Project,
        SignerRole::Contractor,
    ];

    /// Parse a code.
    pub fn from_code(s: &str) -> Option<SignerRole> {
        crate::doc::from_code(s)
    }
}

/// A material line as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedMaterial {
    /// Line id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Quantity (decimal text).
    pub quantity: String,
    /// Unit of measure.
    pub unit: String,
    /// Unit price in yuan (decimal text).
    pub unit_price: String,
    /// Line total in yuan.
    pub total: String,
}

/// A labour line as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedLabour {
    /// Line id.
    pub id: String,
    /// Who.
    pub person: String,
    /// Minutes.
    pub minutes: u32,
    /// Hourly rate in yuan.
    pub hourly_rate: String,
    /// Line total in yuan.
    pub total: String,
}

/// A photo as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedPhoto {
    /// Photo id in the order.
    pub id: String,
    /// Stage code.
    pub stage: String,
    /// Evidence SHA-256.
    pub sha256: String,
    /// Original SHA-256 (empty for photos recorded before originals were hashed).
    pub original_sha256: String,
}

/// The canonical summary of an order: what the owner reads on screen and signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    /// Unit label.
    pub unit: String,
    /// Address.
    pub address: String,
    /// 报修内容.
    pub description: String,
    /// 部位.
    pub location: String,
    /// 检查情况.
    pub findings: String,
    /// 维修内容.
    pub work_done: String,
    /// Materials, by line id.
    pub materials: Vec<SignedMaterial>,
    /// Labour, by line id.
    pub labour: Vec<SignedLabour>,
    /// Materials plus labour, in yuan.
    pub total: String,
    /// The cause decided (维修分判), a code, empty when not decided.
    pub cause: String,
    /// Evidence photos (not removed), by stage then id.
    pub photos: Vec<SignedPhoto>,
}

/// The summary of an order as it reads.
pub fn summary_of(order: &WorkOrder) -> Summary {
    let mut materials: Vec<SignedMaterial> = order
        .materials
        .iter()
        .map(|m| SignedMaterial {
            id: m.id.clone(),
            name: m.name.clone(),
            spec: m.spec.clone(),
            quantity: m.quantity.to_string(),
            unit: m.unit.clone(),
            unit_price: m.unit_price.to_string(),
            total: m.total().to_string(),
        })
        .collect();
    materials.sort_by(|a, b| a.id.cmp(&b.id));
    let mut labour: Vec<SignedLabour> = order
        .labour
        .iter()
        .map(|l| SignedLabour {
            id: l.id.clone(),
            person: l.person.to_string(),
            minutes: l.minutes,
            hourly_rate: l.hourly_rate.to_string(),
            total: l.total().to_string(),
        })
        .collect();
    labour.sort_by(|a, b| a.id.cmp(&b.id));
    let mut photos: Vec<(PhotoStage, SignedPhoto)> = order
        .photos
        .iter()
        .filter(|p| !p.removed)
        .map(|p| {
            (
                p.stage,
                SignedPhoto {
                    id: p.id.clone(),
                    stage: crate::doc::code_of(&p.stage),
                    sha256: p.sha256.clone(),
                    original_sha256: p.original_sha256.clone(),
                },
            )
        })
        .collect();
    photos.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    Summary {
        unit: order.unit.label.clone(),
        address: order.unit.address.clone(),
        description: order.description.clone(),
        location: order.location.clone(),
        findings: order.findings.clone(),
        work_done: order.work_done.clone(),
        materials,
        labour,
        total: order.total_cost().to_string(),
        cause: order.cause.map(|c| crate::doc::code_of(&c)).unwrap_or_default(),
        photos: photos.into_iter().map(|(_, p)| p).collect(),
    }
}

/// The signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signatory {
    /// Name as written.
    pub name: String,
    /// Role.
    pub role: SignerRole,
}

/// Where it was signed (decimal text, so the canonical form has no floating point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Place {
    /// Latitude, 6 decimals.
    pub lat: String,
    /// Longitude, 6 decimals.
    pub lon: String,
}

impl Place {
    /// From degrees (callers check them first: see [`Place::checked`]).
    pub fn new(lat: f64, lon: f64) -> Place {
        Place { lat: format!("{lat:.6}"), lon: format!("{lon:.6}") }
    }

    /// From degrees, refused unless finite and on the globe (a NaN or 999° place is never signed).
    pub fn checked(lat: f64, lon: f64) -> Result<Place, crate::Rejection> {
        crate::validate::degrees(crate::validate::Field::Latitude, lat)?;
        crate::validate::degrees(crate::validate::Field::Longitude, lon)?;
        Ok(Place::new(lat, lon))
    }
}

/// A sign-off statement: exactly what was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Statement {
    /// Format version.
    pub version: u32,
    /// Acceptance or quantity confirmation.
    pub kind: StatementKind,
    /// The order's id.
    pub order: String,
    /// Provisional number.
    pub provisional_no: String,
    /// Official number, when assigned.
    pub official_no: Option<String>,
    /// The document heads the summary was taken at (hex, sorted).
    pub heads: Vec<String>,
    /// The summary at those heads.
    pub summary: Summary,
    /// Who signed.
    pub signer: Signatory,
    /// Satisfaction 1–5.
    pub rating: Option<u8>,
    /// 签署意见.
    pub opinion: String,
    /// SHA-256 of the handwritten signature's strokes.
    pub strokes_sha256: String,
    /// The device clock when signed (ms since the epoch).
    pub signed_at_ms: i64,
    /// The device's hybrid logical clock when signed.
    pub hlc: String,
    /// Where, when known.
    pub place: Option<Place>,
    /// The signing device.
    pub device: String,
}

impl Statement {
    /// The bytes that are signed.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, Error> {
        canonical::to_canonical(self).map_err(|e| Error::Malformed(e.to_string()))
    }
}

/// A statement with its signature, as stored in the order's document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedStatement {
    /// Id: SHA-256 of the canonical bytes.
    pub id: String,
    /// The canonical JSON exactly as signed.
    pub canonical: String,
    /// Ed25519 signature over `canonical`, hex.
    pub signature: String,
    /// The handwritten strokes (the binary strokes format).
    #[serde(with = "hex_bytes")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub strokes: Vec<u8>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&b.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::from_hex(&s).ok_or_else(|| serde::de::Error::custom("not hex"))
    }
}

pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

impl SignedStatement {
    /// Sign a statement with the device's key.
    pub fn sign(statement: &Statement, strokes: Vec<u8>, key: &SigningKey) -> Result<SignedStatement, Error> {
        let bytes = statement.canonical_bytes()?;
        let signature = key.sign(&bytes).to_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let canonical = String::from_utf8(bytes).map_err(|e| Error::Malformed(e.to_string()))?;
        Ok(SignedStatement { id: sha256_hex(canonical.as_bytes()), canonical, signature, strokes })
    }

    /// The statement, parsed (refusing versions newer than this build's).
    pub fn statement(&self) -> Result<Statement, Error> {
        let s: Statement =
            serde_json::from_str(&self.canonical).map_err(|e| Error::Malformed(format!("statement: {e}")))?;
        if s.version > STATEMENT_VERSION {
            return Err(Error::UnsupportedSchema {
                found: u64::from(s.version),
                supported: u64::from(STATEMENT_VERSION),
            });
        }
        Ok(s)
    }

    /// The signer's device id, read without trusting the rest.
    pub fn device(&self) -> Option<DeviceId> {
        self.statement().ok().map(|s| DeviceId::new(s.device))
    }
}
