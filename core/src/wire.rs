//! The sync wire protocol between a device and the server (version [`WIRE_VERSION`]).
//!
//! One `POST /v1/sync` carries many documents: the device sends its feed cursor and, per document it
//! changed, the heads it last saw from the server (`base`), its current heads and the changes since
//! `base`; the server answers with what it accepted, what it refused and why, and the changes the
//! device lacks for the documents it may see, since the cursor. A device that has never had a
//! document gets it whole (`full`). Answers are cut by size (`more` says another page follows), and
//! replaying a request changes nothing, so a dropped connection is retried as it is.
//!
//! Encoding: CBOR (RFC 8949) via `ciborium`, with one-letter field names (listed in
//! docs/sync-protocol.md; they are part of the contract) and byte strings used for
//! ids (16-byte UUIDs), head lists (32 bytes per hash, concatenated) and Automerge bytes, which are
//! already compressed. Why not Automerge's own sync protocol: it needs 2–4 round trips per document,
//! per-peer sync state, and feeds device bytes to its bloom-filter code (a crafted 52-byte message
//! aborts the process); see ARCHITECTURE.md. Enrolment uses JSON ([`EnrolRequest`]).

use crate::model::ReferenceImport;
use automerge::ChangeHash;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The wire version this build speaks. A request with another version is refused with 400.
pub const WIRE_VERSION: u32 = 1;

/// The largest cursor, size or reference version a request may carry (2^53 − 1, exact in every JSON
/// and JavaScript number, far beyond any feed).
pub const MAX_NUMBER: u64 = (1 << 53) - 1;

/// The longest restore epoch a request may carry (the server makes 16-character ones).
pub const MAX_EPOCH_LEN: usize = 64;

/// Media type of sync requests and responses.
pub const SYNC_MEDIA_TYPE: &str = "application/vnd.signoff.sync.v1+cbor";

/// A work-order id on the wire: the 16 bytes of its UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WireId(pub [u8; 16]);

impl WireId {
    /// Parse an order id (a UUID in text form).
    pub fn parse(id: &str) -> Option<WireId> {
        uuid::Uuid::parse_str(id).ok().map(|u| WireId(*u.as_bytes()))
    }

    /// The id as text (lowercase hyphenated UUID, as orders are created).
    pub fn to_text(self) -> String {
        uuid::Uuid::from_bytes(self.0).hyphenated().to_string()
    }
}

impl std::fmt::Display for WireId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for WireId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        bytes_schema("An order id: the 16 bytes of its UUID, as a CBOR byte string", r"^[\x00-\xff]{16}$")
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for WireId {}

/// A CBOR byte string in the OpenAPI description: a string whose characters stand for bytes (U+0000 to
/// U+00FF), so `pattern` can state lengths in bytes, marked `x-cbor: bytes` (sent as a byte string, never
/// as text).
#[cfg(feature = "openapi")]
fn bytes_schema(description: &str, pattern: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::extensions::ExtensionsBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .extensions(Some(ExtensionsBuilder::new().add("x-cbor", "bytes").build()))
        .into()
}

/// A CBOR byte string, and only that: a text string or an array of numbers is not an id or heads.
struct ByteString;

impl<'de> serde::de::Visitor<'de> for ByteString {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }
}

impl Serialize for WireId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = d.deserialize_bytes(ByteString)?;
        let arr: [u8; 16] =
            b.as_slice().try_into().map_err(|_| serde::de::Error::invalid_length(b.len(), &"16 bytes"))?;
        Ok(WireId(arr))
    }
}

/// A set of document heads on the wire: 32 bytes per change hash, concatenated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heads(pub Vec<ChangeHash>);

impl Heads {
    /// No heads.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Heads as stored and sent: 32 bytes per hash, sorted, concatenated.
pub fn pack_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

/// Packed heads back to hashes (a trailing partial hash is ignored).
pub fn unpack_heads(raw: &[u8]) -> Vec<ChangeHash> {
    raw.chunks_exact(32)
        .map(|c| {
            let mut a = [0u8; 32];
            a.copy_from_slice(c);
            ChangeHash(a)
        })
        .collect()
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Heads {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        bytes_schema(
            "Document heads: 32-byte change hashes, concatenated, as a CBOR byte string",
            r"^(?:[\x00-\xff]{32})*$",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Heads {}

impl Serialize for Heads {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&pack_heads(&self.0))
    }
}

impl<'de> Deserialize<'de> for Heads {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = d.deserialize_bytes(ByteString)?;
        if !b.len().is_multiple_of(32) {
            return Err(serde::de::Error::invalid_length(b.len(), &"a multiple of 32 bytes"));
        }
        let mut heads = unpack_heads(&b);
        heads.sort();
        heads.dedup();
        Ok(Heads(heads))
    }
}

/// `POST /v1/sync` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub v: u32,
    /// The feed position of the last response the device fully stored (0 at first).
    #[cfg_attr(feature = "openapi", schema(maximum = 9_007_199_254_740_991.0))]
    #[serde(rename = "c")]
    pub cursor: u64,
    /// Documents the device changed.
    #[serde(default)]
    #[serde(rename = "p")]
    pub push: Vec<DocPush>,
    /// The largest response body the device wants (the server may send less, never much more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 9_007_199_254_740_991.0))]
    #[serde(rename = "m")]
    pub max_bytes: Option<u64>,
    /// The version of the reference data the device holds (the server's `reference_seq` it last
    /// stored), so the server sends the reference data only when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "rs")]
    #[cfg_attr(feature = "openapi", schema(maximum = 9_007_199_254_740_991.0))]
    pub reference_seq: Option<u64>,
    /// Orders the device wants whole again: its copy does not load (damaged storage), so it asks for
    /// the server's to restore from. Answered in `docs` with `full` set, for the orders it may see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(rename = "w")]
    pub want: Vec<WireId>,
    /// The server's restore epoch as the device last saw it; the answer carries the epoch only when it
    /// differs (or the device has none), so an idle sync stays a few dozen bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    #[serde(rename = "e")]
    pub epoch: Option<String>,
}

/// One document the device changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocPush {
    /// Order id.
    #[serde(rename = "i")]
    pub id: WireId,
    /// The heads the device last saw from the server (empty if it never synced this document).
    #[serde(rename = "b")]
    pub base: Heads,
    /// The device's heads now.
    #[serde(rename = "h")]
    pub heads: Heads,
    /// Automerge changes after `base` (a whole saved document when `base` is empty).
    #[serde(with = "serde_bytes")]
    #[serde(rename = "c")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Binary))]
    pub changes: Vec<u8>,
}

/// The answer to a [`SyncRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// [`WIRE_VERSION`].
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub v: u32,
    /// The cursor to send next time, once everything below is stored.
    #[serde(rename = "c")]
    pub cursor: u64,
    /// Another page follows: sync again at once with the new cursor.
    #[serde(rename = "m")]
    pub more: bool,
    /// Pushed documents the server now holds, with its heads after merging.
    #[serde(rename = "a")]
    pub accepted: Vec<DocAccepted>,
    /// Pushed documents the server refused; the device keeps its edits and shows the reason.
    #[serde(rename = "r")]
    pub rejected: Vec<DocRejected>,
    /// Changes the device lacks.
    #[serde(rename = "d")]
    pub docs: Vec<DocPull>,
    /// Documents the device may no longer see (e.g. reassigned); it keeps what it has not sent yet.
    #[serde(rename = "g")]
    pub gone: Vec<WireId>,
    /// The organisation's reference data and device keys, when the device does not hold this version.
    /// Sent in the first page of a sync (ahead of the orders, which are indexed with its names and
    /// settings), not in feed order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "ref")]
    pub reference: Option<ReferenceImport>,
    /// The version of `reference`, for the device to send back as [`SyncRequest::reference_seq`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "rs")]
    #[cfg_attr(feature = "openapi", schema(maximum = 9_007_199_254_740_991.0))]
    pub reference_seq: Option<u64>,
    /// The server's restore epoch, when it differs from the request's: the server was restored from a
    /// backup (or the device never saw one), and a device that had one starts again from cursor 0
    /// offering every order whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "e")]
    pub epoch: Option<String>,
}

/// A pushed document the server accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocAccepted {
    /// Order id.
    #[serde(rename = "i")]
    pub id: WireId,
    /// The server's heads after merging (the device's next `base`); empty when they are exactly the
    /// heads the device pushed (the usual case: nobody else changed the order).
    #[serde(rename = "h", default, skip_serializing_if = "Heads::is_empty")]
    pub heads: Heads,
    /// The official number, when the server has assigned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "o")]
    pub official: Option<String>,
}

/// Why a pushed document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The device may not write this document (not assigned to its person, another organisation).
    Forbidden,
    /// A change names an Automerge actor other than the device's own.
    ForgedActor,
    /// The bytes do not load as Automerge changes, or the result is not a valid work order.
    Invalid,
    /// The server lacks changes the pushed ones depend on: send the whole document (empty `base`).
    MissingChanges,
    /// The document or the changes exceed the server's size limits.
    TooLarge,
    /// A sign-off statement's signature does not verify with the signing device's key, or it does not
    /// describe what the order held at its heads.
    ForgedSignature,
    /// A value the validation table refuses (the message says which), or a field only the server writes.
    BadValue,
    /// A code this build does not know (a newer server): shown as a refusal.
    #[serde(other)]
    Other,
}

impl RejectCode {
    /// What to tell a person.
    pub fn msg(self) -> crate::msg::Msg {
        use crate::msg::{Key, Msg};
        Msg::new(match self {
            RejectCode::Forbidden => Key::RefusedForbidden,
            RejectCode::ForgedActor => Key::RefusedForgedActor,
            RejectCode::Invalid | RejectCode::Other => Key::RefusedInvalid,
            RejectCode::MissingChanges => Key::RefusedMissingChanges,
            RejectCode::TooLarge => Key::RefusedTooLarge,
            RejectCode::ForgedSignature => Key::RefusedForgedSignature,
            RejectCode::BadValue => Key::RefusedInvalid,
        })
    }
}

/// A refused document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocRejected {
    /// Order id.
    #[serde(rename = "i")]
    pub id: WireId,
    /// Machine-readable reason.
    #[serde(rename = "c")]
    pub code: RejectCode,
    /// The message in both languages, from the shared catalogue, when the code alone does not say
    /// enough (which value was refused, and why).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub text: Option<crate::msg::Text>,
    /// For people (English; the app translates the code).
    #[serde(rename = "r")]
    pub reason: String,
}

/// Changes for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocPull {
    /// Order id.
    #[serde(rename = "i")]
    pub id: WireId,
    /// The server's heads, which the device has once it stored `bytes`.
    #[serde(rename = "h")]
    pub heads: Heads,
    /// `bytes` is the whole saved document (the device never had it).
    #[serde(rename = "f")]
    pub full: bool,
    /// Automerge bytes.
    #[serde(with = "serde_bytes")]
    #[serde(rename = "b")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Binary))]
    pub bytes: Vec<u8>,
}

/// `POST /v1/enrol` body (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    /// The one-time code the office issued.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: String,
    /// The device's id (16 hex digits; also its Automerge actor).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{16}$"))]
    pub device_id: String,
    /// The device's Ed25519 public key (64 hex digits).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub public_key: String,
    /// A name for people ("王建国's phone"; the server keeps the first 80 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub name: String,
}

/// The answer to an enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    /// The device id the server recorded.
    pub device_id: String,
    /// Bearer token for every later request (the server keeps only its hash).
    pub token: String,
    /// The person this device belongs to.
    pub person: String,
    /// Their role.
    pub role: String,
    /// The organisation.
    pub org: String,
}

/// An error body (JSON) for every 4xx/5xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Machine-readable code (`unauthorized`, `too_large`, `rate_limited`, …).
    pub code: String,
    /// For people.
    pub message: String,
}

/// Encoding or decoding a wire message failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The bytes are not a message of this version.
    #[error("not a sync message: {0}")]
    Decode(String),
    /// The message has another wire version.
    #[error("wire version {found} is not supported (this side speaks {WIRE_VERSION})")]
    Version {
        /// The version in the message.
        found: u32,
    },
    /// Encoding failed.
    #[error("cannot encode a sync message: {0}")]
    Encode(String),
}

/// Encode a message as CBOR.
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::new();
    ciborium::into_writer(msg, &mut out).map_err(|e| WireError::Encode(e.to_string()))?;
    Ok(out)
}

/// Decode a sync request, checking its version.
pub fn decode_request(bytes: &[u8]) -> Result<SyncRequest, WireError> {
    let req: SyncRequest = ciborium::from_reader(bytes).map_err(|e| WireError::Decode(e.to_string()))?;
    if req.v != WIRE_VERSION {
        return Err(WireError::Version { found: req.v });
    }
    let numbers = [Some(req.cursor), req.max_bytes, req.reference_seq];
    if numbers.into_iter().flatten().any(|n| n > MAX_NUMBER) {
        return Err(WireError::Decode(format!("a cursor, size or version is at most {MAX_NUMBER}")));
    }
    if req.epoch.as_ref().is_some_and(|e| e.chars().count() > MAX_EPOCH_LEN) {
        return Err(WireError::Decode(format!("an epoch has at most {MAX_EPOCH_LEN} characters")));
    }
    Ok(req)
}

/// Decode a sync response, checking its version.
pub fn decode_response(bytes: &[u8]) -> Result<SyncResponse, WireError> {
    let resp: SyncResponse = ciborium::from_reader(bytes).map_err(|e| WireError::Decode(e.to_string()))?;
    if resp.v != WIRE_VERSION {
        return Err(WireError::Version { found: resp.v });
    }
    Ok(resp)
}
