//! What the classifier tells `tracing`: a DEBUG `chat_completion` span per request
//! and, on failure, the HTTP status and kind at DEBUG (the assistant logs the WARN).
//! Never the key, the provider's error message or the caller's words.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use common::*;
use lumitalk_core::{ErrorKind, IntentClassifier, Utterance};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::{MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_revoked_key_is_logged_with_status_and_kind_only() {
    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let body = error_body(
        "Incorrect API key provided: sk-test-***4f9a1c.",
        "invalid_request_error",
        None,
        Some("invalid_api_key"),
    );
    let response = ResponseTemplate::new(401)
        .insert_header("x-request-id", "req_revoked")
        .set_body_json(body);
    mount(&server, response).await;
    let said = Utterance::speech("this is Jane Doe about order 1001", Some(0.9));
    let e = classifier(&server)
        .classify(&said, &context())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);

    let log = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let failed = log
        .lines()
        .find(|l| l.contains("chat completion failed"))
        .unwrap_or_else(|| panic!("no failure in {log}"));
    assert!(
        failed.starts_with("DEBUG chat_completion{provider=openai model="),
        "{failed}"
    );
    for field in ["status=401", "kind=unauthorized", "req_revoked"] {
        assert!(failed.contains(field), "no {field} in {failed}");
    }
    for secret in [KEY, "4f9a1c", "Incorrect API key", "Jane", "1001"] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    assert!(!log.contains(" WARN "), "{log}");
}
