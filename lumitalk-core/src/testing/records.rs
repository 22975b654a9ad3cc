//! The [`CallRecordStore`] contract.

use std::time::Duration;

use crate::conversation::{EscalationReason, Event};
use crate::domain::{
    AudioId, CallId, Classification, Intent, MerchantId, PhoneNumber, Region, Timestamp, TokenUsage,
};
use crate::error::{ErrorKind, StoreError};
use crate::store::{
    CallOutcome, CallRecordStore, CallStart, Deleted, ProviderFailure, RetentionPolicy, TurnInput,
    TurnRecord, TurnTimings,
};

const DAY: Duration = Duration::from_secs(86_400);

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, Region::NANP).expect("valid phone number")
}

fn start(id: &str, merchant: &str, caller: Option<&str>, at: Timestamp) -> CallStart {
    CallStart {
        call_id: CallId::new(id),
        merchant: MerchantId::new(merchant),
        caller: caller.map(phone),
        called: Some(phone("+18005550100")),
        started_at: at,
    }
}

fn turn(at: Timestamp, text: &str, audio: Vec<AudioId>, retries: u32, tts: u32) -> TurnRecord {
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

fn sorted(mut ids: Vec<AudioId>) -> Vec<AudioId> {
    ids.sort();
    ids
}

fn ids(records: &[crate::store::CallRecord]) -> Vec<&str> {
    records.iter().map(|r| r.call_id.as_str()).collect()
}

/// Checks a [`CallRecordStore`] against its whole contract: idempotent
/// `begin_call`, turns and totals, `finish_call`, unknown calls, lookups by
/// caller whatever the number's written form and per merchant, deletion by
/// caller and by merchant (returning the audio the records referenced), purge at
/// the exact retention boundary with legal holds kept, and that nothing of a
/// deleted caller can still be exported.
///
/// `now` is the time the suite treats as the present. Pass an empty store.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn call_record_store_conformance(store: &dyn CallRecordStore, now: Timestamp) {
    let name = store.name();
    let ok = |what: &str, e: StoreError| -> ! { panic!("[{name}] {what} failed: {e}") };
    let x = "+14155550123";
    let y = "+17145550142";

    // begin_call is idempotent: the first record wins.
    let s1 = start("CONF-1", "m-a", Some(x), now.minus(DAY * 10));
    store
        .begin_call(&s1)
        .await
        .unwrap_or_else(|e| ok("begin_call", e));
    let again = start("CONF-1", "m-b", Some(y), now);
    store
        .begin_call(&again)
        .await
        .unwrap_or_else(|e| ok("second begin_call", e));
    let r = store
        .get(&s1.call_id)
        .await
        .unwrap_or_else(|e| ok("get", e))
        .unwrap_or_else(|| panic!("[{name}] begun call must exist"));
    assert_eq!(
        (&r.merchant, &r.caller, r.started_at),
        (&s1.merchant, &s1.caller, s1.started_at),
        "[{name}] begin_call must keep the first record"
    );
    assert_eq!(r.called, s1.called, "[{name}] called number");
    assert!(
        r.turns.is_empty() && r.outcome.is_none() && r.ended_at.is_none() && !r.legal_hold,
        "[{name}] a new record has no turns, no outcome, no hold"
    );

    // Turns, in order, with totals.
    let (a1, a2) = (AudioId::random(), AudioId::random());
    let t1 = turn(
        now.minus(DAY * 10),
        "where is my order",
        vec![a1.clone()],
        2,
        40,
    );
    let t2 = turn(
        now.minus(DAY * 10).plus(Duration::from_secs(20)),
        "thanks",
        vec![a2.clone()],
        1,
        10,
    );
    for t in [&t1, &t2] {
        assert!(
            store
                .append_turn(&s1.call_id, t)
                .await
                .unwrap_or_else(|e| ok("append_turn", e)),
            "[{name}] append_turn to a known call is Ok(true)"
        );
    }
    let ended = now.minus(DAY * 10).plus(Duration::from_secs(300));
    assert!(
        store
            .finish_call(&s1.call_id, CallOutcome::Resolved, ended)
            .await
            .unwrap_or_else(|e| ok("finish_call", e)),
        "[{name}] finish_call on a known call is Ok(true)"
    );
    let r = store
        .get(&s1.call_id)
        .await
        .unwrap_or_else(|e| ok("get", e))
        .unwrap_or_else(|| panic!("[{name}] record must exist"));
    assert_eq!(
        r.turns,
        vec![t1.clone(), t2.clone()],
        "[{name}] turns must round-trip in order"
    );
    assert_eq!(r.retry_attempts, 3, "[{name}] retry total");
    assert_eq!(
        (
            r.usage.prompt_tokens,
            r.usage.completion_tokens,
            r.usage.tts_characters
        ),
        (200, 40, 50),
        "[{name}] usage totals"
    );
    assert_eq!(
        (r.outcome, r.ended_at),
        (Some(CallOutcome::Resolved), Some(ended)),
        "[{name}] outcome and end"
    );

    // Unknown calls.
    let unknown = CallId::new("CONF-UNKNOWN");
    assert!(
        !store
            .append_turn(&unknown, &t1)
            .await
            .unwrap_or_else(|e| ok("append_turn", e)),
        "[{name}] append_turn to an unknown call is Ok(false)"
    );
    assert!(
        !store
            .finish_call(&unknown, CallOutcome::Failed, now)
            .await
            .unwrap_or_else(|e| ok("finish_call", e)),
        "[{name}] finish_call on an unknown call is Ok(false)"
    );
    assert!(
        !store
            .set_legal_hold(&unknown, true)
            .await
            .unwrap_or_else(|e| ok("set_legal_hold", e)),
        "[{name}] set_legal_hold on an unknown call is Ok(false)"
    );
    assert!(
        store
            .get(&unknown)
            .await
            .unwrap_or_else(|e| ok("get", e))
            .is_none(),
        "[{name}] no record for unknown calls"
    );

    // More calls: X at another merchant, Y, and an anonymous caller.
    let a3 = AudioId::random();
    let s2 = start("CONF-2", "m-b", Some("(415) 555-0123"), now.minus(DAY * 5));
    let s3 = start("CONF-3", "m-a", Some(y), now.minus(DAY * 3));
    let s4 = start("CONF-4", "m-a", None, now.minus(DAY));
    for s in [&s2, &s3, &s4] {
        store
            .begin_call(s)
            .await
            .unwrap_or_else(|e| ok("begin_call", e));
    }
    store
        .append_turn(
            &s2.call_id,
            &turn(now.minus(DAY * 5), "hi", vec![a3.clone()], 0, 5),
        )
        .await
        .unwrap_or_else(|e| ok("append_turn", e));

    for form in [x, "(415) 555-0123", "415.555.0123", "14155550123"] {
        let list = store
            .list_by_caller(&phone(form), None)
            .await
            .unwrap_or_else(|e| ok("list_by_caller", e));
        assert_eq!(
            ids(&list),
            ["CONF-1", "CONF-2"],
            "[{name}] list_by_caller matches the normalized number, oldest first"
        );
    }
    let list = store
        .list_by_caller(&phone(x), Some(&MerchantId::new("m-a")))
        .await
        .unwrap_or_else(|e| ok("list_by_caller", e));
    assert_eq!(
        ids(&list),
        ["CONF-1"],
        "[{name}] list_by_caller filters by merchant"
    );
    let list = store
        .list_by_caller(&phone("+12125550100"), None)
        .await
        .unwrap_or_else(|e| ok("list_by_caller", e));
    assert!(list.is_empty(), "[{name}] unknown caller has no records");

    // Delete one caller at one merchant.
    let d = store
        .delete_by_caller(&phone("415-555-0123"), Some(&MerchantId::new("m-b")))
        .await
        .unwrap_or_else(|e| ok("delete_by_caller", e));
    assert_eq!(
        d,
        Deleted {
            records: 1,
            audio: vec![a3]
        },
        "[{name}] delete_by_caller removes the matching records and returns their audio"
    );
    let list = store
        .list_by_caller(&phone(x), None)
        .await
        .unwrap_or_else(|e| ok("list_by_caller", e));
    assert_eq!(
        ids(&list),
        ["CONF-1"],
        "[{name}] the caller's records at other merchants stay"
    );
    assert!(
        store
            .get(&s3.call_id)
            .await
            .unwrap_or_else(|e| ok("get", e))
            .is_some(),
        "[{name}] other callers' records stay"
    );

    // Purge: exactly at the boundary is kept, one millisecond older is removed,
    // a held record stays until released; per-merchant windows apply.
    let window = DAY * 30;
    let mut policy = RetentionPolicy {
        default: window,
        ..RetentionPolicy::default()
    };
    policy.per_merchant.insert(MerchantId::new("m-c"), DAY);
    let a4 = AudioId::random();
    let p_edge = start("CONF-P-EDGE", "m-a", Some(y), now.minus(window));
    let p_old = start(
        "CONF-P-OLD",
        "m-a",
        Some(y),
        now.minus(window).minus(Duration::from_millis(1)),
    );
    let p_held = start("CONF-P-HELD", "m-a", Some(y), now.minus(DAY * 100));
    let p_short = start("CONF-P-SHORT", "m-c", Some(y), now.minus(DAY * 2));
    for s in [&p_edge, &p_old, &p_held, &p_short] {
        store
            .begin_call(s)
            .await
            .unwrap_or_else(|e| ok("begin_call", e));
    }
    store
        .append_turn(
            &p_old.call_id,
            &turn(p_old.started_at, "x", vec![a4.clone()], 0, 1),
        )
        .await
        .unwrap_or_else(|e| ok("append_turn", e));
    assert!(
        store
            .set_legal_hold(&p_held.call_id, true)
            .await
            .unwrap_or_else(|e| ok("set_legal_hold", e)),
        "[{name}] set_legal_hold on a known call is Ok(true)"
    );
    let d = store
        .purge_expired(now, &policy)
        .await
        .unwrap_or_else(|e| ok("purge_expired", e));
    assert_eq!(
        d.records, 2,
        "[{name}] purge removes exactly the expired, unheld records"
    );
    assert_eq!(
        d.audio,
        vec![a4],
        "[{name}] purge returns the purged records' audio"
    );
    for (s, kept) in [
        (&p_edge, true),
        (&p_old, false),
        (&p_held, true),
        (&p_short, false),
        (&s1, true),
        (&s3, true),
        (&s4, true),
    ] {
        let exists = store
            .get(&s.call_id)
            .await
            .unwrap_or_else(|e| ok("get", e))
            .is_some();
        assert_eq!(
            exists,
            kept,
            "[{name}] after purge, {} must {}",
            s.call_id,
            if kept { "stay" } else { "be gone" }
        );
    }
    assert!(
        store
            .get(&p_held.call_id)
            .await
            .unwrap_or_else(|e| ok("get", e))
            .is_some_and(|r| r.legal_hold),
        "[{name}] legal hold is recorded"
    );
    store
        .set_legal_hold(&p_held.call_id, false)
        .await
        .unwrap_or_else(|e| ok("set_legal_hold", e));
    let d = store
        .purge_expired(now, &policy)
        .await
        .unwrap_or_else(|e| ok("purge_expired", e));
    assert_eq!(d.records, 1, "[{name}] a released hold is purged");
    assert!(
        store
            .get(&p_held.call_id)
            .await
            .unwrap_or_else(|e| ok("get", e))
            .is_none(),
        "[{name}] released record is gone"
    );

    // Delete a merchant: everything of it goes, with its audio.
    let d = store
        .delete_merchant(&MerchantId::new("m-a"))
        .await
        .unwrap_or_else(|e| ok("delete_merchant", e));
    assert_eq!(
        d.records, 4,
        "[{name}] delete_merchant removes all its records (CONF-1, -3, -4, -P-EDGE)"
    );
    assert_eq!(
        sorted(d.audio),
        sorted(vec![a1, a2]),
        "[{name}] delete_merchant returns their audio"
    );
    for s in [&s1, &s3, &s4, &p_edge] {
        assert!(
            store
                .get(&s.call_id)
                .await
                .unwrap_or_else(|e| ok("get", e))
                .is_none(),
            "[{name}] deleted merchant's record {} is gone",
            s.call_id
        );
    }

    // Nothing of the deleted caller is left to export; deleting again is a no-op.
    for (p, m) in [(x, None), (y, None), (x, Some(MerchantId::new("m-a")))] {
        let list = store
            .list_by_caller(&phone(p), m.as_ref())
            .await
            .unwrap_or_else(|e| ok("list_by_caller", e));
        assert!(
            list.is_empty(),
            "[{name}] export after deletion must be empty"
        );
    }
    let d = store
        .delete_by_caller(&phone(x), None)
        .await
        .unwrap_or_else(|e| ok("delete_by_caller", e));
    assert_eq!(
        d,
        Deleted::default(),
        "[{name}] deleting nothing removes nothing"
    );
    assert_eq!(
        store
            .delete_merchant(&MerchantId::new("m-a"))
            .await
            .unwrap_or_else(|e| ok("delete_merchant", e)),
        Deleted::default(),
        "[{name}] deleting a merchant twice removes nothing"
    );
}
