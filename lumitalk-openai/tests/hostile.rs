//! Hostile input (issue 17, item 11), end to end: a server answering with any
//! status, any `retry-after` / `retry-after-ms` and any body (random bytes,
//! JSON of any shape, chat completions with hostile content) makes
//! `OpenAiClassifier::classify` return a classification (2xx only) or a typed
//! error whose kind follows the status, never panic.
//!
//! Few cases (each is a real HTTP exchange); the parsing functions themselves get
//! many more in the `hostile` unit tests of `src/error.rs` and
//! `src/classifier.rs`.

mod common;

use common::*;
use lumitalk_core::{ErrorKind, IntentClassifier, Utterance};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,16}", any::<String>(), "[0-9.]{1,40}"]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let content = prop_oneof![
        Just(output("order_status").to_string()),
        text(),
        (text(), any::<f64>()).prop_map(|(n, c)| {
            let mut o = output("provide_order_number");
            o["order_number"] = Value::from(n);
            o["confidence"] = json!(c);
            o.to_string()
        }),
    ];
    let completion = (
        content,
        prop::sample::select(vec!["stop", "length", "content_filter"]),
    )
        .prop_map(|(c, finish)| serde_json::to_vec(&envelope(Value::from(c), finish)).unwrap());
    let error = (text(), text(), text(), text()).prop_map(|(m, k, p, c)| {
        serde_json::to_vec(&json!({"error": {"message": m, "type": k, "param": p, "code": c}}))
            .unwrap()
    });
    prop_oneof![
        3 => completion,
        2 => error,
        1 => vec(any::<u8>(), 0..128),
        1 => text().prop_map(String::into_bytes),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => Just(200u16),
        3 => prop::sample::select(vec![201u16, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 503]),
        1 => 200u16..=599,
    ]
}

fn delay() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[0-9]{1,3}(\\.[0-9]{1,3})?",
        "[0-9]{19,40}",
        Just("1e300".to_string()),
        "[ -~]{0,12}",
    ])
}

#[test]
fn any_answer_gives_a_classification_or_a_typed_error() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(MockServer::start());
    let classifier = classifier(&server);
    let utterance = Utterance::speech("where is my order", Some(0.9));
    let mut runner = TestRunner::new(Config::with_cases(48));
    runner
        .run(
            &(status(), body(), delay(), delay()),
            |(status, body, ms, secs)| {
                let result = rt.block_on(async {
                    server.reset().await;
                    let mut response = ResponseTemplate::new(status)
                        .set_body_raw(body.clone(), "application/json");
                    for (name, value) in [("retry-after-ms", &ms), ("retry-after", &secs)] {
                        if let Some(v) = value {
                            response = response.insert_header(name, v.as_str());
                        }
                    }
                    mount(&server, response).await;
                    classifier.classify(&utterance, &context()).await
                });
                match result {
                    Ok(c) => {
                        prop_assert!((200..300).contains(&status), "{status} classified");
                        prop_assert!((0.0..=1.0).contains(&c.confidence));
                    }
                    Err(e) => {
                        let want = match status {
                            200..=399 => Some(ErrorKind::InvalidResponse),
                            401 | 403 => Some(ErrorKind::Unauthorized),
                            408 | 409 | 500..=599 => Some(ErrorKind::Unavailable),
                            429 => None,
                            _ => Some(ErrorKind::InvalidRequest),
                        };
                        if let Some(want) = want {
                            prop_assert_eq!(e.kind(), want, "{}", e);
                        }
                        prop_assert_eq!(e.provider(), "openai");
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}
