//! The carrier: hears the caller, speaks, transfers, hangs up.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use url::Url;

pub use crate::domain::TransferOutcome;
use crate::domain::{Attestation, CallId, PhoneNumber, Utterance};
use crate::error::TelephonyError;
use crate::reply::Reply;

/// An HTTP request from the carrier, as the server received it.
#[derive(Clone)]
pub struct InboundRequest {
    /// HTTP method (`POST`, `GET`).
    pub method: String,
    /// The full public URL the carrier requested (scheme, host, path, query),
    /// rebuilt from configuration, not from the `Host` header.
    pub url: Url,
    /// Header names and values; names compare case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Bytes,
}

impl InboundRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for InboundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundRequest")
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A carrier-reported call state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum CallStatus {
    Queued,
    Ringing,
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
}

impl CallStatus {
    /// Whether the call is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CallStatus::Completed
                | CallStatus::Busy
                | CallStatus::NoAnswer
                | CallStatus::Failed
                | CallStatus::Canceled
        )
    }
}

/// What happened on the call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEventKind {
    /// A new call arrived.
    Incoming,
    /// The caller answered a listen.
    Input(Utterance),
    /// A listen ended with nothing heard.
    NoInput,
    /// The carrier came back after a [`Next::Continue`](crate::reply::Next::Continue)
    /// reply, with no caller input.
    Resumed,
    /// A transfer ended.
    TransferEnded(TransferOutcome),
    /// A status callback (e.g. the caller hung up).
    Status(CallStatus),
}

/// A carrier-neutral event for one call. Build it with [`CallEvent::new`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallEvent {
    /// The call.
    pub call_id: CallId,
    /// The caller, when the carrier gave a usable number (not `anonymous`, SIP, ...).
    pub from: Option<PhoneNumber>,
    /// The number called, when it is a phone number.
    pub to: Option<PhoneNumber>,
    /// What happened.
    pub kind: CallEventKind,
    /// How far the network vouches for `from` (SHAKEN/STIR); carriers that
    /// report nothing leave it [`Attestation::Unverified`].
    pub attestation: Attestation,
    /// The reply number ([`TurnOutcome::turn`](crate::TurnOutcome::turn)) this event answers, when
    /// the carrier echoes it (Twilio: in the signed callback URL). A turn the
    /// call already answered is a duplicate delivery: it gets the same reply
    /// again and changes nothing.
    pub answers_turn: Option<u32>,
}

impl CallEvent {
    /// An event with an unverified caller ID that answers no numbered reply.
    pub fn new(
        call_id: CallId,
        from: Option<PhoneNumber>,
        to: Option<PhoneNumber>,
        kind: CallEventKind,
    ) -> Self {
        CallEvent {
            call_id,
            from,
            to,
            kind,
            attestation: Attestation::Unverified,
            answers_turn: None,
        }
    }

    /// The caller ID's attestation.
    pub fn with_attestation(mut self, attestation: Attestation) -> Self {
        self.attestation = attestation;
        self
    }

    /// The reply turn this event answers.
    pub fn answering(mut self, turn: u32) -> Self {
        self.answers_turn = Some(turn);
        self
    }
}

/// Why an inbound webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signature header: answer 403.
    #[error("missing signature header")]
    MissingSignature,
    /// The signature does not match: answer 403.
    #[error("invalid signature")]
    InvalidSignature,
    /// A required parameter is missing: answer 400.
    #[error("missing required parameter `{0}`")]
    MissingParameter(&'static str),
    /// The body could not be read as the carrier's format: answer 400.
    #[error("malformed webhook: {0}")]
    Malformed(String),
}

impl WebhookError {
    /// Whether this is an authentication failure (answer 403) rather than a bad request (400).
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            WebhookError::MissingSignature | WebhookError::InvalidSignature
        )
    }
}

/// A reply rendered for the carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReply {
    /// HTTP content type, e.g. `text/xml`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

/// A telephony carrier: everything carrier-specific behind one trait, so the
/// assistant and the server stay carrier-neutral.
///
/// # Contract
/// - `parse_webhook` verifies the request's signature before reading it and
///   ignores parameters it does not know.
/// - `render` never fails and escapes all text; audio prompts become URLs under
///   the public base URL the implementation was configured with.
/// - Call control methods act on a live call outside a webhook reply.
///
/// # Errors
/// [`WebhookError`] for inbound requests; [`TelephonyError`] for call control.
#[async_trait]
pub trait Telephony: Send + Sync + std::fmt::Debug + 'static {
    /// Short provider name for logs and metrics (`"twilio"`).
    fn name(&self) -> &'static str;

    /// Verifies and parses an inbound webhook.
    fn parse_webhook(&self, request: &InboundRequest) -> Result<CallEvent, WebhookError>;

    /// Renders a reply in the carrier's format.
    fn render(&self, reply: &Reply) -> RenderedReply;

    /// Renders `reply` as the call's reply number `turn`
    /// ([`TurnOutcome::turn`](crate::TurnOutcome::turn)): the carrier's
    /// callbacks answering it carry the number back as
    /// [`CallEvent::answers_turn`] (Twilio: in the signed callback URL), so a
    /// duplicate delivery is recognized. The default renders without it (no
    /// duplicate is recognized but new-call webhooks).
    fn render_turn(&self, reply: &Reply, turn: u32) -> RenderedReply {
        let _ = turn;
        self.render(reply)
    }

    /// Replaces a live call's instructions with `reply`.
    async fn update_call(&self, call: &CallId, reply: &Reply) -> Result<(), TelephonyError>;

    /// Points a live call at a new instructions URL.
    async fn redirect_call(&self, call: &CallId, url: &Url) -> Result<(), TelephonyError>;

    /// Ends a live call.
    async fn hang_up(&self, call: &CallId) -> Result<(), TelephonyError>;
}

crate::forward::forward_to_inner!(Telephony for [Arc, Box] {
    fn name(&self) -> &'static str;
    fn parse_webhook(&self, request: &InboundRequest) -> Result<CallEvent, WebhookError>;
    fn render(&self, reply: &Reply) -> RenderedReply;
    fn render_turn(&self, reply: &Reply, turn: u32) -> RenderedReply;
    async fn update_call(&self, call: &CallId, reply: &Reply) -> Result<(), TelephonyError>;
    async fn redirect_call(&self, call: &CallId, url: &Url) -> Result<(), TelephonyError>;
    async fn hang_up(&self, call: &CallId) -> Result<(), TelephonyError>;
});
