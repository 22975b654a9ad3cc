//! The provider traits: one per external service.

mod classifier;
mod order_source;
mod speech;
mod telephony;
mod urgency;

pub use classifier::IntentClassifier;
pub use order_source::OrderSource;
pub use speech::{Audio, AudioFormat, AudioStream, Cacheability, Speech, SpeechRequest};
pub use telephony::{
    CallEvent, CallEventKind, CallStatus, InboundRequest, RenderedReply, Telephony,
    TransferOutcome, WebhookError,
};
pub use urgency::{Urgency, urgency, with_urgency};
