//! A merchant: the store the assistant answers for, and its policies.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{MerchantId, PhoneNumber, Timestamp};

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

/// When order details may be spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationPolicy {
    /// Caller ID matching the order's phone verifies; otherwise ask a challenge.
    #[default]
    CallerIdOrChallenge,
    /// Always ask a challenge (postal code or last digits of the order's phone).
    ChallengeAlways,
    /// Never verify. For demos only.
    None,
}

/// Opening hours at a fixed UTC offset, one optional window per weekday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// Minutes east of UTC (e.g. -300 for US Eastern standard time).
    pub utc_offset_minutes: i32,
    /// Monday..Sunday: `(open, close)` in minutes after midnight, or `None` when closed.
    pub windows: [Option<(u16, u16)>; 7],
}

impl BusinessHours {
    /// Whether humans are available at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let day = now.civil_date(self.utc_offset_minutes).weekday.index();
        let minute = now.minute_of_day(self.utc_offset_minutes);
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
        }
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
