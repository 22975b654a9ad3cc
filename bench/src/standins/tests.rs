//! The stand-ins checked through the real adapters: what they answer must read
//! back as the demo fixtures.

use std::collections::HashMap;
use std::time::Duration;

use lumitalk_core::memory::{KeywordClassifier, demo_orders};
use lumitalk_core::{
    AudioFormat, Cacheability, ClassifyContext, ExpectedEntity, IntentClassifier, Language,
    MerchantId, OrderNumber, OrderSource, PhoneNumber, Speech, SpeechRequest, Utterance,
};
use lumitalk_elevenlabs::{ElevenLabsConfigBuilder, ElevenLabsSpeech};
use lumitalk_openai::{OpenAiClassifier, OpenAiConfigBuilder};
use lumitalk_shopify::{ShopifyConfig, ShopifyOrderSource};

use super::*;

async fn serve() -> String {
    let delays = Delays {
        shopify: Duration::ZERO,
        openai: Duration::ZERO,
        elevenlabs: Duration::ZERO,
        jitter: Duration::ZERO,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router(Standins::new(delays, 1)))
            .await
            .unwrap();
    });
    format!("http://{addr}")
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
    let config = ShopifyConfig::builder()
        .shop("standin")
        .access_token("shpat_standin".to_string())
        .base_url(base)
        .build()
        .unwrap();
    let source = ShopifyOrderSource::new(&config).unwrap();
    let m = MerchantId::new("demo");
    for order in demo_orders() {
        let got = source
            .order_by_number(&m, &order.number)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("order {} not found", order.number));
        assert_eq!(&got, order, "order {}", order.number);
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
