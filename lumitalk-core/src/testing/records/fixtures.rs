//! Records the checks write: calls, turns, and small helpers.

use std::time::Duration;

use crate::conversation::{EscalationReason, Event};
use crate::domain::{
    AudioId, CallId, Classification, Intent, MerchantId, PhoneNumber, Region, Timestamp, TokenUsage,
};
use crate::error::ErrorKind;
use crate::store::{CallRecord, CallStart, ProviderFailure, TurnInput, TurnRecord, TurnTimings};

pub(super) const DAY: Duration = Duration::from_secs(86_400);

pub(super) fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, Region::NANP).expect("valid phone number")
}

pub(super) fn start(id: &str, merchant: &str, caller: Option<&str>, at: Timestamp) -> CallStart {
    CallStart {
        call_id: CallId::new(id),
        merchant: MerchantId::new(merchant),
        caller: caller.map(phone),
        called: Some(phone("+18005550100")),
        started_at: at,
    }
}

pub(super) fn turn(
    at: Timestamp,
    text: &str,
    audio: Vec<AudioId>,
    retries: u32,
    tts: u32,
) -> TurnRecord {
    let mut classification = Classification::new(Intent::OrderStatus, 0.875, "openai");
    classification.usage = Some(TokenUsage {
        prompt_tokens: 100,
        completion_tokens: 20,
    });
    TurnRecord {
        at,
        input: TurnInput::Speech {
            text: text.into(),
            confidence: Some(0.5),
        },
        classification: Some(classification),
        reply_text: "Your order shipped on Tuesday.".into(),
        audio,
        timings: TurnTimings {
            classify_ms: Some(420),
            lookup_ms: Some(180),
            speech_ms: None,
            total_ms: 700,
        },
        retry_attempts: retries,
        errors: vec![ProviderFailure {
            provider: "elevenlabs".into(),
            kind: ErrorKind::Timeout,
            message: "timed out after 2s".into(),
        }],
        tts_characters: tts,
        // Events must round-trip too (stores that keep turns as JSON get this free).
        events: vec![
            Event::VerificationFailed,
            Event::Escalated(EscalationReason::Verification),
        ],
    }
}

pub(super) fn sorted(mut ids: Vec<AudioId>) -> Vec<AudioId> {
    ids.sort();
    ids
}

pub(super) fn ids(records: &[CallRecord]) -> Vec<&str> {
    records.iter().map(|r| r.call_id.as_str()).collect()
}
