//! Synthesized audio in memory: bounded by bytes, least recently used evicted.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::clock::{Clock, TokioClock};
use crate::domain::{AudioId, Timestamp};
use crate::error::{SpeechError, StoreError};
use crate::provider::{Audio, AudioFormat, AudioStream};
use crate::store::AudioStore;

/// Default capacity of a [`MemoryAudioStore`]: 64 MiB.
pub const DEFAULT_AUDIO_CAPACITY: usize = 64 * 1024 * 1024;

/// An [`AudioStore`] in process memory.
///
/// - Holds at most `capacity` bytes of audio: storing more evicts the least
///   recently stored or fetched audio first. Audio larger than the whole
///   capacity is refused with `InvalidRequest`.
/// - Each entry expires after its time-to-live, by the injected [`Clock`].
/// - Ids are [`AudioId::random`]: 128 random bits.
/// - [`put_stream`](AudioStore::put_stream) returns the id at once and a task
///   collects the chunks; [`get_stream`](AudioStore::get_stream) readers get the
///   chunks so far and then each one as it arrives, `get` waits for the whole
///   audio. Complete, the audio counts against the capacity like any other
///   (evicting older audio); while it arrives it counts against a limit of one
///   whole capacity of its own, beyond which synthesis is abandoned. Removing,
///   evicting or expiring an entry still arriving stops its synthesis, and a
///   synthesis that fails forgets the id; live readers get an error either way.
#[derive(Debug, Clone)]
pub struct MemoryAudioStore {
    clock: Arc<dyn Clock>,
    capacity: usize,
    inner: Arc<Mutex<Lru>>,
}

#[derive(Debug, Default)]
struct Lru {
    entries: HashMap<AudioId, Entry>,
    /// Use tick -> id, oldest first.
    order: BTreeMap<u64, AudioId>,
    tick: u64,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    /// Empty while the audio is still arriving (`live` is then set).
    audio: Audio,
    expires: Timestamp,
    used: u64,
    live: Option<Arc<Live>>,
}

/// Audio still arriving: the chunks so far and the readers following it.
#[derive(Debug)]
struct Live {
    format: AudioFormat,
    state: Mutex<LiveState>,
}

#[derive(Debug, Default)]
struct LiveState {
    chunks: Vec<Bytes>,
    bytes: usize,
    readers: Vec<mpsc::UnboundedSender<Result<Bytes, SpeechError>>>,
    /// Set once: complete (`Ok`) or failed/abandoned (`Err`).
    done: Option<Result<(), SpeechError>>,
}

impl Live {
    fn lock(&self) -> std::sync::MutexGuard<'_, LiveState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A reader: every chunk so far, then the rest as it arrives.
    fn reader(&self) -> AudioStream {
        let (tx, stream) = AudioStream::unbounded(self.format);
        let mut state = self.lock();
        for chunk in &state.chunks {
            let _ = tx.send(Ok(chunk.clone()));
        }
        match &state.done {
            None => state.readers.push(tx),
            Some(Ok(())) => {}
            Some(Err(e)) => {
                let _ = tx.send(Err(e.clone()));
            }
        }
        stream
    }

    /// Ends the stream for every reader (an error first on failure); false if it
    /// had already ended.
    fn end(&self, result: Result<(), SpeechError>) -> bool {
        let mut state = self.lock();
        if state.done.is_some() {
            return false;
        }
        if let Err(e) = &result {
            for tx in &state.readers {
                let _ = tx.send(Err(e.clone()));
            }
            state.chunks.clear();
        }
        state.readers.clear();
        state.done = Some(result);
        true
    }
}

fn abandoned(message: &str) -> SpeechError {
    SpeechError::Unavailable {
        provider: "memory",
        message: message.to_string(),
    }
}

impl Lru {
    fn remove(&mut self, id: &AudioId) -> bool {
        match self.entries.remove(id) {
            Some(e) => {
                self.order.remove(&e.used);
                self.bytes -= e.audio.bytes.len();
                if let Some(live) = e.live {
                    // Stops the synthesis task at its next chunk.
                    live.end(Err(abandoned("the audio was removed while it arrived")));
                }
                true
            }
            None => false,
        }
    }

    fn touch(&mut self, id: &AudioId) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(e) = self.entries.get_mut(id) {
            self.order.remove(&e.used);
            e.used = tick;
            self.order.insert(tick, id.clone());
        }
    }

    fn evict_oldest(&mut self) -> bool {
        match self.order.first_key_value().map(|(_, id)| id.clone()) {
            Some(id) => self.remove(&id),
            None => false,
        }
    }

    fn drop_expired(&mut self, now: Timestamp) {
        let expired: Vec<AudioId> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expires <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.remove(&id);
        }
    }
}

impl MemoryAudioStore {
    /// A store holding at most `capacity` bytes, using `clock` for expiry.
    pub fn new(capacity: usize, clock: Arc<dyn Clock>) -> Self {
        MemoryAudioStore {
            clock,
            capacity,
            inner: Arc::default(),
        }
    }

    /// Bytes of audio currently held.
    pub fn bytes_held(&self) -> usize {
        self.lock().bytes
    }

    /// The byte capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes room for `size` more bytes (after dropping expired audio).
    fn insert(&self, lru: &mut Lru, id: AudioId, audio: Audio, expires: Timestamp) {
        while lru.bytes + audio.bytes.len() > self.capacity && lru.evict_oldest() {}
        lru.tick += 1;
        let used = lru.tick;
        lru.order.insert(used, id.clone());
        lru.bytes += audio.bytes.len();
        lru.entries.insert(
            id,
            Entry {
                audio,
                expires,
                used,
                live: None,
            },
        );
    }

    /// Collects a live entry's chunks, then stores the whole audio under its id.
    async fn pump(self, id: AudioId, live: Arc<Live>, mut stream: AudioStream, ttl: Duration) {
        let outcome = tokio::time::timeout(ttl, async {
            while let Some(chunk) = stream.next_chunk().await {
                let chunk = chunk?;
                if chunk.is_empty() {
                    continue;
                }
                let mut state = live.lock();
                if state.done.is_some() {
                    // Removed, evicted or expired: stop the synthesis.
                    return Ok(false);
                }
                state.bytes += chunk.len();
                if state.bytes > self.capacity {
                    return Err(abandoned("the audio outgrew the store's capacity"));
                }
                state.chunks.push(chunk.clone());
                state
                    .readers
                    .retain(|tx| tx.send(Ok(chunk.clone())).is_ok());
            }
            Ok(true)
        })
        .await
        .unwrap_or_else(|_| Err(abandoned("the audio was still arriving when it expired")));
        drop(stream);

        let mut lru = self.lock();
        let ours = lru
            .entries
            .get(&id)
            .and_then(|e| e.live.as_ref())
            .is_some_and(|l| Arc::ptr_eq(l, &live));
        match outcome {
            Ok(true) if ours => {
                let bytes = {
                    let state = live.lock();
                    let mut buf = Vec::with_capacity(state.bytes);
                    for c in &state.chunks {
                        buf.extend_from_slice(c);
                    }
                    Bytes::from(buf)
                };
                let audio = Audio {
                    bytes,
                    format: live.format,
                };
                // Readers have every chunk already; end their streams.
                live.end(Ok(()));
                let expires = lru.entries.get(&id).map(|e| e.expires);
                if let Some(expires) = expires {
                    let order = lru.entries.get(&id).map(|e| e.used);
                    if let Some(used) = order {
                        lru.order.remove(&used);
                    }
                    lru.entries.remove(&id);
                    self.insert(&mut lru, id, audio, expires);
                }
            }
            Ok(_) => {}
            Err(e) => {
                // Nobody else sees this failure: the turn played the id already.
                tracing::warn!(
                    provider = %e.provider(),
                    kind = %e.kind().as_str(),
                    "streamed audio could not be completed; the carrier's fetch of it ends with an error"
                );
                live.end(Err(e));
                if ours {
                    lru.remove(&id);
                }
            }
        }
    }
}

impl Default for MemoryAudioStore {
    /// [`DEFAULT_AUDIO_CAPACITY`] bytes on the tokio clock.
    fn default() -> Self {
        MemoryAudioStore::new(DEFAULT_AUDIO_CAPACITY, Arc::new(TokioClock::new()))
    }
}

#[async_trait]
impl AudioStore for MemoryAudioStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn put(&self, audio: Audio, ttl: Duration) -> Result<AudioId, StoreError> {
        let size = audio.bytes.len();
        if size > self.capacity {
            return Err(StoreError::InvalidRequest {
                provider: "memory",
                message: format!(
                    "audio of {size} bytes exceeds the store's capacity of {} bytes",
                    self.capacity
                ),
            });
        }
        let now = self.clock.now();
        let mut lru = self.lock();
        lru.drop_expired(now);
        let id = AudioId::random();
        self.insert(&mut lru, id.clone(), audio, now.plus(ttl));
        Ok(id)
    }

    async fn get(&self, id: &AudioId) -> Result<Option<Audio>, StoreError> {
        match self.held(id) {
            None => Ok(None),
            Some(Held::Done(audio)) => Ok(Some(audio)),
            // Still arriving: wait for the whole audio (gone if synthesis fails).
            Some(Held::Live(live)) => Ok(live.reader().collect().await.ok()),
        }
    }

    async fn remove(&self, ids: &[AudioId]) -> Result<usize, StoreError> {
        let mut lru = self.lock();
        Ok(ids.iter().filter(|id| lru.remove(id)).count())
    }

    async fn put_stream(&self, stream: AudioStream, ttl: Duration) -> Result<AudioId, StoreError> {
        let now = self.clock.now();
        let id = AudioId::random();
        let live = Arc::new(Live {
            format: stream.format(),
            state: Mutex::default(),
        });
        {
            let mut lru = self.lock();
            lru.drop_expired(now);
            lru.tick += 1;
            let used = lru.tick;
            lru.order.insert(used, id.clone());
            lru.entries.insert(
                id.clone(),
                Entry {
                    audio: Audio {
                        bytes: Bytes::new(),
                        format: stream.format(),
                    },
                    expires: now.plus(ttl),
                    used,
                    live: Some(Arc::clone(&live)),
                },
            );
        }
        // The collecting task outlives the turn: its span only follows from the
        // caller's (a child would keep the turn's span open while audio arrives).
        let span = tracing::info_span!(parent: None, "audio_stream", provider = "memory");
        span.follows_from(tracing::Span::current());
        tokio::spawn(
            self.clone()
                .pump(id.clone(), live, stream, ttl)
                .instrument(span),
        );
        Ok(id)
    }

    async fn get_stream(&self, id: &AudioId) -> Result<Option<AudioStream>, StoreError> {
        Ok(self.held(id).map(|held| match held {
            Held::Done(audio) => AudioStream::from_audio(audio),
            Held::Live(live) => live.reader(),
        }))
    }
}

enum Held {
    Done(Audio),
    Live(Arc<Live>),
}

impl MemoryAudioStore {
    /// The entry under `id` unless expired (then dropped), marked as used.
    fn held(&self, id: &AudioId) -> Option<Held> {
        let now = self.clock.now();
        let mut lru = self.lock();
        let expired = lru.entries.get(id)?.expires <= now;
        if expired {
            lru.remove(id);
            return None;
        }
        lru.touch(id);
        let e = lru.entries.get(id)?;
        Some(match &e.live {
            Some(live) => Held::Live(Arc::clone(live)),
            None => Held::Done(e.audio.clone()),
        })
    }
}

#[cfg(test)]
mod tests;
