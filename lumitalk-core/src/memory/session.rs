//! Conversation state in memory, with expiry.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::clock::{Clock, TokioClock};
use crate::domain::{CallId, Timestamp};
use crate::error::StoreError;
use crate::store::{SessionSave, SessionStore, StoredSession};

/// Saves between two automatic sweeps, at least.
const SWEEP_EVERY: usize = 64;

/// A [`SessionStore`] in process memory: right for one server process and for
/// tests. Expiry uses the injected [`Clock`]: an expired session is never
/// returned, is dropped when touched, and is swept away by `save` now and then
/// (after as many saves as there were sessions at the last sweep, and at least
/// 64), so a save costs O(1) amortized however many calls are live.
/// [`MemorySessionStore::sweep`] sweeps at once. `Debug` shows counts only (the
/// states hold caller numbers).
#[derive(Clone)]
pub struct MemorySessionStore {
    clock: Arc<dyn Clock>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    sessions: HashMap<CallId, Held>,
    /// Saves since the last sweep, and how many saves the next sweep waits for.
    saves: usize,
    sweep_after: usize,
}

/// One call's state, its version and when it expires.
struct Held {
    state: Bytes,
    version: u64,
    expires: Timestamp,
}

impl State {
    fn sweep(&mut self, now: Timestamp) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|_, held| held.expires > now);
        self.saves = 0;
        self.sweep_after = self.sessions.len().max(SWEEP_EVERY);
        before - self.sessions.len()
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("held", &self.lock().sessions.len())
            .finish_non_exhaustive()
    }
}

impl MemorySessionStore {
    /// An empty store using `clock` for expiry.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        MemorySessionStore {
            clock,
            state: Arc::new(Mutex::new(State {
                sweep_after: SWEEP_EVERY,
                ..State::default()
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops expired sessions; returns how many were dropped.
    pub fn sweep(&self) -> usize {
        let now = self.clock.now();
        self.lock().sweep(now)
    }
}

impl Default for MemorySessionStore {
    /// A store on the tokio clock.
    fn default() -> Self {
        MemorySessionStore::new(Arc::new(TokioClock::new()))
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn load(&self, call: &CallId) -> Result<Option<StoredSession>, StoreError> {
        let now = self.clock.now();
        let mut state = self.lock();
        match state.sessions.get(call) {
            Some(held) if held.expires > now => Ok(Some(StoredSession {
                state: held.state.clone(),
                version: held.version,
            })),
            Some(_) => {
                state.sessions.remove(call);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn save(
        &self,
        call: &CallId,
        bytes: Bytes,
        ttl: Duration,
        expected: Option<u64>,
    ) -> Result<SessionSave, StoreError> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.saves += 1;
        if state.saves >= state.sweep_after {
            state.sweep(now);
        }
        let current = state
            .sessions
            .get(call)
            .filter(|held| held.expires > now)
            .map(|held| held.version);
        if current != expected {
            return Ok(SessionSave::Conflict);
        }
        let version = current.unwrap_or(0) + 1;
        let held = Held {
            state: bytes,
            version,
            expires: now.plus(ttl),
        };
        state.sessions.insert(call.clone(), held);
        Ok(SessionSave::Saved(version))
    }

    async fn remove(&self, call: &CallId) -> Result<(), StoreError> {
        self.lock().sessions.remove(call);
        Ok(())
    }

    async fn sweep_expired(&self) -> Result<usize, StoreError> {
        Ok(self.sweep())
    }

    async fn len(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let state = self.lock();
        Ok(state
            .sessions
            .values()
            .filter(|held| held.expires > now)
            .count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn held(store: &MemorySessionStore) -> usize {
        store.lock().sessions.len()
    }

    #[tokio::test]
    async fn saves_sweep_now_and_then_not_every_time() {
        let clock = ManualClock::new(Timestamp::from_unix_seconds(1_000_000));
        let store = MemorySessionStore::new(Arc::new(clock.clone()));
        let short = Duration::from_secs(10);
        for i in 0..10 {
            let call = CallId::new(format!("CA-old-{i}"));
            let _ = store
                .save(&call, Bytes::from_static(b"{}"), short, None)
                .await
                .unwrap();
        }
        clock.advance(Duration::from_secs(60));
        // The next save does not scan the ten expired sessions...
        let live = CallId::new("CA-live");
        let _ = store
            .save(
                &live,
                Bytes::from_static(b"{}"),
                Duration::from_secs(600),
                None,
            )
            .await
            .unwrap();
        assert_eq!(held(&store), 11);
        // ...though none of them is visible.
        assert_eq!(store.len().await.unwrap(), 1);
        assert_eq!(store.load(&CallId::new("CA-old-3")).await.unwrap(), None);
        // Within SWEEP_EVERY saves they are swept.
        for version in 1..=SWEEP_EVERY as u64 {
            let saved = store
                .save(
                    &live,
                    Bytes::from_static(b"{}"),
                    Duration::from_secs(600),
                    Some(version),
                )
                .await
                .unwrap();
            assert_eq!(saved, SessionSave::Saved(version + 1));
        }
        assert_eq!(held(&store), 1);
        assert_eq!(
            store.load(&live).await.unwrap().map(|s| s.state),
            Some(Bytes::from_static(b"{}"))
        );
    }

    #[tokio::test]
    async fn the_sweep_interval_grows_with_the_live_sessions() {
        let clock = ManualClock::new(Timestamp::from_unix_seconds(1_000_000));
        let store = MemorySessionStore::new(Arc::new(clock.clone()));
        for i in 0..200 {
            let call = CallId::new(format!("CA-{i}"));
            let _ = store
                .save(
                    &call,
                    Bytes::from_static(b"{}"),
                    Duration::from_secs(600),
                    None,
                )
                .await
                .unwrap();
        }
        assert_eq!(store.sweep(), 0);
        assert_eq!(store.lock().sweep_after, 200);
    }

    #[tokio::test]
    async fn debug_shows_no_state() {
        let store = MemorySessionStore::default();
        let _ = store
            .save(
                &CallId::new("CA1"),
                Bytes::from_static(br#"{"c":{"f":"+14155550123"}}"#),
                Duration::from_secs(60),
                None,
            )
            .await
            .unwrap();
        let shown = format!("{store:?}");
        assert!(!shown.contains("5550123"), "{shown}");
        assert!(shown.contains("held: 1"), "{shown}");
    }
}
