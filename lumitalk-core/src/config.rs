//! One configuration story for every adapter and store.
//!
//! Every adapter crate has the same entry points: `XConfig::builder()`,
//! `XConfig::from_env()` and `XConfigBuilder::from_lookup(f)`, and one
//! `build() -> Result<XConfig, ConfigError>` that reports every missing or
//! malformed setting at once. This module holds the pieces they share:
//!
//! - [`Setting`]: one setting's two names, its builder method and its
//!   environment variable.
//! - [`Given`]: a value and where it came from ([`Source`]), so a problem is
//!   named in the caller's vocabulary: `ShopifyConfig::builder().access_token(..)`
//!   for a builder user, `SHOPIFY_ACCESS_TOKEN` for a `from_env` user.
//! - [`Lookup`]: reads variables for `from_lookup`, recording values that do not
//!   parse.
//! - [`Problems`]: the collector a `build()` fills, and [`Problems::finish`],
//!   which turns it into the configuration or a [`ConfigError`].
//!
//! ```
//! use lumitalk_core::config::{ConfigError, ConfigKind, Given, Lookup, Problems, Setting};
//!
//! const KIND: ConfigKind = ConfigKind { provider: "Acme", config: "AcmeConfig" };
//! const TOKEN: Setting = Setting::new("token", "ACME_TOKEN");
//!
//! #[derive(Default)]
//! struct AcmeConfigBuilder {
//!     token: Option<Given<String>>,
//!     problems: Problems,
//! }
//!
//! impl AcmeConfigBuilder {
//!     fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
//!         let env = Lookup::new(&lookup);
//!         AcmeConfigBuilder { token: env.text(TOKEN), problems: env.into_problems() }
//!     }
//!     fn token(mut self, token: &str) -> Self {
//!         self.token = Some(Given::by_builder(token.to_string()));
//!         self
//!     }
//!     fn build(self) -> Result<String, ConfigError> {
//!         let mut p = self.problems;
//!         let token = p.require(TOKEN, self.token);
//!         p.finish(KIND, || token)
//!     }
//! }
//!
//! let err = AcmeConfigBuilder::default().build().unwrap_err();
//! assert_eq!(err.to_string(), "invalid Acme configuration: AcmeConfig::builder().token(..) is missing");
//! let err = AcmeConfigBuilder::from_lookup(|_| None).build().unwrap_err();
//! assert_eq!(err.to_string(), "invalid Acme configuration: ACME_TOKEN is missing");
//! assert!(AcmeConfigBuilder::from_lookup(|_| None).token("t").build().is_ok());
//! ```

use std::fmt;

use secrecy::SecretString;

/// Where a setting's value came from, and so how a problem with it is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// A builder method: the problem names the method.
    #[default]
    Builder,
    /// An environment variable (`from_env`, `from_lookup`): the problem names the variable.
    Env,
}

/// One setting's names: the builder method that sets it and, when it has one,
/// the environment variable `from_env` reads it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Setting {
    /// The builder method, e.g. `access_token`.
    pub builder: &'static str,
    /// The environment variable, e.g. `SHOPIFY_ACCESS_TOKEN`; `None` for settings
    /// only a builder can give (an HTTP client, routes).
    pub env: Option<&'static str>,
}

impl Setting {
    /// A setting with a builder method and an environment variable.
    pub const fn new(builder: &'static str, env: &'static str) -> Self {
        Setting {
            builder,
            env: Some(env),
        }
    }

    /// A setting that only a builder method can give.
    pub const fn builder_only(builder: &'static str) -> Self {
        Setting { builder, env: None }
    }

    /// The setting's name in the vocabulary of `source`: the variable for
    /// [`Source::Env`] (when it has one), else the builder method.
    pub fn name(self, source: Source) -> &'static str {
        match (source, self.env) {
            (Source::Env, Some(env)) => env,
            _ => self.builder,
        }
    }
}

/// A value and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Given<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Given<T> {
    /// A value given to a builder method.
    pub fn by_builder(value: T) -> Self {
        Given {
            value,
            source: Source::Builder,
        }
    }

    /// A value read from an environment variable.
    pub fn from_env(value: T) -> Self {
        Given {
            value,
            source: Source::Env,
        }
    }

    /// The same source with another value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Given<U> {
        Given {
            value: f(self.value),
            source: self.source,
        }
    }
}

impl<T: Default> Default for Given<T> {
    /// The default value, as if given to the builder.
    fn default() -> Self {
        Given::by_builder(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Given<T> {
    /// The value's own `Debug` (a `SecretString` stays redacted) and its source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({:?})", self.value, self.source)
    }
}

/// Which configuration a [`ConfigError`] is about, for its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKind {
    /// The provider, e.g. `Shopify` ("invalid Shopify configuration").
    pub provider: &'static str,
    /// The configuration type whose `builder()` the builder methods hang off, e.g. `ShopifyConfig`.
    pub config: &'static str,
}

/// One missing or malformed setting, named the way the caller gave it.
///
/// Its reason never holds the value (a token, or a URL with credentials in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    setting: Setting,
    source: Source,
    missing: bool,
    reason: Option<String>,
}

impl ConfigProblem {
    /// The setting with the problem.
    pub fn setting(&self) -> Setting {
        self.setting
    }

    /// How the caller gave (or would have given) the setting.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The setting's name in the caller's vocabulary: `SHOPIFY_ACCESS_TOKEN` or
    /// `access_token`.
    pub fn name(&self) -> &'static str {
        self.setting.name(self.source)
    }

    /// Whether the setting was not given at all.
    pub fn is_missing(&self) -> bool {
        self.missing
    }

    /// What is wrong (for a missing setting, an optional hint).
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, config: Option<&str>) -> fmt::Result {
        match (self.source, self.setting.env, config) {
            (Source::Env, Some(env), _) => f.write_str(env)?,
            (_, _, Some(config)) => write!(f, "{config}::builder().{}(..)", self.setting.builder)?,
            (_, _, None) => write!(f, ".{}(..)", self.setting.builder)?,
        }
        match (self.missing, &self.reason) {
            (true, None) => f.write_str(" is missing"),
            (true, Some(hint)) => write!(f, " is missing ({hint})"),
            (false, reason) => write!(f, ": {}", reason.as_deref().unwrap_or("invalid")),
        }
    }
}

impl fmt::Display for ConfigProblem {
    /// `SHOPIFY_SHOP is missing`, `.api_version(..): expected …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, None)
    }
}

/// Every problem found while building a configuration, in the order checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigKind,
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    /// One problem with a setting given to the builder, found after `build()`
    /// (an HTTP client that cannot be created, a token that is not a header value).
    pub fn invalid(kind: ConfigKind, setting: Setting, reason: impl Into<String>) -> Self {
        let mut p = Problems::default();
        p.invalid(setting, Source::Builder, reason);
        p.into_error(kind)
    }

    /// Which configuration failed to build.
    pub fn kind(&self) -> ConfigKind {
        self.kind
    }

    /// The problems, in the order the settings were checked.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }

    /// Whether some problem is about the setting called `name` (a variable or a
    /// builder method).
    pub fn names(&self, name: &str) -> bool {
        self.problems.iter().any(|p| p.name() == name)
    }
}

impl fmt::Display for ConfigError {
    /// `invalid Shopify configuration: ShopifyConfig::builder().shop(..) is missing; …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} configuration: ", self.kind.provider)?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            p.write(f, Some(self.kind.config))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems while a builder is checked; see the [module docs](self).
///
/// It remembers whether the builder was filled from the environment, so that a
/// missing setting is named as its variable (`from_lookup`) or as its builder
/// method (`builder()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    origin: Source,
    list: Vec<ConfigProblem>,
}

impl Problems {
    /// An empty collector for a builder filled from `origin`.
    pub fn new(origin: Source) -> Self {
        Problems {
            origin,
            list: Vec::new(),
        }
    }

    /// Where the builder was filled from: missing settings are named in its vocabulary.
    pub fn origin(&self) -> Source {
        self.origin
    }

    /// Whether nothing is wrong so far.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// `setting`'s name as a missing setting is named, for hints that mention
    /// another setting ("… is missing (TWILIO_API_KEY_SID is set)").
    pub fn name(&self, setting: Setting) -> &'static str {
        setting.name(self.origin)
    }

    /// Records that `setting` was not given.
    pub fn missing(&mut self, setting: Setting) {
        self.push(setting, self.origin, true, None);
    }

    /// Records that `setting` was not given, with a hint why it is needed.
    pub fn missing_because(&mut self, setting: Setting, hint: impl Into<String>) {
        self.push(setting, self.origin, true, Some(hint.into()));
    }

    /// Records that `setting`, given from `source`, is unusable because of `reason`.
    pub fn invalid(&mut self, setting: Setting, source: Source, reason: impl Into<String>) {
        self.push(setting, source, false, Some(reason.into()));
    }

    /// The value, or a "missing" problem when there is none.
    pub fn require<T>(&mut self, setting: Setting, value: Option<Given<T>>) -> Option<T> {
        if value.is_none() {
            self.missing(setting);
        }
        value.map(|g| g.value)
    }

    /// `check(value)`, or an "invalid" problem with its reason.
    pub fn check<T, U>(
        &mut self,
        setting: Setting,
        value: Given<T>,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match check(value.value) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.invalid(setting, value.source, reason);
                None
            }
        }
    }

    /// [`require`](Self::require) then [`check`](Self::check).
    pub fn require_checked<T, U>(
        &mut self,
        setting: Setting,
        value: Option<Given<T>>,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match value {
            None => {
                self.missing(setting);
                None
            }
            Some(v) => self.check(setting, v, check),
        }
    }

    /// Like [`check`](Self::check) for an optional value: `Some(default)` when
    /// it is not given, `None` when it is given and unusable.
    pub fn check_or<T, U>(
        &mut self,
        setting: Setting,
        value: Option<Given<T>>,
        default: U,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match value {
            None => Some(default),
            Some(v) => self.check(setting, v, check),
        }
    }

    /// The configuration `build` makes, or every problem recorded.
    ///
    /// `build` runs only when nothing was recorded, so it may use `?` on the
    /// values [`require`](Self::require) and [`check`](Self::check) returned
    /// (each `None` among them recorded a problem).
    ///
    /// # Errors
    /// A [`ConfigError`] with every problem, in the order recorded.
    pub fn finish<T>(
        self,
        kind: ConfigKind,
        build: impl FnOnce() -> Option<T>,
    ) -> Result<T, ConfigError> {
        if self.list.is_empty()
            && let Some(config) = build()
        {
            return Ok(config);
        }
        debug_assert!(
            !self.list.is_empty(),
            "a value was dropped without a problem"
        );
        Err(self.into_error(kind))
    }

    /// The problems as an error (for failures after `build()`, such as an HTTP
    /// client that cannot be created).
    pub fn into_error(self, kind: ConfigKind) -> ConfigError {
        ConfigError {
            kind,
            problems: self.list,
        }
    }

    fn push(&mut self, setting: Setting, source: Source, missing: bool, reason: Option<String>) {
        self.list.push(ConfigProblem {
            setting,
            source,
            missing,
            reason,
        });
    }
}

/// Reads settings for a `from_lookup` builder: blank values count as unset, and
/// values that do not parse are recorded as problems named by their variable.
pub struct Lookup<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    problems: Problems,
}

impl fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lookup")
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

impl<'a> Lookup<'a> {
    /// Reads variables with `get` (a variable name to its value).
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Lookup {
            get,
            problems: Problems::new(Source::Env),
        }
    }

    /// The variable's value as given (not trimmed), unless it is unset or blank.
    /// A setting without a variable is never read.
    pub fn text(&self, setting: Setting) -> Option<Given<String>> {
        let value = (self.get)(setting.env?)?;
        (!value.trim().is_empty()).then(|| Given::from_env(value))
    }

    /// Like [`text`](Self::text), held as a secret.
    pub fn secret(&self, setting: Setting) -> Option<Given<SecretString>> {
        self.text(setting).map(|g| g.map(SecretString::from))
    }

    /// The trimmed value parsed by `parse`; a value that does not parse is
    /// recorded (with `parse`'s reason) and read as unset.
    pub fn parse<T>(
        &mut self,
        setting: Setting,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Given<T>> {
        let raw = self.text(setting)?;
        match parse(raw.value.trim()) {
            Ok(v) => Some(Given::from_env(v)),
            Err(reason) => {
                self.problems.invalid(setting, Source::Env, reason);
                None
            }
        }
    }

    /// The collector to keep in the builder: it remembers that values came from
    /// the environment, and holds the values that did not parse.
    pub fn into_problems(self) -> Problems {
        self.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: ConfigKind = ConfigKind {
        provider: "Acme",
        config: "AcmeConfig",
    };
    const TOKEN: Setting = Setting::new("token", "ACME_TOKEN");
    const TIMEOUT: Setting = Setting::new("timeout", "ACME_TIMEOUT_MS");
    const CLIENT: Setting = Setting::builder_only("http_client");

    #[test]
    fn problems_are_named_in_the_callers_vocabulary() {
        let mut p = Problems::new(Source::Builder);
        p.missing(TOKEN);
        p.invalid(TIMEOUT, Source::Env, "expected milliseconds");
        p.invalid(CLIENT, Source::Env, "could not be built");
        let err = p.finish(KIND, || Some(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid Acme configuration: AcmeConfig::builder().token(..) is missing; \
             ACME_TIMEOUT_MS: expected milliseconds; \
             AcmeConfig::builder().http_client(..): could not be built"
        );
        assert!(err.names("token") && err.names("ACME_TIMEOUT_MS"));
        assert!(err.problems()[0].is_missing());
        assert_eq!(
            err.problems()[1].to_string(),
            "ACME_TIMEOUT_MS: expected milliseconds"
        );
        assert_eq!(err.problems()[0].to_string(), ".token(..) is missing");
    }

    #[test]
    fn lookup_reads_parses_and_remembers_the_environment() {
        let get = |k: &str| match k {
            "ACME_TOKEN" => Some("  ".to_string()),
            "ACME_TIMEOUT_MS" => Some(" soon ".to_string()),
            _ => None,
        };
        let mut env = Lookup::new(&get);
        assert!(env.text(TOKEN).is_none(), "blank is unset");
        assert!(env.text(CLIENT).is_none(), "no variable, never read");
        assert!(
            env.parse(TIMEOUT, |v| v.parse::<u64>().map_err(|_| v.to_string()))
                .is_none()
        );
        let mut p = env.into_problems();
        assert_eq!(p.origin(), Source::Env);
        p.missing_because(TOKEN, format!("{} is set", p.name(TIMEOUT)));
        let one = ConfigError::invalid(KIND, CLIENT, "no TLS");
        assert_eq!(
            one.to_string(),
            "invalid Acme configuration: AcmeConfig::builder().http_client(..): no TLS"
        );
        let err = p.into_error(KIND);
        assert_eq!(
            err.to_string(),
            "invalid Acme configuration: ACME_TIMEOUT_MS: soon; \
             ACME_TOKEN is missing (ACME_TIMEOUT_MS is set)"
        );
    }

    #[test]
    fn check_and_finish() {
        let mut p = Problems::default();
        let a = p.check(TOKEN, Given::by_builder(3), |n: u32| Ok::<_, String>(n * 2));
        let b = p.check_or(TIMEOUT, None::<Given<u32>>, 7, |_| Err("unused".into()));
        let c = p.require_checked(TOKEN, Some(Given::by_builder(1)), Ok::<u32, String>);
        assert_eq!(p.finish(KIND, || Some(a? + b? + c?)).unwrap(), 14);
        let mut p = Problems::default();
        assert_eq!(
            p.require_checked(TOKEN, None::<Given<u32>>, Ok::<u32, String>),
            None
        );
        assert!(p.into_error(KIND).problems()[0].is_missing());
        let mut p = Problems::default();
        let c = p.check(TOKEN, Given::from_env(0), |_: u32| {
            Err::<u32, _>("zero".into())
        });
        let err = p.finish(KIND, || c).unwrap_err();
        assert_eq!(err.problems()[0].name(), "ACME_TOKEN");
        assert_eq!(err.problems()[0].reason(), Some("zero"));
    }

    #[test]
    fn given_debug_keeps_secrets_redacted() {
        let g = Given::by_builder(SecretString::from("hunter2"));
        assert!(!format!("{g:?}").contains("hunter2"));
    }
}
