//! Synthesized audio waiting to be fetched by the carrier.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::AudioId;
use crate::error::StoreError;
use crate::provider::{Audio, AudioStream};

/// Holds synthesized audio under unguessable ids until the carrier fetches it.
///
/// # Contract
/// - `put` returns a fresh [`AudioId::random`] id; `get` returns the audio until
///   its time-to-live passes or it is removed.
/// - `remove` forgets the given ids (unknown ids are ignored) and returns how many
///   were removed; privacy deletions use it for audio holding personal data.
/// - `put_stream` stores audio that is still being synthesized. A store that can
///   serve it while it arrives returns the id at once and lets `get_stream`
///   readers follow the chunks live; once complete, the audio is held like a
///   `put` for `ttl`. If synthesis fails, the id is forgotten and live readers get
///   the error. The default implementations wait for the whole audio and `put` it,
///   and serve `get` as one chunk: correct, but without the head start.
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

    /// Stores audio still arriving from `stream` for `ttl` (counted from now) and
    /// returns its id. The default waits for the whole stream, then calls
    /// [`put`](Self::put).
    ///
    /// # Errors
    /// As `put`; a synthesis failure while waiting maps to the same error kind.
    async fn put_stream(&self, stream: AudioStream, ttl: Duration) -> Result<AudioId, StoreError> {
        let audio = stream
            .collect()
            .await
            .map_err(|e| StoreError::from_kind(e.kind(), self.name(), e.to_string()))?;
        self.put(audio, ttl).await
    }

    /// The audio as chunks, following a synthesis still in progress. The default
    /// yields [`get`](Self::get)'s audio as one chunk.
    async fn get_stream(&self, id: &AudioId) -> Result<Option<AudioStream>, StoreError> {
        Ok(self.get(id).await?.map(AudioStream::from_audio))
    }
}

crate::forward::forward_to_inner!(AudioStore for [Arc, Box] {
    fn name(&self) -> &'static str;
    async fn put(&self, audio: Audio, ttl: Duration) -> Result<AudioId, StoreError>;
    async fn get(&self, id: &AudioId) -> Result<Option<Audio>, StoreError>;
    async fn remove(&self, ids: &[AudioId]) -> Result<usize, StoreError>;
    async fn put_stream(&self, stream: AudioStream, ttl: Duration) -> Result<AudioId, StoreError>;
    async fn get_stream(&self, id: &AudioId) -> Result<Option<AudioStream>, StoreError>;
});
