//! Shopify data requests (`customers/data_request`) kept for the operator.
//!
//! Shopify ignores a webhook's response body, so the export a data request
//! asks for is not returned to Shopify: it is kept here until the operator
//! fetches it through the admin API (bearer token as the rest of it):
//!
//! - `GET /admin/data-requests` lists the pending requests, oldest first: id,
//!   shop, Shopify's request id, when it was received and until when it is
//!   kept, how many call records it holds, and the caller only as a masked
//!   number (`***123`). No other personal data.
//! - `GET /admin/data-requests/{id}` downloads one: the request as Shopify
//!   named it (customer id and phone as given, orders requested) and the
//!   caller's records ([`export_document`](lumitalk_core::privacy::export_document)).
//!   Downloading marks it done by removing it: it leaves the list, nothing of
//!   it stays in memory, and a second `GET` answers 404 (as for an unknown or
//!   expired id). The records themselves stay where they were, so
//!   `GET /admin/callers/{phone}` exports them again if a download was lost.
//!
//! **Per process.** Pending requests live in this process's memory until a
//! shared store comes with scale-out: a restart loses the ones not yet
//! fetched (each is logged at INFO with its id when received), and with
//! several instances the download must reach the instance that received the
//! webhook. **Bounded**: at most [`MAX_PENDING`] are kept, each at most
//! [`KEEP_FOR`] (Shopify expects the merchant to answer within 30 days); an
//! older one, or the oldest when the store is full, is dropped and logged at
//! WARN.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use lumitalk_core::{PhoneNumber, Timestamp};
use serde_json::{Value, json};

use super::Authorized;
use crate::service::AppState;

/// Pending data requests kept at most; beyond it the oldest is dropped.
pub(crate) const MAX_PENDING: usize = 1000;

/// How long a pending data request is kept at most.
pub(crate) const KEEP_FOR: Duration = Duration::from_secs(30 * 86_400);

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/data-requests", get(list))
        .route("/admin/data-requests/{id}", get(download))
}

/// A data request as Shopify sent it, with its export. Personal data.
pub(crate) struct NewDataRequest {
    /// The shop's domain, normalized.
    pub(crate) shop: String,
    /// Shopify's id for the request (`data_request.id`).
    pub(crate) shopify_request_id: Option<u64>,
    /// Shopify's customer id.
    pub(crate) customer_id: Option<u64>,
    /// The customer's phone, when Shopify sent one that parses.
    pub(crate) phone: Option<PhoneNumber>,
    /// Shopify sent a phone that did not parse (the operator matches by hand).
    pub(crate) phone_unparsed: bool,
    /// Shopify's ids of the orders the request covers.
    pub(crate) orders_requested: Vec<u64>,
    /// The export document (see `Privacy::export_caller`).
    pub(crate) export: Value,
}

struct Pending {
    id: String,
    received_at: Timestamp,
    request: NewDataRequest,
}

impl Pending {
    fn record_count(&self) -> u64 {
        self.request.export["record_count"].as_u64().unwrap_or(0)
    }

    /// What the list shows: nothing personal beyond a masked number.
    fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "shop": self.request.shop,
            "shopify_request_id": self.request.shopify_request_id,
            "received_at": self.received_at,
            "keep_until": self.received_at.plus(KEEP_FOR),
            "caller": self.request.phone.as_ref().map(PhoneNumber::masked),
            "record_count": self.record_count(),
            "state": "pending",
        })
    }

    /// What the download hands over.
    fn into_document(self) -> Value {
        let r = self.request;
        json!({
            "id": self.id,
            "shop": r.shop,
            "shopify_request_id": r.shopify_request_id,
            "received_at": self.received_at,
            "customer": {
                "id": r.customer_id,
                "phone": r.phone.as_ref().map(PhoneNumber::as_e164),
                "phone_unparsed": r.phone_unparsed,
            },
            "orders_requested": r.orders_requested,
            "export": r.export,
        })
    }
}

/// The pending data requests of this process (see the module docs). `Debug`
/// shows only how many there are.
#[derive(Default)]
pub(crate) struct DataRequests {
    pending: Mutex<VecDeque<Pending>>,
    seq: AtomicU64,
}

impl fmt::Debug for DataRequests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataRequests")
            .field("pending", &self.lock().len())
            .finish()
    }
}

impl DataRequests {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `request` until it is downloaded; returns its id. A request
    /// Shopify already sent (same shop and request id, still pending) keeps its
    /// id and takes the newer export.
    pub(crate) fn add(&self, request: NewDataRequest, now: Timestamp) -> String {
        let mut pending = self.lock();
        expire(&mut pending, now);
        if let Some(same) = pending.iter_mut().find(|p| {
            request.shopify_request_id.is_some()
                && p.request.shopify_request_id == request.shopify_request_id
                && p.request.shop == request.shop
        }) {
            same.request = request;
            return same.id.clone();
        }
        while pending.len() >= MAX_PENDING {
            if let Some(dropped) = pending.pop_front() {
                tracing::warn!(
                    data_request = %dropped.id,
                    shop = %dropped.request.shop,
                    "too many pending data requests: the oldest was dropped before it was downloaded"
                );
            }
        }
        let id = format!(
            "dr-{:x}-{}",
            now.as_unix_millis(),
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        pending.push_back(Pending {
            id: id.clone(),
            received_at: now,
            request,
        });
        id
    }

    /// The pending requests, oldest first, as the list shows them.
    pub(crate) fn list(&self, now: Timestamp) -> Vec<Value> {
        let mut pending = self.lock();
        expire(&mut pending, now);
        pending.iter().map(Pending::summary).collect()
    }

    /// Removes the request and returns its download document.
    pub(crate) fn take(&self, id: &str, now: Timestamp) -> Option<Value> {
        let mut pending = self.lock();
        expire(&mut pending, now);
        let i = pending.iter().position(|p| p.id == id)?;
        pending.remove(i).map(Pending::into_document)
    }
}

/// Drops requests kept longer than [`KEEP_FOR`] (they are oldest first).
fn expire(pending: &mut VecDeque<Pending>, now: Timestamp) {
    while pending
        .front()
        .is_some_and(|p| now.since(p.received_at) >= KEEP_FOR)
    {
        if let Some(old) = pending.pop_front() {
            tracing::warn!(
                data_request = %old.id,
                shop = %old.request.shop,
                "a data request was not downloaded within 30 days and was dropped"
            );
        }
    }
}

/// `GET /admin/data-requests`: the pending data requests.
async fn list(_: Authorized, State(state): State<AppState>) -> Response {
    let now = state.assistant.clock().now();
    let pending = state.data_requests.list(now);
    Json(json!({"pending": pending.len(), "data_requests": pending})).into_response()
}

/// `GET /admin/data-requests/{id}`: the export, handed over once.
async fn download(
    _: Authorized,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let now = state.assistant.clock().now();
    match state.data_requests.take(&id, now) {
        Some(doc) => {
            tracing::info!(data_request = %id, records = %doc["export"]["record_count"], "data request downloaded; marked done");
            Json(doc).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": "no pending data request with that id (unknown, expired, or already downloaded)"
            })),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(shop: &str, shopify_id: Option<u64>) -> NewDataRequest {
        NewDataRequest {
            shop: shop.into(),
            shopify_request_id: shopify_id,
            customer_id: Some(7),
            phone: PhoneNumber::parse_e164("+14155550123").ok(),
            phone_unparsed: false,
            orders_requested: vec![],
            export: json!({"record_count": 2, "records": []}),
        }
    }

    #[test]
    fn kept_until_taken_or_expired() {
        let store = DataRequests::default();
        let t0 = Timestamp::from_unix_seconds(1_800_000_000);
        let a = store.add(request("a.myshopify.com", Some(1)), t0);
        // The same request again keeps its id.
        assert_eq!(store.add(request("a.myshopify.com", Some(1)), t0), a);
        let b = store.add(request("b.myshopify.com", Some(1)), t0.plus(KEEP_FOR / 2));
        assert_ne!(a, b);
        let list = store.list(t0);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["caller"], "***123");
        assert_eq!(list[0]["record_count"], 2);
        assert!(!list[0].to_string().contains("4155550123"));

        let doc = store.take(&a, t0).unwrap();
        assert_eq!(doc["customer"]["phone"], "+14155550123");
        assert!(store.take(&a, t0).is_none(), "handed over once");
        // Past 30 days, b is gone.
        assert!(store.take(&b, t0.plus(KEEP_FOR * 2)).is_none());
        assert!(store.list(t0.plus(KEEP_FOR * 2)).is_empty());
    }

    #[test]
    fn bounded() {
        let store = DataRequests::default();
        let t0 = Timestamp::from_unix_seconds(1_800_000_000);
        let first = store.add(request("a.myshopify.com", None), t0);
        for _ in 0..MAX_PENDING {
            store.add(request("a.myshopify.com", None), t0);
        }
        assert_eq!(store.list(t0).len(), MAX_PENDING);
        assert!(store.take(&first, t0).is_none(), "the oldest went first");
    }
}
