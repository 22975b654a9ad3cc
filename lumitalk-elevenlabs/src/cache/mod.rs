//! [`CachedSpeech`]: a caching wrapper for any [`Speech`] provider.
//!
//! See [`CachedSpeech`].

mod lru;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use lumitalk_core::{
    Audio, AudioFormat, AudioStream, Cacheability, Language, Speech, SpeechError, SpeechRequest,
};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;

use self::lru::ByteLru;

/// Chunks buffered between a streaming synthesis and its first caller.
const STREAM_BUFFER: usize = 32;

/// What identifies one piece of cached audio.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    provider: &'static str,
    fingerprint: Arc<str>,
    voice: Option<String>,
    format: AudioFormat,
    language: Language,
    text: String,
}

/// The outcome of a synthesis, as seen by everyone waiting on it.
type Outcome = Option<Result<Audio, SpeechError>>;

/// Counters for metrics, read with [`CachedSpeech::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Shared requests answered from the cache.
    pub hits: u64,
    /// Shared requests that started a synthesis.
    pub misses: u64,
    /// Shared requests that joined a synthesis already running for the same key.
    pub coalesced: u64,
    /// Syntheses (started by a miss) that failed; failures are not cached.
    pub failures: u64,
    /// Entries evicted to stay within the byte budget.
    pub evictions: u64,
    /// Personal requests passed through uncached.
    pub bypassed: u64,
    /// Entries held now.
    pub entries: usize,
    /// Bytes of audio held now.
    pub bytes: usize,
    /// The byte budget.
    pub max_bytes: usize,
}

/// What [`CachedSpeech::prewarm`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct PrewarmReport {
    /// Shared requests now in the cache (synthesized or already there).
    pub cached: usize,
    /// Personal requests, skipped: they are never cached.
    pub skipped_personal: usize,
    /// Shared requests that failed, with their (non-personal) text.
    pub failed: Vec<(String, SpeechError)>,
}

#[derive(Debug)]
struct State {
    entries: ByteLru<CacheKey>,
    in_flight: std::collections::HashMap<CacheKey, watch::Receiver<Outcome>>,
    stats: CacheStats,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; if one did, the data is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Caches the audio of [`Cacheability::Shared`] requests made to any [`Speech`]
/// provider. Cheap to clone; clones share the cache.
///
/// - Only [`Cacheability::Shared`] requests are cached. `Personal` requests go
///   straight to the inner provider: their text and audio are never kept, not even
///   in the in-flight table.
/// - Keys are (provider name, settings fingerprint, voice, format, language, text).
/// - The cache is bounded by the total size of its audio and evicts the least
///   recently used entries.
/// - Single-flight: concurrent requests for the same key share one synthesis. The
///   synthesis runs in its own task, so a caller that gives up (a timeout wrapper,
///   a hung-up call) does not cancel it for the others, and the result is still cached.
/// - Failures are handed to everyone waiting on that synthesis and never cached.
/// - Syntheses are spawned, so calls must run inside a Tokio runtime.
///
/// `name()` is the inner provider's name, so metrics and logs stay per provider.
pub struct CachedSpeech<S> {
    inner: Arc<S>,
    shared: Arc<Shared>,
    fingerprint: Arc<str>,
}

impl<S> Clone for CachedSpeech<S> {
    fn clone(&self) -> Self {
        CachedSpeech {
            inner: Arc::clone(&self.inner),
            shared: Arc::clone(&self.shared),
            fingerprint: Arc::clone(&self.fingerprint),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for CachedSpeech<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self.shared.lock().stats_now();
        f.debug_struct("CachedSpeech")
            .field("inner", &self.inner)
            .field("stats", &stats)
            .finish_non_exhaustive()
    }
}

impl State {
    fn stats_now(&self) -> CacheStats {
        CacheStats {
            entries: self.entries.len(),
            bytes: self.entries.bytes(),
            max_bytes: self.entries.max_bytes(),
            ..self.stats
        }
    }
}

impl<S: Speech> CachedSpeech<S> {
    /// Wraps `inner` with a cache of at most `max_bytes` of audio.
    pub fn new(inner: S, max_bytes: usize) -> Self {
        CachedSpeech {
            inner: Arc::new(inner),
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    entries: ByteLru::new(max_bytes),
                    in_flight: Default::default(),
                    stats: CacheStats::default(),
                }),
            }),
            fingerprint: Arc::from(""),
        }
    }

    /// Adds what else determines the audio (model, voice settings, default voice) to
    /// every key, e.g. [`ElevenLabsSpeech::settings_fingerprint`](crate::ElevenLabsSpeech::settings_fingerprint).
    pub fn with_fingerprint(mut self, fingerprint: impl Into<String>) -> Self {
        self.fingerprint = Arc::from(fingerprint.into());
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Counters and sizes now.
    pub fn stats(&self) -> CacheStats {
        self.shared.lock().stats_now()
    }

    /// Drops every cached entry (syntheses in flight still complete and are cached).
    pub fn clear(&self) {
        self.shared.lock().entries.clear();
    }

    /// Synthesizes fixed prompts ahead of the first call, at most `concurrency` at a
    /// time (keep it within the provider's concurrency limit). Personal requests are
    /// skipped. Failures are reported, not retried: the prompt is synthesized on
    /// first use instead.
    pub async fn prewarm(
        &self,
        requests: impl IntoIterator<Item = SpeechRequest>,
        concurrency: usize,
    ) -> PrewarmReport {
        let mut report = PrewarmReport::default();
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for request in requests {
            if request.cacheability == Cacheability::Personal {
                report.skipped_personal += 1;
                continue;
            }
            let this = self.clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let result = this.synthesize(&request).await;
                (request.text, result)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Ok(_))) => report.cached += 1,
                Ok((text, Err(e))) => report.failed.push((text, e)),
                Err(e) => report.failed.push((
                    String::new(),
                    SpeechError::Unavailable {
                        provider: self.inner.name(),
                        message: format!("prewarm task failed: {e}"),
                    },
                )),
            }
        }
        report
    }

    fn key(&self, request: &SpeechRequest) -> CacheKey {
        CacheKey {
            provider: self.inner.name(),
            fingerprint: Arc::clone(&self.fingerprint),
            voice: request.voice.clone(),
            format: request.format,
            language: request.language.clone(),
            text: request.text.clone(),
        }
    }

    /// A cached answer, a synthesis to join, or (with `leader` set) a new one to run.
    fn lookup(&self, key: &CacheKey) -> Lookup {
        let mut state = self.shared.lock();
        if let Some(audio) = state.entries.get(key) {
            state.stats.hits += 1;
            return Lookup::Hit(audio);
        }
        if let Some(rx) = state.in_flight.get(key) {
            let rx = rx.clone();
            state.stats.coalesced += 1;
            return Lookup::Join(rx);
        }
        state.stats.misses += 1;
        let (tx, rx) = watch::channel(None);
        state.in_flight.insert(key.clone(), rx.clone());
        Lookup::Lead(tx, rx)
    }

    /// Runs one synthesis in its own task and publishes the outcome.
    fn fly(
        &self,
        key: CacheKey,
        request: SpeechRequest,
        tx: watch::Sender<Outcome>,
        forward: Option<Forward>,
    ) {
        let inner = Arc::clone(&self.inner);
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            // Leaves the in-flight table even if the inner provider panics, so the
            // key can be tried again.
            let mut guard = FlightGuard {
                shared: Arc::clone(&shared),
                key: Some(key),
            };
            let result = match forward {
                None => inner.synthesize(&request).await,
                Some(forward) => tee(&*inner, &request, forward).await,
            };
            if let Some(key) = guard.key.take() {
                let mut state = shared.lock();
                state.in_flight.remove(&key);
                match &result {
                    Ok(audio) if audio.format == request.format && !audio.bytes.is_empty() => {
                        let evicted = state.entries.insert(key, audio.clone());
                        state.stats.evictions += evicted;
                    }
                    Ok(_) => {}
                    Err(_) => state.stats.failures += 1,
                }
            }
            tx.send_replace(Some(result));
        });
    }

    async fn wait(&self, mut rx: watch::Receiver<Outcome>) -> Result<Audio, SpeechError> {
        match rx.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_else(|| Err(self.lost())),
            Err(_) => Err(self.lost()),
        }
    }

    fn lost(&self) -> SpeechError {
        SpeechError::Unavailable {
            provider: self.inner.name(),
            message: "the shared synthesis ended without a result".into(),
        }
    }
}

enum Lookup {
    Hit(Audio),
    Join(watch::Receiver<Outcome>),
    Lead(watch::Sender<Outcome>, watch::Receiver<Outcome>),
}

/// Where a streaming synthesis sends its first caller's chunks.
struct Forward {
    chunks: mpsc::Sender<Result<Bytes, SpeechError>>,
    started: oneshot::Sender<Result<(), SpeechError>>,
}

struct FlightGuard {
    shared: Arc<Shared>,
    key: Option<CacheKey>,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.lock().in_flight.remove(&key);
        }
    }
}

/// Streams from `inner` to the first caller while collecting the whole audio. A
/// caller who stops listening does not stop the download: the audio is still cached.
async fn tee<S: Speech + ?Sized>(
    inner: &S,
    request: &SpeechRequest,
    forward: Forward,
) -> Result<Audio, SpeechError> {
    let mut stream = match inner.synthesize_stream(request).await {
        Ok(stream) => {
            let _ = forward.started.send(Ok(()));
            stream
        }
        Err(e) => {
            let _ = forward.started.send(Err(e.clone()));
            return Err(e);
        }
    };
    let mut listening = true;
    let mut audio = BytesMut::new();
    while let Some(chunk) = stream.next_chunk().await {
        match chunk {
            Ok(bytes) => {
                audio.extend_from_slice(&bytes);
                if listening && forward.chunks.send(Ok(bytes)).await.is_err() {
                    listening = false;
                }
            }
            Err(e) => {
                if listening {
                    let _ = forward.chunks.send(Err(e.clone())).await;
                }
                return Err(e);
            }
        }
    }
    Ok(Audio {
        bytes: audio.freeze(),
        format: stream.format(),
    })
}

#[async_trait]
impl<S: Speech> Speech for CachedSpeech<S> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        if request.cacheability == Cacheability::Personal {
            self.shared.lock().stats.bypassed += 1;
            return self.inner.synthesize(request).await;
        }
        if request.text.trim().is_empty() {
            // Nothing to cache: let the provider refuse it.
            return self.inner.synthesize(request).await;
        }
        let key = self.key(request);
        match self.lookup(&key) {
            Lookup::Hit(audio) => Ok(audio),
            Lookup::Join(rx) => self.wait(rx).await,
            Lookup::Lead(tx, rx) => {
                self.fly(key, request.clone(), tx, None);
                self.wait(rx).await
            }
        }
    }

    /// A hit yields the cached audio as one chunk; a miss streams from the inner
    /// provider while caching; joining a running synthesis yields its audio whole
    /// when it completes.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        if request.cacheability == Cacheability::Personal {
            self.shared.lock().stats.bypassed += 1;
            return self.inner.synthesize_stream(request).await;
        }
        if request.text.trim().is_empty() {
            return self.inner.synthesize_stream(request).await;
        }
        let key = self.key(request);
        match self.lookup(&key) {
            Lookup::Hit(audio) => Ok(AudioStream::from_audio(audio)),
            Lookup::Join(rx) => Ok(AudioStream::from_audio(self.wait(rx).await?)),
            Lookup::Lead(tx, _rx) => {
                let (chunks, stream) = AudioStream::channel(request.format, STREAM_BUFFER);
                let (started, started_rx) = oneshot::channel();
                self.fly(key, request.clone(), tx, Some(Forward { chunks, started }));
                match started_rx.await {
                    Ok(Ok(())) => Ok(stream),
                    Ok(Err(e)) => Err(e),
                    Err(_) => Err(self.lost()),
                }
            }
        }
    }
}
