//! Sign-off on the device: freeze the summary the owner reads, sign it with the device key as a
//! statement stored in the order's document together with a `signed_off` event, refuse with a reason,
//! and verify every statement of an order (against the device registry of public keys).

use super::{Ctx, Store};
use crate::error::{Error, Result};
use automerge::ChangeHash;
use ed25519_dalek::VerifyingKey;
use rusqlite::params;
use serde::Serialize;
use signoff_core::doc;
use signoff_core::edit::Edit;
use signoff_core::ids::OrderId;
use signoff_core::model::Assignee;
use signoff_core::msg::{Key, Msg};
use signoff_core::rules::status::EventState;
use signoff_core::signoff::strokes::Signature;
use signoff_core::signoff::{
    Place, STATEMENT_VERSION, Signatory, SignedStatement, SignerRole, Statement, StatementKind, Summary, Verdict,
    summary_of,
};
use signoff_core::validate::{self, Field};
use signoff_core::view::OrderView;

/// What the owner is shown and signs: the summary at fixed heads.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Frozen {
    /// The heads (hex).
    pub heads: Vec<String>,
    /// The summary at those heads.
    pub summary: Summary,
}

/// A signature to record.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// The heads the signer was shown ([`Store::freeze_signoff`]); `None` signs what is there now.
    pub heads: Option<Vec<String>>,
    /// Acceptance or quantity confirmation.
    pub kind: StatementKind,
    /// Name as written.
    pub name: String,
    /// Role.
    pub role: SignerRole,
    /// Satisfaction 1–5.
    pub rating: Option<u8>,
    /// 签署意见.
    pub opinion: String,
    /// The handwritten strokes.
    pub strokes: Signature,
    /// Where, when known.
    pub place: Option<Place>,
}

/// One statement of an order and its verdict.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatementReport {
    /// Statement id.
    pub id: String,
    /// Kind.
    pub kind: Option<StatementKind>,
    /// Signer.
    pub signer: Option<Signatory>,
    /// Rating.
    pub rating: Option<u8>,
    /// Opinion.
    pub opinion: String,
    /// When signed (ms).
    pub signed_at_ms: Option<i64>,
    /// The signing device.
    pub device: Option<String>,
    /// The verdict now.
    pub verdict: Verdict,
    /// Whether it counts for the current completion (its `signed_off` event applied, not held, and no
    /// reopening since).
    pub counted: bool,
    /// It counted once, but the order was reopened (返修) since: the owner signed for work that was
    /// then redone, so a "changed after sign-off" verdict on it is expected, not a warning.
    pub superseded: bool,
}

/// Who still has to sign, for the current completion.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffProgress {
    /// Roles the organisation requires for this order.
    pub required: Vec<SignerRole>,
    /// Roles that signed the same heads since the last completion.
    pub signed: Vec<SignerRole>,
    /// Roles still missing.
    pub missing: Vec<SignerRole>,
    /// Who confirmed the quantities (工程量确认单) of the content as it is now.
    pub quantity_signed: Vec<SignerRole>,
}

fn heads_hex(heads: &[ChangeHash]) -> Vec<String> {
    let mut v: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    v.sort();
    v
}

impl Store {
    /// The public key of a device this store knows (itself included).
    pub fn device_key(&self, device: &str) -> Option<VerifyingKey> {
        self.keys.get(device).copied()
    }

    /// Read the device keys again (after an import or a sync brought new ones) and forget cached
    /// verdicts, so statements from devices that were unknown verify now.
    pub(crate) fn reload_keys(&mut self) -> Result<()> {
        self.keys = super::load_keys(&self.conn)?;
        self.cache.clear();
        Ok(())
    }

    /// Record another device's public key (from the office's reference data or, later, sync).
    pub fn add_device(&mut self, id: &str, public_key_hex: &str, name: &str) -> Result<()> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(public_key_hex.as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| Error::Invalid(Msg::new(Key::NotAPublicKey).arg("id", id)))?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| Error::Invalid(Msg::new(Key::NotAPublicKey).arg("id", id)))?;
        self.conn.execute(
            "INSERT INTO devices(id, public_key, name) VALUES (?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key, name = excluded.name",
            params![id, data_encoding::HEXLOWER.encode(&bytes), name],
        )?;
        self.reload_keys()
    }

    /// This device's public key (hex), for the office's registry.
    pub fn public_key_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(self.signing_key.verifying_key().as_bytes())
    }

    /// Freeze what a signer will be shown: the summary at the current heads.
    pub fn freeze_signoff(&mut self, id: &OrderId) -> Result<Frozen> {
        let mut loaded = self.take_doc(id.as_str())?;
        let heads = heads_hex(&loaded.doc.get_heads());
        let summary = summary_of(&loaded.order);
        self.cache.put(id.as_str(), loaded);
        Ok(Frozen { heads, summary })
    }

    /// Sign: make the statement over the frozen (or current) heads, sign it with the device key and
    /// record it with a `signed_off` event. Refused (nothing written) unless the order is completed.
    pub fn sign(&mut self, id: &OrderId, req: SignRequest, ctx: &Ctx) -> Result<(OrderView, SignedStatement)> {
        let name = validate::text(Field::SignerName, &req.name)?;
        let opinion = validate::text(Field::Opinion, &req.opinion)?;
        if let Some(r) = req.rating {
            validate::int(Field::Rating, i64::from(r))?;
        }
        let frozen_gone = || Error::Invalid(Msg::new(Key::FrozenGone));
        let mut loaded = self.take_doc(id.as_str())?;
        let heads: Vec<ChangeHash> = match &req.heads {
            Some(h) => match h.iter().map(|s| s.parse()).collect::<std::result::Result<Vec<ChangeHash>, _>>() {
                Ok(h) => h,
                Err(_) => {
                    self.cache.put(id.as_str(), loaded);
                    return Err(frozen_gone());
                }
            },
            None => loaded.doc.get_heads(),
        };
        let at = match doc::read_at(&loaded.doc, &heads) {
            Ok(o) if heads.iter().all(|h| loaded.doc.get_change_by_hash(h).is_some()) => o,
            _ => {
                self.cache.put(id.as_str(), loaded);
                return Err(frozen_gone());
            }
        };
        let order = &loaded.order;
        let hlc = order
            .events
            .iter()
            .map(|e| e.hlc)
            .max()
            .map_or(self.hlc, |m| m.max(self.hlc))
            .tick(ctx.now.timestamp_millis());
        let strokes = req.strokes.encode();
        let statement = Statement {
            version: STATEMENT_VERSION,
            kind: req.kind,
            order: order.id.to_string(),
            provisional_no: order.provisional_no.clone(),
            official_no: order.official_no.clone(),
            heads: heads_hex(&heads),
            summary: summary_of(&at),
            signer: Signatory { name, role: req.role },
            rating: req.rating,
            opinion,
            strokes_sha256: signoff_core::signoff::sha256_hex(&strokes),
            signed_at_ms: ctx.now.timestamp_millis(),
            hlc: hlc.to_string(),
            place: req.place,
            device: self.device.id().to_string(),
        };
        self.cache.put(id.as_str(), loaded);
        let signed = SignedStatement::sign(&statement, strokes, &self.signing_key)?;
        let view = self.apply(id, Edit::SignOff { statement: signed.clone() }, ctx)?;
        Ok((view, signed))
    }

    /// Every statement of an order with its verdict now, and whether it counts.
    pub fn verify_statements(&mut self, id: &OrderId) -> Result<Vec<StatementReport>> {
        let mut loaded = self.take_doc(id.as_str())?;
        let verdicts = self.verdicts(&loaded.doc, &loaded.order, &mut loaded.genuine);
        let fold = signoff_core::rules::status::fold(&loaded.order.events, &verdicts);
        let current: std::collections::HashSet<&str> =
            fold.derived.signoffs.iter().map(|s| s.statement.as_str()).collect();
        let applied: std::collections::HashSet<&str> = loaded
            .order
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                signoff_core::model::EventKind::SignedOff { statement, .. }
                    if matches!(fold.states.get(&e.id), Some(EventState::Applied | EventState::Duplicate)) =>
                {
                    Some(statement.as_str())
                }
                _ => None,
            })
            .collect();
        let reports = loaded
            .order
            .statements
            .iter()
            .map(|s| {
                let st = s.statement().ok();
                StatementReport {
                    id: s.id.clone(),
                    kind: st.as_ref().map(|x| x.kind),
                    signer: st.as_ref().map(|x| x.signer.clone()),
                    rating: st.as_ref().and_then(|x| x.rating),
                    opinion: st.as_ref().map(|x| x.opinion.clone()).unwrap_or_default(),
                    signed_at_ms: st.as_ref().map(|x| x.signed_at_ms),
                    device: st.as_ref().map(|x| x.device.clone()),
                    verdict: verdicts.get(&s.id).cloned().unwrap_or(Verdict::NotVerified),
                    counted: current.contains(s.id.as_str()),
                    superseded: applied.contains(s.id.as_str()) && !current.contains(s.id.as_str()),
                }
            })
            .collect();
        self.cache.put(id.as_str(), loaded);
        Ok(reports)
    }

    /// Which roles must sign this order (warranty jobs, done by a contractor, need more) and which did.
    pub fn signoff_progress(&mut self, id: &OrderId) -> Result<SignoffProgress> {
        let view = self.view_of(id.as_str(), 0)?;
        Ok(self.progress_of(&view))
    }

    /// [`Store::signoff_progress`] of an order already viewed.
    pub(crate) fn progress_of(&self, view: &OrderView) -> SignoffProgress {
        let settings = &self.settings.signoff;
        let required = match view.derived.assignee {
            Some(Assignee::Contractor(_)) => settings.warranty_roles.clone(),
            _ => settings.roles.clone(),
        };
        let counted: Vec<&str> = view.derived.signoffs.iter().map(|s| s.statement.as_str()).collect();
        // A signature counts when it covers the content as it is now: the same summary. (Each signature
        // changes the document, so the parties cannot all sign the same heads one after another; and a
        // signature over content changed since is what "changed after sign-off" means.)
        let now = summary_of(&view.order);
        let of_kind = |kind: StatementKind| -> Vec<SignerRole> {
            let mut roles: Vec<SignerRole> = view
                .order
                .statements
                .iter()
                .filter(|s| counted.contains(&s.id.as_str()))
                .filter_map(|s| s.statement().ok())
                .filter(|st| st.summary == now && st.kind == kind)
                .map(|st| st.signer.role)
                .collect();
            roles.sort();
            roles.dedup();
            roles
        };
        // Acceptance signatures only count towards the parties: a 工程量确认单 confirms the quantities,
        // not the repair.
        let signed = of_kind(StatementKind::Signoff);
        let quantity_signed = of_kind(StatementKind::QuantityConfirmation);
        let missing = required.iter().filter(|r| !signed.contains(r)).copied().collect();
        SignoffProgress { required, signed, missing, quantity_signed }
    }
}
