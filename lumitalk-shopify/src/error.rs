//! The one place where a Shopify answer becomes data or a core [`OrderSourceError`].
//!
//! Every row is listed in the crate docs' error table (lib.rs); each has a test below.
//!
//! An `ACCESS_DENIED` error fails the whole request even when `data` came back with
//! the denied fields as `null`: treating a hidden customer as "no customer" would make
//! caller verification silently impossible.
//!
//! Messages keep Shopify's wording but never the request, and long digit runs and
//! quoted values are masked, since Shopify may echo a search value (a phone number).

use std::time::Duration;

use lumitalk_core::OrderSourceError;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use crate::wire::{Envelope, GraphqlError, QueryCost};

/// The provider name in errors, logs and metrics.
pub(crate) const PROVIDER: &str = "shopify";

/// The outcome of one HTTP exchange: the GraphQL `data`, or an error; plus the
/// query cost Shopify reported either way.
pub(crate) struct Classified {
    pub(crate) result: Result<Value, OrderSourceError>,
    pub(crate) cost: Option<QueryCost>,
}

/// Classifies an HTTP response from the GraphQL endpoint.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Classified {
    let envelope: Option<Envelope> = serde_json::from_slice(body).ok();
    let cost = envelope
        .as_ref()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|x| x.cost);
    let errors = envelope.as_ref().and_then(|e| e.errors.as_ref());
    let code = status.as_u16();
    let result = match code {
        200..=299 => match envelope {
            None => Err(invalid_response("response body is not GraphQL JSON")),
            Some(envelope) => graphql_result(envelope, cost),
        },
        429 => Err(OrderSourceError::RateLimited {
            provider: PROVIDER,
            retry_after: retry_after_header(headers).or_else(|| cost.and_then(throttle_wait)),
            message: with_detail("HTTP 429 Too Many Requests", errors),
        }),
        401 => Err(unauthorized(with_detail(
            "HTTP 401: invalid API key or access token",
            errors,
        ))),
        402 => Err(unauthorized(with_detail(
            "HTTP 402: shop is frozen (payment required)",
            errors,
        ))),
        403 => Err(unauthorized(access_denied_message(
            "HTTP 403: access denied",
            errors,
        ))),
        404 => Err(invalid_request(with_detail(
            "HTTP 404: shop or API version not found",
            errors,
        ))),
        423 => Err(unauthorized(with_detail(
            "HTTP 423: shop is locked",
            errors,
        ))),
        500..=599 => Err(OrderSourceError::Unavailable {
            provider: PROVIDER,
            message: with_detail(&format!("HTTP {code}"), errors),
        }),
        // Never followed: the access token is a custom header that would go along.
        300..=399 => Err(invalid_response(format!(
            "unexpected redirect (HTTP {code}), not followed; check the shop and base URL"
        ))),
        400..=499 => Err(invalid_request(with_detail(
            &format!("HTTP {code}"),
            errors,
        ))),
        _ => Err(invalid_response(format!("unexpected HTTP status {code}"))),
    };
    Classified { result, cost }
}

/// A 2xx GraphQL body: `errors` win over `data`.
fn graphql_result(envelope: Envelope, cost: Option<QueryCost>) -> Result<Value, OrderSourceError> {
    match envelope.errors {
        None | Some(Value::Null) => {}
        Some(Value::Array(ref list)) if list.is_empty() => {}
        Some(Value::Array(list)) => {
            let parsed: Result<Vec<GraphqlError>, _> =
                list.into_iter().map(serde_json::from_value).collect();
            return Err(match parsed {
                Ok(errors) => graphql_errors(&errors, cost),
                Err(_) => invalid_response("`errors` entries have an unknown shape"),
            });
        }
        Some(Value::String(s)) => return Err(invalid_request(scrub(&s))),
        Some(_) => return Err(invalid_response("`errors` has an unknown shape")),
    }
    match envelope.data {
        None | Some(Value::Null) => Err(invalid_response("response has no `data`")),
        Some(data) => Ok(data),
    }
}

/// Errors from a GraphQL `errors` array, most actionable code first.
fn graphql_errors(errors: &[GraphqlError], cost: Option<QueryCost>) -> OrderSourceError {
    let has = |code: &str| {
        errors.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.code.as_deref())
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        })
    };
    let summary = errors
        .iter()
        .map(
            |e| match e.extensions.as_ref().and_then(|x| x.code.as_deref()) {
                Some(code) => format!("{code}: {}", e.message),
                None => e.message.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join("; ");
    let summary = scrub(&summary);
    if has("THROTTLED") {
        OrderSourceError::RateLimited {
            provider: PROVIDER,
            retry_after: cost.and_then(throttle_wait),
            message: summary,
        }
    } else if has("ACCESS_DENIED") {
        let scopes: Vec<String> = errors
            .iter()
            .flat_map(|e| {
                let required = e
                    .extensions
                    .as_ref()
                    .and_then(|x| x.required_access.as_deref());
                scopes_in(&e.message)
                    .into_iter()
                    .chain(required.map(scopes_in).unwrap_or_default())
            })
            .collect();
        unauthorized(name_scopes(summary, scopes))
    } else if has("INTERNAL_SERVER_ERROR") {
        OrderSourceError::Unavailable {
            provider: PROVIDER,
            message: summary,
        }
    } else {
        invalid_request(summary)
    }
}

/// How long to wait after `THROTTLED`: the points missing divided by the restore
/// rate, at least one second. `None` when Shopify did not say enough to compute it.
pub fn throttle_wait(cost: QueryCost) -> Option<Duration> {
    let t = cost.throttle_status?;
    let requested = cost.requested_query_cost?;
    if !(t.restore_rate.is_finite() && t.restore_rate > 0.0) {
        return None;
    }
    let secs = ((requested - t.currently_available) / t.restore_rate).max(1.0);
    secs.is_finite()
        .then(|| Duration::from_millis((secs * 1000.0).ceil() as u64))
}

/// `Retry-After` as (possibly fractional) seconds.
fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    let secs: f64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_millis((secs * 1000.0).ceil() as u64))
}

/// A 403 message naming the missing access scope(s) when Shopify's body does.
fn access_denied_message(prefix: &str, errors: Option<&Value>) -> String {
    let text = errors.map(error_text).unwrap_or_default();
    let message = with_detail(prefix, errors);
    name_scopes(message, scopes_in(&text))
}

fn name_scopes(message: String, mut scopes: Vec<String>) -> String {
    scopes.dedup();
    if scopes.is_empty() {
        message
    } else {
        format!("missing access scope {}: {message}", scopes.join(", "))
    }
}

/// Access-scope names (`read_orders`, `read_all_orders`, …) mentioned in a message.
fn scopes_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let is_scope = (word.starts_with("read_") || word.starts_with("write_"))
            && word.len() > 6
            && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if is_scope && !out.iter().any(|s| s == word) {
            out.push(word.to_string());
        }
    }
    out
}

/// Shopify's `errors` of any shape, as text.
fn error_text(errors: &Value) -> String {
    match errors {
        Value::String(s) => s.clone(),
        Value::Array(list) => list
            .iter()
            .map(|e| match e.get("message").and_then(Value::as_str) {
                Some(m) => m.to_string(),
                None => error_text(e),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", error_text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn with_detail(prefix: &str, errors: Option<&Value>) -> String {
    match errors.map(error_text).filter(|t| !t.is_empty()) {
        Some(detail) => format!("{prefix}: {}", scrub(&detail)),
        None => prefix.to_string(),
    }
}

/// Masks what might be personal data echoed back by Shopify or serde: runs of five
/// or more digits, double-quoted values (GraphQL argument values, serde's quoted
/// data), and single-quoted values holding a digit, `@` or `+` (a search value like
/// `'phone:+1…'`), while keeping single-quoted schema names (`Field 'foo' doesn't
/// exist on type 'Order'`). The result is capped at about 300 characters.
pub(crate) fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(300));
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() && out.len() < 300 {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= 5 {
                out.push_str("***");
            } else {
                out.extend(&chars[start..i]);
            }
            continue;
        }
        if (c == '"' || c == '\'')
            && let Some(len) = chars[i + 1..].iter().position(|&d| d == c)
            && (c == '"'
                || chars[i + 1..i + 1 + len]
                    .iter()
                    .any(|d| d.is_ascii_digit() || matches!(d, '@' | '+')))
        {
            out.push(c);
            out.push('…');
            out.push(c);
            i += len + 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Maps a transport failure (no HTTP response, or the body could not be read).
pub(crate) fn classify_transport(err: &reqwest::Error, timeout: Duration) -> OrderSourceError {
    if err.is_timeout() {
        OrderSourceError::Timeout {
            provider: PROVIDER,
            after: timeout,
        }
    } else if err.is_connect() {
        OrderSourceError::Unavailable {
            provider: PROVIDER,
            message: "could not connect to Shopify".into(),
        }
    } else if err.is_builder() {
        invalid_request("could not build the HTTP request")
    } else if err.is_body() || err.is_decode() {
        OrderSourceError::Unavailable {
            provider: PROVIDER,
            message: "connection broke while reading the response".into(),
        }
    } else {
        OrderSourceError::Unavailable {
            provider: PROVIDER,
            message: "HTTP request to Shopify failed".into(),
        }
    }
}

pub(crate) fn invalid_response(message: impl Into<String>) -> OrderSourceError {
    OrderSourceError::InvalidResponse {
        provider: PROVIDER,
        message: message.into(),
    }
}

fn invalid_request(message: impl Into<String>) -> OrderSourceError {
    OrderSourceError::InvalidRequest {
        provider: PROVIDER,
        message: message.into(),
    }
}

fn unauthorized(message: impl Into<String>) -> OrderSourceError {
    OrderSourceError::Unauthorized {
        provider: PROVIDER,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::ErrorKind;
    use reqwest::header::HeaderValue;

    const OK_COST: &str = r#""extensions":{"cost":{"requestedQueryCost":38,"actualQueryCost":12,
        "throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1988.0,"restoreRate":100.0}}}"#;

    fn run(status: u16, headers: &[(&'static str, &str)], body: &str) -> Classified {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        classify(StatusCode::from_u16(status).unwrap(), &map, body.as_bytes())
    }

    fn err(status: u16, headers: &[(&'static str, &str)], body: &str) -> OrderSourceError {
        run(status, headers, body).result.unwrap_err()
    }

    #[test]
    fn redirect_is_an_invalid_response() {
        let e = err(302, &[("location", "https://elsewhere.example/")], "");
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(e.to_string().contains("redirect"), "{e}");
    }

    #[test]
    fn success_returns_data_and_cost() {
        let c = run(
            200,
            &[],
            &format!(r#"{{"data":{{"orders":{{"nodes":[]}}}},{OK_COST}}}"#),
        );
        assert_eq!(c.result.unwrap()["orders"]["nodes"], Value::Array(vec![]));
        let cost = c.cost.unwrap();
        assert_eq!(cost.actual_query_cost, Some(12.0));
        assert_eq!(cost.throttle_status.unwrap().currently_available, 1988.0);
    }

    #[test]
    fn throttled_200_waits_for_the_missing_points() {
        let body = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],
            "extensions":{"cost":{"requestedQueryCost":202,"actualQueryCost":null,
            "throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":10.0,"restoreRate":100.0}}}}"#;
        let c = run(200, &[], body);
        let e = c.result.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        // (202 - 10) / 100 = 1.92 s
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1920)));
        assert!(
            c.cost.is_some(),
            "cost is kept for metrics even when throttled"
        );
    }

    #[test]
    fn throttled_wait_is_at_least_one_second() {
        let body = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],
            "extensions":{"cost":{"requestedQueryCost":50,"actualQueryCost":null,
            "throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":45.0,"restoreRate":50.0}}}}"#;
        assert_eq!(
            err(200, &[], body).retry_after(),
            Some(Duration::from_secs(1))
        );
        let no_cost = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]}"#;
        let e = err(200, &[], no_cost);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), None);
    }

    #[test]
    fn http_429_uses_retry_after() {
        let e = err(
            429,
            &[("retry-after", "2.5")],
            r#"{"errors":"Exceeded 2 calls per second"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_millis(2500)));
        let e = err(429, &[], "");
        assert_eq!(e.retry_after(), None);
    }

    #[test]
    fn http_5xx_is_unavailable() {
        for status in [500, 502, 503, 504] {
            let e = err(status, &[], r#"{"errors":"Internal Server Error"}"#);
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{status}");
            assert!(e.is_retryable());
        }
        let e = err(502, &[], "<html>Bad gateway</html>");
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn http_401_is_unauthorized() {
        let e = err(
            401,
            &[],
            r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("Invalid API key"), "{e}");
    }

    #[test]
    fn http_403_names_the_missing_scope() {
        let e = err(
            403,
            &[],
            r#"{"errors":"[API] This action requires merchant approval for read_orders scope."}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert!(
            e.to_string().contains("missing access scope read_orders"),
            "{e}"
        );
        let e = err(403, &[], "");
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn graphql_access_denied_names_the_scope_even_with_data() {
        let body = r#"{"data":{"orders":null},"errors":[{"message":"Access denied for orders field. Required access: `read_orders` access scope.","locations":[{"line":2,"column":3}],"path":["orders"],"extensions":{"code":"ACCESS_DENIED","documentation":"https://shopify.dev/api/usage/access-scopes","requiredAccess":"`read_orders` access scope."}}]}"#;
        let e = err(200, &[], body);
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert!(
            e.to_string().contains("missing access scope read_orders:"),
            "{e}"
        );
    }

    #[test]
    fn other_http_statuses() {
        assert_eq!(err(402, &[], "").kind(), ErrorKind::Unauthorized);
        assert_eq!(err(423, &[], "").kind(), ErrorKind::Unauthorized);
        assert_eq!(
            err(404, &[], r#"{"errors":"Not Found"}"#).kind(),
            ErrorKind::InvalidRequest
        );
        assert_eq!(err(400, &[], "").kind(), ErrorKind::InvalidRequest);
        assert_eq!(err(302, &[], "").kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn other_graphql_errors_are_typed_invalid_request() {
        let body = r#"{"errors":[{"message":"Field 'foo' doesn't exist on type 'Order'","locations":[{"line":2,"column":3}],"path":["query","orders"],"extensions":{"code":"undefinedField","typeName":"Order","fieldName":"foo"}}]}"#;
        let e = err(200, &[], body);
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.to_string().contains("undefinedField: Field"), "{e}");
        let body = r#"{"errors":[{"message":"Query cost is 1500, which exceeds the single query max cost limit (1000).","extensions":{"code":"MAX_COST_EXCEEDED"}}]}"#;
        assert_eq!(err(200, &[], body).kind(), ErrorKind::InvalidRequest);
        let body = r#"{"errors":[{"message":"Internal error. Looks like something went wrong on our end.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#;
        assert_eq!(err(200, &[], body).kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn malformed_json_is_invalid_response() {
        let e = err(200, &[], "{\"data\": {");
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert_eq!(err(200, &[], "").kind(), ErrorKind::InvalidResponse);
        assert_eq!(
            err(200, &[], r#"{"errors":42}"#).kind(),
            ErrorKind::InvalidResponse
        );
    }

    #[test]
    fn missing_data_is_invalid_response() {
        let e = err(200, &[], &format!("{{{OK_COST}}}"));
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(e.to_string().contains("no `data`"));
        assert_eq!(
            err(200, &[], r#"{"data":null}"#).kind(),
            ErrorKind::InvalidResponse
        );
    }

    #[test]
    fn messages_mask_echoed_values() {
        let body = r#"{"errors":[{"message":"Invalid search 'phone:+14155550123' near 4155550123","extensions":{"code":"BAD_REQUEST"}}]}"#;
        let text = err(200, &[], body).to_string();
        assert!(!text.contains("555"), "{text}");
        assert_eq!(scrub("order 1001 of 12"), "order 1001 of 12");
        assert_eq!(
            scrub("Field 'foo' doesn't exist on type 'Order'"),
            "Field 'foo' doesn't exist on type 'Order'"
        );
        assert_eq!(
            scrub(r#"invalid type: string "Jane Doe", expected u32"#),
            r#"invalid type: string "…", expected u32"#
        );
        assert_eq!(scrub("search 'a@b.c' failed"), "search '…' failed");
        assert_eq!(scrub("x".repeat(400).as_str()).len(), 300);
    }
}

/// Hostile input (issue 17, item 11): any status, any `Retry-After` and any
/// body (random bytes, JSON of any shape, GraphQL-shaped envelopes with hostile
/// values, truncated JSON) classify to data or a typed error, never a panic;
/// the error kind follows the status as the crate's error table says, and no
/// message repeats a long digit run or grows without bound.
#[cfg(test)]
mod hostile {
    use lumitalk_core::ErrorKind;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;
    use serde_json::{Map, json};

    use super::*;

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "data", "errors", "extensions", "cost", "throttleStatus", "requestedQueryCost",
                "actualQueryCost", "currentlyAvailable", "restoreRate", "maximumAvailable",
                "message", "code", "requiredAccess", "orders", "nodes",
            ])
            .prop_map(String::from),
            1 => "\\PC{0,8}",
        ]
    }

    /// Text with what `scrub` and the scope finder look for.
    fn message() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[0-9]{1,12}",
            "'[^']{0,8}'",
            "\"[^\"]{0,8}\"",
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("read_orders".to_string()),
            Just("write_customers".to_string()),
            "(read|write)_[a-z_]{0,10}",
            "\\PC{0,6}",
            any::<char>().prop_map(String::from),
        ];
        vec(piece, 0..24).prop_map(|p| p.concat())
    }

    fn number() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            prop::sample::select(vec![
                0.0,
                -0.0,
                1e-300,
                -1.0,
                1e300,
                f64::MAX,
                f64::MIN_POSITIVE
            ])
            .prop_map(|f| json!(f)),
        ]
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            number(),
            message().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(Value::Array),
                vec((key(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    fn graphql_error() -> impl Strategy<Value = Value> {
        let code = prop_oneof![
            prop::sample::select(vec![
                "THROTTLED",
                "throttled",
                "ACCESS_DENIED",
                "INTERNAL_SERVER_ERROR",
                "MAX_COST_EXCEEDED",
                "",
            ])
            .prop_map(Value::from),
            any_json(),
        ];
        (message(), code, prop::option::of(message()), any::<bool>()).prop_map(
            |(message, code, required, extensions)| {
                let mut e = json!({ "message": message });
                if extensions {
                    e["extensions"] = json!({ "code": code, "requiredAccess": required });
                }
                e
            },
        )
    }

    /// A GraphQL response of any shape Shopify (or a proxy) might send.
    fn envelope() -> impl Strategy<Value = Value> {
        let errors = prop_oneof![
            Just(None),
            vec(graphql_error(), 0..4).prop_map(|e| Some(Value::Array(e))),
            message().prop_map(|m| Some(Value::from(m))),
            any_json().prop_map(Some),
        ];
        let throttle = (number(), number(), number()).prop_map(
            |(m, c, r)| json!({ "maximumAvailable": m, "currentlyAvailable": c, "restoreRate": r }),
        );
        let cost = prop::option::of((number(), number(), prop::option::of(throttle)).prop_map(
            |(requested, actual, throttle)| {
                json!({ "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": actual,
                    "throttleStatus": throttle,
                }})
            },
        ));
        (prop::option::of(any_json()), errors, cost).prop_map(|(data, errors, extensions)| {
            let mut m = Map::new();
            if let Some(d) = data {
                m.insert("data".into(), d);
            }
            if let Some(e) = errors {
                m.insert("errors".into(), e);
            }
            if let Some(x) = extensions {
                m.insert("extensions".into(), x);
            }
            Value::Object(m)
        })
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            1 => vec(any::<u8>(), 0..256),
            1 => any_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            3 => envelope().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            1 => (envelope(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
                let mut b = serde_json::to_vec(&v).unwrap();
                b.truncate(cut.index(b.len() + 1));
                b
            }),
        ]
    }

    fn retry_after() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            "[0-9]{1,3}(\\.[0-9]{1,3})?",
            "[0-9]{19,40}",
            "-?[0-9.eE+-]{1,12}",
            prop::sample::select(vec!["inf", "NaN", "1e308", "-0", " 2 ", ""])
                .prop_map(String::from),
            "\\PC{0,12}",
        ])
    }

    /// Longest run of ASCII digits in `s`.
    fn longest_digit_run(s: &str) -> usize {
        s.split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0)
    }

    fn message_of(e: &OrderSourceError) -> &str {
        match e {
            OrderSourceError::RateLimited { message, .. }
            | OrderSourceError::Unavailable { message, .. }
            | OrderSourceError::Unauthorized { message, .. }
            | OrderSourceError::InvalidRequest { message, .. }
            | OrderSourceError::InvalidResponse { message, .. } => message,
            _ => "",
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_answer_classifies_to_data_or_a_typed_error(
            status in prop_oneof![
                3 => prop::sample::select(vec![200u16, 204, 302, 400, 401, 402, 403, 404, 423, 429, 500, 503]),
                1 => 100u16..=999,
            ],
            body in body(),
            retry in retry_after(),
        ) {
            let mut headers = HeaderMap::new();
            if let Some(v) = retry.as_deref().and_then(|r| HeaderValue::from_str(r).ok()) {
                headers.insert(RETRY_AFTER, v);
            }
            let status = StatusCode::from_u16(status).unwrap();
            let classified = classify(status, &headers, &body);
            let envelope: Option<Value> = serde_json::from_slice(&body).ok();
            let code = status.as_u16();
            match &classified.result {
                Ok(data) => {
                    prop_assert!((200..=299).contains(&code));
                    prop_assert!(!data.is_null());
                    // serde reads a struct from an object or, positionally, from an
                    // array (`[data, errors, extensions]`): both are accepted.
                    let envelope = envelope.unwrap();
                    let field = |name: &str, at: usize| match &envelope {
                        Value::Array(items) => items.get(at),
                        other => other.get(name),
                    };
                    prop_assert_eq!(Some(data), field("data", 0));
                    let errors = field("errors", 1);
                    prop_assert!(
                        errors.is_none_or(|e| e.is_null() || e.as_array().is_some_and(Vec::is_empty)),
                        "data returned despite errors"
                    );
                }
                Err(e) => {
                    let want = match code {
                        200..=299 => None,
                        429 => Some(ErrorKind::RateLimited),
                        401 | 402 | 403 | 423 => Some(ErrorKind::Unauthorized),
                        500..=599 => Some(ErrorKind::Unavailable),
                        400..=499 => Some(ErrorKind::InvalidRequest),
                        _ => Some(ErrorKind::InvalidResponse),
                    };
                    if let Some(want) = want {
                        prop_assert_eq!(e.kind(), want);
                    } else if !envelope.as_ref().is_some_and(|v| v.is_object() || v.is_array()) {
                        prop_assert_eq!(e.kind(), ErrorKind::InvalidResponse);
                    }
                    prop_assert_eq!(e.provider(), PROVIDER);
                    let m = message_of(e);
                    prop_assert!(longest_digit_run(m) < 5, "digits leak into {m:?}");
                    // A 429's own header wins over the computed wait.
                    if code == 429
                        && let Some(secs) = retry
                            .as_deref()
                            .and_then(|r| HeaderValue::from_str(r).ok())
                            .and_then(|_| retry.as_deref()?.trim().parse::<f64>().ok())
                            .filter(|s| s.is_finite() && *s >= 0.0)
                    {
                        prop_assert_eq!(
                            e.retry_after(),
                            Some(Duration::from_millis((secs * 1000.0).ceil() as u64))
                        );
                    }
                }
            }
        }

        #[test]
        fn scrub_masks_long_digits_and_quoted_values(
            before in "[^\"'§]{0,80}",
            secret in "[^\"§]{0,10}",
            after in "[^\"'§]{0,80}",
            any_text in any::<String>(),
        ) {
            let out = scrub(&any_text);
            prop_assert!(out.len() <= 304, "{} bytes", out.len());
            prop_assert!(longest_digit_run(&out) < 5);
            // A double-quoted value (serde's way of quoting data) never survives.
            let text = format!("{before}\"§{secret}§\"{after}");
            prop_assert!(!scrub(&text).contains('§'));
        }
    }
}
