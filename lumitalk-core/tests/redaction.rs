//! `Debug` output never carries personal data: orders, call records, the
//! conversation's actions and effects (they end up in logs and panics).

mod common;

use common::*;
use lumitalk_core::conversation::{Action, Context, Conversation, Effect, Input, Speak};
use lumitalk_core::{
    Cacheability, CallId, CallRecord, CallStart, Classification, ClassifyContext, ExpectedEntity,
    Intent, Language, MerchantId, ProviderFailure, TurnInput, TurnRecord, TurnTimings, Utterance,
};

/// Whether `shown` holds any of Jane's or John's personal data from the fixture.
fn personal_in(shown: &str) -> Option<&'static str> {
    [
        "Jane",
        "Doe",
        "jane.doe",
        "John",
        "Roe",
        "4155550123",
        "5550123",
        "2125550188",
        "94105",
        "10001",
        "1Z999AA10123456784",
        "9400111899223100012345",
        "Trail Tent",
    ]
    .into_iter()
    .find(|s| shown.contains(s))
}

#[test]
fn orders_debug_without_names_phones_postal_codes_tracking_or_items() {
    let mut orders = orders();
    orders[0].fulfillments[0].tracking_url =
        Some("https://www.ups.com/track?tracknum=1Z999AA10123456784".into());
    for order in &orders {
        let shown = format!("{order:?} {order:#?} {:?}", order.fulfillments);
        assert_eq!(personal_in(&shown), None, "{shown}");
        // Still useful: the order number and statuses are there.
        assert!(shown.contains(order.number.digits()), "{shown}");
        assert!(shown.contains("financial_status"), "{shown}");
    }
}

fn record() -> CallRecord {
    let mut r = CallRecord::new(CallStart {
        call_id: CallId::new("CA1"),
        merchant: MerchantId::new("acme"),
        caller: Some(phone(JANE_PHONE)),
        called: Some(phone(STORE_PHONE)),
        started_at: t0(),
    });
    r.push_turn(TurnRecord {
        at: t0(),
        input: TurnInput::Speech {
            text: "my zip is 94105".into(),
            confidence: Some(0.9),
        },
        classification: Some(Classification::new(Intent::ProvideVerification, 0.9, "kw")),
        reply_text: "Thanks, Jane. Order 1 0 0 1 is on its way. The UPS tracking number is \
                     1Z999AA10123456784. It ships to 94105."
            .into(),
        audio: vec![],
        timings: TurnTimings::default(),
        retry_attempts: 0,
        errors: vec![ProviderFailure {
            provider: "shopify".into(),
            kind: lumitalk_core::ErrorKind::Unavailable,
            message: "502".into(),
        }],
        tts_characters: 0,
        events: vec![],
    });
    r
}

#[test]
fn call_records_debug_without_reply_text_or_caller() {
    let r = record();
    let shown = format!("{r:?} {r:#?} {:?}", r.turns[0]);
    assert_eq!(personal_in(&shown), None, "{shown}");
    assert!(shown.contains("CA1"), "{shown}");
    assert!(shown.contains("shopify"), "{shown}");
}

#[test]
fn actions_and_effects_debug_without_personal_text() {
    let personal = Speak {
        text: "Thanks, Jane. Order 1 0 0 1 ships to 94105.".into(),
        cacheability: Cacheability::Personal,
    };
    let classify = Effect::Classify {
        utterance: Utterance::speech("my zip is 94105", Some(0.9)),
        context: ClassifyContext {
            merchant_name: "Acme Outdoor".into(),
            language: Language::en_us(),
            last_prompt: "I see an order for Jane Doe ending in 1 0 0 1, shipping to 94105.".into(),
            expected: ExpectedEntity::Verification,
        },
    };
    let shown = format!(
        "{:?} {:?}",
        Action::Speak(personal),
        Action::Effect(classify)
    );
    assert_eq!(personal_in(&shown), None, "{shown}");

    // Whole turns of a real conversation, too.
    let m = merchant();
    let ctx = Context::new(&m);
    let mut c = Conversation::new();
    let mut shown = String::new();
    for input in [
        Input::CallStarted {
            caller: Some(phone(JOHN_PHONE)),
            attestation: lumitalk_core::Attestation::Full,
            resumed: false,
            verification_locked: false,
        },
        Input::OrdersFound {
            lookup: lumitalk_core::conversation::Lookup::Phone {
                phone: phone(JOHN_PHONE),
            },
            orders: orders()[2..3].to_vec(),
        },
    ] {
        shown.push_str(&format!("{:?}", c.handle(t0(), &ctx, input)));
    }
    shown.push_str(&format!("{c:?}"));
    assert_eq!(personal_in(&shown), None, "{shown}");
}
