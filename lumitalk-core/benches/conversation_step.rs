//! One step of the pure conversation state machine, at three typical moments,
//! and the size of the serialized session at each phase of a call.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lumitalk_core::conversation::{Context, Conversation, Input, Lookup};
use lumitalk_core::memory::demo_orders;
use lumitalk_core::{Merchant, OrderNumber, PhoneNumber, Timestamp};

fn merchant() -> Merchant {
    Merchant::new("demo", "Acme Outdoor")
        .with_escalation_number(PhoneNumber::parse_e164("+18005550100").unwrap())
}

fn now() -> Timestamp {
    Timestamp::from_civil(2025, 11, 28, 15, 0, 0)
}

fn lookup_1005() -> Lookup {
    Lookup::Number {
        number: OrderNumber::from_digits("1005").unwrap(),
    }
}

/// A call from a stranger, asked for an order number.
fn asking(ctx: &Context<'_>) -> Conversation {
    let mut c = Conversation::new();
    c.handle(
        now(),
        ctx,
        Input::CallStarted {
            caller: Some(PhoneNumber::parse_e164("+13125550777").unwrap()),
            attestation: lumitalk_core::Attestation::Full,
            resumed: false,
            verification_locked: false,
        },
    );
    // The caller-ID lookup finds nothing.
    c.handle(
        now(),
        ctx,
        Input::OrdersNotFound {
            lookup: Lookup::Phone {
                phone: PhoneNumber::parse_e164("+13125550777").unwrap(),
            },
        },
    );
    c
}

fn steps(crit: &mut Criterion) {
    let m = merchant();
    let ctx = Context::new(&m);
    let order = demo_orders()
        .iter()
        .find(|o| o.number.digits() == "1005")
        .unwrap()
        .clone();

    let ask = asking(&ctx);
    let mut waiting = ask.clone();
    waiting.handle(now(), &ctx, Input::Digits("1005".into()));
    let mut verifying = waiting.clone();
    verifying.handle(
        now(),
        &ctx,
        Input::OrdersFound {
            lookup: lookup_1005(),
            orders: vec![order.clone()],
        },
    );
    let mut answered = verifying.clone();
    answered.handle(now(), &ctx, Input::Digits("98103".into()));

    for (phase, state) in [
        ("asking for the order number", &ask),
        ("verifying", &verifying),
        ("answered (anything else?)", &answered),
    ] {
        println!(
            "serialized session, {phase}: {} bytes",
            state.to_bytes().len()
        );
    }

    let mut g = crit.benchmark_group("conversation_step");
    g.bench_function("keyed order number -> lookup request", |b| {
        b.iter_batched(
            || ask.clone(),
            |mut c| black_box(c.handle(now(), &ctx, Input::Digits("1005".into()))),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("order found -> verification challenge", |b| {
        b.iter_batched(
            || (waiting.clone(), order.clone()),
            |(mut c, o)| {
                black_box(c.handle(
                    now(),
                    &ctx,
                    Input::OrdersFound {
                        lookup: lookup_1005(),
                        orders: vec![o],
                    },
                ))
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("postal code -> spoken answer", |b| {
        b.iter_batched(
            || verifying.clone(),
            |mut c| black_box(c.handle(now(), &ctx, Input::Digits("98103".into()))),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("session encode + decode", |b| {
        b.iter(|| black_box(Conversation::from_bytes(&answered.to_bytes())))
    });
    g.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
