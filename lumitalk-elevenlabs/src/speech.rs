//! [`ElevenLabsSpeech`]: the [`Speech`] implementation.

use async_trait::async_trait;
use bytes::BytesMut;
use lumitalk_core::wrappers::SpeechCache;
use lumitalk_core::{Audio, AudioStream, Speech, SpeechError, SpeechRequest};
use tracing::Instrument;

use crate::check::{self, MAX_AUDIO_BYTES, StartCheck};
use crate::client::{Body, Client, Endpoint};
use crate::config::{ConfigError, ElevenLabsConfig};
use crate::error::PROVIDER;
use crate::split;

/// Chunks buffered between the HTTP reader task and the stream's consumer.
const STREAM_BUFFER: usize = 32;

/// ElevenLabs text-to-speech over HTTP.
///
/// Cheap to clone (the HTTP client and configuration are shared).
#[derive(Debug, Clone)]
pub struct ElevenLabsSpeech {
    client: Client,
}

impl ElevenLabsSpeech {
    /// A provider with this configuration.
    ///
    /// # Errors
    /// [`ConfigError`] if the HTTP client cannot be created.
    pub fn new(config: ElevenLabsConfig) -> Result<Self, ConfigError> {
        Ok(ElevenLabsSpeech {
            client: Client::new(config)?,
        })
    }

    /// A provider configured from `ELEVENLABS_*` environment variables.
    ///
    /// # Errors
    /// [`ConfigError`] naming every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(ElevenLabsConfig::from_env()?)
    }

    /// The configuration in use.
    pub fn config(&self) -> &ElevenLabsConfig {
        self.client.config()
    }

    /// Everything besides the request that changes the audio: base URL, model, default
    /// voice and voice settings. [`SpeechCache::with_fingerprint`] puts it in its keys.
    pub fn settings_fingerprint(&self) -> String {
        let c = self.config();
        let s = c.voice_settings;
        format!(
            "{}|{}|{}|{}/{}/{}/{}/{}",
            c.base_url,
            c.model_id,
            c.voice_id,
            s.stability,
            s.similarity_boost,
            s.style,
            s.use_speaker_boost,
            s.speed
        )
    }

    /// This provider behind core's [`SpeechCache`] of at most `max_bytes` of audio,
    /// keyed with [`settings_fingerprint`](Self::settings_fingerprint).
    pub fn cached(self, max_bytes: usize) -> SpeechCache<Self> {
        let fingerprint = self.settings_fingerprint();
        SpeechCache::new(self, max_bytes).with_fingerprint(fingerprint)
    }

    /// The voice to use and the text split to fit the model's limit.
    fn plan<'r>(&self, request: &'r SpeechRequest) -> Result<(String, Vec<&'r str>), SpeechError> {
        let config = self.config();
        let voice = request
            .voice
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(&config.voice_id)
            .to_owned();
        let max = config.max_chars;
        let parts = split::split(&request.text, max);
        if parts.is_empty() {
            return Err(invalid("the text is empty"));
        }
        if parts.len() > 1 && !split::joins_by_concatenation(request.format) {
            return Err(invalid(&format!(
                "the text has {} characters, more than the {max} model {} takes in one \
                 request, and {} audio cannot be joined",
                request.text.chars().count(),
                config.model_id,
                request.format.as_str()
            )));
        }
        Ok((voice, parts))
    }

    async fn start(
        &self,
        voice: &str,
        text: &str,
        request: &SpeechRequest,
        endpoint: Endpoint,
    ) -> Result<Body, SpeechError> {
        self.client
            .start(voice, text, &request.language, request.format, endpoint)
            .await
    }
}

fn invalid(message: &str) -> SpeechError {
    SpeechError::InvalidRequest {
        provider: PROVIDER,
        message: message.to_owned(),
    }
}

fn empty_audio() -> SpeechError {
    SpeechError::InvalidResponse {
        provider: PROVIDER,
        message: "the response held no audio".into(),
    }
}

#[async_trait]
impl Speech for ElevenLabsSpeech {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    /// Calls `/v1/text-to-speech/{voice_id}` once per part of the text and joins the audio.
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        let (voice, parts) = self.plan(request)?;
        let mut audio = BytesMut::new();
        for part in parts {
            let body = self.start(&voice, part, request, Endpoint::Full).await?;
            let bytes = body.read_all().await?;
            check::check_body(request.format, &bytes)?;
            if audio.len() + bytes.len() > MAX_AUDIO_BYTES {
                return Err(check::too_large());
            }
            audio.extend_from_slice(&bytes);
        }
        if audio.is_empty() {
            return Err(empty_audio());
        }
        Ok(Audio {
            bytes: audio.freeze(),
            format: request.format,
        })
    }

    /// Calls `/v1/text-to-speech/{voice_id}/stream` and yields chunks as they arrive.
    /// Errors before the body (status, a content type that is not audio, timeout,
    /// connection) are returned here; later ones (MP3 that does not start like MP3,
    /// a body over [`MAX_AUDIO_BYTES`], a stall) end the stream with an `Err` chunk.
    /// Dropping the stream stops the download.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        let (voice, parts) = self.plan(request)?;
        let first = self
            .start(&voice, parts[0], request, Endpoint::Stream)
            .await?;
        let rest: Vec<String> = parts[1..].iter().map(|p| (*p).to_owned()).collect();
        let (tx, stream) = AudioStream::channel(request.format, STREAM_BUFFER);
        let this = self.clone();
        let request = request.clone();
        // The reader outlives the caller's span (the assistant's turn has answered
        // by then): its own span only follows from it.
        let span = tracing::debug_span!(parent: None, "tts_stream", provider = %PROVIDER);
        span.follows_from(tracing::Span::current());
        let reader = async move {
            let mut body = Some(first);
            let mut rest = rest.into_iter();
            let mut total = 0usize;
            loop {
                let mut current = match body.take() {
                    Some(b) => b,
                    None => match rest.next() {
                        None => break,
                        Some(text) => {
                            match this.start(&voice, &text, &request, Endpoint::Stream).await {
                                Ok(b) => b,
                                Err(e) => {
                                    let _ = tx.send(Err(e)).await;
                                    return;
                                }
                            }
                        }
                    },
                };
                // Each part is its own response: each must start like the format.
                let mut start = StartCheck::new(request.format);
                loop {
                    let ready = match current.next_chunk().await {
                        Ok(Some(chunk)) => start.feed(chunk),
                        Ok(None) => match start.finish() {
                            Ok(None) => break,
                            other => other,
                        },
                        Err(e) => Err(e),
                    };
                    let chunk = match ready {
                        Ok(Some(chunk)) => chunk,
                        Ok(None) => continue,
                        Err(e) => {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                    };
                    total += chunk.len();
                    if total > MAX_AUDIO_BYTES {
                        let _ = tx.send(Err(check::too_large())).await;
                        return;
                    }
                    if tx.send(Ok(chunk)).await.is_err() {
                        // The consumer is gone: drop the response to stop the download.
                        return;
                    }
                }
            }
            if total == 0 {
                let _ = tx.send(Err(empty_audio())).await;
            }
        };
        tokio::spawn(reader.instrument(span));
        Ok(stream)
    }
}
