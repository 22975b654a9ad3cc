//! Synthesized audio in memory: bounded by bytes, least recently used evicted.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::{Clock, TokioClock};
use crate::domain::{AudioId, Timestamp};
use crate::error::StoreError;
use crate::provider::Audio;
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
    audio: Audio,
    expires: Timestamp,
    used: u64,
}

impl Lru {
    fn remove(&mut self, id: &AudioId) -> bool {
        match self.entries.remove(id) {
            Some(e) => {
                self.order.remove(&e.used);
                self.bytes -= e.audio.bytes.len();
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
        while lru.bytes + size > self.capacity && lru.evict_oldest() {}
        let id = AudioId::random();
        lru.tick += 1;
        let used = lru.tick;
        lru.order.insert(used, id.clone());
        lru.bytes += size;
        lru.entries.insert(
            id.clone(),
            Entry {
                audio,
                expires: now.plus(ttl),
                used,
            },
        );
        Ok(id)
    }

    async fn get(&self, id: &AudioId) -> Result<Option<Audio>, StoreError> {
        let now = self.clock.now();
        let mut lru = self.lock();
        let expired = match lru.entries.get(id) {
            None => return Ok(None),
            Some(e) => e.expires <= now,
        };
        if expired {
            lru.remove(id);
            return Ok(None);
        }
        lru.touch(id);
        Ok(lru.entries.get(id).map(|e| e.audio.clone()))
    }

    async fn remove(&self, ids: &[AudioId]) -> Result<usize, StoreError> {
        let mut lru = self.lock();
        Ok(ids.iter().filter(|id| lru.remove(id)).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::provider::AudioFormat;
    use bytes::Bytes;
    use proptest::prelude::*;

    fn audio(n: usize) -> Audio {
        Audio {
            bytes: Bytes::from(vec![0x55; n]),
            format: AudioFormat::Ulaw8000,
        }
    }

    fn store(capacity: usize) -> (ManualClock, MemoryAudioStore) {
        let clock = ManualClock::new(Timestamp::from_civil(2026, 11, 20, 12, 0, 0));
        (
            clock.clone(),
            MemoryAudioStore::new(capacity, Arc::new(clock)),
        )
    }

    const TTL: Duration = Duration::from_secs(600);

    #[tokio::test]
    async fn evicts_least_recently_used() {
        let (_, s) = store(300);
        let a = s.put(audio(100), TTL).await.unwrap();
        let b = s.put(audio(100), TTL).await.unwrap();
        let c = s.put(audio(100), TTL).await.unwrap();
        assert!(s.get(&a).await.unwrap().is_some()); // a is now the most recent
        let d = s.put(audio(100), TTL).await.unwrap();
        assert!(
            s.get(&b).await.unwrap().is_none(),
            "b was least recently used"
        );
        for id in [&a, &c, &d] {
            assert!(s.get(id).await.unwrap().is_some());
        }
        assert_eq!(s.bytes_held(), 300);
        let err = s.put(audio(301), TTL).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidRequest);
    }

    #[tokio::test]
    async fn expires_and_removes() {
        let (clock, s) = store(1000);
        let a = s.put(audio(10), Duration::from_secs(60)).await.unwrap();
        let b = s.put(audio(10), Duration::from_secs(600)).await.unwrap();
        assert!(AudioId::is_well_formed(a.as_str()));
        assert_ne!(a, b);
        clock.advance(Duration::from_secs(60));
        assert!(s.get(&a).await.unwrap().is_none());
        assert_eq!(
            s.remove(&[b.clone(), a, AudioId::random()]).await.unwrap(),
            1
        );
        assert!(s.get(&b).await.unwrap().is_none());
        assert_eq!(s.bytes_held(), 0);
    }

    proptest! {
        #[test]
        fn byte_bound_is_never_exceeded(
            capacity in 1usize..2000,
            ops in proptest::collection::vec((0usize..700, 0u8..4, 1u64..120), 1..60),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let (clock, s) = store(capacity);
                let mut ids: Vec<AudioId> = Vec::new();
                for (size, op, secs) in ops {
                    match op {
                        0 | 1 => {
                            if let Ok(id) = s.put(audio(size), Duration::from_secs(secs)).await {
                                ids.push(id);
                            } else {
                                assert!(size > capacity);
                            }
                        }
                        2 => {
                            if let Some(id) = ids.get(size % ids.len().max(1)) {
                                let _ = s.get(id).await.unwrap();
                            }
                        }
                        _ => clock.advance(Duration::from_secs(secs / 4)),
                    }
                    assert!(s.bytes_held() <= capacity, "{} > {capacity}", s.bytes_held());
                    let lru = s.lock();
                    let sum: usize = lru.entries.values().map(|e| e.audio.bytes.len()).sum();
                    assert_eq!(sum, lru.bytes);
                    assert_eq!(lru.entries.len(), lru.order.len());
                }
            });
        }
    }
}
