//! The HTTP client: one `POST {base}/chat/completions`, no retries (retries are
//! core's `Retry` wrapper's job).

use std::fmt;
use std::time::{Duration, Instant};

use lumitalk_core::ClassifyError;
use lumitalk_core::config::Setting;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use secrecy::ExposeSecret;

use crate::config::{API_KEY, ConfigError, HTTP_CLIENT, KIND, ORGANIZATION, OpenAiConfig, PROJECT};
use crate::error::{classify_http_error, classify_transport_error, invalid_response};
use crate::wire::{ChatRequest, ChatResponse};

/// A parsed 200 answer and how long it took.
#[derive(Debug)]
pub(crate) struct Completion {
    pub(crate) response: ChatResponse,
    pub(crate) latency: Duration,
    pub(crate) request_id: Option<String>,
}

/// Sends chat-completion requests with the configured credentials and timeout.
#[derive(Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    endpoint: String,
    /// Sent with every request (not as client defaults, so an injected client sends them too).
    headers: Vec<(HeaderName, HeaderValue)>,
    config: OpenAiConfig,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(config: OpenAiConfig) -> Result<Self, ConfigError> {
        let mut auth = header_value(
            API_KEY,
            &format!("Bearer {}", config.api_key.expose_secret()),
        )?;
        auth.set_sensitive(true);
        let mut headers = vec![
            (AUTHORIZATION, auth),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ];
        for (name, value, setting) in [
            ("openai-organization", &config.organization, ORGANIZATION),
            ("openai-project", &config.project, PROJECT),
        ] {
            if let Some(v) = value {
                headers.push((HeaderName::from_static(name), header_value(setting, v)?));
            }
        }
        let http = match &config.http_client {
            Some(injected) => injected.clone(),
            None => reqwest::Client::builder()
                .timeout(config.timeout)
                .connect_timeout(config.timeout)
                // An API POST has no business redirecting; never carry the key elsewhere.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| {
                    config_error(
                        HTTP_CLIENT,
                        format!(
                            "the default HTTP client could not be built ({}); inject one",
                            e.without_url()
                        ),
                    )
                })?,
        };
        Ok(Client {
            http,
            endpoint: config.endpoint(),
            headers,
            config,
        })
    }

    pub(crate) fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// Sends one request and parses the 200 envelope (not yet the model's JSON).
    ///
    /// Runs in a DEBUG `chat_completion` span; failures are logged at DEBUG with
    /// their HTTP status, kind, delay hint and request id (the assistant logs the
    /// failure it works around at WARN). Nothing from the request is logged.
    #[tracing::instrument(
        name = "chat_completion",
        level = "debug",
        skip_all,
        fields(provider = %crate::NAME, model = %self.config.model)
    )]
    pub(crate) async fn complete(
        &self,
        request: &ChatRequest<'_>,
    ) -> Result<Completion, ClassifyError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| invalid_response(format!("request could not be encoded: {e}")))?;
        let started = Instant::now();
        let timeout = self.config.timeout;
        let mut request = self.http.post(&self.endpoint).timeout(timeout);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| debug_failure(classify_transport_error(e, timeout)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| debug_failure(classify_transport_error(e, timeout)))?;
        let latency = started.elapsed();
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);

        if !status.is_success() {
            let err = classify_http_error(status, &headers, &bytes, &self.config.model);
            tracing::debug!(
                status = status.as_u16(),
                kind = %err.kind().as_str(),
                retry_after_ms = err.retry_after().map(|d| d.as_millis() as u64),
                request_id = request_id.as_deref().unwrap_or(""),
                "chat completion failed"
            );
            return Err(err);
        }
        let response: ChatResponse = serde_json::from_slice(&bytes)
            .map_err(|e| invalid_response(format!("response is not a chat completion: {e}")))?;
        tracing::debug!(
            request_id = request_id.as_deref().unwrap_or(""),
            latency_ms = latency.as_millis() as u64,
            "chat completion"
        );
        Ok(Completion {
            response,
            latency,
            request_id,
        })
    }
}

/// `value` as a header value; `build()` already refused values that are not.
fn header_value(setting: Setting, value: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(value)
        .map_err(|_| config_error(setting, "is not a valid HTTP header value".into()))
}

fn config_error(setting: Setting, reason: String) -> ConfigError {
    ConfigError::invalid(KIND, setting, reason)
}

/// Logs a failure before the response's status at DEBUG (its kind only: transport
/// errors can name the URL).
fn debug_failure(e: ClassifyError) -> ClassifyError {
    tracing::debug!(kind = %e.kind().as_str(), "chat completion failed before a response");
    e
}
