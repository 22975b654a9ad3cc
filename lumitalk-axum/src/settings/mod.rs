//! Server settings from environment variables and an optional TOML file of
//! merchants ([`Settings::from_env`]).
//!
//! Every problem is collected and reported together in one [`SettingsError`],
//! each naming its setting, so a misconfigured deployment fails at start-up
//! with one clear message. Partial production configuration is an error, never
//! a silent fall back to demo mode: a Shopify shop without its token (or the
//! reverse), a provider option without the provider's key, or any real
//! provider while `TWILIO_AUTH_TOKEN` is unset (unsigned webhooks would let
//! anyone on the network drive the assistant against real data).

mod env;
mod merchants;
mod problems;

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

pub use env::{Env, ProcessEnv};
pub use merchants::{DEMO_ESCALATION_NUMBER, MerchantSettings, ShopSettings};
pub use problems::{SettingProblem, SettingsError};

use problems::Problems;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen (`LUMITALK_ADDR`).
    pub addr: SocketAddr,
    /// Where the admin API and `/metrics` listen instead, when set
    /// (`LUMITALK_ADMIN_ADDR`): then the public listener does not serve them.
    pub admin_addr: Option<SocketAddr>,
    /// The base URL the carrier reaches the server at (`LUMITALK_PUBLIC_URL`).
    pub public_url: Url,
    /// SQLite file for call records (`LUMITALK_DATABASE`).
    pub database: std::path::PathBuf,
    /// Fsync call records at every commit (`full`, the default) or only at
    /// checkpoints (`normal`) (`LUMITALK_SQLITE_SYNCHRONOUS`).
    pub database_sync: DatabaseSync,
    /// Bearer token for the admin API; the admin API is off without it.
    pub admin_token: Option<SecretString>,
    /// Merchants, the first answering numbers no other merchant claims.
    pub merchants: Vec<MerchantSettings>,
    /// Default retention window (`LUMITALK_RETENTION_DAYS`).
    pub retention: Duration,
    /// Shopify app secret for compliance webhooks (`SHOPIFY_API_SECRET`).
    pub shopify_api_secret: Option<SecretString>,
    /// Whether `TWILIO_AUTH_TOKEN` is set (signature checks on).
    pub twilio_auth_token_set: bool,
}

/// How durably the SQLite call-record store commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DatabaseSync {
    /// fsync at every commit: an acknowledged record survives power loss.
    #[default]
    Full,
    /// fsync at checkpoints: survives a crash of the process, not of the machine.
    Normal,
}

/// The environment variables that switch a provider to the real one; with any
/// of them set the deployment is a production one.
const REAL_PROVIDER_KEYS: [&str; 4] = [
    "SHOPIFY_SHOP",
    "SHOPIFY_ACCESS_TOKEN",
    "OPENAI_API_KEY",
    "ELEVENLABS_API_KEY",
];

/// Options that mean nothing without their provider's key.
const NEEDS_KEY: [(&str, &str); 5] = [
    ("OPENAI_MODEL", "OPENAI_API_KEY"),
    ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
    ("ELEVENLABS_MODEL_ID", "ELEVENLABS_API_KEY"),
    ("ELEVENLABS_BASE_URL", "ELEVENLABS_API_KEY"),
    ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"),
];

impl Settings {
    /// Reads settings from the process environment.
    ///
    /// # Errors
    /// [`SettingsError`] listing every unusable setting.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads settings from any [`Env`].
    ///
    /// # Errors
    /// [`SettingsError`] listing every unusable setting.
    pub fn from_source(env: &dyn Env) -> Result<Self, SettingsError> {
        let mut problems = Problems::default();
        let settings = Self::read(env, &mut problems);
        check_exposure(env, &settings, &mut problems);
        problems.into_result(settings)
    }

    /// Reads settings for a process that takes no carrier webhooks (the
    /// terminal call simulator): as [`from_source`](Self::from_source), without
    /// the checks that protect a listening server (`TWILIO_AUTH_TOKEN` with
    /// real providers, loopback-only without it).
    ///
    /// # Errors
    /// [`SettingsError`] listing every unusable setting.
    pub fn for_local_simulation(env: &dyn Env) -> Result<Self, SettingsError> {
        let mut problems = Problems::default();
        let settings = Self::read(env, &mut problems);
        problems.into_result(settings)
    }

    fn read(env: &dyn Env, problems: &mut Problems) -> Settings {
        let addr = read_addr(env, problems);
        let admin_addr = env.get("LUMITALK_ADMIN_ADDR").and_then(|raw| {
            raw.parse::<SocketAddr>()
                .map_err(|_| {
                    problems.add(
                        "LUMITALK_ADMIN_ADDR",
                        format!("`{raw}` is not a socket address like 127.0.0.1:3001"),
                    )
                })
                .ok()
        });
        let public_url = read_public_url(env, addr, problems);
        let admin_token = env.get("LUMITALK_ADMIN_TOKEN");
        if let Some(why) = admin_token.as_deref().and_then(crate::admin_auth::weakness) {
            problems.add("LUMITALK_ADMIN_TOKEN", why);
        }
        let retention = read_retention(env, problems);
        let twilio_auth_token_set = env.get("TWILIO_AUTH_TOKEN").is_some();
        let merchants = read_merchants(env, retention, twilio_auth_token_set, problems);
        check_partial(env, problems);
        Settings {
            addr,
            admin_addr,
            public_url,
            database: env
                .get("LUMITALK_DATABASE")
                .unwrap_or_else(|| "lumitalk.db".into())
                .into(),
            database_sync: read_sync(env, problems),
            admin_token: admin_token.map(SecretString::from),
            merchants,
            retention,
            shopify_api_secret: env.get("SHOPIFY_API_SECRET").map(SecretString::from),
            twilio_auth_token_set,
        }
    }

    /// Whether any real provider is configured (not the demo stand-ins).
    pub fn has_real_provider(&self, env: &dyn Env) -> bool {
        REAL_PROVIDER_KEYS.iter().any(|k| env.get(k).is_some())
            || self.merchants.iter().any(|m| m.shopify.is_some())
    }
}

fn read_addr(env: &dyn Env, problems: &mut Problems) -> SocketAddr {
    let raw = env
        .get("LUMITALK_ADDR")
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    raw.parse::<SocketAddr>().unwrap_or_else(|_| {
        problems.add(
            "LUMITALK_ADDR",
            format!("`{raw}` is not a socket address like 127.0.0.1:3000"),
        );
        SocketAddr::from(([127, 0, 0, 1], 3000))
    })
}

fn default_public_url(addr: SocketAddr) -> Url {
    Url::parse(&format!("http://{addr}")).expect("a socket address makes a valid URL")
}

fn read_public_url(env: &dyn Env, addr: SocketAddr, problems: &mut Problems) -> Url {
    let Some(raw) = env.get("LUMITALK_PUBLIC_URL") else {
        return default_public_url(addr);
    };
    match Url::parse(raw.trim_end_matches('/')) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => u,
        _ => {
            problems.add(
                "LUMITALK_PUBLIC_URL",
                format!("`{raw}` is not an http(s) URL"),
            );
            default_public_url(addr)
        }
    }
}

fn read_retention(env: &dyn Env, problems: &mut Problems) -> Duration {
    let Some(raw) = env.get("LUMITALK_RETENTION_DAYS") else {
        return lumitalk_core::DEFAULT_RETENTION;
    };
    match raw.trim().parse::<u64>() {
        Ok(d) if (1..=3650).contains(&d) => Duration::from_secs(d * 86_400),
        _ => {
            problems.add(
                "LUMITALK_RETENTION_DAYS",
                format!("`{raw}` is not a number of days between 1 and 3650"),
            );
            lumitalk_core::DEFAULT_RETENTION
        }
    }
}

fn read_sync(env: &dyn Env, problems: &mut Problems) -> DatabaseSync {
    let Some(raw) = env.get("LUMITALK_SQLITE_SYNCHRONOUS") else {
        return DatabaseSync::Full;
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "full" => DatabaseSync::Full,
        "normal" => DatabaseSync::Normal,
        _ => {
            problems.add(
                "LUMITALK_SQLITE_SYNCHRONOUS",
                format!("`{raw}` is not `full` or `normal`"),
            );
            DatabaseSync::Full
        }
    }
}

fn read_merchants(
    env: &dyn Env,
    retention: Duration,
    twilio_auth_token_set: bool,
    problems: &mut Problems,
) -> Vec<MerchantSettings> {
    let merchants = match env.get("LUMITALK_CONFIG") {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => merchants::from_toml(&text, env, retention, problems),
            Err(e) => {
                problems.add("LUMITALK_CONFIG", format!("cannot read `{path}`: {e}"));
                Vec::new()
            }
        },
        None => vec![merchants::from_env(
            env,
            retention,
            twilio_auth_token_set,
            problems,
        )],
    };
    if merchants.is_empty() && problems.is_empty() {
        problems.add("LUMITALK_CONFIG", "defines no [[merchants]]");
    }
    merchants
}

/// Half of a provider's configuration is an error, not demo mode.
fn check_partial(env: &dyn Env, problems: &mut Problems) {
    match (env.get("SHOPIFY_SHOP"), env.get("SHOPIFY_ACCESS_TOKEN")) {
        (Some(_), None) => problems.add(
            "SHOPIFY_ACCESS_TOKEN",
            "missing: SHOPIFY_SHOP is set, so orders come from Shopify and need its Admin API token",
        ),
        (None, Some(_)) => problems.add(
            "SHOPIFY_SHOP",
            "missing: SHOPIFY_ACCESS_TOKEN is set, name the shop it belongs to (acme.myshopify.com)",
        ),
        _ => {}
    }
    for (option, key) in NEEDS_KEY {
        if env.get(option).is_some() && env.get(key).is_none() {
            problems.add(
                option,
                format!("has no effect without {key}; set both or neither"),
            );
        }
    }
}

/// A listening server must not take unsigned webhooks from the network, nor
/// drive real providers with them.
fn check_exposure(env: &dyn Env, settings: &Settings, problems: &mut Problems) {
    if settings.twilio_auth_token_set {
        return;
    }
    if !is_loopback_url(&settings.public_url) {
        problems.add(
            "LUMITALK_PUBLIC_URL",
            format!(
                "refusing a public URL that is not this machine ({}) without TWILIO_AUTH_TOKEN: \
                 unsigned webhooks are for local demos only",
                settings.public_url
            ),
        );
    }
    if !settings.addr.ip().is_loopback() {
        problems.add(
            "LUMITALK_ADDR",
            format!(
                "refusing to listen on {} without TWILIO_AUTH_TOKEN: unsigned webhooks are \
                 only accepted on a loopback address",
                settings.addr
            ),
        );
    }
    let real: Vec<&str> = REAL_PROVIDER_KEYS
        .iter()
        .copied()
        .filter(|k| env.get(k).is_some())
        .chain(
            settings
                .merchants
                .iter()
                .any(|m| m.shopify.is_some())
                .then_some("LUMITALK_CONFIG [merchants.shopify]"),
        )
        .collect();
    if !real.is_empty() {
        problems.add(
            "TWILIO_AUTH_TOKEN",
            format!(
                "required when a real provider is configured ({}): without it webhooks are \
                 unsigned and anyone who reaches the server could drive real orders and \
                 provider accounts",
                real.join(", ")
            ),
        );
    }
}

/// Whether a URL names this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests;
