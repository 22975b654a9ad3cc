//! Conversation state between webhooks, versioned so that two turns of one
//! call (a duplicated webhook, two server instances) never overwrite each other.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::domain::CallId;
use crate::error::StoreError;

/// A call's saved state and the version a later save must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// What the last save stored.
    pub state: Bytes,
    /// Its version: 1 for a call's first save, one more with every save.
    pub version: u64,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum SessionSave {
    /// Stored, as this version.
    Saved(u64),
    /// Not stored: the call's state is not at the version the save expected
    /// (another turn saved first, or it expired). Load it again.
    Conflict,
}

/// Holds each live call's serialized conversation state between webhooks.
///
/// # Contract
/// - `load` returns what the last successful `save` stored for the call, with
///   its version, or `None` if nothing was saved, it was removed, or its
///   time-to-live passed.
/// - `save(call, state, ttl, expected)` is a compare-and-swap: with
///   `expected: None` it stores only if the call has no live state; with
///   `Some(v)` only if the live state is at version `v`. Otherwise it stores
///   nothing and returns [`SessionSave::Conflict`]. A successful save restarts
///   the time-to-live and returns the new version (the old one plus one; 1 for
///   a new state). Of several saves racing with the same `expected`, exactly
///   one succeeds.
/// - State is opaque bytes so the store can live in Redis or anywhere else.
///
/// # Errors
/// [`StoreError`]; the assistant then continues with a fresh session.
// `len` is async and fallible; an `is_empty` twin would add nothing.
#[allow(clippy::len_without_is_empty)]
#[async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug + 'static {
    /// Short name for logs and metrics.
    fn name(&self) -> &'static str;
    /// The call's state and its version, if any.
    async fn load(&self, call: &CallId) -> Result<Option<StoredSession>, StoreError>;
    /// Stores the call's state for `ttl` if its version is still `expected`.
    async fn save(
        &self,
        call: &CallId,
        state: Bytes,
        ttl: Duration,
        expected: Option<u64>,
    ) -> Result<SessionSave, StoreError>;
    /// Forgets the call's state.
    async fn remove(&self, call: &CallId) -> Result<(), StoreError>;
    /// Number of live sessions (for metrics).
    async fn len(&self) -> Result<usize, StoreError>;
    /// Drops sessions whose time-to-live passed and returns how many; run now
    /// and then by the server's background jobs. The default does nothing, for
    /// stores that expire entries themselves (Redis keys with a TTL).
    async fn sweep_expired(&self) -> Result<usize, StoreError> {
        Ok(0)
    }
}

crate::forward::forward_to_inner!(SessionStore for [Arc, Box] {
    fn name(&self) -> &'static str;
    async fn load(&self, call: &CallId) -> Result<Option<StoredSession>, StoreError>;
    async fn save(
        &self,
        call: &CallId,
        state: Bytes,
        ttl: Duration,
        expected: Option<u64>,
    ) -> Result<SessionSave, StoreError>;
    async fn remove(&self, call: &CallId) -> Result<(), StoreError>;
    async fn len(&self) -> Result<usize, StoreError>;
    async fn sweep_expired(&self) -> Result<usize, StoreError>;
});
