//! Builders shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use lumitalk_core::{
    AudioId, CallId, CallStart, Classification, ErrorKind, Intent, MerchantId, PhoneNumber,
    ProviderFailure, Region, Timestamp, TokenUsage, TurnInput, TurnRecord, TurnTimings,
};

pub const DAY_MS: i64 = 86_400_000;

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, Region::NANP).unwrap()
}

pub fn start(call: &str, merchant: &str, caller: Option<&str>, started_ms: i64) -> CallStart {
    CallStart {
        call_id: CallId::new(call),
        merchant: MerchantId::new(merchant),
        caller: caller.map(phone),
        called: Some(phone("+18005550100")),
        started_at: Timestamp::from_unix_millis(started_ms),
    }
}

/// A plain speech turn with the given audio.
pub fn turn(at_ms: i64, text: &str, audio: &[&str]) -> TurnRecord {
    TurnRecord {
        at: Timestamp::from_unix_millis(at_ms),
        input: TurnInput::Speech {
            text: text.into(),
            confidence: Some(0.87),
        },
        classification: None,
        reply_text: format!("reply to {text}"),
        audio: audio.iter().map(|a| AudioId::new(*a)).collect(),
        timings: TurnTimings {
            total_ms: 300,
            ..TurnTimings::default()
        },
        retry_attempts: 0,
        errors: Vec::new(),
        tts_characters: 12,
        events: Vec::new(),
    }
}

/// A turn with every optional part filled in.
pub fn rich_turn(at_ms: i64) -> TurnRecord {
    let mut c = Classification::new(Intent::OrderStatus, 0.93, "openai");
    c.usage = Some(TokenUsage {
        prompt_tokens: 321,
        completion_tokens: 17,
    });
    c.latency_ms = Some(540);
    c.caller_upset = true;
    c.entities.phone = Some(phone("+14155550199"));
    c.entities.postal_code = Some("90210".into());
    TurnRecord {
        at: Timestamp::from_unix_millis(at_ms),
        input: TurnInput::Digits {
            digits: "1234#".into(),
        },
        classification: Some(c),
        reply_text: "Your order shipped on Tuesday.".into(),
        audio: vec![AudioId::random(), AudioId::random()],
        timings: TurnTimings {
            classify_ms: Some(540),
            lookup_ms: Some(210),
            speech_ms: Some(330),
            total_ms: 1100,
        },
        retry_attempts: 2,
        errors: vec![ProviderFailure {
            provider: "shopify".into(),
            kind: ErrorKind::RateLimited,
            message: "throttled".into(),
        }],
        tts_characters: 31,
        events: Vec::new(),
    }
}

/// A fresh directory for a test's database files.
pub fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lumitalk-sqlite-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
