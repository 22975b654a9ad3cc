//! Properties over random records and clocks: purge removes exactly what is past
//! its window and not on hold; export after delete is empty; deleting one caller
//! never touches another's records.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use common::*;
use lumitalk_core::{
    AudioId, CallId, CallRecord, CallRecordStore, MerchantId, RetentionPolicy, Timestamp,
};
use lumitalk_sqlite::{SqliteCallRecordStore, privacy};
use proptest::prelude::*;

const MERCHANTS: [&str; 3] = ["m0", "m1", "m2"];
const CALLERS: [&str; 4] = [
    "+14155550100",
    "+14155550101",
    "+442079460958",
    "+14155550103",
];

#[derive(Debug, Clone)]
struct Spec {
    merchant: usize,
    caller: Option<usize>,
    age_ms: i64,
    hold: bool,
    audio: usize,
    turns: usize,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..MERCHANTS.len(),
        proptest::option::weighted(0.9, 0..CALLERS.len()),
        // Up to ~2 years old, clustered around the windows below often enough.
        prop_oneof![0i64..800 * DAY_MS, (25i64..40).prop_map(|d| d * DAY_MS)],
        proptest::bool::weighted(0.2),
        0usize..3,
        0usize..3,
    )
        .prop_map(|(merchant, caller, age_ms, hold, audio, turns)| Spec {
            merchant,
            caller,
            age_ms,
            hold,
            audio,
            turns,
        })
}

fn policy() -> impl Strategy<Value = RetentionPolicy> {
    // Windows in whole days, often equal to a record's age: the cutoff itself is tested.
    let days = || prop_oneof![1u64..800, 25u64..40];
    (
        days(),
        proptest::collection::vec(proptest::option::of(days()), MERCHANTS.len()),
    )
        .prop_map(|(default_days, per)| RetentionPolicy {
            default: Duration::from_secs(default_days * 86_400),
            per_merchant: per
                .into_iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    d.map(|d| {
                        (
                            MerchantId::new(MERCHANTS[i]),
                            Duration::from_secs(d * 86_400),
                        )
                    })
                })
                .collect::<HashMap<_, _>>(),
        })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Writes the specs as calls `c0`, `c1`, ... started `age_ms` before `now`;
/// call `ci`'s audio ids are `ci-t-k`.
async fn seed(store: &SqliteCallRecordStore, specs: &[Spec], now: i64) {
    for (i, s) in specs.iter().enumerate() {
        let id = format!("c{i}");
        let started = now - s.age_ms;
        store
            .begin_call(&start(
                &id,
                MERCHANTS[s.merchant],
                s.caller.map(|c| CALLERS[c]),
                started,
            ))
            .await
            .unwrap();
        for t in 0..s.turns {
            let audio: Vec<String> = (0..s.audio).map(|k| format!("{id}-{t}-{k}")).collect();
            let audio: Vec<&str> = audio.iter().map(String::as_str).collect();
            store
                .append_turn(&CallId::new(&id), &turn(started + t as i64, "x", &audio))
                .await
                .unwrap();
        }
        if s.hold {
            store.set_legal_hold(&CallId::new(&id), true).await.unwrap();
        }
    }
}

fn audio_of(i: usize, s: &Spec) -> Vec<AudioId> {
    (0..s.turns)
        .flat_map(|t| (0..s.audio).map(move |k| AudioId::new(format!("c{i}-{t}-{k}"))))
        .collect()
}

async fn snapshot(store: &SqliteCallRecordStore) -> BTreeMap<&'static str, Vec<CallRecord>> {
    let mut out = BTreeMap::new();
    for c in CALLERS {
        out.insert(c, store.list_by_caller(&phone(c), None).await.unwrap());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn purge_removes_exactly_the_expired_unheld(
        specs in proptest::collection::vec(spec(), 0..24),
        policy in policy(),
        now in 800 * DAY_MS..60_000 * DAY_MS,
    ) {
        runtime().block_on(async {
            let store = SqliteCallRecordStore::open_in_memory().unwrap();
            seed(&store, &specs, now).await;
            let now_ts = Timestamp::from_unix_millis(now);
            let deleted = store.purge_expired(now_ts, &policy).await.unwrap();

            let mut want_audio = BTreeSet::new();
            let mut want_records = 0;
            for (i, s) in specs.iter().enumerate() {
                let merchant = MerchantId::new(MERCHANTS[s.merchant]);
                let started = Timestamp::from_unix_millis(now - s.age_ms);
                let expired = policy.is_expired(&merchant, started, now_ts) && !s.hold;
                let kept = store.get(&CallId::new(format!("c{i}"))).await.unwrap();
                prop_assert_eq!(kept.is_none(), expired, "c{} {:?}", i, s);
                if expired {
                    want_records += 1;
                    want_audio.extend(audio_of(i, s));
                } else {
                    prop_assert_eq!(kept.unwrap().turns.len(), s.turns);
                }
            }
            prop_assert_eq!(deleted.records, want_records);
            prop_assert_eq!(deleted.audio.len(), want_audio.len(), "no duplicates");
            prop_assert_eq!(deleted.audio.into_iter().collect::<BTreeSet<_>>(), want_audio);
            // Purging again at the same instant finds nothing.
            prop_assert_eq!(store.purge_expired(now_ts, &policy).await.unwrap().records, 0);
            Ok(())
        })?;
    }

    #[test]
    fn deleting_a_caller_empties_their_export_and_spares_everyone_else(
        specs in proptest::collection::vec(spec(), 0..24),
        victim in 0..CALLERS.len(),
        merchant in proptest::option::of(0..MERCHANTS.len()),
    ) {
        runtime().block_on(async {
            let store = SqliteCallRecordStore::open_in_memory().unwrap();
            let now = 1_000 * DAY_MS;
            seed(&store, &specs, now).await;
            let before = snapshot(&store).await;
            let who = phone(CALLERS[victim]);
            let scope = merchant.map(|m| MerchantId::new(MERCHANTS[m]));

            let deleted = store.delete_by_caller(&who, scope.as_ref()).await.unwrap();

            let in_scope = |r: &CallRecord| scope.as_ref().is_none_or(|m| &r.merchant == m);
            // Records on legal hold are kept (and counted), whatever the request.
            let removed: Vec<&CallRecord> = before[CALLERS[victim]]
                .iter()
                .filter(|r| in_scope(r) && !r.legal_hold)
                .collect();
            let held = before[CALLERS[victim]]
                .iter()
                .filter(|r| in_scope(r) && r.legal_hold)
                .count();
            prop_assert_eq!(deleted.records, removed.len() as u64);
            prop_assert_eq!(deleted.held, held as u64);
            let want_audio: BTreeSet<AudioId> =
                removed.iter().flat_map(|r| r.audio_ids().cloned()).collect();
            prop_assert_eq!(deleted.audio.into_iter().collect::<BTreeSet<_>>(), want_audio);

            // Export after delete holds only the held records (in the deleted scope).
            let doc = privacy::export_caller(&store, &who, scope.as_ref(), Timestamp::EPOCH)
                .await
                .unwrap();
            prop_assert_eq!(doc["record_count"].as_u64(), Some(held as u64));

            // Everyone else, and the victim's records outside the scope, are untouched.
            let after = snapshot(&store).await;
            for c in CALLERS {
                let want: Vec<CallRecord> = if c == CALLERS[victim] {
                    before[c].iter().filter(|r| !in_scope(r) || r.legal_hold).cloned().collect()
                } else {
                    before[c].clone()
                };
                prop_assert_eq!(&after[c], &want, "{}", c);
            }
            // Calls without a caller are never touched by a caller deletion.
            for (i, s) in specs.iter().enumerate() {
                if s.caller.is_none() {
                    let id = CallId::new(format!("c{i}"));
                    prop_assert!(store.get(&id).await.unwrap().is_some(), "{:?}", id);
                }
            }
            Ok(())
        })?;
    }
}
