//! Provider failures as recorded in call records and turn outcomes.

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
