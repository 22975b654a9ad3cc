//! Time as an injected dependency.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::Timestamp;

/// A boxed future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the driver and wrappers get the time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current wall-clock time.
    fn now(&self) -> Timestamp;
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> Sleep;
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
    fn sleep(&self, d: Duration) -> Sleep {
        (**self).sleep(d)
    }
}

/// The real clock: wall time anchored at creation and advanced by tokio's
/// monotonic clock, so that tests under `tokio::time::pause()` see virtual time.
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
}

/// A clock that moves only when told to; `sleep` advances it and returns at once.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, d: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.plus(d);
    }

    /// Sets the clock.
    pub fn set(&self, t: Timestamp) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn sleep(&self, d: Duration) -> Sleep {
        self.advance(d);
        Box::pin(std::future::ready(()))
    }
}
