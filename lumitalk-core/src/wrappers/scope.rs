//! Counting retries per unit of work, without changing any provider trait.
//!
//! A driver that wants to know how many retries one piece of work cost (the
//! [`Assistant`](crate::assistant::Assistant) counts per turn, for
//! `TurnRecord::retry_attempts`) runs that work inside [`counting_retries`]; every
//! [`Retry`](super::Retry) wrapper polled within it (in the same task, which is
//! where the assistant runs a turn's provider calls) adds its retries to the
//! count, readable with [`retries_so_far`]. Outside a scope, retries are only
//! counted in [`RetryStats`](super::RetryStats). Scopes do not nest: an inner
//! scope hides the outer one while it runs.
//!
//! ```
//! use lumitalk_core::wrappers::{counting_retries, retries_so_far};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let count = counting_retries(async {
//!     // ... provider calls through `Retry` wrappers ...
//!     retries_so_far()
//! })
//! .await;
//! assert_eq!(count, Some(0));
//! assert_eq!(retries_so_far(), None);
//! # });
//! ```

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static RETRIES: Cell<u32>;
}

/// Runs `work`, counting the retries [`Retry`](super::Retry) wrappers make while
/// it runs (read them inside with [`retries_so_far`]).
pub async fn counting_retries<F: Future>(work: F) -> F::Output {
    RETRIES.scope(Cell::new(0), work).await
}

/// Retries counted so far in the current [`counting_retries`] scope; `None`
/// outside one.
pub fn retries_so_far() -> Option<u32> {
    RETRIES.try_with(Cell::get).ok()
}

/// Adds one retry to the current scope's count, if any.
pub(crate) fn note_retry() {
    let _ = RETRIES.try_with(|c| c.set(c.get().saturating_add(1)));
}
