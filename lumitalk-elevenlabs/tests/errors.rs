//! One test per error-classification row, over the wire.

mod common;

use std::time::Duration;

use common::*;
use lumitalk_core::{AudioFormat, ErrorKind, Speech, SpeechError};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answer(template: ResponseTemplate) -> SpeechError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(template)
        .mount(&server)
        .await;
    let speech = speech(&server.uri());
    let req = request("Hello.", AudioFormat::Ulaw8000);
    let full = speech.synthesize(&req).await.unwrap_err();
    // The streaming endpoint reports errors before the first byte the same way.
    let streamed = speech.synthesize_stream(&req).await.unwrap_err();
    assert_eq!(full, streamed);
    assert!(!full.to_string().contains(KEY));
    full
}

fn detail(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"detail": {"status": code, "message": message}}))
}

#[tokio::test]
async fn quota_exceeded_401_is_permanent() {
    let e = answer(detail(
        401,
        "quota_exceeded",
        "This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required for this request.",
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("quota_exceeded"));
}

#[tokio::test]
async fn invalid_api_key_401_is_unauthorized() {
    let e = answer(detail(401, "invalid_api_key", "Invalid API key")).await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.provider(), "elevenlabs");
}

#[tokio::test]
async fn tier_gate_403_is_unauthorized() {
    let e = answer(detail(
        403,
        "only_for_creator+",
        "Upgrade to use this format",
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn validation_422_carries_every_detail_message() {
    let e = answer(ResponseTemplate::new(422).set_body_json(json!({"detail": [
        {"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"},
        {"loc": ["query", "output_format"], "msg": "unexpected value", "type": "value_error"}
    ]})))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let msg = e.to_string();
    assert!(msg.contains("body.text: field required"), "{msg}");
    assert!(
        msg.contains("query.output_format: unexpected value"),
        "{msg}"
    );
}

#[tokio::test]
async fn validation_422_with_status_detail() {
    let e = answer(detail(
        422,
        "invalid_voice_settings",
        "speed must be within 0.7-1.2",
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.to_string().contains("speed must be within 0.7-1.2"));
}

#[tokio::test]
async fn character_limit_400_is_invalid_request() {
    let e = answer(detail(
        400,
        "max_character_limit_exceeded",
        "Text is too long",
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn voice_not_found_is_invalid_request() {
    let e = answer(detail(
        404,
        "voice_not_found",
        "A voice with that id was not found",
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn too_many_concurrent_requests_429_honours_retry_after() {
    let e = answer(
        detail(
            429,
            "too_many_concurrent_requests",
            "Too many concurrent requests. Your current subscription is associated with a maximum of 5 concurrent requests (running in parallel).",
        )
        .insert_header("retry-after", "2"),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
}

#[tokio::test]
async fn too_many_concurrent_requests_429_without_header_waits_briefly() {
    let e = answer(detail(429, "too_many_concurrent_requests", "Too many")).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_millis(500)));
}

#[tokio::test]
async fn system_busy_429_is_retryable() {
    let e = answer(detail(429, "system_busy", "We are experiencing heavy load")).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
}

#[tokio::test]
async fn server_error_500_is_unavailable() {
    let e = answer(ResponseTemplate::new(500).set_body_string("Internal Server Error")).await;
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn bad_gateway_502_is_unavailable() {
    let e = answer(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>")).await;
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn redirects_are_not_followed_with_the_key() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"x".as_slice()))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let e = answer(
        ResponseTemplate::new(307).insert_header("location", format!("{}/steal", elsewhere.uri())),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn no_answer_is_a_timeout() {
    let (listener, url) = raw_server().await;
    tokio::spawn(async move {
        // Accept, read the request, never answer.
        let (mut sock, _) = listener.accept().await.unwrap();
        read_request(&mut sock).await;
        std::future::pending::<()>().await;
    });
    let speech =
        lumitalk_elevenlabs::ElevenLabsSpeech::new(builder(&url).timeout(SHORT).build().unwrap())
            .unwrap();
    let e = speech
        .synthesize(&request("Hello.", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn stalled_stream_ends_with_a_timeout_chunk() {
    let (listener, url) = raw_server().await;
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        read_request(&mut sock).await;
        sock.write_all(CHUNKED_OK).await.unwrap();
        write_chunk(&mut sock, b"partial").await;
        std::future::pending::<()>().await;
    });
    let speech =
        lumitalk_elevenlabs::ElevenLabsSpeech::new(builder(&url).timeout(SHORT).build().unwrap())
            .unwrap();
    let mut stream = speech
        .synthesize_stream(&request("Hello.", AudioFormat::Ulaw8000))
        .await
        .unwrap();
    assert_eq!(&stream.next_chunk().await.unwrap().unwrap()[..], b"partial");
    let e = stream.next_chunk().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(stream.next_chunk().await.is_none());
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let (listener, url) = raw_server().await;
    drop(listener);
    let e = speech(&url)
        .synthesize(&request("Hello.", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
}
