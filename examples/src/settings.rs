//! Server settings from environment variables and an optional TOML file.
//!
//! Every problem is collected and reported together, each naming its setting,
//! so a misconfigured deployment fails at start-up with one clear message.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lumitalk_core::{
    BusinessHours, Language, Merchant, PhoneNumber, Region, VerificationPolicy, VoiceConfig,
};
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// A source of settings: the process environment, or a map in tests.
pub trait Env {
    /// The value of a variable, if set and not empty.
    fn get(&self, key: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Env for HashMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        HashMap::get(self, key)
            .cloned()
            .filter(|v| !v.trim().is_empty())
    }
}

impl Env for HashMap<&str, &str> {
    fn get(&self, key: &str) -> Option<String> {
        HashMap::get(self, key)
            .map(|v| v.to_string())
            .filter(|v| !v.trim().is_empty())
    }
}

/// Settings that could not be used, each naming its variable or key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.problems.join("; "))
    }
}

impl std::error::Error for SettingsError {}

/// One Shopify shop's connection settings.
#[derive(Clone)]
pub struct ShopSettings {
    /// `acme.myshopify.com`.
    pub shop: String,
    /// Admin API access token.
    pub access_token: SecretString,
    /// API version override.
    pub api_version: Option<String>,
}

impl fmt::Debug for ShopSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopSettings")
            .field("shop", &self.shop)
            .field("access_token", &"<redacted>")
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// A merchant and where its orders come from.
#[derive(Debug, Clone)]
pub struct MerchantSettings {
    /// The merchant.
    pub merchant: Merchant,
    /// Its own Shopify shop; `None` uses the deployment-wide order source.
    pub shopify: Option<ShopSettings>,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The base URL the carrier reaches the server at.
    pub public_url: Url,
    /// SQLite file for call records.
    pub database: PathBuf,
    /// Bearer token for the admin API; the admin API is off without it.
    pub admin_token: Option<SecretString>,
    /// Merchants, the first answering numbers no other merchant claims.
    pub merchants: Vec<MerchantSettings>,
    /// Default retention window.
    pub retention: Duration,
    /// Shopify app secret for compliance webhooks.
    pub shopify_api_secret: Option<SecretString>,
    /// Twilio auth token presence (signature checks on).
    pub twilio_auth_token_set: bool,
    /// Fsync call records at every commit (`full`, the default) or only at
    /// checkpoints (`normal`).
    pub sqlite_synchronous: lumitalk_sqlite::Synchronous,
}

/// The number demo calls are transferred to when none is configured.
pub const DEMO_ESCALATION_NUMBER: &str = "+14155550100";

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads settings from any [`Env`].
    pub fn from_source(env: &dyn Env) -> Result<Self, SettingsError> {
        let mut problems = Vec::new();
        let addr_raw = env
            .get("LUMITALK_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = match addr_raw.parse::<SocketAddr>() {
            Ok(a) => a,
            Err(_) => {
                problems.push(format!(
                    "LUMITALK_ADDR: `{addr_raw}` is not a socket address like 127.0.0.1:3000"
                ));
                SocketAddr::from(([127, 0, 0, 1], 3000))
            }
        };
        let public_url = match env.get("LUMITALK_PUBLIC_URL") {
            Some(raw) => match Url::parse(raw.trim_end_matches('/')) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => u,
                _ => {
                    problems.push(format!(
                        "LUMITALK_PUBLIC_URL: `{raw}` is not an http(s) URL"
                    ));
                    default_public_url(addr)
                }
            },
            None => default_public_url(addr),
        };
        let database = PathBuf::from(
            env.get("LUMITALK_DATABASE")
                .unwrap_or_else(|| "lumitalk.db".into()),
        );
        let admin_token = env.get("LUMITALK_ADMIN_TOKEN").map(SecretString::from);
        if let Some(t) = env.get("LUMITALK_ADMIN_TOKEN")
            && t.len() < 16
        {
            problems.push("LUMITALK_ADMIN_TOKEN: use at least 16 characters".into());
        }
        let retention = match env.get("LUMITALK_RETENTION_DAYS") {
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(d) if (1..=3650).contains(&d) => Duration::from_secs(d * 86_400),
                _ => {
                    problems.push(format!(
                        "LUMITALK_RETENTION_DAYS: `{raw}` is not a number of days between 1 and 3650"
                    ));
                    lumitalk_core::DEFAULT_RETENTION
                }
            },
            None => lumitalk_core::DEFAULT_RETENTION,
        };
        let twilio_auth_token_set = env.get("TWILIO_AUTH_TOKEN").is_some();
        let sqlite_synchronous = match env.get("LUMITALK_SQLITE_SYNCHRONOUS") {
            None => lumitalk_sqlite::Synchronous::Full,
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "full" => lumitalk_sqlite::Synchronous::Full,
                "normal" => lumitalk_sqlite::Synchronous::Normal,
                _ => {
                    problems.push(format!(
                        "LUMITALK_SQLITE_SYNCHRONOUS: `{raw}` is not `full` or `normal`"
                    ));
                    lumitalk_sqlite::Synchronous::Full
                }
            },
        };

        let merchants = match env.get("LUMITALK_CONFIG") {
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(text) => parse_merchants_toml(&text, env, retention, &mut problems),
                Err(e) => {
                    problems.push(format!("LUMITALK_CONFIG: cannot read `{path}`: {e}"));
                    Vec::new()
                }
            },
            None => vec![default_merchant(
                env,
                retention,
                twilio_auth_token_set,
                &mut problems,
            )],
        };
        if merchants.is_empty() && problems.is_empty() {
            problems.push("LUMITALK_CONFIG: defines no [[merchants]]".into());
        }

        if !twilio_auth_token_set && !addr.ip().is_loopback() {
            problems.push(format!(
                "LUMITALK_ADDR: refusing to listen on {addr} without TWILIO_AUTH_TOKEN: \
                 unsigned webhooks are only accepted on a loopback address"
            ));
        }
        if problems.is_empty() {
            Ok(Settings {
                addr,
                public_url,
                database,
                admin_token,
                merchants,
                retention,
                shopify_api_secret: env.get("SHOPIFY_API_SECRET").map(SecretString::from),
                twilio_auth_token_set,
                sqlite_synchronous,
            })
        } else {
            Err(SettingsError { problems })
        }
    }
}

fn default_public_url(addr: SocketAddr) -> Url {
    Url::parse(&format!("http://{addr}")).expect("a socket address makes a valid URL")
}

fn parse_phone(raw: &str, what: &str, problems: &mut Vec<String>) -> Option<PhoneNumber> {
    match PhoneNumber::parse(raw, Region::NANP) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(format!("{what}: not a phone number ({e})"));
            None
        }
    }
}

fn default_merchant(
    env: &dyn Env,
    retention: Duration,
    twilio_configured: bool,
    problems: &mut Vec<String>,
) -> MerchantSettings {
    let name = env
        .get("LUMITALK_STORE_NAME")
        .unwrap_or_else(|| "LumiTalk Demo Store".into());
    let mut merchant = Merchant::new("default", name).with_retention(retention);
    match env.get("LUMITALK_ESCALATION_NUMBER") {
        Some(raw) => {
            merchant.escalation_number = parse_phone(&raw, "LUMITALK_ESCALATION_NUMBER", problems)
        }
        None if !twilio_configured => {
            merchant.escalation_number = PhoneNumber::parse_e164(DEMO_ESCALATION_NUMBER).ok()
        }
        None => {}
    }
    if let Some(raw) = env.get("LUMITALK_VERIFICATION") {
        match parse_policy(&raw) {
            Some(p) => merchant.verification = p,
            None => problems.push(format!(
                "LUMITALK_VERIFICATION: `{raw}` is not one of caller_id_or_challenge, challenge_always, none"
            )),
        }
    }
    if let Some(voice) = env.get("LUMITALK_CARRIER_VOICE") {
        merchant.voice.carrier_voice = Some(voice);
    }
    if let Some(voice) = env.get("ELEVENLABS_VOICE_ID") {
        merchant.voice.tts_voice = Some(voice);
    }
    MerchantSettings {
        merchant,
        shopify: None,
    }
}

fn parse_policy(raw: &str) -> Option<VerificationPolicy> {
    match raw.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "caller_id_or_challenge" => Some(VerificationPolicy::CallerIdOrChallenge),
        "challenge_always" => Some(VerificationPolicy::ChallengeAlways),
        "none" => Some(VerificationPolicy::None),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    merchants: Vec<MerchantToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantToml {
    id: String,
    name: String,
    #[serde(default)]
    numbers: Vec<String>,
    greeting: Option<String>,
    escalation_number: Option<String>,
    carrier_voice: Option<String>,
    tts_voice: Option<String>,
    language: Option<String>,
    verification: Option<String>,
    retention_days: Option<u64>,
    shopify: Option<ShopToml>,
    business_hours: Option<HoursToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShopToml {
    shop: String,
    access_token: Option<String>,
    access_token_env: Option<String>,
    api_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursToml {
    utc_offset_minutes: i32,
    monday: Option<String>,
    tuesday: Option<String>,
    wednesday: Option<String>,
    thursday: Option<String>,
    friday: Option<String>,
    saturday: Option<String>,
    sunday: Option<String>,
}

fn parse_window(raw: &str) -> Option<(u16, u16)> {
    let (open, close) = raw.split_once('-')?;
    let minutes = |s: &str| -> Option<u16> {
        let (h, m) = s.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60).then_some(h * 60 + m)
    };
    let (o, c) = (minutes(open)?, minutes(close)?);
    (o < c && c <= 24 * 60).then_some((o, c))
}

fn parse_merchants_toml(
    text: &str,
    env: &dyn Env,
    default_retention: Duration,
    problems: &mut Vec<String>,
) -> Vec<MerchantSettings> {
    let file: ConfigFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            problems.push(format!("LUMITALK_CONFIG: {}", e.message()));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, m) in file.merchants.into_iter().enumerate() {
        let at = format!("LUMITALK_CONFIG merchants[{i}] ({})", m.id);
        let mut merchant = Merchant::new(m.id.as_str(), m.name).with_retention(default_retention);
        for n in &m.numbers {
            if let Some(p) = parse_phone(n, &format!("{at}.numbers"), problems) {
                merchant.phone_numbers.push(p);
            }
        }
        merchant.greeting = m.greeting;
        if let Some(raw) = &m.escalation_number {
            merchant.escalation_number =
                parse_phone(raw, &format!("{at}.escalation_number"), problems);
        }
        merchant.voice = VoiceConfig {
            tts_voice: m.tts_voice,
            carrier_voice: m.carrier_voice,
        };
        if let Some(lang) = m.language {
            merchant.language = Language::new(lang);
        }
        if let Some(raw) = &m.verification {
            match parse_policy(raw) {
                Some(p) => merchant.verification = p,
                None => problems.push(format!("{at}.verification: `{raw}` is not a policy")),
            }
        }
        if let Some(days) = m.retention_days {
            if (1..=3650).contains(&days) {
                merchant.retention = Duration::from_secs(days * 86_400);
            } else {
                problems.push(format!("{at}.retention_days: must be 1..=3650"));
            }
        }
        if let Some(h) = m.business_hours {
            let days = [
                &h.monday,
                &h.tuesday,
                &h.wednesday,
                &h.thursday,
                &h.friday,
                &h.saturday,
                &h.sunday,
            ];
            let mut windows = [None; 7];
            for (d, raw) in days.iter().enumerate() {
                if let Some(raw) = raw {
                    match parse_window(raw) {
                        Some(w) => windows[d] = Some(w),
                        None => problems.push(format!(
                            "{at}.business_hours: `{raw}` is not a window like 09:00-17:00"
                        )),
                    }
                }
            }
            merchant.business_hours = Some(BusinessHours {
                utc_offset_minutes: h.utc_offset_minutes,
                windows,
            });
        }
        let shopify = m.shopify.and_then(|s| {
            let token = match (s.access_token, s.access_token_env) {
                (Some(t), None) => Some(t),
                (None, Some(var)) => {
                    let v = env.get(&var);
                    if v.is_none() {
                        problems.push(format!(
                            "{at}.shopify.access_token_env: environment variable {var} is not set"
                        ));
                    }
                    v
                }
                _ => {
                    problems.push(format!(
                        "{at}.shopify: give exactly one of access_token or access_token_env"
                    ));
                    None
                }
            }?;
            Some(ShopSettings {
                shop: s.shop,
                access_token: SecretString::from(token),
                api_version: s.api_version,
            })
        });
        out.push(MerchantSettings { merchant, shopify });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn demo_defaults_need_no_settings() {
        let s = Settings::from_source(&env(&[])).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(s.database, PathBuf::from("lumitalk.db"));
        assert!(s.admin_token.is_none());
        assert_eq!(s.merchants.len(), 1);
        assert_eq!(s.merchants[0].merchant.display_name, "LumiTalk Demo Store");
        assert!(s.merchants[0].merchant.escalation_number.is_some());
    }

    #[test]
    fn every_malformed_setting_is_named() {
        let err = Settings::from_source(&env(&[
            ("LUMITALK_ADDR", "nope"),
            ("LUMITALK_PUBLIC_URL", "ftp://x"),
            ("LUMITALK_RETENTION_DAYS", "forever"),
            ("LUMITALK_ESCALATION_NUMBER", "call me"),
            ("LUMITALK_ADMIN_TOKEN", "short"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for var in [
            "LUMITALK_ADDR",
            "LUMITALK_PUBLIC_URL",
            "LUMITALK_RETENTION_DAYS",
            "LUMITALK_ESCALATION_NUMBER",
            "LUMITALK_ADMIN_TOKEN",
        ] {
            assert!(text.contains(var), "{var} missing from: {text}");
        }
    }

    #[test]
    fn refuses_public_bind_without_twilio_token() {
        let err = Settings::from_source(&env(&[("LUMITALK_ADDR", "0.0.0.0:3000")])).unwrap_err();
        assert!(err.to_string().contains("TWILIO_AUTH_TOKEN"));
        assert!(
            Settings::from_source(&env(&[
                ("LUMITALK_ADDR", "0.0.0.0:3000"),
                ("TWILIO_AUTH_TOKEN", "secret")
            ]))
            .is_ok()
        );
    }

    #[test]
    fn parses_multi_merchant_toml() {
        let toml = r#"
            [[merchants]]
            id = "acme"
            name = "Acme Outdoor"
            numbers = ["+1 415 555 0100"]
            escalation_number = "+14155550199"
            verification = "challenge_always"
            retention_days = 90
            [merchants.shopify]
            shop = "acme.myshopify.com"
            access_token_env = "ACME_TOKEN"
            [merchants.business_hours]
            utc_offset_minutes = -480
            monday = "09:00-17:00"

            [[merchants]]
            id = "bolt"
            name = "Bolt Bikes"
            numbers = ["+14155550111"]
        "#;
        let mut problems = Vec::new();
        let e = env(&[("ACME_TOKEN", "shpat_x")]);
        let ms = parse_merchants_toml(toml, &e, lumitalk_core::DEFAULT_RETENTION, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ms.len(), 2);
        assert_eq!(
            ms[0].merchant.verification,
            VerificationPolicy::ChallengeAlways
        );
        assert_eq!(ms[0].merchant.retention, Duration::from_secs(90 * 86_400));
        assert_eq!(ms[0].shopify.as_ref().unwrap().shop, "acme.myshopify.com");
        assert!(!format!("{:?}", ms[0].shopify).contains("shpat_x"));
        assert_eq!(
            ms[0].merchant.business_hours.as_ref().unwrap().windows[0],
            Some((540, 1020))
        );
        assert!(ms[1].shopify.is_none());

        let mut problems = Vec::new();
        parse_merchants_toml(
            "[[merchants]]\nid='x'\nname='X'\n[merchants.shopify]\nshop='x'\naccess_token_env='MISSING'\n",
            &env(&[]),
            lumitalk_core::DEFAULT_RETENTION,
            &mut problems,
        );
        assert!(problems[0].contains("MISSING"), "{problems:?}");
    }
}
