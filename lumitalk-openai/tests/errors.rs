//! One test per error-classification row, over the wire.

mod common;

use std::time::Duration;

use common::*;
use lumitalk_core::{ClassifyError, ErrorKind, IntentClassifier, Utterance};
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

async fn classify_against(response: ResponseTemplate) -> ClassifyError {
    let server = MockServer::start().await;
    mount(&server, response).await;
    classifier(&server)
        .classify(
            &Utterance::speech("where is my order", Some(0.9)),
            &context(),
        )
        .await
        .unwrap_err()
}

fn status(code: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(code)
        .insert_header("x-request-id", "req_err")
        .set_body_json(body)
}

#[tokio::test]
async fn http_401_is_unauthorized_and_does_not_leak_the_key() {
    let e = classify_against(status(
        401,
        error_body(
            "Incorrect API key provided: sk-test-***4f9a1c. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            None,
            Some("invalid_api_key"),
        ),
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(!e.is_retryable());
    assert!(!e.to_string().contains("4f9a1c"), "{e}");
}

#[tokio::test]
async fn http_403_is_unauthorized() {
    let e = classify_against(status(
        403,
        error_body(
            "Country, region, or territory not supported",
            "request_forbidden",
            None,
            Some("unsupported_country_region_territory"),
        ),
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn http_404_unknown_model_is_permanent_and_named() {
    let e = classify_against(status(
        404,
        error_body(
            "The model `gpt-4.1-nano` does not exist or you do not have access to it.",
            "invalid_request_error",
            None,
            Some("model_not_found"),
        ),
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("model `gpt-4.1-nano`"), "{e}");
}

#[tokio::test]
async fn http_400_names_the_offending_parameter() {
    let e = classify_against(status(
        400,
        error_body(
            "Invalid schema for response_format 'lumitalk_classification': In context=(), 'required' is required to be supplied.",
            "invalid_request_error",
            Some("response_format"),
            Some("invalid_json_schema"),
        ),
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.to_string().contains("parameter `response_format`"), "{e}");
}

#[tokio::test]
async fn http_400_with_an_integer_code_from_llama_cpp() {
    let e = classify_against(status(
        400,
        json!({"error": {"code": 400, "message": "Unsupported param: reasoning_effort", "type": "invalid_request_error"}}),
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.to_string().contains("reasoning_effort"), "{e}");
}

#[tokio::test]
async fn http_429_rate_limit_is_retryable_with_the_hinted_delay() {
    let e = classify_against(
        status(
            429,
            error_body(
                "Rate limit reached for gpt-4.1-nano in organization org-x on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.",
                "requests",
                None,
                Some("rate_limit_exceeded"),
            ),
        )
        .insert_header("retry-after-ms", "340")
        .insert_header("retry-after", "1")
        .insert_header("x-ratelimit-remaining-requests", "0"),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_millis(340)));
}

#[tokio::test]
async fn http_429_rate_limit_falls_back_to_retry_after_seconds() {
    let e = classify_against(
        status(
            429,
            error_body(
                "Rate limit reached",
                "tokens",
                None,
                Some("rate_limit_exceeded"),
            ),
        )
        .insert_header("retry-after", "2"),
    )
    .await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
}

#[tokio::test]
async fn http_429_insufficient_quota_is_permanent() {
    let e = classify_against(status(
        429,
        error_body(
            "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "insufficient_quota",
            None,
            Some("insufficient_quota"),
        ),
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(!e.is_retryable());
    assert_eq!(e.retry_after(), None);
}

#[tokio::test]
async fn http_5xx_is_unavailable() {
    for code in [500, 502, 503] {
        let e = classify_against(status(
            code,
            error_body(
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                None,
                None,
            ),
        ))
        .await;
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{code}");
        assert!(e.is_retryable());
    }
}

#[tokio::test(start_paused = true)]
async fn slow_answer_is_a_timeout() {
    // Paused time: the client's 3 s deadline passes without real waiting.
    let e = classify_against(ok(output("yes")).set_delay(Duration::from_secs(60))).await;
    assert_eq!(
        e,
        ClassifyError::Timeout {
            provider: "openai",
            after: Duration::from_secs(3)
        }
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let c = lumitalk_openai::OpenAiClassifier::new(
        lumitalk_openai::OpenAiConfig::builder()
            .api_key(KEY)
            .base_url(format!("http://127.0.0.1:{port}/v1"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let e = c
        .classify(&Utterance::speech("hi", None), &context())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(e.to_string().contains("could not connect"), "{e}");
}

#[tokio::test]
async fn malformed_json_is_an_invalid_response() {
    let e = classify_against(ResponseTemplate::new(200).set_body_raw(
        "{\"id\": \"chatcmpl-1\", \"choices\": [",
        "application/json",
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn refusal_is_an_invalid_response() {
    let mut body = envelope(Value::Null, "stop");
    body["choices"][0]["message"]["refusal"] = json!("I'm sorry, I can't help with that.");
    let e = classify_against(ResponseTemplate::new(200).set_body_json(body)).await;
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(e.to_string().contains("refused"), "{e}");
}

#[tokio::test]
async fn truncated_output_is_an_invalid_response() {
    let body = envelope(json!("{\"intent\":\"order_status\",\"order_num"), "length");
    let e = classify_against(ResponseTemplate::new(200).set_body_json(body)).await;
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(e.to_string().contains("length"), "{e}");
}

#[tokio::test]
async fn content_not_matching_the_schema_is_an_invalid_response() {
    for content in [
        json!("Sure! The caller wants their order status."),
        json!(
            json!({"intent": "order_status", "confidence": "high", "caller_upset": false})
                .to_string()
        ),
        json!(json!({"intent": "order_status", "confidence": 0.9}).to_string()),
    ] {
        let e =
            classify_against(ResponseTemplate::new(200).set_body_json(envelope(content, "stop")))
                .await;
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
        assert!(!e.to_string().contains("high"), "no value echoed: {e}");
    }
}

#[tokio::test]
async fn unknown_intent_is_an_invalid_response() {
    let e = classify_against(ok(output("read_last_order"))).await;
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(e.to_string().contains("unknown intent"), "{e}");
}
