//! [`SpeechCache`]: the one cache of synthesized speech, for any [`Speech`] provider.
//!
//! The assistant puts one in front of its speech provider (so fixed prompts are
//! synthesized once), and a deployment may wrap a provider with one itself (to
//! read its [`stats`](SpeechCache::stats) or share it).

mod flight;
mod lru;
mod prewarm;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use self::flight::{Forward, Lookup, Outcome};
use self::lru::ByteLru;
use crate::domain::Language;
use crate::error::SpeechError;
use crate::provider::{Audio, AudioFormat, AudioStream, Cacheability, Speech, SpeechRequest};

pub use self::prewarm::{PrewarmLimits, PrewarmReport};

/// How long one synthesis run by the cache may take, unless set with
/// [`SpeechCache::with_flight_timeout`].
pub const DEFAULT_FLIGHT_TIMEOUT: Duration = Duration::from_secs(60);

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

/// Counters for metrics, read with [`SpeechCache::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpeechCacheStats {
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

/// How [`SpeechCache::serve`] answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Served {
    /// From the cache: nothing was sent to the provider.
    Hit,
    /// By a synthesis another request had started (and paid for).
    Coalesced,
    /// By a synthesis this request started; its audio is now cached.
    Synthesized,
    /// Straight from the provider, uncached (personal or empty text).
    Bypassed,
}

impl Served {
    /// Whether this request's text was sent to the provider (and so is billed).
    pub fn reached_provider(self) -> bool {
        matches!(self, Served::Synthesized | Served::Bypassed)
    }
}

#[derive(Debug)]
struct State {
    entries: ByteLru<CacheKey>,
    in_flight: HashMap<CacheKey, tokio::sync::watch::Receiver<Outcome>>,
    stats: SpeechCacheStats,
}

impl State {
    fn stats_now(&self) -> SpeechCacheStats {
        SpeechCacheStats {
            entries: self.entries.len(),
            bytes: self.entries.bytes(),
            max_bytes: self.entries.max_bytes(),
            ..self.stats
        }
    }
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
/// - Keys are (provider name, settings fingerprint, voice, format, language, text);
///   the fingerprint ([`with_fingerprint`](Self::with_fingerprint)) is empty unless set.
/// - The cache is bounded by the total size of its audio and evicts the least
///   recently used entries. Audio larger than the whole budget is served, not kept.
/// - Single-flight: concurrent requests for the same key share one synthesis. The
///   synthesis runs in its own task, so a caller that gives up (a timeout wrapper,
///   a hung-up call) does not cancel it for the others, and the result is still
///   cached. That task is bounded by a flight timeout
///   ([`DEFAULT_FLIGHT_TIMEOUT`]), so a provider that hangs cannot hold a key
///   for every later caller.
/// - Failures are handed to everyone waiting on that synthesis and never cached.
/// - Syntheses are spawned, so calls must run inside a Tokio runtime.
/// - [`prewarm`](Self::prewarm) synthesizes fixed prompts ahead of calls, a few at
///   a time within a total budget.
///
/// `name()` is the inner provider's name, so metrics and logs stay per provider.
///
/// ```
/// use async_trait::async_trait;
/// use bytes::Bytes;
/// use lumitalk_core::wrappers::{PrewarmLimits, SpeechCache};
/// use lumitalk_core::{Audio, AudioFormat, Cacheability, Language, Speech, SpeechError, SpeechRequest};
///
/// /// A stand-in provider: one byte of "audio" per character.
/// #[derive(Debug)]
/// struct Beeps;
///
/// #[async_trait]
/// impl Speech for Beeps {
///     fn name(&self) -> &'static str { "beeps" }
///     async fn synthesize(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
///         Ok(Audio { bytes: Bytes::from(vec![0x7f; r.text.len()]), format: r.format })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let speech = SpeechCache::new(Beeps, 1024 * 1024);
/// let greeting = SpeechRequest {
///     text: "Hello! How can I help?".into(),
///     voice: None,
///     language: Language::en_us(),
///     format: AudioFormat::Mp3_44100_128,
///     cacheability: Cacheability::Shared,
/// };
/// let report = speech.prewarm([greeting.clone()], PrewarmLimits::default()).await;
/// assert_eq!(report.cached, 1);
///
/// let audio = speech.synthesize(&greeting).await.unwrap();
/// assert_eq!(audio.format, AudioFormat::Mp3_44100_128);
/// assert_eq!((speech.stats().misses, speech.stats().hits), (1, 1));
///
/// // Text with personal data is passed through and never kept.
/// let personal = SpeechRequest { text: "Order 1001 ships to 12 Elm St.".into(),
///     cacheability: Cacheability::Personal, ..greeting };
/// speech.synthesize(&personal).await.unwrap();
/// assert_eq!((speech.stats().entries, speech.stats().bypassed), (1, 1));
/// # }
/// ```
pub struct SpeechCache<S> {
    inner: Arc<S>,
    shared: Arc<Shared>,
    fingerprint: Arc<str>,
    flight_timeout: Duration,
}

impl<S> Clone for SpeechCache<S> {
    fn clone(&self) -> Self {
        SpeechCache {
            inner: Arc::clone(&self.inner),
            shared: Arc::clone(&self.shared),
            fingerprint: Arc::clone(&self.fingerprint),
            flight_timeout: self.flight_timeout,
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for SpeechCache<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self.shared.lock().stats_now();
        f.debug_struct("SpeechCache")
            .field("inner", &self.inner)
            .field("stats", &stats)
            .finish_non_exhaustive()
    }
}

impl<S: Speech> SpeechCache<S> {
    /// Wraps `inner` with a cache of at most `max_bytes` of audio.
    pub fn new(inner: S, max_bytes: usize) -> Self {
        SpeechCache {
            inner: Arc::new(inner),
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    entries: ByteLru::new(max_bytes),
                    in_flight: HashMap::new(),
                    stats: SpeechCacheStats::default(),
                }),
            }),
            fingerprint: Arc::from(""),
            flight_timeout: DEFAULT_FLIGHT_TIMEOUT,
        }
    }

    /// Adds what else determines the audio (model, voice settings, default voice) to
    /// every key, e.g. `lumitalk_elevenlabs::ElevenLabsSpeech::settings_fingerprint`.
    pub fn with_fingerprint(mut self, fingerprint: impl Into<String>) -> Self {
        self.fingerprint = Arc::from(fingerprint.into());
        self
    }

    /// Bounds each synthesis the cache runs (default [`DEFAULT_FLIGHT_TIMEOUT`]);
    /// past it, everyone waiting gets a `Timeout` error and the key is free again.
    pub fn with_flight_timeout(mut self, after: Duration) -> Self {
        self.flight_timeout = after;
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Counters and sizes now.
    pub fn stats(&self) -> SpeechCacheStats {
        self.shared.lock().stats_now()
    }

    /// Drops every cached entry (syntheses in flight still complete and are cached).
    pub fn clear(&self) {
        self.shared.lock().entries.clear();
    }

    /// Like [`Speech::synthesize`], and says how the request was answered (e.g. to
    /// bill only the characters that reached the provider).
    ///
    /// # Errors
    /// The inner provider's error (shared by every request that joined the
    /// synthesis), a `Timeout` past the flight timeout, or `Unavailable` if the
    /// synthesis task ended without a result (the provider panicked).
    pub async fn serve(&self, request: &SpeechRequest) -> Result<(Audio, Served), SpeechError> {
        if self.bypasses(request) {
            let audio = self.inner.synthesize(request).await?;
            return Ok((audio, Served::Bypassed));
        }
        let key = self.key(request);
        match self.lookup(&key) {
            Lookup::Hit(audio) => Ok((audio, Served::Hit)),
            Lookup::Join(rx) => Ok((self.wait(rx).await?, Served::Coalesced)),
            Lookup::Lead(tx, rx) => {
                self.fly(key, request.clone(), tx, None);
                Ok((self.wait(rx).await?, Served::Synthesized))
            }
        }
    }

    /// Personal text, which is never kept, and empty text, which has nothing to
    /// cache (the provider refuses it).
    fn bypasses(&self, request: &SpeechRequest) -> bool {
        if request.cacheability == Cacheability::Personal {
            self.shared.lock().stats.bypassed += 1;
            return true;
        }
        request.text.trim().is_empty()
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
}

#[async_trait]
impl<S: Speech> Speech for SpeechCache<S> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.serve(request).await.map(|(audio, _)| audio)
    }

    /// A hit yields the cached audio as one chunk; a miss streams from the inner
    /// provider while caching; joining a running synthesis yields its audio whole
    /// when it completes.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        if self.bypasses(request) {
            return self.inner.synthesize_stream(request).await;
        }
        let key = self.key(request);
        match self.lookup(&key) {
            Lookup::Hit(audio) => Ok(AudioStream::from_audio(audio)),
            Lookup::Join(rx) => Ok(AudioStream::from_audio(self.wait(rx).await?)),
            Lookup::Lead(tx, _rx) => {
                let (forward, stream, started) = Forward::new(request.format);
                self.fly(key, request.clone(), tx, Some(forward));
                match started.await {
                    Ok(Ok(())) => Ok(stream),
                    Ok(Err(e)) => Err(e),
                    Err(_) => Err(self.lost()),
                }
            }
        }
    }
}
