//! The CallRecordStore contract, against an in-memory and a file database.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use lumitalk_core::{
    AudioId, CallId, CallOutcome, CallRecord, CallRecordStore, MerchantId, RetentionPolicy,
    Timestamp,
};
use lumitalk_sqlite::SqliteCallRecordStore;

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test]
            async fn in_memory() {
                super::$name(&SqliteCallRecordStore::open_in_memory().unwrap()).await;
            }
            #[tokio::test]
            async fn file() {
                let dir = temp_dir(stringify!($name));
                super::$name(&SqliteCallRecordStore::open(dir.join("calls.db")).unwrap()).await;
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    )*};
}

on_both!(
    round_trips_every_field,
    begin_is_idempotent,
    unknown_calls_get_no_record,
    lookups_match_any_number_format,
    lists_oldest_first_per_merchant,
    deleting_a_caller_returns_audio_and_spares_others,
    deleting_a_merchant_spares_others,
    purge_respects_windows_and_holds,
    concurrent_appends_keep_every_turn,
    export_document_holds_every_record,
);

async fn round_trips_every_field(store: &SqliteCallRecordStore) {
    let s = start("CA-rt", "shop", Some("(415) 555-0123"), 1_700_000_000_000);
    store.begin_call(&s).await.unwrap();
    let mut want = CallRecord::new(s.clone());
    for (i, t) in [
        turn(1_700_000_000_100, "hello", &[]),
        rich_turn(1_700_000_001_000),
        turn(1_700_000_002_000, "thanks", &["a1"]),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(store.append_turn(&s.call_id, &t).await.unwrap(), "turn {i}");
        want.push_turn(t);
    }
    let ended = Timestamp::from_unix_millis(1_700_000_060_000);
    assert!(
        store
            .finish_call(&s.call_id, CallOutcome::Transferred, ended)
            .await
            .unwrap()
    );
    want.ended_at = Some(ended);
    want.outcome = Some(CallOutcome::Transferred);
    assert!(store.set_legal_hold(&s.call_id, true).await.unwrap());
    want.legal_hold = true;

    let got = store.get(&s.call_id).await.unwrap().unwrap();
    assert_eq!(got, want);
    assert_eq!(got.usage.prompt_tokens, 321);
    assert_eq!(got.usage.tts_characters, 12 + 31 + 12);
    assert_eq!(got.retry_attempts, 2);
    assert!(store.get(&CallId::new("nope")).await.unwrap().is_none());
}

async fn begin_is_idempotent(store: &SqliteCallRecordStore) {
    let first = start("CA-idem", "shop-a", Some("+14155550123"), 1_000);
    store.begin_call(&first).await.unwrap();
    store
        .append_turn(&first.call_id, &turn(1_100, "hi", &[]))
        .await
        .unwrap();
    let second = start("CA-idem", "shop-b", Some("+14155550999"), 9_000);
    store.begin_call(&second).await.unwrap();
    let got = store.get(&first.call_id).await.unwrap().unwrap();
    assert_eq!(got.merchant, MerchantId::new("shop-a"));
    assert_eq!(got.started_at, Timestamp::from_unix_millis(1_000));
    assert_eq!(got.turns.len(), 1);
}

async fn unknown_calls_get_no_record(store: &SqliteCallRecordStore) {
    let ghost = CallId::new("CA-ghost");
    assert!(
        !store
            .append_turn(&ghost, &turn(1, "x", &["a"]))
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_call(&ghost, CallOutcome::Failed, Timestamp::EPOCH)
            .await
            .unwrap()
    );
    assert!(!store.set_legal_hold(&ghost, true).await.unwrap());
    assert!(store.get(&ghost).await.unwrap().is_none());
    assert_eq!(
        store
            .purge_expired(Timestamp::from_unix_millis(i64::MAX), &policy(1, &[]))
            .await
            .unwrap()
            .records,
        0
    );
}

async fn lookups_match_any_number_format(store: &SqliteCallRecordStore) {
    store
        .begin_call(&start("CA-fmt", "shop", Some("415.555.0123"), 5))
        .await
        .unwrap();
    for form in [
        "+14155550123",
        "(415) 555-0123",
        "1 415 555 0123",
        "001 415 555 0123",
    ] {
        let got = store.list_by_caller(&phone(form), None).await.unwrap();
        assert_eq!(got.len(), 1, "{form}");
    }
    assert!(
        store
            .list_by_caller(&phone("+14155550124"), None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn lists_oldest_first_per_merchant(store: &SqliteCallRecordStore) {
    let me = "+14155550123";
    for (id, merchant, at) in [
        ("CA-3", "a", 300),
        ("CA-1", "b", 100),
        ("CA-2", "a", 200),
        ("CA-4", "b", 400),
    ] {
        store
            .begin_call(&start(id, merchant, Some(me), at))
            .await
            .unwrap();
    }
    store
        .begin_call(&start("CA-other", "a", Some("+14155550999"), 50))
        .await
        .unwrap();
    store
        .begin_call(&start("CA-anon", "a", None, 60))
        .await
        .unwrap();
    let ids = |rs: Vec<CallRecord>| {
        rs.into_iter()
            .map(|r| r.call_id.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.list_by_caller(&phone(me), None).await.unwrap()),
        ["CA-1", "CA-2", "CA-3", "CA-4"]
    );
    assert_eq!(
        ids(store
            .list_by_caller(&phone(me), Some(&MerchantId::new("a")))
            .await
            .unwrap()),
        ["CA-2", "CA-3"]
    );
}

async fn deleting_a_caller_returns_audio_and_spares_others(store: &SqliteCallRecordStore) {
    let me = "+14155550123";
    let other = "+14155550999";
    for (id, merchant, caller, audio) in [
        ("CA-m1", "a", me, vec!["m1", "m2"]),
        ("CA-m2", "b", me, vec!["m3"]),
        ("CA-o1", "a", other, vec!["o1"]),
    ] {
        store
            .begin_call(&start(id, merchant, Some(caller), 10))
            .await
            .unwrap();
        store
            .append_turn(&CallId::new(id), &turn(11, "hi", &audio))
            .await
            .unwrap();
        store
            .append_turn(&CallId::new(id), &turn(12, "no audio", &[]))
            .await
            .unwrap();
    }
    let a = MerchantId::new("a");
    let d = store.delete_by_caller(&phone(me), Some(&a)).await.unwrap();
    assert_eq!(d.records, 1);
    assert_eq!(d.audio, [AudioId::new("m1"), AudioId::new("m2")]);
    assert!(store.get(&CallId::new("CA-m1")).await.unwrap().is_none());
    assert!(store.get(&CallId::new("CA-m2")).await.unwrap().is_some());

    let d = store.delete_by_caller(&phone(me), None).await.unwrap();
    assert_eq!(d.records, 1);
    assert_eq!(d.audio, [AudioId::new("m3")]);
    assert!(
        store
            .list_by_caller(&phone(me), None)
            .await
            .unwrap()
            .is_empty()
    );
    let theirs = store.list_by_caller(&phone(other), None).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].turns.len(), 2);
    // Deleting again finds nothing.
    assert_eq!(
        store.delete_by_caller(&phone(me), None).await.unwrap(),
        Default::default()
    );
    store.integrity_check().await.unwrap();
}

async fn deleting_a_merchant_spares_others(store: &SqliteCallRecordStore) {
    for (id, merchant) in [("CA-a1", "a"), ("CA-a2", "a"), ("CA-b1", "b")] {
        store
            .begin_call(&start(id, merchant, Some("+14155550123"), 10))
            .await
            .unwrap();
        store
            .append_turn(&CallId::new(id), &turn(11, "hi", &[id]))
            .await
            .unwrap();
    }
    store
        .set_legal_hold(&CallId::new("CA-a2"), true)
        .await
        .unwrap();
    // A legal hold outlives shop/redact too: the held record stays, counted.
    let d = store.delete_merchant(&MerchantId::new("a")).await.unwrap();
    assert_eq!(
        (d.records, d.held),
        (1, 1),
        "shop/redact keeps held records"
    );
    assert_eq!(d.audio, [AudioId::new("CA-a1")]);
    let mut left: Vec<String> = store
        .list_by_caller(&phone("+14155550123"), None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.call_id.as_str().to_string())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["CA-a2", "CA-b1"],
        "the held record and the other merchant's stay"
    );
    // Released, it goes with its audio.
    store
        .set_legal_hold(&CallId::new("CA-a2"), false)
        .await
        .unwrap();
    let d = store.delete_merchant(&MerchantId::new("a")).await.unwrap();
    assert_eq!((d.records, d.held), (1, 0));
    assert_eq!(d.audio, [AudioId::new("CA-a2")]);
}

fn policy(default_days: u64, per: &[(&str, u64)]) -> RetentionPolicy {
    let day = |d: u64| Duration::from_secs(d * 86_400);
    RetentionPolicy {
        default: day(default_days),
        per_merchant: per
            .iter()
            .map(|(m, d)| (MerchantId::new(*m), day(*d)))
            .collect::<HashMap<_, _>>(),
    }
}

async fn purge_respects_windows_and_holds(store: &SqliteCallRecordStore) {
    let now = 1_000 * DAY_MS;
    // (id, merchant, age in days, hold)
    let rows = [
        ("old-default", "d", 366, false),
        ("new-default", "d", 364, false),
        ("edge-default", "d", 365, false), // exactly at the cutoff: kept
        ("old-short", "short", 31, false),
        ("new-short", "short", 29, false),
        ("held", "short", 500, true),
    ];
    for (id, merchant, age, hold) in rows {
        store
            .begin_call(&start(
                id,
                merchant,
                Some("+14155550123"),
                now - age * DAY_MS,
            ))
            .await
            .unwrap();
        store
            .append_turn(&CallId::new(id), &turn(now - age * DAY_MS, "x", &[id]))
            .await
            .unwrap();
        if hold {
            store.set_legal_hold(&CallId::new(id), true).await.unwrap();
        }
    }
    let policy = policy(365, &[("short", 30)]);
    let now = Timestamp::from_unix_millis(now);
    let d = store.purge_expired(now, &policy).await.unwrap();
    assert_eq!(d.records, 2);
    let mut audio = d.audio;
    audio.sort();
    assert_eq!(
        audio,
        [AudioId::new("old-default"), AudioId::new("old-short")]
    );
    for (id, ..) in rows {
        let kept = store.get(&CallId::new(id)).await.unwrap().is_some();
        assert_eq!(kept, !id.starts_with("old"), "{id}");
    }
    // Releasing the hold makes the record purgeable.
    store
        .set_legal_hold(&CallId::new("held"), false)
        .await
        .unwrap();
    let d = store.purge_expired(now, &policy).await.unwrap();
    assert_eq!(d.records, 1);
    assert_eq!(d.audio, [AudioId::new("held")]);
}

async fn concurrent_appends_keep_every_turn(store: &SqliteCallRecordStore) {
    let call = CallId::new("CA-busy");
    store
        .begin_call(&start("CA-busy", "shop", Some("+14155550123"), 0))
        .await
        .unwrap();
    let turns = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        let call = call.clone();
        let barrier = turns.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            for i in 0..25 {
                let audio = format!("w{w}-{i}");
                assert!(
                    store
                        .append_turn(&call, &turn(i, "t", &[&audio]))
                        .await
                        .unwrap()
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = store.get(&call).await.unwrap().unwrap();
    assert_eq!(got.turns.len(), 200);
    assert_eq!(got.usage.tts_characters, 200 * 12);
    let d = store
        .delete_by_caller(&phone("+14155550123"), None)
        .await
        .unwrap();
    assert_eq!(d.audio.len(), 200);
}

async fn export_document_holds_every_record(store: &SqliteCallRecordStore) {
    let me = phone("+14155550123");
    for i in 0..3 {
        let id = format!("CA-x{i}");
        store
            .begin_call(&start(&id, "shop", Some("+14155550123"), i))
            .await
            .unwrap();
        store
            .append_turn(&CallId::new(id), &rich_turn(i + 1))
            .await
            .unwrap();
    }
    let now = Timestamp::from_unix_millis(42);
    let doc = store.export_caller_json(&me, None, now).await.unwrap();
    assert_eq!(doc["caller"], "+14155550123");
    assert_eq!(doc["exported_at"], "1970-01-01T00:00:00.042Z");
    assert_eq!(doc["records"].as_array().unwrap().len(), 3);
    assert_eq!(doc["records"][0]["turns"][0]["input"]["digits"], "1234#");
    // The document is the records' serde form: it parses back.
    let back: Vec<CallRecord> = serde_json::from_value(doc["records"].clone()).unwrap();
    assert_eq!(back, store.list_by_caller(&me, None).await.unwrap());
    store.delete_by_caller(&me, None).await.unwrap();
    let doc = store.export_caller_json(&me, None, now).await.unwrap();
    assert_eq!(doc["record_count"], 0);
}

/// Call records are personal data: a new database file is the owner's alone.
#[cfg(unix)]
#[tokio::test]
async fn a_new_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::temp_dir("private");
    let path = dir.join("calls.db");
    let store = SqliteCallRecordStore::open(&path).unwrap();
    store
        .begin_call(&start("CA-p", "a", Some("+14155550123"), 10))
        .await
        .unwrap();
    drop(store);
    for file in [path.clone(), dir.join("calls.db-wal")] {
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o600,
                "{}",
                file.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A purge larger than one batch removes everything expired, in several
/// transactions (live writes run between them), and returns every audio id.
#[tokio::test]
async fn a_large_purge_runs_in_batches_and_misses_nothing() {
    let store = SqliteCallRecordStore::open_in_memory().unwrap();
    let policy = lumitalk_core::RetentionPolicy {
        default: std::time::Duration::from_secs(86_400),
        ..Default::default()
    };
    for i in 0..1_201 {
        let id = format!("CA-old-{i}");
        store
            .begin_call(&start(&id, "a", Some("+14155550123"), 10))
            .await
            .unwrap();
        store
            .append_turn(&CallId::new(&id), &turn(11, "hi", &[&id]))
            .await
            .unwrap();
    }
    let now = lumitalk_core::Timestamp::from_unix_millis(10 + 2 * 86_400_000);
    store
        .begin_call(&start("CA-fresh", "a", None, now.as_unix_millis() - 1_000))
        .await
        .unwrap();
    let d = store.purge_expired(now, &policy).await.unwrap();
    assert_eq!(d.records, 1_201);
    assert_eq!(d.audio.len(), 1_201);
    assert!(store.get(&CallId::new("CA-fresh")).await.unwrap().is_some());
    assert_eq!(store.purge_expired(now, &policy).await.unwrap().records, 0);
}
