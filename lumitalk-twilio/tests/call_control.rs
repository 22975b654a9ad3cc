//! REST call control against wiremock: the outgoing request (method, path, auth,
//! form body) and one test per error-classification row.
#![cfg(feature = "rest")]

use std::time::Duration;

use base64::Engine as _;
use lumitalk_core::{CallId, ErrorKind, Language, Next, Prompt, Reply, Telephony};
use lumitalk_twilio::{TwilioConfig, TwilioTelephony};
use secrecy::SecretString;
use url::Url;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const CALL: &str = "CA0123456789abcdef0123456789abcdef";
const CALL_PATH: &str = "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Calls/CA0123456789abcdef0123456789abcdef.json";

fn call_json() -> serde_json::Value {
    serde_json::json!({
        "sid": CALL, "account_sid": ACCOUNT, "parent_call_sid": null, "to": "+15005550001",
        "from": "+15005550006", "status": "in-progress", "start_time": "Sun, 29 Nov 2026 05:40:01 +0000",
        "end_time": null, "duration": null, "price": null, "direction": "inbound",
        "api_version": "2010-04-01", "queue_time": "0",
        "uri": format!("{CALL_PATH}"), "subresource_uris": {}
    })
}

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

fn telephony(server: &MockServer) -> TwilioTelephony {
    let config = TwilioConfig::builder()
        .account_sid(ACCOUNT)
        .auth_token(SecretString::from("tok3n"))
        .api_base_url(server.uri())
        .public_url("https://bot.example.com")
        .request_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    TwilioTelephony::new(config).unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[tokio::test]
async fn redirect_posts_url_and_method_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .and(header("Authorization", basic(ACCOUNT, "tok3n").as_str()))
        .and(header("Content-Type", "application/x-www-form-urlencoded"))
        .and(header("Accept", "application/json"))
        .and(body_string(form(&[
            ("Url", "https://bot.example.com/twilio/voice?x=1&y=2"),
            ("Method", "POST"),
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(1)
        .mount(&server)
        .await;
    let url = Url::parse("https://bot.example.com/twilio/voice?x=1&y=2").unwrap();
    telephony(&server)
        .redirect_call(&CallId::new(CALL), &url)
        .await
        .unwrap();
}

#[tokio::test]
async fn hang_up_posts_status_completed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .and(header("Authorization", basic(ACCOUNT, "tok3n").as_str()))
        .and(body_string("Status=completed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(1)
        .mount(&server)
        .await;
    telephony(&server)
        .hang_up(&CallId::new(CALL))
        .await
        .unwrap();
}

fn goodbye(text: &str) -> Reply {
    Reply {
        prompts: vec![Prompt::Say {
            text: text.into(),
            voice: None,
            language: Language::en_us(),
        }],
        next: Next::HangUp,
    }
}

#[tokio::test]
async fn update_call_posts_rendered_twiml() {
    let server = MockServer::start().await;
    let t = telephony(&server);
    let reply = goodbye("Thanks & goodbye");
    let twiml = t.render(&reply).body;
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .and(body_string(form(&[("Twiml", twiml.as_str())])))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(1)
        .mount(&server)
        .await;
    t.update_call(&CallId::new(CALL), &reply).await.unwrap();
}

#[tokio::test]
async fn api_key_credentials_are_used_for_basic_auth() {
    let server = MockServer::start().await;
    let key = "SK0123456789abcdef0123456789abcdef";
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .and(header("Authorization", basic(key, "k3y-secret").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(1)
        .mount(&server)
        .await;
    let config = TwilioConfig::builder()
        .account_sid(ACCOUNT)
        .auth_token(SecretString::from("tok3n"))
        .api_key(key, SecretString::from("k3y-secret"))
        .api_base_url(server.uri())
        .public_url("https://bot.example.com")
        .build()
        .unwrap();
    let t = TwilioTelephony::new(config).unwrap();
    t.hang_up(&CallId::new(CALL)).await.unwrap();
}

#[tokio::test]
async fn twiml_over_4000_chars_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(call_json()))
        .expect(0)
        .mount(&server)
        .await;
    let err = telephony(&server)
        .update_call(&CallId::new(CALL), &goodbye(&"a".repeat(4000)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("4000"), "{err}");
}

#[tokio::test]
async fn no_credentials_is_unauthorized_without_sending() {
    let config = TwilioConfig::builder()
        .public_url("http://localhost:3000")
        .build()
        .unwrap();
    let t = TwilioTelephony::without_signature_checks(config).unwrap();
    let err = t.hang_up(&CallId::new(CALL)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("TWILIO_ACCOUNT_SID"), "{err}");
}

#[tokio::test]
async fn auth_token_without_account_sid_names_the_missing_setting() {
    // Webhook verification works with the token alone; call control says what is missing.
    let server = MockServer::start().await;
    let config = TwilioConfig::builder()
        .auth_token(SecretString::from("tok3n"))
        .api_base_url(server.uri())
        .public_url("https://bot.example.com")
        .build()
        .unwrap();
    let t = TwilioTelephony::new(config).unwrap();
    let err = t.hang_up(&CallId::new(CALL)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    let msg = err.to_string();
    assert!(msg.contains("TWILIO_ACCOUNT_SID"), "{msg}");
    assert!(!msg.contains("TWILIO_AUTH_TOKEN"), "{msg}");
    assert!(!msg.contains("tok3n"), "{msg}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn odd_call_sid_is_refused() {
    let server = MockServer::start().await;
    let err = telephony(&server)
        .hang_up(&CallId::new("../../Accounts"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
}

async fn error_row(
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> lumitalk_core::TelephonyError {
    let server = MockServer::start().await;
    let mut response =
        ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json");
    for (k, v) in headers {
        response = response.insert_header(*k, *v);
    }
    Mock::given(method("POST"))
        .and(path(CALL_PATH))
        .respond_with(response)
        .mount(&server)
        .await;
    telephony(&server)
        .hang_up(&CallId::new(CALL))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn row_21220_call_not_in_progress_is_permanent() {
    let e = error_row(
        400,
        &[],
        r#"{"code": 21220, "message": "Call is not in-progress. Cannot redirect.", "more_info": "https://www.twilio.com/docs/errors/21220", "status": 400}"#,
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("21220"));
}

#[tokio::test]
async fn row_429_rate_limited_with_retry_after() {
    let e = error_row(
        429,
        &[("Retry-After", "7")],
        r#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#,
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn row_5xx_unavailable() {
    let e = error_row(503, &[], "<html>Service Unavailable</html>").await;
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn row_401_unauthorized() {
    let e = error_row(
        401,
        &[],
        r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#,
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(!e.is_retryable());
    assert!(!e.to_string().contains("tok3n"));
}

#[tokio::test]
async fn row_403_unauthorized() {
    let e = error_row(403, &[], "{}").await;
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn row_404_invalid_request() {
    let e = error_row(
        404,
        &[],
        r#"{"code": 20404, "message": "The requested resource was not found", "status": 404}"#,
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn row_malformed_success_json_is_invalid_response() {
    let e = error_row(200, &[], "{not json").await;
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
}

#[tokio::test]
async fn row_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(call_json())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    // The client gives up after its 50 ms request timeout.
    let e = telephony(&server)
        .hang_up(&CallId::new(CALL))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn row_connection_refused_is_unavailable() {
    // A port nobody listens on (wiremock pools its servers, so dropping one does
    // not close its port).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = TwilioConfig::builder()
        .account_sid(ACCOUNT)
        .auth_token(SecretString::from("tok3n"))
        .api_base_url(format!("http://127.0.0.1:{port}"))
        .public_url("https://bot.example.com")
        .build()
        .unwrap();
    let t = TwilioTelephony::new(config).unwrap();
    let e = t.hang_up(&CallId::new(CALL)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}
