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

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use lumitalk_core::{MerchantId, Region, StoreError};
use lumitalk_shopify::webhook::ComplianceRequest;
use serde_json::{Value, json};

use crate::service::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/shopify/webhooks", post(handle))
}

/// `acme`, `acme.myshopify.com` and `https://acme.myshopify.com/` all name one shop.
pub(crate) fn normalize_shop(shop: &str) -> String {
    let s = shop.trim().to_ascii_lowercase();
    let s = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    if s.contains('.') {
        s.to_string()
    } else {
        format!("{s}.myshopify.com")
    }
}

fn merchant_for_shop(state: &AppState, domain: &str) -> Option<MerchantId> {
    if let Some(id) = state.shops.get(&normalize_shop(domain)) {
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
async fn handle(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
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
    match run(&state, &request).await {
        Ok(body) => {
            tracing::info!(topic, "compliance webhook handled");
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(e) => {
            // A 5xx makes Shopify retry the webhook later: nothing is lost.
            tracing::error!(topic, kind = e.kind().as_str(), error = %e, "compliance webhook failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}

async fn run(state: &AppState, request: &ComplianceRequest) -> Result<Value, StoreError> {
    let merchant = merchant_for_shop(state, &request.shop().domain);
    let privacy = &state.privacy;
    let deleted = |d: lumitalk_core::Deleted| crate::admin::deleted_json(&d);
    match request {
        ComplianceRequest::DataRequest(r) => match &r.customer.phone {
            Some(phone) => {
                let doc = privacy.export_caller(phone, merchant.as_ref()).await?;
                tracing::info!(topic = request.topic(), caller = %phone, records = %doc["record_count"], "compliance export");
                Ok(doc)
            }
            None => Ok(json!({"records": [], "note": "no phone number: no call records"})),
        },
        ComplianceRequest::CustomerRedact(r) => match (&r.customer.phone, &merchant) {
            (Some(phone), Some(m)) => privacy.delete_caller(phone, Some(m)).await.map(deleted),
            _ => Ok(json!({"deleted_records": 0})),
        },
        ComplianceRequest::ShopRedact(_) => match &merchant {
            Some(m) => privacy.delete_merchant(m).await.map(deleted),
            None => Ok(json!({"deleted_records": 0})),
        },
        _ => Ok(json!({"ignored": request.topic()})),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_shop;

    #[test]
    fn shop_names_normalize() {
        for s in ["acme", "acme.myshopify.com", "https://ACME.myshopify.com/"] {
            assert_eq!(normalize_shop(s), "acme.myshopify.com");
        }
    }
}
