//! A map bounded by the total size of its audio, evicting the least recently used.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use crate::provider::Audio;

/// Audio by key, at most `max_bytes` of it in total.
#[derive(Debug)]
pub(crate) struct ByteLru<K> {
    entries: HashMap<K, (Audio, u64)>,
    /// Last-use tick to key; the first entry is the least recently used.
    order: BTreeMap<u64, K>,
    tick: u64,
    bytes: usize,
    max_bytes: usize,
}

impl<K: Hash + Eq + Clone> ByteLru<K> {
    pub(crate) fn new(max_bytes: usize) -> Self {
        ByteLru {
            entries: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            bytes: 0,
            max_bytes,
        }
    }

    /// The audio for `key`, marking it most recently used.
    pub(crate) fn get(&mut self, key: &K) -> Option<Audio> {
        self.tick += 1;
        let tick = self.tick;
        let (audio, used) = self.entries.get_mut(key)?;
        if let Some(k) = self.order.remove(used) {
            self.order.insert(tick, k);
        }
        *used = tick;
        Some(audio.clone())
    }

    /// Stores `audio` and returns how many entries were evicted to make room. Audio
    /// larger than the whole cache is not stored.
    pub(crate) fn insert(&mut self, key: K, audio: Audio) -> u64 {
        let size = audio.bytes.len();
        if size > self.max_bytes {
            return 0;
        }
        self.remove(&key);
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.entries.insert(key, (audio, self.tick));
        self.bytes += size;
        let mut evicted = 0;
        while self.bytes > self.max_bytes {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some((audio, _)) = self.entries.remove(&oldest) {
                self.bytes -= audio.bytes.len();
                evicted += 1;
            }
        }
        evicted
    }

    fn remove(&mut self, key: &K) {
        if let Some((audio, used)) = self.entries.remove(key) {
            self.order.remove(&used);
            self.bytes -= audio.bytes.len();
        }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

#[cfg(test)]
mod tests {
    use crate::provider::AudioFormat;
    use bytes::Bytes;

    use super::*;

    fn audio(n: usize) -> Audio {
        Audio {
            bytes: Bytes::from(vec![0u8; n]),
            format: AudioFormat::Ulaw8000,
        }
    }

    #[test]
    fn evicts_least_recently_used_until_under_budget() {
        let mut lru = ByteLru::new(10);
        assert_eq!(lru.insert("a", audio(4)), 0);
        assert_eq!(lru.insert("b", audio(4)), 0);
        assert!(lru.get(&"a").is_some()); // b is now the oldest
        assert_eq!(lru.insert("c", audio(4)), 1);
        assert!(lru.get(&"b").is_none());
        assert!(lru.get(&"a").is_some() && lru.get(&"c").is_some());
        assert_eq!(lru.bytes(), 8);
        assert_eq!(lru.insert("d", audio(10)), 2);
        assert_eq!((lru.len(), lru.bytes()), (1, 10));
    }

    #[test]
    fn oversized_audio_is_not_stored_and_replacing_keeps_the_count() {
        let mut lru = ByteLru::new(10);
        lru.insert("a", audio(3));
        assert_eq!(lru.insert("big", audio(11)), 0);
        assert_eq!(lru.len(), 1);
        lru.insert("a", audio(5));
        assert_eq!((lru.len(), lru.bytes()), (1, 5));
        lru.clear();
        assert_eq!((lru.len(), lru.bytes()), (0, 0));
    }
}
