//! What the driver tells `tracing`: the span each turn runs in, the spans around
//! provider and store calls, and the WARN line of each failure it works around.
//!
//! | span | fields |
//! |------|--------|
//! | `call_turn` | `call_id`, `merchant`, `caller` (masked: `***123`), `event` |
//! | `classify` | `provider`, `fallback` |
//! | `order_lookup` | `provider`, `by` (`number` or `phone`) |
//! | `synthesize` | `provider`, `streaming`, `chars` |
//! | `store` | `provider`, `op` ([`StoreOp`]) |
//!
//! Nothing personal is recorded: the caller's number only as
//! [`PhoneNumber::masked`], never what was said or keyed, order numbers, names,
//! tracking numbers or the text spoken. Failures are logged with their provider
//! and [`ErrorKind`](crate::ErrorKind) only: their messages are built from the
//! providers' answers, which may echo caller data.

use std::fmt;

use tracing::{Span, field};

use crate::conversation::Lookup;
use crate::domain::{MerchantDirectory, Utterance};
use crate::provider::{CallEvent, CallEventKind};
use crate::store::{CallOutcome, ProviderFailure, TurnTimings};

/// The span one turn runs in. Its fields are recorded only when it is enabled
/// (the merchant is looked up again then: a short scan).
pub(super) fn turn_span(event: &CallEvent, merchants: &MerchantDirectory) -> Span {
    let span = tracing::info_span!(
        "call_turn",
        call_id = %event.call_id,
        merchant = field::Empty,
        caller = field::Empty,
        event = field::Empty,
    );
    if !span.is_disabled() {
        if let Some(m) = merchants.for_called_number(event.to.as_ref()) {
            span.record("merchant", field::display(&m.id));
        }
        if let Some(caller) = &event.from {
            span.record("caller", field::display(caller.masked()));
        }
        span.record("event", field::display(event_name(&event.kind)));
    }
    span
}

/// The end of a turn: at DEBUG its timings and how many failures were worked
/// around; at INFO the call's end and outcome.
pub(super) fn turn_done(timings: &TurnTimings, failures: usize, ended: Option<CallOutcome>) {
    tracing::debug!(
        total_ms = timings.total_ms,
        classify_ms = timings.classify_ms,
        lookup_ms = timings.lookup_ms,
        speech_ms = timings.speech_ms,
        failures,
        "turn handled"
    );
    if let Some(outcome) = ended {
        tracing::info!(outcome = %outcome.as_str(), "call ended");
    }
}

/// A short, stable name for the kind of event (what was said is not part of it).
fn event_name(kind: &CallEventKind) -> &'static str {
    match kind {
        CallEventKind::Incoming => "incoming",
        CallEventKind::Input(Utterance::Speech { .. }) => "speech",
        CallEventKind::Input(Utterance::Digits { .. }) => "digits",
        CallEventKind::NoInput => "no_input",
        CallEventKind::Resumed => "resumed",
        CallEventKind::TransferEnded(_) => "transfer_ended",
        CallEventKind::Status(_) => "status",
    }
}

/// Around one classifier call (`fallback` for the fallback classifier).
pub(super) fn classify_span(provider: &str, fallback: bool) -> Span {
    tracing::info_span!("classify", provider = %provider, fallback)
}

/// Around one order lookup, saying only how orders are looked up.
pub(super) fn lookup_span(provider: &str, lookup: &Lookup) -> Span {
    let by = match lookup {
        Lookup::Number { .. } => "number",
        Lookup::Phone { .. } => "phone",
    };
    tracing::info_span!("order_lookup", provider = %provider, by = %by)
}

/// Around one synthesis (`chars`: the text's length, not the text).
pub(super) fn speech_span(provider: &str, streaming: bool, chars: usize) -> Span {
    tracing::info_span!("synthesize", provider = %provider, streaming, chars)
}

/// A store call the driver makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreOp {
    LoadSession,
    SaveSession,
    RemoveSession,
    BeginCall,
    AppendTurn,
    FinishCall,
    GetRecord,
    PutAudio,
    PutAudioStream,
    Lockout,
}

impl StoreOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StoreOp::LoadSession => "load_session",
            StoreOp::SaveSession => "save_session",
            StoreOp::RemoveSession => "remove_session",
            StoreOp::BeginCall => "begin_call",
            StoreOp::AppendTurn => "append_turn",
            StoreOp::FinishCall => "finish_call",
            StoreOp::GetRecord => "get_record",
            StoreOp::PutAudio => "put_audio",
            StoreOp::PutAudioStream => "put_audio_stream",
            StoreOp::Lockout => "lockout",
        }
    }

    /// What happens when it fails (for the WARN line).
    fn instead(self) -> &'static str {
        match self {
            StoreOp::LoadSession => "going on without the saved conversation",
            StoreOp::SaveSession => "the next turn starts over",
            StoreOp::RemoveSession => "the session expires on its own",
            StoreOp::BeginCall => "the call record is not started",
            StoreOp::AppendTurn => "the turn is not recorded",
            StoreOp::FinishCall => "the call record stays open",
            StoreOp::GetRecord => "the call's end may go unrecorded",
            StoreOp::PutAudio | StoreOp::PutAudioStream => "the carrier's voice says the prompt",
            StoreOp::Lockout => "verification is locked for this turn (fail closed)",
        }
    }
}

/// Around one store call.
pub(super) fn store_span(provider: &str, op: StoreOp) -> Span {
    tracing::info_span!("store", provider = %provider, op = %op.as_str())
}

/// Logs a failure the driver worked around, once, at WARN: its provider and kind,
/// what failed and what happens instead (never its message; see the module docs).
pub(super) fn warn_failure(f: &ProviderFailure, what: &str, instead: impl fmt::Display) {
    tracing::warn!(
        provider = %f.provider,
        kind = %f.kind.as_str(),
        "{what} failed; {instead}"
    );
}

/// [`warn_failure`] for a store call.
pub(super) fn warn_store_failure(f: &ProviderFailure, op: StoreOp) {
    warn_failure(f, op.as_str(), op.instead());
}
