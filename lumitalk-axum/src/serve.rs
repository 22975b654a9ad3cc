//! Serving a [`LumiTalk`] on its own listener until SIGTERM or Ctrl-C, with
//! its background jobs, draining gracefully.

use tokio::net::TcpListener;

use crate::jobs::Stopped;
use crate::listener::serve_with_limits;
use crate::service::LumiTalk;

impl LumiTalk {
    /// Serves [`LumiTalk::router`] on `listener` until SIGTERM or Ctrl-C, with
    /// the background jobs running, within the default [`ListenerLimits`](crate::ListenerLimits)
    /// (request headers within 10 s, 1024 connections at once).
    ///
    /// Shutdown drains: in-flight requests finish (each awaits its call-record
    /// writes, acknowledged only once durable for a durable store); a retention
    /// purge already running gets its grace period to commit; then the jobs
    /// stop.
    ///
    /// # Errors
    /// The listener's I/O error.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        self.serve_until(listener, shutdown_signal()).await
    }

    /// As [`serve`](Self::serve), stopping when `shutdown` completes.
    ///
    /// # Errors
    /// The listener's I/O error.
    pub async fn serve_until(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let jobs = self.start_jobs();
        let limits = crate::ListenerLimits::default();
        let result = serve_with_limits(listener, self.router::<()>(), limits, shutdown).await;
        log_stopped(jobs.shutdown().await);
        result
    }
}

impl LumiTalk {
    /// As [`serve`](Self::serve), with the admin API and `/metrics` on
    /// `internal` only ([`internal_router`](Self::internal_router)) and the
    /// carrier's routes on `public` ([`public_router`](Self::public_router)).
    ///
    /// # Errors
    /// Either listener's I/O error.
    pub async fn serve_split(
        self,
        public: TcpListener,
        internal: TcpListener,
    ) -> std::io::Result<()> {
        let jobs = self.start_jobs();
        let (stop, stopping) = tokio::sync::watch::channel(());
        let until = |mut rx: tokio::sync::watch::Receiver<()>| async move {
            let _ = rx.changed().await;
        };
        let limits = crate::ListenerLimits::default();
        let public = serve_with_limits(
            public,
            self.public_router::<()>(),
            limits,
            until(stopping.clone()),
        );
        let internal = serve_with_limits(
            internal,
            self.internal_router::<()>(),
            limits,
            until(stopping),
        );
        let signal = async move {
            shutdown_signal().await;
            let _ = stop.send(());
        };
        let (_, public, internal) = tokio::join!(signal, public, internal);
        log_stopped(jobs.shutdown().await);
        public.and(internal)
    }
}

fn log_stopped(stopped: Stopped) {
    if stopped == Stopped::Cleanly {
        tracing::info!("stopped: in-flight requests finished and background jobs stopped");
    }
}

/// Completes on SIGTERM (Unix) or Ctrl-C: the usual graceful-shutdown trigger,
/// for `axum::serve(..).with_graceful_shutdown(shutdown_signal())` in an
/// integrator's own server too.
pub async fn shutdown_signal() {
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
