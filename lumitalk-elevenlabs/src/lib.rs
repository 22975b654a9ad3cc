//! # lumitalk-elevenlabs
//!
//! [ElevenLabs](https://elevenlabs.io) text-to-speech for LumiTalk:
//! [`ElevenLabsSpeech`] implements [`lumitalk_core::Speech`];
//! [`cached`](ElevenLabsSpeech::cached) puts it behind core's speech cache,
//! [`lumitalk_core::wrappers::SpeechCache`].
//!
//! ## Speech
//! - `POST {base}/v1/text-to-speech/{voice_id}?output_format=...` for whole audio and
//!   `.../{voice_id}/stream?output_format=...` for [`Speech::synthesize_stream`](lumitalk_core::Speech::synthesize_stream),
//!   which yields chunks as they arrive so a server can start answering the
//!   carrier's audio fetch before synthesis ends.
//! - Auth is the `xi-api-key` header. The JSON body carries `text`, `model_id`,
//!   `voice_settings` and, for the models that accept it (Flash and Turbo v2.5),
//!   `language_code` (ISO 639-1, from [`Language::primary`](lumitalk_core::Language::primary)).
//! - The returned audio's format is the one requested: ElevenLabs labels every
//!   format `audio/mpeg`, so the response's content type never picks the format.
//!   It still rules out what is clearly not audio: a `200` labelled JSON, HTML,
//!   XML or text is an `InvalidResponse`, and so is MP3 that does not start with an
//!   `ID3` tag or an MPEG frame sync, and a body over [`MAX_AUDIO_BYTES`] (10 MiB).
//!   Failures are never cached.
//! - Errors are classified in one function (see the table in the `error` module
//!   source): a 401 (including `quota_exceeded`) is permanent, 429 is retryable with
//!   a delay hint, 5xx and timeouts are retryable. This crate never retries itself;
//!   wrap it with core's retry/timeout/fallback wrappers.
//!
//! ## Long text: split, not rejected
//! Each model takes a bounded number of characters per request (Flash/Turbo v2.5
//! 40,000, Multilingual v2 10,000, v3 and unknown models 3,000 here). Longer text is
//! split at sentence boundaries (then whitespace) and the parts' audio is joined.
//! That is safe because MP3 is a sequence of independent frames and μ-law/PCM are
//! headerless samples, so concatenation yields valid audio, and a caller hearing the
//! whole reply in the merchant's voice beats a fallback to the carrier's voice.
//! Formats with a header or container (WAV, Ogg/Opus) cannot be joined this way;
//! over-long text in them is rejected with `SpeechError::InvalidRequest`.
//!
//! ## Configuration
//! [`ElevenLabsConfig::from_env`] reads `ELEVENLABS_API_KEY` and `ELEVENLABS_VOICE_ID`
//! (both required: there is no safe default voice), `ELEVENLABS_MODEL_ID` (default
//! `eleven_flash_v2_5`), `ELEVENLABS_BASE_URL` (default `https://api.elevenlabs.io`),
//! `ELEVENLABS_STABILITY`, `ELEVENLABS_SIMILARITY_BOOST`, `ELEVENLABS_STYLE`,
//! `ELEVENLABS_USE_SPEAKER_BOOST`, `ELEVENLABS_SPEED`, `ELEVENLABS_TIMEOUT_MS` and
//! `ELEVENLABS_MAX_CHARS`, and names every missing or malformed one at once.
//!
//! ```no_run
//! use lumitalk_core::{AudioFormat, Cacheability, Language, Speech, SpeechRequest};
//! use lumitalk_elevenlabs::ElevenLabsSpeech;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // 50 MB of cached fixed prompts.
//! let speech = ElevenLabsSpeech::from_env()?.cached(50 * 1024 * 1024);
//! let request = SpeechRequest {
//!     text: "Thanks for calling Acme Outdoor. How can I help?".into(),
//!     voice: None,
//!     language: Language::en_us(),
//!     format: AudioFormat::Ulaw8000,
//!     cacheability: Cacheability::Shared,
//! };
//! let mut stream = speech.synthesize_stream(&request).await?;
//! while let Some(chunk) = stream.next_chunk().await {
//!     let chunk = chunk?; // forward to the carrier as it arrives
//!     # let _ = chunk;
//! }
//! # Ok(()) }
//! ```
//!
//! ## Cache
//! The speech cache is core's [`SpeechCache`](lumitalk_core::wrappers::SpeechCache),
//! which wraps any provider: it caches only `Cacheability::Shared` requests, is
//! bounded by bytes (LRU), lets concurrent requests for the same text share one
//! synthesis, never caches failures, counts hits and misses and can pre-warm fixed
//! prompts. [`ElevenLabsSpeech::cached`] keys it with the
//! [`settings_fingerprint`](ElevenLabsSpeech::settings_fingerprint), so a change of
//! model, voice or voice settings never serves old audio. The names this crate used
//! to export for it ([`CachedSpeech`], [`CacheStats`], [`PrewarmReport`]) remain as
//! deprecated aliases.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod check;
mod client;
pub mod config;
mod error;
mod model;
mod speech;
mod split;
mod wire;

pub use check::MAX_AUDIO_BYTES;
pub use config::{
    ConfigError, ConfigProblem, DEFAULT_BASE_URL, DEFAULT_MODEL_ID, DEFAULT_TIMEOUT,
    ElevenLabsConfig, ElevenLabsConfigBuilder,
};
pub use speech::ElevenLabsSpeech;
pub use wire::VoiceSettings;

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;

/// The speech cache, now core's.
#[deprecated(
    note = "use lumitalk_core::wrappers::SpeechCache (ElevenLabsSpeech::cached builds one)"
)]
pub type CachedSpeech<S> = lumitalk_core::wrappers::SpeechCache<S>;

/// The speech cache's counters, now core's.
#[deprecated(note = "use lumitalk_core::wrappers::SpeechCacheStats")]
pub type CacheStats = lumitalk_core::wrappers::SpeechCacheStats;

/// What a pre-warm did, now core's.
#[deprecated(note = "use lumitalk_core::wrappers::PrewarmReport")]
pub type PrewarmReport = lumitalk_core::wrappers::PrewarmReport;
