//! Errors as pages: a message a user can act on, never a stack trace or
//! SQL (docs/reference/registry.md §7, ASVS chapter 7). Internal errors show a reference
//! only; the details go to the server's standard error with that reference.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mibg_store::StoreError;

/// An error of a request.
#[derive(Debug)]
pub enum AppError {
    /// 404: no such page, or an object outside the caller's centres (the
    /// two are indistinguishable on purpose).
    NotFound,
    /// 403: the caller's role lacks the right.
    Forbidden,
    /// 400: a form the user can correct (the message says how).
    BadRequest(String),
    /// 409: someone else changed the record.
    Conflict(String),
    /// 422: a rule of the store or the clinic refused the act (the message
    /// names it: a signature rule, an unacknowledged warning, …).
    Refused(String),
    /// 500: anything else (details logged, not shown).
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound,
            StoreError::Forbidden(_) => AppError::Forbidden,
            StoreError::Conflict { .. } => AppError::Conflict(e.to_string()),
            StoreError::Invalid { .. }
            | StoreError::Duplicate { .. }
            | StoreError::ReasonRequired
            | StoreError::Signature(_)
            | StoreError::Refused(_)
            | StoreError::InvalidStudy(_) => AppError::Refused(e.to_string()),
            StoreError::AuthenticationFailed => AppError::Refused(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    /// The status and the text shown.
    pub fn parts(&self) -> (StatusCode, String) {
        match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "Not found.".into()),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Your role does not allow this.".into(),
            ),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
            AppError::Refused(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
            AppError::Internal(detail) => {
                let reference = crate::session::random_token()[..12].to_string();
                // The details for the operator's log only.
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("mibg serve: internal error {reference}: {detail}");
                }
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Something went wrong on the server (reference {reference})."),
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = self.parts();
        (status, crate::views::error_page(status, &message)).into_response()
    }
}
