//! The HTTP client: builds `POST /v1/text-to-speech/{voice_id}[/stream]` requests
//! and reads their bodies chunk by chunk under an idle timeout.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use lumitalk_core::{AudioFormat, Language, SpeechError};
use reqwest::header::{HeaderValue, USER_AGENT};
use url::Url;

use crate::check;
use crate::config::{ConfigError, ElevenLabsConfig, HTTP_CLIENT, KIND};
use crate::error::{self, classify, timed_out, transport};
use crate::model;
use crate::wire::TextToSpeechBody;

/// Error bodies larger than this are cut (they are a few hundred bytes in practice).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Which endpoint to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/v1/text-to-speech/{voice_id}`: the whole audio in one body.
    Full,
    /// `/v1/text-to-speech/{voice_id}/stream`: chunked audio as it is generated.
    Stream,
}

impl Endpoint {
    fn as_str(self) -> &'static str {
        match self {
            Endpoint::Full => "full",
            Endpoint::Stream => "stream",
        }
    }
}

/// A configured HTTP client for the text-to-speech API.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    config: Arc<ElevenLabsConfig>,
}

impl Client {
    pub(crate) fn new(config: ElevenLabsConfig) -> Result<Self, ConfigError> {
        let http = match &config.http_client {
            Some(injected) => injected.clone(),
            // Redirects are not followed: reqwest strips `Authorization` on a cross-host
            // redirect but not a custom `xi-api-key` header, which would leak the key.
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(config.timeout)
                .build()
                .map_err(|e| {
                    let reason =
                        format!("the default HTTP client could not be built ({e}); inject one");
                    ConfigError::invalid(KIND, HTTP_CLIENT, reason)
                })?,
        };
        Ok(Client {
            http,
            config: Arc::new(config),
        })
    }

    pub(crate) fn config(&self) -> &ElevenLabsConfig {
        &self.config
    }

    /// `{base}/v1/text-to-speech/{voice_id}[/stream]?output_format=...`
    pub(crate) fn url(&self, voice_id: &str, format: AudioFormat, endpoint: Endpoint) -> Url {
        let mut url = self.config.base_url.clone();
        {
            // `build()` refused bases that cannot carry a path.
            let mut path = url.path_segments_mut().expect("base URL is an http(s) URL");
            path.pop_if_empty()
                .extend(["v1", "text-to-speech", voice_id]);
            if endpoint == Endpoint::Stream {
                path.push("stream");
            }
        }
        url.query_pairs_mut()
            .append_pair("output_format", format.as_str());
        url
    }

    /// Sends one request and waits for a success status.
    ///
    /// Runs in a DEBUG `tts_request` span (provider, endpoint, model and the
    /// text's length, never the text or the key); a failure is logged at DEBUG with
    /// its status, kind and delay hint (the assistant logs the failure it works
    /// around at WARN).
    ///
    /// # Errors
    /// The classified error status, a timeout before the response starts, or a
    /// connection failure.
    #[tracing::instrument(
        name = "tts_request",
        level = "debug",
        skip_all,
        fields(
            provider = %error::PROVIDER,
            endpoint = %endpoint.as_str(),
            model = %self.config.model_id,
            chars = text.chars().count(),
        )
    )]
    pub(crate) async fn start(
        &self,
        voice_id: &str,
        text: &str,
        language: &Language,
        format: AudioFormat,
        endpoint: Endpoint,
    ) -> Result<Body, SpeechError> {
        let config = &*self.config;
        let language_code = model::accepts_language_code(&config.model_id)
            .then(|| language.primary())
            .filter(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()));
        let body = TextToSpeechBody {
            text,
            model_id: &config.model_id,
            voice_settings: config.voice_settings,
            language_code,
        };
        let mut key =
            HeaderValue::from_str(config.api_key()).map_err(|_| SpeechError::Unauthorized {
                provider: error::PROVIDER,
                message: "the API key is not a valid header value".into(),
            })?;
        key.set_sensitive(true);
        let request = self
            .http
            .post(self.url(voice_id, format, endpoint))
            .header("xi-api-key", key)
            .header(
                USER_AGENT,
                concat!("lumitalk-elevenlabs/", env!("CARGO_PKG_VERSION")),
            )
            .json(&body);
        let timeout = config.timeout;
        let response = tokio::time::timeout(timeout, request.send())
            .await
            .map_err(|_| timed_out(timeout))
            .and_then(|sent| sent.map_err(|e| transport(&e, timeout)))
            .map_err(|e| debug_failure(None, None, e))?;
        let mut body = Body {
            response,
            timeout,
            read: 0,
        };
        let status = body.response.status();
        if status.is_success() {
            // The content type never tells the format, but JSON/HTML/text is no audio.
            let content_type = body
                .response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            if check::is_not_audio_content_type(&content_type) {
                return Err(debug_failure(
                    Some(status),
                    None,
                    check::not_audio(&content_type),
                ));
            }
            tracing::debug!(status = status.as_u16(), "text-to-speech answer");
            return Ok(body);
        }
        let headers = body.response.headers().clone();
        let mut raw = BytesMut::new();
        // A body that cannot be read still leaves the status to classify.
        while let Ok(Some(chunk)) = body.next_chunk().await {
            raw.extend_from_slice(&chunk);
            if raw.len() >= MAX_ERROR_BODY {
                break;
            }
        }
        let request_id = headers.get("request-id").and_then(|v| v.to_str().ok());
        Err(debug_failure(
            Some(status),
            request_id,
            classify(status, &headers, &raw),
        ))
    }
}

/// Logs a failed request at DEBUG: status, ElevenLabs' request id, kind and delay
/// hint (not the message: the assistant logs the failure at WARN).
fn debug_failure(
    status: Option<reqwest::StatusCode>,
    request_id: Option<&str>,
    e: SpeechError,
) -> SpeechError {
    tracing::debug!(
        status = status.map(|s| s.as_u16()),
        request_id,
        kind = %e.kind().as_str(),
        retry_after_ms = e.retry_after().map(|d| d.as_millis() as u64),
        "text-to-speech request failed"
    );
    e
}

/// The body of a successful response.
#[derive(Debug)]
pub(crate) struct Body {
    response: reqwest::Response,
    timeout: Duration,
    /// Bytes read so far.
    read: usize,
}

impl Body {
    /// The next chunk as it arrives; `None` at the end.
    ///
    /// # Errors
    /// `Timeout` when no chunk arrives within the idle timeout; `Unavailable` when
    /// the connection breaks; `InvalidResponse` once the body passes
    /// [`MAX_AUDIO_BYTES`](crate::MAX_AUDIO_BYTES) (error bodies are cut before).
    pub(crate) async fn next_chunk(&mut self) -> Result<Option<Bytes>, SpeechError> {
        let chunk = tokio::time::timeout(self.timeout, self.response.chunk())
            .await
            .map_err(|_| timed_out(self.timeout))?
            .map_err(|e| transport(&e, self.timeout))?;
        if let Some(c) = &chunk {
            self.read = self.read.saturating_add(c.len());
            if self.read > check::MAX_AUDIO_BYTES {
                return Err(check::too_large());
            }
        }
        Ok(chunk)
    }

    /// The whole body (at most [`MAX_AUDIO_BYTES`](crate::MAX_AUDIO_BYTES)).
    pub(crate) async fn read_all(mut self) -> Result<Bytes, SpeechError> {
        let mut buf = BytesMut::new();
        while let Some(chunk) = self.next_chunk().await? {
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}
