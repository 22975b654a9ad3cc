//! `POST /shopify/webhooks`: Shopify's mandatory compliance topics drive the same
//! privacy operations as the admin API.
//!
//! - `customers/data_request`: the caller's records are exported; the document is
//!   returned in the response and its size logged, for the operator to send to
//!   the merchant (Shopify itself ignores the response body).
//! - `customers/redact`: the caller's records for that shop's merchant are deleted.
//! - `shop/redact`: all of the merchant's records are deleted.
//!
//! Call records are keyed by the caller's phone number; a customer Shopify
//! identifies only by email has no call records to export or delete.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lumitalk_core::{MerchantId, Region};
use lumitalk_shopify::webhook::ComplianceRequest;
use serde_json::json;

use crate::privacy;
use crate::server::AppState;

fn merchant_for_shop(state: &AppState, domain: &str) -> Option<MerchantId> {
    if let Some(id) = state.shops.get(&domain.to_ascii_lowercase()) {
        return Some(id.clone());
    }
    // A single-merchant deployment: every shop webhook is about that merchant.
    let mut merchants = state.assistant.merchants().iter();
    match (merchants.next(), merchants.next()) {
        (Some(only), None) => Some(only.id.clone()),
        _ => None,
    }
}

/// Handles one compliance webhook.
pub async fn handle(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state.shopify_secret.as_ref() else {
        return (
            StatusCode::NOT_FOUND,
            "Shopify webhooks disabled: set SHOPIFY_API_SECRET",
        )
            .into_response();
    };
    let request = match ComplianceRequest::from_headers(&headers, &body, secret, Region::NANP) {
        Ok(r) => r,
        Err(e) if e.is_auth_failure() => {
            tracing::warn!(error = %e, "refused Shopify webhook");
            return (StatusCode::UNAUTHORIZED, "invalid HMAC").into_response();
        }
        Err(e) => {
            tracing::warn!(error = %e, "unusable Shopify webhook");
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    };
    let topic = request.topic();
    let merchant = merchant_for_shop(&state, &request.shop().domain);
    let result = match &request {
        ComplianceRequest::DataRequest(r) => match &r.customer.phone {
            Some(phone) => state
                .records
                .list_by_caller(phone, merchant.as_ref())
                .await
                .map(|records| {
                    tracing::info!(topic, caller = %phone, records = records.len(), "compliance export");
                    privacy::export_document(phone, &records, state.clock.now())
                }),
            None => Ok(json!({"records": [], "note": "no phone number: no call records"})),
        },
        ComplianceRequest::CustomerRedact(r) => match (&r.customer.phone, &merchant) {
            (Some(phone), Some(m)) => privacy::delete_caller(&state, phone, Some(m))
                .await
                .map(|d| json!({"deleted_records": d.records, "deleted_audio": d.audio.len()})),
            _ => Ok(json!({"deleted_records": 0})),
        },
        ComplianceRequest::ShopRedact(_) => match &merchant {
            Some(m) => privacy::delete_merchant(&state, m)
                .await
                .map(|d| json!({"deleted_records": d.records, "deleted_audio": d.audio.len()})),
            None => Ok(json!({"deleted_records": 0})),
        },
        _ => Ok(json!({"ignored": topic})),
    };
    match result {
        Ok(body) => {
            tracing::info!(topic, "compliance webhook handled");
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(e) => {
            // A 5xx makes Shopify retry the webhook later: nothing is lost.
            tracing::error!(topic, error = %e, "compliance webhook failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}
