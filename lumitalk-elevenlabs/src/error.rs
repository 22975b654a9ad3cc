//! The one place HTTP failures become [`SpeechError`]s.
//!
//! | status | ElevenLabs `detail.status` | error | retry? |
//! |---|---|---|---|
//! | any | `quota_exceeded` (documented with 401) | `Unauthorized` | no |
//! | 401, 403 | `invalid_api_key`, `only_for_creator+`, ... | `Unauthorized` | no |
//! | 408 | | `Timeout` | yes |
//! | 422 | validation `[{loc, msg, type}]` | `InvalidRequest` with every `loc: msg` | no |
//! | 429 | `too_many_concurrent_requests` | `RateLimited`, `Retry-After` or 500 ms | yes |
//! | 429 | `system_busy`, other | `RateLimited`, `Retry-After` or 2 s | yes |
//! | 3xx | (redirects are not followed: they would carry the key elsewhere) | `InvalidResponse` | no |
//! | other 4xx | `max_character_limit_exceeded`, `voice_not_found`, ... | `InvalidRequest` | no |
//! | 5xx | | `Unavailable` | yes |
//! | no answer in time | | `Timeout` | yes |
//! | connection failed, body cut off | | `Unavailable` | yes |
//!
//! Messages come from the error body's `status` and `message` (or `loc` and `msg`),
//! never from the request, so they hold neither the key nor the text.

use std::time::Duration;

use lumitalk_core::SpeechError;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::wire::{ErrorBody, ErrorDetail};

/// The provider name in every error and in `Speech::name`.
pub(crate) const PROVIDER: &str = "elevenlabs";

/// The wait suggested for `too_many_concurrent_requests` without `Retry-After`: a
/// running request usually finishes within a fraction of a second.
pub(crate) const CONCURRENCY_RETRY_AFTER: Duration = Duration::from_millis(500);
/// The wait suggested for `system_busy` and other 429s without `Retry-After`.
pub(crate) const BUSY_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Classifies a non-success response.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> SpeechError {
    let (code, message) = parse_body(status, body);
    let message = match &code {
        Some(code) if !message.is_empty() => format!("{code}: {message}"),
        Some(code) => code.clone(),
        None if message.is_empty() => format!("HTTP {status}"),
        None => message,
    };
    let provider = PROVIDER;
    if code.as_deref() == Some("quota_exceeded") {
        return SpeechError::Unauthorized { provider, message };
    }
    match status.as_u16() {
        401 | 403 => SpeechError::Unauthorized { provider, message },
        408 => SpeechError::Timeout {
            provider,
            after: Duration::ZERO,
        },
        429 => {
            let default = match code.as_deref() {
                Some("too_many_concurrent_requests") => CONCURRENCY_RETRY_AFTER,
                _ => BUSY_RETRY_AFTER,
            };
            SpeechError::RateLimited {
                provider,
                retry_after: Some(retry_after(headers).unwrap_or(default)),
                message,
            }
        }
        300..=399 => SpeechError::InvalidResponse {
            provider,
            message: format!("unexpected redirect ({message}); check ELEVENLABS_BASE_URL"),
        },
        400..=499 => SpeechError::InvalidRequest { provider, message },
        _ => SpeechError::Unavailable { provider, message },
    }
}

/// Classifies a failure to get (the rest of) an answer.
pub(crate) fn transport(err: &reqwest::Error, timeout: Duration) -> SpeechError {
    if err.is_timeout() {
        return timed_out(timeout);
    }
    let what = if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "response body cut off"
    } else {
        "request failed"
    };
    // The URL holds the voice id and format only; still, keep messages short and stable.
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let message = if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    };
    SpeechError::Unavailable {
        provider: PROVIDER,
        message,
    }
}

/// No answer (or no next chunk) within `after`.
pub(crate) fn timed_out(after: Duration) -> SpeechError {
    SpeechError::Timeout {
        provider: PROVIDER,
        after,
    }
}

/// `(detail.status, message)` from an error body; an empty message when the body is
/// not one of ElevenLabs' shapes (raw bodies, e.g. a proxy's HTML, are not echoed).
fn parse_body(status: StatusCode, body: &[u8]) -> (Option<String>, String) {
    let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) else {
        return (None, String::new());
    };
    match parsed.detail {
        ErrorDetail::Validation(items) => {
            let msgs: Vec<String> = items
                .iter()
                .map(|item| {
                    let loc: Vec<String> = item
                        .loc
                        .iter()
                        .map(|l| match l {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    if loc.is_empty() {
                        item.msg.clone()
                    } else {
                        format!("{}: {}", loc.join("."), item.msg)
                    }
                })
                .collect();
            let code =
                (status == StatusCode::UNPROCESSABLE_ENTITY).then(|| "validation_error".to_owned());
            (code, msgs.join("; "))
        }
        ErrorDetail::Status(d) => (d.status, d.message.unwrap_or_default()),
        ErrorDetail::Text(t) => (None, t),
    }
}

/// `Retry-After` in (possibly fractional) seconds; HTTP dates are ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = raw.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use lumitalk_core::ErrorKind;
    use reqwest::header::HeaderValue;

    use super::*;

    fn run(status: u16, headers: &[(&str, &str)], body: &str) -> SpeechError {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        classify(StatusCode::from_u16(status).unwrap(), &map, body.as_bytes())
    }

    #[test]
    fn quota_exceeded_401_is_permanent() {
        let e = run(
            401,
            &[],
            r#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota of 10000."}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "elevenlabs: unauthorized: quota_exceeded: This request exceeds your quota of 10000."
        );
    }

    #[test]
    fn quota_exceeded_is_permanent_whatever_the_status() {
        let e = run(
            429,
            &[],
            r#"{"detail":{"status":"quota_exceeded","message":"no credits"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn invalid_key_401_and_403_are_unauthorized() {
        let e = run(
            401,
            &[],
            r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        let e = run(
            403,
            &[],
            r#"{"detail":{"status":"only_for_creator+","message":"upgrade"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn validation_422_lists_every_detail_but_not_the_input() {
        let e = run(
            422,
            &[],
            r#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"},
                          {"loc":["body","voice_settings","speed"],"msg":"too fast","type":"x","input":"SECRET TEXT"}]}"#,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        let msg = e.to_string();
        assert!(msg.contains("body.text: field required"), "{msg}");
        assert!(msg.contains("body.voice_settings.speed: too fast"), "{msg}");
        assert!(!msg.contains("SECRET"));
    }

    #[test]
    fn validation_422_status_shape() {
        let e = run(
            422,
            &[],
            r#"{"detail":{"status":"invalid_uid","message":"bad voice id"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.to_string().ends_with("invalid_uid: bad voice id"));
    }

    #[test]
    fn character_limit_400_is_invalid_request() {
        let e = run(
            400,
            &[],
            r#"{"detail":{"status":"max_character_limit_exceeded","message":"too long"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(!e.is_retryable());
    }

    #[test]
    fn concurrency_429_retries_after_header_or_short_default() {
        let body = r#"{"detail":{"status":"too_many_concurrent_requests","message":"Too many concurrent requests."}}"#;
        let e = run(429, &[("retry-after", "3")], body);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = run(429, &[], body);
        assert_eq!(e.retry_after(), Some(CONCURRENCY_RETRY_AFTER));
    }

    #[test]
    fn system_busy_429_backs_off_longer() {
        let e = run(
            429,
            &[],
            r#"{"detail":{"status":"system_busy","message":"busy"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(BUSY_RETRY_AFTER));
        let e = run(429, &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")], "");
        assert_eq!(e.retry_after(), Some(BUSY_RETRY_AFTER));
    }

    #[test]
    fn server_errors_are_unavailable_without_echoing_the_body() {
        for status in [500, 502, 503, 504] {
            let e = run(status, &[], "<html>upstream text</html>");
            assert_eq!(e.kind(), ErrorKind::Unavailable);
            assert!(e.is_retryable());
            assert!(!e.to_string().contains("upstream"));
        }
    }

    #[test]
    fn request_timeout_408_is_timeout() {
        assert_eq!(run(408, &[], "").kind(), ErrorKind::Timeout);
    }

    #[test]
    fn timeouts_are_timeouts() {
        let e = timed_out(Duration::from_secs(10));
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert!(e.is_retryable());
    }
}
