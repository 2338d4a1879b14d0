//! The types only the app's IPC has (everything else crosses as the core and device types). Their
//! TypeScript declarations, with those of every type they reach, are generated into
//! `ui/src/bindings/` by [`export_bindings`]; the `bindings_are_current` test fails when they drift.

use serde::{Deserialize, Serialize};
use signoff_core::model::{PhotoRef, Role};
use signoff_core::rules::status::Status;
use signoff_core::signoff::{SignerRole, StatementKind, strokes::Stroke};
use signoff_core::view::OrderView;
use signoff_device::store::signoff::{SignoffProgress, StatementReport};
use signoff_device::store::sync_state::SyncState;
use signoff_device::sync::SyncReport;
use ts_rs::TS;

/// Who uses this device and where it syncs.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    /// Enrolled with a server.
    pub enrolled: bool,
    /// The server's address.
    pub server_url: Option<String>,
    /// Organisation.
    pub org: Option<String>,
    /// Role on the server (`technician`, `dispatcher`…): decides technician or office screens.
    pub role: Option<String>,
    /// The person, when known.
    pub person: Option<PersonInfo>,
    /// This device's short code (provisional order numbers start with it).
    pub device_code: String,
    /// The app's version.
    pub version: String,
}

/// A person as the UI shows them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PersonInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whose jobs they work: their own id, or a contractor crew member's company id.
    pub works_as: String,
}

/// The office board's filters.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
pub struct BoardFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only open orders.
    pub open_only: bool,
    /// Only overdue orders.
    pub overdue: bool,
    /// Only orders needing attention.
    pub attention: bool,
    /// Assigned to this person or contractor.
    pub assignee: Option<String>,
    /// In this project.
    pub project: Option<String>,
    /// Only repairs or only complaints.
    pub kind: Option<signoff_core::model::OrderKind>,
}

/// 客户档案: a unit with its dates, the warranty clocks of every building part today, and every order
/// and complaint it has had (newest first), so repeat defects show before dispatch.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UnitFile {
    /// The unit as the reference data has it (none for a unit only an order names).
    pub unit: Option<signoff_core::model::Unit>,
    /// Its building's name.
    pub building: Option<String>,
    /// Its project's name.
    pub project: Option<String>,
    /// Every part's two clocks today.
    pub clocks: Vec<signoff_core::rules::warranty::PartClocks>,
    /// Its orders, newest first.
    pub orders: Vec<signoff_device::store::query::OrderSummary>,
    /// The photos of its newest orders that this device holds (thumbnails), by order.
    pub photos: Vec<OrderPhotos>,
}

/// An order's photo thumbnails on this device, for the unit's file.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderPhotos {
    /// The order's id.
    pub order: String,
    /// Local thumbnail files (shown through the asset protocol), at most six.
    pub thumbs: Vec<String>,
}

/// A photo of an order and where its files are on this device.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PhotoView {
    /// The reference in the order.
    pub photo: PhotoRef,
    /// Local thumbnail file (shown through the asset protocol), when present.
    pub thumb_path: Option<String>,
    /// Local evidence copy, when present.
    pub image_path: Option<String>,
    /// The server has the evidence copy.
    pub uploaded: bool,
}

/// Everything the order screens show.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderDetail {
    /// The order, derived state included.
    pub view: OrderView,
    /// Official number when assigned, else provisional.
    pub number: String,
    /// Where it stands with the server.
    pub sync: SyncState,
    /// Who it is assigned to, by name.
    pub assignee_name: Option<String>,
    /// Category name in Chinese.
    pub category_zh: String,
    /// Category name in English.
    pub category_en: String,
    /// Photos, removed ones left out.
    pub photos: Vec<PhotoView>,
    /// Signed statements and their verdicts.
    pub statements: Vec<StatementReport>,
    /// Who still has to sign.
    pub signoff: SignoffProgress,
    /// Materials plus labour, in fen.
    pub total_fen: i64,
    /// Each timeline entry's label, in the timeline's order.
    pub timeline_labels: Vec<crate::Message>,
    /// Each statement's verdict in words, in the statements' order.
    pub verdict_labels: Vec<crate::Message>,
    /// What the person using this device may do on the order now (from core's transition and
    /// permission tables); the screens draw their buttons from this list.
    pub actions: Vec<signoff_core::rules::actions::ActionView>,
    /// The owner's phone is shown masked (`138****5678`): this person may not see it on this order.
    pub phone_masked: bool,
    /// The escalation step due now, in words (a late contractor, a complaint past its deadline).
    pub escalation_label: Option<crate::Message>,
}

/// The dispatch suggestion as the office sees it: candidates best first, every skipped technician
/// with the reason in both languages.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DispatchView {
    /// Best first.
    pub candidates: Vec<signoff_core::rules::dispatch::Candidate>,
    /// Left out.
    pub skipped: Vec<SkippedView>,
}

/// A technician left out of a suggestion.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SkippedView {
    /// Person id.
    pub person: String,
    /// Name.
    pub name: String,
    /// Why.
    pub reason: crate::Message,
}

/// The owner's signature and verdict.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SignInput {
    /// Order id or number.
    pub order: String,
    /// The heads of the summary the owner was shown.
    pub heads: Vec<String>,
    /// Name as written.
    pub name: String,
    /// Who signs.
    pub role: SignerRole,
    /// What is signed.
    pub kind: StatementKind,
    /// Satisfaction 1–5.
    pub rating: Option<u8>,
    /// 签署意见.
    pub opinion: String,
    /// The pad's strokes, in CSS pixels.
    pub strokes: Vec<Stroke>,
    /// The pad's size in CSS pixels.
    pub width: u16,
    /// The pad's size in CSS pixels.
    pub height: u16,
}

/// What the sync task is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Not enrolled: nothing to sync with.
    #[default]
    NotEnrolled,
    /// Waiting for the next sync.
    Idle,
    /// Syncing now.
    Syncing,
    /// The server could not be reached; retried with backoff.
    Offline,
    /// The last sync failed for another reason.
    Error,
}

/// The sync screen and badge.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct SyncStatus {
    /// Phase.
    pub phase: SyncPhase,
    /// Last successful sync (ms).
    pub last_sync_ms: Option<i64>,
    /// Last attempt (ms).
    pub last_attempt_ms: Option<i64>,
    /// Next automatic attempt (ms).
    pub next_attempt_ms: Option<i64>,
    /// Orders with changes the server does not have yet.
    pub pending_orders: u32,
    /// Photos not uploaded yet.
    pub pending_photos: u32,
    /// Orders whose latest changes the server refused (number, reason in both languages).
    pub rejected: Vec<(String, signoff_core::msg::Text)>,
    /// Orders whose copy on this device is damaged (by number): restored at the next sync.
    pub damaged: Vec<String>,
    /// What restores found (order restored, or which unsynced changes were lost), until dismissed:
    /// `(seq, message)`.
    pub notices: Vec<(i64, signoff_core::msg::Text)>,
    /// The last failure.
    pub error: Option<crate::AppError>,
    /// What the last sync did.
    pub last_report: Option<SyncReport>,
}

/// Progress of a running sync, emitted as the `sync-progress` event.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncProgress {
    /// A document round trip finished.
    Round {
        /// Sent.
        pushed: u32,
        /// Received.
        received: u32,
    },
    /// Photo upload progress.
    Photo {
        /// Bytes the server has.
        done: u64,
        /// Photo size.
        total: u64,
    },
}

/// Write the TypeScript declarations of every IPC type into `dir`.
pub fn export_bindings(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
    let cfg = ts_rs::Config::new().with_large_int("number").with_out_dir(dir);
    AppInfo::export_all(&cfg)?;
    BoardFilter::export_all(&cfg)?;
    OrderDetail::export_all(&cfg)?;
    SignInput::export_all(&cfg)?;
    SyncStatus::export_all(&cfg)?;
    SyncProgress::export_all(&cfg)?;
    crate::AppError::export_all(&cfg)?;
    signoff_core::edit::Edit::export_all(&cfg)?;
    signoff_core::model::NewOrder::export_all(&cfg)?;
    signoff_core::model::ReferenceData::export_all(&cfg)?;
    DispatchView::export_all(&cfg)?;
    UnitFile::export_all(&cfg)?;
    signoff_core::rules::warranty::Routing::export_all(&cfg)?;
    signoff_device::store::query::OrderSummary::export_all(&cfg)?;
    signoff_device::store::signoff::Frozen::export_all(&cfg)?;
    std::fs::write(dir.join("labels.ts"), labels_ts()).map_err(ts_rs::ExportError::Io)?;
    Ok(())
}

/// The domain's own zh-CN and en labels for the codes the UI shows, so the UI never keeps a copy.
fn labels_ts() -> String {
    use signoff_core::rules::sla::DeadlineKind as D;
    use signoff_core::rules::warranty::Party as P;
    fn code<T: Serialize>(v: T) -> String {
        serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
    fn table(name: &str, rows: Vec<(String, &str, &str)>) -> String {
        let mut out = format!("export const {name}: Record<string, {{ zh: string; en: string }}> = {{\n");
        for (code, zh, en) in rows {
            out += &format!("  {code}: {{ zh: {zh:?}, en: {en:?} }},\n");
        }
        out + "};\n"
    }
    let status = Status::ALL.iter().map(|s| (code(s), s.label_zh(), s.label_en())).collect();
    let deadlines = [
        D::Contact,
        D::EmergencyOnSite,
        D::ContractorOnSite,
        D::StartRepair,
        D::ComplaintTransfer,
        D::ComplaintAnswer,
        D::Callback,
    ]
    .iter()
    .map(|d| (code(d), d.label_zh(), d.label_en()))
    .collect();
    let parties = [P::Owner, P::PropertyCompany, P::Developer, P::WarrantyContractor, P::Undetermined]
        .iter()
        .map(|p| (code(p), p.label_zh(), p.label_en()))
        .collect();
    use signoff_core::signoff::Verdict as V;
    let verdicts = [
        V::Valid,
        V::InvalidSignature,
        V::UnknownDevice,
        V::HeadsNotInDocument,
        V::SummaryMismatch,
        V::ChangedAfterSignoff { fields: Vec::new() },
        V::NotVerified,
    ]
    .iter()
    .map(|v| (v.code().to_owned(), v.label_zh(), v.label_en()))
    .collect();
    let complaint_status = Status::ALL
        .iter()
        .map(|s| {
            let (zh, en) = s.complaint_label();
            (code(s), zh, en)
        })
        .collect();
    use signoff_core::model::ComplaintClass as C;
    let classes: Vec<(String, String, String)> = C::CHOSEN
        .iter()
        .chain([C::Invalid].iter())
        .map(|c| {
            let l = c.label();
            (code(c), l.zh, l.en)
        })
        .collect();
    let classes = classes.iter().map(|(c, zh, en)| (c.clone(), zh.as_str(), en.as_str())).collect();
    let signers = SignerRole::ALL.iter().map(|r| (r.code().to_owned(), r.label_zh(), r.label_en())).collect();
    format!(
        "// Generated from the Rust domain by signoff-app (types::export_bindings). Do not edit.\n\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        table("STATUS", status),
        table("COMPLAINT_STATUS", complaint_status),
        table("COMPLAINT_CLASS", classes),
        table("DEADLINE", deadlines),
        table("PARTY", parties),
        table("VERDICT", verdicts),
        table("SIGNER", signers)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::path::Path;

    fn read_dir(dir: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ts") {
                out.insert(p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap());
            }
        }
        out
    }

    /// The UI's types are generated from Rust; this fails when a Rust type changed and
    /// `ui/src/bindings/` was not regenerated (`SIGNOFF_WRITE_BINDINGS=1 cargo test -p signoff-app bindings`).
    #[test]
    fn bindings_are_current() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
        if std::env::var_os("SIGNOFF_WRITE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            super::export_bindings(&committed).unwrap();
        }
        let fresh = tempfile::tempdir().unwrap();
        super::export_bindings(fresh.path()).unwrap();
        let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
        let stale: Vec<&String> = want.keys().filter(|k| have.get(*k) != want.get(*k)).collect();
        let extra: Vec<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
        assert!(
            stale.is_empty() && extra.is_empty(),
            "ui/src/bindings is out of date (changed or missing: {stale:?}; no longer generated: {extra:?}); \
             regenerate with SIGNOFF_WRITE_BINDINGS=1 cargo test -p signoff-app bindings"
        );
    }
}
