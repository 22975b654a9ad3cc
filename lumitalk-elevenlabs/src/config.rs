//! Configuration: a builder that reads `ELEVENLABS_*` environment variables and
//! reports every missing or malformed setting at once.

use std::fmt;
use std::time::Duration;

use lumitalk_core::config::{ConfigKind, Given, Lookup, Problems, Setting, Source};
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

/// Every problem with an ElevenLabs configuration (the shared core type).
pub use lumitalk_core::config::{ConfigError, ConfigProblem};

pub(crate) const KIND: ConfigKind = ConfigKind {
    provider: "ElevenLabs",
    config: "ElevenLabsConfig",
};
const API_KEY: Setting = Setting::new("api_key", env::API_KEY);
const VOICE_ID: Setting = Setting::new("voice_id", env::VOICE_ID);
const MODEL_ID: Setting = Setting::new("model_id", env::MODEL_ID);
const BASE_URL: Setting = Setting::new("base_url", env::BASE_URL);
const STABILITY: Setting = Setting::new("voice_settings", env::STABILITY);
const SIMILARITY_BOOST: Setting = Setting::new("voice_settings", env::SIMILARITY_BOOST);
const STYLE: Setting = Setting::new("voice_settings", env::STYLE);
const USE_SPEAKER_BOOST: Setting = Setting::new("voice_settings", env::USE_SPEAKER_BOOST);
const SPEED: Setting = Setting::new("voice_settings", env::SPEED);
const TIMEOUT: Setting = Setting::new("timeout", env::TIMEOUT_MS);
const MAX_CHARS: Setting = Setting::new("max_chars_per_request", env::MAX_CHARS);
pub(crate) const HTTP_CLIENT: Setting = Setting::builder_only("http_client");

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
    pub(crate) http_client: Option<reqwest::Client>,
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
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "<injected>"),
            )
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

    /// The injected HTTP client, if one was given
    /// ([`ElevenLabsConfigBuilder::http_client`]).
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }

    pub(crate) fn api_key(&self) -> &str {
        self.api_key.expose_secret()
    }
}

/// Builds an [`ElevenLabsConfig`]; [`build`](Self::build) reports every problem at
/// once, each named by its builder method (`ElevenLabsConfig::builder().api_key(..)`)
/// or, when it came from the environment, by its variable (`ELEVENLABS_API_KEY`).
#[derive(Debug, Default, Clone)]
pub struct ElevenLabsConfigBuilder {
    api_key: Option<Given<SecretString>>,
    voice_id: Option<Given<String>>,
    model_id: Option<Given<String>>,
    base_url: Option<Given<String>>,
    voice_settings: Given<VoiceSettings>,
    timeout: Option<Given<Duration>>,
    max_chars: Option<Given<usize>>,
    http_client: Option<reqwest::Client>,
    /// Remembers whether the builder was filled from the environment, and the
    /// values there that did not parse.
    problems: Problems,
}

impl ElevenLabsConfigBuilder {
    /// A builder filled from the process environment. Empty variables count as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// A builder filled from `lookup` (a variable name to its value), for tests and
    /// for configuration sources other than the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut env = Lookup::new(&lookup);
        let trimmed = |g: Given<String>| g.map(|v| v.trim().to_owned());
        let mut settings = Given::<VoiceSettings>::default();
        let s = &mut settings.value;
        let mut read_any = false;
        for (setting, slot) in [
            (STABILITY, &mut s.stability),
            (SIMILARITY_BOOST, &mut s.similarity_boost),
            (STYLE, &mut s.style),
            (SPEED, &mut s.speed),
        ] {
            if let Some(v) = env.parse(setting, |raw| {
                raw.parse::<f32>()
                    .map_err(|_| format!("expected a number, got {raw:?}"))
            }) {
                *slot = v.value;
                read_any = true;
            }
        }
        let boost = env.parse(USE_SPEAKER_BOOST, |raw| {
            match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(format!("expected true or false, got {raw:?}")),
            }
        });
        if let Some(boost) = boost {
            s.use_speaker_boost = boost.value;
            read_any = true;
        }
        if read_any {
            settings.source = Source::Env;
        }
        let timeout = env.parse(TIMEOUT, |raw| {
            raw.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| format!("expected whole milliseconds, got {raw:?}"))
        });
        let max_chars = env.parse(MAX_CHARS, |raw| {
            raw.parse::<usize>()
                .map_err(|_| format!("expected a whole number, got {raw:?}"))
        });
        ElevenLabsConfigBuilder {
            api_key: env.secret(API_KEY),
            voice_id: env.text(VOICE_ID).map(trimmed),
            model_id: env.text(MODEL_ID).map(trimmed),
            base_url: env.text(BASE_URL).map(trimmed),
            voice_settings: settings,
            timeout,
            max_chars,
            http_client: None,
            problems: env.into_problems(),
        }
    }

    /// The API key (required).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(Given::by_builder(key.into()));
        self
    }

    /// The default voice id (required), used when a request names no voice.
    pub fn voice_id(mut self, voice_id: impl Into<String>) -> Self {
        self.voice_id = Some(Given::by_builder(voice_id.into()));
        self
    }

    /// The model id (default [`DEFAULT_MODEL_ID`]).
    pub fn model_id(mut self, model_id: impl Into<String>) -> Self {
        self.model_id = Some(Given::by_builder(model_id.into()));
        self
    }

    /// The API base URL (default [`DEFAULT_BASE_URL`]); a path prefix is kept.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(Given::by_builder(base_url.into()));
        self
    }

    /// The voice settings (default [`VoiceSettings::default`]).
    pub fn voice_settings(mut self, settings: VoiceSettings) -> Self {
        self.voice_settings = Given::by_builder(settings);
        self
    }

    /// The idle timeout (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Given::by_builder(timeout));
        self
    }

    /// Characters per request before text is split (default: the model's limit).
    pub fn max_chars_per_request(mut self, max_chars: usize) -> Self {
        self.max_chars = Some(Given::by_builder(max_chars));
        self
    }

    /// The HTTP client to send requests with (shared connection pool, proxy,
    /// TLS settings), instead of the one this crate builds (which has the
    /// [`timeout`](Self::timeout) as connect timeout and follows no redirects).
    ///
    /// Every request still sets, itself, the `xi-api-key` header, a
    /// `User-Agent`, `Content-Type: application/json`, and the idle
    /// [`timeout`](Self::timeout) (for the answer to start and between chunks);
    /// the client's default headers are sent too. Give it the redirect policy
    /// [`reqwest::redirect::Policy::none`]: `xi-api-key` is a custom header,
    /// which reqwest does not strip when a redirect leads to another host. A 3xx
    /// answer is an invalid response either way, never followed by this crate.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Validates the settings.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed setting by the name the
    /// caller used (builder method or environment variable).
    pub fn build(self) -> Result<ElevenLabsConfig, ConfigError> {
        let mut p = self.problems;
        let api_key = self
            .api_key
            .filter(|k| !k.value.expose_secret().trim().is_empty());
        let api_key = p.require(API_KEY, api_key);
        let voice_id = self.voice_id.filter(|v| !v.value.trim().is_empty());
        let voice_id = p.require(VOICE_ID, voice_id);
        let model_id = self
            .model_id
            .map(|m| m.value)
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_MODEL_ID.to_owned());
        let base_url = self
            .base_url
            .unwrap_or(Given::by_builder(DEFAULT_BASE_URL.to_owned()));
        let base_url = p.check(BASE_URL, base_url, |raw| match Url::parse(&raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base() => Ok(u),
            Ok(_) => Err("expected an http(s) URL".into()),
            Err(e) => Err(format!("not a URL: {e}")),
        });
        let s = self.voice_settings.value;
        for (setting, value, lo, hi) in [
            (STABILITY, s.stability, 0.0, 1.0),
            (SIMILARITY_BOOST, s.similarity_boost, 0.0, 1.0),
            (STYLE, s.style, 0.0, 1.0),
            (SPEED, s.speed, 0.7, 1.2),
        ] {
            if !(lo..=hi).contains(&value) {
                let reason = format!("{} {value} is outside {lo}..={hi}", field(setting));
                p.invalid(setting, self.voice_settings.source, reason);
            }
        }
        let timeout = p.check_or(TIMEOUT, self.timeout, DEFAULT_TIMEOUT, |t| {
            match t.is_zero() {
                true => Err("must be more than zero".into()),
                false => Ok(t),
            }
        });
        let max_chars = p.check_or(MAX_CHARS, self.max_chars, None, |n| match n {
            0 => Err("must be more than zero".into()),
            n => Ok(Some(n)),
        });
        p.finish(KIND, || {
            let max_chars = max_chars?.unwrap_or_else(|| model::max_chars(&model_id));
            Some(ElevenLabsConfig {
                api_key: api_key?,
                voice_id: voice_id?.trim().to_owned(),
                model_id: model_id.trim().to_owned(),
                base_url: base_url?,
                voice_settings: s,
                timeout: timeout?,
                max_chars,
                http_client: self.http_client,
            })
        })
    }
}

/// The voice-settings field a setting checks, for a builder user's message
/// (all four are set by one `voice_settings(..)`).
fn field(setting: Setting) -> &'static str {
    let env = setting.env.unwrap_or_default();
    [
        (env::STABILITY, "stability"),
        (env::SIMILARITY_BOOST, "similarity_boost"),
        (env::STYLE, "style"),
        (env::SPEED, "speed"),
    ]
    .into_iter()
    .find_map(|(name, field)| (name == env).then_some(field))
    .unwrap_or("value")
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
        let names: Vec<_> = err.problems().iter().map(|p| p.name()).collect();
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
        assert!(
            err.to_string().contains("ELEVENLABS_API_KEY is missing"),
            "{err}"
        );
    }

    #[test]
    fn builder_errors_name_the_method_and_lookup_errors_the_variable() {
        let err = ElevenLabsConfig::builder()
            .api_key("k")
            .voice_settings(VoiceSettings {
                speed: 3.0,
                ..VoiceSettings::default()
            })
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ElevenLabs configuration: ElevenLabsConfig::builder().voice_id(..) is missing; \
             ElevenLabsConfig::builder().voice_settings(..): speed 3 is outside 0.7..=1.2"
        );
        let err =
            ElevenLabsConfigBuilder::from_lookup(lookup(&[(env::API_KEY, "k"), (env::SPEED, "3")]))
                .build()
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ElevenLabs configuration: ELEVENLABS_VOICE_ID is missing; \
             ELEVENLABS_SPEED: speed 3 is outside 0.7..=1.2"
        );
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
