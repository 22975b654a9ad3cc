//! Tests of the in-memory audio store: LRU by bytes, expiry, live entries.

use super::*;
use crate::clock::ManualClock;
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

fn live(
    capacity: usize,
) -> (
    MemoryAudioStore,
    mpsc::Sender<Result<Bytes, SpeechError>>,
    AudioStream,
) {
    let (_, s) = store(capacity);
    let (tx, stream) = AudioStream::channel(AudioFormat::Mp3_22050_32, 8);
    (s, tx, stream)
}

async fn send(tx: &mpsc::Sender<Result<Bytes, SpeechError>>, b: &'static [u8]) {
    tx.send(Ok(Bytes::from_static(b))).await.unwrap();
}

#[tokio::test]
async fn live_audio_is_served_while_it_arrives_then_held() {
    let (s, tx, stream) = live(1000);
    send(&tx, b"ab").await;
    let id = s.put_stream(stream, TTL).await.unwrap();
    let mut early = s.get_stream(&id).await.unwrap().unwrap();
    assert_eq!(early.format(), AudioFormat::Mp3_22050_32);
    assert_eq!(&early.next_chunk().await.unwrap().unwrap()[..], b"ab");
    send(&tx, b"cd").await;
    assert_eq!(&early.next_chunk().await.unwrap().unwrap()[..], b"cd");
    // A later reader gets everything so far, then follows.
    let late = s.get_stream(&id).await.unwrap().unwrap();
    let whole = tokio::spawn({
        let s = s.clone();
        let id = id.clone();
        async move { s.get(&id).await.unwrap().unwrap() }
    });
    send(&tx, b"ef").await;
    drop(tx);
    assert_eq!(&early.collect().await.unwrap().bytes[..], b"ef");
    assert_eq!(&late.collect().await.unwrap().bytes[..], b"abcdef");
    assert_eq!(
        &whole.await.unwrap().bytes[..],
        b"abcdef",
        "get waits for the end"
    );
    // Complete: counted like a put, served whole.
    assert_eq!(s.bytes_held(), 6);
    let again = s
        .get_stream(&id)
        .await
        .unwrap()
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(&again.bytes[..], b"abcdef");
}

#[tokio::test]
async fn failed_or_removed_live_audio_is_forgotten_and_readers_hear_of_it() {
    let (s, tx, stream) = live(1000);
    send(&tx, b"ab").await;
    let id = s.put_stream(stream, TTL).await.unwrap();
    let reader = s.get_stream(&id).await.unwrap().unwrap();
    tx.send(Err(SpeechError::Timeout {
        provider: "x",
        after: Duration::from_secs(1),
    }))
    .await
    .unwrap();
    let e = reader.collect().await.unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::Timeout);
    // The pump forgets the id right after telling readers.
    for _ in 0..100 {
        if s.get_stream(&id).await.unwrap().is_none() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(s.get(&id).await.unwrap().is_none());

    // Removed while arriving (a privacy deletion): readers get an error and
    // the synthesis is dropped (its sender sees the stream closed).
    let (s, tx, stream) = live(1000);
    send(&tx, b"ab").await;
    let id = s.put_stream(stream, TTL).await.unwrap();
    let reader = s.get_stream(&id).await.unwrap().unwrap();
    assert_eq!(s.remove(std::slice::from_ref(&id)).await.unwrap(), 1);
    assert!(reader.collect().await.is_err());
    send(&tx, b"cd").await;
    tx.closed().await;
    assert!(s.get(&id).await.unwrap().is_none());
    assert_eq!(s.bytes_held(), 0);
}

#[tokio::test]
async fn completed_live_audio_evicts_older_audio_and_oversized_is_abandoned() {
    let (s, tx, stream) = live(10);
    let old = s.put(audio(6), TTL).await.unwrap();
    let id = s.put_stream(stream, TTL).await.unwrap();
    send(&tx, b"123456").await;
    drop(tx);
    let got = s.get(&id).await.unwrap().unwrap();
    assert_eq!(got.bytes.len(), 6);
    assert!(s.get(&old).await.unwrap().is_none(), "evicted to make room");
    assert_eq!(s.bytes_held(), 6);

    let (s, tx, stream) = live(4);
    let id = s.put_stream(stream, TTL).await.unwrap();
    send(&tx, b"123").await;
    send(&tx, b"45").await;
    tx.closed().await;
    assert!(s.get(&id).await.unwrap().is_none());
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
