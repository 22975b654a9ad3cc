//! What a call's session holds between webhooks: its conversation, and the
//! last reply with its turn number, so a duplicate delivery of a webhook gets
//! that reply again instead of a second turn.

use serde::{Deserialize, Serialize};

use crate::conversation::Conversation;
use crate::provider::{CallEvent, CallEventKind};
use crate::reply::Reply;

/// A call's saved session.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct SavedCall {
    #[serde(rename = "c")]
    pub(super) conv: Conversation,
    /// The number of the last reply (the call's first reply is 1).
    #[serde(rename = "t", default)]
    pub(super) turn: u32,
    /// The last reply, for duplicates of the webhook that led to it.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub(super) reply: Option<Reply>,
}

/// A [`SavedCall`] to save, borrowed.
#[derive(Serialize)]
pub(super) struct SavedCallRef<'a> {
    #[serde(rename = "c")]
    pub(super) conv: &'a Conversation,
    #[serde(rename = "t")]
    pub(super) turn: u32,
    #[serde(rename = "r", skip_serializing_if = "Option::is_none")]
    pub(super) reply: Option<&'a Reply>,
}

impl SavedCallRef<'_> {
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A session as loaded: what it holds and its version for the next save.
#[derive(Debug)]
pub(super) struct Loaded {
    pub(super) saved: SavedCall,
    pub(super) version: u64,
}

impl SavedCall {
    /// `None` if the bytes do not parse (e.g. saved by an incompatible version).
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<SavedCall> {
        serde_json::from_slice(bytes).ok()
    }

    /// The reply to send again when `event` was delivered before: a new-call
    /// webhook for a call that has a session, or a callback answering a reply
    /// older than the last one (its turn was applied already).
    pub(super) fn replay_for(&self, event: &CallEvent) -> Option<&Reply> {
        let duplicate = match (&event.kind, event.answers_turn) {
            (CallEventKind::Incoming, _) => true,
            (CallEventKind::Status(_), _) => false,
            (_, Some(answered)) => answered < self.turn,
            (_, None) => false,
        };
        duplicate.then_some(self.reply.as_ref()).flatten()
    }
}
