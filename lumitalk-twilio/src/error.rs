//! The one place Twilio REST failures become core's [`TelephonyError`].

use std::time::Duration;

use lumitalk_core::TelephonyError;

use crate::wire::TwilioErrorBody;

/// The provider name in errors, logs and metrics.
pub const PROVIDER: &str = "twilio";

/// Twilio error codes this crate treats specially.
pub mod codes {
    /// Authentication failed (401).
    pub const AUTHENTICATE: u32 = 20003;
    /// Resource not found (404).
    pub const NOT_FOUND: u32 = 20404;
    /// Too many requests (429).
    pub const TOO_MANY_REQUESTS: u32 = 20429;
    /// The call is not in progress, so it cannot be redirected or updated (400).
    pub const CALL_NOT_IN_PROGRESS: u32 = 21220;
    /// Inline TwiML longer than 4000 characters.
    pub const TWIML_TOO_LONG: u32 = 32018;
}

/// Classifies a non-success REST answer from its HTTP status, `Retry-After`
/// header value and body (Twilio's error JSON, if it is one).
///
/// | condition | result |
/// |---|---|
/// | 429, or code 20429 | [`TelephonyError::RateLimited`], `Retry-After` seconds honoured |
/// | 401, 403 | [`TelephonyError::Unauthorized`] (permanent) |
/// | 5xx | [`TelephonyError::Unavailable`] (retryable) |
/// | other 4xx, incl. 21220 call not in progress, 20404, 32018 | [`TelephonyError::InvalidRequest`] (permanent) |
/// | anything else (1xx, 3xx) | [`TelephonyError::InvalidResponse`] |
///
/// The message holds the status, Twilio's code and message (long digit runs
/// masked, so a phone number echoed by Twilio does not reach logs), never anything
/// from the request.
pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8]) -> TelephonyError {
    let parsed: Option<TwilioErrorBody> = serde_json::from_slice(body).ok();
    let code = parsed.as_ref().and_then(|b| b.code);
    let message = describe(status, parsed.as_ref());
    if status == 429 || code == Some(codes::TOO_MANY_REQUESTS) {
        return TelephonyError::RateLimited {
            provider: PROVIDER,
            retry_after: retry_after.and_then(parse_retry_after),
            message,
        };
    }
    let kind = match status {
        401 | 403 => lumitalk_core::ErrorKind::Unauthorized,
        500..=599 => lumitalk_core::ErrorKind::Unavailable,
        400..=499 => lumitalk_core::ErrorKind::InvalidRequest,
        _ => lumitalk_core::ErrorKind::InvalidResponse,
    };
    TelephonyError::from_kind(kind, PROVIDER, message)
}

/// A success body that could not be read.
#[cfg(feature = "rest")]
pub(crate) fn invalid_response(why: impl std::fmt::Display) -> TelephonyError {
    TelephonyError::InvalidResponse {
        provider: PROVIDER,
        message: format!("unreadable Call resource: {why}"),
    }
}

/// A failure before any HTTP status arrived.
#[cfg(feature = "rest")]
pub(crate) fn from_transport(err: &reqwest::Error, timeout: Duration) -> TelephonyError {
    if err.is_timeout() {
        TelephonyError::Timeout {
            provider: PROVIDER,
            after: timeout,
        }
    } else if err.is_builder() {
        TelephonyError::InvalidRequest {
            provider: PROVIDER,
            message: "could not build the request".into(),
        }
    } else if err.is_decode() || err.is_body() {
        TelephonyError::InvalidResponse {
            provider: PROVIDER,
            message: "could not read the response body".into(),
        }
    } else {
        TelephonyError::Unavailable {
            provider: PROVIDER,
            message: if err.is_connect() {
                "connection failed".into()
            } else {
                "request failed".into()
            },
        }
    }
}

/// A call-control request in a build without the `rest` feature (no HTTP client):
/// permanent, and it says what to change.
#[cfg(not(feature = "rest"))]
pub(crate) fn rest_disabled(update: &str) -> TelephonyError {
    TelephonyError::InvalidRequest {
        provider: PROVIDER,
        message: format!(
            "call control ({update}) needs lumitalk-twilio's `rest` feature, which this build leaves out"
        ),
    }
}

fn describe(status: u16, body: Option<&TwilioErrorBody>) -> String {
    let mut out = format!("HTTP {status}");
    if let Some(b) = body {
        if let Some(code) = b.code {
            out.push_str(&format!(", code {code}"));
        }
        if let Some(m) = &b.message {
            out.push_str(": ");
            out.push_str(&mask_digit_runs(&m.chars().take(200).collect::<String>()));
        }
        if let Some(info) = &b.more_info {
            out.push_str(&format!(
                " ({})",
                info.chars().take(100).collect::<String>()
            ));
        }
    }
    out
}

/// `Retry-After` as delta-seconds (Twilio does not send HTTP dates here).
fn parse_retry_after(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    raw.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Replaces every run of 7+ digits with `***` and its last three digits.
fn mask_digit_runs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 7 {
            out.push_str("***");
            out.push_str(&run[run.len() - 3..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::ErrorKind;

    fn body(code: u32, status: u16, message: &str) -> Vec<u8> {
        serde_json::json!({
            "code": code, "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn call_not_in_progress_is_permanent() {
        let e = classify(
            400,
            None,
            &body(21220, 400, "Call is not in-progress. Cannot redirect."),
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("code 21220"), "{e}");
    }

    #[test]
    fn rate_limit_honours_retry_after() {
        let e = classify(429, Some("3"), &body(20429, 429, "Too Many Requests"));
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = classify(429, None, b"not json");
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), None);
    }

    #[test]
    fn auth_server_and_other_rows() {
        assert_eq!(
            classify(401, None, &body(20003, 401, "Authenticate")).kind(),
            ErrorKind::Unauthorized
        );
        assert_eq!(classify(403, None, b"").kind(), ErrorKind::Unauthorized);
        assert_eq!(
            classify(500, None, b"<html>").kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(classify(503, None, b"").kind(), ErrorKind::Unavailable);
        assert_eq!(
            classify(404, None, &body(20404, 404, "not found")).kind(),
            ErrorKind::InvalidRequest
        );
        assert_eq!(classify(302, None, b"").kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn digit_runs_are_masked() {
        let e = classify(
            400,
            None,
            &body(21211, 400, "The 'To' number +15005550009 is not valid"),
        );
        let s = e.to_string();
        assert!(!s.contains("15005550009"), "{s}");
        assert!(s.contains("+***009"), "{s}");
        assert!(s.contains("code 21211"), "{s}");
    }
}
