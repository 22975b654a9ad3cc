//! `GET /healthz` (liveness: the process answers) and `GET /readyz`
//! (readiness: the call-record and session stores answer; providers that
//! failed recently are listed as degraded, which does not make the server
//! unready, since every provider failure has a fallback).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use lumitalk_core::{CallId, ProviderFailure};
use serde_json::{Value, json};

use crate::service::AppState;

/// How long a provider failure keeps the provider listed as degraded.
pub const DEGRADED_WINDOW: Duration = Duration::from_secs(60);

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The latest failure of each provider, for `/readyz`.
#[derive(Debug, Default)]
pub(crate) struct Health {
    last_failures: Mutex<BTreeMap<String, (&'static str, Instant)>>,
}

impl Health {
    /// Notes a turn's provider failures.
    pub(crate) fn note_failures(&self, failures: &[ProviderFailure]) {
        if failures.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut map = self.last_failures.lock().unwrap_or_else(|e| e.into_inner());
        for f in failures {
            map.insert(f.provider.clone(), (f.kind.as_str(), now));
        }
    }

    /// Providers that failed within [`DEGRADED_WINDOW`].
    fn degraded(&self) -> Vec<Value> {
        let map = self.last_failures.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .filter(|(_, (_, at))| at.elapsed() < DEGRADED_WINDOW)
            .map(|(provider, (kind, at))| {
                json!({"provider": provider, "kind": kind, "seconds_ago": at.elapsed().as_secs()})
            })
            .collect()
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    // A lookup of an id no call has: any answer means the store is reachable.
    let probe = CallId::new("lumitalk-readiness-probe");
    let records = state.assistant.records();
    let sessions = state.assistant.sessions();
    let (records_ok, sessions_ok) = tokio::join!(records.get(&probe), sessions.load(&probe));
    let check = |name: &str, r: Result<(), lumitalk_core::StoreError>| match r {
        Ok(()) => json!({"store": name, "ok": true}),
        Err(e) => json!({"store": name, "ok": false, "kind": e.kind().as_str()}),
    };
    let ready = records_ok.is_ok() && sessions_ok.is_ok();
    let body = json!({
        "ready": ready,
        "stores": [
            check(records.name(), records_ok.map(drop)),
            check(sessions.name(), sessions_ok.map(drop)),
        ],
        "degraded_providers": state.health.degraded(),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
