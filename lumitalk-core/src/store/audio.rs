//! Synthesized audio waiting to be fetched by the carrier.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::AudioId;
use crate::error::StoreError;
use crate::provider::Audio;

/// Holds synthesized audio under unguessable ids until the carrier fetches it.
///
/// # Contract
/// - `put` returns a fresh [`AudioId::random`] id; `get` returns the audio until
///   its time-to-live passes or it is removed.
/// - `remove` forgets the given ids (unknown ids are ignored) and returns how many
///   were removed; privacy deletions use it for audio holding personal data.
///
/// # Errors
/// [`StoreError`]; the assistant then speaks with the carrier's voice instead.
#[async_trait]
pub trait AudioStore: Send + Sync + std::fmt::Debug + 'static {
    /// Short name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Stores audio for `ttl` and returns its id.
    async fn put(&self, audio: Audio, ttl: Duration) -> Result<AudioId, StoreError>;
    /// The audio, if still held.
    async fn get(&self, id: &AudioId) -> Result<Option<Audio>, StoreError>;
    /// Forgets audio.
    async fn remove(&self, ids: &[AudioId]) -> Result<usize, StoreError>;
}

#[async_trait]
impl<T: AudioStore + ?Sized> AudioStore for Arc<T> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    async fn put(&self, audio: Audio, ttl: Duration) -> Result<AudioId, StoreError> {
        (**self).put(audio, ttl).await
    }
    async fn get(&self, id: &AudioId) -> Result<Option<Audio>, StoreError> {
        (**self).get(id).await
    }
    async fn remove(&self, ids: &[AudioId]) -> Result<usize, StoreError> {
        (**self).remove(ids).await
    }
}
