//! Metrics through the [`metrics`] facade, so whatever recorder the integrator
//! installs sees them; with feature `prometheus`, [`install_prometheus`] and
//! [`LumiTalkBuilder::prometheus`](crate::LumiTalkBuilder::prometheus) serve
//! them at `GET /metrics` in the Prometheus text format.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `lumitalk_turn_duration_seconds` | histogram | `merchant` |
//! | `lumitalk_provider_duration_seconds` | histogram | `stage` (`classify`, `lookup`, `speech`) |
//! | `lumitalk_provider_errors_total` | counter | `provider`, `kind`, `merchant` |
//! | `lumitalk_calls_total` | counter | `outcome`, `merchant` |
//! | `lumitalk_webhooks_total` | counter | `route`, `status` |
//! | `lumitalk_webhook_duplicates_total` | counter | `merchant` |
//! | `lumitalk_record_store_failures_total` | counter | |
//! | `lumitalk_active_calls` | gauge | |
//! | `lumitalk_speech_cache_hits_total`, `_misses_total` | counter | |
//! | `lumitalk_job_runs_total` | counter | `job`, `result` (`ok`, `failed`) |

use std::time::Duration;

use axum::Router;
use lumitalk_core::assistant::TurnOutcome;

use crate::service::{AppState, Shared};

/// Histogram bucket upper bounds, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Describes every metric to the installed recorder (their `# HELP` lines).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_histogram!(
        "lumitalk_turn_duration_seconds",
        Unit::Seconds,
        "Time from webhook in to reply out."
    );
    describe_histogram!(
        "lumitalk_provider_duration_seconds",
        Unit::Seconds,
        "Provider time per turn, by stage."
    );
    describe_counter!(
        "lumitalk_provider_errors_total",
        "Provider failures by provider and kind."
    );
    describe_counter!("lumitalk_calls_total", "Calls ended, by outcome.");
    describe_counter!(
        "lumitalk_webhooks_total",
        "Carrier webhooks, by route and status."
    );
    describe_counter!(
        "lumitalk_webhook_duplicates_total",
        "Webhooks delivered again, answered with the reply already given."
    );
    describe_counter!(
        "lumitalk_record_store_failures_total",
        "Call-record writes that failed."
    );
    describe_gauge!("lumitalk_active_calls", "Calls with a live session.");
    describe_counter!("lumitalk_speech_cache_hits_total", "Speech cache hits.");
    describe_counter!("lumitalk_speech_cache_misses_total", "Speech cache misses.");
    describe_counter!(
        "lumitalk_job_runs_total",
        "Background job runs, by job and result."
    );
}

/// Counts a webhook by route and HTTP status.
pub(crate) fn webhook(route: &'static str, status: u16) {
    let status = match status {
        200 => "200",
        400 => "400",
        403 => "403",
        _ => "other",
    };
    metrics::counter!("lumitalk_webhooks_total", "route" => route, "status" => status).increment(1);
}

/// Records a finished turn: `turn` measured by the server to the microsecond;
/// stage times come from the assistant in whole milliseconds. Failures of the
/// store named `record_store` also count as record-store failures, whatever
/// store it is (SQLite, PostgreSQL, memory, an integrator's own).
pub(crate) fn turn(outcome: &TurnOutcome, turn: Duration, record_store: &str) {
    let merchant = outcome.merchant.as_str().to_string();
    if outcome.replayed {
        // A duplicate delivery answered from the session: not a turn.
        metrics::counter!("lumitalk_webhook_duplicates_total", "merchant" => merchant).increment(1);
        return;
    }
    metrics::histogram!("lumitalk_turn_duration_seconds", "merchant" => merchant.clone())
        .record(turn.as_secs_f64());
    let t = &outcome.timings;
    for (stage, ms) in [
        ("classify", t.classify_ms),
        ("lookup", t.lookup_ms),
        ("speech", t.speech_ms),
    ] {
        if let Some(ms) = ms {
            metrics::histogram!("lumitalk_provider_duration_seconds", "stage" => stage)
                .record(f64::from(ms) / 1000.0);
        }
    }
    for e in &outcome.errors {
        metrics::counter!(
            "lumitalk_provider_errors_total",
            "provider" => e.provider.clone(),
            "kind" => e.kind.as_str(),
            "merchant" => merchant.clone()
        )
        .increment(1);
        if e.provider == record_store {
            metrics::counter!("lumitalk_record_store_failures_total").increment(1);
        }
    }
    if let Some(ended) = outcome.ended {
        metrics::counter!("lumitalk_calls_total", "outcome" => ended.as_str(), "merchant" => merchant)
            .increment(1);
    }
}

/// Counts one background job run.
pub(crate) fn job_run(job: &'static str, ok: bool) {
    let result = if ok { "ok" } else { "failed" };
    metrics::counter!("lumitalk_job_runs_total", "job" => job, "result" => result).increment(1);
}

/// Sets the values read from other components: active calls, speech cache.
pub(crate) async fn refresh_gauges(shared: &Shared) {
    metrics::gauge!("lumitalk_active_calls").set(shared.assistant.active_calls().await as f64);
    if let Some(stats) = shared.assistant.speech_cache_stats() {
        // A request that joined a synthesis already running is a hit too.
        metrics::counter!("lumitalk_speech_cache_hits_total")
            .absolute(stats.hits + stats.coalesced);
        metrics::counter!("lumitalk_speech_cache_misses_total").absolute(stats.misses);
    }
}

/// Where `/metrics` reads its text from.
#[derive(Clone)]
pub(crate) struct MetricsEndpoint {
    #[cfg(feature = "prometheus")]
    handle: metrics_exporter_prometheus::PrometheusHandle,
}

impl std::fmt::Debug for MetricsEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsEndpoint")
    }
}

#[cfg(feature = "prometheus")]
impl MetricsEndpoint {
    pub(crate) fn new(handle: metrics_exporter_prometheus::PrometheusHandle) -> Self {
        MetricsEndpoint { handle }
    }

    /// Keeps the recorder's memory bounded (run now and then).
    pub(crate) fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

#[cfg(not(feature = "prometheus"))]
impl MetricsEndpoint {
    pub(crate) fn upkeep(&self) {}
}

/// `GET /metrics` when a Prometheus endpoint is configured.
pub(crate) fn router(shared: &Shared) -> Router<AppState> {
    #[cfg(feature = "prometheus")]
    if shared.metrics_endpoint.is_some() {
        return Router::new().route("/metrics", axum::routing::get(render));
    }
    let _ = shared;
    Router::new()
}

#[cfg(feature = "prometheus")]
async fn render(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    refresh_gauges(&state).await;
    let Some(endpoint) = &state.metrics_endpoint else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        endpoint.handle.render(),
    )
        .into_response()
}

/// Why the Prometheus recorder could not be installed.
#[cfg(feature = "prometheus")]
#[derive(Debug, thiserror::Error)]
#[error("cannot install the Prometheus metrics recorder: {0}")]
pub struct InstallError(String);

/// Installs a Prometheus recorder as the process's global [`metrics`]
/// recorder (once; later calls return the same handle) and describes every
/// LumiTalk metric. Give the handle to
/// [`LumiTalkBuilder::prometheus`](crate::LumiTalkBuilder::prometheus).
///
/// # Errors
/// [`InstallError`] when another recorder is already installed.
#[cfg(feature = "prometheus")]
pub fn install_prometheus() -> Result<metrics_exporter_prometheus::PrometheusHandle, InstallError> {
    use std::sync::OnceLock;
    static HANDLE: OnceLock<Result<metrics_exporter_prometheus::PrometheusHandle, String>> =
        OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&BUCKETS)
                .and_then(|b| b.install_recorder())
                .map_err(|e| e.to_string())?;
            describe();
            Ok(handle)
        })
        .clone()
        .map_err(InstallError)
}
