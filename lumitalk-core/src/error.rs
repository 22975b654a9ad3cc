//! Provider errors: one small enum per trait, all answering the same question:
//! can retrying help, and when?

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The kind of a provider failure, shared by every trait's error enum (for metrics
/// labels and call records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The provider did not answer in time. Retryable.
    Timeout,
    /// The provider asked us to slow down. Retryable after the hinted delay.
    RateLimited,
    /// The provider is down or unreachable (5xx, connection errors). Retryable.
    Unavailable,
    /// Bad credentials, missing permission or exhausted quota. Permanent.
    Unauthorized,
    /// The provider rejected the request as malformed. Permanent.
    InvalidRequest,
    /// The provider answered with something we cannot use. Permanent.
    InvalidResponse,
}

impl ErrorKind {
    /// Whether retrying the same request can help.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Timeout | ErrorKind::RateLimited | ErrorKind::Unavailable
        )
    }

    /// Stable snake_case name for metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::InvalidResponse => "invalid_response",
        }
    }
}

/// What the generic wrappers (retry, timeout, fallback) need from an error.
pub trait ProviderError: std::error::Error + Send + Sync + 'static {
    /// The failure's kind.
    fn kind(&self) -> ErrorKind;
    /// The provider that failed (its `name()`).
    fn provider(&self) -> &'static str;
    /// The delay the provider asked for, if any.
    fn retry_after(&self) -> Option<Duration>;
    /// A timeout error for `provider` after `after`.
    fn timeout(provider: &'static str, after: Duration) -> Self;
    /// Whether retrying can help.
    fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }
}

macro_rules! provider_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Every variant names the provider. `message` never holds a secret; adapters
        /// build it from the provider's error body, not from the request.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub enum $name {
            /// The provider did not answer in time. Retryable.
            #[error("{provider}: timed out after {after:?}")]
            Timeout {
                /// Provider name.
                provider: &'static str,
                /// How long we waited.
                after: Duration,
            },
            /// The provider asked us to slow down. Retryable.
            #[error("{provider}: rate limited: {message}")]
            RateLimited {
                /// Provider name.
                provider: &'static str,
                /// When to try again, if the provider said.
                retry_after: Option<Duration>,
                /// The provider's explanation.
                message: String,
            },
            /// The provider is down or unreachable. Retryable.
            #[error("{provider}: unavailable: {message}")]
            Unavailable {
                /// Provider name.
                provider: &'static str,
                /// What went wrong.
                message: String,
            },
            /// Bad credentials, missing permission or exhausted quota. Permanent.
            #[error("{provider}: unauthorized: {message}")]
            Unauthorized {
                /// Provider name.
                provider: &'static str,
                /// The provider's explanation (e.g. the missing scope).
                message: String,
            },
            /// The provider rejected the request. Permanent.
            #[error("{provider}: invalid request: {message}")]
            InvalidRequest {
                /// Provider name.
                provider: &'static str,
                /// The provider's explanation (e.g. the offending parameter).
                message: String,
            },
            /// The provider's answer was unusable (bad JSON, missing data, schema
            /// mismatch, refusal). Permanent.
            #[error("{provider}: invalid response: {message}")]
            InvalidResponse {
                /// Provider name.
                provider: &'static str,
                /// What was wrong with it.
                message: String,
            },
        }

        impl $name {
            /// The failure's kind.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $name::Timeout { .. } => ErrorKind::Timeout,
                    $name::RateLimited { .. } => ErrorKind::RateLimited,
                    $name::Unavailable { .. } => ErrorKind::Unavailable,
                    $name::Unauthorized { .. } => ErrorKind::Unauthorized,
                    $name::InvalidRequest { .. } => ErrorKind::InvalidRequest,
                    $name::InvalidResponse { .. } => ErrorKind::InvalidResponse,
                }
            }

            /// Whether retrying can help.
            pub fn is_retryable(&self) -> bool {
                self.kind().is_retryable()
            }

            /// The delay the provider asked for, if any.
            pub fn retry_after(&self) -> Option<Duration> {
                match self {
                    $name::RateLimited { retry_after, .. } => *retry_after,
                    _ => None,
                }
            }

            /// The provider that failed.
            pub fn provider(&self) -> &'static str {
                match self {
                    $name::Timeout { provider, .. }
                    | $name::RateLimited { provider, .. }
                    | $name::Unavailable { provider, .. }
                    | $name::Unauthorized { provider, .. }
                    | $name::InvalidRequest { provider, .. }
                    | $name::InvalidResponse { provider, .. } => provider,
                }
            }

            /// An error of `kind` with a message (for adapters' classification
            /// functions); `RateLimited` gets no delay hint.
            pub fn from_kind(kind: ErrorKind, provider: &'static str, message: impl Into<String>) -> Self {
                let message = message.into();
                match kind {
                    ErrorKind::Timeout => $name::Timeout { provider, after: Duration::ZERO },
                    ErrorKind::RateLimited => $name::RateLimited { provider, retry_after: None, message },
                    ErrorKind::Unavailable => $name::Unavailable { provider, message },
                    ErrorKind::Unauthorized => $name::Unauthorized { provider, message },
                    ErrorKind::InvalidRequest => $name::InvalidRequest { provider, message },
                    ErrorKind::InvalidResponse => $name::InvalidResponse { provider, message },
                }
            }
        }

        impl ProviderError for $name {
            fn kind(&self) -> ErrorKind {
                $name::kind(self)
            }
            fn provider(&self) -> &'static str {
                $name::provider(self)
            }
            fn retry_after(&self) -> Option<Duration> {
                $name::retry_after(self)
            }
            fn timeout(provider: &'static str, after: Duration) -> Self {
                $name::Timeout { provider, after }
            }
        }
    };
}

provider_error!(
    /// Why an [`OrderSource`](crate::OrderSource) call failed. "Not found" is not an
    /// error: lookups return `Ok(None)` / an empty list.
    OrderSourceError
);
provider_error!(
    /// Why an [`IntentClassifier`](crate::IntentClassifier) call failed.
    ClassifyError
);
provider_error!(
    /// Why a [`Speech`](crate::Speech) call failed. The assistant then speaks with
    /// the carrier's own voice.
    SpeechError
);
provider_error!(
    /// Why a live call-control request to a [`Telephony`](crate::Telephony) carrier failed.
    TelephonyError
);
provider_error!(
    /// Why a storage call ([`SessionStore`](crate::SessionStore),
    /// [`AudioStore`](crate::AudioStore), [`CallRecordStore`](crate::CallRecordStore)) failed.
    StoreError
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_follows_kind() {
        let e = OrderSourceError::RateLimited {
            provider: "shopify",
            retry_after: Some(Duration::from_secs(2)),
            message: "throttled".into(),
        };
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(e.provider(), "shopify");
        assert_eq!(e.to_string(), "shopify: rate limited: throttled");
        let e = ClassifyError::from_kind(ErrorKind::Unauthorized, "openai", "bad key");
        assert!(!e.is_retryable());
        assert_eq!(e.kind().as_str(), "unauthorized");
    }
}
