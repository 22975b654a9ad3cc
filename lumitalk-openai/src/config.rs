//! Configuration: a builder that reads the environment and reports every bad
//! setting at once.

use std::fmt;
use std::time::Duration;

use lumitalk_core::config::{ConfigKind, Given, Lookup, Problems, Setting};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// The public OpenAI API.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// A small, fast, non-reasoning model: classification on a live call cannot wait
/// for a reasoning model to think.
pub const DEFAULT_MODEL: &str = "gpt-4.1-nano";
/// How long one request may take, end to end. A caller is waiting on the line.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Output budget. A classification is about 60 tokens of JSON; reasoning models
/// count their reasoning here too and need more (see [`OpenAiConfigBuilder::max_completion_tokens`]).
pub const DEFAULT_MAX_COMPLETION_TOKENS: u32 = 150;

pub(crate) const KIND: ConfigKind = ConfigKind {
    provider: "OpenAI",
    config: "OpenAiConfig",
};
pub(crate) const API_KEY: Setting = Setting::new("api_key", "OPENAI_API_KEY");
const BASE_URL: Setting = Setting::new("base_url", "OPENAI_BASE_URL");
const MODEL: Setting = Setting::new("model", "OPENAI_MODEL");
const TIMEOUT: Setting = Setting::new("timeout", "OPENAI_TIMEOUT_MS");
const MAX_COMPLETION_TOKENS: Setting =
    Setting::new("max_completion_tokens", "OPENAI_MAX_COMPLETION_TOKENS");
const REASONING_EFFORT: Setting = Setting::new("reasoning_effort", "OPENAI_REASONING_EFFORT");
pub(crate) const ORGANIZATION: Setting = Setting::new("organization", "OPENAI_ORG_ID");
pub(crate) const PROJECT: Setting = Setting::new("project", "OPENAI_PROJECT_ID");
pub(crate) const HTTP_CLIENT: Setting = Setting::builder_only("http_client");

const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// Every problem with an OpenAI configuration (the shared core type).
pub use lumitalk_core::config::{ConfigError, ConfigProblem};

/// A validated configuration for [`OpenAiClassifier`](crate::OpenAiClassifier).
///
/// `Debug` shows everything but the API key.
#[derive(Clone)]
pub struct OpenAiConfig {
    pub(crate) api_key: SecretString,
    pub(crate) base_url: Url,
    pub(crate) model: String,
    pub(crate) timeout: Duration,
    pub(crate) max_completion_tokens: u32,
    pub(crate) reasoning_effort: Option<String>,
    pub(crate) organization: Option<String>,
    pub(crate) project: Option<String>,
    pub(crate) http_client: Option<reqwest::Client>,
}

impl OpenAiConfig {
    /// A builder with nothing set.
    pub fn builder() -> OpenAiConfigBuilder {
        OpenAiConfigBuilder::default()
    }

    /// Reads the environment (see [`OpenAiConfigBuilder::from_env`]) and builds.
    ///
    /// # Errors
    /// Every missing or malformed setting, by name.
    pub fn from_env() -> Result<Self, ConfigError> {
        OpenAiConfigBuilder::from_env().build()
    }

    /// The base URL requests go to (`{base}/chat/completions`).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The model name sent with each request.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The end-to-end timeout of one request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The output token budget (`max_completion_tokens`).
    pub fn max_completion_tokens(&self) -> u32 {
        self.max_completion_tokens
    }

    /// The `reasoning_effort` sent, if any.
    pub fn reasoning_effort(&self) -> Option<&str> {
        self.reasoning_effort.as_deref()
    }

    /// Whether the model is a reasoning model (`gpt-5*` except `*-chat*`, `o1`,
    /// `o3`, `o4*`). Reasoning models reject a non-default `temperature`, so none is
    /// sent to them; everything else gets `temperature: 0`.
    pub fn is_reasoning_model(&self) -> bool {
        is_reasoning_model(&self.model)
    }

    /// The injected HTTP client, if one was given ([`OpenAiConfigBuilder::http_client`]).
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }

    /// The `temperature` to send: `Some(0.0)` for non-reasoning models, `None`
    /// (field omitted) for reasoning models.
    pub fn temperature(&self) -> Option<f32> {
        (!self.is_reasoning_model()).then_some(0.0)
    }

    /// The chat-completions endpoint.
    pub(crate) fn endpoint(&self) -> String {
        format!(
            "{}/chat/completions",
            self.base_url.as_str().trim_end_matches('/')
        )
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("api_key", &"<redacted>")
            .field("base_url", &redacted_url(&self.base_url))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_completion_tokens", &self.max_completion_tokens)
            .field("reasoning_effort", &self.reasoning_effort)
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "<injected>"),
            )
            .finish()
    }
}

/// The URL without user info, for `Debug`.
fn redacted_url(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Whether `model` is a reasoning model that only accepts the default temperature.
/// A `vendor/` prefix (OpenRouter, LiteLLM) is ignored.
pub(crate) fn is_reasoning_model(model: &str) -> bool {
    let name = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    let o_series = ["o1", "o3", "o4"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
    });
    o_series || (name.starts_with("gpt-5") && !name.contains("-chat"))
}

/// Builds an [`OpenAiConfig`]. Setters override what [`from_env`](Self::from_env)
/// read; [`build`](Self::build) validates everything and reports every problem,
/// each named by its builder method (`OpenAiConfig::builder().api_key(..)`) or,
/// when it came from the environment, by its variable (`OPENAI_API_KEY`).
#[derive(Default, Clone)]
pub struct OpenAiConfigBuilder {
    api_key: Option<Given<SecretString>>,
    base_url: Option<Given<String>>,
    model: Option<Given<String>>,
    timeout: Option<Given<Duration>>,
    max_completion_tokens: Option<Given<u32>>,
    reasoning_effort: Option<Given<String>>,
    organization: Option<Given<String>>,
    project: Option<Given<String>>,
    http_client: Option<reqwest::Client>,
    problems: Problems,
}

impl fmt::Debug for OpenAiConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfigBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url.as_ref().map(|_| "<set>"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_completion_tokens", &self.max_completion_tokens)
            .field("reasoning_effort", &self.reasoning_effort)
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "<injected>"),
            )
            .finish_non_exhaustive()
    }
}

impl OpenAiConfigBuilder {
    /// Reads the process environment:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `OPENAI_API_KEY` | bearer token (required) | none |
    /// | `OPENAI_BASE_URL` | any OpenAI-compatible server, ending in `/v1` | [`DEFAULT_BASE_URL`] |
    /// | `OPENAI_MODEL` | model name | [`DEFAULT_MODEL`] |
    /// | `OPENAI_TIMEOUT_MS` | request timeout in milliseconds | [`DEFAULT_TIMEOUT`] |
    /// | `OPENAI_MAX_COMPLETION_TOKENS` | output budget | [`DEFAULT_MAX_COMPLETION_TOKENS`] |
    /// | `OPENAI_REASONING_EFFORT` | `reasoning_effort` for reasoning models | not sent |
    /// | `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID` | `OpenAI-Organization` / `OpenAI-Project` headers | not sent |
    ///
    /// Empty variables count as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), with variables from `lookup` (for tests
    /// and for configuration kept elsewhere than the process environment).
    ///
    /// ```
    /// use lumitalk_openai::OpenAiConfigBuilder;
    ///
    /// let vars = |name: &str| match name {
    ///     "OPENAI_API_KEY" => Some("sk-local".to_string()),
    ///     "OPENAI_BASE_URL" => Some("http://localhost:11434/v1".to_string()),
    ///     "OPENAI_MODEL" => Some("llama3.1:8b".to_string()),
    ///     _ => None,
    /// };
    /// let config = OpenAiConfigBuilder::from_lookup(vars).build().unwrap();
    /// assert_eq!(config.model(), "llama3.1:8b");
    /// assert!(!format!("{config:?}").contains("sk-local"));
    ///
    /// // Every problem is reported at once, by the name the caller used.
    /// let err = OpenAiConfigBuilder::from_lookup(|name| match name {
    ///     "OPENAI_TIMEOUT_MS" => Some("soon".to_string()),
    ///     _ => None,
    /// })
    /// .model("gpt 4")
    /// .build()
    /// .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid OpenAI configuration: \
    ///      OPENAI_TIMEOUT_MS: not a whole number of milliseconds; \
    ///      OPENAI_API_KEY is missing; \
    ///      OpenAiConfig::builder().model(..): must be a model name without spaces"
    /// );
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut env = Lookup::new(&lookup);
        let timeout = env.parse(TIMEOUT, |v| {
            v.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| "not a whole number of milliseconds".to_string())
        });
        let max_completion_tokens = env.parse(MAX_COMPLETION_TOKENS, |v| {
            v.parse::<u32>()
                .map_err(|_| "not a whole number of tokens".to_string())
        });
        OpenAiConfigBuilder {
            api_key: env.secret(API_KEY),
            base_url: env.text(BASE_URL),
            model: env.text(MODEL),
            timeout,
            max_completion_tokens,
            reasoning_effort: env.text(REASONING_EFFORT),
            organization: env.text(ORGANIZATION),
            project: env.text(PROJECT),
            http_client: None,
            problems: env.into_problems(),
        }
    }

    /// The API key (`OPENAI_API_KEY`).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(Given::by_builder(key.into()));
        self
    }

    /// The base URL, e.g. `http://localhost:11434/v1` for Ollama (`OPENAI_BASE_URL`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(Given::by_builder(url.into()));
        self
    }

    /// The model (`OPENAI_MODEL`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(Given::by_builder(model.into()));
        self
    }

    /// The end-to-end request timeout (`OPENAI_TIMEOUT_MS`), at most 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Given::by_builder(timeout));
        self
    }

    /// The output budget (`OPENAI_MAX_COMPLETION_TOKENS`). Reasoning models spend
    /// it on reasoning too: give them several hundred and a low reasoning effort.
    pub fn max_completion_tokens(mut self, tokens: u32) -> Self {
        self.max_completion_tokens = Some(Given::by_builder(tokens));
        self
    }

    /// `reasoning_effort` for reasoning models (`none`, `minimal`, `low`, ...,
    /// model-dependent) (`OPENAI_REASONING_EFFORT`). Sent only to reasoning models.
    pub fn reasoning_effort(mut self, effort: impl Into<String>) -> Self {
        self.reasoning_effort = Some(Given::by_builder(effort.into()));
        self
    }

    /// The `OpenAI-Organization` header (`OPENAI_ORG_ID`).
    pub fn organization(mut self, org: impl Into<String>) -> Self {
        self.organization = Some(Given::by_builder(org.into()));
        self
    }

    /// The `OpenAI-Project` header (`OPENAI_PROJECT_ID`).
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(Given::by_builder(project.into()));
        self
    }

    /// The HTTP client to send requests with (shared connection pool, proxy,
    /// TLS settings), instead of the one this crate builds (which has the
    /// [`timeout`](Self::timeout) as request and connect timeout and follows no
    /// redirects).
    ///
    /// Every request still sets, itself, `Authorization: Bearer …`,
    /// `Content-Type: application/json`, the organization and project headers
    /// and the [`timeout`](Self::timeout); the client's default headers are sent
    /// too. Give it the redirect policy [`reqwest::redirect::Policy::none`]: the
    /// organization and project are custom headers, which reqwest does not strip
    /// when a redirect leads to another host. A 3xx answer is an invalid response
    /// either way, never followed by this crate.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Validates every setting.
    ///
    /// # Errors
    /// A [`ConfigError`] listing each missing or malformed setting by the name
    /// the caller used (builder method or environment variable).
    pub fn build(self) -> Result<OpenAiConfig, ConfigError> {
        let mut p = self.problems;
        let api_key = self
            .api_key
            .filter(|k| !k.value.expose_secret().trim().is_empty());
        let api_key = p.require_checked(API_KEY, api_key, check_api_key);
        let base_url = self
            .base_url
            .unwrap_or(Given::by_builder(DEFAULT_BASE_URL.into()));
        let base_url = p.check(BASE_URL, base_url, |u| parse_base_url(&u));
        let model = self
            .model
            .unwrap_or(Given::by_builder(DEFAULT_MODEL.into()));
        let model = p.check(MODEL, model, |m| {
            if m.trim().is_empty() || m.chars().any(char::is_whitespace) {
                return Err("must be a model name without spaces".into());
            }
            Ok(m)
        });
        let timeout = p.check_or(TIMEOUT, self.timeout, DEFAULT_TIMEOUT, |t| {
            if t.is_zero() || t > MAX_TIMEOUT {
                return Err("must be between 1 ms and 60 s".into());
            }
            Ok(t)
        });
        let max_completion_tokens = p.check_or(
            MAX_COMPLETION_TOKENS,
            self.max_completion_tokens,
            DEFAULT_MAX_COMPLETION_TOKENS,
            |n| {
                if n == 0 {
                    Err("must be at least 1".into())
                } else {
                    Ok(n)
                }
            },
        );
        let reasoning_model = model.as_deref().is_some_and(is_reasoning_model);
        let reasoning_effort = p.check_or(REASONING_EFFORT, self.reasoning_effort, None, |e| {
            check_reasoning_effort(e, reasoning_model).map(Some)
        });
        let [organization, project] = [(ORGANIZATION, self.organization), (PROJECT, self.project)]
            .map(|(setting, value)| {
                p.check_or(setting, value, None, |v| {
                    match v.bytes().all(|b| b.is_ascii_graphic()) {
                        true => Ok(Some(v)),
                        false => Err("must be a printable ASCII identifier".into()),
                    }
                })
            });
        p.finish(KIND, || {
            Some(OpenAiConfig {
                api_key: api_key?,
                base_url: base_url?,
                model: model?,
                timeout: timeout?,
                max_completion_tokens: max_completion_tokens?,
                reasoning_effort: reasoning_effort?,
                organization: organization?,
                project: project?,
                http_client: self.http_client,
            })
        })
    }
}

/// An API key usable in an `Authorization` header.
fn check_api_key(key: SecretString) -> Result<SecretString, String> {
    let k = key.expose_secret();
    if k.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace".into());
    }
    if !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("is not a valid HTTP header value".into());
    }
    Ok(key)
}

/// An http(s) URL without query or fragment. The value is never repeated (it may
/// hold credentials).
fn parse_base_url(raw: &str) -> Result<Url, String> {
    match Url::parse(raw) {
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            Err("must be an http or https URL".into())
        }
        Ok(u) if u.query().is_some() || u.fragment().is_some() => {
            Err("must not have a query or fragment".into())
        }
        Ok(u) => Ok(u),
        Err(e) => Err(format!("is not a valid URL ({e})")),
    }
}

/// A single lowercase word, given only for a reasoning model.
fn check_reasoning_effort(effort: String, reasoning_model: bool) -> Result<String, String> {
    let effort = effort.trim().to_ascii_lowercase();
    if !effort.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err("must be a single word such as `minimal` or `low`".into());
    }
    if !reasoning_model {
        return Err(
            "is only accepted by reasoning models (gpt-5*, o-series); unset it for this model"
                .into(),
        );
    }
    Ok(effort)
}

#[cfg(test)]
mod tests;
