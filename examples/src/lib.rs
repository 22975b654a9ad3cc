//! # lumitalk-examples
//!
//! The reference wiring of LumiTalk: an axum server answering Twilio webhooks
//! (`server`), and a terminal call simulator (`call`) that drives the same
//! assistant without a phone. Integrators copy from here.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod metrics;
pub mod privacy;
pub mod routed_orders;
pub mod server;
pub mod settings;
pub mod shopify_webhooks;
pub mod wiring;

use std::time::Duration;

use lumitalk_core::assistant::Assistant;
use tokio::net::TcpListener;

/// Logs to stderr; `RUST_LOG`-style filtering is not needed for an example, so
/// the level comes from `LUMITALK_LOG` (`info` by default).
pub fn init_tracing() {
    let level = std::env::var("LUMITALK_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// How often the retention purge runs.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// How long fixed-prompt pre-synthesis may take in all, in the background.
pub const PREWARM_TOTAL_BUDGET: Duration = Duration::from_secs(120);

/// How long shutdown waits for a retention purge that is already running.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Pre-synthesizes every merchant's fixed prompts (a few at a time, see
/// [`Assistant::prewarm`]) within [`PREWARM_TOTAL_BUDGET`], and logs how many are
/// ready. Meant to run in the background once the server listens: until a prompt
/// is ready, its first use synthesizes it (or falls back to the carrier's voice).
pub async fn prewarm(assistant: Assistant) {
    let started = std::time::Instant::now();
    match tokio::time::timeout(PREWARM_TOTAL_BUDGET, assistant.prewarm()).await {
        Ok(warmed) => tracing::info!(
            warmed,
            ms = started.elapsed().as_millis() as u64,
            "speech: fixed prompts pre-synthesized (the rest, if any, on first use)"
        ),
        Err(_) => tracing::warn!(
            budget_s = PREWARM_TOTAL_BUDGET.as_secs(),
            "speech: pre-synthesis stopped at its time budget; prompts finished so far \
             are cached, the rest are synthesized on first use"
        ),
    }
}

/// Serves until SIGTERM or Ctrl-C. Pre-warms speech in the background once
/// listening, runs the retention purge at start-up and then daily.
///
/// Shutdown drains: in-flight requests finish (each awaits its call-record
/// writes, and lumitalk-sqlite acknowledges a write only once committed with
/// `synchronous=FULL`, so every acknowledged record is durable); a retention
/// purge already running gets [`SHUTDOWN_GRACE`] to commit; then the state is
/// dropped, which lets the SQLite threads finish and close the database.
/// Sessions and audio live in memory and end with the process.
pub async fn serve(
    listener: TcpListener,
    wired: wiring::Wired,
    _settings: &settings::Settings,
) -> std::io::Result<()> {
    let state = wired.state.clone();
    let prewarm_task = wired
        .speech_provider
        .then(|| tokio::spawn(prewarm(state.assistant.clone())));
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let purge_state = state.clone();
    let purge_task = tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_INTERVAL);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.changed() => return,
            }
            // Not interrupted by shutdown: it gets SHUTDOWN_GRACE to commit.
            if let Err(e) = privacy::purge(&purge_state).await {
                tracing::warn!(error = %e, "scheduled retention purge failed");
            }
        }
    });
    let app = server::router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    if let Some(task) = prewarm_task {
        task.abort();
        let _ = task.await;
    }
    let _ = stop.send(true);
    let purge_finished = tokio::time::timeout(SHUTDOWN_GRACE, purge_task)
        .await
        .is_ok();
    drop(wired);
    if purge_finished {
        tracing::info!(
            "stopped: in-flight requests finished and every call-record write was \
             acknowledged durably (SQLite, synchronous=FULL)"
        );
    } else {
        tracing::warn!(
            "stopped with a retention purge still running; SQLite rolls back its \
             unfinished transaction, the next purge redoes it"
        );
    }
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
