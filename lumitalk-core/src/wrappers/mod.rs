//! Wrappers that add timeouts, retries, fallbacks, routing and a speech cache to
//! any provider.
//!
//! Each wrapper implements the trait it wraps ([`OrderSource`](crate::OrderSource),
//! [`IntentClassifier`](crate::IntentClassifier), [`Speech`](crate::Speech)), so a
//! wrapped provider is used exactly like a bare one, as an `Arc<dyn Trait>`.
//!
//! # Order
//! Put the timeout **inside** the retry, so that each attempt gets its own deadline
//! and a hung attempt becomes a retryable [`ErrorKind::Timeout`](crate::ErrorKind):
//!
//! ```text
//! Fallback::new(
//!     Retry::new(Timeout::new(primary, 2s), policy),   // bounded attempts and total time
//!     offline_secondary,                                 // when all of that failed
//! )
//! ```
//!
//! A timeout outside the retry would cut the whole retry loop short instead; the
//! retry's own `max_elapsed` already bounds the total.
//!
//! # Time
//! [`Timeout`] and [`Retry`] keep time on an injected [`Clock`](crate::Clock)
//! (`with_clock`; default [`TokioClock`](crate::TokioClock), tokio's timer):
//! give them the assistant's clock so that deadlines, backoffs and the
//! assistant's own turn deadline run on one time line.
//!
//! A [`SpeechCache`] goes **outside** them all (`SpeechCache::new(Retry::new(Timeout::new(..)))`):
//! a hit then never waits on the provider, and one synthesis (with its retries)
//! serves every caller asking for the same prompt. The assistant puts one in front
//! of its speech provider itself.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use lumitalk_core::memory::{DemoOrderStore, KeywordClassifier};
//! use lumitalk_core::wrappers::{Fallback, Retry, RetryPolicy, Timeout};
//! use lumitalk_core::{IntentClassifier, OrderSource, TokioClock};
//!
//! let orders = Retry::new(
//!     Timeout::new(DemoOrderStore::demo(), Duration::from_secs(2)),
//!     RetryPolicy::default(),
//! )
//! .with_clock(Arc::new(TokioClock::new()));
//! let stats = orders.stats();
//! let orders: Arc<dyn OrderSource> = Arc::new(orders);
//!
//! let classifier: Arc<dyn IntentClassifier> = Arc::new(Fallback::new(
//!     Timeout::new(KeywordClassifier::new(), Duration::from_millis(800)),
//!     KeywordClassifier::new(),
//! ));
//! assert_eq!(orders.name(), "demo");
//! assert_eq!(classifier.name(), "keywords");
//! assert_eq!(stats.retries(), 0);
//! ```

mod fallback;
mod retry;
mod rng;
mod routed;
mod scope;
mod speech_cache;
mod timeout;

#[cfg(test)]
mod tests_support;

pub(crate) use fallback::Answer;
pub use fallback::{Fallback, FallbackStats};
pub use retry::{Retry, RetryPolicy, RetryStats};
pub use rng::SplitMix64;
pub use routed::RoutedOrderSource;
pub use scope::{counting_retries, retries_so_far};
pub use speech_cache::{
    DEFAULT_FLIGHT_TIMEOUT, PrewarmLimits, PrewarmReport, Served, SpeechCache, SpeechCacheStats,
};
pub use timeout::Timeout;
