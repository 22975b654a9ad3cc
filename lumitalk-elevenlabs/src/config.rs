//! Configuration: a builder that reads `ELEVENLABS_*` environment variables and
//! reports every missing or malformed setting at once.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::model;
use crate::wire::VoiceSettings;

/// The public API host.
pub const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";
/// The low-latency Flash v2.5 model (~75 ms model latency, 40,000 characters per request, 32 languages).
pub const DEFAULT_MODEL_ID: &str = "eleven_flash_v2_5";
/// How long to wait for a response to start, and between two chunks of its body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variable names read by [`ElevenLabsConfigBuilder::from_env`].
pub mod env {
    /// The API key (required), sent as the `xi-api-key` header.
    pub const API_KEY: &str = "ELEVENLABS_API_KEY";
    /// The default voice id (required), used when a request names no voice.
    pub const VOICE_ID: &str = "ELEVENLABS_VOICE_ID";
    /// The model id (default `eleven_flash_v2_5`).
    pub const MODEL_ID: &str = "ELEVENLABS_MODEL_ID";
    /// The API base URL (default `https://api.elevenlabs.io`).
    pub const BASE_URL: &str = "ELEVENLABS_BASE_URL";
    /// Voice stability, 0.0–1.0 (default 0.5).
    pub const STABILITY: &str = "ELEVENLABS_STABILITY";
    /// Similarity boost, 0.0–1.0 (default 0.75).
    pub const SIMILARITY_BOOST: &str = "ELEVENLABS_SIMILARITY_BOOST";
    /// Style exaggeration, 0.0–1.0 (default 0.0; higher adds latency).
    pub const STYLE: &str = "ELEVENLABS_STYLE";
    /// Speaker boost, `true`/`false` (default true).
    pub const USE_SPEAKER_BOOST: &str = "ELEVENLABS_USE_SPEAKER_BOOST";
    /// Speaking rate, 0.7–1.2 (default 1.0).
    pub const SPEED: &str = "ELEVENLABS_SPEED";
    /// Request idle timeout in milliseconds (default 10000).
    pub const TIMEOUT_MS: &str = "ELEVENLABS_TIMEOUT_MS";
    /// Characters per request before text is split (default: the model's limit).
    pub const MAX_CHARS: &str = "ELEVENLABS_MAX_CHARS";
}

/// One missing or malformed setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The setting, named as its environment variable.
    pub setting: &'static str,
    /// What is wrong with it (never the value of a secret).
    pub reason: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.reason)
    }
}

/// Every problem found while building an [`ElevenLabsConfig`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ElevenLabs configuration: {}", join(.problems))]
pub struct ConfigError {
    /// The problems, in the order the settings were checked.
    pub problems: Vec<ConfigProblem>,
}

fn join(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A complete, validated configuration. Build it with [`ElevenLabsConfig::builder`]
/// or [`ElevenLabsConfig::from_env`]. `Debug` never shows the API key.
#[derive(Clone)]
pub struct ElevenLabsConfig {
    pub(crate) api_key: SecretString,
    pub(crate) voice_id: String,
    pub(crate) model_id: String,
    pub(crate) base_url: Url,
    pub(crate) voice_settings: VoiceSettings,
    pub(crate) timeout: Duration,
    pub(crate) max_chars: usize,
}

impl fmt::Debug for ElevenLabsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElevenLabsConfig")
            .field("api_key", &"[redacted]")
            .field("voice_id", &self.voice_id)
            .field("model_id", &self.model_id)
            .field("base_url", &self.base_url.as_str())
            .field("voice_settings", &self.voice_settings)
            .field("timeout", &self.timeout)
            .field("max_chars", &self.max_chars)
            .finish()
    }
}

impl ElevenLabsConfig {
    /// An empty builder.
    pub fn builder() -> ElevenLabsConfigBuilder {
        ElevenLabsConfigBuilder::default()
    }

    /// Reads every setting from the environment (see [`mod@env`]) and validates it.
    ///
    /// # Errors
    /// [`ConfigError`] naming every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        ElevenLabsConfigBuilder::from_env().build()
    }

    /// The default voice id.
    pub fn voice_id(&self) -> &str {
        &self.voice_id
    }

    /// The model id.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The API base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The voice settings sent with every request.
    pub fn voice_settings(&self) -> VoiceSettings {
        self.voice_settings
    }

    /// The idle timeout: the longest wait for a response to start or for its next chunk.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The most characters sent in one request; longer text is split at sentence
    /// boundaries (see the crate docs).
    pub fn max_chars_per_request(&self) -> usize {
        self.max_chars
    }

    pub(crate) fn api_key(&self) -> &str {
        self.api_key.expose_secret()
    }
}

/// Builds an [`ElevenLabsConfig`]; [`build`](Self::build) reports every problem at once.
#[derive(Debug, Default, Clone)]
pub struct ElevenLabsConfigBuilder {
    api_key: Option<SecretString>,
    voice_id: Option<String>,
    model_id: Option<String>,
    base_url: Option<String>,
    voice_settings: VoiceSettings,
    timeout: Option<Duration>,
    max_chars: Option<usize>,
    /// Malformed environment values found by `from_env`.
    problems: Vec<ConfigProblem>,
}

impl ElevenLabsConfigBuilder {
    /// A builder filled from the process environment. Empty variables count as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// A builder filled from `lookup` (a variable name to its value), for tests and
    /// for configuration sources other than the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut b = ElevenLabsConfigBuilder {
            api_key: get(env::API_KEY).map(SecretString::from),
            voice_id: get(env::VOICE_ID).map(|v| v.trim().to_owned()),
            model_id: get(env::MODEL_ID).map(|v| v.trim().to_owned()),
            base_url: get(env::BASE_URL).map(|v| v.trim().to_owned()),
            ..Default::default()
        };
        let mut problems = Vec::new();
        let mut float = |name: &'static str, slot: &mut f32| {
            if let Some(raw) = get(name) {
                match raw.trim().parse::<f32>() {
                    Ok(v) => *slot = v,
                    Err(_) => {
                        problems.push(problem(name, format!("expected a number, got {raw:?}")))
                    }
                }
            }
        };
        float(env::STABILITY, &mut b.voice_settings.stability);
        float(
            env::SIMILARITY_BOOST,
            &mut b.voice_settings.similarity_boost,
        );
        float(env::STYLE, &mut b.voice_settings.style);
        float(env::SPEED, &mut b.voice_settings.speed);
        if let Some(raw) = get(env::USE_SPEAKER_BOOST) {
            match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => b.voice_settings.use_speaker_boost = true,
                "false" | "0" | "no" => b.voice_settings.use_speaker_boost = false,
                _ => problems.push(problem(
                    env::USE_SPEAKER_BOOST,
                    format!("expected true or false, got {raw:?}"),
                )),
            }
        }
        if let Some(raw) = get(env::TIMEOUT_MS) {
            match raw.trim().parse::<u64>() {
                Ok(ms) => b.timeout = Some(Duration::from_millis(ms)),
                Err(_) => problems.push(problem(
                    env::TIMEOUT_MS,
                    format!("expected whole milliseconds, got {raw:?}"),
                )),
            }
        }
        if let Some(raw) = get(env::MAX_CHARS) {
            match raw.trim().parse::<usize>() {
                Ok(n) => b.max_chars = Some(n),
                Err(_) => problems.push(problem(
                    env::MAX_CHARS,
                    format!("expected a whole number, got {raw:?}"),
                )),
            }
        }
        b.problems = problems;
        b
    }

    /// The API key (required).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The default voice id (required), used when a request names no voice.
    pub fn voice_id(mut self, voice_id: impl Into<String>) -> Self {
        self.voice_id = Some(voice_id.into());
        self
    }

    /// The model id (default [`DEFAULT_MODEL_ID`]).
    pub fn model_id(mut self, model_id: impl Into<String>) -> Self {
        self.model_id = Some(model_id.into());
        self
    }

    /// The API base URL (default [`DEFAULT_BASE_URL`]); a path prefix is kept.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The voice settings (default [`VoiceSettings::default`]).
    pub fn voice_settings(mut self, settings: VoiceSettings) -> Self {
        self.voice_settings = settings;
        self
    }

    /// The idle timeout (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Characters per request before text is split (default: the model's limit).
    pub fn max_chars_per_request(mut self, max_chars: usize) -> Self {
        self.max_chars = Some(max_chars);
        self
    }

    /// Validates the settings.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed setting by name.
    pub fn build(self) -> Result<ElevenLabsConfig, ConfigError> {
        let mut problems = self.problems;
        let api_key = self
            .api_key
            .filter(|k| !k.expose_secret().trim().is_empty());
        if api_key.is_none() {
            problems.push(problem(env::API_KEY, "missing".into()));
        }
        let voice_id = self.voice_id.filter(|v| !v.trim().is_empty());
        if voice_id.is_none() {
            problems.push(problem(env::VOICE_ID, "missing".into()));
        }
        let model_id = self
            .model_id
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_MODEL_ID.to_owned());
        let base_url = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = match Url::parse(base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base() => Some(u),
            Ok(_) => {
                problems.push(problem(env::BASE_URL, "expected an http(s) URL".into()));
                None
            }
            Err(e) => {
                problems.push(problem(env::BASE_URL, format!("not a URL: {e}")));
                None
            }
        };
        let s = self.voice_settings;
        for (name, value, lo, hi) in [
            (env::STABILITY, s.stability, 0.0, 1.0),
            (env::SIMILARITY_BOOST, s.similarity_boost, 0.0, 1.0),
            (env::STYLE, s.style, 0.0, 1.0),
            (env::SPEED, s.speed, 0.7, 1.2),
        ] {
            if !(lo..=hi).contains(&value) {
                problems.push(problem(name, format!("{value} is outside {lo}..={hi}")));
            }
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            problems.push(problem(env::TIMEOUT_MS, "must be more than zero".into()));
        }
        if self.max_chars == Some(0) {
            problems.push(problem(env::MAX_CHARS, "must be more than zero".into()));
        }
        match (api_key, voice_id, base_url) {
            (Some(api_key), Some(voice_id), Some(base_url)) if problems.is_empty() => {
                let max_chars = self
                    .max_chars
                    .unwrap_or_else(|| model::max_chars(&model_id));
                Ok(ElevenLabsConfig {
                    api_key,
                    voice_id: voice_id.trim().to_owned(),
                    model_id: model_id.trim().to_owned(),
                    base_url,
                    voice_settings: s,
                    timeout,
                    max_chars,
                })
            }
            _ => Err(ConfigError { problems }),
        }
    }
}

fn problem(setting: &'static str, reason: String) -> ConfigProblem {
    ConfigProblem { setting, reason }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_fill_everything_but_key_and_voice() {
        let c = ElevenLabsConfigBuilder::from_lookup(lookup(&[
            (env::API_KEY, "sk_live_secret"),
            (env::VOICE_ID, "voice123"),
        ]))
        .build()
        .unwrap();
        assert_eq!(c.model_id(), "eleven_flash_v2_5");
        assert_eq!(c.base_url().as_str(), "https://api.elevenlabs.io/");
        assert_eq!(c.voice_settings(), VoiceSettings::default());
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.max_chars_per_request(), 40_000);
        assert_eq!(c.api_key(), "sk_live_secret");
    }

    #[test]
    fn every_setting_is_read() {
        let c = ElevenLabsConfigBuilder::from_lookup(lookup(&[
            (env::API_KEY, "k"),
            (env::VOICE_ID, "v"),
            (env::MODEL_ID, "eleven_multilingual_v2"),
            (env::BASE_URL, "http://localhost:9000/proxy"),
            (env::STABILITY, "0.3"),
            (env::SIMILARITY_BOOST, "0.9"),
            (env::STYLE, "0.1"),
            (env::USE_SPEAKER_BOOST, "false"),
            (env::SPEED, "1.1"),
            (env::TIMEOUT_MS, "2500"),
        ]))
        .build()
        .unwrap();
        assert_eq!(c.model_id(), "eleven_multilingual_v2");
        assert_eq!(c.max_chars_per_request(), 10_000);
        assert_eq!(c.base_url().as_str(), "http://localhost:9000/proxy");
        assert_eq!(
            c.voice_settings(),
            VoiceSettings {
                stability: 0.3,
                similarity_boost: 0.9,
                style: 0.1,
                use_speaker_boost: false,
                speed: 1.1,
            }
        );
        assert_eq!(c.timeout(), Duration::from_millis(2500));
    }

    #[test]
    fn every_problem_is_reported_by_name() {
        let err = ElevenLabsConfigBuilder::from_lookup(lookup(&[
            (env::API_KEY, "  "),
            (env::BASE_URL, "not a url"),
            (env::STABILITY, "high"),
            (env::SPEED, "3"),
            (env::USE_SPEAKER_BOOST, "maybe"),
            (env::TIMEOUT_MS, "-1"),
            (env::MAX_CHARS, "0"),
        ]))
        .build()
        .unwrap_err();
        let names: Vec<_> = err.problems.iter().map(|p| p.setting).collect();
        for expected in [
            env::API_KEY,
            env::VOICE_ID,
            env::BASE_URL,
            env::STABILITY,
            env::SPEED,
            env::USE_SPEAKER_BOOST,
            env::TIMEOUT_MS,
            env::MAX_CHARS,
        ] {
            assert!(names.contains(&expected), "{expected} not in {names:?}");
        }
        assert!(err.to_string().contains("ELEVENLABS_API_KEY: missing"));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let builder = ElevenLabsConfig::builder()
            .api_key("sk_very_secret_value")
            .voice_id("v");
        assert!(!format!("{builder:?}").contains("sk_very_secret_value"));
        let config = builder.build().unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("sk_very_secret_value"), "{debug}");
        assert!(debug.contains("[redacted]"));
    }

    #[test]
    fn explicit_char_limit_overrides_the_model() {
        let c = ElevenLabsConfig::builder()
            .api_key("k")
            .voice_id("v")
            .model_id("eleven_v3")
            .max_chars_per_request(500)
            .build()
            .unwrap();
        assert_eq!(c.max_chars_per_request(), 500);
    }
}
