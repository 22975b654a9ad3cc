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
use lumitalk_core::config::{ConfigKind, Given, Lookup, Problems, Setting, Source};
use secrecy::SecretString;
use url::Url;

/// Every problem with a Twilio configuration (the shared core type).
pub use lumitalk_core::config::{ConfigError, ConfigProblem};

const KIND: ConfigKind = ConfigKind {
    provider: "Twilio",
    config: "TwilioConfig",
};
const ACCOUNT_SID: Setting = Setting::new("account_sid", "TWILIO_ACCOUNT_SID");
const AUTH_TOKEN: Setting = Setting::new("auth_token", "TWILIO_AUTH_TOKEN");
const API_KEY_SID: Setting = Setting::new("api_key", "TWILIO_API_KEY_SID");
const API_KEY_SECRET: Setting = Setting::new("api_key", "TWILIO_API_KEY_SECRET");
const API_BASE: Setting = Setting::new("api_base_url", "TWILIO_API_BASE_URL");
const PUBLIC_URL: Setting = Setting::new("public_url", "LUMITALK_PUBLIC_URL");
const SPEECH_MODEL: Setting = Setting::new("speech_model", "TWILIO_SPEECH_MODEL");
const SPEECH_TIMEOUT: Setting = Setting::new("speech_timeout_secs", "TWILIO_SPEECH_TIMEOUT");
const ROUTES: Setting = Setting::builder_only("routes");
const REQUEST_TIMEOUT: Setting = Setting::builder_only("request_timeout");
#[cfg(feature = "rest")]
const HTTP_CLIENT: Setting = Setting::builder_only("http_client");

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
    #[cfg(feature = "rest")]
    pub(crate) http_client: Option<reqwest::Client>,
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
            .finish_non_exhaustive()
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

    /// The injected HTTP client for REST call control, if one was given
    /// ([`TwilioConfigBuilder::http_client`]).
    #[cfg(feature = "rest")]
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
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

/// Collects settings; [`build`](Self::build) validates them all at once and names
/// each problem by its builder method (`TwilioConfig::builder().public_url(..)`)
/// or, when it came from the environment, by its variable (`LUMITALK_PUBLIC_URL`).
#[derive(Default, Clone)]
pub struct TwilioConfigBuilder {
    account_sid: Option<Given<String>>,
    auth_token: Option<Given<SecretString>>,
    api_key_sid: Option<Given<String>>,
    api_key_secret: Option<Given<SecretString>>,
    api_base: Option<Given<String>>,
    public_url: Option<Given<String>>,
    routes: Routes,
    speech_model: Option<Given<String>>,
    /// Raw, validated by `build()` (it may come from the environment).
    speech_timeout: Option<Given<String>>,
    request_timeout: Option<Duration>,
    #[cfg(feature = "rest")]
    http_client: Option<reqwest::Client>,
    problems: Problems,
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
        let env = Lookup::new(&lookup);
        TwilioConfigBuilder {
            account_sid: env.text(ACCOUNT_SID),
            auth_token: env.secret(AUTH_TOKEN),
            api_key_sid: env.text(API_KEY_SID),
            api_key_secret: env.secret(API_KEY_SECRET),
            api_base: env.text(API_BASE),
            public_url: env.text(PUBLIC_URL),
            speech_model: env
                .text(SPEECH_MODEL)
                .map(|m| m.map(|m| m.trim().to_string())),
            speech_timeout: env.text(SPEECH_TIMEOUT),
            problems: env.into_problems(),
            ..Default::default()
        }
    }

    /// The account SID (`AC…`).
    pub fn account_sid(mut self, sid: impl Into<String>) -> Self {
        self.account_sid = Some(Given::by_builder(sid.into()));
        self
    }

    /// The auth token (webhook signatures; REST too unless an API key is set).
    pub fn auth_token(mut self, token: SecretString) -> Self {
        self.auth_token = Some(Given::by_builder(token));
        self
    }

    /// REST credentials from an API key (`SK…`) and its secret.
    pub fn api_key(mut self, sid: impl Into<String>, secret: SecretString) -> Self {
        self.api_key_sid = Some(Given::by_builder(sid.into()));
        self.api_key_secret = Some(Given::by_builder(secret));
        self
    }

    /// The REST base URL (default [`DEFAULT_API_BASE_URL`]).
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base = Some(Given::by_builder(url.into()));
        self
    }

    /// The public base URL Twilio reaches this server at.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(Given::by_builder(url.into()));
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
        self.speech_model = model.map(Given::by_builder);
        self
    }

    /// Seconds of silence that end the caller's speech when a speech model is set
    /// (default [`DEFAULT_SPEECH_TIMEOUT_SECS`]; 1 to [`MAX_SPEECH_TIMEOUT_SECS`]).
    pub fn speech_timeout_secs(mut self, secs: u32) -> Self {
        self.speech_timeout = Some(Given::by_builder(secs.to_string()));
        self
    }

    /// The time limit for one REST request (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The HTTP client for REST call control (shared connection pool, proxy, TLS
    /// settings), instead of the one this crate builds (which has the
    /// [`request_timeout`](Self::request_timeout) and follows no redirects).
    ///
    /// Every request still sets, itself, its basic-auth credentials, `Accept`,
    /// `Content-Type` and the [`request_timeout`](Self::request_timeout); the
    /// client's default headers are sent too. Give it the redirect policy
    /// [`reqwest::redirect::Policy::none`]: a REST call has no business
    /// redirecting, and a 3xx answer is an invalid response either way.
    #[cfg(feature = "rest")]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Validates every setting.
    ///
    /// # Errors
    /// [`ConfigError`] listing every problem found, not just the first.
    pub fn build(mut self) -> Result<TwilioConfig, ConfigError> {
        let mut p = std::mem::take(&mut self.problems);
        let public_url = p.require_checked(PUBLIC_URL, self.public_url.take(), |raw| {
            let u = http_url(&raw)?;
            match u.query().is_some() || u.fragment().is_some() {
                true => Err("must not have a query or fragment".into()),
                false => Ok(u),
            }
        });
        let api_base =
            (self.api_base.take()).unwrap_or(Given::by_builder(DEFAULT_API_BASE_URL.into()));
        let api_base = p.check(API_BASE, api_base, |raw| http_url(&raw));
        if let Some(sid) = &self.account_sid
            && !is_sid(&sid.value, "AC")
        {
            p.invalid(
                ACCOUNT_SID,
                sid.source,
                "must be `AC` followed by 32 letters or digits",
            );
        }
        let credentials = credentials(&mut p, &self);
        let speech_timeout_secs = speech_timeout(&mut p, &self);
        check_routes(&mut p, &self.routes);
        if self.request_timeout.is_some_and(|t| t.is_zero()) {
            p.invalid(REQUEST_TIMEOUT, Source::Builder, "must be positive");
        }
        p.finish(KIND, || {
            Some(TwilioConfig {
                account_sid: self.account_sid.map(|s| s.value),
                credentials,
                auth_token: self.auth_token.map(|t| t.value),
                api_base: api_base?,
                public_url: public_url?,
                routes: self.routes,
                speech_model: self.speech_model.map(|m| m.value),
                speech_timeout_secs,
                request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
                #[cfg(feature = "rest")]
                http_client: self.http_client,
            })
        })
    }
}

/// The REST credentials: an API key pair when given, else the auth token.
fn credentials(p: &mut Problems, b: &TwilioConfigBuilder) -> Option<Credentials> {
    let credentials = match (&b.api_key_sid, &b.api_key_secret) {
        (Some(sid), Some(secret)) => {
            if !is_sid(&sid.value, "SK") {
                p.invalid(
                    API_KEY_SID,
                    sid.source,
                    "must be `SK` followed by 32 letters or digits",
                );
            }
            Some(Credentials::ApiKey {
                sid: sid.value.clone(),
                secret: secret.value.clone(),
            })
        }
        (Some(sid), None) => {
            let hint = format!("{} is set", API_KEY_SID.name(sid.source));
            p.missing_because(API_KEY_SECRET, hint);
            None
        }
        (None, Some(secret)) => {
            let hint = format!("{} is set", API_KEY_SECRET.name(secret.source));
            p.missing_because(API_KEY_SID, hint);
            None
        }
        (None, None) => b
            .auth_token
            .clone()
            .map(|t| Credentials::AuthToken(t.value)),
    };
    let any_credential =
        b.auth_token.is_some() || b.api_key_sid.is_some() || b.api_key_secret.is_some();
    if let Some(sid) = &b.account_sid
        && !any_credential
    {
        // An auth token without an account SID is fine: webhooks are verified and
        // call control answers `Unauthorized` naming TWILIO_ACCOUNT_SID.
        let hint = format!(
            "{} is set; give the auth token or an API key",
            ACCOUNT_SID.name(sid.source)
        );
        p.missing_because(AUTH_TOKEN, hint);
    }
    credentials
}

/// The speech model's name and the integer `speechTimeout` used with it.
fn speech_timeout(p: &mut Problems, b: &TwilioConfigBuilder) -> u32 {
    if let Some(model) = &b.speech_model
        && (model.value.is_empty() || !model.value.bytes().all(|b| b.is_ascii_graphic()))
    {
        p.invalid(
            SPEECH_MODEL,
            model.source,
            "must be a model name without spaces",
        );
    }
    let Some(raw) = &b.speech_timeout else {
        return DEFAULT_SPEECH_TIMEOUT_SECS;
    };
    match raw.value.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_SPEECH_TIMEOUT_SECS).contains(&n) => n,
        _ => {
            let reason = format!(
                "must be a whole number of seconds from 1 to {MAX_SPEECH_TIMEOUT_SECS} \
                 (`auto` is used automatically without {})",
                SPEECH_MODEL.name(raw.source)
            );
            p.invalid(SPEECH_TIMEOUT, raw.source, reason);
            DEFAULT_SPEECH_TIMEOUT_SECS
        }
    }
}

fn check_routes(p: &mut Problems, r: &Routes) {
    for (name, path) in [
        ("voice", &r.voice),
        ("gather", &r.gather),
        ("dial", &r.dial),
        ("status", &r.status),
        ("audio", &r.audio),
    ] {
        if !path.starts_with('/') || path.contains(['?', '#']) {
            let reason = format!("{name} must be a path starting with `/`, without query");
            p.invalid(ROUTES, Source::Builder, reason);
        }
    }
    if !r.audio.contains("{id}") {
        p.invalid(ROUTES, Source::Builder, "audio must contain `{id}`");
    }
}

/// The client REST calls use: the injected one, or one with `request_timeout` and
/// no redirects.
#[cfg(feature = "rest")]
pub(crate) fn http_client(config: &TwilioConfig) -> Result<reqwest::Client, ConfigError> {
    if let Some(injected) = &config.http_client {
        return Ok(injected.clone());
    }
    reqwest::Client::builder()
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            let reason = format!("the default HTTP client could not be built ({e}); inject one");
            ConfigError::invalid(KIND, HTTP_CLIENT, reason)
        })
}

/// The error when signature checks are asked for without an auth token.
pub(crate) fn auth_token_needed() -> ConfigError {
    let mut p = Problems::default();
    p.missing_because(AUTH_TOKEN, "needed to verify webhook signatures");
    p.into_error(KIND)
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

#[cfg(test)]
mod tests;
