//! Retries with exponential backoff, bounded by attempts and by total time.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::rng::SplitMix64;
use crate::clock::{Clock, TokioClock};
use crate::domain::{
    Classification, ClassifyContext, MerchantId, Order, OrderNumber, PhoneNumber, Utterance,
};
use crate::error::{ClassifyError, OrderSourceError, ProviderError, SpeechError};
use crate::provider::{Audio, AudioStream, IntentClassifier, OrderSource, Speech, SpeechRequest};

/// When and how often [`Retry`] tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (`1` means never retry).
    pub max_attempts: u32,
    /// Total time budget from the first attempt: no retry starts if its delay
    /// would end past this budget.
    pub max_elapsed: Duration,
    /// Upper bound of the first backoff; it doubles after each retry.
    pub initial_backoff: Duration,
    /// Cap on any one backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts within 4 seconds, backoff up to 200 ms, 400 ms, ... capped at 2 s:
    /// sized for a caller waiting on the line.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(4),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff ceiling before retry number `retry` (0-based):
    /// `min(max_backoff, initial_backoff * 2^retry)`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// Counters a [`Retry`] updates, readable by the caller (a cheap shared handle:
/// clones see the same counts).
#[derive(Debug, Clone, Default)]
pub struct RetryStats {
    inner: Arc<StatsInner>,
}

#[derive(Debug, Default)]
struct StatsInner {
    retries: AtomicU64,
    gave_up: AtomicU64,
}

impl RetryStats {
    /// Retries made so far (attempts after the first), over all calls.
    pub fn retries(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    /// Calls that failed with a retryable error because attempts or time ran out.
    pub fn gave_up(&self) -> u64 {
        self.inner.gave_up.load(Ordering::Relaxed)
    }
}

/// Retries retryable failures of the wrapped provider.
///
/// - Only errors whose `is_retryable()` is true are retried; others return at once.
/// - At most `max_attempts` attempts, and no retry whose delay would end after
///   `max_elapsed` from the first attempt.
/// - The delay is "full jitter": uniform in `0..=backoff_ceiling(retry)`, from a
///   seedable [`SplitMix64`]; a provider's `retry_after()` hint replaces it, and if
///   the hint does not fit in the remaining budget the error is returned.
/// - Sleeping and elapsed time come from the injected [`Clock`].
/// - Each retry, and giving up, is logged at DEBUG with the provider's name and
///   the error's kind; the last error is the caller's to log.
///
/// Wrap a [`Timeout`](super::Timeout) in it so hung attempts are retried. `name()`
/// is the wrapped provider's name; [`Retry::stats`] counts retries, and so does
/// the current [`counting_retries`](super::counting_retries) scope, if any (the
/// assistant opens one per turn).
#[derive(Debug)]
pub struct Retry<T> {
    inner: T,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    rng: Mutex<SplitMix64>,
    stats: RetryStats,
}

impl<T> Retry<T> {
    /// Wraps `inner` with `policy`, the tokio clock and an entropy-seeded jitter.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Retry {
            inner,
            policy,
            clock: Arc::new(TokioClock::new()),
            rng: Mutex::new(SplitMix64::from_entropy()),
            stats: RetryStats::default(),
        }
    }

    /// Uses `clock` for sleeping and for the time budget.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Seeds the jitter, for reproducible delays.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = Mutex::new(SplitMix64::new(seed));
        self
    }

    /// Reports into `stats` (e.g. one handle shared by several wrappers).
    pub fn with_stats(mut self, stats: RetryStats) -> Self {
        self.stats = stats;
        self
    }

    /// The counters this wrapper updates.
    pub fn stats(&self) -> RetryStats {
        self.stats.clone()
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    fn jitter(&self, ceiling: Duration) -> Duration {
        let max_ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        Duration::from_millis(rng.up_to(max_ms))
    }

    /// Runs `op` until it succeeds, fails permanently, or the policy is spent.
    pub(crate) async fn run<V, E, F, Fut>(&self, mut op: F) -> Result<V, E>
    where
        E: ProviderError,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let started = self.clock.now();
        let mut attempt: u32 = 1;
        loop {
            let err = match op().await {
                Ok(v) => return Ok(v),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            if attempt >= self.policy.max_attempts.max(1) {
                self.stats.inner.gave_up.fetch_add(1, Ordering::Relaxed);
                debug_gave_up(&err, attempt, "no attempts left");
                return Err(err);
            }
            let delay = match err.retry_after() {
                Some(hint) => hint,
                None => self.jitter(self.policy.backoff_ceiling(attempt - 1)),
            };
            let elapsed = self.clock.now().since(started);
            if elapsed.saturating_add(delay) >= self.policy.max_elapsed {
                self.stats.inner.gave_up.fetch_add(1, Ordering::Relaxed);
                debug_gave_up(&err, attempt, "no time left");
                return Err(err);
            }
            tracing::debug!(
                provider = %err.provider(),
                kind = %err.kind().as_str(),
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            if !delay.is_zero() {
                self.clock.sleep(delay).await;
            }
            self.stats.inner.retries.fetch_add(1, Ordering::Relaxed);
            super::scope::note_retry();
            attempt += 1;
        }
    }
}

/// A retryable failure returned because the policy is spent (the caller logs the
/// failure itself).
fn debug_gave_up(err: &impl ProviderError, attempts: u32, why: &str) {
    tracing::debug!(
        provider = %err.provider(),
        kind = %err.kind().as_str(),
        attempts,
        "giving up retrying: {why}"
    );
}

#[async_trait]
impl<T: OrderSource> OrderSource for Retry<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn forget_cached(&self, merchant: &MerchantId, phone: &PhoneNumber) {
        self.inner.forget_cached(merchant, phone);
    }
    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        self.run(|| self.inner.order_by_number(merchant, number))
            .await
    }
    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        self.run(|| self.inner.recent_orders_by_phone(merchant, phone, limit))
            .await
    }
}

#[async_trait]
impl<T: IntentClassifier> IntentClassifier for Retry<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        self.run(|| self.inner.classify(utterance, context)).await
    }
}

#[async_trait]
impl<T: Speech> Speech for Retry<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.run(|| self.inner.synthesize(request)).await
    }
    /// Retries starting the stream; errors in later chunks are not retried.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        self.run(|| self.inner.synthesize_stream(request)).await
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
