//! One turn at a time per call, in this process: a second delivery of a
//! webhook waits for the first and then sees its saved session (and so its
//! reply), instead of racing it. Across processes the session's
//! compare-and-swap does the same job.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as TurnLock, OwnedMutexGuard};

use crate::domain::CallId;

/// The calls with a turn running or waiting, each with its lock. An entry
/// lives only while a turn holds or waits for it.
#[derive(Debug, Default)]
pub(crate) struct CallTurns {
    calls: Mutex<HashMap<CallId, Arc<TurnLock<()>>>>,
}

/// Held for a turn; dropping it lets the call's next turn run.
pub(crate) struct TurnGuard<'a> {
    turns: &'a CallTurns,
    call: CallId,
    guard: Option<OwnedMutexGuard<()>>,
}

impl CallTurns {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Arc<TurnLock<()>>>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until no other turn of `call` runs in this process.
    pub(crate) async fn begin(&self, call: &CallId) -> TurnGuard<'_> {
        let lock = self.map().entry(call.clone()).or_default().clone();
        let guard = lock.lock_owned().await;
        TurnGuard {
            turns: self,
            call: call.clone(),
            guard: Some(guard),
        }
    }

    /// Calls with a turn running or waiting.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.map().len()
    }
}

impl Drop for TurnGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self.turns.map();
        // Only the map holds the lock now: no turn runs or waits.
        if map
            .get(&self.call)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            map.remove(&self.call);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_of_one_call_run_one_at_a_time_and_leave_nothing_behind() {
        let turns = CallTurns::default();
        let a = CallId::new("CA-a");
        let first = turns.begin(&a).await;
        let other = turns.begin(&CallId::new("CA-b")).await;
        let second = turns.begin(&a);
        tokio::pin!(second);
        assert!(
            futures_poll_once(second.as_mut()).await.is_none(),
            "a second turn of the same call waits"
        );
        drop(first);
        let second = second.await;
        drop(other);
        assert_eq!(turns.len(), 1);
        drop(second);
        assert_eq!(turns.len(), 0);
    }

    async fn futures_poll_once<F: std::future::Future + Unpin>(mut f: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
