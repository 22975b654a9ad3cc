//! How the admin API authenticates: a bearer token strong enough not to be
//! guessed, compared in constant time, with failed attempts throttled.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

/// The shortest admin token accepted.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;
/// The least estimated strength of an admin token, in bits
/// (length × log2 of its distinct characters): 16 random hex digits make 64.
pub const MIN_ADMIN_TOKEN_BITS: f64 = 64.0;
/// Failed attempts allowed within [`FAILURE_WINDOW`] before every admin
/// request is refused for the rest of the window.
pub const MAX_FAILURES: u32 = 10;
/// The window failed attempts are counted in.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Why a token is refused.
pub(crate) fn weakness(token: &str) -> Option<String> {
    if token.chars().count() < MIN_ADMIN_TOKEN_LEN {
        return Some(format!("use at least {MIN_ADMIN_TOKEN_LEN} characters"));
    }
    let bits = estimated_bits(token);
    (bits < MIN_ADMIN_TOKEN_BITS).then(|| {
        format!(
            "too easy to guess (about {bits:.0} bits; use {MIN_ADMIN_TOKEN_BITS:.0}+, e.g. \
             `openssl rand -hex 24`)"
        )
    })
}

/// Length × log2(distinct characters): a generous upper bound of a token's
/// entropy that still refuses `aaaaaaaaaaaaaaaa` and `abababababababab`.
fn estimated_bits(token: &str) -> f64 {
    let mut distinct: Vec<char> = token.chars().collect();
    let len = distinct.len();
    distinct.sort_unstable();
    distinct.dedup();
    len as f64 * (distinct.len().max(1) as f64).log2()
}

/// Compares two byte strings in time independent of where they differ (only
/// of their lengths).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

/// The outcome of checking one request's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    Allowed,
    Refused,
    /// Too many failures lately: refused without checking, for this long.
    Throttled(Duration),
}

/// A bearer token and the recent failures against it.
#[derive(Debug)]
pub(crate) struct TokenGate {
    token: SecretString,
    failures: Mutex<(u32, Option<Instant>)>,
}

impl TokenGate {
    pub(crate) fn new(token: SecretString) -> Self {
        TokenGate {
            token,
            failures: Mutex::new((0, None)),
        }
    }

    /// Checks `given` (the bearer token of a request, or `""`).
    pub(crate) fn check(&self, given: &str) -> Check {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let (count, Some(since)) = *failures {
            let elapsed = now.duration_since(since);
            if elapsed >= FAILURE_WINDOW {
                *failures = (0, None);
            } else if count >= MAX_FAILURES {
                return Check::Throttled(FAILURE_WINDOW - elapsed);
            }
        }
        if constant_time_eq(given.as_bytes(), self.token.expose_secret().as_bytes()) {
            return Check::Allowed;
        }
        let since = failures.1.unwrap_or(now);
        *failures = (failures.0 + 1, Some(since));
        if failures.0 >= MAX_FAILURES {
            tracing::warn!(
                failures = failures.0,
                window_s = FAILURE_WINDOW.as_secs(),
                "admin API: too many failed authentications; refusing admin requests for the rest of the window"
            );
        }
        Check::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn weak_tokens_are_refused() {
        assert!(weakness("short").is_some());
        assert!(weakness("aaaaaaaaaaaaaaaaaaaaaaaa").is_some());
        assert!(weakness("abababababababababababab").is_some());
        assert!(weakness("0123456789abcdef").is_none());
        assert!(weakness("admin-token-0123456789").is_none());
        assert!(weakness("3f9c1e77a0b24d5e8c6f1a2b").is_none());
    }

    #[test]
    fn failures_throttle_every_attempt_for_the_window() {
        let gate = TokenGate::new(SecretString::from("3f9c1e77a0b24d5e8c6f1a2b"));
        assert_eq!(gate.check("3f9c1e77a0b24d5e8c6f1a2b"), Check::Allowed);
        for _ in 0..MAX_FAILURES {
            assert_eq!(gate.check("guess"), Check::Refused);
        }
        // Even the right token waits: the guesses are capped.
        assert!(matches!(
            gate.check("3f9c1e77a0b24d5e8c6f1a2b"),
            Check::Throttled(_)
        ));
    }
}
