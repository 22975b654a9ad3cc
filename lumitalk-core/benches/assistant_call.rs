//! A full six-turn call through the `Assistant` with the in-memory providers:
//! greeting (with the caller-ID lookup), a silence, an order number by voice
//! (classification + speculative lookup), the postal code (verification and the
//! answer), "repeat that", and goodbye.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lumitalk_core::assistant::Assistant;
use lumitalk_core::memory::DemoOrderStore;
use lumitalk_core::{
    CallEvent, CallEventKind, CallId, CallOutcome, Merchant, MerchantDirectory, PhoneNumber,
    Utterance,
};

fn assistant() -> Assistant {
    let store = PhoneNumber::parse_e164("+18885550199").unwrap();
    let merchants = MerchantDirectory::new(vec![
        Merchant::new("demo", "Acme Outdoor")
            .with_phone_number(store)
            .with_escalation_number(PhoneNumber::parse_e164("+18005550100").unwrap()),
    ]);
    Assistant::builder(merchants, Arc::new(DemoOrderStore::demo()))
        .demo_in_memory_records()
        .build()
        .unwrap()
}

async fn six_turn_call(a: Assistant) -> Option<CallOutcome> {
    let to = PhoneNumber::parse_e164("+18885550199").ok();
    let from = PhoneNumber::parse_e164("+13125550777").ok();
    let event = |kind| CallEvent::new(CallId::new("CA-bench"), from.clone(), to.clone(), kind);
    let turns = [
        CallEventKind::Incoming,
        CallEventKind::NoInput,
        CallEventKind::Input(Utterance::speech("my order number is 1005", Some(0.91))),
        CallEventKind::Input(Utterance::digits("98103")),
        CallEventKind::Input(Utterance::speech("can you repeat that", Some(0.88))),
        CallEventKind::Input(Utterance::speech("no thanks, that's all", Some(0.93))),
    ];
    let mut ended = None;
    for kind in turns {
        ended = a.handle(event(kind)).await.ended;
    }
    ended
}

fn call(crit: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(six_turn_call(assistant())),
        Some(CallOutcome::Resolved),
        "the scripted call must end resolved"
    );
    crit.bench_function("assistant: six-turn call, in-memory providers", |b| {
        b.iter_batched(
            assistant,
            |a| black_box(rt.block_on(six_turn_call(a))),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, call);
criterion_main!(benches);
