//! Turning the conversation's `Speak` actions into prompts: synthesized audio
//! stored for the carrier to fetch (`Play`), or the carrier's own voice (`Say`)
//! when there is no speech provider or it fails or is too slow.
//!
//! Fixed prompts (`Shared`) are synthesized once and their audio kept here;
//! each use stores a fresh copy in the audio store, so an evicted or expired id
//! never reaches the carrier. Personal text is synthesized every time and never
//! kept across calls.
//!
//! Personal text is **streamed**: the turn waits (within its deadline) only for
//! the first chunk of audio, which proves the provider is answering, then hands
//! the rest of the stream to the audio store
//! ([`AudioStore::put_stream`]) and plays its id right away; the carrier's fetch
//! of that id follows the synthesis as it runs
//! ([`AudioStore::get_stream`]). If the stream cannot start or yields no first
//! chunk before the deadline, the carrier's voice says the text instead. A
//! failure after the first chunk can no longer be turned into `<Say>` (the
//! reply has been sent): the store ends the carrier's fetch with an error.
//!
//! Pre-warming synthesizes a merchant's fixed prompts [`PREWARM_CONCURRENCY`] at a
//! time within [`PREWARM_BUDGET`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::time::error::Elapsed;
use tokio::time::{Instant, timeout_at};
use tracing::{Instrument, Span};

use super::failure::{failure, timed_out};
use super::observe::{self, StoreOp};
use crate::conversation::Speak;
use crate::domain::{AudioId, Merchant};
use crate::error::{ErrorKind, SpeechError, StoreError};
use crate::provider::{Audio, AudioFormat, Cacheability, Speech, SpeechRequest};
use crate::reply::Prompt;
use crate::store::{AudioStore, ProviderFailure};

/// How long stored audio waits for the carrier.
const AUDIO_TTL: Duration = Duration::from_secs(15 * 60);
/// Most fixed prompts kept (every merchant's set fits many times over).
const CACHE_ENTRIES: usize = 4096;
/// Time allowed to store audio even when the turn's deadline has passed.
const STORE_FLOOR: Duration = Duration::from_millis(250);
/// Time allowed per prompt when pre-synthesizing.
const PREWARM_TIMEOUT: Duration = Duration::from_secs(30);
/// Fixed prompts pre-synthesized at once (stays within providers' concurrency
/// limits, e.g. ElevenLabs' lowest tiers allow a few concurrent requests).
pub(crate) const PREWARM_CONCURRENCY: usize = 4;
/// Total time one merchant's pre-warm may take; prompts not ready by then are
/// synthesized on first use.
pub(crate) const PREWARM_BUDGET: Duration = Duration::from_secs(60);

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    text: String,
    voice: Option<String>,
    language: String,
}

/// One spoken prompt and what it cost.
#[derive(Debug)]
pub(crate) struct Spoken {
    pub(crate) prompt: Prompt,
    pub(crate) audio: Option<AudioId>,
    pub(crate) failures: Vec<ProviderFailure>,
    /// Characters sent to the speech provider.
    pub(crate) synthesized_chars: u32,
    /// Whether synthesis was tried (and so whether it failed).
    pub(crate) tried: bool,
    pub(crate) ms: u32,
}

pub(crate) struct Voice {
    speech: Option<Arc<dyn Speech>>,
    format: AudioFormat,
    store: Arc<dyn AudioStore>,
    cache: Mutex<HashMap<Key, Audio>>,
}

impl fmt::Debug for Voice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Voice")
            .field("speech", &self.speech.as_ref().map(|s| s.name()))
            .field("format", &self.format)
            .field("cached_prompts", &self.cache().len())
            .finish()
    }
}

/// A fixed prompt not synthesized ahead (it will be on first use; the caller of
/// `prewarm` sees how many are ready).
fn debug_prewarm_failed(provider: &str, kind: ErrorKind) {
    tracing::debug!(provider = %provider, kind = %kind.as_str(), "prewarm synthesis failed");
}

/// Notes (and logs, in the synthesis span) a failed synthesis.
fn synthesis_failed(spoken: &mut Spoken, span: &Span, f: ProviderFailure) {
    span.in_scope(|| {
        observe::warn_failure(
            &f,
            "speech synthesis",
            "the carrier's voice says the prompt",
        )
    });
    spoken.failures.push(f);
}

/// Notes (and logs, in the store call's span) audio that could not be stored.
fn store_failed(spoken: &mut Spoken, span: &Span, op: StoreOp, f: ProviderFailure) {
    span.in_scope(|| observe::warn_store_failure(&f, op));
    spoken.failures.push(f);
}

fn say(speak: &Speak, merchant: &Merchant) -> Prompt {
    Prompt::Say {
        text: speak.text.clone(),
        voice: merchant.voice.carrier_voice.clone(),
        language: merchant.language.clone(),
    }
}

impl Voice {
    pub(crate) fn new(
        speech: Option<Arc<dyn Speech>>,
        format: AudioFormat,
        store: Arc<dyn AudioStore>,
    ) -> Self {
        Voice {
            speech,
            format,
            store,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Audio>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(text: &str, merchant: &Merchant) -> Key {
        Key {
            text: text.to_string(),
            voice: merchant.voice.tts_voice.clone(),
            language: merchant.language.as_str().to_string(),
        }
    }

    fn request(&self, speak: &Speak, merchant: &Merchant) -> SpeechRequest {
        SpeechRequest {
            text: speak.text.clone(),
            voice: merchant.voice.tts_voice.clone(),
            language: merchant.language.clone(),
            format: self.format,
            cacheability: speak.cacheability,
        }
    }

    /// The prompt for `speak`: audio when it can be had before `deadline`, else
    /// the carrier's voice.
    pub(crate) async fn render(
        &self,
        speak: &Speak,
        merchant: &Merchant,
        deadline: Instant,
        carrier_only: bool,
    ) -> Spoken {
        let started = Instant::now();
        let mut spoken = Spoken {
            prompt: say(speak, merchant),
            audio: None,
            failures: Vec::new(),
            synthesized_chars: 0,
            tried: false,
            ms: 0,
        };
        let Some(speech) = self.speech.as_ref().filter(|_| !carrier_only) else {
            return spoken;
        };
        let shared = speak.cacheability == Cacheability::Shared;
        if !shared {
            return self
                .render_streaming(speech, speak, merchant, deadline, started, spoken)
                .await;
        }
        let cached = self.cache().get(&Self::key(&speak.text, merchant)).cloned();
        let audio = match cached {
            Some(audio) => audio,
            None => {
                spoken.tried = true;
                let request = self.request(speak, merchant);
                let span = observe::speech_span(speech.name(), false, speak.text.chars().count());
                let result = timeout_at(deadline, speech.synthesize(&request))
                    .instrument(span.clone())
                    .await;
                spoken.ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
                match result {
                    Ok(Ok(audio)) => {
                        spoken.synthesized_chars = speak.text.chars().count() as u32;
                        let mut cache = self.cache();
                        if cache.len() < CACHE_ENTRIES {
                            cache.insert(Self::key(&speak.text, merchant), audio.clone());
                        }
                        audio
                    }
                    Ok(Err(e)) => {
                        synthesis_failed(&mut spoken, &span, failure(&e));
                        return spoken;
                    }
                    Err(_) => {
                        synthesis_failed(&mut spoken, &span, timed_out(speech.name()));
                        return spoken;
                    }
                }
            }
        };
        let until = deadline.max(Instant::now() + STORE_FLOOR);
        let span = observe::store_span(self.store.name(), StoreOp::PutAudio);
        let stored = timeout_at(until, self.store.put(audio, AUDIO_TTL))
            .instrument(span.clone())
            .await;
        self.play(spoken, speak, stored, &span, StoreOp::PutAudio)
    }

    /// Personal text: waits for the first chunk only, then plays the audio while
    /// the store collects (and serves) the rest.
    async fn render_streaming(
        &self,
        speech: &Arc<dyn Speech>,
        speak: &Speak,
        merchant: &Merchant,
        deadline: Instant,
        started: Instant,
        mut spoken: Spoken,
    ) -> Spoken {
        spoken.tried = true;
        let request = self.request(speak, merchant);
        let span = observe::speech_span(speech.name(), true, speak.text.chars().count());
        let first = timeout_at(deadline, async {
            let mut stream = speech.synthesize_stream(&request).await?;
            loop {
                match stream.next_chunk().await {
                    Some(Ok(chunk)) if chunk.is_empty() => {}
                    Some(Ok(chunk)) => {
                        stream.unread(chunk);
                        return Ok(stream);
                    }
                    Some(Err(e)) => return Err(e),
                    None => {
                        return Err(SpeechError::InvalidResponse {
                            provider: speech.name(),
                            message: "the stream ended without audio".into(),
                        });
                    }
                }
            }
        })
        .instrument(span.clone())
        .await;
        spoken.ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
        let stream = match first {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                synthesis_failed(&mut spoken, &span, failure(&e));
                return spoken;
            }
            Err(_) => {
                synthesis_failed(&mut spoken, &span, timed_out(speech.name()));
                return spoken;
            }
        };
        drop(span);
        spoken.synthesized_chars = speak.text.chars().count() as u32;
        let until = deadline.max(Instant::now() + STORE_FLOOR);
        let span = observe::store_span(self.store.name(), StoreOp::PutAudioStream);
        let stored = timeout_at(until, self.store.put_stream(stream, AUDIO_TTL))
            .instrument(span.clone())
            .await;
        self.play(spoken, speak, stored, &span, StoreOp::PutAudioStream)
    }

    /// `Play` of the stored audio, or the `Say` already in `spoken` on failure.
    fn play(
        &self,
        mut spoken: Spoken,
        speak: &Speak,
        stored: Result<Result<AudioId, StoreError>, Elapsed>,
        span: &Span,
        op: StoreOp,
    ) -> Spoken {
        match stored {
            Ok(Ok(id)) => {
                spoken.prompt = Prompt::Play {
                    audio: id.clone(),
                    text: speak.text.clone(),
                };
                spoken.audio = Some(id);
            }
            Ok(Err(e)) => store_failed(&mut spoken, span, op, failure(&e)),
            Err(_) => store_failed(&mut spoken, span, op, timed_out(self.store.name())),
        }
        spoken
    }

    /// Synthesizes fixed prompts ahead of calls, [`PREWARM_CONCURRENCY`] at a time
    /// and within [`PREWARM_BUDGET`] in all; returns how many are now cached.
    /// Prompts still running when the budget ends are dropped (and synthesized on
    /// first use); those finished stay cached.
    pub(crate) async fn prewarm(&self, merchant: &Merchant, texts: Vec<String>) -> usize {
        let Some(speech) = self.speech.as_ref() else {
            return 0;
        };
        let budget_ends = Instant::now() + PREWARM_BUDGET;
        let ready = AtomicUsize::new(0);
        let mut todo = Vec::new();
        for text in texts {
            if self.cache().contains_key(&Self::key(&text, merchant)) {
                ready.fetch_add(1, Ordering::Relaxed);
            } else if !todo.contains(&text) {
                todo.push(text);
            }
        }
        let warm_one = |text: String| {
            let ready = &ready;
            async move {
                let key = Self::key(&text, merchant);
                let speak = Speak {
                    text,
                    cacheability: Cacheability::Shared,
                };
                let request = self.request(&speak, merchant);
                match tokio::time::timeout(PREWARM_TIMEOUT, speech.synthesize(&request)).await {
                    Ok(Ok(audio)) => {
                        let mut cache = self.cache();
                        if cache.len() < CACHE_ENTRIES {
                            cache.insert(key, audio);
                            ready.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Err(e)) => debug_prewarm_failed(speech.name(), e.kind()),
                    Err(_) => debug_prewarm_failed(speech.name(), ErrorKind::Timeout),
                }
            }
        };
        // Bounded concurrency without spawning: at most PREWARM_CONCURRENCY
        // syntheses in flight, the next one starting as soon as one finishes.
        let mut pending = todo.into_iter();
        let mut running: Vec<Pin<Box<dyn Future<Output = ()> + Send + '_>>> = Vec::new();
        let all = std::future::poll_fn(|cx| {
            loop {
                while running.len() < PREWARM_CONCURRENCY {
                    match pending.next() {
                        Some(text) => running.push(Box::pin(warm_one(text))),
                        None => break,
                    }
                }
                if running.is_empty() {
                    return Poll::Ready(());
                }
                let before = running.len();
                running.retain_mut(|f| f.as_mut().poll(cx).is_pending());
                if running.len() == before {
                    return Poll::Pending;
                }
                // Some finished: start the next ones (and poll them once).
            }
        });
        let _ = timeout_at(budget_ends, all).await;
        ready.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests;
