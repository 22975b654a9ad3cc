//! The axum application: carrier webhooks, audio, health, metrics, admin and
//! Shopify compliance routes, with body limits, timeouts and masked logging.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use lumitalk_core::assistant::{Assistant, TurnOutcome};
use lumitalk_core::{
    AudioId, AudioStore, CallRecordStore, Clock, InboundRequest, MerchantId, RetentionPolicy,
    Telephony,
};
use secrecy::SecretString;
use url::Url;

use crate::admin;
use crate::metrics::{Gauges, Metrics};
use crate::shopify_webhooks;

/// Reads speech-cache counters at scrape time.
pub trait CacheCounters: Send + Sync + 'static {
    /// `(hits, misses)` so far.
    fn hits_and_misses(&self) -> (u64, u64);
}

/// Everything the handlers share.
pub struct App {
    /// The conversation driver.
    pub assistant: Assistant,
    /// The carrier.
    pub telephony: Arc<dyn Telephony>,
    /// The base URL the carrier reaches us at; signatures are checked against it.
    pub public_url: Url,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Admin bearer token; admin API off when `None`.
    pub admin_token: Option<SecretString>,
    /// Shopify app secret for compliance webhooks.
    pub shopify_secret: Option<SecretString>,
    /// Retention windows.
    pub retention: RetentionPolicy,
    /// Synthesized audio.
    pub audio: Arc<dyn AudioStore>,
    /// Call records.
    pub records: Arc<dyn CallRecordStore>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Speech cache counters, when a cache is used.
    pub speech_cache: Option<Arc<dyn CacheCounters>>,
    /// Shopify shop domain (lower case) to merchant, for compliance webhooks.
    pub shops: HashMap<String, MerchantId>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("public_url", &self.public_url.as_str())
            .field("telephony", &self.telephony.name())
            .finish_non_exhaustive()
    }
}

/// Shared handler state.
pub type AppState = Arc<App>;

/// Largest request body accepted (carrier webhooks are ~1-2 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Longest any request may take; the carrier gives up at 15 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/twilio/voice", post(carrier_webhook).get(carrier_webhook))
        .route("/twilio/gather", post(carrier_webhook))
        .route("/twilio/dial", post(carrier_webhook))
        .route("/twilio/status", post(carrier_webhook))
        .route("/audio/{id}", get(audio))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route(
            "/admin/callers/{phone}",
            get(admin::export_caller).delete(admin::delete_caller),
        )
        .route("/admin/retention/purge", post(admin::purge))
        .route(
            "/admin/calls/{call_id}/legal-hold",
            put(admin::set_hold).delete(admin::release_hold),
        )
        .route("/shopify/webhooks", post(shopify_webhooks::handle))
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(deadline))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn deadline(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "request timed out").into_response(),
    }
}

/// Logs method, path (never the query, which may carry personal data), status
/// and latency. Headers and bodies are never logged.
async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let logged_path = if path.starts_with("/admin/callers/") {
        "/admin/callers/{phone}".to_string()
    } else {
        path
    };
    let started = Instant::now();
    let resp = next.run(req).await;
    tracing::info!(
        %method,
        path = %logged_path,
        status = resp.status().as_u16(),
        us = started.elapsed().as_micros() as u64,
        "request"
    );
    resp
}

fn route_name(path: &str) -> &'static str {
    match path {
        "/twilio/voice" => "voice",
        "/twilio/gather" => "gather",
        "/twilio/dial" => "dial",
        "/twilio/status" => "status",
        _ => "other",
    }
}

/// Every carrier callback: verify, parse, run the turn, render.
async fn carrier_webhook(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let route = route_name(uri.path());
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let url = match state.public_url.join(path_and_query) {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad request URL").into_response(),
    };
    let request = InboundRequest {
        method: method.to_string(),
        url,
        headers: headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
    };
    let event = match state.telephony.parse_webhook(&request) {
        Ok(e) => e,
        Err(e) if e.is_auth_failure() => {
            tracing::warn!(route, error = %e, "refused carrier webhook");
            state.metrics.webhook(route, 403);
            return (StatusCode::FORBIDDEN, "invalid signature").into_response();
        }
        Err(e) => {
            tracing::warn!(route, error = %e, "malformed carrier webhook");
            state.metrics.webhook(route, 400);
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    };
    let outcome = state.assistant.handle(event).await;
    record_turn_metrics(&state.metrics, &outcome);
    let rendered = state.telephony.render(&outcome.reply);
    state.metrics.webhook(route, 200);
    (
        [(header::CONTENT_TYPE, rendered.content_type)],
        rendered.body,
    )
        .into_response()
}

fn record_turn_metrics(m: &Metrics, outcome: &TurnOutcome) {
    let t = &outcome.timings;
    m.observe_turn(Duration::from_millis(t.total_ms as u64));
    for (stage, ms) in [
        ("classify", t.classify_ms),
        ("lookup", t.lookup_ms),
        ("speech", t.speech_ms),
    ] {
        if let Some(ms) = ms {
            m.observe_stage(stage, Duration::from_millis(ms as u64));
        }
    }
    for e in &outcome.errors {
        m.provider_error(&e.provider, e.kind.as_str());
        if e.provider.ends_with("records") || e.provider == "sqlite" {
            m.record_store_failure();
        }
    }
    if let Some(ended) = outcome.ended {
        m.call_ended(ended.as_str());
    }
}

/// `GET /audio/{id}`: synthesized audio for the carrier's `<Play>`.
async fn audio(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !AudioId::is_well_formed(&id) {
        return (StatusCode::NOT_FOUND, "no such audio").into_response();
    }
    match state.audio.get(&AudioId::new(id)).await {
        Ok(Some(audio)) => (
            [
                (header::CONTENT_TYPE, audio.format.content_type()),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            Body::from(audio.bytes),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such audio").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "audio store failed");
            (StatusCode::SERVICE_UNAVAILABLE, "audio unavailable").into_response()
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(State(state): State<AppState>) -> Response {
    let (speech_cache_hits, speech_cache_misses) = state
        .speech_cache
        .as_ref()
        .map(|c| c.hits_and_misses())
        .unwrap_or((0, 0));
    let gauges = Gauges {
        active_calls: state.assistant.active_calls().await,
        speech_cache_hits,
        speech_cache_misses,
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(gauges),
    )
        .into_response()
}
