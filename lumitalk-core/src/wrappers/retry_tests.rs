use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::clock::ManualClock;
use crate::domain::{ExpectedEntity, Timestamp};
use crate::error::ErrorKind;
use crate::wrappers::Timeout;
use crate::wrappers::tests_support::{Scripted, SlowSpeech, Step, context, speech_request};

fn start() -> Timestamp {
    Timestamp::from_civil(2026, 11, 20, 12, 0, 0)
}

fn manual_clock() -> (ManualClock, Arc<dyn Clock>) {
    let clock = ManualClock::new(start());
    (clock.clone(), Arc::new(clock))
}

fn fails(kind: ErrorKind, n: usize) -> Vec<Step> {
    vec![Step::Fail(kind, None); n]
}

fn policy(max_attempts: u32, max_elapsed_ms: u64) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_elapsed: Duration::from_millis(max_elapsed_ms),
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
    }
}

async fn classify<T: IntentClassifier>(c: &T) -> Result<Classification, ClassifyError> {
    c.classify(&Utterance::digits("1"), &context(ExpectedEntity::None))
        .await
}

#[tokio::test]
async fn retries_retryable_errors_until_success() {
    let (_, clock) = manual_clock();
    let mut steps = fails(ErrorKind::Unavailable, 1);
    steps.push(Step::Fail(ErrorKind::Timeout, None));
    let inner = Scripted::new("p", steps);
    let calls = inner.calls();
    let retry = Retry::new(inner, policy(3, 10_000))
        .with_clock(clock)
        .with_seed(1);
    assert!(classify(&retry).await.is_ok());
    assert_eq!(calls.get(), 3);
    assert_eq!(retry.stats().retries(), 2);
    assert_eq!(retry.stats().gave_up(), 0);
}

#[tokio::test]
async fn permanent_errors_are_not_retried() {
    for kind in [
        ErrorKind::Unauthorized,
        ErrorKind::InvalidRequest,
        ErrorKind::InvalidResponse,
    ] {
        let (manual, clock) = manual_clock();
        let inner = Scripted::new("p", fails(kind, 5));
        let calls = inner.calls();
        let retry = Retry::new(inner, policy(5, 10_000)).with_clock(clock);
        let err = classify(&retry).await.unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(calls.get(), 1, "{kind:?}");
        assert_eq!(retry.stats().retries(), 0);
        assert_eq!(manual.now(), start(), "no sleep for a permanent error");
    }
}

#[tokio::test]
async fn stops_after_max_attempts() {
    let (_, clock) = manual_clock();
    let inner = Scripted::new("p", fails(ErrorKind::Unavailable, 10));
    let calls = inner.calls();
    let retry = Retry::new(inner, policy(3, 60_000)).with_clock(clock);
    let err = retry.synthesize(&speech_request("hi")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(calls.get(), 3);
    assert_eq!(retry.stats().retries(), 2);
    assert_eq!(retry.stats().gave_up(), 1);
}

#[tokio::test]
async fn stops_when_total_time_is_spent() {
    // Every failure asks for 1 s; the budget is 2.5 s: attempts at 0 s, 1 s, 2 s,
    // and the next retry (ending at 3 s) would overrun.
    let (manual, clock) = manual_clock();
    let steps = vec![Step::Fail(ErrorKind::RateLimited, Some(Duration::from_secs(1))); 10];
    let inner = Scripted::new("p", steps);
    let calls = inner.calls();
    let retry = Retry::new(inner, policy(10, 2_500)).with_clock(clock);
    let err = classify(&retry).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(calls.get(), 3);
    assert_eq!(manual.now().since(start()), Duration::from_secs(2));
    assert_eq!(retry.stats().gave_up(), 1);

    // With jittered backoff the budget holds too.
    let (manual, clock) = manual_clock();
    let inner = Scripted::new("p", fails(ErrorKind::Unavailable, 1000));
    let calls = inner.calls();
    let retry = Retry::new(inner, policy(1000, 3_000))
        .with_clock(clock)
        .with_seed(9);
    assert!(classify(&retry).await.is_err());
    assert!(manual.now().since(start()) < Duration::from_secs(3));
    assert!(calls.get() < 1000);
}

#[tokio::test]
async fn honours_retry_after() {
    let (manual, clock) = manual_clock();
    let inner = Scripted::new(
        "p",
        vec![Step::Fail(
            ErrorKind::RateLimited,
            Some(Duration::from_millis(1500)),
        )],
    );
    let retry = Retry::new(inner, policy(3, 4_000)).with_clock(clock);
    let m = MerchantId::new("m");
    let n = OrderNumber::parse("1001").unwrap();
    assert_eq!(retry.order_by_number(&m, &n).await, Ok(None));
    assert_eq!(manual.now().since(start()), Duration::from_millis(1500));
    assert_eq!(retry.stats().retries(), 1);
}

#[tokio::test]
async fn retry_after_beyond_budget_gives_up_at_once() {
    let (manual, clock) = manual_clock();
    let inner = Scripted::new(
        "p",
        vec![Step::Fail(
            ErrorKind::RateLimited,
            Some(Duration::from_secs(30)),
        )],
    );
    let calls = inner.calls();
    let retry = Retry::new(inner, policy(3, 4_000)).with_clock(clock);
    let err = classify(&retry).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(calls.get(), 1);
    assert_eq!(manual.now(), start());
}

async fn total_backoff(seed: u64) -> Duration {
    let (manual, clock) = manual_clock();
    let inner = Scripted::new("p", fails(ErrorKind::Unavailable, 5));
    let retry = Retry::new(inner, policy(6, 60_000))
        .with_clock(clock)
        .with_seed(seed);
    assert!(classify(&retry).await.is_ok());
    manual.now().since(start())
}

#[tokio::test]
async fn jitter_is_deterministic_with_a_seed() {
    let a = total_backoff(42).await;
    assert_eq!(a, total_backoff(42).await);
    // Full jitter: each delay is at most its ceiling (100, 200, 400, 400, 400 ms).
    assert!(a <= Duration::from_millis(1500), "{a:?}");
    let mut differs = false;
    for seed in 1..5 {
        differs |= total_backoff(seed).await != a;
    }
    assert!(differs, "different seeds, different delays");
}

#[test]
fn backoff_ceiling_doubles_and_caps() {
    let p = policy(10, 1000);
    let ms: Vec<u128> = (0..5).map(|r| p.backoff_ceiling(r).as_millis()).collect();
    assert_eq!(ms, [100, 200, 400, 400, 400]);
    assert_eq!(p.backoff_ceiling(u32::MAX), Duration::from_millis(400));
    assert_eq!(RetryPolicy::none().max_attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn timeout_inside_retry_retries_hung_attempts() {
    let clock: Arc<dyn Clock> = Arc::new(crate::clock::TokioClock::starting_at(start()));
    let retry = Retry::new(
        Timeout::new(
            SlowSpeech::new(Duration::from_secs(60)),
            Duration::from_secs(1),
        ),
        RetryPolicy {
            max_elapsed: Duration::from_secs(10),
            ..policy(3, 0)
        },
    )
    .with_clock(clock.clone())
    .with_seed(3);
    let err = retry.synthesize(&speech_request("hi")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(retry.stats().retries(), 2);
    let elapsed = clock.now().since(start());
    assert!(elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(10));
}
