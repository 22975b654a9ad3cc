//! Provider faults: every call still ends well (the caller hears something
//! sensible and can reach a human), and the webhook never fails.

mod common;

use std::time::Duration;

use common::{Say, TestServer, follow_call, follow_call_attested};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn shopify_env(mock: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("SHOPIFY_SHOP", "demo.myshopify.com".into()),
        ("SHOPIFY_ACCESS_TOKEN", "shpat_test_token".into()),
        ("SHOPIFY_API_BASE_URL", mock.uri()),
    ]
}

async fn assert_call_ends_well(server: &TestServer) {
    let trace = follow_call(
        server,
        "+14085550111",
        &[Say::Keys("1001"), Say::Speech("yes"), Say::Speech("yes")],
        "completed",
    )
    .await;
    assert!(
        trace.statuses.iter().all(|s| *s == 200),
        "{:?}",
        trace.statuses
    );
    assert!(
        trace.transferred_to.is_some() || trace.hung_up,
        "the call must end in a transfer or a hangup: {}",
        trace.all_heard()
    );
    assert!(
        trace.heard.iter().all(|t| !t.trim().is_empty()),
        "never silence: {:?}",
        trace.heard
    );
}

#[tokio::test]
async fn shopify_500_still_reaches_a_human() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/admin/api/.*/graphql.json"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error"))
        .mount(&mock)
        .await;
    let server = TestServer::start(&shopify_env(&mock)).await;
    assert_call_ends_well(&server).await;
    let metrics = server.metrics().await;
    assert!(metrics.contains("kind=\"unavailable\""), "{metrics}");
}

#[tokio::test]
async fn shopify_429_and_bad_json_still_end_well() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/admin/api/.*/graphql.json"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("/admin/api/.*/graphql.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&mock)
        .await;
    let server = TestServer::start(&shopify_env(&mock)).await;
    assert_call_ends_well(&server).await;
}

#[tokio::test]
async fn shopify_timeout_is_bounded_by_the_turn_deadline() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/admin/api/.*/graphql.json"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&mock)
        .await;
    let server = TestServer::start(&shopify_env(&mock)).await;
    let started = std::time::Instant::now();
    assert_call_ends_well(&server).await;
    // Not a timing assertion on speed: a hung provider must not hang the call
    // until Twilio's own 15 s webhook timeout.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test]
async fn openai_outage_falls_back_to_the_offline_classifier() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(503).set_body_string(
            r#"{"error":{"message":"The server is overloaded","type":"server_error","code":null}}"#,
        ))
        .mount(&mock)
        .await;
    let server = TestServer::start(&[
        ("OPENAI_API_KEY", "sk-test-key".into()),
        ("OPENAI_BASE_URL", format!("{}/v1", mock.uri())),
    ])
    .await;
    let trace = follow_call_attested(
        &server,
        "+17145550142",
        Some("TN-Validation-Passed-A"),
        &[Say::Speech("where is my order 1001"), Say::Speech("bye")],
        "completed",
    )
    .await;
    let heard = trace.all_heard();
    assert!(
        heard.contains("UPS"),
        "the offline classifier understood: {heard}"
    );
}

#[tokio::test]
async fn elevenlabs_failure_speaks_with_the_carrier_voice() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/v1/text-to-speech/.*"))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            r#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota."}}"#,
        ))
        .mount(&mock)
        .await;
    let server = TestServer::start(&[
        ("ELEVENLABS_API_KEY", "xi-test-key".into()),
        ("ELEVENLABS_VOICE_ID", "voice123".into()),
        ("ELEVENLABS_BASE_URL", mock.uri()),
    ])
    .await;
    let params = common::base_params("CA0000000000000000000000000000e1e1", "+14085550111");
    let (status, twiml) = server.post_signed("/twilio/voice", &params).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Say"), "falls back to <Say>: {twiml}");
}

#[tokio::test]
async fn elevenlabs_audio_is_played_and_served() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/v1/text-to-speech/voice123.*"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "audio/mpeg")
                .set_body_bytes(vec![0xFFu8, 0xF3, 0x44, 0xC4, 0, 1, 2, 3]),
        )
        .mount(&mock)
        .await;
    let server = TestServer::start(&[
        ("ELEVENLABS_API_KEY", "xi-test-key".into()),
        ("ELEVENLABS_VOICE_ID", "voice123".into()),
        ("ELEVENLABS_BASE_URL", mock.uri()),
    ])
    .await;
    let params = common::base_params("CA0000000000000000000000000000e2e2", "+14085550111");
    let (status, twiml) = server.post_signed("/twilio/voice", &params).await;
    assert_eq!(status, 200);
    let url = common::text(&twiml, "Play").unwrap_or_else(|| panic!("no <Play>: {twiml}"));
    let audio = server.client.get(&url).send().await.unwrap();
    assert_eq!(audio.status(), 200);
    assert_eq!(audio.headers()["content-type"], "audio/mpeg");
    assert_eq!(audio.bytes().await.unwrap().len(), 8);
    let missing = server
        .client
        .get(format!("{}/audio/{}", server.base, "0".repeat(32)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
