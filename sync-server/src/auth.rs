//! Enrolment codes, access tokens and the `Authed` extractor that every device route takes.
//!
//! Codes and tokens are random (codes: 10 base32 characters; tokens: 32 bytes) and stored only as
//! SHA-256 hashes, so a copy of the database lets nobody in. Both are high-entropy secrets, so a fast
//! hash is enough (no password-style stretching). A revoked device's token is refused; its
//! signatures stay verifiable because its public key is kept.

use crate::error::ServerError;
use crate::state::AppState;
use crate::store::{DeviceRecord, Store};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// SHA-256 of a secret, hex.
pub fn hash_secret(secret: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(secret.trim().as_bytes()))
}

/// A new access token.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    data_encoding::BASE64URL_NOPAD.encode(&b)
}

/// A new enrolment code: 10 characters people can read out or type (base32, no 0/1/8/9 confusion).
pub fn new_code() -> String {
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    data_encoding::BASE32_NOPAD.encode(&b).chars().take(10).collect()
}

/// Normalise a typed code (spaces, dashes and case do not matter).
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The authenticated device of a request.
#[derive(Debug, Clone)]
pub struct Authed(pub DeviceRecord);

impl<S: Store> FromRequestParts<AppState<S>> for Authed {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ServerError::Unauthorized("sign in: this request needs a device token".into()))?;
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are `Bearer`.
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| ServerError::Unauthorized("the Authorization header must be `Bearer <token>`".into()))?;
        let device = state
            .store
            .device_by_token(&hash_secret(token))
            .await?
            .ok_or_else(|| ServerError::Unauthorized("unknown device token: enrol this device again".into()))?;
        if device.revoked_ms.is_some() {
            state.metrics.rejection("revoked");
            return Err(ServerError::Unauthorized("this device was revoked by the office".into()));
        }
        if state.limiter.check_key(&device.id).is_err() {
            state.metrics.rejection("rate_limited");
            return Err(ServerError::RateLimited);
        }
        Ok(Authed(device))
    }
}
