//! The admin API: privacy requests (export, delete), retention purge and legal
//! holds, behind a bearer token compared in constant time.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lumitalk_core::{CallId, PhoneNumber, Region};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::privacy;
use crate::server::AppState;

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why an admin request was refused.
#[derive(Debug)]
enum Rejection {
    Disabled,
    Unauthorized,
    BadPhone(String),
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Disabled => (
                StatusCode::NOT_FOUND,
                "admin API disabled: set LUMITALK_ADMIN_TOKEN",
            )
                .into_response(),
            Rejection::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "missing or wrong admin token",
            )
                .into_response(),
            Rejection::BadPhone(why) => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("not a phone number: {why}")})),
            )
                .into_response(),
        }
    }
}

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), Rejection> {
    let Some(expected) = state.admin_token.as_ref() else {
        return Err(Rejection::Disabled);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
        Ok(())
    } else {
        Err(Rejection::Unauthorized)
    }
}

fn parse_phone(raw: &str) -> Result<PhoneNumber, Rejection> {
    PhoneNumber::parse(raw, Region::NANP).map_err(|e| Rejection::BadPhone(e.to_string()))
}

fn store_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "call-record store failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "call-record store unavailable, try again"})),
    )
        .into_response()
}

/// `GET /admin/callers/{phone}`: every record held for a caller, as one JSON document.
pub async fn export_caller(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(phone): Path<String>,
) -> Response {
    if let Err(r) = authorize(&state, &headers) {
        return r.into_response();
    }
    let phone = match parse_phone(&phone) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match state.records.list_by_caller(&phone, None).await {
        Ok(records) => {
            tracing::info!(caller = %phone, records = records.len(), "exported caller records");
            Json(privacy::export_document(
                &phone,
                &records,
                state.clock.now(),
            ))
            .into_response()
        }
        Err(e) => store_error(e),
    }
}

/// `DELETE /admin/callers/{phone}`: deletes a caller's records and the audio they reference.
pub async fn delete_caller(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(phone): Path<String>,
) -> Response {
    if let Err(r) = authorize(&state, &headers) {
        return r.into_response();
    }
    let phone = match parse_phone(&phone) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match privacy::delete_caller(&state, &phone, None).await {
        Ok(d) => {
            tracing::info!(caller = %phone, records = d.records, audio = d.audio.len(), "deleted caller records");
            Json(json!({"deleted_records": d.records, "deleted_audio": d.audio.len()}))
                .into_response()
        }
        Err(e) => store_error(e),
    }
}

/// `POST /admin/retention/purge`: removes records past each merchant's window.
pub async fn purge(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&state, &headers) {
        return r.into_response();
    }
    match privacy::purge(&state).await {
        Ok(d) => Json(json!({"purged_records": d.records, "deleted_audio": d.audio.len()}))
            .into_response(),
        Err(e) => store_error(e),
    }
}

/// `PUT /admin/calls/{call_id}/legal-hold` sets a hold; `DELETE` releases it.
pub async fn set_hold(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(call): Path<String>,
) -> Response {
    hold(state, headers, call, true).await
}

/// `DELETE /admin/calls/{call_id}/legal-hold`.
pub async fn release_hold(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(call): Path<String>,
) -> Response {
    hold(state, headers, call, false).await
}

async fn hold(state: AppState, headers: HeaderMap, call: String, on: bool) -> Response {
    if let Err(r) = authorize(&state, &headers) {
        return r.into_response();
    }
    match state.records.set_legal_hold(&CallId::new(call), on).await {
        Ok(true) => Json(json!({"legal_hold": on})).into_response(),
        Ok(false) => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no record for that call"})),
        )
            .into_response(),
        Err(e) => store_error(e),
    }
}
