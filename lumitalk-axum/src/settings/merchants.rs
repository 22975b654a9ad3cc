//! The merchants: one from the environment (`LUMITALK_STORE_NAME`, …), or
//! several from a TOML file (`LUMITALK_CONFIG`).

use std::fmt;
use std::time::Duration;

use lumitalk_core::{
    BusinessHours, CalendarDate, Language, Merchant, PhoneNumber, Region, StoreTimeZone,
    VerificationPolicy, VoiceConfig,
};
use secrecy::SecretString;
use serde::Deserialize;

use super::env::Env;
use super::problems::Problems;

/// The number demo calls are transferred to when none is configured.
pub const DEMO_ESCALATION_NUMBER: &str = "+14155550100";

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

fn parse_phone(raw: &str, what: &str, problems: &mut Problems) -> Option<PhoneNumber> {
    match PhoneNumber::parse(raw, Region::NANP) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.add(what, format!("not a phone number ({e})"));
            None
        }
    }
}

/// The policy named by a setting (`caller_id_or_challenge`, `challenge_always`,
/// `caller_id_unattested`, `none`).
pub(crate) fn parse_policy(raw: &str) -> Option<VerificationPolicy> {
    match raw.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "caller_id_or_challenge" | "attested_caller_id" => {
            Some(VerificationPolicy::CallerIdOrChallenge)
        }
        "caller_id_unattested" => Some(VerificationPolicy::CallerIdUnattested),
        "challenge_always" => Some(VerificationPolicy::ChallengeAlways),
        "none" => Some(VerificationPolicy::None),
        _ => None,
    }
}

/// The single merchant configured from the environment.
pub(crate) fn from_env(
    env: &dyn Env,
    retention: Duration,
    twilio_configured: bool,
    problems: &mut Problems,
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
            None => problems.add(
                "LUMITALK_VERIFICATION",
                format!("`{raw}` is not one of caller_id_or_challenge, challenge_always, caller_id_unattested, none"),
            ),
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
    time_zone: Option<String>,
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
    time_zone: Option<String>,
    utc_offset_minutes: Option<i32>,
    #[serde(default)]
    closed: Vec<String>,
    monday: Option<String>,
    tuesday: Option<String>,
    wednesday: Option<String>,
    thursday: Option<String>,
    friday: Option<String>,
    saturday: Option<String>,
    sunday: Option<String>,
}

/// `09:00-17:00` as minutes since midnight.
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

/// The merchants of a `LUMITALK_CONFIG` file.
pub(crate) fn from_toml(
    text: &str,
    env: &dyn Env,
    default_retention: Duration,
    problems: &mut Problems,
) -> Vec<MerchantSettings> {
    let file: ConfigFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            problems.add("LUMITALK_CONFIG", e.message());
            return Vec::new();
        }
    };
    file.merchants
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let at = format!("LUMITALK_CONFIG merchants[{i}] ({})", m.id);
            merchant_from_toml(m, &at, env, default_retention, problems)
        })
        .collect()
}

fn merchant_from_toml(
    m: MerchantToml,
    at: &str,
    env: &dyn Env,
    default_retention: Duration,
    problems: &mut Problems,
) -> MerchantSettings {
    let mut merchant = Merchant::new(m.id.as_str(), m.name).with_retention(default_retention);
    for n in &m.numbers {
        if let Some(p) = parse_phone(n, &format!("{at}.numbers"), problems) {
            merchant.phone_numbers.push(p);
        }
    }
    merchant.greeting = m.greeting;
    if let Some(raw) = &m.escalation_number {
        merchant.escalation_number = parse_phone(raw, &format!("{at}.escalation_number"), problems);
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
            None => problems.add(
                format!("{at}.verification"),
                format!("`{raw}` is not a policy"),
            ),
        }
    }
    if let Some(days) = m.retention_days {
        if (1..=3650).contains(&days) {
            merchant.retention = Duration::from_secs(days * 86_400);
        } else {
            problems.add(format!("{at}.retention_days"), "must be 1..=3650");
        }
    }
    if let Some(raw) = &m.time_zone {
        merchant.time_zone = parse_zone(raw, &format!("{at}.time_zone"), problems);
    }
    if let Some(h) = m.business_hours {
        merchant.business_hours = Some(hours_from_toml(&h, at, problems));
    }
    let shopify = m.shopify.and_then(|s| shop_from_toml(s, at, env, problems));
    MerchantSettings { merchant, shopify }
}

fn hours_from_toml(h: &HoursToml, at: &str, problems: &mut Problems) -> BusinessHours {
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
                None => problems.add(
                    format!("{at}.business_hours"),
                    format!("`{raw}` is not a window like 09:00-17:00"),
                ),
            }
        }
    }
    let at_hours = format!("{at}.business_hours");
    let time_zone = match (&h.time_zone, h.utc_offset_minutes) {
        (Some(_), Some(_)) => {
            problems.add(
                &at_hours,
                "give time_zone (which follows daylight saving time) or utc_offset_minutes, not both",
            );
            None
        }
        (Some(raw), None) => parse_zone(raw, &format!("{at_hours}.time_zone"), problems),
        (None, _) => None,
    };
    let mut closed_dates = Vec::new();
    for raw in &h.closed {
        match raw.parse::<CalendarDate>() {
            Ok(d) => closed_dates.push(d),
            Err(e) => problems.add(format!("{at_hours}.closed"), e.to_string()),
        }
    }
    BusinessHours {
        utc_offset_minutes: h.utc_offset_minutes.unwrap_or(0),
        time_zone,
        windows,
        closed_dates,
    }
}

fn parse_zone(raw: &str, what: &str, problems: &mut Problems) -> Option<StoreTimeZone> {
    match StoreTimeZone::named(raw) {
        Ok(z) => Some(z),
        Err(e) => {
            problems.add(what, e.to_string());
            None
        }
    }
}

fn shop_from_toml(
    s: ShopToml,
    at: &str,
    env: &dyn Env,
    problems: &mut Problems,
) -> Option<ShopSettings> {
    let token = match (s.access_token, s.access_token_env) {
        (Some(t), None) => Some(t),
        (None, Some(var)) => {
            let v = env.get(&var);
            if v.is_none() {
                problems.add(
                    format!("{at}.shopify.access_token_env"),
                    format!("environment variable {var} is not set"),
                );
            }
            v
        }
        _ => {
            problems.add(
                format!("{at}.shopify"),
                "give exactly one of access_token or access_token_env",
            );
            None
        }
    }?;
    Some(ShopSettings {
        shop: s.shop,
        access_token: SecretString::from(token),
        api_version: s.api_version,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

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
        let mut problems = Problems::default();
        let e: HashMap<&str, &str> = [("ACME_TOKEN", "shpat_x")].into_iter().collect();
        let ms = from_toml(toml, &e, lumitalk_core::DEFAULT_RETENTION, &mut problems);
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

        let mut problems = Problems::default();
        from_toml(
            "[[merchants]]\nid='x'\nname='X'\n[merchants.shopify]\nshop='x'\naccess_token_env='MISSING'\n",
            &HashMap::<&str, &str>::new(),
            lumitalk_core::DEFAULT_RETENTION,
            &mut problems,
        );
        assert_eq!(
            problems.0[0].setting,
            "LUMITALK_CONFIG merchants[0] (x).shopify.access_token_env"
        );
        assert!(problems.0[0].problem.contains("MISSING"), "{problems:?}");
    }

    #[test]
    fn hours_in_a_time_zone_with_holidays() {
        let toml = r#"
            [[merchants]]
            id = "ny"
            name = "NY Shop"
            [merchants.business_hours]
            time_zone = "America/New_York"
            monday = "09:00-17:00"
            closed = ["2026-07-06"]
        "#;
        let mut problems = Problems::default();
        let ms = from_toml(
            toml,
            &HashMap::<&str, &str>::new(),
            lumitalk_core::DEFAULT_RETENTION,
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let hours = ms[0].merchant.business_hours.as_ref().unwrap();
        assert_eq!(hours.zone().name(), "America/New_York");
        assert_eq!(hours.closed_dates.len(), 1);

        let mut problems = Problems::default();
        from_toml(
            "[[merchants]]\nid='x'\nname='X'\n[merchants.business_hours]\ntime_zone='Nowhere/Land'\nutc_offset_minutes=60\nclosed=['someday']\n",
            &HashMap::<&str, &str>::new(),
            lumitalk_core::DEFAULT_RETENTION,
            &mut problems,
        );
        let settings: Vec<&str> = problems.0.iter().map(|p| p.setting.as_str()).collect();
        assert_eq!(
            settings,
            [
                "LUMITALK_CONFIG merchants[0] (x).business_hours",
                "LUMITALK_CONFIG merchants[0] (x).business_hours.closed"
            ],
            "{problems:?}"
        );
    }

    #[test]
    fn windows_parse() {
        assert_eq!(parse_window("09:00-17:30"), Some((540, 1050)));
        assert_eq!(parse_window("17:00-09:00"), None);
        assert_eq!(parse_window("9-5"), None);
    }
}
