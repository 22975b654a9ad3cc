//! Core's fallback wrapper hands a failed OpenAI classification to the offline
//! keyword classifier.

mod common;

use std::time::Duration;

use common::*;
use lumitalk_core::memory::KeywordClassifier;
use lumitalk_core::wrappers::{Fallback, Retry, RetryPolicy, Timeout};
use lumitalk_core::{Intent, IntentClassifier, Utterance};
use wiremock::{MockServer, ResponseTemplate};

// Real time, not paused: a paused clock would auto-advance to the timeout while the
// mock's answer is still in flight. Backoff is 1 ms, so nothing waits noticeably.
#[tokio::test]
async fn openai_outage_falls_back_to_keywords_after_retrying() {
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(503).set_body_json(error_body(
            "The engine is currently overloaded, please try again later",
            "server_error",
            None,
            None,
        )),
    )
    .await;
    let policy = RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let classifier = Fallback::new(
        Retry::new(
            Timeout::new(classifier(&server), Duration::from_secs(2)),
            policy,
        ),
        KeywordClassifier::new(),
    );
    let stats = classifier.stats();
    assert_eq!(classifier.name(), "openai");

    let c = classifier
        .classify(&Utterance::speech("one oh oh one", Some(0.9)), &context())
        .await
        .unwrap();
    assert_eq!(c.classifier, "keywords");
    assert_eq!(c.intent, Intent::ProvideOrderNumber);
    assert_eq!(c.entities.order_number.unwrap().digits(), "1001");
    assert_eq!(stats.fallbacks(), 1);
    // 503 is retryable: both attempts reached OpenAI before the fallback.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn permanent_failure_falls_back_without_retrying() {
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(429).set_body_json(error_body(
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            None,
            Some("insufficient_quota"),
        )),
    )
    .await;
    let classifier = Fallback::new(
        Retry::new(classifier(&server), RetryPolicy::default()),
        KeywordClassifier::new(),
    );
    let c = classifier
        .classify(
            &Utterance::speech("I want to talk to an agent", None),
            &context(),
        )
        .await
        .unwrap();
    assert_eq!(c.classifier, "keywords");
    assert_eq!(c.intent, Intent::Human);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn healthy_openai_answers_itself() {
    let server = MockServer::start().await;
    mount(&server, ok(output("human"))).await;
    let classifier = Fallback::new(classifier(&server), KeywordClassifier::new());
    let c = classifier
        .classify(&Utterance::speech("a real person please", None), &context())
        .await
        .unwrap();
    assert_eq!(c.classifier, "openai");
    assert_eq!(classifier.stats().fallbacks(), 0);
}
