//! Local stand-ins for the providers: Shopify Admin GraphQL, OpenAI Chat
//! Completions and ElevenLabs text-to-speech, answering in the providers' real
//! wire shapes after a configurable delay, so the server can be load-tested
//! with provider latency but without the internet.
//!
//! Every answer is computed from the demo fixtures of `lumitalk-core`: orders from
//! [`lumitalk_core::memory::demo_orders`], intents from
//! [`lumitalk_core::memory::KeywordClassifier`], and speech as silent audio of a
//! plausible length.
//!
//! The Shopify stand-in enforces Shopify's leaky bucket with its requested and
//! actual query cost rules and answers `THROTTLED` (HTTP 200) as Shopify does
//! ([`ShopifyBucket`], default the Standard plan's 2,000 points restoring 100/s).
//!
//! Besides the provider routes the stand-ins serve `GET /stats` (requests and
//! peak concurrency per provider, Shopify's throttled answers and cost points
//! requested and charged, JSON) and `GET /log` (one line per request
//! served since the last `GET /log`: provider, start and end in microseconds
//! since the Unix epoch), which the benchmark scripts use to find out which
//! provider calls a turn made and whether they overlapped.

mod elevenlabs;
mod openai;
mod shopify;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lumitalk_core::wrappers::SplitMix64;
use serde::Serialize;

/// The three providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provider {
    /// Shopify Admin GraphQL.
    Shopify,
    /// OpenAI Chat Completions.
    OpenAi,
    /// ElevenLabs text-to-speech.
    ElevenLabs,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Shopify => "shopify",
            Provider::OpenAi => "openai",
            Provider::ElevenLabs => "elevenlabs",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How long each provider takes to answer.
#[derive(Debug, Clone, Copy)]
pub struct Delays {
    /// Shopify's base delay.
    pub shopify: Duration,
    /// OpenAI's base delay.
    pub openai: Duration,
    /// ElevenLabs' base delay (time to the whole body).
    pub elevenlabs: Duration,
    /// Each answer is delayed by the base ± a uniform draw in `0..=jitter`.
    pub jitter: Duration,
}

impl Default for Delays {
    fn default() -> Self {
        Delays {
            shopify: Duration::from_millis(150),
            openai: Duration::from_millis(350),
            elevenlabs: Duration::from_millis(250),
            jitter: Duration::ZERO,
        }
    }
}

impl Delays {
    fn base(&self, p: Provider) -> Duration {
        match p {
            Provider::Shopify => self.shopify,
            Provider::OpenAi => self.openai,
            Provider::ElevenLabs => self.elevenlabs,
        }
    }
}

/// The Shopify stand-in's bucket of GraphQL cost points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShopifyBucket {
    /// Bucket size (`maximumAvailable`).
    pub size: f64,
    /// Points restored per second (`restoreRate`).
    pub restore_rate: f64,
}

impl Default for ShopifyBucket {
    /// Shopify's Standard plan: 2,000 points restoring 100 per second.
    fn default() -> Self {
        ShopifyBucket {
            size: 2000.0,
            restore_rate: 100.0,
        }
    }
}

/// The bucket's level at an instant.
#[derive(Debug)]
struct BucketLevel {
    available: f64,
    at: Instant,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
}

/// Shared state of the stand-ins.
pub struct Standins {
    delays: Delays,
    rng: Mutex<SplitMix64>,
    counters: [Counters; 3],
    /// Overall in-flight requests and its peak, across providers.
    all: Counters,
    log: Mutex<Vec<(Provider, u64, u64)>>,
    next_id: AtomicU64,
    shopify_bucket: ShopifyBucket,
    shopify_level: Mutex<BucketLevel>,
    /// `THROTTLED` answers given.
    shopify_throttled: AtomicU64,
    /// Cost points requested by queries that ran, and actually charged.
    shopify_requested: AtomicU64,
    shopify_actual: AtomicU64,
}

impl std::fmt::Debug for Standins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Standins")
            .field("delays", &self.delays)
            .field("shopify_bucket", &self.shopify_bucket)
            .finish_non_exhaustive()
    }
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Counts a request from start to drop and logs its interval.
struct InFlight<'a> {
    s: &'a Standins,
    p: Provider,
    start: u64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.s.counters[self.p.index()]
            .in_flight
            .fetch_sub(1, Ordering::Relaxed);
        self.s.all.in_flight.fetch_sub(1, Ordering::Relaxed);
        let end = now_micros();
        if let Ok(mut log) = self.s.log.lock() {
            // Bounded: a run that never reads the log must not grow without end.
            if log.len() < 4_000_000 {
                log.push((self.p, self.start, end));
            }
        }
    }
}

fn enter(c: &Counters) {
    c.requests.fetch_add(1, Ordering::Relaxed);
    let now = c.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    c.peak_in_flight.fetch_max(now, Ordering::Relaxed);
}

impl Standins {
    /// Stand-ins answering after `delays`; `seed` drives the jitter. Shopify's
    /// bucket is the Standard plan's ([`ShopifyBucket::default`]).
    pub fn new(delays: Delays, seed: u64) -> Arc<Self> {
        Self::with_shopify_bucket(delays, seed, ShopifyBucket::default())
    }

    /// Stand-ins whose Shopify enforces `bucket` (starting full).
    pub fn with_shopify_bucket(delays: Delays, seed: u64, bucket: ShopifyBucket) -> Arc<Self> {
        Arc::new(Standins {
            delays,
            rng: Mutex::new(SplitMix64::new(seed)),
            counters: Default::default(),
            all: Counters::default(),
            log: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            shopify_bucket: bucket,
            shopify_level: Mutex::new(BucketLevel {
                available: bucket.size,
                at: Instant::now(),
            }),
            shopify_throttled: AtomicU64::new(0),
            shopify_requested: AtomicU64::new(0),
            shopify_actual: AtomicU64::new(0),
        })
    }

    /// Shopify's bucket size and restore rate.
    fn shopify_bucket_size(&self) -> ShopifyBucket {
        self.shopify_bucket
    }

    /// The bucket refilled up to now (the lock held by the caller).
    fn refill(&self, level: &mut BucketLevel) {
        let now = Instant::now();
        let b = self.shopify_bucket;
        let elapsed = now.saturating_duration_since(level.at).as_secs_f64();
        level.available = (level.available + b.restore_rate * elapsed).min(b.size);
        level.at = now;
    }

    /// Charges `requested` points if the bucket holds them; otherwise the
    /// points available (nothing is charged).
    fn shopify_charge(&self, requested: f64) -> Result<(), f64> {
        let mut level = self.shopify_level.lock().unwrap_or_else(|p| p.into_inner());
        self.refill(&mut level);
        if level.available < requested {
            return Err(level.available);
        }
        level.available -= requested;
        Ok(())
    }

    /// Refunds what a query that ran did not use, and returns the bucket's state
    /// as `throttleStatus`.
    fn shopify_refund(&self, requested: f64, actual: f64) -> serde_json::Value {
        let mut level = self.shopify_level.lock().unwrap_or_else(|p| p.into_inner());
        self.refill(&mut level);
        let b = self.shopify_bucket;
        level.available = (level.available + (requested - actual).max(0.0)).min(b.size);
        self.shopify_requested
            .fetch_add(requested as u64, Ordering::Relaxed);
        self.shopify_actual
            .fetch_add(actual as u64, Ordering::Relaxed);
        serde_json::json!({
            "maximumAvailable": b.size,
            "currentlyAvailable": level.available,
            "restoreRate": b.restore_rate,
        })
    }

    /// Marks a request as started; the guard marks it finished when dropped.
    fn begin(&self, p: Provider) -> InFlight<'_> {
        enter(&self.counters[p.index()]);
        enter(&self.all);
        InFlight {
            s: self,
            p,
            start: now_micros(),
        }
    }

    /// Sleeps for the provider's delay with jitter.
    async fn delay(&self, p: Provider) {
        let base = self.delays.base(p);
        let jitter = self.delays.jitter.as_micros() as u64;
        let d = if jitter == 0 {
            base
        } else {
            let draw = self
                .rng
                .lock()
                .map(|mut r| r.up_to(2 * jitter))
                .unwrap_or(jitter);
            (base + Duration::from_micros(draw)).saturating_sub(Duration::from_micros(jitter))
        };
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }

    /// A fresh id for response objects.
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

#[derive(Serialize)]
struct ProviderStats {
    requests: u64,
    in_flight: u64,
    peak_in_flight: u64,
    delay_ms: f64,
}

#[derive(Serialize)]
struct Stats {
    shopify: ProviderStats,
    openai: ProviderStats,
    elevenlabs: ProviderStats,
    peak_in_flight_all: u64,
    jitter_ms: f64,
    /// `THROTTLED` answers Shopify gave.
    shopify_throttled: u64,
    /// Cost points requested by Shopify queries that ran, and charged.
    shopify_requested_cost: u64,
    shopify_actual_cost: u64,
}

async fn stats(State(s): State<Arc<Standins>>) -> Response {
    let one = |p: Provider| {
        let c = &s.counters[p.index()];
        ProviderStats {
            requests: c.requests.load(Ordering::Relaxed),
            in_flight: c.in_flight.load(Ordering::Relaxed),
            peak_in_flight: c.peak_in_flight.load(Ordering::Relaxed),
            delay_ms: s.delays.base(p).as_secs_f64() * 1e3,
        }
    };
    axum::Json(Stats {
        shopify: one(Provider::Shopify),
        openai: one(Provider::OpenAi),
        elevenlabs: one(Provider::ElevenLabs),
        peak_in_flight_all: s.all.peak_in_flight.load(Ordering::Relaxed),
        jitter_ms: s.delays.jitter.as_secs_f64() * 1e3,
        shopify_throttled: s.shopify_throttled.load(Ordering::Relaxed),
        shopify_requested_cost: s.shopify_requested.load(Ordering::Relaxed),
        shopify_actual_cost: s.shopify_actual.load(Ordering::Relaxed),
    })
    .into_response()
}

/// The request log since the last call, as TSV: `provider start_us end_us`.
async fn take_log(State(s): State<Arc<Standins>>) -> Response {
    let entries = s.log.lock().map(|mut l| std::mem::take(&mut *l));
    let mut out = String::new();
    for (p, start, end) in entries.unwrap_or_default() {
        out.push_str(&format!("{}\t{start}\t{end}\n", p.name()));
    }
    out.into_response()
}

/// The router serving every stand-in on one port.
pub fn router(state: Arc<Standins>) -> Router {
    Router::new()
        .route("/admin/api/{version}/graphql.json", post(shopify::graphql))
        .route("/v1/chat/completions", post(openai::chat_completions))
        .route("/v1/text-to-speech/{voice}", post(elevenlabs::full))
        .route(
            "/v1/text-to-speech/{voice}/stream",
            post(elevenlabs::stream),
        )
        .route("/stats", get(stats))
        .route("/log", get(take_log))
        .with_state(state)
}

/// A JSON error answer.
fn json_error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Whether a header is present and non-empty.
fn has_header(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests;
