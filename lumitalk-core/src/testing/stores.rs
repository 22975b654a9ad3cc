//! The [`AudioStore`] contract.

use std::time::Duration;

use bytes::Bytes;

use crate::clock::ManualClock;
use crate::domain::AudioId;
use crate::provider::{Audio, AudioFormat};
use crate::store::AudioStore;

/// Checks an [`AudioStore`]: `put` returns fresh well-formed ids, `get` returns
/// the audio in its format, `remove` forgets and counts; with `clock` (the
/// store's [`ManualClock`]), that audio expires at its time-to-live.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn audio_store_conformance(store: &dyn AudioStore, clock: Option<&ManualClock>) {
    audio_round_trips(store).await;
    if let Some(clock) = clock {
        audio_expires_at_its_ttl(store, clock).await;
    }
}

fn sample_audio() -> Audio {
    Audio {
        bytes: Bytes::from_static(b"\xff\xf3\x44\xc4audio"),
        format: AudioFormat::Mp3_22050_32,
    }
}

/// `put` returns fresh well-formed ids, `get` returns the audio in its format,
/// `remove` forgets the given ids only and counts them.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn audio_round_trips(store: &dyn AudioStore) {
    let name = store.name();
    let ok = |what: &str, e: crate::StoreError| -> ! { panic!("[{name}] {what} failed: {e}") };
    let ttl = Duration::from_secs(600);
    let audio = sample_audio();
    let other = Audio {
        bytes: Bytes::from_static(&[0x7f; 160]),
        format: AudioFormat::Ulaw8000,
    };

    let a = store
        .put(audio.clone(), ttl)
        .await
        .unwrap_or_else(|e| ok("put", e));
    let b = store
        .put(other.clone(), ttl)
        .await
        .unwrap_or_else(|e| ok("put", e));
    assert!(
        AudioId::is_well_formed(a.as_str()),
        "[{name}] ids must come from AudioId::random"
    );
    assert_ne!(a, b, "[{name}] every put gets a fresh id");
    assert_eq!(
        store.get(&a).await.unwrap_or_else(|e| ok("get", e)),
        Some(audio.clone()),
        "[{name}] get returns the audio"
    );
    assert_eq!(
        store.get(&b).await.unwrap_or_else(|e| ok("get", e)),
        Some(other),
        "[{name}] get returns the audio and its format"
    );
    assert_eq!(
        store
            .get(&AudioId::random())
            .await
            .unwrap_or_else(|e| ok("get", e)),
        None,
        "[{name}] unknown id"
    );
    let removed = store
        .remove(&[a.clone(), AudioId::random()])
        .await
        .unwrap_or_else(|e| ok("remove", e));
    assert_eq!(removed, 1, "[{name}] remove counts what it removed");
    assert_eq!(
        store.get(&a).await.unwrap_or_else(|e| ok("get", e)),
        None,
        "[{name}] removed audio is gone"
    );
    assert!(
        store
            .get(&b)
            .await
            .unwrap_or_else(|e| ok("get", e))
            .is_some(),
        "[{name}] remove touches the given ids only"
    );
    assert_eq!(
        store.remove(&[a]).await.unwrap_or_else(|e| ok("remove", e)),
        0,
        "[{name}] removing twice removes nothing"
    );
}

/// Audio lives until its time-to-live passes on `clock` (the store's
/// [`ManualClock`]).
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn audio_expires_at_its_ttl(store: &dyn AudioStore, clock: &ManualClock) {
    let name = store.name();
    let ok = |what: &str, e: crate::StoreError| -> ! { panic!("[{name}] {what} failed: {e}") };
    {
        let id = store
            .put(sample_audio(), Duration::from_secs(30))
            .await
            .unwrap_or_else(|e| ok("put", e));
        clock.advance(Duration::from_secs(29));
        assert!(
            store
                .get(&id)
                .await
                .unwrap_or_else(|e| ok("get", e))
                .is_some(),
            "[{name}] alive before its TTL"
        );
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            store.get(&id).await.unwrap_or_else(|e| ok("get", e)),
            None,
            "[{name}] gone once its TTL passed"
        );
    }
}
