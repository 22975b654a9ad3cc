//! A merchant: the store the assistant answers for, and its policies.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{CalendarDate, MerchantId, PhoneNumber, StoreTimeZone, Timestamp};

/// A BCP-47 language tag such as `en-US`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    /// A language tag.
    pub fn new(tag: impl Into<String>) -> Self {
        Language(tag.into())
    }

    /// US English, the default.
    pub fn en_us() -> Self {
        Language("en-US".into())
    }

    /// The tag, e.g. `en-US`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary subtag in lower case, e.g. `en` (ISO 639-1 for most languages).
    pub fn primary(&self) -> String {
        self.0
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    }
}

impl Default for Language {
    fn default() -> Self {
        Language::en_us()
    }
}

/// Which voices speak for a merchant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VoiceConfig {
    /// The speech provider's voice id (e.g. an ElevenLabs voice), when one is used.
    pub tts_voice: Option<String>,
    /// The carrier's own voice for `<Say>` (e.g. `Polly.Joanna-Neural`).
    pub carrier_voice: Option<String>,
}

/// When order details may be spoken: what proves a caller may hear an order.
///
/// What each policy discloses to whom (an order's details are its status,
/// items count, total, carrier, tracking number, delivery estimate and the
/// customer's first name):
///
/// | Policy | Caller ID with full SHAKEN/STIR attestation | Any other caller |
/// |---|---|---|
/// | `caller_id_or_challenge` (default) | the caller ID's recent orders, without a challenge | nothing until the shipping postal code is given |
/// | `challenge_always` | nothing until the postal code is given | nothing until the postal code is given |
/// | `caller_id_unattested` (unsafe) | the caller ID's recent orders | **the recent orders of whatever number the caller ID shows**: anyone who spoofs a customer's number hears them |
/// | `none` (demos only) | everything | everything |
///
/// The challenge is the order's shipping postal code; an order without one is
/// challenged with the last four digits of the customer's phone, unless the
/// call comes from that phone or the order was found by it (whoever knows a
/// number knows its last digits), in which case only a human can help.
/// Caller ID is matched against the customer's phone on the order, never the
/// shipping address's phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationPolicy {
    /// A caller ID with full SHAKEN/STIR attestation ([`Attestation::Full`])
    /// matching the order's phone verifies; any other caller gets the challenge.
    ///
    /// [`Attestation::Full`]: crate::domain::Attestation::Full
    #[default]
    #[serde(alias = "attested_caller_id")]
    CallerIdOrChallenge,
    /// Always ask the challenge, whatever the caller ID.
    ChallengeAlways,
    /// **Unsafe**: a caller ID matching the order's phone verifies without
    /// attestation. Caller ID is free to forge; choose this only if you accept
    /// that anyone who spoofs a customer's number hears their orders.
    CallerIdUnattested,
    /// Never verify. For demos only.
    None,
}

/// Opening hours: one optional window per weekday, in the store's time zone,
/// and dates the store is closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BusinessHours {
    /// Minutes east of UTC (e.g. -300 for US Eastern standard time), used when
    /// no [`time_zone`](Self::time_zone) is set. A fixed offset ignores
    /// daylight saving time: prefer a time zone.
    pub utc_offset_minutes: i32,
    /// The IANA zone the windows are written in (`America/New_York`); daylight
    /// saving time included. Wins over `utc_offset_minutes`.
    #[serde(default)]
    pub time_zone: Option<StoreTimeZone>,
    /// Monday..Sunday: `(open, close)` in minutes after midnight, or `None` when closed.
    pub windows: [Option<(u16, u16)>; 7],
    /// Days the store is closed whatever the weekday (holidays), in its zone.
    #[serde(default)]
    pub closed_dates: Vec<CalendarDate>,
}

impl BusinessHours {
    /// The zone the hours are kept in.
    pub fn zone(&self) -> StoreTimeZone {
        match &self.time_zone {
            Some(z) => z.clone(),
            None if self.utc_offset_minutes == 0 => StoreTimeZone::Utc,
            None => StoreTimeZone::FixedOffset(self.utc_offset_minutes),
        }
    }

    /// Whether humans are available at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let zone = self.zone();
        let offset = zone.offset_minutes_at(now);
        if self.closed_dates.contains(&CalendarDate::at(now, &zone)) {
            return false;
        }
        let day = now.civil_date(offset).weekday.index();
        let minute = now.minute_of_day(offset);
        matches!(self.windows[day], Some((open, close)) if minute >= open && minute < close)
    }
}

/// Default retention for call records: 365 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(365 * 24 * 3600);

/// A merchant's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merchant {
    /// Stable id.
    pub id: MerchantId,
    /// The name callers hear ("Acme Outdoor").
    pub display_name: String,
    /// The numbers this merchant answers.
    pub phone_numbers: Vec<PhoneNumber>,
    /// A custom greeting; the default names the store.
    pub greeting: Option<String>,
    /// Where calls are transferred to reach a human.
    pub escalation_number: Option<PhoneNumber>,
    /// Voices.
    pub voice: VoiceConfig,
    /// Language of the call.
    pub language: Language,
    /// When order details may be spoken.
    pub verification: VerificationPolicy,
    /// How long call records are kept.
    #[serde(with = "duration_days")]
    pub retention: Duration,
    /// When humans are available, if limited.
    pub business_hours: Option<BusinessHours>,
    /// The store's time zone, for speaking dates when it keeps no hours (with
    /// hours, their zone is used unless this is set).
    #[serde(default)]
    pub time_zone: Option<StoreTimeZone>,
}

impl Merchant {
    /// A merchant with default policies: caller-ID-or-challenge verification,
    /// 365-day retention, US English, no escalation number.
    pub fn new(id: impl Into<MerchantId>, display_name: impl Into<String>) -> Self {
        Merchant {
            id: id.into(),
            display_name: display_name.into(),
            phone_numbers: Vec::new(),
            greeting: None,
            escalation_number: None,
            voice: VoiceConfig::default(),
            language: Language::default(),
            verification: VerificationPolicy::default(),
            retention: DEFAULT_RETENTION,
            business_hours: None,
            time_zone: None,
        }
    }

    /// The zone the store's dates are spoken in: its own, else its hours',
    /// else UTC.
    pub fn zone(&self) -> StoreTimeZone {
        match (&self.time_zone, &self.business_hours) {
            (Some(z), _) => z.clone(),
            (None, Some(h)) => h.zone(),
            (None, None) => StoreTimeZone::Utc,
        }
    }

    /// Sets the store's time zone.
    pub fn with_time_zone(mut self, zone: StoreTimeZone) -> Self {
        self.time_zone = Some(zone);
        self
    }

    /// Adds a number this merchant answers.
    pub fn with_phone_number(mut self, number: PhoneNumber) -> Self {
        self.phone_numbers.push(number);
        self
    }

    /// Sets the escalation number.
    pub fn with_escalation_number(mut self, number: PhoneNumber) -> Self {
        self.escalation_number = Some(number);
        self
    }

    /// Sets the verification policy.
    pub fn with_verification(mut self, policy: VerificationPolicy) -> Self {
        self.verification = policy;
        self
    }

    /// Sets the retention window.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Sets a custom greeting.
    pub fn with_greeting(mut self, greeting: impl Into<String>) -> Self {
        self.greeting = Some(greeting.into());
        self
    }

    /// Sets the voices.
    pub fn with_voice(mut self, voice: VoiceConfig) -> Self {
        self.voice = voice;
        self
    }

    /// Sets the language.
    pub fn with_language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// Sets business hours.
    pub fn with_business_hours(mut self, hours: BusinessHours) -> Self {
        self.business_hours = Some(hours);
        self
    }
}

mod duration_days {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs() / 86_400)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)? * 86_400))
    }
}

/// The merchants one deployment serves, chosen by the number called.
#[derive(Debug, Clone, Default)]
pub struct MerchantDirectory {
    merchants: Vec<Merchant>,
}

impl MerchantDirectory {
    /// A directory; the first merchant answers numbers no merchant claims.
    pub fn new(merchants: Vec<Merchant>) -> Self {
        MerchantDirectory { merchants }
    }

    /// The merchant answering `called`, else the first (default) merchant.
    pub fn for_called_number(&self, called: Option<&PhoneNumber>) -> Option<&Merchant> {
        called
            .and_then(|n| self.merchants.iter().find(|m| m.phone_numbers.contains(n)))
            .or_else(|| self.merchants.first())
    }

    /// A merchant by id.
    pub fn get(&self, id: &MerchantId) -> Option<&Merchant> {
        self.merchants.iter().find(|m| &m.id == id)
    }

    /// All merchants.
    pub fn iter(&self) -> impl Iterator<Item = &Merchant> {
        self.merchants.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_york_weekdays() -> BusinessHours {
        let day = Some((9 * 60, 17 * 60));
        BusinessHours {
            time_zone: Some(StoreTimeZone::named("America/New_York").unwrap()),
            windows: [day, day, day, day, day, None, None],
            closed_dates: vec!["2026-07-03".parse().unwrap()],
            ..BusinessHours::default()
        }
    }

    #[test]
    fn hours_follow_daylight_saving_time() {
        let hours = new_york_weekdays();
        // Wednesday 2026-07-15 16:30 EDT (UTC-4) = 20:30 UTC: open.
        assert!(hours.is_open(Timestamp::from_civil(2026, 7, 15, 20, 30, 0)));
        // 17:30 EDT: closed.
        assert!(!hours.is_open(Timestamp::from_civil(2026, 7, 15, 21, 30, 0)));
        // Thursday 2026-01-15 16:30 EST (UTC-5) = 21:30 UTC: open.
        assert!(hours.is_open(Timestamp::from_civil(2026, 1, 15, 21, 30, 0)));
        // 08:30 EST = 13:30 UTC: not yet.
        assert!(!hours.is_open(Timestamp::from_civil(2026, 1, 15, 13, 30, 0)));
    }

    #[test]
    fn a_listed_holiday_is_closed() {
        let hours = new_york_weekdays();
        // Friday 2026-07-03, 12:00 EDT: a weekday, but listed as closed.
        assert!(!hours.is_open(Timestamp::from_civil(2026, 7, 3, 16, 0, 0)));
        // The Friday after is open.
        assert!(hours.is_open(Timestamp::from_civil(2026, 7, 10, 16, 0, 0)));
    }

    #[test]
    fn a_fixed_offset_still_works() {
        let day = Some((9 * 60, 17 * 60));
        let hours = BusinessHours {
            utc_offset_minutes: -300,
            windows: [day; 7],
            ..BusinessHours::default()
        };
        assert_eq!(hours.zone(), StoreTimeZone::FixedOffset(-300));
        // 16:30 at UTC-5 whatever the season.
        assert!(hours.is_open(Timestamp::from_civil(2026, 7, 15, 21, 30, 0)));
        assert!(!hours.is_open(
            Timestamp::from_civil(2026, 7, 15, 20, 30, 0).minus(Duration::from_secs(8 * 3600))
        ));
    }

    #[test]
    fn the_merchant_zone_falls_back_to_its_hours() {
        let m = Merchant::new("m", "M");
        assert_eq!(m.zone(), StoreTimeZone::Utc);
        let mut with_hours = m.clone();
        with_hours.business_hours = Some(new_york_weekdays());
        assert_eq!(with_hours.zone().name(), "America/New_York");
        let own = with_hours.with_time_zone(StoreTimeZone::named("Europe/Paris").unwrap());
        assert_eq!(own.zone().name(), "Europe/Paris");
    }
}
