//! Tests of the voice: streaming personal speech, fallbacks, pre-warming.

use super::*;
use crate::ErrorKind;
use crate::memory::MemoryAudioStore;
use crate::provider::{Audio, AudioStream};
use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::mpsc;
use tokio::time::Instant;

type Tx = mpsc::Sender<Result<Bytes, SpeechError>>;

/// Streams: sends `first` at once (if any) and hands the sender to the test.
#[derive(Debug)]
struct Streaming {
    first: Option<&'static [u8]>,
    fail_start: bool,
    senders: Mutex<Vec<Tx>>,
    whole_calls: AtomicUsize,
}

impl Streaming {
    fn new(first: Option<&'static [u8]>) -> Arc<Self> {
        Arc::new(Streaming {
            first,
            fail_start: false,
            senders: Mutex::new(Vec::new()),
            whole_calls: AtomicUsize::new(0),
        })
    }
    fn sender(&self) -> Tx {
        self.senders
            .lock()
            .unwrap()
            .pop()
            .expect("a stream was started")
    }
}

#[async_trait]
impl Speech for Streaming {
    fn name(&self) -> &'static str {
        "streaming"
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.whole_calls.fetch_add(1, Ordering::SeqCst);
        Ok(Audio {
            bytes: Bytes::from(r.text.clone()),
            format: r.format,
        })
    }
    async fn synthesize_stream(&self, r: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        if self.fail_start {
            return Err(SpeechError::Unavailable {
                provider: "streaming",
                message: "down".into(),
            });
        }
        let (tx, stream) = AudioStream::channel(r.format, 16);
        if let Some(first) = self.first {
            tx.send(Ok(Bytes::from_static(first))).await.unwrap();
        }
        self.senders.lock().unwrap().push(tx);
        Ok(stream)
    }
}

fn voice_with(speech: Arc<dyn Speech>) -> (Voice, MemoryAudioStore) {
    let store = MemoryAudioStore::default();
    (
        Voice::new(
            Some(speech),
            AudioFormat::Mp3_22050_32,
            Arc::new(store.clone()),
            Arc::new(crate::clock::TokioClock::new()),
        ),
        store,
    )
}

/// A deadline `d` from now on the voice's clock.
fn in_(voice: &Voice, d: Duration) -> Timestamp {
    voice.clock.now().plus(d)
}

fn personal(text: &str) -> Speak {
    Speak {
        text: text.into(),
        cacheability: Cacheability::Personal,
    }
}

fn merchant() -> Merchant {
    Merchant::new("m", "Shop")
}

#[tokio::test]
async fn personal_text_plays_after_the_first_chunk_and_streams_the_rest() {
    let speech = Streaming::new(Some(b"ID3-first|"));
    let (voice, store) = voice_with(speech.clone());
    let deadline = in_(&voice, Duration::from_secs(4));
    let spoken = voice
        .render(
            &personal("Order 1001 shipped."),
            &merchant(),
            deadline,
            false,
        )
        .await;
    // Synthesis is still running (the test holds the sender), yet it plays.
    let Prompt::Play { audio, .. } = &spoken.prompt else {
        panic!("expected Play, got {:?}", spoken.prompt);
    };
    assert!(spoken.failures.is_empty(), "{:?}", spoken.failures);
    assert_eq!(speech.whole_calls.load(Ordering::SeqCst), 0);

    let mut reader = store.get_stream(audio).await.unwrap().expect("live");
    assert_eq!(
        &reader.next_chunk().await.unwrap().unwrap()[..],
        b"ID3-first|"
    );
    let tx = speech.sender();
    tx.send(Ok(Bytes::from_static(b"second|"))).await.unwrap();
    tx.send(Ok(Bytes::from_static(b"third"))).await.unwrap();
    drop(tx);
    let rest = reader.collect().await.unwrap();
    assert_eq!(&rest.bytes[..], b"second|third");
    // Complete: held like any other audio.
    let whole = store.get(audio).await.unwrap().unwrap();
    assert_eq!(&whole.bytes[..], b"ID3-first|second|third");
    assert_eq!(whole.format, AudioFormat::Mp3_22050_32);
}

#[tokio::test(start_paused = true)]
async fn no_first_chunk_before_the_deadline_falls_back_to_say() {
    let speech = Streaming::new(None);
    let (voice, _) = voice_with(speech.clone());
    let deadline = in_(&voice, Duration::from_millis(800));
    let spoken = voice
        .render(
            &personal("Order 1001 shipped."),
            &merchant(),
            deadline,
            false,
        )
        .await;
    assert!(matches!(spoken.prompt, Prompt::Say { .. }));
    assert!(spoken.tried);
    assert_eq!(spoken.failures[0].kind, ErrorKind::Timeout);
}

#[tokio::test]
async fn a_stream_that_fails_to_start_or_ends_empty_falls_back_to_say() {
    let failing = Arc::new(Streaming {
        fail_start: true,
        ..Arc::into_inner(Streaming::new(None)).unwrap()
    });
    let (voice, _) = voice_with(failing);
    let deadline = in_(&voice, Duration::from_secs(4));
    let spoken = voice
        .render(&personal("Order 1001."), &merchant(), deadline, false)
        .await;
    assert!(matches!(spoken.prompt, Prompt::Say { .. }));
    assert_eq!(spoken.failures[0].kind, ErrorKind::Unavailable);

    // Empty: the producer ends without a byte.
    let empty = Streaming::new(None);
    let (voice, _) = voice_with(empty.clone());
    let ends = tokio::spawn({
        let empty = empty.clone();
        async move {
            loop {
                if let Some(tx) = empty.senders.lock().unwrap().pop() {
                    drop(tx);
                    return;
                }
                tokio::task::yield_now().await;
            }
        }
    });
    let spoken = voice
        .render(&personal("Order 1001."), &merchant(), deadline, false)
        .await;
    ends.await.unwrap();
    assert!(matches!(spoken.prompt, Prompt::Say { .. }));
    assert_eq!(spoken.failures[0].kind, ErrorKind::InvalidResponse);
}

#[tokio::test]
async fn shared_text_is_synthesized_whole_and_cached() {
    let speech = Streaming::new(Some(b"never"));
    let (voice, _) = voice_with(speech.clone());
    let deadline = in_(&voice, Duration::from_secs(4));
    let greeting = Speak {
        text: "Thanks for calling.".into(),
        cacheability: Cacheability::Shared,
    };
    for _ in 0..2 {
        let spoken = voice.render(&greeting, &merchant(), deadline, false).await;
        assert!(matches!(spoken.prompt, Prompt::Play { .. }));
    }
    assert_eq!(speech.whole_calls.load(Ordering::SeqCst), 1);
}

/// Counts how many syntheses run at once; each takes a second of (paused) time,
/// or forever when `hang` is set.
#[derive(Debug, Default)]
struct Slow {
    now: AtomicUsize,
    max: AtomicUsize,
    hang: AtomicBool,
}

#[async_trait]
impl Speech for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        Ok(Audio {
            bytes: Bytes::from(r.text.clone()),
            format: r.format,
        })
    }
}

#[tokio::test(start_paused = true)]
async fn prewarm_runs_a_few_at_a_time_within_a_budget() {
    let slow = Arc::new(Slow::default());
    let (voice, _) = voice_with(slow.clone());
    let texts: Vec<String> = (0..10).map(|i| format!("Prompt {i}.")).collect();
    let started = Instant::now();
    assert_eq!(voice.prewarm(&merchant(), texts.clone()).await, 10);
    assert_eq!(slow.max.load(Ordering::SeqCst), PREWARM_CONCURRENCY);
    // 10 one-second syntheses, 4 at a time: 3 rounds, not 10.
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    // Already cached: nothing to do.
    assert_eq!(voice.prewarm(&merchant(), texts).await, 10);

    let hanging = Arc::new(Slow::default());
    hanging.hang.store(true, Ordering::SeqCst);
    let (voice, _) = voice_with(hanging);
    let started = Instant::now();
    let texts = vec!["A.".to_string(), "B.".to_string()];
    assert_eq!(voice.prewarm(&merchant(), texts).await, 0);
    assert!(started.elapsed() <= PREWARM_BUDGET.max(SYNTHESIS_TIMEOUT));
}
