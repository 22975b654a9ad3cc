//! Synthesizing fixed prompts ahead of calls: a few at a time, within a budget.

use std::collections::HashSet;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::SpeechCache;
use crate::error::SpeechError;
use crate::provider::{Audio, Cacheability, Speech, SpeechRequest};

/// How [`SpeechCache::prewarm`] may use the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrewarmLimits {
    /// Syntheses at once (keep it within the provider's concurrency limit, e.g.
    /// ElevenLabs' lowest tiers allow a few concurrent requests). At least 1.
    pub concurrency: usize,
    /// Total time the pre-warm may take; prompts not ready by then are
    /// synthesized on first use.
    pub budget: Duration,
}

impl Default for PrewarmLimits {
    /// Four at a time within a minute.
    fn default() -> Self {
        PrewarmLimits {
            concurrency: 4,
            budget: Duration::from_secs(60),
        }
    }
}

/// What [`SpeechCache::prewarm`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct PrewarmReport {
    /// Distinct shared requests now in the cache (synthesized or already there).
    pub cached: usize,
    /// Personal requests, skipped: they are never cached.
    pub skipped_personal: usize,
    /// Shared requests that failed, with their (non-personal) text.
    pub failed: Vec<(String, SpeechError)>,
    /// Shared requests not ready when the budget ran out. Those already started
    /// keep running in the cache's own task and are cached if they succeed.
    pub unfinished: usize,
}

type Warming<'a> = Pin<Box<dyn Future<Output = (String, Result<Audio, SpeechError>)> + Send + 'a>>;

impl<S: Speech> SpeechCache<S> {
    /// Synthesizes fixed prompts ahead of the first call, at most
    /// `limits.concurrency` at a time and within `limits.budget` in all. Personal
    /// requests are skipped and duplicates synthesized once. Failures are
    /// reported, not retried: the prompt is synthesized on first use instead.
    pub async fn prewarm(
        &self,
        requests: impl IntoIterator<Item = SpeechRequest>,
        limits: PrewarmLimits,
    ) -> PrewarmReport {
        let budget_ends = Instant::now() + limits.budget;
        let mut report = PrewarmReport::default();
        let mut seen = HashSet::new();
        let mut pending = Vec::new();
        for request in requests {
            if request.cacheability == Cacheability::Personal {
                report.skipped_personal += 1;
            } else if seen.insert(self.key(&request)) {
                pending.push(request);
            }
        }
        let mut pending = pending.into_iter();
        let mut running: Vec<Warming<'_>> = Vec::new();
        let concurrency = limits.concurrency.max(1);
        // Bounded concurrency without spawning more tasks: the next synthesis
        // starts as soon as one finishes.
        let all = poll_fn(|cx| {
            loop {
                while running.len() < concurrency {
                    let Some(request) = pending.next() else { break };
                    running.push(Box::pin(async move {
                        let result = self.synthesize(&request).await;
                        (request.text, result)
                    }));
                }
                if running.is_empty() {
                    return Poll::Ready(());
                }
                let before = running.len();
                running.retain_mut(|warming| match warming.as_mut().poll(cx) {
                    Poll::Ready((_, Ok(_))) => {
                        report.cached += 1;
                        false
                    }
                    Poll::Ready((text, Err(e))) => {
                        report.failed.push((text, e));
                        false
                    }
                    Poll::Pending => true,
                });
                if running.len() == before {
                    return Poll::Pending;
                }
                // Some finished: start the next ones (and poll them once).
            }
        });
        let _ = timeout_at(budget_ends, all).await;
        report.unfinished = running.len() + pending.len();
        report
    }
}
