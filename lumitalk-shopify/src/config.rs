//! Configuration: which shop, which token, which API version, how long to wait,
//! how long a caller may wait in the shop's rate-limit queue, and how long
//! answers are cached.
//!
//! Built with [`ShopifyConfig::builder`] or read from the environment with
//! [`ShopifyConfig::from_env`]. Every missing or malformed setting is reported at
//! once, by name, in one [`ConfigError`]; the access token never appears in `Debug`
//! output or in an error message.

use std::fmt;
use std::time::Duration;

use lumitalk_core::Region;
use lumitalk_core::config::{ConfigKind, Given, Lookup, Problems, Setting};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

/// Every problem with a Shopify configuration (the shared core type).
pub use lumitalk_core::config::{ConfigError, ConfigProblem};

/// The Admin API version used unless configured otherwise: the newest stable
/// quarterly release when this crate was written. Shopify supports each version
/// for at least twelve months; requests to an unsupported version silently "fall
/// forward" to the oldest supported one, so pin it and bump it deliberately.
pub const DEFAULT_API_VERSION: &str = "2026-10";

/// How long one GraphQL request may take before it fails with a timeout.
///
/// A caller is waiting on the line, so this is short; the assistant's per-turn
/// deadline (the core `Timeout` wrapper) is usually shorter still.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a lookup the caller waits for may wait for the shop's rate limit
/// before the adapter answers `RateLimited` (the lookup keeps its place and
/// finishes in the background; its answer lands in the order cache).
pub const DEFAULT_MAX_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// How long a lookup's answer (found or not found) is reused.
pub const DEFAULT_ORDER_CACHE_TTL: Duration = Duration::from_secs(30);

/// The most answers the order cache holds; the oldest goes first.
pub const ORDER_CACHE_CAPACITY: usize = 10_000;

/// A shop's leaky bucket of GraphQL cost points: its size and how many points
/// flow back per second. Shopify reports both with every answer; this is what
/// the limiter assumes before the first answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketSize {
    /// Bucket size (`maximumAvailable`).
    pub maximum: f64,
    /// Points restored per second (`restoreRate`).
    pub restore_rate: f64,
}

impl BucketSize {
    /// The documented Standard plan: 2,000 points, 100 restored per second.
    pub const STANDARD: BucketSize = BucketSize {
        maximum: 2000.0,
        restore_rate: 100.0,
    };
}

impl Default for BucketSize {
    fn default() -> Self {
        BucketSize::STANDARD
    }
}

/// Environment variable: the shop, `acme` or `acme.myshopify.com`. Required.
pub const ENV_SHOP: &str = "SHOPIFY_SHOP";
/// Environment variable: the Admin API access token (`shpat_…`). Required.
pub const ENV_ACCESS_TOKEN: &str = "SHOPIFY_ACCESS_TOKEN";
/// Environment variable: the API version, `YYYY-MM`. Optional.
pub const ENV_API_VERSION: &str = "SHOPIFY_API_VERSION";
/// Environment variable: a base URL replacing `https://{shop}` (tests, proxies). Optional.
pub const ENV_API_BASE_URL: &str = "SHOPIFY_API_BASE_URL";
/// Environment variable: the request timeout in milliseconds. Optional.
pub const ENV_TIMEOUT_MS: &str = "SHOPIFY_TIMEOUT_MS";
/// Environment variable: the longest a waiting caller's lookup waits for the
/// rate limit, in milliseconds (0: never wait). Optional.
pub const ENV_MAX_QUEUE_WAIT_MS: &str = "SHOPIFY_MAX_QUEUE_WAIT_MS";
/// Environment variable: how long lookup answers are cached, in milliseconds
/// (0: no cache). Optional.
pub const ENV_ORDER_CACHE_TTL_MS: &str = "SHOPIFY_ORDER_CACHE_TTL_MS";

pub(crate) const KIND: ConfigKind = ConfigKind {
    provider: "Shopify",
    config: "ShopifyConfig",
};
const SHOP: Setting = Setting::new("shop", ENV_SHOP);
const ACCESS_TOKEN: Setting = Setting::new("access_token", ENV_ACCESS_TOKEN);
const API_VERSION: Setting = Setting::new("api_version", ENV_API_VERSION);
const BASE_URL: Setting = Setting::new("base_url", ENV_API_BASE_URL);
const TIMEOUT: Setting = Setting::new("timeout", ENV_TIMEOUT_MS);
const MAX_QUEUE_WAIT: Setting = Setting::new("max_queue_wait", ENV_MAX_QUEUE_WAIT_MS);
const ORDER_CACHE_TTL: Setting = Setting::new("order_cache_ttl", ENV_ORDER_CACHE_TTL_MS);
const ASSUMED_BUCKET: Setting = Setting::builder_only("assumed_bucket");
/// The injected HTTP client (a builder-only setting).
pub(crate) const HTTP_CLIENT: Setting = Setting::builder_only("http_client");

/// Everything the Shopify client needs. Cheap to clone.
#[derive(Clone)]
pub struct ShopifyConfig {
    shop: String,
    access_token: SecretString,
    api_version: String,
    base_url: Url,
    timeout: Duration,
    max_queue_wait: Duration,
    order_cache_ttl: Duration,
    assumed_bucket: BucketSize,
    phone_region: Region,
    http_client: Option<reqwest::Client>,
}

impl ShopifyConfig {
    /// A builder with nothing set.
    pub fn builder() -> ShopifyConfigBuilder {
        ShopifyConfigBuilder::default()
    }

    /// Reads `SHOPIFY_SHOP`, `SHOPIFY_ACCESS_TOKEN`, `SHOPIFY_API_VERSION`,
    /// `SHOPIFY_API_BASE_URL`, `SHOPIFY_TIMEOUT_MS`, `SHOPIFY_MAX_QUEUE_WAIT_MS`
    /// and `SHOPIFY_ORDER_CACHE_TTL_MS` from the process environment.
    ///
    /// # Errors
    /// A [`ConfigError`] naming every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        ShopifyConfigBuilder::from_env().build()
    }

    /// The shop's domain, e.g. `acme.myshopify.com`.
    pub fn shop(&self) -> &str {
        &self.shop
    }

    /// The pinned Admin API version, e.g. `2026-10`.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The base URL requests go to (`https://acme.myshopify.com` unless overridden).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The GraphQL endpoint: `{base}/admin/api/{version}/graphql.json`.
    pub fn graphql_url(&self) -> Url {
        let base = self.base_url.as_str().trim_end_matches('/');
        // Both parts were validated at build time, so the join cannot fail.
        Url::parse(&format!(
            "{base}/admin/api/{}/graphql.json",
            self.api_version
        ))
        .expect("validated base URL and API version form a URL")
    }

    /// The access token. Secret: never log it.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// How long one request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The longest a lookup the caller waits for waits for the shop's rate limit
    /// before `RateLimited` is answered (default [`DEFAULT_MAX_QUEUE_WAIT`]).
    pub fn max_queue_wait(&self) -> Duration {
        self.max_queue_wait
    }

    /// How long lookup answers are reused; zero disables the cache (default
    /// [`DEFAULT_ORDER_CACHE_TTL`]).
    pub fn order_cache_ttl(&self) -> Duration {
        self.order_cache_ttl
    }

    /// The bucket the limiter assumes until Shopify's first answer reports the
    /// real one (default [`BucketSize::STANDARD`]).
    pub fn assumed_bucket(&self) -> BucketSize {
        self.assumed_bucket
    }

    /// The region used to read phone numbers stored without a country code.
    pub fn phone_region(&self) -> Region {
        self.phone_region
    }

    /// The injected HTTP client, if one was given
    /// ([`ShopifyConfigBuilder::http_client`]).
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }
}

impl fmt::Debug for ShopifyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopifyConfig")
            .field("shop", &self.shop)
            .field("access_token", &"<redacted>")
            .field("api_version", &self.api_version)
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .field("max_queue_wait", &self.max_queue_wait)
            .field("order_cache_ttl", &self.order_cache_ttl)
            .field("assumed_bucket", &self.assumed_bucket)
            .field("phone_region", &self.phone_region.calling_code())
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "<injected>"),
            )
            .finish()
    }
}

/// Builds a [`ShopifyConfig`]; [`build`](Self::build) checks everything at once.
///
/// A problem is named the way the setting was given: by its builder method
/// (`ShopifyConfig::builder().access_token(..)`) or, for a builder filled by
/// [`from_env`](Self::from_env) / [`from_lookup`](Self::from_lookup), by its
/// environment variable (`SHOPIFY_ACCESS_TOKEN`).
#[derive(Default, Clone)]
pub struct ShopifyConfigBuilder {
    shop: Option<Given<String>>,
    access_token: Option<Given<SecretString>>,
    api_version: Option<Given<String>>,
    base_url: Option<Given<String>>,
    timeout: Option<Given<Duration>>,
    max_queue_wait: Option<Given<Duration>>,
    order_cache_ttl: Option<Given<Duration>>,
    assumed_bucket: Option<Given<BucketSize>>,
    phone_region: Option<Region>,
    http_client: Option<reqwest::Client>,
    problems: Problems,
}

impl ShopifyConfigBuilder {
    /// A builder pre-filled from the process environment (see [`ShopifyConfig::from_env`]).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// A builder pre-filled by looking each variable up with `lookup`, so that
    /// tests need not touch the process environment. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut env = Lookup::new(&lookup);
        let timeout = env.parse(TIMEOUT, |ms| match ms.parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err("expected a positive number of milliseconds".into()),
        });
        let millis = |ms: &str| match ms.parse::<u64>() {
            Ok(ms) => Ok(Duration::from_millis(ms)),
            Err(_) => Err("expected a number of milliseconds (0 or more)".to_string()),
        };
        let max_queue_wait = env.parse(MAX_QUEUE_WAIT, millis);
        let order_cache_ttl = env.parse(ORDER_CACHE_TTL, millis);
        ShopifyConfigBuilder {
            shop: env.text(SHOP),
            access_token: env.secret(ACCESS_TOKEN),
            api_version: env.text(API_VERSION),
            base_url: env.text(BASE_URL),
            timeout,
            max_queue_wait,
            order_cache_ttl,
            problems: env.into_problems(),
            ..Self::default()
        }
    }

    /// The shop: `acme` or `acme.myshopify.com` (a scheme and trailing `/` are tolerated).
    pub fn shop(mut self, shop: impl Into<String>) -> Self {
        self.shop = Some(Given::by_builder(shop.into()));
        self
    }

    /// The Admin API access token.
    pub fn access_token(mut self, token: impl Into<SecretString>) -> Self {
        self.access_token = Some(Given::by_builder(token.into()));
        self
    }

    /// The API version, `YYYY-MM` with a quarterly month (`01`, `04`, `07`, `10`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(Given::by_builder(version.into()));
        self
    }

    /// A base URL replacing `https://{shop}`, e.g. a wiremock server's URI.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(Given::by_builder(url.into()));
        self
    }

    /// How long one request may take (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Given::by_builder(timeout));
        self
    }

    /// The longest a lookup the caller waits for may wait for the shop's rate
    /// limit (default [`DEFAULT_MAX_QUEUE_WAIT`], 2 s). When the limiter expects
    /// a longer wait, the lookup answers `RateLimited` with the expected wait as
    /// `retry_after` (after at most this long), keeps its place in the queue and
    /// finishes in the background; the caller's next attempt is answered from
    /// the order cache or joins it. Zero: never wait.
    pub fn max_queue_wait(mut self, wait: Duration) -> Self {
        self.max_queue_wait = Some(Given::by_builder(wait));
        self
    }

    /// How long a lookup's answer (found or not found) is reused for the same
    /// order number or phone (default [`DEFAULT_ORDER_CACHE_TTL`], 30 s). Zero
    /// disables the cache (identical lookups in flight are still shared).
    pub fn order_cache_ttl(mut self, ttl: Duration) -> Self {
        self.order_cache_ttl = Some(Given::by_builder(ttl));
        self
    }

    /// The bucket the limiter assumes until Shopify's first answer reports the
    /// shop's real one (default [`BucketSize::STANDARD`], 2,000 points restoring
    /// 100 per second). Both numbers must be positive.
    pub fn assumed_bucket(mut self, bucket: BucketSize) -> Self {
        self.assumed_bucket = Some(Given::by_builder(bucket));
        self
    }

    /// The region for phone numbers the shop stored without a country code
    /// (default: North America). Shopify normally stores E.164.
    pub fn phone_region(mut self, region: Region) -> Self {
        self.phone_region = Some(region);
        self
    }

    /// The HTTP client to send requests with (shared connection pool, proxy,
    /// TLS settings), instead of the one this crate builds (which has the
    /// [`timeout`](Self::timeout) as request and connect timeout and follows no
    /// redirects).
    ///
    /// Every request still sets, itself, the access-token header, `Accept` and
    /// `Content-Type: application/json`, a `User-Agent` and the
    /// [`timeout`](Self::timeout); the client's default headers are sent too.
    /// Give it the redirect policy [`reqwest::redirect::Policy::none`]: the
    /// access token is a custom header, which reqwest does not strip when a
    /// redirect leads to another host. A 3xx answer is an invalid response either
    /// way, never followed by this crate.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks every setting and returns the configuration.
    ///
    /// # Errors
    /// A [`ConfigError`] listing every missing or malformed setting, each named
    /// by its builder method or (when read from the environment) its variable.
    pub fn build(self) -> Result<ShopifyConfig, ConfigError> {
        let mut p = self.problems;
        let shop = p.require_checked(SHOP, self.shop, |s| normalize_shop(&s).map_err(Into::into));
        let access_token = self
            .access_token
            .filter(|t| !t.value.expose_secret().trim().is_empty());
        let access_token = p.require(ACCESS_TOKEN, access_token);
        let api_version = self.api_version.map(|v| v.map(|v| v.trim().to_string()));
        let api_version = p.check_or(API_VERSION, api_version, DEFAULT_API_VERSION.into(), |v| {
            validate_api_version(&v).map(|()| v).map_err(Into::into)
        });
        let base_url = match self.base_url {
            None => shop
                .as_deref()
                .and_then(|s| Url::parse(&format!("https://{s}")).ok()),
            Some(url) => p.check(BASE_URL, url, |u| parse_base_url(&u).map_err(Into::into)),
        };
        let timeout = self.timeout.unwrap_or(Given::by_builder(DEFAULT_TIMEOUT));
        let timeout = p.check(TIMEOUT, timeout, |t| match t.is_zero() {
            true => Err("the timeout must be longer than zero".into()),
            false => Ok(t),
        });
        let max_queue_wait = self
            .max_queue_wait
            .map(|w| w.value)
            .unwrap_or(DEFAULT_MAX_QUEUE_WAIT);
        let order_cache_ttl = self
            .order_cache_ttl
            .map(|t| t.value)
            .unwrap_or(DEFAULT_ORDER_CACHE_TTL);
        let assumed_bucket = p.check_or(
            ASSUMED_BUCKET,
            self.assumed_bucket,
            BucketSize::STANDARD,
            |b| {
                let positive = |x: f64| x.is_finite() && x > 0.0;
                match positive(b.maximum) && positive(b.restore_rate) {
                    true => Ok(b),
                    false => Err("the bucket size and restore rate must be positive".into()),
                }
            },
        );
        p.finish(KIND, || {
            Some(ShopifyConfig {
                shop: shop?,
                access_token: access_token?,
                api_version: api_version?,
                base_url: base_url?,
                timeout: timeout?,
                max_queue_wait,
                order_cache_ttl,
                assumed_bucket: assumed_bucket?,
                phone_region: self.phone_region.unwrap_or_default(),
                http_client: self.http_client,
            })
        })
    }
}

impl fmt::Debug for ShopifyConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopifyConfigBuilder")
            .field("shop", &self.shop)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("api_version", &self.api_version)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_queue_wait", &self.max_queue_wait)
            .field("order_cache_ttl", &self.order_cache_ttl)
            .field("assumed_bucket", &self.assumed_bucket)
            .field(
                "http_client",
                &self.http_client.as_ref().map(|_| "<injected>"),
            )
            .finish_non_exhaustive()
    }
}

/// `acme` → `acme.myshopify.com`; `https://Acme.myshopify.com/` → `acme.myshopify.com`.
fn normalize_shop(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let s = s.trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() {
        return Err("expected a shop name like `acme` or `acme.myshopify.com`");
    }
    let valid_label =
        |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !s.split('.').all(valid_label) {
        return Err("expected a shop name like `acme` or `acme.myshopify.com`");
    }
    Ok(if s.contains('.') {
        s
    } else {
        format!("{s}.myshopify.com")
    })
}

fn validate_api_version(v: &str) -> Result<(), &'static str> {
    const MSG: &str = "expected a quarterly version `YYYY-MM` with month 01, 04, 07 or 10";
    let b = v.as_bytes();
    if b.len() != 7 || b[4] != b'-' {
        return Err(MSG);
    }
    let (year, month) = (&v[..4], &v[5..]);
    if !year.bytes().all(|c| c.is_ascii_digit()) || !year.starts_with('2') {
        return Err(MSG);
    }
    if !matches!(month, "01" | "04" | "07" | "10") {
        return Err(MSG);
    }
    Ok(())
}

fn parse_base_url(raw: &str) -> Result<Url, &'static str> {
    let url = Url::parse(raw.trim()).map_err(|_| "expected an absolute http(s) URL")?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected an absolute http(s) URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the base URL must not have a query or fragment");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn reads_env_with_defaults() {
        let c = ShopifyConfigBuilder::from_lookup(lookup(&[
            (ENV_SHOP, "acme"),
            (ENV_ACCESS_TOKEN, "shpat_secret_value"),
        ]))
        .build()
        .unwrap();
        assert_eq!(c.shop(), "acme.myshopify.com");
        assert_eq!(c.api_version(), DEFAULT_API_VERSION);
        assert_eq!(
            c.graphql_url().as_str(),
            "https://acme.myshopify.com/admin/api/2026-10/graphql.json"
        );
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.max_queue_wait(), DEFAULT_MAX_QUEUE_WAIT);
        assert_eq!(c.order_cache_ttl(), DEFAULT_ORDER_CACHE_TTL);
        assert_eq!(c.assumed_bucket(), BucketSize::STANDARD);
    }

    #[test]
    fn queue_wait_and_cache_ttl_from_env_and_builder() {
        let c = ShopifyConfigBuilder::from_lookup(lookup(&[
            (ENV_SHOP, "acme"),
            (ENV_ACCESS_TOKEN, "t"),
            (ENV_MAX_QUEUE_WAIT_MS, "0"),
            (ENV_ORDER_CACHE_TTL_MS, " 1500 "),
        ]))
        .build()
        .unwrap();
        assert_eq!(c.max_queue_wait(), Duration::ZERO);
        assert_eq!(c.order_cache_ttl(), Duration::from_millis(1500));
        let c = ShopifyConfig::builder()
            .shop("acme")
            .access_token("t".to_string())
            .max_queue_wait(Duration::from_millis(700))
            .order_cache_ttl(Duration::ZERO)
            .assumed_bucket(BucketSize {
                maximum: 1000.0,
                restore_rate: 50.0,
            })
            .build()
            .unwrap();
        assert_eq!(c.max_queue_wait(), Duration::from_millis(700));
        assert_eq!(c.order_cache_ttl(), Duration::ZERO);
        assert_eq!(c.assumed_bucket().maximum, 1000.0);

        let err = ShopifyConfigBuilder::from_lookup(lookup(&[
            (ENV_SHOP, "acme"),
            (ENV_ACCESS_TOKEN, "t"),
            (ENV_MAX_QUEUE_WAIT_MS, "-1"),
            (ENV_ORDER_CACHE_TTL_MS, "soon"),
        ]))
        .assumed_bucket(BucketSize {
            maximum: 0.0,
            restore_rate: 100.0,
        })
        .build()
        .unwrap_err();
        let names: Vec<_> = err.problems().iter().map(|p| p.name()).collect();
        assert_eq!(
            names,
            [
                ENV_MAX_QUEUE_WAIT_MS,
                ENV_ORDER_CACHE_TTL_MS,
                "assumed_bucket"
            ],
            "{err}"
        );
    }

    #[test]
    fn base_url_override_and_full_domain() {
        let c = ShopifyConfigBuilder::from_lookup(lookup(&[
            (ENV_SHOP, "https://Acme.myshopify.com/"),
            (ENV_ACCESS_TOKEN, "t"),
            (ENV_API_VERSION, "2026-07"),
            (ENV_API_BASE_URL, "http://127.0.0.1:9999/"),
            (ENV_TIMEOUT_MS, "250"),
        ]))
        .build()
        .unwrap();
        assert_eq!(c.shop(), "acme.myshopify.com");
        assert_eq!(
            c.graphql_url().as_str(),
            "http://127.0.0.1:9999/admin/api/2026-07/graphql.json"
        );
        assert_eq!(c.timeout(), Duration::from_millis(250));
    }

    #[test]
    fn reports_every_problem_by_name() {
        let err = ShopifyConfigBuilder::from_lookup(lookup(&[
            (ENV_API_VERSION, "2026-11"),
            (ENV_API_BASE_URL, "not a url"),
            (ENV_TIMEOUT_MS, "soon"),
        ]))
        .build()
        .unwrap_err();
        let names: Vec<_> = err.problems().iter().map(|p| p.name()).collect();
        assert_eq!(
            names,
            [
                ENV_TIMEOUT_MS,
                ENV_SHOP,
                ENV_ACCESS_TOKEN,
                ENV_API_VERSION,
                ENV_API_BASE_URL
            ]
        );
        let text = err.to_string();
        assert!(text.contains("SHOPIFY_SHOP is missing"), "{text}");
        assert!(
            text.contains("SHOPIFY_API_VERSION: expected a quarterly version"),
            "{text}"
        );
    }

    #[test]
    fn builder_errors_name_the_method_and_lookup_errors_the_variable() {
        let err = ShopifyConfig::builder()
            .shop("acme")
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid Shopify configuration: ShopifyConfig::builder().access_token(..) is missing; \
             ShopifyConfig::builder().timeout(..): the timeout must be longer than zero"
        );
        let err = ShopifyConfigBuilder::from_lookup(lookup(&[(ENV_SHOP, "acme")]))
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid Shopify configuration: SHOPIFY_ACCESS_TOKEN is missing; \
             ShopifyConfig::builder().timeout(..): the timeout must be longer than zero",
            "a value given to the builder is named by its method even after from_lookup"
        );
    }

    #[test]
    fn rejects_bad_shops_and_versions() {
        for shop in ["", "acme shop", "acme..myshopify.com", "a/b"] {
            let err = ShopifyConfig::builder()
                .shop(shop)
                .access_token("t".to_string())
                .build()
                .unwrap_err();
            assert_eq!(err.problems()[0].name(), "shop", "{shop:?}");
            assert!(
                err.to_string()
                    .contains("ShopifyConfig::builder().shop(..): expected a shop name"),
                "{err}"
            );
        }
        for v in [
            "2026-1",
            "26-10",
            "2026-13",
            "latest",
            "2026-10-01",
            "unstable",
        ] {
            assert!(validate_api_version(v).is_err(), "{v}");
        }
        for v in ["2026-01", "2026-04", "2026-07", "2026-10", "2027-01"] {
            assert!(validate_api_version(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let b = ShopifyConfig::builder()
            .shop("acme")
            .access_token("shpat_topsecret".to_string());
        assert!(!format!("{b:?}").contains("topsecret"));
        let c = b.build().unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("topsecret"), "{dbg}");
        assert!(dbg.contains("<redacted>"));
        let err = ShopifyConfig::builder()
            .access_token("shpat_topsecret".to_string())
            .api_version("bad")
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("topsecret"));
    }
}
