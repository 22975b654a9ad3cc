//! Throughput of the SQLite call-record store, on a file database with
//! `synchronous = FULL` (every acknowledged write durable):
//!
//! - `append_turn/writers/N`: turns appended per second by N concurrent tasks
//!   (group commit shares one fsync among the writes queued together);
//! - `list_by_caller/1000_records`: exporting 1,000 calls of 3 turns each.
//!
//! Run: `cargo bench -p lumitalk-sqlite -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lumitalk_core::{
    AudioId, CallId, CallRecordStore, CallStart, Classification, Intent, MerchantId, PhoneNumber,
    Timestamp, TokenUsage, TurnInput, TurnRecord, TurnTimings,
};
use lumitalk_sqlite::{SqliteCallRecordStore, privacy};

fn turn(at: i64) -> TurnRecord {
    let mut c = Classification::new(Intent::OrderStatus, 0.91, "openai");
    c.usage = Some(TokenUsage {
        prompt_tokens: 412,
        completion_tokens: 23,
    });
    TurnRecord {
        at: Timestamp::from_unix_millis(at),
        input: TurnInput::Speech {
            text: "hi, I'd like to know where my order one two three four is".into(),
            confidence: Some(0.88),
        },
        classification: Some(c),
        reply_text: "Order 1234 shipped on Tuesday and should arrive on Friday.".into(),
        audio: vec![AudioId::random()],
        timings: TurnTimings {
            classify_ms: Some(480),
            lookup_ms: Some(190),
            speech_ms: Some(350),
            total_ms: 1050,
        },
        retry_attempts: 0,
        errors: Vec::new(),
        tts_characters: 58,
        events: Vec::new(),
    }
}

fn start(id: &str, caller: &PhoneNumber, at: i64) -> CallStart {
    CallStart {
        call_id: CallId::new(id),
        merchant: MerchantId::new("bench.myshopify.com"),
        caller: Some(caller.clone()),
        called: None,
        started_at: Timestamp::from_unix_millis(at),
    }
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lumitalk-sqlite-bench-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("calls.db")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn append(c: &mut Criterion) {
    let rt = runtime();
    let path = temp_db("append");
    let store = SqliteCallRecordStore::open(&path).unwrap();
    let caller: PhoneNumber = "+14155550123".parse().unwrap();
    let mut group = c.benchmark_group("append_turn");
    group.throughput(Throughput::Elements(1));
    for writers in [1usize, 8, 32] {
        let calls: Vec<CallId> = (0..writers)
            .map(|w| CallId::new(format!("CA-{writers}-{w}")))
            .collect();
        rt.block_on(async {
            for (w, call) in calls.iter().enumerate() {
                store
                    .begin_call(&start(call.as_str(), &caller, w as i64))
                    .await
                    .unwrap();
            }
        });
        group.bench_function(BenchmarkId::new("writers", writers), |b| {
            b.iter_custom(|iters| {
                let per_task = iters.div_ceil(writers as u64);
                let began = Instant::now();
                rt.block_on(async {
                    let tasks: Vec<_> = calls
                        .iter()
                        .map(|call| {
                            let store = store.clone();
                            let call = call.clone();
                            tokio::spawn(async move {
                                for i in 0..per_task {
                                    let ok = store.append_turn(&call, &turn(i as i64)).await;
                                    assert!(ok.unwrap());
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                });
                // Report the time per append actually made.
                began
                    .elapsed()
                    .mul_f64(iters as f64 / (per_task * writers as u64) as f64)
            })
        });
    }
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

fn export(c: &mut Criterion) {
    let rt = runtime();
    let path = temp_db("export");
    let store = SqliteCallRecordStore::open(&path).unwrap();
    let caller: PhoneNumber = "+14155550123".parse().unwrap();
    rt.block_on(async {
        for i in 0..1_000i64 {
            let id = format!("CA-{i}");
            store.begin_call(&start(&id, &caller, i)).await.unwrap();
            for t in 0..3 {
                store
                    .append_turn(&CallId::new(&id), &turn(i + t))
                    .await
                    .unwrap();
            }
        }
    });
    let mut group = c.benchmark_group("export");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("list_by_caller/1000_records", |b| {
        b.iter(|| {
            let records = rt.block_on(store.list_by_caller(&caller, None)).unwrap();
            assert_eq!(records.len(), 1_000);
            black_box(records)
        })
    });
    group.bench_function("export_document/1000_records", |b| {
        b.iter(|| {
            let doc = rt
                .block_on(privacy::export_caller(
                    &store,
                    &caller,
                    None,
                    Timestamp::EPOCH,
                ))
                .unwrap();
            black_box(doc.to_string().len())
        })
    });
    group.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = append, export
}
criterion_main!(benches);
