//! Errors of the server, and how each becomes an HTTP answer: a status and a JSON
//! [`ApiError`](signoff_core::wire::ApiError) body with a code and a message. Internal causes are
//! logged, not sent.

use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use signoff_core::wire::ApiError;

/// What went wrong while serving a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// No valid token, or the device was revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// The device may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Not found (or not visible to this device: the two are not told apart).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The request is too large.
    #[error("{0}")]
    TooLarge(String),
    /// The state does not allow it (an upload at the wrong offset, a used code).
    #[error("{0}")]
    Conflict(String),
    /// The device sends too many requests.
    #[error("too many requests: slow down")]
    RateLimited,
    /// The request's body did not arrive in time.
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// Uploaded bytes do not match their name.
    #[error("{0}")]
    Unprocessable(String),
    /// The device's feed cursor is past the feed's head (the server was restored from a backup, or the
    /// cursor is made up): the device starts again from 0 and offers what it has.
    #[error("cursor {cursor} is past the feed's head {head}: sync again from 0")]
    CursorAhead {
        /// The cursor sent.
        cursor: u64,
        /// The feed's head.
        head: u64,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl ServerError {
    /// The status and code sent for this error.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match self {
            ServerError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServerError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ServerError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ServerError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ServerError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ServerError::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            ServerError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch"),
            ServerError::CursorAhead { .. } => (StatusCode::CONFLICT, "cursor_ahead"),
            ServerError::Store(StoreError::NotFound(_)) => (StatusCode::NOT_FOUND, "not_found"),
            ServerError::Store(StoreError::Refused(_)) => (StatusCode::CONFLICT, "conflict"),
            ServerError::Store(_) | ServerError::Io { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = self.status();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "the server could not complete the request; try again later".to_owned()
        } else {
            self.to_string()
        };
        let mut response = (status, axum::Json(ApiError { code: code.to_owned(), message })).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            // Seconds to wait before trying again.
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}
