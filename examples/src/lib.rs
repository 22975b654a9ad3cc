//! # lumitalk-examples
//!
//! The reference wiring of LumiTalk: an axum server answering Twilio webhooks
//! (`server`), and a terminal call simulator (`call`) that drives the same
//! assistant without a phone. Integrators copy from here.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod loadgen;
pub mod metrics;
pub mod privacy;
pub mod routed_orders;
pub mod server;
pub mod settings;
pub mod shopify_webhooks;
pub mod wiring;

use std::time::Duration;

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

/// Serves until SIGTERM or Ctrl-C; in-flight requests finish first. Runs the
/// retention purge at start-up and then daily.
pub async fn serve(
    listener: TcpListener,
    wired: wiring::Wired,
    _settings: &settings::Settings,
) -> std::io::Result<()> {
    let state = wired.state.clone();
    let purge_state = state.clone();
    let purge_task = tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_INTERVAL);
        loop {
            every.tick().await;
            if let Err(e) = privacy::purge(&purge_state).await {
                tracing::warn!(error = %e, "scheduled retention purge failed");
            }
        }
    });
    let app = server::router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    purge_task.abort();
    tracing::info!("stopped; stores flushed");
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
