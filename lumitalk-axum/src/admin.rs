//! The admin API: privacy requests (export, delete), retention purge, legal
//! holds and the pending Shopify data requests ([`data_requests`]), behind a
//! bearer token compared in constant time (or the integrator's own
//! authentication, see [`LumiTalkBuilder::admin_without_token`]).
//!
//! [`LumiTalkBuilder::admin_without_token`]: crate::LumiTalkBuilder::admin_without_token

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use lumitalk_core::{CallId, PhoneNumber, Region, StoreError};
use serde_json::json;

use crate::admin_auth::Check;
use crate::service::{AdminAuth, AppState};

pub(crate) mod data_requests;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/callers/{phone}",
            get(export_caller).delete(delete_caller),
        )
        .route("/admin/retention/purge", post(purge))
        .route(
            "/admin/calls/{call_id}/legal-hold",
            put(set_hold).delete(release_hold),
        )
        .merge(data_requests::router())
}

/// Why an admin request was refused.
#[derive(Debug)]
enum Rejection {
    Disabled,
    Unauthorized,
    Throttled(std::time::Duration),
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
            Rejection::Throttled(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
                "too many failed admin authentications; try again later",
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

/// Proof that the request may use the admin API.
#[derive(Debug)]
struct Authorized;

impl FromRequestParts<AppState> for Authorized {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Rejection> {
        let gate = match &state.admin {
            AdminAuth::Off => return Err(Rejection::Disabled),
            // Authentication is the integrator's, in front of this router.
            AdminAuth::External => return Ok(Authorized),
            AdminAuth::Token(gate) => gate,
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        match gate.check(given) {
            Check::Allowed => Ok(Authorized),
            Check::Refused => Err(Rejection::Unauthorized),
            Check::Throttled(wait) => Err(Rejection::Throttled(wait)),
        }
    }
}

fn parse_phone(raw: &str) -> Result<PhoneNumber, Rejection> {
    PhoneNumber::parse(raw, Region::NANP).map_err(|e| Rejection::BadPhone(e.to_string()))
}

fn store_error(e: &StoreError) -> Response {
    tracing::error!(kind = e.kind().as_str(), error = %e, "call-record store failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "call-record store unavailable, try again"})),
    )
        .into_response()
}

/// `GET /admin/callers/{phone}`: every record held for a caller, as one JSON document.
async fn export_caller(
    _: Authorized,
    State(state): State<AppState>,
    Path(phone): Path<String>,
) -> Response {
    let phone = match parse_phone(&phone) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match state.privacy.export_caller(&phone, None).await {
        Ok(doc) => {
            tracing::info!(caller = %phone, records = %doc["record_count"], "exported caller records");
            Json(doc).into_response()
        }
        Err(e) => store_error(&e),
    }
}

/// `DELETE /admin/callers/{phone}`: deletes a caller's records and the audio they reference.
async fn delete_caller(
    _: Authorized,
    State(state): State<AppState>,
    Path(phone): Path<String>,
) -> Response {
    let phone = match parse_phone(&phone) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match state.privacy.delete_caller(&phone, None).await {
        Ok(d) => {
            tracing::info!(caller = %phone, records = d.records, held = d.held, audio = d.audio.len(), "deleted caller records");
            Json(deleted_json(&d)).into_response()
        }
        Err(e) => store_error(&e),
    }
}

/// What a deletion did, as the admin API and compliance webhooks report it:
/// records on legal hold are kept and counted (`{"deleted": n, "held": m}`;
/// `deleted_records` and `held_records` say the same, for clients written
/// before those keys).
pub(crate) fn deleted_json(d: &lumitalk_core::Deleted) -> serde_json::Value {
    json!({
        "deleted": d.records,
        "held": d.held,
        "deleted_records": d.records,
        "deleted_audio": d.audio.len(),
        "held_records": d.held,
    })
}

/// `POST /admin/retention/purge`: removes records past each merchant's window.
async fn purge(_: Authorized, State(state): State<AppState>) -> Response {
    match state.privacy.purge_expired().await {
        Ok(d) => {
            tracing::info!(
                records = d.records,
                audio = d.audio.len(),
                "retention purge (admin)"
            );
            Json(json!({"purged_records": d.records, "deleted_audio": d.audio.len()}))
                .into_response()
        }
        Err(e) => store_error(&e),
    }
}

/// `PUT /admin/calls/{call_id}/legal-hold` sets a hold.
async fn set_hold(
    _: Authorized,
    State(state): State<AppState>,
    Path(call): Path<String>,
) -> Response {
    hold(&state, call, true).await
}

/// `DELETE /admin/calls/{call_id}/legal-hold` releases it.
async fn release_hold(
    _: Authorized,
    State(state): State<AppState>,
    Path(call): Path<String>,
) -> Response {
    hold(&state, call, false).await
}

async fn hold(state: &AppState, call: String, on: bool) -> Response {
    match state.privacy.set_legal_hold(&CallId::new(call), on).await {
        Ok(true) => Json(json!({"legal_hold": on})).into_response(),
        Ok(false) => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no record for that call"})),
        )
            .into_response(),
        Err(e) => store_error(&e),
    }
}
