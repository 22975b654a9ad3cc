//! Call records: the audit and quality log of every call, with retention and
//! privacy operations.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::conversation::Event;
pub use crate::domain::CallOutcome;
use crate::domain::TransferOutcome;
use crate::domain::{
    AudioId, CallId, Classification, DEFAULT_RETENTION, MerchantId, PhoneNumber, Timestamp,
};
use crate::error::{ErrorKind, StoreError};

/// What started a turn.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TurnInput {
    /// The call arrived.
    CallStarted,
    /// Recognized speech.
    Speech {
        /// Transcribed text.
        text: String,
        /// Recognizer confidence.
        confidence: Option<f32>,
    },
    /// Keypad digits.
    Digits {
        /// Digits pressed.
        digits: String,
    },
    /// Nothing was heard.
    NoInput,
    /// The carrier came back after the caller was asked to hold on.
    Resumed,
    /// A transfer ended.
    TransferEnded {
        /// How.
        outcome: TransferOutcome,
    },
}

impl fmt::Debug for TurnInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TurnInput::CallStarted => f.write_str("CallStarted"),
            TurnInput::Speech { text, confidence } => {
                write!(
                    f,
                    "Speech({} chars, {:?})",
                    text.chars().count(),
                    confidence
                )
            }
            TurnInput::Digits { digits } => write!(f, "Digits({} keys)", digits.len()),
            TurnInput::NoInput => f.write_str("NoInput"),
            TurnInput::Resumed => f.write_str("Resumed"),
            TurnInput::TransferEnded { outcome } => write!(f, "TransferEnded({outcome:?})"),
        }
    }
}

/// A provider failure during a turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderFailure {
    /// Provider name (`"shopify"`).
    pub provider: String,
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Its message (never a secret).
    pub message: String,
}

/// Time spent per provider in one turn, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TurnTimings {
    /// Intent classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classify_ms: Option<u32>,
    /// Order lookups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_ms: Option<u32>,
    /// Speech synthesis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_ms: Option<u32>,
    /// The whole turn, webhook in to reply out.
    pub total_ms: u32,
}

/// Usage billed by providers over a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UsageTotals {
    /// Language-model prompt tokens.
    pub prompt_tokens: u64,
    /// Language-model completion tokens.
    pub completion_tokens: u64,
    /// Characters sent to speech synthesis.
    pub tts_characters: u64,
}

/// One turn of a call.
///
/// `Debug` shows the reply's length, not its words (they hold order details).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// When the turn started.
    pub at: Timestamp,
    /// What the caller did.
    pub input: TurnInput,
    /// How it was classified, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// What the assistant said.
    pub reply_text: String,
    /// Synthesized audio played this turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audio: Vec<AudioId>,
    /// Per-provider latencies.
    pub timings: TurnTimings,
    /// Provider retries made during the turn.
    #[serde(default)]
    pub retry_attempts: u32,
    /// Provider failures during the turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProviderFailure>,
    /// Characters synthesized this turn.
    #[serde(default)]
    pub tts_characters: u32,
    /// What happened in the conversation this turn: verification passed or
    /// failed, escalation and why, a transfer's result, the call's end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
}

/// How a call record starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallStart {
    /// The call.
    pub call_id: CallId,
    /// The merchant that answered.
    pub merchant: MerchantId,
    /// The caller's number, if known.
    pub caller: Option<PhoneNumber>,
    /// The number called, as the carrier sent it.
    pub called: Option<PhoneNumber>,
    /// When the call started.
    pub started_at: Timestamp,
}

/// Everything kept about one call. `Debug` masks the caller and every turn's
/// words.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The call.
    pub call_id: CallId,
    /// The merchant that answered.
    pub merchant: MerchantId,
    /// The caller's number, if known.
    pub caller: Option<PhoneNumber>,
    /// The number called.
    pub called: Option<PhoneNumber>,
    /// When the call started.
    pub started_at: Timestamp,
    /// When it ended, once it has.
    pub ended_at: Option<Timestamp>,
    /// How it ended, once it has.
    pub outcome: Option<CallOutcome>,
    /// Provider retries over the whole call.
    pub retry_attempts: u32,
    /// Every turn, in order.
    pub turns: Vec<TurnRecord>,
    /// Provider usage over the whole call.
    pub usage: UsageTotals,
    /// Exempt from retention purges while set.
    pub legal_hold: bool,
}

impl fmt::Debug for TurnRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TurnRecord")
            .field("at", &self.at)
            .field("input", &self.input)
            .field("classification", &self.classification)
            .field(
                "reply_text",
                &format_args!("<{} chars>", self.reply_text.chars().count()),
            )
            .field("audio", &self.audio)
            .field("timings", &self.timings)
            .field("retry_attempts", &self.retry_attempts)
            .field("errors", &self.errors)
            .field("tts_characters", &self.tts_characters)
            .field("events", &self.events)
            .finish()
    }
}

impl fmt::Debug for CallRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallRecord")
            .field("call_id", &self.call_id)
            .field("merchant", &self.merchant)
            .field("caller", &self.caller)
            .field("called", &self.called)
            .field("started_at", &self.started_at)
            .field("ended_at", &self.ended_at)
            .field("outcome", &self.outcome)
            .field("retry_attempts", &self.retry_attempts)
            .field("turns", &self.turns)
            .field("usage", &self.usage)
            .field("legal_hold", &self.legal_hold)
            .finish()
    }
}

impl CallRecord {
    /// A record with no turns yet.
    pub fn new(start: CallStart) -> Self {
        CallRecord {
            call_id: start.call_id,
            merchant: start.merchant,
            caller: start.caller,
            called: start.called,
            started_at: start.started_at,
            ended_at: None,
            outcome: None,
            retry_attempts: 0,
            turns: Vec::new(),
            usage: UsageTotals::default(),
            legal_hold: false,
        }
    }

    /// Appends a turn and updates the totals.
    pub fn push_turn(&mut self, turn: TurnRecord) {
        self.retry_attempts += turn.retry_attempts;
        if let Some(u) = turn.classification.as_ref().and_then(|c| c.usage) {
            self.usage.prompt_tokens += u.prompt_tokens as u64;
            self.usage.completion_tokens += u.completion_tokens as u64;
        }
        self.usage.tts_characters += turn.tts_characters as u64;
        self.turns.push(turn);
    }

    /// Every audio id the record references.
    pub fn audio_ids(&self) -> impl Iterator<Item = &AudioId> {
        self.turns.iter().flat_map(|t| t.audio.iter())
    }
}

/// What a deletion removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Deleted {
    /// Call records removed.
    pub records: u64,
    /// Audio the removed records referenced, to be removed from the audio store.
    pub audio: Vec<AudioId>,
    /// Records that matched but were kept because they are on legal hold.
    #[serde(default)]
    pub held: u64,
    /// The calls whose records were removed (their live sessions go too).
    #[serde(default)]
    pub calls: Vec<CallId>,
}

impl Deleted {
    /// Adds another deletion's counts.
    pub fn merge(&mut self, other: Deleted) {
        self.records += other.records;
        self.audio.extend(other.audio);
        self.held += other.held;
        self.calls.extend(other.calls);
    }
}

/// How long each merchant's records are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// For merchants without their own window.
    pub default: Duration,
    /// Per-merchant windows.
    pub per_merchant: HashMap<MerchantId, Duration>,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            default: DEFAULT_RETENTION,
            per_merchant: HashMap::new(),
        }
    }
}

impl RetentionPolicy {
    /// The window for a merchant.
    pub fn window(&self, merchant: &MerchantId) -> Duration {
        self.per_merchant
            .get(merchant)
            .copied()
            .unwrap_or(self.default)
    }

    /// Whether a record started at `started_at` is past its window at `now`.
    pub fn is_expired(&self, merchant: &MerchantId, started_at: Timestamp, now: Timestamp) -> bool {
        started_at < now.minus(self.window(merchant))
    }
}

/// The durable log of calls.
///
/// # Contract
/// - `begin_call` is idempotent: a second call for the same id keeps the first record.
/// - `append_turn` and `finish_call` for an unknown call create no record and
///   return `Ok(false)`.
/// - Lookups by caller match the normalized E.164 number, whatever form it was given in.
/// - `purge_expired` removes exactly the records that started before their
///   merchant's window and are not on legal hold.
/// - Deletions by caller and by merchant skip records on legal hold too, and
///   count them in [`Deleted::held`]: a hold is released only explicitly.
/// - Deletions return the audio ids the removed records referenced.
/// - Once a call returns `Ok`, its write survives a crash (durable stores).
///
/// # Errors
/// [`StoreError`]; the assistant never fails a call because of it, and counts it.
#[async_trait]
pub trait CallRecordStore: Send + Sync + std::fmt::Debug + 'static {
    /// Short name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Starts a record for a call.
    async fn begin_call(&self, start: &CallStart) -> Result<(), StoreError>;
    /// Appends a turn; `Ok(false)` if the call has no record.
    async fn append_turn(&self, call: &CallId, turn: &TurnRecord) -> Result<bool, StoreError>;
    /// Marks the call ended; `Ok(false)` if the call has no record.
    async fn finish_call(
        &self,
        call: &CallId,
        outcome: CallOutcome,
        ended_at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// One call's record.
    async fn get(&self, call: &CallId) -> Result<Option<CallRecord>, StoreError>;
    /// Every record for a caller (optionally one merchant's), oldest first.
    async fn list_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Vec<CallRecord>, StoreError>;
    /// Deletes every record for a caller (optionally one merchant's).
    async fn delete_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError>;
    /// Deletes all of a merchant's records.
    async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError>;
    /// Deletes records past their retention window and not on hold.
    async fn purge_expired(
        &self,
        now: Timestamp,
        policy: &RetentionPolicy,
    ) -> Result<Deleted, StoreError>;
    /// Sets or releases a legal hold; `Ok(false)` if the call has no record.
    async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError>;
}

crate::forward::forward_to_inner!(CallRecordStore for [Arc, Box] {
    fn name(&self) -> &'static str;
    async fn begin_call(&self, start: &CallStart) -> Result<(), StoreError>;
    async fn append_turn(&self, call: &CallId, turn: &TurnRecord) -> Result<bool, StoreError>;
    async fn finish_call(
        &self,
        call: &CallId,
        outcome: CallOutcome,
        ended_at: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn get(&self, call: &CallId) -> Result<Option<CallRecord>, StoreError>;
    async fn list_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Vec<CallRecord>, StoreError>;
    async fn delete_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError>;
    async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError>;
    async fn purge_expired(
        &self,
        now: Timestamp,
        policy: &RetentionPolicy,
    ) -> Result<Deleted, StoreError>;
    async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError>;
});
