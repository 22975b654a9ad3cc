//! The HTTP client: an injected one is used, and redirects are never followed.

mod common;

use common::*;
use lumitalk_core::{AudioFormat, ErrorKind, Speech};
use lumitalk_elevenlabs::ElevenLabsSpeech;
use reqwest::header::{HeaderMap, HeaderValue};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn injected_client() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-injected", HeaderValue::from_static("yes"));
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_injected_client_sends_its_headers_and_ours() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/text-to-speech/{VOICE}")))
        .and(header("x-injected", "yes"))
        .and(header("xi-api-key", KEY))
        .and(header("content-type", "application/json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/basic")
                .set_body_bytes(vec![0x7f; 160]),
        )
        .expect(1)
        .mount(&server)
        .await;
    let config = builder(&server.uri())
        .http_client(injected_client())
        .build()
        .unwrap();
    assert!(config.http_client().is_some());
    let audio = ElevenLabsSpeech::new(config)
        .unwrap()
        .synthesize(&request("Hello.", AudioFormat::Ulaw8000))
        .await
        .unwrap();
    assert_eq!(audio.bytes.len(), 160);
}

#[tokio::test]
async fn a_redirect_is_an_invalid_response_and_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/text-to-speech/{VOICE}")))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", server.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0x7f; 160]))
        .expect(0)
        .mount(&server)
        .await;
    let err = speech(&server.uri())
        .synthesize(&request("Hello.", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
}
