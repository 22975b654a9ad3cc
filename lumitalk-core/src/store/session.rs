//! Conversation state between webhooks.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::domain::CallId;
use crate::error::StoreError;

/// Holds each live call's serialized conversation state between webhooks.
///
/// # Contract
/// - `load` returns what the last `save` stored for the call, or `None` if nothing
///   was saved, it was removed, or its time-to-live passed.
/// - `save` replaces the previous state and restarts the time-to-live.
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
    /// The call's state, if any.
    async fn load(&self, call: &CallId) -> Result<Option<Bytes>, StoreError>;
    /// Stores the call's state for `ttl`.
    async fn save(&self, call: &CallId, state: Bytes, ttl: Duration) -> Result<(), StoreError>;
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
    async fn load(&self, call: &CallId) -> Result<Option<Bytes>, StoreError>;
    async fn save(&self, call: &CallId, state: Bytes, ttl: Duration) -> Result<(), StoreError>;
    async fn remove(&self, call: &CallId) -> Result<(), StoreError>;
    async fn len(&self) -> Result<usize, StoreError>;
    async fn sweep_expired(&self) -> Result<usize, StoreError>;
});
