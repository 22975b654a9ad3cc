//! `POST /shopify/webhooks`: Shopify's mandatory compliance topics drive the same
//! privacy operations as the admin API.
//!
//! - `customers/data_request`: the caller's records (for that shop's merchant)
//!   are exported and kept for the operator, who downloads them from
//!   `GET /admin/data-requests` (see [`data_requests`]); Shopify ignores
//!   response bodies, so the answer is only the request's id, nothing personal.
//! - `customers/redact`: the caller's records for that shop's merchant are
//!   deleted (records on legal hold are kept and counted), and the lockout
//!   entries of the `orders_to_redact` are forgotten (below).
//! - `shop/redact`: all of the merchant's records are deleted.
//!
//! Deletions answer `{"deleted": n, "held": m}` (and the older
//! `deleted_records`, `held_records`, `deleted_audio`).
//!
//! Call records are keyed by the caller's phone number; a customer Shopify
//! identifies only by email has no call records to export or delete.
//!
//! `orders_to_redact` names orders by Shopify id. Order numbers are kept in two
//! places: the verification lockout (an entry per order number, see
//! `LockoutKey::Order`) and the words of call records (what a caller said or
//! keyed, the classification's entities, the reply text). The lockout entries
//! are forgotten for the named orders found among the customer's recent orders
//! (through [`LumiTalkBuilder::compliance_order_source`]; best effort, and
//! they end with the lockout window anyway). The customer's own records go
//! whole with the phone; records of *other* callers that mention those orders
//! cannot be reached: the record store has no query by order and no way to
//! rewrite a turn, so they go with their own caller's deletion or the
//! retention purge. The answer reports how many orders were named and how many
//! order lockout entries were forgotten.
//!
//! Only shops this deployment is configured for are acted on (answered 200 and
//! logged otherwise, so Shopify stops retrying); `X-Shopify-Shop-Domain` must
//! name the body's shop. A webhook id (`X-Shopify-Webhook-Id`) is remembered
//! once its work succeeded, so a redelivery is answered without running again,
//! while a delivery that failed (503) runs again when Shopify retries it; a
//! delivery arriving while the same id is still running is answered 409, so
//! Shopify retries it later.
//!
//! [`data_requests`]: crate::admin::data_requests
//! [`LumiTalkBuilder::compliance_order_source`]: crate::LumiTalkBuilder::compliance_order_source

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use lumitalk_core::{LockoutKey, MerchantId, Region, StoreError};
use lumitalk_shopify::webhook::ComplianceRequest;
use serde_json::{Value, json};

use crate::admin::data_requests::NewDataRequest;
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

/// Webhook ids (`X-Shopify-Webhook-Id`) handled lately, and those being
/// handled now.
#[derive(Debug, Default)]
pub(crate) struct SeenWebhooks {
    ids: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    done: HashSet<String>,
    /// `done` in the order it was filled, to forget the oldest.
    order: VecDeque<String>,
    running: HashSet<String>,
}

/// How many handled webhook ids are remembered.
const SEEN_CAPACITY: usize = 4096;

/// Whether a delivery may run.
enum Claim<'a> {
    /// Not handled yet: run it, then [`Running::succeeded`].
    Run(Running<'a>),
    /// Handled before.
    Done,
    /// Another delivery of the same id is running now.
    Running,
}

/// A delivery being handled. Dropped without [`succeeded`](Self::succeeded)
/// (the work failed, or the request was cancelled), its id is let go, so
/// Shopify's retry runs it again.
struct Running<'a> {
    seen: &'a SeenWebhooks,
    id: String,
    succeeded: bool,
}

impl Running<'_> {
    /// The work is done: redeliveries are answered without running again.
    fn succeeded(mut self) {
        self.succeeded = true;
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut seen = self.seen.lock();
        seen.running.remove(&self.id);
        if !self.succeeded || seen.done.contains(&self.id) {
            return;
        }
        if seen.order.len() >= SEEN_CAPACITY
            && let Some(oldest) = seen.order.pop_front()
        {
            seen.done.remove(&oldest);
        }
        seen.done.insert(self.id.clone());
        seen.order.push_back(std::mem::take(&mut self.id));
    }
}

impl SeenWebhooks {
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Claims `id` for a delivery, unless it was handled or is running.
    fn claim(&self, id: &str) -> Claim<'_> {
        let mut seen = self.lock();
        if seen.done.contains(id) {
            return Claim::Done;
        }
        if !seen.running.insert(id.to_string()) {
            return Claim::Running;
        }
        Claim::Run(Running {
            seen: self,
            id: id.to_string(),
            succeeded: false,
        })
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
    let running = match webhook_id.map(|id| state.seen_webhooks.claim(id)) {
        None => None,
        Some(Claim::Run(running)) => Some(running),
        Some(Claim::Done) => {
            tracing::info!(topic, "Shopify webhook redelivered; already handled");
            return (StatusCode::OK, Json(json!({"duplicate": true}))).into_response();
        }
        Some(Claim::Running) => {
            // Not 200: should the running delivery fail, this one must come back.
            tracing::info!(topic, "Shopify webhook redelivered while still running");
            return (
                StatusCode::CONFLICT,
                [(header::RETRY_AFTER, "60")],
                "this webhook is being handled; retry later",
            )
                .into_response();
        }
    };
    match run(&state, &request, &merchant).await {
        Ok(body) => {
            if let Some(running) = running {
                running.succeeded();
            }
            tracing::info!(topic, "compliance webhook handled");
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(e) => {
            // A 5xx makes Shopify retry the webhook later, and the id was let
            // go (`running` dropped): the retry runs again, nothing is lost.
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
        ComplianceRequest::DataRequest(r) => {
            let export = match &r.customer.phone {
                Some(phone) => privacy.export_caller(phone, Some(merchant)).await?,
                None => json!({
                    "record_count": 0,
                    "records": [],
                    "note": if r.customer.phone_unparsed {
                        "Shopify sent a phone number that does not parse: match call records by hand"
                    } else {
                        "no phone number: no call records"
                    },
                }),
            };
            let records = export["record_count"].as_u64().unwrap_or(0);
            let id = state.data_requests.add(
                NewDataRequest {
                    shop: normalize_shop(&r.shop.domain),
                    shopify_request_id: r.data_request_id,
                    customer_id: r.customer.id,
                    phone: r.customer.phone.clone(),
                    phone_unparsed: r.customer.phone_unparsed,
                    orders_requested: r.orders_requested.clone(),
                    export,
                },
                state.assistant.clock().now(),
            );
            tracing::info!(
                topic = request.topic(),
                data_request = %id,
                records,
                "compliance export kept for the operator: GET /admin/data-requests/{{id}}"
            );
            Ok(json!({"data_request": id, "state": "pending"}))
        }
        ComplianceRequest::CustomerRedact(r) => {
            let mut report = match &r.customer.phone {
                Some(phone) => deleted(privacy.delete_caller(phone, Some(merchant)).await?),
                None => {
                    let mut none = deleted(lumitalk_core::Deleted::default());
                    none["note"] = "no phone number: no call records".into();
                    none
                }
            };
            let forgotten = forget_order_lockouts(state, merchant, r).await;
            tracing::info!(
                topic = request.topic(),
                records = %report["deleted"],
                held = %report["held"],
                orders_named = r.orders_to_redact.len(),
                order_lockouts_forgotten = forgotten,
                "customer redacted"
            );
            report["orders_named"] = r.orders_to_redact.len().into();
            report["order_lockouts_forgotten"] = forgotten.into();
            Ok(report)
        }
        ComplianceRequest::ShopRedact(_) => privacy.delete_merchant(merchant).await.map(deleted),
        _ => Ok(json!({"ignored": request.topic()})),
    }
}

/// How many of the customer's recent orders [`forget_order_lockouts`] looks
/// among for the `orders_to_redact`.
const RECENT_ORDERS: usize = 50;

/// How long that lookup may take: well within the request deadline, so the
/// deletion it follows is answered 200 however slow the order source is.
const ORDER_LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Forgets the verification-lockout entries of the orders a
/// `customers/redact` names, found by id among the customer's recent orders;
/// returns how many were forgotten. Best effort: lockout entries end with
/// their window anyway.
async fn forget_order_lockouts(
    state: &AppState,
    merchant: &MerchantId,
    request: &lumitalk_shopify::webhook::CustomerRedact,
) -> usize {
    if request.orders_to_redact.is_empty() {
        return 0;
    }
    let (Some(orders), Some(phone)) = (&state.compliance_orders, &request.customer.phone) else {
        tracing::warn!(
            orders_named = request.orders_to_redact.len(),
            "orders_to_redact cannot be resolved to order numbers (no order source or no \
             phone): their lockout entries end with the lockout window"
        );
        return 0;
    };
    let lookup = orders.recent_orders_by_phone(merchant, phone, RECENT_ORDERS);
    let found = match tokio::time::timeout(ORDER_LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            tracing::warn!(
                provider = orders.name(),
                error = %e,
                "could not look up the orders to redact; their lockout entries end with the lockout window"
            );
            return 0;
        }
        Err(_) => {
            tracing::warn!(
                provider = orders.name(),
                "looking up the orders to redact timed out; their lockout entries end with the lockout window"
            );
            return 0;
        }
    };
    let named: HashSet<String> = request
        .orders_to_redact
        .iter()
        .map(u64::to_string)
        .collect();
    let lockout = state.assistant.lockout_store();
    let mut forgotten = 0;
    for order in found {
        // `gid://shopify/Order/299938` (or any source's `…/id`) names order 299938.
        let id = order
            .source_id
            .as_deref()
            .and_then(|s| s.rsplit('/').next());
        if !id.is_some_and(|id| named.contains(id)) {
            continue;
        }
        let key = LockoutKey::Order(merchant.clone(), order.number);
        match lockout.forget(&key).await {
            Ok(()) => forgotten += 1,
            Err(e) => tracing::warn!(
                provider = lockout.name(),
                kind = e.kind().as_str(),
                "could not forget an order's lockout entry; it ends with its window"
            ),
        }
    }
    forgotten
}

#[cfg(test)]
mod tests {
    use super::{Claim, SeenWebhooks, normalize_shop};

    #[test]
    fn an_id_is_remembered_only_once_its_work_succeeded() {
        let seen = SeenWebhooks::default();
        let Claim::Run(first) = seen.claim("a") else {
            panic!("new id")
        };
        assert!(matches!(seen.claim("a"), Claim::Running));
        drop(first); // failed
        let Claim::Run(retry) = seen.claim("a") else {
            panic!("a failed delivery runs again")
        };
        retry.succeeded();
        assert!(matches!(seen.claim("a"), Claim::Done));
        assert!(matches!(seen.claim("b"), Claim::Run(_)));
    }

    #[test]
    fn shop_names_normalize() {
        for s in ["acme", "acme.myshopify.com", "https://ACME.myshopify.com/"] {
            assert_eq!(normalize_shop(s), "acme.myshopify.com");
        }
    }
}
