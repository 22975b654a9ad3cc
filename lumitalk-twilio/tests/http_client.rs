//! REST call control's HTTP client: an injected one is used, and redirects are
//! never followed.
#![cfg(feature = "rest")]

use std::time::Duration;

use lumitalk_core::{CallId, ErrorKind, Telephony};
use lumitalk_twilio::{TwilioConfig, TwilioTelephony};
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use url::Url;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const CALL: &str = "CA0123456789abcdef0123456789abcdef";
const CALL_PATH: &str = "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Calls/CA0123456789abcdef0123456789abcdef.json";

fn telephony(server: &MockServer, client: Option<reqwest::Client>) -> TwilioTelephony {
    let mut builder = TwilioConfig::builder()
        .account_sid(ACCOUNT)
        .auth_token(SecretString::from("tok3n"))
        .api_base_url(server.uri())
        .public_url("https://bot.example.com")
        .request_timeout(Duration::from_secs(2));
    if let Some(client) = client {
        builder = builder.http_client(client);
    }
    TwilioTelephony::new(builder.build().unwrap()).unwrap()
}

fn injected_client() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-injected", HeaderValue::from_static("yes"));
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn call_json() -> serde_json::Value {
    serde_json::json!({
        "sid": CALL, "account_sid": ACCOUNT, "parent_call_sid": null, "to": "+15005550001",
        "from": "+15005550006", "status": "completed", "start_time": "Sun, 29 Nov 2026 05:40:01 +0000",
        "end_time": null, "duration": null, "price": null, "direction": "inbound",
        "api_version": "2010-04-01", "queue_time": "0", "uri": CALL_PATH, "subresource_uris": {}
    })
}

#[tokio::test]
async fn an_injected_client_sends_its_headers_and_ours() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .and(header("x-injected", "yes"))
        .and(header("Content-Type", "application/x-www-form-urlencoded"))
        .and(header("Accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(1)
        .mount(&server)
        .await;
    let t = telephony(&server, Some(injected_client()));
    assert!(t.config().http_client().is_some());
    t.hang_up(&CallId::new(CALL)).await.unwrap();
}

#[tokio::test]
async fn a_redirect_is_an_invalid_response_and_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", server.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(0)
        .mount(&server)
        .await;
    let url = Url::parse("https://bot.example.com/twilio/voice").unwrap();
    let err = telephony(&server, None)
        .redirect_call(&CallId::new(CALL), &url)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
}
