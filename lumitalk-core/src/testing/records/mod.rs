//! The [`CallRecordStore`] contract, as named checks.
//!
//! Each check is a function of its own, so a failing implementation sees which
//! clause it broke; [`call_record_store_conformance`] runs them all. The checks
//! use their own call ids, merchants and callers, so they can run one after
//! another on one store (pass an empty store to the whole suite).

mod fixtures;
mod probe;

use std::time::Duration;

use self::fixtures::{DAY, ids, phone, sorted, start, turn};
use self::probe::Probe;
use crate::domain::{AudioId, CallId, MerchantId, Timestamp};
use crate::store::{CallOutcome, CallRecordStore, Deleted, RetentionPolicy};

/// Every check, in order, on one store.
///
/// `now` is the time the suite treats as the present. Pass an empty store; the
/// suite leaves it empty.
///
/// # Panics
/// On the first contract violation, with a message naming the store and the rule.
pub async fn call_record_store_conformance(store: &dyn CallRecordStore, now: Timestamp) {
    begin_call_is_idempotent(store, now).await;
    turns_round_trip_with_totals(store, now).await;
    unknown_calls_are_never_created(store, now).await;
    lookups_match_any_written_form(store, now).await;
    caller_deletion_is_scoped(store, now).await;
    purge_keeps_the_boundary_and_holds(store, now).await;
    merchant_deletion_removes_everything(store, now).await;
    deletions_keep_held_records(store, now).await;
    remove_what_the_checks_wrote(store).await;
}

/// Every merchant the checks write records for.
const MERCHANTS: [&str; 11] = [
    "m-idem",
    "m-other",
    "m-turns",
    "m-look-a",
    "m-look-b",
    "m-del-a",
    "m-del-b",
    "m-purge",
    "m-purge-short",
    "m-shop-stays",
    "m-hold",
];

/// Deletes the checks' records, so the suite leaves the store as it found it
/// (and can run again on the same store).
async fn remove_what_the_checks_wrote(store: &dyn CallRecordStore) {
    let p = Probe::new(store);
    for m in MERCHANTS {
        p.delete_merchant(&MerchantId::new(m)).await;
    }
}

/// `begin_call` twice for one call keeps the first record; a new record has
/// no turns, outcome or hold.
pub async fn begin_call_is_idempotent(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let first = start(
        "CONF-IDEM",
        "m-idem",
        Some("+14155550123"),
        now.minus(DAY * 10),
    );
    p.begin(&first).await;
    p.begin(&start("CONF-IDEM", "m-other", Some("+17145550142"), now))
        .await;
    let r = p
        .get(&first.call_id)
        .await
        .unwrap_or_else(|| panic!("[{name}] begun call must exist"));
    assert_eq!(
        (&r.merchant, &r.caller, r.started_at),
        (&first.merchant, &first.caller, first.started_at),
        "[{name}] begin_call must keep the first record"
    );
    assert_eq!(r.called, first.called, "[{name}] called number");
    assert!(
        r.turns.is_empty() && r.outcome.is_none() && r.ended_at.is_none() && !r.legal_hold,
        "[{name}] a new record has no turns, no outcome, no hold"
    );
}

/// Turns come back in order with retry and usage totals; `finish_call` sets
/// the outcome and the end.
pub async fn turns_round_trip_with_totals(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let s = start(
        "CONF-TURNS",
        "m-turns",
        Some("+14155550124"),
        now.minus(DAY * 10),
    );
    p.begin(&s).await;
    let t1 = turn(
        s.started_at,
        "where is my order",
        vec![AudioId::random()],
        2,
        40,
    );
    let t2 = turn(
        s.started_at.plus(Duration::from_secs(20)),
        "thanks",
        vec![AudioId::random()],
        1,
        10,
    );
    for t in [&t1, &t2] {
        assert!(
            p.append(&s.call_id, t).await,
            "[{name}] append_turn to a known call is Ok(true)"
        );
    }
    let ended = s.started_at.plus(Duration::from_secs(300));
    assert!(
        p.finish(&s.call_id, CallOutcome::Resolved, ended).await,
        "[{name}] finish_call on a known call is Ok(true)"
    );
    let r = p
        .get(&s.call_id)
        .await
        .unwrap_or_else(|| panic!("[{name}] record must exist"));
    assert_eq!(
        r.turns,
        vec![t1, t2],
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
}

/// Appending to, finishing, holding or getting an unknown call creates nothing
/// and answers `Ok(false)` / `None`.
pub async fn unknown_calls_are_never_created(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let unknown = CallId::new("CONF-UNKNOWN");
    assert!(
        !p.append(&unknown, &turn(now, "hello", vec![], 0, 0)).await,
        "[{name}] append_turn to an unknown call is Ok(false)"
    );
    assert!(
        !p.finish(&unknown, CallOutcome::Failed, now).await,
        "[{name}] finish_call on an unknown call is Ok(false)"
    );
    assert!(
        !p.hold(&unknown, true).await,
        "[{name}] set_legal_hold on an unknown call is Ok(false)"
    );
    assert!(
        !p.exists(&unknown).await,
        "[{name}] no record for unknown calls"
    );
}

/// Lookups by caller match the normalized number whatever its written form,
/// oldest first, optionally for one merchant.
pub async fn lookups_match_any_written_form(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    p.begin(&start(
        "CONF-LOOK-1",
        "m-look-a",
        Some("+13125550160"),
        now.minus(DAY * 4),
    ))
    .await;
    p.begin(&start(
        "CONF-LOOK-2",
        "m-look-b",
        Some("(312) 555-0160"),
        now.minus(DAY * 2),
    ))
    .await;
    p.begin(&start("CONF-LOOK-3", "m-look-a", None, now.minus(DAY)))
        .await;
    for form in [
        "+13125550160",
        "(312) 555-0160",
        "312.555.0160",
        "13125550160",
    ] {
        assert_eq!(
            ids(&p.list(&phone(form), None).await),
            ["CONF-LOOK-1", "CONF-LOOK-2"],
            "[{name}] list_by_caller matches the normalized number ({form}), oldest first"
        );
    }
    assert_eq!(
        ids(&p
            .list(&phone("+13125550160"), Some(&MerchantId::new("m-look-a")))
            .await),
        ["CONF-LOOK-1"],
        "[{name}] list_by_caller filters by merchant"
    );
    assert!(
        p.list(&phone("+12125550100"), None).await.is_empty(),
        "[{name}] unknown caller has no records"
    );
}

/// Deleting a caller at one merchant removes exactly those records and returns
/// their audio; the caller's records elsewhere and other callers' stay;
/// deleting again removes nothing.
pub async fn caller_deletion_is_scoped(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let caller = "+16175550170";
    let here = start(
        "CONF-DEL-1",
        "m-del-b",
        Some("(617) 555-0170"),
        now.minus(DAY * 5),
    );
    let elsewhere = start("CONF-DEL-2", "m-del-a", Some(caller), now.minus(DAY * 6));
    let other = start(
        "CONF-DEL-3",
        "m-del-b",
        Some("+16175550171"),
        now.minus(DAY * 3),
    );
    for s in [&here, &elsewhere, &other] {
        p.begin(s).await;
    }
    let audio = AudioId::random();
    p.append(
        &here.call_id,
        &turn(here.started_at, "hi", vec![audio.clone()], 0, 5),
    )
    .await;
    let d = p
        .delete_caller(&phone("617-555-0170"), Some(&MerchantId::new("m-del-b")))
        .await;
    assert_eq!(
        d,
        Deleted {
            records: 1,
            audio: vec![audio],
            held: 0,
            calls: vec![here.call_id.clone()],
        },
        "[{name}] delete_by_caller removes the matching records and returns their audio"
    );
    assert_eq!(
        ids(&p.list(&phone(caller), None).await),
        ["CONF-DEL-2"],
        "[{name}] the caller's records at other merchants stay"
    );
    assert!(
        p.exists(&other.call_id).await,
        "[{name}] other callers' records stay"
    );
    assert_eq!(p.delete_caller(&phone(caller), None).await.records, 1);
    assert!(
        p.list(&phone(caller), None).await.is_empty(),
        "[{name}] export after deletion must be empty"
    );
    assert_eq!(
        p.delete_caller(&phone(caller), None).await,
        Deleted::default(),
        "[{name}] deleting nothing removes nothing"
    );
}

/// The purge keeps a record exactly at the retention boundary, removes one a
/// millisecond older (returning its audio), keeps held records until the hold
/// is released, and applies per-merchant windows.
pub async fn purge_keeps_the_boundary_and_holds(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let window = DAY * 30;
    let mut policy = RetentionPolicy {
        default: window,
        ..RetentionPolicy::default()
    };
    policy
        .per_merchant
        .insert(MerchantId::new("m-purge-short"), DAY);
    let y = Some("+17145550142");
    let edge = start("CONF-P-EDGE", "m-purge", y, now.minus(window));
    let old = start(
        "CONF-P-OLD",
        "m-purge",
        y,
        now.minus(window).minus(Duration::from_millis(1)),
    );
    let held = start("CONF-P-HELD", "m-purge", y, now.minus(DAY * 100));
    let short = start("CONF-P-SHORT", "m-purge-short", y, now.minus(DAY * 2));
    let recent = start("CONF-P-RECENT", "m-purge", y, now.minus(DAY));
    for s in [&edge, &old, &held, &short, &recent] {
        p.begin(s).await;
    }
    let audio = AudioId::random();
    p.append(
        &old.call_id,
        &turn(old.started_at, "x", vec![audio.clone()], 0, 1),
    )
    .await;
    assert!(
        p.hold(&held.call_id, true).await,
        "[{name}] set_legal_hold on a known call is Ok(true)"
    );
    let d = p.purge(now, &policy).await;
    assert_eq!(
        d.records, 2,
        "[{name}] purge removes exactly the expired, unheld records"
    );
    assert_eq!(
        d.audio,
        vec![audio],
        "[{name}] purge returns the purged records' audio"
    );
    for (s, kept) in [
        (&edge, true),
        (&old, false),
        (&held, true),
        (&short, false),
        (&recent, true),
    ] {
        assert_eq!(
            p.exists(&s.call_id).await,
            kept,
            "[{name}] after purge, {} must {}",
            s.call_id,
            if kept { "stay" } else { "be gone" }
        );
    }
    assert!(
        p.get(&held.call_id).await.is_some_and(|r| r.legal_hold),
        "[{name}] legal hold is recorded"
    );
    p.hold(&held.call_id, false).await;
    let d = p.purge(now, &policy).await;
    assert_eq!(d.records, 1, "[{name}] a released hold is purged");
    assert!(
        !p.exists(&held.call_id).await,
        "[{name}] released record is gone"
    );
}

/// Deleting a merchant removes all its records and returns their audio; other
/// merchants' stay; deleting it twice removes nothing.
pub async fn merchant_deletion_removes_everything(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let gone = MerchantId::new("m-shop-redact");
    let (a1, a2) = (AudioId::random(), AudioId::random());
    let calls = [
        start(
            "CONF-M-1",
            "m-shop-redact",
            Some("+12065550180"),
            now.minus(DAY * 9),
        ),
        start(
            "CONF-M-2",
            "m-shop-redact",
            Some("+12065550181"),
            now.minus(DAY * 8),
        ),
        start("CONF-M-3", "m-shop-redact", None, now.minus(DAY)),
    ];
    let kept = start(
        "CONF-M-KEPT",
        "m-shop-stays",
        Some("+12065550180"),
        now.minus(DAY),
    );
    for s in calls.iter().chain([&kept]) {
        p.begin(s).await;
    }
    p.append(&calls[0].call_id, &turn(now, "a", vec![a1.clone()], 0, 1))
        .await;
    p.append(&calls[1].call_id, &turn(now, "b", vec![a2.clone()], 0, 1))
        .await;
    let d = p.delete_merchant(&gone).await;
    assert_eq!(
        d.records, 3,
        "[{name}] delete_merchant removes all its records"
    );
    assert_eq!(
        sorted(d.audio),
        sorted(vec![a1, a2]),
        "[{name}] delete_merchant returns their audio"
    );
    for s in &calls {
        assert!(
            !p.exists(&s.call_id).await,
            "[{name}] deleted merchant's record {} is gone",
            s.call_id
        );
    }
    assert!(
        p.exists(&kept.call_id).await,
        "[{name}] other merchants' records stay"
    );
    assert!(
        p.list(&phone("+12065550181"), Some(&gone)).await.is_empty(),
        "[{name}] export after deletion must be empty"
    );
    assert_eq!(
        p.delete_merchant(&gone).await,
        Deleted::default(),
        "[{name}] deleting a merchant twice removes nothing"
    );
}

/// Deleting a caller or a merchant skips records on legal hold and counts
/// them; once the hold is released, they go.
pub async fn deletions_keep_held_records(store: &dyn CallRecordStore, now: Timestamp) {
    let p = Probe::new(store);
    let name = p.name;
    let caller = phone("+15035550190");
    let merchant = MerchantId::new("m-hold");
    let held = start(
        "CONF-H-HELD",
        "m-hold",
        Some("+15035550190"),
        now.minus(DAY * 2),
    );
    let free = start(
        "CONF-H-FREE",
        "m-hold",
        Some("+15035550190"),
        now.minus(DAY),
    );
    p.begin(&held).await;
    p.begin(&free).await;
    let audio = AudioId::random();
    p.append(&held.call_id, &turn(now, "x", vec![audio], 0, 1))
        .await;
    assert!(p.hold(&held.call_id, true).await);
    let d = p.delete_caller(&caller, None).await;
    assert_eq!(
        (d.records, d.held, d.audio.len()),
        (1, 1, 0),
        "[{name}] delete_by_caller keeps a held record, counts it, and keeps its audio"
    );
    assert!(
        p.exists(&held.call_id).await,
        "[{name}] the held record stays"
    );
    let d = p.delete_merchant(&merchant).await;
    assert_eq!(
        (d.records, d.held),
        (0, 1),
        "[{name}] delete_merchant keeps a held record and counts it"
    );
    p.hold(&held.call_id, false).await;
    let d = p.delete_merchant(&merchant).await;
    assert_eq!(
        (d.records, d.held, d.audio.len()),
        (1, 0, 1),
        "[{name}] a released record is deleted with its audio"
    );
}
