//! `SpeechCache` over an in-test provider that counts its calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use lumitalk_core::wrappers::{PrewarmLimits, Served, SpeechCache};
use lumitalk_core::{
    Audio, AudioFormat, AudioStream, Cacheability, ErrorKind, Language, Speech, SpeechError,
    SpeechRequest,
};
use tokio::sync::Semaphore;

/// One byte of audio per byte of text. Optionally waits for a permit from `gate`
/// before answering, fails while `fail` is set, and panics on the text "panic".
#[derive(Debug, Default)]
struct Counting {
    calls: AtomicUsize,
    stream_calls: AtomicUsize,
    fail: AtomicBool,
    gate: Option<Arc<Semaphore>>,
}

impl Counting {
    fn gated() -> (Self, Arc<Semaphore>) {
        let gate = Arc::new(Semaphore::new(0));
        let me = Counting {
            gate: Some(Arc::clone(&gate)),
            ..Default::default()
        };
        (me, gate)
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst) + self.stream_calls.load(Ordering::SeqCst)
    }

    async fn answer(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        assert!(r.text != "panic", "test double asked to panic");
        if self.fail.load(Ordering::SeqCst) {
            return Err(SpeechError::Unavailable {
                provider: "counting",
                message: "down".into(),
            });
        }
        Ok(Audio {
            bytes: Bytes::from(r.text.clone().into_bytes()),
            format: r.format,
        })
    }
}

#[async_trait]
impl Speech for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answer(r).await
    }
    async fn synthesize_stream(&self, r: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        self.stream_calls.fetch_add(1, Ordering::SeqCst);
        let audio = self.answer(r).await?;
        // Two chunks, to check the cache joins them.
        let (tx, stream) = AudioStream::channel(audio.format, 2);
        let mid = audio.bytes.len() / 2;
        tx.try_send(Ok(audio.bytes.slice(..mid))).unwrap();
        tx.try_send(Ok(audio.bytes.slice(mid..))).unwrap();
        Ok(stream)
    }
}

fn shared(text: &str) -> SpeechRequest {
    SpeechRequest {
        text: text.into(),
        voice: None,
        language: Language::en_us(),
        format: AudioFormat::Ulaw8000,
        cacheability: Cacheability::Shared,
    }
}

fn personal(text: &str) -> SpeechRequest {
    SpeechRequest {
        cacheability: Cacheability::Personal,
        ..shared(text)
    }
}

/// A cache of 1 KiB over a [`Counting::gated`] provider, and its gate.
fn gated_cache() -> (SpeechCache<Counting>, Arc<Semaphore>) {
    let (inner, gate) = Counting::gated();
    (SpeechCache::new(inner, 1024), gate)
}

/// `cache.serve` of a shared request, in a task of its own.
fn spawn_serve(
    cache: &SpeechCache<Counting>,
    text: &'static str,
) -> tokio::task::JoinHandle<Result<(Audio, Served), SpeechError>> {
    let cache = cache.clone();
    tokio::spawn(async move { cache.serve(&shared(text)).await })
}

/// Lets spawned tasks run until `done` holds: yields first, then naps a millisecond
/// at a time (bounded) in case other worker threads are slow to get a CPU.
async fn settle(done: impl Fn() -> bool) {
    for i in 0..20_000 {
        if done() {
            return;
        }
        if i < 1_000 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    panic!("condition never held");
}

#[tokio::test]
async fn second_request_is_a_hit() {
    let cache = SpeechCache::new(Counting::default(), 1024);
    let a = cache.synthesize(&shared("Hello")).await.unwrap();
    let b = cache.synthesize(&shared("Hello")).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(cache.inner().calls(), 1);
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.entries, s.bytes), (1, 1, 1, 5));
    assert_eq!(cache.name(), "counting");
}

#[tokio::test]
async fn voice_format_and_language_are_part_of_the_key() {
    let cache = SpeechCache::new(Counting::default(), 1024);
    let base = shared("Hello");
    let mut voice = base.clone();
    voice.voice = Some("other".into());
    let mut format = base.clone();
    format.format = AudioFormat::Mp3_44100_128;
    let mut language = base.clone();
    language.language = Language::new("fr-FR");
    for r in [&base, &voice, &format, &language] {
        let audio = cache.synthesize(r).await.unwrap();
        assert_eq!(audio.format, r.format);
    }
    assert_eq!(cache.inner().calls(), 4);
    assert_eq!(cache.stats().entries, 4);
}

#[tokio::test]
async fn evicts_least_recently_used_by_bytes() {
    let cache = SpeechCache::new(Counting::default(), 10);
    cache.synthesize(&shared("aaaa")).await.unwrap();
    cache.synthesize(&shared("bbbb")).await.unwrap();
    cache.synthesize(&shared("aaaa")).await.unwrap(); // hit: "bbbb" is now the oldest
    cache.synthesize(&shared("cccc")).await.unwrap(); // 12 bytes > 10: evicts "bbbb"
    let s = cache.stats();
    assert_eq!(
        (s.evictions, s.entries, s.bytes, s.max_bytes),
        (1, 2, 8, 10)
    );
    cache.synthesize(&shared("aaaa")).await.unwrap();
    assert_eq!(cache.inner().calls(), 3);
    cache.synthesize(&shared("bbbb")).await.unwrap();
    assert_eq!(cache.inner().calls(), 4, "bbbb was evicted");
    // Audio larger than the whole budget is served but not kept.
    cache.synthesize(&shared("far too long")).await.unwrap();
    assert!(cache.stats().bytes <= 10);
}

#[tokio::test]
async fn personal_text_is_never_cached() {
    let cache = SpeechCache::new(Counting::default(), 1024);
    for _ in 0..2 {
        cache
            .synthesize(&personal("Order 1001 ships to 12 Elm St"))
            .await
            .unwrap();
        cache
            .synthesize_stream(&personal("Order 1001 ships to 12 Elm St"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }
    assert_eq!(cache.inner().calls(), 4);
    let s = cache.stats();
    assert_eq!((s.entries, s.bytes, s.bypassed), (0, 0, 4));
    assert_eq!((s.hits, s.misses), (0, 0));
    assert!(!format!("{cache:?}").contains("Elm"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_synthesis() {
    let (cache, gate) = gated_cache();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let cache = cache.clone();
        tasks.push(tokio::spawn(async move {
            let r = shared("Thanks for calling!");
            if i % 2 == 0 {
                cache.synthesize(&r).await
            } else {
                cache.synthesize_stream(&r).await?.collect().await
            }
        }));
    }
    // All ten are waiting on one synthesis before it may finish.
    settle(|| {
        let s = cache.stats();
        s.misses + s.coalesced == 10
    })
    .await;
    gate.add_permits(100);
    for t in tasks {
        assert_eq!(&t.await.unwrap().unwrap().bytes[..], b"Thanks for calling!");
    }
    assert_eq!(cache.inner().calls(), 1);
    let s = cache.stats();
    assert_eq!((s.misses, s.coalesced, s.entries), (1, 9, 1));
}

#[tokio::test]
async fn failures_are_shared_but_not_cached() {
    let (inner, gate) = Counting::gated();
    inner.fail.store(true, Ordering::SeqCst);
    let cache = SpeechCache::new(inner, 1024);
    let first = spawn_serve(&cache, "Hello");
    let second = spawn_serve(&cache, "Hello");
    settle(|| cache.stats().coalesced == 1).await;
    gate.add_permits(100);
    assert_eq!(
        first.await.unwrap().unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(
        second.await.unwrap().unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(cache.inner().calls(), 1);
    assert_eq!((cache.stats().failures, cache.stats().entries), (1, 0));

    cache.inner().fail.store(false, Ordering::SeqCst);
    cache.synthesize(&shared("Hello")).await.unwrap();
    assert_eq!(cache.inner().calls(), 2, "the failure was not cached");
    assert_eq!(cache.stats().entries, 1);
}

#[tokio::test]
async fn stream_miss_is_streamed_and_cached() {
    let cache = SpeechCache::new(Counting::default(), 1024);
    let mut stream = cache
        .synthesize_stream(&shared("Hold on please"))
        .await
        .unwrap();
    assert_eq!(&stream.next_chunk().await.unwrap().unwrap()[..], b"Hold on");
    assert_eq!(&stream.next_chunk().await.unwrap().unwrap()[..], b" please");
    assert!(stream.next_chunk().await.is_none());
    settle(|| cache.stats().entries == 1).await;
    let hit = cache.synthesize(&shared("Hold on please")).await.unwrap();
    assert_eq!(&hit.bytes[..], b"Hold on please");
    assert_eq!(cache.inner().stream_calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn abandoned_requests_still_fill_the_cache() {
    let (cache, gate) = gated_cache();
    // A caller that gives up (like a timeout wrapper would) and a stream dropped unread.
    let abandoned = spawn_serve(&cache, "Goodbye");
    settle(|| cache.stats().misses == 1).await;
    abandoned.abort();
    gate.add_permits(100);
    settle(|| cache.stats().entries == 1).await;
    drop(cache.synthesize_stream(&shared("See you")).await.unwrap());
    settle(|| cache.stats().entries == 2).await;
    cache.synthesize(&shared("Goodbye")).await.unwrap();
    cache.synthesize(&shared("See you")).await.unwrap();
    assert_eq!(cache.inner().calls(), 2);
    assert_eq!(cache.stats().hits, 2);
}

#[tokio::test]
async fn a_panicking_provider_does_not_wedge_the_key() {
    let cache = SpeechCache::new(Counting::default(), 1024);
    let e = cache.synthesize(&shared("panic")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    // The key left the in-flight table: the next request synthesizes again.
    let e = cache.synthesize(&shared("panic")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(cache.stats().misses, 2);
}

#[tokio::test]
async fn prewarm_caches_fixed_prompts_and_skips_personal_ones() {
    let cache = SpeechCache::new(Counting::default(), 1024);
    let report = cache
        .prewarm(
            [
                shared("Welcome to Acme"),
                shared("Please hold"),
                shared("Goodbye"),
                personal("Hi Jane"),
            ],
            PrewarmLimits {
                concurrency: 2,
                ..PrewarmLimits::default()
            },
        )
        .await;
    assert_eq!((report.cached, report.skipped_personal), (3, 1));
    assert!(report.failed.is_empty());
    assert_eq!(cache.inner().calls(), 3);
    cache.synthesize(&shared("Welcome to Acme")).await.unwrap();
    assert_eq!(cache.inner().calls(), 3);
    assert_eq!(cache.stats().hits, 1);

    cache.inner().fail.store(true, Ordering::SeqCst);
    let one_at_a_time = PrewarmLimits {
        concurrency: 1,
        ..PrewarmLimits::default()
    };
    let report = cache.prewarm([shared("New prompt")], one_at_a_time).await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "New prompt");
}

#[tokio::test]
async fn clear_drops_every_entry() {
    let a = SpeechCache::new(Counting::default(), 1024).with_fingerprint("model-a");
    a.synthesize(&shared("Hi")).await.unwrap();
    a.clear();
    assert_eq!(a.stats().entries, 0);
    a.synthesize(&shared("Hi")).await.unwrap();
    assert_eq!(a.inner().calls(), 2);
}

#[tokio::test]
async fn the_settings_fingerprint_is_part_of_the_key() {
    let a = SpeechCache::new(Counting::default(), 1024).with_fingerprint("model-a");
    // A clone shares the entries; with another fingerprint it has other keys.
    let b = a.clone().with_fingerprint("model-b");
    a.synthesize(&shared("Hi")).await.unwrap();
    b.synthesize(&shared("Hi")).await.unwrap();
    a.synthesize(&shared("Hi")).await.unwrap();
    assert_eq!(a.inner().calls(), 2);
    assert_eq!((a.stats().entries, a.stats().hits), (2, 1));
}

#[tokio::test]
async fn serve_says_how_each_request_was_answered() {
    let (cache, gate) = gated_cache();
    let leader = spawn_serve(&cache, "Hello");
    settle(|| cache.stats().misses == 1).await;
    let joiner = spawn_serve(&cache, "Hello");
    settle(|| cache.stats().coalesced == 1).await;
    gate.add_permits(100);
    assert_eq!(leader.await.unwrap().unwrap().1, Served::Synthesized);
    assert_eq!(joiner.await.unwrap().unwrap().1, Served::Coalesced);
    let (audio, served) = cache.serve(&shared("Hello")).await.unwrap();
    assert_eq!((&audio.bytes[..], served), (&b"Hello"[..], Served::Hit));
    let (_, served) = cache.serve(&personal("Hi Jane")).await.unwrap();
    assert_eq!(served, Served::Bypassed);
    assert!(Served::Synthesized.reached_provider() && Served::Bypassed.reached_provider());
    assert!(!Served::Hit.reached_provider() && !Served::Coalesced.reached_provider());
    assert_eq!(cache.inner().calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_hung_synthesis_times_out_and_frees_the_key() {
    let (inner, gate) = Counting::gated();
    let cache =
        SpeechCache::new(inner, 1024).with_flight_timeout(std::time::Duration::from_secs(5));
    let started = tokio::time::Instant::now();
    let e = cache.synthesize(&shared("Hello")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(started.elapsed(), std::time::Duration::from_secs(5));
    let e = cache
        .synthesize_stream(&shared("Hold on"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(cache.stats().failures, 2);

    gate.add_permits(100);
    cache.synthesize(&shared("Hello")).await.unwrap();
    assert_eq!((cache.inner().calls(), cache.stats().entries), (3, 1));
}

#[tokio::test(start_paused = true)]
async fn prewarm_stops_at_its_budget_and_synthesizes_duplicates_once() {
    let (cache, gate) = gated_cache();
    let limits = PrewarmLimits {
        concurrency: 1,
        budget: std::time::Duration::from_secs(1),
    };
    let prompts = || [shared("A"), shared("A"), shared("B")];
    let report = cache.prewarm(prompts(), limits).await;
    // "A" is running (held by the gate), "B" never started.
    assert_eq!((report.cached, report.unfinished), (0, 2));
    assert_eq!(cache.inner().calls(), 1);
    // The running synthesis goes on and fills the cache.
    gate.add_permits(100);
    settle(|| cache.stats().entries == 1).await;

    let report = cache.prewarm(prompts(), limits).await;
    assert_eq!((report.cached, report.unfinished), (2, 0));
    assert_eq!(cache.inner().calls(), 2);
    assert_eq!(cache.stats().hits, 1);
}

/// Starts a stream, sends one chunk and then stalls (it keeps the sender).
#[derive(Debug, Default)]
struct Stalling {
    senders: std::sync::Mutex<Vec<tokio::sync::mpsc::Sender<Result<Bytes, SpeechError>>>>,
}

#[async_trait]
impl Speech for Stalling {
    fn name(&self) -> &'static str {
        "stalling"
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.synthesize_stream(r).await?.collect().await
    }
    async fn synthesize_stream(&self, r: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        let (tx, stream) = AudioStream::channel(r.format, 4);
        tx.try_send(Ok(Bytes::from_static(b"first"))).unwrap();
        self.senders.lock().unwrap().push(tx);
        Ok(stream)
    }
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_stalls_ends_with_a_timeout_and_is_not_cached() {
    let cache = SpeechCache::new(Stalling::default(), 1024)
        .with_flight_timeout(std::time::Duration::from_secs(5));
    let mut stream = cache.synthesize_stream(&shared("Hold on")).await.unwrap();
    assert_eq!(&stream.next_chunk().await.unwrap().unwrap()[..], b"first");
    let last = stream.next_chunk().await.unwrap();
    assert_eq!(last.unwrap_err().kind(), ErrorKind::Timeout);
    assert!(stream.next_chunk().await.is_none());
    settle(|| cache.stats().failures == 1).await;
    assert_eq!(cache.stats().entries, 0);
}
