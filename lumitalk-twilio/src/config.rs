//! Configuration: credentials, base URLs and the webhook routes, built from the
//! environment or by hand.
//!
//! | env var | meaning |
//! |---|---|
//! | `TWILIO_ACCOUNT_SID` | `AC…`; the account whose calls are controlled |
//! | `TWILIO_AUTH_TOKEN` | signs webhooks; also REST credentials unless an API key is set |
//! | `TWILIO_API_KEY_SID`, `TWILIO_API_KEY_SECRET` | optional REST credentials (`SK…` + secret) |
//! | `TWILIO_API_BASE_URL` | REST base URL, default `https://api.twilio.com` (tests point it at wiremock) |
//! | `LUMITALK_PUBLIC_URL` | the public base URL Twilio reaches this server at, e.g. `https://bot.example.com` or, behind a path-prefixing proxy, `https://bot.example.com/lt` |
//! | `TWILIO_SPEECH_MODEL` | optional `<Gather speechModel>`; unset lets Twilio pick the speech recognizer (with failover) |
//! | `TWILIO_SPEECH_TIMEOUT` | seconds of silence that end speech when a speech model is set (default 2) |
//!
//! `speechTimeout="auto"` cannot be combined with `speechModel` (Twilio warning
//! 13335: "use a positive integer for speechTimeout whenever you set speechModel"),
//! so without a speech model `<Gather>` gets `speechTimeout="auto"`, and with one
//! it gets the integer [`TwilioConfig::speech_timeout_secs`].
//!
//! Webhook signatures are always made with the auth token, even when REST calls use
//! an API key. A configuration with no account SID and no credentials at all is
//! valid (webhook rendering only, e.g. a local demo), and so is an auth token
//! without an account SID (signed webhooks, no call control); call control then
//! fails with [`TelephonyError::Unauthorized`](lumitalk_core::TelephonyError)
//! naming the missing setting.

use std::fmt;
use std::time::Duration;

use lumitalk_core::AudioId;
use secrecy::SecretString;
use url::Url;

/// Default REST base URL.
pub const DEFAULT_API_BASE_URL: &str = "https://api.twilio.com";

/// Default time limit for one REST request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Default `<Gather speechTimeout>` in seconds when a speech model is set
/// (without one, `speechTimeout="auto"` is used).
pub const DEFAULT_SPEECH_TIMEOUT_SECS: u32 = 2;

/// The longest `speechTimeout` accepted, in seconds.
pub const MAX_SPEECH_TIMEOUT_SECS: u32 = 60;

/// The paths (under the public base URL) this server answers Twilio on.
///
/// The path of each callback is how [`parse_webhook`](crate::TwilioTelephony)
/// tells an incoming call from a gather result, a dial result and a status
/// callback: the TwiML this crate renders points `<Gather action>` at `gather` and
/// `<Dial action>` at `dial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    /// Incoming calls (the number's Voice URL). Default `/twilio/voice`.
    pub voice: String,
    /// `<Gather action>` and the redirect after it. Default `/twilio/gather`.
    pub gather: String,
    /// `<Dial action>`. Default `/twilio/dial`.
    pub dial: String,
    /// Call status callbacks. Default `/twilio/status`.
    pub status: String,
    /// Synthesized audio; `{id}` is replaced by the [`AudioId`]. Default `/audio/{id}`.
    pub audio: String,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            voice: "/twilio/voice".into(),
            gather: "/twilio/gather".into(),
            dial: "/twilio/dial".into(),
            status: "/twilio/status".into(),
            audio: "/audio/{id}".into(),
        }
    }
}

/// REST credentials.
// Read only by the REST client; the configuration (and its checks) is the same
// with or without the `rest` feature.
#[cfg_attr(not(feature = "rest"), allow(dead_code))]
#[derive(Clone)]
pub(crate) enum Credentials {
    AuthToken(SecretString),
    ApiKey { sid: String, secret: SecretString },
}

/// A validated configuration. Build it with [`TwilioConfig::builder`] or
/// [`TwilioConfig::from_env`]. `Debug` never prints a secret.
#[derive(Clone)]
pub struct TwilioConfig {
    pub(crate) account_sid: Option<String>,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) auth_token: Option<SecretString>,
    pub(crate) api_base: Url,
    pub(crate) public_url: Url,
    pub(crate) routes: Routes,
    pub(crate) speech_model: Option<String>,
    pub(crate) speech_timeout_secs: u32,
    pub(crate) request_timeout: Duration,
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let creds = match &self.credentials {
            None => "none",
            Some(Credentials::AuthToken(_)) => "auth token",
            Some(Credentials::ApiKey { .. }) => "api key",
        };
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("credentials", &creds)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("api_base", &self.api_base.as_str())
            .field("public_url", &self.public_url.as_str())
            .field("routes", &self.routes)
            .field("speech_model", &self.speech_model)
            .field("speech_timeout_secs", &self.speech_timeout_secs)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

impl TwilioConfig {
    /// An empty builder.
    pub fn builder() -> TwilioConfigBuilder {
        TwilioConfigBuilder::default()
    }

    /// Reads every setting from the environment (see the module docs) and builds.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed setting.
    pub fn from_env() -> Result<Self, ConfigError> {
        TwilioConfigBuilder::from_env().build()
    }

    /// The account SID, when configured.
    pub fn account_sid(&self) -> Option<&str> {
        self.account_sid.as_deref()
    }

    /// Whether an auth token is configured (needed to verify webhook signatures).
    pub fn has_auth_token(&self) -> bool {
        self.auth_token.is_some()
    }

    /// The REST base URL.
    pub fn api_base(&self) -> &Url {
        &self.api_base
    }

    /// The public base URL Twilio reaches this server at.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// The webhook routes.
    pub fn routes(&self) -> &Routes {
        &self.routes
    }

    /// The `<Gather speechModel>` used, if any (default none: Twilio picks).
    pub fn speech_model(&self) -> Option<&str> {
        self.speech_model.as_deref()
    }

    /// The integer `<Gather speechTimeout>` used when a speech model is set
    /// (default [`DEFAULT_SPEECH_TIMEOUT_SECS`]).
    pub fn speech_timeout_secs(&self) -> u32 {
        self.speech_timeout_secs
    }

    /// The `<Gather speechTimeout>` value: `auto` without a speech model, else
    /// [`speech_timeout_secs`](Self::speech_timeout_secs) (Twilio warning 13335).
    pub fn speech_timeout(&self) -> String {
        match self.speech_model {
            None => "auto".to_string(),
            Some(_) => self.speech_timeout_secs.to_string(),
        }
    }

    /// The time limit for one REST request.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The absolute public URL of a path (`/twilio/gather` → `https://host/twilio/gather`).
    pub fn public_url_for(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    /// The public URL of the incoming-call route.
    pub fn voice_url(&self) -> String {
        self.public_url_for(&self.routes.voice)
    }

    /// The public URL `<Gather>` posts to.
    pub fn gather_url(&self) -> String {
        self.public_url_for(&self.routes.gather)
    }

    /// The public URL `<Dial>` posts to when the transfer ends.
    pub fn dial_url(&self) -> String {
        self.public_url_for(&self.routes.dial)
    }

    /// The public URL for status callbacks.
    pub fn status_url(&self) -> String {
        self.public_url_for(&self.routes.status)
    }

    /// The public URL Twilio fetches audio from.
    pub fn audio_url(&self, id: &AudioId) -> String {
        self.public_url_for(&self.routes.audio.replace("{id}", id.as_str()))
    }
}

/// Collects settings; [`build`](Self::build) validates them all at once.
#[derive(Default, Clone)]
pub struct TwilioConfigBuilder {
    account_sid: Option<String>,
    auth_token: Option<SecretString>,
    api_key_sid: Option<String>,
    api_key_secret: Option<SecretString>,
    api_base: Option<String>,
    public_url: Option<String>,
    routes: Routes,
    speech_model: Option<String>,
    /// Raw, validated by `build()` (it may come from the environment).
    speech_timeout: Option<String>,
    request_timeout: Option<Duration>,
}

impl fmt::Debug for TwilioConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfigBuilder")
            .field("account_sid", &self.account_sid)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("api_key_sid", &self.api_key_sid)
            .field(
                "api_key_secret",
                &self.api_key_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("api_base", &self.api_base)
            .field("public_url", &self.public_url)
            .field("routes", &self.routes)
            .field("speech_model", &self.speech_model)
            .field("speech_timeout", &self.speech_timeout)
            .finish_non_exhaustive()
    }
}

impl TwilioConfigBuilder {
    /// A builder filled from the environment (see the module docs); empty
    /// variables count as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// A builder filled by `lookup(env var name)`: [`from_env`](Self::from_env)
    /// without touching the process environment (for tests and other sources).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        TwilioConfigBuilder {
            account_sid: get("TWILIO_ACCOUNT_SID"),
            auth_token: get("TWILIO_AUTH_TOKEN").map(SecretString::from),
            api_key_sid: get("TWILIO_API_KEY_SID"),
            api_key_secret: get("TWILIO_API_KEY_SECRET").map(SecretString::from),
            api_base: get("TWILIO_API_BASE_URL"),
            public_url: get("LUMITALK_PUBLIC_URL"),
            speech_model: get("TWILIO_SPEECH_MODEL").map(|m| m.trim().to_string()),
            speech_timeout: get("TWILIO_SPEECH_TIMEOUT"),
            ..Default::default()
        }
    }

    /// The account SID (`AC…`).
    pub fn account_sid(mut self, sid: impl Into<String>) -> Self {
        self.account_sid = Some(sid.into());
        self
    }

    /// The auth token (webhook signatures; REST too unless an API key is set).
    pub fn auth_token(mut self, token: SecretString) -> Self {
        self.auth_token = Some(token);
        self
    }

    /// REST credentials from an API key (`SK…`) and its secret.
    pub fn api_key(mut self, sid: impl Into<String>, secret: SecretString) -> Self {
        self.api_key_sid = Some(sid.into());
        self.api_key_secret = Some(secret);
        self
    }

    /// The REST base URL (default [`DEFAULT_API_BASE_URL`]).
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base = Some(url.into());
        self
    }

    /// The public base URL Twilio reaches this server at.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// The webhook routes (default [`Routes::default`]).
    pub fn routes(mut self, routes: Routes) -> Self {
        self.routes = routes;
        self
    }

    /// The `<Gather speechModel>` (e.g. `phone_call`, `googlev2_telephony`); `None`
    /// (the default) omits it and lets Twilio choose the recognizer, with failover.
    /// With a model set, `speechTimeout` becomes an integer (see
    /// [`speech_timeout_secs`](Self::speech_timeout_secs)).
    pub fn speech_model(mut self, model: Option<String>) -> Self {
        self.speech_model = model;
        self
    }

    /// Seconds of silence that end the caller's speech when a speech model is set
    /// (default [`DEFAULT_SPEECH_TIMEOUT_SECS`]; 1 to [`MAX_SPEECH_TIMEOUT_SECS`]).
    pub fn speech_timeout_secs(mut self, secs: u32) -> Self {
        self.speech_timeout = Some(secs.to_string());
        self
    }

    /// The time limit for one REST request (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Validates every setting.
    ///
    /// # Errors
    /// [`ConfigError`] listing every problem found, not just the first.
    pub fn build(self) -> Result<TwilioConfig, ConfigError> {
        let mut problems = Vec::new();

        let public_url = match self.public_url.as_deref() {
            None => {
                problems.push("LUMITALK_PUBLIC_URL: missing".to_string());
                None
            }
            Some(raw) => match http_url(raw) {
                Ok(u) if u.query().is_some() || u.fragment().is_some() => {
                    problems
                        .push("LUMITALK_PUBLIC_URL: must not have a query or fragment".to_string());
                    None
                }
                Ok(u) => Some(u),
                Err(why) => {
                    problems.push(format!("LUMITALK_PUBLIC_URL: {why}"));
                    None
                }
            },
        };

        let api_base = match http_url(self.api_base.as_deref().unwrap_or(DEFAULT_API_BASE_URL)) {
            Ok(u) => Some(u),
            Err(why) => {
                problems.push(format!("TWILIO_API_BASE_URL: {why}"));
                None
            }
        };

        if let Some(sid) = &self.account_sid
            && !is_sid(sid, "AC")
        {
            problems
                .push("TWILIO_ACCOUNT_SID: must be `AC` followed by 32 letters or digits".into());
        }

        let credentials = match (&self.api_key_sid, &self.api_key_secret) {
            (Some(sid), Some(secret)) => {
                if !is_sid(sid, "SK") {
                    problems.push(
                        "TWILIO_API_KEY_SID: must be `SK` followed by 32 letters or digits".into(),
                    );
                }
                Some(Credentials::ApiKey {
                    sid: sid.clone(),
                    secret: secret.clone(),
                })
            }
            (Some(_), None) => {
                problems.push("TWILIO_API_KEY_SECRET: missing (TWILIO_API_KEY_SID is set)".into());
                None
            }
            (None, Some(_)) => {
                problems.push("TWILIO_API_KEY_SID: missing (TWILIO_API_KEY_SECRET is set)".into());
                None
            }
            (None, None) => self.auth_token.clone().map(Credentials::AuthToken),
        };
        let any_credential = self.auth_token.is_some()
            || self.api_key_sid.is_some()
            || self.api_key_secret.is_some();
        if self.account_sid.is_some() && !any_credential {
            problems.push(
                "TWILIO_AUTH_TOKEN: missing (TWILIO_ACCOUNT_SID is set; give the auth token or an API key)"
                    .into(),
            );
        }
        // An auth token without an account SID is fine: webhooks are verified and
        // call control answers `Unauthorized` naming TWILIO_ACCOUNT_SID.

        if let Some(model) = &self.speech_model
            && (model.is_empty() || !model.bytes().all(|b| b.is_ascii_graphic()))
        {
            problems.push("TWILIO_SPEECH_MODEL: must be a model name without spaces".into());
        }
        let speech_timeout_secs = match self.speech_timeout.as_deref().map(str::trim) {
            None => DEFAULT_SPEECH_TIMEOUT_SECS,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_SPEECH_TIMEOUT_SECS).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "TWILIO_SPEECH_TIMEOUT: must be a whole number of seconds from 1 to \
                         {MAX_SPEECH_TIMEOUT_SECS} (`auto` is used automatically without \
                         TWILIO_SPEECH_MODEL)"
                    ));
                    DEFAULT_SPEECH_TIMEOUT_SECS
                }
            },
        };

        let r = &self.routes;
        for (name, path) in [
            ("voice", &r.voice),
            ("gather", &r.gather),
            ("dial", &r.dial),
            ("status", &r.status),
            ("audio", &r.audio),
        ] {
            if !path.starts_with('/') || path.contains(['?', '#']) {
                problems.push(format!(
                    "routes.{name}: must be a path starting with `/`, without query"
                ));
            }
        }
        if !r.audio.contains("{id}") {
            problems.push("routes.audio: must contain `{id}`".into());
        }
        if let Some(t) = self.request_timeout
            && t.is_zero()
        {
            problems.push("request_timeout: must be positive".into());
        }

        match (public_url, api_base) {
            (Some(public_url), Some(api_base)) if problems.is_empty() => Ok(TwilioConfig {
                account_sid: self.account_sid,
                credentials,
                auth_token: self.auth_token,
                api_base,
                public_url,
                routes: self.routes,
                speech_model: self.speech_model,
                speech_timeout_secs,
                request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}

fn http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http(s) URL with a host".into());
    }
    Ok(url)
}

fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Every problem found in a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Twilio configuration: {}", problems.join("; "))]
pub struct ConfigError {
    /// One line per problem, each starting with the setting's name.
    pub problems: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

    fn env(pairs: &[(&str, &str)]) -> TwilioConfigBuilder {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TwilioConfigBuilder::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn from_env_with_auth_token() {
        let c = env(&[
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_AUTH_TOKEN", "tok"),
            ("LUMITALK_PUBLIC_URL", "https://bot.example.com/"),
        ])
        .build()
        .unwrap();
        assert_eq!(c.account_sid(), Some(SID));
        assert!(c.has_auth_token());
        assert_eq!(c.api_base().as_str(), "https://api.twilio.com/");
        assert_eq!(c.gather_url(), "https://bot.example.com/twilio/gather");
        assert_eq!(
            c.audio_url(&AudioId::new("abc")),
            "https://bot.example.com/audio/abc"
        );
        assert_eq!(c.speech_model(), None);
        assert_eq!(c.speech_timeout(), "auto");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("tok\""), "{dbg}");
    }

    #[test]
    fn api_key_and_base_url_override() {
        let c = env(&[
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_API_KEY_SID", "SK0123456789abcdef0123456789abcdef"),
            ("TWILIO_API_KEY_SECRET", "shh"),
            ("TWILIO_API_BASE_URL", "http://127.0.0.1:9999"),
            ("LUMITALK_PUBLIC_URL", "https://bot.example.com/app"),
        ])
        .build()
        .unwrap();
        assert!(matches!(c.credentials, Some(Credentials::ApiKey { .. })));
        assert!(!c.has_auth_token());
        assert_eq!(c.voice_url(), "https://bot.example.com/app/twilio/voice");
        assert!(!format!("{c:?}").contains("shh"));
    }

    #[test]
    fn webhook_only_config_is_valid() {
        let c = env(&[("LUMITALK_PUBLIC_URL", "http://localhost:3000")])
            .build()
            .unwrap();
        assert!(c.credentials.is_none());
        assert!(c.account_sid().is_none());
    }

    #[test]
    fn reports_every_problem() {
        let err = env(&[
            ("TWILIO_ACCOUNT_SID", "nope"),
            ("TWILIO_API_KEY_SID", "SKshort"),
            ("TWILIO_API_BASE_URL", "ftp://x"),
        ])
        .routes(Routes {
            audio: "/audio".into(),
            ..Routes::default()
        })
        .build()
        .unwrap_err();
        let all = err.problems.join("\n");
        for needle in [
            "LUMITALK_PUBLIC_URL: missing",
            "TWILIO_API_BASE_URL",
            "TWILIO_ACCOUNT_SID: must be",
            "TWILIO_API_KEY_SECRET: missing",
            "routes.audio",
        ] {
            assert!(all.contains(needle), "{needle} not in {all}");
        }
        assert_eq!(err.problems.len(), 5, "{all}");
    }

    #[test]
    fn account_sid_without_credentials_is_an_error() {
        let err = env(&[
            ("TWILIO_ACCOUNT_SID", SID),
            ("LUMITALK_PUBLIC_URL", "https://x.example"),
        ])
        .build()
        .unwrap_err();
        assert!(err.to_string().contains("TWILIO_AUTH_TOKEN: missing"));
        let err = env(&[
            ("TWILIO_AUTH_TOKEN", "t"),
            ("LUMITALK_PUBLIC_URL", "https://x.example?q=1"),
        ])
        .build()
        .unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
    }

    #[test]
    fn auth_token_without_account_sid_is_valid() {
        // Verifying webhooks needs only the token; the SID is for call control.
        let c = env(&[
            ("TWILIO_AUTH_TOKEN", "tok"),
            ("LUMITALK_PUBLIC_URL", "https://x.example"),
        ])
        .build()
        .unwrap();
        assert!(c.has_auth_token());
        assert_eq!(c.account_sid(), None);
    }

    #[test]
    fn speech_model_switches_speech_timeout_to_an_integer() {
        let c = env(&[
            ("LUMITALK_PUBLIC_URL", "https://x.example"),
            ("TWILIO_SPEECH_MODEL", "phone_call"),
        ])
        .build()
        .unwrap();
        assert_eq!(c.speech_model(), Some("phone_call"));
        assert_eq!(c.speech_timeout(), "2");
        let c = env(&[
            ("LUMITALK_PUBLIC_URL", "https://x.example"),
            ("TWILIO_SPEECH_MODEL", "googlev2_telephony"),
            ("TWILIO_SPEECH_TIMEOUT", "3"),
        ])
        .build()
        .unwrap();
        assert_eq!(c.speech_timeout(), "3");
        let c = TwilioConfig::builder()
            .public_url("https://x.example")
            .speech_timeout_secs(4)
            .build()
            .unwrap();
        assert_eq!(c.speech_timeout(), "auto", "no model: auto");
        assert_eq!(c.speech_timeout_secs(), 4);
        for bad in ["auto", "0", "61", "1.5", "x"] {
            let err = env(&[
                ("LUMITALK_PUBLIC_URL", "https://x.example"),
                ("TWILIO_SPEECH_MODEL", "phone_call"),
                ("TWILIO_SPEECH_TIMEOUT", bad),
            ])
            .build()
            .unwrap_err();
            assert!(
                err.to_string().contains("TWILIO_SPEECH_TIMEOUT"),
                "{bad}: {err}"
            );
        }
        let err = env(&[
            ("LUMITALK_PUBLIC_URL", "https://x.example"),
            ("TWILIO_SPEECH_MODEL", "phone call"),
        ])
        .build()
        .unwrap_err();
        assert!(err.to_string().contains("TWILIO_SPEECH_MODEL"), "{err}");
    }
}
