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
//!
//! Only shops this deployment is configured for are acted on (answered 200 and
//! logged otherwise, so Shopify stops retrying); `X-Shopify-Shop-Domain` must
//! name the body's shop; a redelivery (same `X-Shopify-Webhook-Id`) is answered
//! without running again.

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

/// The merchant a shop is configured for. Only configured shops: a webhook from
/// any other shop the same app is installed in (a development store) must never
/// touch this deployment's records.
fn merchant_for_shop(state: &AppState, domain: &str) -> Option<MerchantId> {
    state.shops.get(&normalize_shop(domain)).cloned()
}

/// Webhook ids seen lately (`X-Shopify-Webhook-Id`), so a redelivery is
/// answered without running again.
#[derive(Debug, Default)]
pub(crate) struct SeenWebhooks {
    ids: std::sync::Mutex<(
        std::collections::HashSet<String>,
        std::collections::VecDeque<String>,
    )>,
}

/// How many webhook ids are remembered.
const SEEN_CAPACITY: usize = 4096;

impl SeenWebhooks {
    /// Whether `id` was seen before; remembers it either way.
    fn seen_before(&self, id: &str) -> bool {
        let mut guard = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        let (set, order) = &mut *guard;
        if set.contains(id) {
            return true;
        }
        if order.len() == SEEN_CAPACITY
            && let Some(oldest) = order.pop_front()
        {
            set.remove(&oldest);
        }
        set.insert(id.to_string());
        order.push_back(id.to_string());
        false
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
    let header_shop = headers
        .get("x-shopify-shop-domain")
        .and_then(|v| v.to_str().ok());
    if let Some(header_shop) = header_shop
        && normalize_shop(header_shop) != normalize_shop(&request.shop().domain)
    {
        tracing::warn!(
            topic,
            "Shopify webhook names two shops (header and body); refused"
        );
        return (
            StatusCode::BAD_REQUEST,
            "X-Shopify-Shop-Domain does not match the body",
        )
            .into_response();
    }
    let Some(merchant) = merchant_for_shop(&state, &request.shop().domain) else {
        // 200: Shopify stops retrying; nothing here belongs to that shop.
        tracing::warn!(
            topic,
            "Shopify webhook from a shop this deployment is not configured for; ignored"
        );
        return (
            StatusCode::OK,
            Json(json!({"ignored": "shop not configured"})),
        )
            .into_response();
    };
    let webhook_id = headers
        .get("x-shopify-webhook-id")
        .and_then(|v| v.to_str().ok());
    if let Some(id) = webhook_id
        && state.seen_webhooks.seen_before(id)
    {
        tracing::info!(topic, "Shopify webhook redelivered; already handled");
        return (StatusCode::OK, Json(json!({"duplicate": true}))).into_response();
    }
    match run(&state, &request, &merchant).await {
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

async fn run(
    state: &AppState,
    request: &ComplianceRequest,
    merchant: &MerchantId,
) -> Result<Value, StoreError> {
    let privacy = &state.privacy;
    let deleted = |d: lumitalk_core::Deleted| crate::admin::deleted_json(&d);
    match request {
        ComplianceRequest::DataRequest(r) => match &r.customer.phone {
            Some(phone) => {
                let doc = privacy.export_caller(phone, Some(merchant)).await?;
                tracing::info!(topic = request.topic(), caller = %phone, records = %doc["record_count"], "compliance export");
                Ok(doc)
            }
            None => Ok(json!({"records": [], "note": "no phone number: no call records"})),
        },
        ComplianceRequest::CustomerRedact(r) => match &r.customer.phone {
            Some(phone) => privacy
                .delete_caller(phone, Some(merchant))
                .await
                .map(deleted),
            None => Ok(json!({"deleted_records": 0, "note": "no phone number: no call records"})),
        },
        ComplianceRequest::ShopRedact(_) => privacy.delete_merchant(merchant).await.map(deleted),
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
