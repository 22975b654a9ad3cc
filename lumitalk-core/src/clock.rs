//! Time as an injected dependency: the one source of timestamps, sleeps and
//! deadlines for the driver and the wrappers.
//!
//! A deadline is a [`Timestamp`] on the clock's own time line: the driver reads
//! `now()`, adds its budget, and bounds each provider call with
//! [`Clock::sleep_until`]. Under [`TokioClock`] that is tokio's timer, so tests
//! on paused time (`start_paused = true`) see deadlines fire without waiting;
//! under [`ManualClock`] a deadline fires only when the clock is moved past it.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::domain::Timestamp;

/// A boxed future returned by [`Clock::sleep`] and [`Clock::sleep_until`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the driver and wrappers get the time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current wall-clock time.
    fn now(&self) -> Timestamp;
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> Sleep;
    /// Waits until the clock reads `at` or later (at once if it already does):
    /// the timer of a deadline.
    ///
    /// The default sleeps for the time left; a clock whose `sleep` moves time
    /// itself (as [`ManualClock`]'s does) should wait for time to be moved instead.
    fn sleep_until(&self, at: Timestamp) -> Sleep {
        self.sleep(at.since(self.now()))
    }
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
    fn sleep(&self, d: Duration) -> Sleep {
        (**self).sleep(d)
    }
    fn sleep_until(&self, at: Timestamp) -> Sleep {
        (**self).sleep_until(at)
    }
}

/// A deadline on a [`Clock`] passed before the future finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed;

/// `fut`, unless the clock reaches `at` first. Like tokio's `timeout_at`, `fut`
/// is polled before the timer, so a future that is ready wins even past the
/// deadline. The timer is set when this is called, not when first polled.
pub(crate) fn timeout_at<F: Future>(
    clock: &dyn Clock,
    at: Timestamp,
    fut: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> + use<F> {
    let mut timer = clock.sleep_until(at);
    async move {
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            timer.as_mut().poll(cx).map(|()| Err(Elapsed))
        })
        .await
    }
}

/// `fut`, unless `after` passes first on the clock (see [`timeout_at`]).
pub(crate) fn timeout<F: Future>(
    clock: &dyn Clock,
    after: Duration,
    fut: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> + use<F> {
    timeout_at(clock, clock.now().plus(after), fut)
}

/// Whole milliseconds from `started` to now on `clock` (saturating), for timings.
pub(crate) fn ms_since(clock: &dyn Clock, started: Timestamp) -> u32 {
    clock.now().since(started).as_millis().min(u32::MAX as u128) as u32
}

/// The real clock: wall time anchored at creation and advanced by tokio's
/// monotonic clock, so that tests under `tokio::time::pause()` see virtual time.
/// Sleeps and deadlines are tokio's timer.
#[derive(Debug, Clone)]
pub struct TokioClock {
    anchor_wall: Timestamp,
    anchor: tokio::time::Instant,
}

impl TokioClock {
    /// A clock anchored at the current system time.
    pub fn new() -> Self {
        TokioClock {
            anchor_wall: Timestamp::now_from_system(),
            anchor: tokio::time::Instant::now(),
        }
    }

    /// A clock that starts at `start` (for tests with paused tokio time).
    pub fn starting_at(start: Timestamp) -> Self {
        TokioClock {
            anchor_wall: start,
            anchor: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        self.anchor_wall.plus(self.anchor.elapsed())
    }
    fn sleep(&self, d: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(d))
    }
    fn sleep_until(&self, at: Timestamp) -> Sleep {
        let at = self.anchor + at.since(self.anchor_wall);
        Box::pin(tokio::time::sleep_until(at))
    }
}

/// A clock that moves only when told to.
///
/// [`sleep`](Clock::sleep) moves it forward and returns at once (the sleeper
/// is taken to be the only one waiting, as a [`Retry`](crate::wrappers::Retry)'s
/// backoff); [`sleep_until`](Clock::sleep_until), the timer of a deadline,
/// waits until the clock is moved to it ([`advance`](Self::advance),
/// [`set`](Self::set), or someone's `sleep`), so deadlines never fire on their own.
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<Manual>>,
}

#[derive(Debug)]
struct Manual {
    now: Timestamp,
    /// Tasks waiting in `sleep_until`, woken whenever the clock moves.
    waiting: Vec<Waker>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            state: Arc::new(Mutex::new(Manual {
                now: start,
                waiting: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Manual> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward.
    pub fn advance(&self, d: Duration) {
        let now = self.lock().now.plus(d);
        self.set(now);
    }

    /// Sets the clock.
    pub fn set(&self, t: Timestamp) {
        let woken = {
            let mut state = self.lock();
            state.now = t;
            std::mem::take(&mut state.waiting)
        };
        woken.into_iter().for_each(Waker::wake);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.lock().now
    }
    fn sleep(&self, d: Duration) -> Sleep {
        self.advance(d);
        Box::pin(std::future::ready(()))
    }
    fn sleep_until(&self, at: Timestamp) -> Sleep {
        let clock = self.clone();
        Box::pin(poll_fn(move |cx| {
            let mut state = clock.lock();
            if state.now >= at {
                return Poll::Ready(());
            }
            if !state.waiting.iter().any(|w| w.will_wake(cx.waker())) {
                state.waiting.push(cx.waker().clone());
            }
            Poll::Pending
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000)
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_deadlines_fire_on_virtual_time() {
        let clock = TokioClock::starting_at(t0());
        let at = clock.now().plus(Duration::from_secs(2));
        let slow = tokio::time::sleep(Duration::from_secs(5));
        assert_eq!(timeout_at(&clock, at, slow).await, Err(Elapsed));
        assert_eq!(clock.now(), at);
        let fast = tokio::time::sleep(Duration::from_millis(100));
        assert_eq!(timeout(&clock, Duration::from_secs(1), fast).await, Ok(()));
        assert_eq!(ms_since(&clock, at), 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_ready_future_wins_past_its_deadline() {
        let clock = TokioClock::starting_at(t0());
        let past = t0().minus(Duration::from_secs(1));
        assert_eq!(timeout_at(&clock, past, async { 7 }).await, Ok(7));
        let manual = ManualClock::new(t0());
        assert_eq!(timeout_at(&manual, past, async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn manual_deadlines_wait_for_the_clock_to_move() {
        let clock = ManualClock::new(t0());
        let hung = std::future::pending::<()>();
        let waiting = timeout(&clock, Duration::from_secs(2), hung);
        let mover = async {
            tokio::task::yield_now().await;
            clock.advance(Duration::from_secs(1));
            tokio::task::yield_now().await;
            clock.advance(Duration::from_secs(1));
        };
        let (result, ()) = tokio::join!(waiting, mover);
        assert_eq!(result, Err(Elapsed));
        assert_eq!(clock.now(), t0().plus(Duration::from_secs(2)));
        // A sleep moves the clock itself.
        clock.sleep(Duration::from_secs(3)).await;
        assert_eq!(clock.now(), t0().plus(Duration::from_secs(5)));
    }
}
