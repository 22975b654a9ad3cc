//! Provider failures as recorded in call records and turn outcomes.

use std::future::Future;

use crate::clock::{Clock, timeout_at};
use crate::domain::Timestamp;
use crate::error::{ErrorKind, ProviderError};
use crate::store::ProviderFailure;

/// A provider error as a record entry.
pub(crate) fn failure<E: ProviderError>(e: &E) -> ProviderFailure {
    ProviderFailure {
        provider: e.provider().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    }
}

/// A provider that did not answer within the turn's deadline.
pub(crate) fn timed_out(provider: &str) -> ProviderFailure {
    ProviderFailure {
        provider: provider.to_string(),
        kind: ErrorKind::Timeout,
        message: format!("{provider}: no answer within the turn deadline"),
    }
}

/// A call to `provider` bounded by `at` on `clock`; its error, or its not
/// answering in time, as a record entry.
pub(crate) async fn within<T, E: ProviderError>(
    clock: &dyn Clock,
    at: Timestamp,
    provider: &str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, ProviderFailure> {
    match timeout_at(clock, at, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(failure(&e)),
        Err(_) => Err(timed_out(provider)),
    }
}
