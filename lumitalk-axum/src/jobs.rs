//! The server's background jobs as one handle: the retention purge (at start
//! and then daily), the speech pre-warm (once, in the background, so start-up
//! never waits on the speech provider), and session sweeps (which also refresh
//! the active-call gauge). Each run's failure is logged and counted
//! (`lumitalk_job_runs_total{job,result}`); [`BackgroundJobs::shutdown`] stops
//! them for a graceful shutdown.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::metrics;
use crate::service::AppState;

/// How often each job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobSchedule {
    /// Between retention purges (the first runs at start): default 24 h.
    pub purge_every: Duration,
    /// Between session sweeps: default 60 s.
    pub sweep_every: Duration,
    /// The time budget of the fixed-prompt pre-synthesis: default 120 s.
    pub prewarm_budget: Duration,
    /// How long shutdown waits for a purge that is already running: default 10 s.
    pub shutdown_grace: Duration,
}

impl Default for JobSchedule {
    fn default() -> Self {
        JobSchedule {
            purge_every: Duration::from_secs(24 * 3600),
            sweep_every: Duration::from_secs(60),
            prewarm_budget: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The running background jobs. Dropping the handle leaves them running until
/// the runtime stops; call [`shutdown`](Self::shutdown) to stop them.
#[derive(Debug)]
pub struct BackgroundJobs {
    stop: watch::Sender<bool>,
    purge: JoinHandle<()>,
    sweep: JoinHandle<()>,
    prewarm: JoinHandle<()>,
    grace: Duration,
}

/// How [`BackgroundJobs::shutdown`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every job stopped; no purge was cut short.
    Cleanly,
    /// A purge was still running after the grace period; the store rolls back
    /// its unfinished transaction and the next purge redoes it.
    PurgeCutShort,
}

impl BackgroundJobs {
    pub(crate) fn start(shared: AppState) -> Self {
        let schedule = shared.schedule;
        let (stop, stopping) = watch::channel(false);
        let purge = tokio::spawn(every(
            schedule.purge_every,
            stopping.clone(),
            shared.clone(),
            purge_once,
        ));
        let sweep = tokio::spawn(every(
            schedule.sweep_every,
            stopping,
            shared.clone(),
            sweep_once,
        ));
        let prewarm = tokio::spawn(prewarm(shared, schedule.prewarm_budget));
        BackgroundJobs {
            stop,
            purge,
            sweep,
            prewarm,
            grace: schedule.shutdown_grace,
        }
    }

    /// Stops every job: the pre-warm and sweeps at once, a purge already
    /// running after its grace period (so it can commit).
    pub async fn shutdown(self) -> Stopped {
        self.prewarm.abort();
        let _ = self.stop.send(true);
        let _ = self.sweep.await;
        let mut purge = self.purge;
        match tokio::time::timeout(self.grace, &mut purge).await {
            Ok(_) => Stopped::Cleanly,
            Err(_) => {
                purge.abort();
                tracing::warn!(
                    "stopped with a retention purge still running; the store rolls back \
                     its unfinished transaction, the next purge redoes it"
                );
                Stopped::PurgeCutShort
            }
        }
    }
}

/// Runs `job` at once and then every `period` until told to stop; a run in
/// progress is not interrupted.
async fn every<F, Fut>(
    period: Duration,
    mut stopping: watch::Receiver<bool>,
    shared: AppState,
    job: F,
) where
    F: Fn(AppState) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopping.changed() => return,
        }
        job(shared.clone()).await;
    }
}

async fn purge_once(shared: AppState) {
    match shared.privacy.purge_expired().await {
        Ok(d) => {
            metrics::job_run("retention_purge", true);
            tracing::info!(
                records = d.records,
                audio = d.audio.len(),
                "retention purge"
            );
        }
        Err(e) => {
            metrics::job_run("retention_purge", false);
            tracing::warn!(kind = e.kind().as_str(), error = %e, "scheduled retention purge failed; it runs again at the next period");
        }
    }
}

async fn sweep_once(shared: AppState) {
    match shared.assistant.sessions().sweep_expired().await {
        Ok(swept) => {
            metrics::job_run("session_sweep", true);
            if swept > 0 {
                tracing::debug!(swept, "expired sessions swept");
            }
        }
        Err(e) => {
            metrics::job_run("session_sweep", false);
            tracing::warn!(kind = e.kind().as_str(), error = %e, "session sweep failed");
        }
    }
    metrics::refresh_gauges(&shared).await;
    if let Some(endpoint) = &shared.metrics_endpoint {
        endpoint.upkeep();
    }
}

/// Pre-synthesizes every merchant's fixed prompts within `budget`; until a
/// prompt is ready, its first use synthesizes it (or falls back to the
/// carrier's voice).
async fn prewarm(shared: AppState, budget: Duration) {
    let started = Instant::now();
    match tokio::time::timeout(budget, shared.assistant.prewarm()).await {
        Ok(0) => {}
        Ok(warmed) => {
            metrics::job_run("speech_prewarm", true);
            tracing::info!(
                warmed,
                ms = started.elapsed().as_millis() as u64,
                "speech: fixed prompts pre-synthesized (the rest, if any, on first use)"
            );
        }
        Err(_) => {
            metrics::job_run("speech_prewarm", false);
            tracing::warn!(
                budget_s = budget.as_secs(),
                "speech: pre-synthesis stopped at its time budget; prompts finished so far \
                 are cached, the rest are synthesized on first use"
            );
        }
    }
}
