//! Conversation state in memory, with expiry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::clock::{Clock, TokioClock};
use crate::domain::{CallId, Timestamp};
use crate::error::StoreError;
use crate::store::SessionStore;

/// A [`SessionStore`] in process memory: right for one server process and for
/// tests. Expiry uses the injected [`Clock`]; expired sessions are dropped when
/// touched and by [`MemorySessionStore::sweep`] (which `save` also runs).
#[derive(Debug, Clone)]
pub struct MemorySessionStore {
    clock: Arc<dyn Clock>,
    sessions: Arc<Mutex<HashMap<CallId, (Bytes, Timestamp)>>>,
}

impl MemorySessionStore {
    /// An empty store using `clock` for expiry.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        MemorySessionStore {
            clock,
            sessions: Arc::default(),
        }
    }

    /// Drops expired sessions; returns how many were dropped.
    pub fn sweep(&self) -> usize {
        let now = self.clock.now();
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let before = map.len();
        map.retain(|_, (_, expires)| *expires > now);
        before - map.len()
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

    async fn load(&self, call: &CallId) -> Result<Option<Bytes>, StoreError> {
        let now = self.clock.now();
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(call) {
            Some((state, expires)) if *expires > now => Ok(Some(state.clone())),
            Some(_) => {
                map.remove(call);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn save(&self, call: &CallId, state: Bytes, ttl: Duration) -> Result<(), StoreError> {
        self.sweep();
        let expires = self.clock.now().plus(ttl);
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(call.clone(), (state, expires));
        Ok(())
    }

    async fn remove(&self, call: &CallId) -> Result<(), StoreError> {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(call);
        Ok(())
    }

    async fn len(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(map.values().filter(|(_, expires)| *expires > now).count())
    }
}
