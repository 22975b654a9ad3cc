//! Hostile input (issue 17, item 11): the compliance webhooks under arbitrary
//! bytes, payloads, topics and header bytes.
//!
//! - A body that carries a **valid** HMAC but is anything at all (random bytes,
//!   truncated or mistyped JSON, huge or negative ids, hostile strings) gives a
//!   [`ComplianceRequest`] or a typed, non-authentication [`WebhookError`] —
//!   never a panic. A payload error names its category and position only (never
//!   the body's values); a parsed request carries exactly the body's ids, domain
//!   and order lists.
//! - Arbitrary signature headers (any string, random Base64 of any length) never
//!   verify, and they are refused before the topic or the payload is read.
//! - Arbitrary header bytes through `from_headers` behave like the string API.
//!
//! `tests/webhook.rs` already covers tampering with correctly signed requests;
//! `src/error.rs` and `src/map.rs` hold the hostile tests for GraphQL answers.

use base64::Engine as _;
use lumitalk_core::Region;
use lumitalk_shopify::webhook::{
    ComplianceRequest, HMAC_HEADER, TOPIC_HEADER, WebhookError, sign, verify_hmac,
};
use proptest::collection::vec;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde_json::{Map, Value, json};

fn secret() -> SecretString {
    SecretString::from("app_secret")
}

const TOPICS: [&str; 3] = ["customers/data_request", "customers/redact", "shop/redact"];

fn topic() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(TOPICS.to_vec()).prop_map(String::from),
        1 => prop::sample::select(TOPICS.to_vec()).prop_map(|t| format!(" {t}\t")),
        1 => Just(String::new()),
        1 => Just("   ".to_string()),
        1 => Just("orders/create".to_string()),
        1 => any::<String>(),
        1 => "\\PC{60,100}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        any::<String>(),
        Just(String::new()),
        "\\+?[0-9 ()-]{0,18}",
    ]
}

/// Mostly a real id; now and then a negative, fractional, too large or
/// non-numeric one.
fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        30 => any::<u64>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| json!(f)),
        1 => Just(json!(18446744073709551616.0_f64)),
        1 => text().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
}

/// A value for `key`: usually what Shopify sends, sometimes not.
fn entry(
    key: &'static str,
    plausible: BoxedStrategy<Value>,
) -> BoxedStrategy<Option<(String, Value)>> {
    let wrong = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        text().prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
    ];
    prop_oneof![
        24 => plausible.prop_map(move |v| Some((key.to_string(), v))),
        1 => wrong.prop_map(move |v| Some((key.to_string(), v))),
        1 => Just(None),
    ]
    .boxed()
}

fn object(entries: Vec<BoxedStrategy<Option<(String, Value)>>>) -> BoxedStrategy<Value> {
    entries
        .prop_map(|kv| Value::Object(kv.into_iter().flatten().collect::<Map<_, _>>()))
        .boxed()
}

/// Any of the three payloads, with hostile values and occasional wrong types.
fn payload() -> impl Strategy<Value = Value> {
    let ids = || vec(id(), 0..5).prop_map(Value::from).boxed();
    let customer = object(vec![
        entry("id", id().boxed()),
        entry("email", text().prop_map(Value::from).boxed()),
        entry("phone", text().prop_map(Value::from).boxed()),
    ]);
    object(vec![
        entry("shop_id", id().boxed()),
        entry("shop_domain", text().prop_map(Value::from).boxed()),
        entry("orders_requested", ids()),
        entry("orders_to_redact", ids()),
        entry("customer", customer),
        entry("data_request", object(vec![entry("id", id().boxed())])),
        entry("unknown_field", text().prop_map(Value::from).boxed()),
    ])
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => payload().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => vec(any::<u8>(), 0..256),
        1 => (payload(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let b = serde_json::to_vec(&v).unwrap();
            b[..cut.index(b.len() + 1)].to_vec()
        }),
        1 => payload().prop_map(|v| format!("\u{feff}{v}").into_bytes()),
    ]
}

/// Whether a payload error message is one of the fixed, value-free shapes.
fn is_value_free(message: &str) -> bool {
    let Some((what, position)) = message.split_once(" at line ") else {
        return false;
    };
    let known = [
        "unreadable body",
        "malformed JSON",
        "unexpected field type or missing field",
        "truncated JSON",
    ];
    let Some((line, column)) = position.split_once(" column ") else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    known.contains(&what) && number(line) && number(column)
}

/// Checks a request parsed from `body` against the body itself.
fn check_request(req: &ComplianceRequest, topic: &str, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert_eq!(req.topic(), topic);
    let v: Value = serde_json::from_slice(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(Some(req.shop().id), v["shop_id"].as_u64());
    prop_assert_eq!(Some(req.shop().domain.as_str()), v["shop_domain"].as_str());
    let ids = |key: &str| -> Vec<u64> {
        v[key]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    };
    let customer = match req {
        ComplianceRequest::DataRequest(r) => {
            prop_assert_eq!(&r.orders_requested, &ids("orders_requested"));
            prop_assert_eq!(r.data_request_id, v["data_request"]["id"].as_u64());
            Some(&r.customer)
        }
        ComplianceRequest::CustomerRedact(r) => {
            prop_assert_eq!(&r.orders_to_redact, &ids("orders_to_redact"));
            Some(&r.customer)
        }
        ComplianceRequest::ShopRedact(_) => None,
        other => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
    };
    if let Some(c) = customer {
        prop_assert_eq!(c.id, v["customer"]["id"].as_u64());
        if let Some(email) = &c.email {
            prop_assert!(!email.trim().is_empty());
        }
        prop_assert!(!(c.phone.is_some() && c.phone_unparsed));
        let sent_phone = v["customer"]["phone"]
            .as_str()
            .is_some_and(|p| !p.trim().is_empty());
        prop_assert_eq!(sent_phone, c.phone.is_some() || c.phone_unparsed);
        // Debug never shows the email.
        if let Some(email) = c.email.as_deref().filter(|e| e.len() > 12) {
            let debug = format!("{c:?}");
            prop_assert!(!debug.contains(email), "Debug shows the email");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signed_hostile_bodies_give_a_request_or_a_payload_error(
        topic in topic(),
        body in body(),
        region in prop::sample::select(vec![Region::NANP, Region::UK]),
    ) {
        let hmac = sign(&body, &secret());
        let got = ComplianceRequest::from_webhook(Some(&topic), Some(&hmac), &body, &secret(), region);
        let trimmed = topic.trim();
        match got {
            Ok(req) => {
                prop_assert!(TOPICS.contains(&trimmed));
                check_request(&req, trimmed, &body)?;
            }
            Err(e) => {
                prop_assert!(!e.is_auth_failure(), "a valid HMAC was refused: {e:?}");
                prop_assert_eq!(e.http_status(), 400);
                match e {
                    WebhookError::MissingTopic => prop_assert!(trimmed.is_empty()),
                    WebhookError::UnknownTopic(shown) => {
                        prop_assert!(!trimmed.is_empty() && !TOPICS.contains(&trimmed));
                        prop_assert_eq!(shown, trimmed.chars().take(64).collect::<String>());
                    }
                    WebhookError::InvalidPayload(message) => {
                        prop_assert!(TOPICS.contains(&trimmed));
                        prop_assert!(is_value_free(&message), "{message}");
                    }
                    other => prop_assert!(false, "unexpected {other:?}"),
                }
            }
        }
    }

    #[test]
    fn random_signature_headers_are_refused_before_anything_is_read(
        topic in topic(),
        body in body(),
        header in prop_oneof![
            any::<String>(),
            vec(any::<u8>(), 0..64).prop_map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            "[A-Za-z0-9+/]{43}=",
        ],
    ) {
        // The chance that a random header is the right one is negligible.
        prop_assume!(header.trim() != sign(&body, &secret()));
        let want = if header.trim().is_empty() {
            WebhookError::MissingSignature
        } else {
            WebhookError::InvalidSignature
        };
        prop_assert_eq!(verify_hmac(&body, &header, &secret()), Err(want.clone()));
        let got = ComplianceRequest::from_webhook(Some(&topic), Some(&header), &body, &secret(), Region::NANP);
        prop_assert_eq!(got, Err(want));
        let got = ComplianceRequest::from_webhook(Some(&topic), None, &body, &secret(), Region::NANP);
        prop_assert_eq!(got, Err(WebhookError::MissingSignature));
    }

    #[test]
    fn arbitrary_header_bytes_behave_like_the_string_api(
        topic_bytes in prop_oneof![
            prop::sample::select(TOPICS.to_vec()).prop_map(|t| t.as_bytes().to_vec()),
            vec(any::<u8>(), 0..40),
        ],
        hmac_bytes in prop::option::of(vec(any::<u8>(), 0..60)),
        sign_it in any::<bool>(),
        body in body(),
    ) {
        let mut headers = HeaderMap::new();
        let topic = HeaderValue::from_bytes(&topic_bytes).ok();
        if let Some(t) = &topic {
            headers.insert(TOPIC_HEADER, t.clone());
        }
        let good = sign(&body, &secret());
        let hmac = if sign_it {
            Some(HeaderValue::from_str(&good).unwrap())
        } else {
            hmac_bytes.and_then(|b| HeaderValue::from_bytes(&b).ok())
        };
        if let Some(h) = &hmac {
            headers.insert(HMAC_HEADER, h.clone());
        }
        let got = ComplianceRequest::from_headers(&headers, &body, &secret(), Region::NANP);
        match &hmac {
            None => prop_assert_eq!(got, Err(WebhookError::MissingSignature)),
            Some(h) => match h.to_str() {
                // Not visible ASCII: cannot be Base64, refused as a bad signature.
                Err(_) => prop_assert_eq!(got, Err(WebhookError::InvalidSignature)),
                Ok(h) => {
                    let topic = topic.as_ref().and_then(|t| t.to_str().ok());
                    let want = ComplianceRequest::from_webhook(topic, Some(h), &body, &secret(), Region::NANP);
                    prop_assert_eq!(got, want);
                }
            },
        }
    }
}
