//! How a call and a transfer end, and whether spoken words may be cached: values
//! the conversation decides and the providers and stores carry.
//!
//! They live in the domain so that the conversation, which is pure, names no
//! provider or store module; `provider` and `store` re-export them under their
//! old paths.

use serde::{Deserialize, Serialize};

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallOutcome {
    /// The caller got an answer and the call ended normally.
    Resolved,
    /// The call was transferred to a human.
    Transferred,
    /// The caller hung up or went silent before being helped.
    Abandoned,
    /// The assistant could not help (providers down, no escalation possible).
    Failed,
}

impl CallOutcome {
    /// Stable snake_case name for metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Resolved => "resolved",
            CallOutcome::Transferred => "transferred",
            CallOutcome::Abandoned => "abandoned",
            CallOutcome::Failed => "failed",
        }
    }
}

/// How a transfer to a human ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransferOutcome {
    /// The human answered and the call was bridged.
    Answered,
    /// The line was busy.
    Busy,
    /// Nobody answered in time.
    NoAnswer,
    /// The transfer failed (bad number, carrier error).
    Failed,
    /// The caller hung up while it rang.
    Canceled,
}

/// Whether a text may be cached and shared between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cacheability {
    /// A fixed prompt with no personal data: may be cached and shared.
    Shared,
    /// Holds personal data (order details, names): never cached across calls.
    Personal,
}
