//! Turning the conversation's `Speak` actions into prompts: synthesized audio
//! stored for the carrier to fetch (`Play`), or the carrier's own voice (`Say`)
//! when there is no speech provider or it fails or is too slow.
//!
//! Fixed prompts (`Shared`) are synthesized once and their audio kept in a
//! [`SpeechCache`] in front of the provider (byte-bounded, one synthesis per
//! prompt however many calls ask at once); each use stores a fresh copy in the
//! audio store, so an evicted or expired id never reaches the carrier. Personal
//! text passes the cache by: it is synthesized every time and never kept.
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
//! time within [`PREWARM_BUDGET`] ([`SpeechCache::prewarm`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tracing::{Instrument, Span};

use super::STORE_FLOOR;
use super::failure::{failure, timed_out};
use super::observe::{self, StoreOp};
use crate::clock::{Clock, Elapsed, ms_since, timeout_at};
use crate::conversation::Speak;
use crate::domain::{AudioId, Merchant, Timestamp};
use crate::error::{ErrorKind, SpeechError, StoreError};
use crate::provider::{AudioFormat, Cacheability, Speech, SpeechRequest};
use crate::reply::Prompt;
use crate::store::{AudioStore, ProviderFailure};
use crate::wrappers::{PrewarmLimits, SpeechCache};

/// How long stored audio waits for the carrier.
const AUDIO_TTL: Duration = Duration::from_secs(15 * 60);
/// Bytes of fixed prompts' audio kept (a prompt is tens of kilobytes: every
/// merchant's set fits many times over).
const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Time one synthesis of a fixed prompt may take, in a turn or a pre-warm (a
/// turn stops waiting at its deadline; the synthesis goes on to fill the cache).
const SYNTHESIS_TIMEOUT: Duration = Duration::from_secs(30);
/// Fixed prompts pre-synthesized at once (stays within providers' concurrency
/// limits, e.g. ElevenLabs' lowest tiers allow a few concurrent requests).
pub(crate) const PREWARM_CONCURRENCY: usize = 4;
/// Total time one merchant's pre-warm may take; prompts not ready by then are
/// synthesized on first use.
pub(crate) const PREWARM_BUDGET: Duration = Duration::from_secs(60);

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
    /// The provider behind the cache of fixed prompts.
    speech: Option<SpeechCache<Arc<dyn Speech>>>,
    format: AudioFormat,
    store: Arc<dyn AudioStore>,
    /// Deadlines and timings, on the assistant's clock.
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Voice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Voice")
            .field("speech", &self.speech.as_ref().map(|s| s.name()))
            .field("format", &self.format)
            .field(
                "cached_prompts",
                &self.speech.as_ref().map(|s| s.stats().entries),
            )
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

/// The value of a synthesis, or `None` after noting in `spoken` why there is
/// none (the provider's error, or no answer before the turn's deadline).
fn synthesized<T>(
    spoken: &mut Spoken,
    span: &Span,
    provider: &'static str,
    result: Result<Result<T, SpeechError>, Elapsed>,
) -> Option<T> {
    let f = match result {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(e)) => failure(&e),
        Err(_) => timed_out(provider),
    };
    spoken.tried = true;
    synthesis_failed(spoken, span, f);
    None
}

/// One prompt on its way to audio: what both renderings (whole, streamed) need.
struct Rendering<'a> {
    speech: &'a SpeechCache<Arc<dyn Speech>>,
    speak: &'a Speak,
    request: SpeechRequest,
    deadline: Timestamp,
    started: Timestamp,
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
        clock: Arc<dyn Clock>,
    ) -> Self {
        let speech = speech.map(|speech| {
            SpeechCache::new(speech, CACHE_BYTES).with_flight_timeout(SYNTHESIS_TIMEOUT)
        });
        Voice {
            speech,
            format,
            store,
            clock,
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
        deadline: Timestamp,
        carrier_only: bool,
    ) -> Spoken {
        let started = self.clock.now();
        let spoken = Spoken {
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
        let job = Rendering {
            speech,
            speak,
            request: self.request(speak, merchant),
            deadline,
            started,
        };
        match speak.cacheability {
            Cacheability::Shared => self.render_shared(job, spoken).await,
            Cacheability::Personal => self.render_streaming(job, spoken).await,
        }
    }

    /// A fixed prompt: its whole audio, from the cache or synthesized (and
    /// cached) once however many calls ask at once.
    async fn render_shared(&self, job: Rendering<'_>, mut spoken: Spoken) -> Spoken {
        let (speech, speak) = (job.speech, job.speak);
        let span = observe::speech_span(speech.name(), false, speak.text.chars().count());
        let clock = &*self.clock;
        let result = timeout_at(clock, job.deadline, speech.serve(&job.request))
            .instrument(span.clone())
            .await;
        spoken.ms = ms_since(clock, job.started);
        let Some((audio, served)) = synthesized(&mut spoken, &span, speech.name(), result) else {
            return spoken;
        };
        // A hit (or a synthesis another call started) costs nothing here.
        if served.reached_provider() {
            spoken.tried = true;
            spoken.synthesized_chars = speak.text.chars().count() as u32;
        }
        let until = job.deadline.max(clock.now().plus(STORE_FLOOR));
        let span = observe::store_span(self.store.name(), StoreOp::PutAudio);
        let stored = timeout_at(clock, until, self.store.put(audio, AUDIO_TTL))
            .instrument(span.clone())
            .await;
        self.play(spoken, speak, stored, &span, StoreOp::PutAudio)
    }

    /// Personal text: waits for the first chunk only, then plays the audio while
    /// the store collects (and serves) the rest.
    async fn render_streaming(&self, job: Rendering<'_>, mut spoken: Spoken) -> Spoken {
        let Rendering {
            speech,
            speak,
            request,
            deadline,
            started,
        } = job;
        spoken.tried = true;
        let clock = &*self.clock;
        let span = observe::speech_span(speech.name(), true, speak.text.chars().count());
        let first = timeout_at(clock, deadline, async {
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
        spoken.ms = ms_since(clock, started);
        let Some(stream) = synthesized(&mut spoken, &span, speech.name(), first) else {
            return spoken;
        };
        drop(span);
        spoken.synthesized_chars = speak.text.chars().count() as u32;
        let until = deadline.max(clock.now().plus(STORE_FLOOR));
        let span = observe::store_span(self.store.name(), StoreOp::PutAudioStream);
        let stored = timeout_at(clock, until, self.store.put_stream(stream, AUDIO_TTL))
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
    /// Prompts not ready when the budget ends are synthesized on first use (those
    /// already started go on and fill the cache); those finished stay cached.
    /// The counters of the cache of fixed prompts, when there is a provider.
    pub(crate) fn cache_stats(&self) -> Option<crate::wrappers::SpeechCacheStats> {
        self.speech.as_ref().map(SpeechCache::stats)
    }

    pub(crate) async fn prewarm(&self, merchant: &Merchant, texts: Vec<String>) -> usize {
        let Some(speech) = self.speech.as_ref() else {
            return 0;
        };
        let requests = texts.into_iter().map(|text| {
            let speak = Speak {
                text,
                cacheability: Cacheability::Shared,
            };
            self.request(&speak, merchant)
        });
        let limits = PrewarmLimits {
            concurrency: PREWARM_CONCURRENCY,
            budget: PREWARM_BUDGET,
        };
        let report = speech.prewarm(requests, limits).await;
        for (_, e) in &report.failed {
            debug_prewarm_failed(speech.name(), e.kind());
        }
        report.cached
    }
}

#[cfg(test)]
mod tests;
