//! The OpenAPI 3.1 description served at `/openapi.json`: every route, every status it answers, the
//! bodies typed from the wire types themselves (`signoff_core::wire`, `openapi` feature), and the
//! bearer scheme devices use. The sync bodies are CBOR (`application/vnd.signoff.sync.v1+cbor`); their
//! schemas describe the CBOR data model, with `format: binary` for byte strings (ids, heads, Automerge
//! bytes). Limits that depend on the configuration (the largest photo) are filled in per server.
//! Checked by schemathesis against the real server (`tests/tests/openapi.rs`).

use crate::config::Limits;
use signoff_core::model::ReferenceImport;
use signoff_core::wire::{
    ApiError, DocAccepted, DocPull, DocPush, DocRejected, EnrolRequest, EnrolResponse, RejectCode, SyncRequest,
    SyncResponse,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The description of every route (see [`document`] for the one served).
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Signoff sync server",
        description = "Offline-first repair work orders: device enrolment, batched document sync (CBOR, see \
                       docs/sync-protocol.md) and resumable photo uploads. Errors are JSON `{code, message}`."
    ),
    paths(enrol, sync, blob_head, blob_put, blob_get, healthz, metrics, openapi),
    components(schemas(
        ApiError,
        EnrolRequest,
        EnrolResponse,
        SyncRequest,
        SyncResponse,
        DocPush,
        DocAccepted,
        DocRejected,
        DocPull,
        RejectCode,
        ReferenceImport
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// The `bearer` security scheme the routes name: the token `/v1/enrol` returns.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The device token from POST /v1/enrol (`Authorization: Bearer <token>`)"))
                    .build(),
            ),
        );
    }
}

/// The description as served: [`ApiDoc`] with this server's limits filled in.
pub fn document(limits: &Limits) -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let max_blob = serde_json::Value::from(limits.max_blob_bytes);
    if let Some(params) = doc.pointer_mut("/paths/~1v1~1blobs~1{sha256}/put/parameters").and_then(|p| p.as_array_mut())
    {
        for p in params {
            if matches!(p["name"].as_str(), Some("Upload-Length" | "Upload-Offset")) {
                // A number of bytes up to the photo limit (an absent Upload-Offset means 0; it is
                // never `null`, which utoipa would allow for an optional header).
                p["schema"] = serde_json::json!({"type": "integer", "minimum": 0, "maximum": max_blob.clone()});
            }
        }
    }
    if let Some(push) = doc.pointer_mut("/components/schemas/SyncRequest/properties/p") {
        push["maxItems"] = serde_json::Value::from(limits.max_docs_per_request);
    }
    doc
}

/// Raw bytes (a photo file), `string` with `format: binary`.
struct Octets;

impl utoipa::PartialSchema for Octets {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Octets {}

// Documentation-only items: the handlers are generic over the store, so their descriptions live here.

/// Enrol a device with a one-time code from the office.
#[utoipa::path(post, path = "/v1/enrol", tag = "devices",
    request_body(content = EnrolRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Enrolled: keep the token", body = EnrolResponse),
        (status = 400, description = "Not an enrolment request, or the public key is not an Ed25519 key", body = ApiError),
        (status = 401, description = "The code is unknown, used or expired", body = ApiError),
        (status = 409, description = "This device id is enrolled already", body = ApiError),
        (status = 429, description = "Too many attempts from this address or in all", body = ApiError,
            headers(("Retry-After" = u32, description = "Seconds to wait")))))]
#[allow(dead_code)]
fn enrol() {}

/// Exchange documents: push changes, receive what the device lacks since its cursor.
#[utoipa::path(post, path = "/v1/sync", tag = "sync",
    request_body(content = SyncRequest, content_type = "application/vnd.signoff.sync.v1+cbor"),
    responses(
        (status = 200, description = "What the server accepted and refused, and what the device lacks",
            content_type = "application/vnd.signoff.sync.v1+cbor", body = SyncResponse),
        (status = 400, description = "Not a sync request, or another wire version", body = ApiError),
        (status = 401, description = "No valid token, or the device was revoked", body = ApiError),
        (status = 408, description = "The body did not arrive in time", body = ApiError),
        (status = 409, description = "`cursor_ahead`: the cursor is past the feed (the server was restored); \
                                      start again from 0", body = ApiError),
        (status = 413, description = "The body or a document is over the server's limits", body = ApiError),
        (status = 429, description = "Too many requests from this device", body = ApiError,
            headers(("Retry-After" = u32, description = "Seconds to wait")))),
    security(("bearer" = [])))]
#[allow(dead_code)]
fn sync() {}

/// How much of a photo the server has.
#[utoipa::path(head, path = "/v1/blobs/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the bytes, lowercase hex", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "Stored", headers(
            ("Content-Length" = u64, description = "Its size"),
            ("Upload-Offset" = u64, description = "Its size"))),
        (status = 400, description = "Not a SHA-256 name"),
        (status = 401, description = "No valid token"),
        (status = 404, description = "Not stored for this organisation, or no order this device may see names it; \
                                      Upload-Offset (when present) gives the bytes received so far",
            headers(("Upload-Offset" = u64, description = "Bytes received so far"))),
        (status = 429, description = "Too many requests from this device",
            headers(("Retry-After" = u32, description = "Seconds to wait")))),
    security(("bearer" = [])))]
#[allow(dead_code)]
fn blob_head() {}

/// Upload a photo, or resume uploading it from the server's offset.
#[utoipa::path(put, path = "/v1/blobs/{sha256}", tag = "photos",
    params(
        ("sha256" = String, Path, description = "SHA-256 of the bytes, lowercase hex", pattern = "^[0-9a-f]{64}$"),
        ("Upload-Offset" = Option<u64>, Header, description = "Bytes the server has already (from HEAD); 0 when absent"),
        ("Upload-Length" = u64, Header, description = "The photo's whole size")),
    request_body(content = Octets, content_type = "application/octet-stream",
        description = "The bytes from Upload-Offset on"),
    responses(
        (status = 201, description = "Complete and verified", headers(("Upload-Offset" = u64, description = "The size"))),
        (status = 200, description = "Stored already", headers(("Upload-Offset" = u64, description = "The size"))),
        (status = 204, description = "The body ended early; resume from Upload-Offset",
            headers(("Upload-Offset" = u64, description = "Bytes received so far"))),
        (status = 400, description = "Not a SHA-256 name, or a header is not a number", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No order this device may see names the photo", body = ApiError),
        (status = 409, description = "Wrong offset (resume from Upload-Offset), or another request is uploading it",
            body = ApiError, headers(("Upload-Offset" = u64, description = "Bytes the server has"))),
        (status = 413, description = "Over the photo size limit, or the device's unfinished uploads would pass its quota",
            body = ApiError),
        (status = 422, description = "The bytes do not hash to the name (the upload is dropped)", body = ApiError),
        (status = 429, description = "Too many requests from this device", body = ApiError,
            headers(("Retry-After" = u32, description = "Seconds to wait")))),
    security(("bearer" = [])))]
#[allow(dead_code)]
fn blob_put() {}

/// Download a photo (a single `Range` is honoured).
#[utoipa::path(get, path = "/v1/blobs/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the bytes, lowercase hex", pattern = "^[0-9a-f]{64}$")),
    responses(
        (status = 200, description = "The bytes", content_type = "application/octet-stream", body = Octets),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Octets),
        (status = 400, description = "Not a SHA-256 name", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Not uploaded yet, or not visible to this device", body = ApiError),
        (status = 416, description = "The range is outside the photo"),
        (status = 429, description = "Too many requests from this device", body = ApiError,
            headers(("Retry-After" = u32, description = "Seconds to wait")))),
    security(("bearer" = [])))]
#[allow(dead_code)]
fn blob_get() {}

/// Whether the server is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up", content_type = "text/plain", body = String)))]
#[allow(dead_code)]
fn healthz() {}

/// Prometheus metrics (no personal data in labels).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String)))]
#[allow(dead_code)]
fn metrics() {}

/// This description.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
#[allow(dead_code)]
fn openapi() {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The description is part of the contract: a change to it shows up here first.
    #[test]
    fn the_served_description_is_stable() {
        insta::assert_json_snapshot!(document(&Limits::default()));
    }

    #[test]
    fn every_secured_route_names_a_defined_scheme_and_the_limits_are_filled_in() {
        let doc = document(&Limits { max_blob_bytes: 1000, max_docs_per_request: 7, ..Limits::default() });
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        let put = &doc["paths"]["/v1/blobs/{sha256}"]["put"];
        let length = put["parameters"].as_array().into_iter().flatten().find(|p| p["name"] == "Upload-Length");
        assert_eq!(length.map(|p| p["schema"]["maximum"].clone()), Some(serde_json::json!(1000)));
        assert_eq!(doc["components"]["schemas"]["SyncRequest"]["properties"]["p"]["maxItems"], 7);
        for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in ops.as_object().into_iter().flatten() {
                for scheme in op["security"].as_array().into_iter().flatten() {
                    for name in scheme.as_object().into_iter().flatten().map(|(k, _)| k) {
                        assert!(doc["components"]["securitySchemes"][name].is_object(), "{method} {path}: {name}");
                    }
                }
            }
        }
    }
}
