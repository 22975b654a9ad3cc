//! The axum application: carrier webhooks, audio, health, metrics, admin and
//! Shopify compliance routes, with body limits, timeouts and masked logging.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
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
    AudioId, AudioStore, AudioStream, CallRecordStore, Clock, InboundRequest, MerchantId,
    RetentionPolicy, SpeechError, Telephony,
};
use lumitalk_twilio::public_url::{path_prefix, signed_url_candidates, strip_prefix};
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
    /// The base URL the carrier reaches us at (possibly with a path prefix);
    /// signatures are checked against it + the request's path and query.
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
///
/// When `LUMITALK_PUBLIC_URL` has a path prefix (`https://bot.example.com/lt`),
/// the TwiML URLs Twilio follows carry it, and most reverse proxies strip it
/// before forwarding; some pass it through. So every route answers both at `/`
/// and under the prefix, and the signed URL is rebuilt accordingly (see
/// [`lumitalk_twilio::public_url`]).
pub fn router(state: AppState) -> Router {
    let prefix = path_prefix(&state.public_url).to_string();
    let app = if prefix.is_empty() {
        routes()
    } else if is_plain_path(&prefix) {
        routes().merge(Router::new().nest(&prefix, routes()))
    } else {
        tracing::warn!(
            "LUMITALK_PUBLIC_URL's path has characters the router cannot match; \
             routes answer only with the prefix stripped by the proxy"
        );
        routes()
    };
    app.layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(deadline))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Letters, digits, `-._~%` and `/`: nothing axum reads as a route pattern.
fn is_plain_path(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%/".contains(&b))
}

fn routes() -> Router<AppState> {
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
}

async fn deadline(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "request timed out").into_response(),
    }
}

/// Logs method, path (never the query, which may carry personal data), status
/// and latency: failures at WARN, the rest at DEBUG (metrics count every request;
/// a line per webhook at INFO would cost more CPU than the turn itself). Headers
/// and bodies are never logged. Path segments that are personal or a capability
/// are logged as their template: a caller's phone number, and audio ids (whoever
/// knows one can fetch the audio, which may hold order details).
async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let us = started.elapsed().as_micros() as u64;
    if status >= 400 {
        let path = path_template(uri.path());
        tracing::warn!(%method, %path, status, us, "request");
    } else if tracing::enabled!(tracing::Level::DEBUG) {
        let path = path_template(uri.path());
        tracing::debug!(%method, %path, status, us, "request");
    }
    resp
}

/// `path` with personal or secret segments replaced by their template (any
/// public path prefix kept).
fn path_template(path: &str) -> String {
    for (marker, template) in [
        ("/admin/callers/", "/admin/callers/{phone}"),
        ("/audio/", "/audio/{id}"),
    ] {
        if let Some(i) = path.find(marker) {
            return format!("{}{template}", &path[..i]);
        }
    }
    path.to_string()
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
    let route = route_name(strip_prefix(&state.public_url, uri.path()));
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    // What Twilio signed: the public URL (with its path prefix) + path and query.
    // `Url::join` would drop the prefix.
    let mut candidates = signed_url_candidates(&state.public_url, path_and_query).into_iter();
    let Some(url) = candidates.next() else {
        return (StatusCode::BAD_REQUEST, "bad request URL").into_response();
    };
    let mut request = InboundRequest {
        method: method.to_string(),
        url,
        headers: headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
    };
    let mut parsed = state.telephony.parse_webhook(&request);
    // A proxy that passed the prefix through: the second candidate.
    for url in candidates {
        if !matches!(&parsed, Err(e) if e.is_auth_failure()) {
            break;
        }
        request.url = url;
        parsed = state.telephony.parse_webhook(&request);
    }
    let event = match parsed {
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
    let started = Instant::now();
    let outcome = state.assistant.handle(event).await;
    record_turn_metrics(&state.metrics, &outcome, started.elapsed());
    let rendered = state.telephony.render(&outcome.reply);
    state.metrics.webhook(route, 200);
    (
        [(header::CONTENT_TYPE, rendered.content_type)],
        rendered.body,
    )
        .into_response()
}

/// `turn` is measured here, to the microsecond, for the turn histogram; the
/// stage times come from the assistant in whole milliseconds.
fn record_turn_metrics(m: &Metrics, outcome: &TurnOutcome, turn: Duration) {
    let t = &outcome.timings;
    m.observe_turn(turn);
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

/// `GET /audio/{id}`: synthesized audio for the carrier's `<Play>`, streamed as
/// it arrives when synthesis is still running (chunked transfer encoding). A
/// synthesis that fails mid-way aborts the response, so the carrier never
/// mistakes truncated audio for a complete file.
async fn audio(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !AudioId::is_well_formed(&id) {
        return (StatusCode::NOT_FOUND, "no such audio").into_response();
    }
    match state.audio.get_stream(&AudioId::new(id)).await {
        Ok(Some(stream)) => (
            [
                (header::CONTENT_TYPE, stream.format().content_type()),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            Body::from_stream(Chunks(stream)),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such audio").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "audio store failed");
            (StatusCode::SERVICE_UNAVAILABLE, "audio unavailable").into_response()
        }
    }
}

/// An [`AudioStream`] as the `Stream` an HTTP body is built from.
struct Chunks(AudioStream);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, SpeechError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_next_chunk(cx)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_and_capability_segments_are_logged_as_templates() {
        for (path, logged) in [
            ("/audio/0123456789abcdef0123456789abcdef", "/audio/{id}"),
            (
                "/lt/audio/0123456789abcdef0123456789abcdef",
                "/lt/audio/{id}",
            ),
            ("/admin/callers/+14155550123", "/admin/callers/{phone}"),
            ("/twilio/gather", "/twilio/gather"),
            ("/healthz", "/healthz"),
        ] {
            assert_eq!(path_template(path), logged);
        }
    }

    #[test]
    fn prefixes_the_router_can_nest() {
        assert!(is_plain_path("/lt"));
        assert!(is_plain_path("/a/b-c_d.e~%20"));
        assert!(!is_plain_path("/{x}"));
        assert!(!is_plain_path("/*rest"));
    }
}
