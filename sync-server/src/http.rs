//! The HTTP API: routes, body limits, timeouts, metrics middleware and the OpenAPI description.
//!
//! | route | body | who |
//! |---|---|---|
//! | `POST /v1/enrol` | JSON `EnrolRequest` → `EnrolResponse` | anyone with a one-time code |
//! | `POST /v1/sync` | CBOR `SyncRequest` → `SyncResponse` | enrolled devices |
//! | `HEAD/PUT/GET /v1/blobs/{sha256}` | bytes | devices that may see a document naming the blob |
//! | `GET /healthz`, `/metrics`, `/openapi.json` | | anyone |

use crate::auth::{Authed, hash_secret, new_token, normalise_code};
use crate::blobs;
use crate::error::ServerError;
use crate::state::AppState;
use crate::store::{NewDevice, Store, StoreError};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use signoff_core::wire::{self, EnrolRequest, EnrolResponse, SYNC_MEDIA_TYPE};
use std::time::{Duration, Instant};

/// Build the router over `state`.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let limits = state.config.limits.clone();
    Router::new()
        .route("/v1/enrol", post(enrol::<S>).layer(DefaultBodyLimit::max(16 << 10)))
        .route("/v1/sync", post(sync::<S>).layer(DefaultBodyLimit::max(limits.max_sync_body)))
        .route("/v1/blobs/{sha}", get(blobs::get::<S>).head(blobs::head::<S>).put(blobs::put::<S>))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::<S>))
        .route("/openapi.json", get(openapi::<S>))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count::<S>))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .with_state(state)
}

async fn count<S: Store>(State(st): State<AppState<S>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    st.metrics.request(&route, resp.status().as_u16());
    if route == "/v1/sync" {
        st.metrics.sync_took(started.elapsed().as_secs_f64());
    }
    resp
}

/// The peer's network address, when the server was started with connection info (it always is; a
/// router used without it simply has none).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())))
    }
}

async fn enrol<S: Store>(
    State(st): State<AppState<S>>,
    Peer(peer): Peer,
    body: Result<Json<EnrolRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<EnrolResponse>, ServerError> {
    // Codes are guessed by trying them: attempts are limited per address and for the whole server.
    let limited = peer.is_some_and(|ip| st.enrol_by_address.check_key(&ip).is_err()) || st.enrol_all.check().is_err();
    if limited {
        st.metrics.rejection("enrolment_rate_limited");
        tracing::warn!(address = ?peer, "enrolment attempts limited");
        return Err(ServerError::RateLimited);
    }
    let Json(req) = body.map_err(|e| {
        tracing::debug!(error = %e, "unreadable enrolment request");
        ServerError::BadRequest(
            "the body must be JSON {code, device_id, public_key, name} with Content-Type application/json".into(),
        )
    })?;
    let id_ok = req.device_id.len() == 16 && req.device_id.bytes().all(|b| b.is_ascii_hexdigit());
    let key_ok = data_encoding::HEXLOWER_PERMISSIVE
        .decode(req.public_key.as_bytes())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .is_some_and(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).is_ok());
    if !id_ok || !key_ok {
        return Err(ServerError::BadRequest(
            "device_id must be 16 hex digits and public_key an Ed25519 key in hex".into(),
        ));
    }
    let token = new_token();
    let device = NewDevice {
        id: req.device_id.to_ascii_lowercase(),
        public_key: req.public_key.to_ascii_lowercase(),
        name: req.name.chars().take(80).collect(),
        token_hash: hash_secret(&token),
    };
    let now = chrono::Utc::now().timestamp_millis();
    let rec = match st.store.redeem_enrolment(&hash_secret(&normalise_code(&req.code)), device, now).await {
        Ok(rec) => rec,
        Err(StoreError::NotFound(_)) => {
            st.metrics.rejection("enrolment_code");
            return Err(ServerError::Unauthorized(
                "this enrolment code is unknown, already used or expired: ask the office for a new one".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(device = %rec.id, org = %rec.org, role = rec.role.code(), "device enrolled");
    Ok(Json(EnrolResponse { device_id: rec.id, token, person: rec.person, role: rec.role.code().into(), org: rec.org }))
}

/// One of a device's sync requests in flight (released when dropped).
struct DeviceSync {
    map: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    device: String,
}

impl DeviceSync {
    fn take(
        map: &std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
        device: &str,
        max: usize,
    ) -> Option<DeviceSync> {
        let mut m = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(device.to_owned()).or_default();
        if *n >= max.max(1) {
            return None;
        }
        *n += 1;
        Some(DeviceSync { map: map.clone(), device: device.to_owned() })
    }
}

impl Drop for DeviceSync {
    fn drop(&mut self) {
        let mut m = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.device) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.device);
            }
        }
    }
}

/// Read a sync request's body: a device has at most `syncs_per_device` requests in flight; memory for
/// the body is reserved from the budget shared by all devices before it is read (so bodies in flight
/// never exceed it); the body must arrive within `body_timeout_secs`. Only then does the request take
/// one of the processing slots, so a slow or trickling sender holds no slot another device needs.
async fn sync_body<S: Store>(
    st: &AppState<S>,
    dev: &crate::store::DeviceRecord,
    req: Request,
) -> Result<(Bytes, DeviceSync, tokio::sync::OwnedSemaphorePermit), ServerError> {
    let limits = &st.config.limits;
    let Some(in_flight) = DeviceSync::take(&st.device_syncs, &dev.id, limits.syncs_per_device) else {
        st.metrics.rejection("device_syncs");
        return Err(ServerError::RateLimited);
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_sync_body) {
        st.metrics.rejection("body");
        return Err(ServerError::TooLarge(format!("a sync request may have at most {} bytes", limits.max_sync_body)));
    }
    let kib = u32::try_from(declared.unwrap_or(limits.max_sync_body).div_ceil(1024).max(1)).unwrap_or(u32::MAX);
    let budget = st.body_budget.clone().acquire_many_owned(kib).await.map_err(|_| ServerError::RateLimited)?;
    let timeout = Duration::from_secs(limits.body_timeout_secs.max(1));
    let limited = http_body_util::Limited::new(req.into_body(), limits.max_sync_body);
    let body = match tokio::time::timeout(timeout, http_body_util::BodyExt::collect(limited)).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            st.metrics.rejection("body");
            return Err(if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                ServerError::TooLarge(format!("a sync request may have at most {} bytes", limits.max_sync_body))
            } else {
                ServerError::BadRequest("the request body broke off".into())
            });
        }
        Err(_) => {
            st.metrics.rejection("body_timeout");
            return Err(ServerError::BodyTimeout);
        }
    };
    drop(budget);
    let slot = st.sync_slots.clone().acquire_owned().await.map_err(|_| ServerError::RateLimited)?;
    Ok((body, in_flight, slot))
}

async fn sync<S: Store>(
    State(st): State<AppState<S>>,
    Authed(dev): Authed,
    req: Request,
) -> Result<Response, ServerError> {
    let (body, _in_flight, _slot) = sync_body(&st, &dev, req).await?;
    let req = wire::decode_request(&body).map_err(|e| {
        st.metrics.rejection("undecodable");
        tracing::debug!(device = %dev.id, error = %e, "undecodable sync request");
        match e {
            wire::WireError::Version { found } => ServerError::BadRequest(format!(
                "wire version {found} is not supported: this server speaks version {}",
                wire::WIRE_VERSION
            )),
            _ => ServerError::BadRequest(format!(
                "the body is not a sync request ({SYNC_MEDIA_TYPE}, CBOR, wire version {})",
                wire::WIRE_VERSION
            )),
        }
    })?;
    let resp = crate::sync::exchange(&st, &dev, req).await?;
    tracing::debug!(
        device = %dev.id,
        accepted = resp.accepted.len(),
        rejected = resp.rejected.len(),
        sent = resp.docs.len(),
        more = resp.more,
        "sync"
    );
    let bytes = wire::encode(&resp).map_err(|e| ServerError::Store(StoreError::Setup(e.to_string())))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(SYNC_MEDIA_TYPE))], bytes).into_response())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics<S: Store>(State(st): State<AppState<S>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], st.metrics.render())
}

async fn openapi<S: Store>(State(st): State<AppState<S>>) -> impl IntoResponse {
    Json(crate::openapi::document(&st.config.limits))
}
