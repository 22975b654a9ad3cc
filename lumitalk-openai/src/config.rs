//! Configuration: a builder that reads the environment and reports every bad
//! setting at once.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
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

const ENV_API_KEY: &str = "OPENAI_API_KEY";
const ENV_BASE_URL: &str = "OPENAI_BASE_URL";
const ENV_MODEL: &str = "OPENAI_MODEL";
const ENV_TIMEOUT_MS: &str = "OPENAI_TIMEOUT_MS";
const ENV_MAX_COMPLETION_TOKENS: &str = "OPENAI_MAX_COMPLETION_TOKENS";
const ENV_REASONING_EFFORT: &str = "OPENAI_REASONING_EFFORT";
const ENV_ORG_ID: &str = "OPENAI_ORG_ID";
const ENV_PROJECT_ID: &str = "OPENAI_PROJECT_ID";

const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// One bad or missing setting, named by its environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// A required setting was not given.
    Missing {
        /// The setting's environment variable name, e.g. `OPENAI_API_KEY`.
        setting: &'static str,
    },
    /// A setting was given but is unusable. The value itself is never repeated
    /// (a base URL may hold credentials).
    Invalid {
        /// The setting's environment variable name.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl ConfigProblem {
    /// The setting's environment variable name.
    pub fn setting(&self) -> &'static str {
        match self {
            ConfigProblem::Missing { setting } | ConfigProblem::Invalid { setting, .. } => setting,
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::Missing { setting } => write!(f, "{setting} is missing"),
            ConfigProblem::Invalid { setting, reason } => write!(f, "{setting} {reason}"),
        }
    }
}

/// Every problem found while building an [`OpenAiConfig`] (or its HTTP client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub(crate) fn new(problems: Vec<ConfigProblem>) -> Self {
        ConfigError { problems }
    }

    /// The problems, one per bad setting.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid OpenAI configuration: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

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
/// read; [`build`](Self::build) validates everything and reports every problem.
#[derive(Default, Clone)]
pub struct OpenAiConfigBuilder {
    api_key: Option<SecretString>,
    base_url: Option<String>,
    model: Option<String>,
    timeout: Option<Result<Duration, String>>,
    max_completion_tokens: Option<Result<u32, String>>,
    reasoning_effort: Option<String>,
    organization: Option<String>,
    project: Option<String>,
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
        Self::from_vars(|name| std::env::var(name).ok())
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
    /// let config = OpenAiConfigBuilder::from_vars(vars).build().unwrap();
    /// assert_eq!(config.model(), "llama3.1:8b");
    /// assert!(!format!("{config:?}").contains("sk-local"));
    ///
    /// // Every problem is reported at once, by setting name.
    /// let err = OpenAiConfigBuilder::from_vars(|name| match name {
    ///     "OPENAI_TIMEOUT_MS" => Some("soon".to_string()),
    ///     _ => None,
    /// })
    /// .build()
    /// .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid OpenAI configuration: OPENAI_API_KEY is missing; \
    ///      OPENAI_TIMEOUT_MS is not a whole number of milliseconds"
    /// );
    /// ```
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        OpenAiConfigBuilder {
            api_key: get(ENV_API_KEY).map(SecretString::from),
            base_url: get(ENV_BASE_URL),
            model: get(ENV_MODEL),
            timeout: get(ENV_TIMEOUT_MS).map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map(Duration::from_millis)
                    .map_err(|_| "is not a whole number of milliseconds".to_string())
            }),
            max_completion_tokens: get(ENV_MAX_COMPLETION_TOKENS).map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| "is not a whole number of tokens".to_string())
            }),
            reasoning_effort: get(ENV_REASONING_EFFORT),
            organization: get(ENV_ORG_ID),
            project: get(ENV_PROJECT_ID),
        }
    }

    /// The API key (`OPENAI_API_KEY`).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL, e.g. `http://localhost:11434/v1` for Ollama (`OPENAI_BASE_URL`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The model (`OPENAI_MODEL`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The end-to-end request timeout (`OPENAI_TIMEOUT_MS`), at most 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Ok(timeout));
        self
    }

    /// The output budget (`OPENAI_MAX_COMPLETION_TOKENS`). Reasoning models spend
    /// it on reasoning too: give them several hundred and a low reasoning effort.
    pub fn max_completion_tokens(mut self, tokens: u32) -> Self {
        self.max_completion_tokens = Some(Ok(tokens));
        self
    }

    /// `reasoning_effort` for reasoning models (`none`, `minimal`, `low`, ...,
    /// model-dependent) (`OPENAI_REASONING_EFFORT`). Sent only to reasoning models.
    pub fn reasoning_effort(mut self, effort: impl Into<String>) -> Self {
        self.reasoning_effort = Some(effort.into());
        self
    }

    /// The `OpenAI-Organization` header (`OPENAI_ORG_ID`).
    pub fn organization(mut self, org: impl Into<String>) -> Self {
        self.organization = Some(org.into());
        self
    }

    /// The `OpenAI-Project` header (`OPENAI_PROJECT_ID`).
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Validates every setting.
    ///
    /// # Errors
    /// A [`ConfigError`] listing each missing or malformed setting by name.
    pub fn build(self) -> Result<OpenAiConfig, ConfigError> {
        let mut problems = Vec::new();
        let invalid = |setting, reason: &str| ConfigProblem::Invalid {
            setting,
            reason: reason.to_string(),
        };

        let api_key = match self.api_key {
            Some(k) if !secrecy::ExposeSecret::expose_secret(&k).trim().is_empty() => Some(k),
            Some(_) | None => {
                problems.push(ConfigProblem::Missing {
                    setting: ENV_API_KEY,
                });
                None
            }
        };
        if let Some(k) = &api_key {
            let k = secrecy::ExposeSecret::expose_secret(k);
            if k.chars().any(|c| c.is_whitespace() || c.is_control()) {
                problems.push(invalid(ENV_API_KEY, "contains whitespace"));
            }
        }

        let base_url = match Url::parse(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL)) {
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                problems.push(invalid(ENV_BASE_URL, "must be an http or https URL"));
                None
            }
            Ok(u) if u.query().is_some() || u.fragment().is_some() => {
                problems.push(invalid(ENV_BASE_URL, "must not have a query or fragment"));
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                problems.push(invalid(ENV_BASE_URL, &format!("is not a valid URL ({e})")));
                None
            }
        };

        let model = self.model.unwrap_or_else(|| DEFAULT_MODEL.to_string());
        if model.trim().is_empty() || model.chars().any(|c| c.is_whitespace()) {
            problems.push(invalid(ENV_MODEL, "must be a model name without spaces"));
        }

        let timeout = match self.timeout.unwrap_or(Ok(DEFAULT_TIMEOUT)) {
            Ok(t) if t.is_zero() || t > MAX_TIMEOUT => {
                problems.push(invalid(ENV_TIMEOUT_MS, "must be between 1 ms and 60 s"));
                DEFAULT_TIMEOUT
            }
            Ok(t) => t,
            Err(reason) => {
                problems.push(ConfigProblem::Invalid {
                    setting: ENV_TIMEOUT_MS,
                    reason,
                });
                DEFAULT_TIMEOUT
            }
        };

        let max_completion_tokens = match self
            .max_completion_tokens
            .unwrap_or(Ok(DEFAULT_MAX_COMPLETION_TOKENS))
        {
            Ok(0) => {
                problems.push(invalid(ENV_MAX_COMPLETION_TOKENS, "must be at least 1"));
                DEFAULT_MAX_COMPLETION_TOKENS
            }
            Ok(n) => n,
            Err(reason) => {
                problems.push(ConfigProblem::Invalid {
                    setting: ENV_MAX_COMPLETION_TOKENS,
                    reason,
                });
                DEFAULT_MAX_COMPLETION_TOKENS
            }
        };

        let reasoning_effort = self.reasoning_effort.map(|e| e.trim().to_ascii_lowercase());
        if let Some(e) = &reasoning_effort
            && !e.bytes().all(|b| b.is_ascii_lowercase())
        {
            problems.push(invalid(
                ENV_REASONING_EFFORT,
                "must be a single word such as `minimal` or `low`",
            ));
        }
        if reasoning_effort.is_some() && !is_reasoning_model(&model) {
            problems.push(invalid(
                ENV_REASONING_EFFORT,
                "is only accepted by reasoning models (gpt-5*, o-series); unset it for this model",
            ));
        }

        for (setting, value) in [
            (ENV_ORG_ID, &self.organization),
            (ENV_PROJECT_ID, &self.project),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| !v.bytes().all(|b| b.is_ascii_graphic()))
            {
                problems.push(invalid(setting, "must be a printable ASCII identifier"));
            }
        }

        match (api_key, base_url) {
            (Some(api_key), Some(base_url)) if problems.is_empty() => Ok(OpenAiConfig {
                api_key,
                base_url,
                model,
                timeout,
                max_completion_tokens,
                reasoning_effort,
                organization: self.organization,
                project: self.project,
            }),
            _ => Err(ConfigError::new(problems)),
        }
    }
}

#[cfg(test)]
mod tests;
