//! The stand-ins checked through the real adapters: what they answer must read
//! back as the demo fixtures.

use std::collections::HashMap;
use std::time::Duration;

use lumitalk_core::conversation::{OrderSummary, Origin};
use lumitalk_core::memory::{KeywordClassifier, demo_orders};
use lumitalk_core::{
    AudioFormat, Cacheability, ClassifyContext, CustomerContact, ExpectedEntity, IntentClassifier,
    Language, LineItem, MerchantId, Order, OrderNumber, OrderSource, PhoneNumber, Speech,
    SpeechRequest, Utterance,
};
use lumitalk_elevenlabs::{ElevenLabsConfigBuilder, ElevenLabsSpeech};
use lumitalk_openai::{OpenAiClassifier, OpenAiConfigBuilder};
use lumitalk_shopify::{
    ORDER_BY_NAME_REQUESTED_COST, ShopifyConfig, ShopifyOrderSource, orders_by_phone_requested_cost,
};
use serde_json::{Value, json};

use super::*;

async fn serve() -> String {
    serve_with(ShopifyBucket::default(), Duration::ZERO).await.0
}

async fn serve_with(bucket: ShopifyBucket, shopify: Duration) -> (String, Arc<Standins>) {
    let delays = Delays {
        shopify,
        openai: Duration::ZERO,
        elevenlabs: Duration::ZERO,
        jitter: Duration::ZERO,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Standins::with_shopify_bucket(delays, 1, bucket);
    let app = router(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), state)
}

fn shopify_source(base: String) -> ShopifyOrderSource {
    let config = ShopifyConfig::builder()
        .shop("standin")
        .access_token("shpat_standin".to_string())
        .base_url(base)
        .build()
        .unwrap();
    ShopifyOrderSource::new(&config).unwrap()
}

/// What the lean queries read of a demo order: first names, no email, no
/// tracking URLs, the item count instead of line items.
fn lean(order: &Order) -> Order {
    let mut o = order.clone();
    o.customer = o.customer.and_then(|c| {
        let name = c
            .name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .map(String::from);
        // The stand-in keeps a customer record only for customers with a phone.
        (name.is_some() || c.phone.is_some()).then_some(CustomerContact {
            name,
            phone: c.phone,
            email: None,
        })
    });
    let items = order.item_count();
    o.line_items = match items {
        0 => Vec::new(),
        quantity => vec![LineItem {
            title: String::new(),
            quantity,
        }],
    };
    for f in &mut o.fulfillments {
        f.tracking_url = None;
    }
    o
}

fn vars(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    move |k| map.get(k).cloned()
}

#[tokio::test]
async fn shopify_answers_read_back_as_the_demo_orders() {
    let base = serve().await;
    let source = shopify_source(base);
    let m = MerchantId::new("demo");
    for order in demo_orders() {
        let got = source
            .order_by_number(&m, &order.number)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("order {} not found", order.number));
        assert_eq!(got, lean(order), "order {}", order.number);
        // What the conversation makes of it is the same as of the full order.
        let caller = order.phone();
        assert!(
            OrderSummary::new(&got, caller, Origin::Number)
                == OrderSummary::new(order, caller, Origin::Number),
            "order {}",
            order.number
        );
    }
    let missing = OrderNumber::from_digits("9999").unwrap();
    assert_eq!(source.order_by_number(&m, &missing).await.unwrap(), None);

    let priya = PhoneNumber::parse_e164("+14155550123").unwrap();
    let got = source.recent_orders_by_phone(&m, &priya, 5).await.unwrap();
    let numbers: Vec<&str> = got.iter().map(|o| o.number.digits()).collect();
    assert_eq!(numbers, ["1016", "1009", "1003"]);
    let stranger = PhoneNumber::parse_e164("+14085550000").unwrap();
    assert!(
        source
            .recent_orders_by_phone(&m, &stranger, 5)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn openai_answers_match_the_keyword_classifier() {
    let base = serve().await;
    let config = OpenAiConfigBuilder::from_lookup(vars(&[
        ("OPENAI_API_KEY", "sk-standin".into()),
        ("OPENAI_BASE_URL", format!("{base}/v1")),
    ]))
    .build()
    .unwrap();
    let classifier = OpenAiClassifier::new(config).unwrap();
    let cases = [
        (
            Utterance::speech("where is my order 1001", Some(0.9)),
            ExpectedEntity::None,
        ),
        (Utterance::digits("1005"), ExpectedEntity::OrderNumber),
        (
            Utterance::speech("9 2 6 1 8", Some(0.9)),
            ExpectedEntity::Verification,
        ),
        (
            Utterance::speech("real person please", Some(0.8)),
            ExpectedEntity::None,
        ),
        (Utterance::speech("yes", None), ExpectedEntity::YesNo),
    ];
    for (utterance, expected) in cases {
        let context = ClassifyContext {
            merchant_name: "Demo \"Store\"".into(),
            language: Language::en_us(),
            last_prompt: "How can I help?".into(),
            expected,
        };
        let got = classifier.classify(&utterance, &context).await.unwrap();
        let want = KeywordClassifier::new().classify_now(&utterance, &context);
        assert_eq!(got.intent, want.intent, "{utterance:?}");
        assert_eq!(got.entities, want.entities, "{utterance:?}");
        assert!(got.usage.is_some());
    }
}

#[tokio::test]
async fn elevenlabs_answers_audio_of_the_requested_format() {
    let base = serve().await;
    let config = ElevenLabsConfigBuilder::from_lookup(vars(&[
        ("ELEVENLABS_API_KEY", "xi-standin".into()),
        ("ELEVENLABS_VOICE_ID", "21m00Tcm4TlvDq8ikWAM".into()),
        ("ELEVENLABS_BASE_URL", base),
    ]))
    .build()
    .unwrap();
    let speech = ElevenLabsSpeech::new(config).unwrap();
    for format in [AudioFormat::Mp3_22050_32, AudioFormat::Ulaw8000] {
        let request = SpeechRequest {
            text: "Thanks for calling. Say or enter your order number.".into(),
            voice: None,
            language: Language::en_us(),
            format,
            cacheability: Cacheability::Shared,
        };
        let audio = speech.synthesize(&request).await.unwrap();
        assert_eq!(audio.format, format);
        assert!(audio.bytes.len() > 1000, "{format:?}");
        if format == AudioFormat::Mp3_22050_32 {
            assert_eq!(&audio.bytes[..2], &[0xFF, 0xF3]);
        }
    }
}

#[test]
fn search_terms_unquote_like_shopify() {
    assert_eq!(
        shopify::parse_term(r#"name:"1001""#),
        Some(("name".into(), "1001".into()))
    );
    assert_eq!(
        shopify::parse_term(r#"phone:"a\"b\\c""#),
        Some(("phone".into(), "a\"b\\c".into()))
    );
    assert_eq!(shopify::parse_term("name:1001"), None);
}

/// Posts one GraphQL request to the stand-in.
async fn post(base: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/admin/api/2026-10/graphql.json"))
        .header("X-Shopify-Access-Token", "shpat_standin")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const BY_NAME: &str = "query OrderByName($q: String!) {
  orders(first: 1, query: $q, sortKey: ORDER_NUMBER) {
    nodes { ...F customer { firstName } }
  }
}
fragment F on Order { name fulfillments(first: 5) { status trackingInfo(first: 1) { number } } }";

#[tokio::test]
async fn shopify_throttles_with_http_200_as_shopify_does() {
    // 30 points, restoring 1 per second: room for one 18-point query.
    let bucket = ShopifyBucket {
        size: 30.0,
        restore_rate: 1.0,
    };
    let (base, state) = serve_with(bucket, Duration::ZERO).await;
    let request = json!({"query": BY_NAME, "variables": {"q": "name:\"1005\""}, "operationName": "OrderByName"});
    let ok = post(&base, request.clone()).await;
    // Only the selected fields come back.
    let node = &ok["data"]["orders"]["nodes"][0];
    assert_eq!(node["name"], "#1005");
    assert!(
        node.get("email").is_none() && node.get("lineItems").is_none(),
        "{node}"
    );
    assert!(
        node["customer"].get("defaultPhoneNumber").is_none(),
        "{node}"
    );
    // Requested: 2 + 1 × (order 1 + customer 1 + 5 × (1 + 1)) = 14; actual: what came back.
    let cost = &ok["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 14);
    let shipments = node["fulfillments"].as_array().unwrap().len() as u64;
    let tracked = node["fulfillments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["trackingInfo"].as_array().unwrap().len() as u64)
        .sum::<u64>();
    let actual = 2 + 1 + 1 + shipments + tracked;
    assert_eq!(cost["actualQueryCost"], actual);
    let available = cost["throttleStatus"]["currentlyAvailable"]
        .as_f64()
        .unwrap();
    assert!((available - (30.0 - actual as f64)).abs() < 0.5, "{cost}");

    // Not enough left for another: THROTTLED, HTTP 200, nothing charged.
    let request = json!({"query": BY_NAME.replace("first: 5", "first: 12"), "variables": {"q": "name:\"1005\""}, "operationName": "OrderByName"});
    let throttled = post(&base, request).await;
    assert!(throttled.get("data").is_none(), "{throttled}");
    assert_eq!(throttled["errors"][0]["message"], "Throttled");
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "THROTTLED");
    assert_eq!(
        throttled["errors"][0]["extensions"]["documentation"],
        "https://shopify.dev/api/usage/rate-limits"
    );
    let cost = &throttled["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 28);
    assert_eq!(cost["actualQueryCost"], Value::Null);
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 30.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 1.0);
    let left = cost["throttleStatus"]["currentlyAvailable"]
        .as_f64()
        .unwrap();
    assert!(left < 28.0 && left >= available, "{cost}");
    assert_eq!(state.shopify_throttled.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn shopify_requested_costs_match_the_adapter_and_its_limiter_copes() {
    // The lean queries cost what lumitalk-shopify says they cost.
    let (base, _) = serve_with(ShopifyBucket::default(), Duration::ZERO).await;
    let source = shopify_source(base);
    let m = MerchantId::new("demo");
    source
        .order_by_number(&m, &OrderNumber::from_digits("1005").unwrap())
        .await
        .unwrap();
    let cost = source.client().last_cost().unwrap();
    assert_eq!(
        cost.requested_query_cost,
        Some(f64::from(ORDER_BY_NAME_REQUESTED_COST))
    );
    let priya = PhoneNumber::parse_e164("+14155550123").unwrap();
    source.recent_orders_by_phone(&m, &priya, 3).await.unwrap();
    let cost = source.client().last_cost().unwrap();
    assert_eq!(
        cost.requested_query_cost,
        Some(f64::from(orders_by_phone_requested_cost(3)))
    );

    // A shop far smaller than the adapter assumes (2,000): the first answers
    // are THROTTLED, re-queued by the adapter, and every lookup succeeds.
    let bucket = ShopifyBucket {
        size: 60.0,
        restore_rate: 400.0,
    };
    let (base, state) = serve_with(bucket, Duration::from_millis(5)).await;
    let source = shopify_source(base);
    let mut lookups = Vec::new();
    for order in demo_orders().iter().take(8) {
        let (source, number) = (source.clone(), order.number.clone());
        lookups.push(tokio::spawn(async move {
            source
                .order_by_number(&MerchantId::new("demo"), &number)
                .await
        }));
    }
    for lookup in lookups {
        assert!(lookup.await.unwrap().unwrap().is_some());
    }
    let throttled = state.shopify_throttled.load(Ordering::Relaxed);
    assert!(throttled >= 1);
    assert_eq!(source.client().limiter_stats().throttled, throttled);
}
