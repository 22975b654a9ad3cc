//! The HTTP client: an injected one is used, and redirects are never followed.

mod common;

use common::*;
use lumitalk_core::{ErrorKind, Intent, IntentClassifier, Utterance};
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
        .and(path(PATH))
        .and(header("x-injected", "yes"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("openai-project", "proj_1"))
        .respond_with(ok(output("human")))
        .expect(1)
        .mount(&server)
        .await;
    let c = classifier_with(&server, |b| {
        b.http_client(injected_client()).project("proj_1")
    });
    assert!(c.config().http_client().is_some());
    let got = c
        .classify(
            &Utterance::speech("where is my order", Some(0.9)),
            &context(),
        )
        .await
        .unwrap();
    assert_eq!(got.intent, Intent::Human);
}

#[tokio::test]
async fn a_redirect_is_an_invalid_response_and_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", server.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ok(output("human")))
        .expect(0)
        .mount(&server)
        .await;
    let err = classifier(&server)
        .classify(
            &Utterance::speech("where is my order", Some(0.9)),
            &context(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert!(err.to_string().contains("redirect"), "{err}");
}
