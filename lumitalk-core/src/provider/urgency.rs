//! How urgently a lookup is wanted, without changing the [`OrderSource`] trait.
//!
//! The [`Assistant`](crate::assistant::Assistant) runs each order lookup inside
//! [`with_urgency`]: [`Urgency::CallerWaiting`] when the caller waits for the
//! answer (they gave an order number, or confirmed a phone), or
//! [`Urgency::Speculative`] when the lookup only might help (the caller ID's
//! orders looked up at pick-up, an order number guessed from words still being
//! classified). An order source that shares a rate limit between calls (the
//! Shopify adapter's cost limiter) reads it with [`urgency`] to serve waiting
//! callers first and to drop a speculative lookup rather than delay a real one.
//! Outside a scope, every lookup counts as [`Urgency::CallerWaiting`].
//!
//! [`OrderSource`]: super::OrderSource
//!
//! ```
//! use lumitalk_core::provider::{Urgency, urgency, with_urgency};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! assert_eq!(urgency(), Urgency::CallerWaiting);
//! let inside = with_urgency(Urgency::Speculative, async { urgency() }).await;
//! assert_eq!(inside, Urgency::Speculative);
//! # });
//! ```

use std::future::Future;

/// Whether a caller is waiting for a lookup's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Urgency {
    /// The lookup might help; dropping it costs the caller nothing they asked for.
    Speculative,
    /// The caller waits for this answer.
    #[default]
    CallerWaiting,
}

impl Urgency {
    /// `"speculative"` or `"caller_waiting"`, for logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Speculative => "speculative",
            Urgency::CallerWaiting => "caller_waiting",
        }
    }
}

tokio::task_local! {
    static URGENCY: Urgency;
}

/// Runs `work` with lookups inside it marked `urgency`.
pub async fn with_urgency<F: Future>(urgency: Urgency, work: F) -> F::Output {
    URGENCY.scope(urgency, work).await
}

/// The urgency of the lookup being run: the innermost [`with_urgency`] scope's,
/// or [`Urgency::CallerWaiting`] outside any.
pub fn urgency() -> Urgency {
    URGENCY.try_with(|u| *u).unwrap_or_default()
}
