//! The driver: turns one telephony event into one reply.
//!
//! [`Assistant::handle`] takes a carrier-neutral [`CallEvent`] (the telephony
//! adapter parsed and verified the webhook) and returns a [`TurnOutcome`] whose
//! [`Reply`] the adapter renders. For each event it:
//!
//! 1. picks the merchant by the number called ([`MerchantDirectory`]);
//! 2. loads the call's [`Conversation`] from
//!    the [`SessionStore`] (a webhook for a call with no session starts a fresh
//!    one politely: "Sorry, I lost track of our conversation...");
//! 3. feeds it the event and runs the effects it asks for **concurrently**,
//!    all bounded by **one per-turn deadline** (default 4 s): classification
//!    alongside a speculative order lookup when the caller's words already hold an
//!    order number; the caller-ID lookup at call start alongside the greeting's
//!    synthesis. Each provider falls back on its own: a failed or slow classifier
//!    is replaced by the offline fallback classifier (the two make a
//!    [`Fallback`]); a failed lookup makes the
//!    conversation apologize and offer a human;
//! 4. synthesizes what to say through [`Speech`](crate::Speech) (fixed prompts once, cached;
//!    personal text every time, never cached), stores the audio in the
//!    [`AudioStore`] and plays it by id; on failure or timeout the carrier's
//!    voice says it instead;
//! 5. saves the session, records the turn in the [`CallRecordStore`] (input,
//!    classification, reply text, audio ids, timings, provider failures) and
//!    finishes the record when the call ends.
//!
//! Steps 2 to 5 are the driver's named stages (load → decide → run effects →
//! render → settle → record), each a small function over the turn's state; a
//! status callback runs load, decide and record too. Every timestamp, timing,
//! deadline and sleep comes from the injected [`Clock`]: the turn's deadline is
//! a [`Timestamp`](crate::Timestamp) on it, kept with
//! [`Clock::sleep_until`], so tests on a virtual clock cover timeouts as well.
//!
//! `handle` never fails and never panics: store and provider failures are listed
//! in [`TurnOutcome::errors`] (and the call record), and the caller always hears
//! something and can reach a human.
//!
//! Repeated verification failures across calls lock out, for a while
//! ([`LockoutPolicy`]): the caller's number (callers without one share a single
//! bucket), and each order the failures were about, whoever asked. Each answer
//! to a challenge is one attempt, reserved in the [`LockoutStore`] before the
//! answer is checked, so calls answering at once share one budget. A locked
//! caller is asked no challenge; a call that comes to a locked order discloses
//! nothing more; both are offered a human. An owner verified by attested
//! caller ID clears their order's lock.
//!
//! Every turn of a call runs alone in this process, and its session is saved
//! with a compare-and-swap on the session's version, so two deliveries of one
//! webhook (Twilio's retries, a duplicating proxy, two server instances) apply
//! the caller's input once: the duplicate gets the same reply again.
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use lumitalk_core::assistant::Assistant;
//! use lumitalk_core::memory::DemoOrderStore;
//! use lumitalk_core::{
//!     CallEvent, CallEventKind, CallId, Merchant, MerchantDirectory, Next, PhoneNumber,
//!     Utterance,
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let store = PhoneNumber::parse_e164("+18885550199").unwrap();
//! let merchants = MerchantDirectory::new(vec![
//!     Merchant::new("demo", "Acme Outdoor").with_phone_number(store.clone()),
//! ]);
//! let assistant = Assistant::builder(merchants, Arc::new(DemoOrderStore::demo()))
//!     .demo_in_memory_records()
//!     .build()
//!     .expect("a record store was chosen");
//!
//! let event = |kind| CallEvent::new(CallId::new("CA123"), None, Some(store.clone()), kind);
//! let turn = assistant.handle(event(CallEventKind::Incoming)).await;
//! assert!(turn.reply.spoken_text().starts_with("Thanks for calling Acme Outdoor."));
//! assert!(matches!(turn.reply.next, Next::Listen(_)));
//!
//! let turn = assistant.handle(event(CallEventKind::Input(Utterance::digits("1009")))).await;
//! assert!(turn.reply.spoken_text().contains("ZIP code"));
//! # });
//! ```

mod active;
mod builder;
mod context;
mod failure;
mod jobs;
mod observe;
mod pool;
mod saved;
mod serial;
mod status;
mod turn;
mod voice;

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

pub use crate::store::LockoutPolicy;
pub use builder::{
    AssistantBuildError, AssistantBuilder, DEFAULT_SESSION_TTL, DEFAULT_TURN_DEADLINE,
};

use self::active::ActiveCalls;
use self::serial::CallTurns;
use self::voice::Voice;
use crate::clock::Clock;
use crate::conversation::{Context, Conversation, Limits};
use crate::domain::{MerchantDirectory, MerchantId};
use crate::provider::{CallEvent, IntentClassifier, OrderSource};
use crate::reply::Reply;
use crate::store::{
    AudioStore, CallOutcome, CallRecordStore, LockoutKey, LockoutStore, ProviderFailure,
    SessionStore, TurnTimings,
};
use crate::wrappers::Fallback;

/// Time allowed to each store call even when the turn's deadline has passed.
pub(crate) const STORE_FLOOR: Duration = Duration::from_millis(250);

/// The phone assistant: owns the providers, stores and clock, and handles one
/// telephony event at a time (concurrently across calls). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Assistant {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) merchants: MerchantDirectory,
    pub(crate) orders: Arc<dyn OrderSource>,
    /// The classifier, then the fallback classifier when it fails or is slow.
    pub(crate) classifiers: Fallback<Arc<dyn IntentClassifier>, Arc<dyn IntentClassifier>>,
    pub(crate) voice: Voice,
    pub(crate) sessions: Arc<dyn SessionStore>,
    pub(crate) audio_store: Arc<dyn AudioStore>,
    pub(crate) records: Arc<dyn CallRecordStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) turn_deadline: Duration,
    pub(crate) session_ttl: Duration,
    pub(crate) limits: Limits,
    pub(crate) lockout: LockoutPolicy,
    pub(crate) lockout_store: Arc<dyn LockoutStore>,
    /// One turn at a time per call in this process.
    pub(crate) call_turns: CallTurns,
    pub(crate) active: ActiveCalls,
}

/// What one event produced.
#[derive(Debug, Clone)]
pub struct TurnOutcome {
    /// What to render for the carrier.
    pub reply: Reply,
    /// The merchant that answered.
    pub merchant: MerchantId,
    /// Time spent per provider, and in all.
    pub timings: TurnTimings,
    /// Provider and store failures during the turn (each was worked around).
    pub errors: Vec<ProviderFailure>,
    /// Set on the turn the call ended, with how it ended.
    pub ended: Option<CallOutcome>,
    /// The reply's number in its call: render it with
    /// [`Telephony::render_turn`](crate::Telephony::render_turn) so the
    /// carrier's callbacks for it say which reply they answer, and duplicates
    /// are recognized. `None` for replies that expect no callback.
    pub turn: Option<u32>,
    /// This event was a duplicate delivery: `reply` is the one given before,
    /// and nothing was changed or recorded.
    pub replayed: bool,
}

impl Assistant {
    /// A builder with offline defaults for everything but the order source.
    pub fn builder(merchants: MerchantDirectory, orders: Arc<dyn OrderSource>) -> AssistantBuilder {
        AssistantBuilder::new(merchants, orders)
    }

    /// Handles one telephony event. Never fails, never panics.
    ///
    /// Retries made by [`Retry`](crate::wrappers::Retry) wrappers around the
    /// providers during the turn are counted (a
    /// [`counting_retries`](crate::wrappers::counting_retries) scope per turn) into
    /// the turn's record.
    ///
    /// The turn runs in a `call_turn` span (call id, merchant, the caller's number
    /// masked as `***123`, the kind of event), with a span per provider and store
    /// call inside; each failure worked around is logged once at WARN with its
    /// provider and kind. Nothing personal is logged.
    pub async fn handle(&self, event: CallEvent) -> TurnOutcome {
        let span = observe::turn_span(&event, &self.inner.merchants);
        crate::wrappers::counting_retries(self.turn(event))
            .instrument(span)
            .await
    }

    /// Synthesizes every merchant's fixed prompts through the speech provider and
    /// keeps their audio, so calls start without waiting on synthesis. Returns how
    /// many prompts are ready; 0 without a speech provider.
    pub async fn prewarm(&self) -> usize {
        let mut ready = 0;
        for merchant in self.inner.merchants.iter() {
            let ctx = Context::new(merchant).with_limits(&self.inner.limits);
            let texts = Conversation::fixed_prompts(&ctx);
            let span = tracing::info_span!("prewarm", merchant = %merchant.id);
            ready += self
                .inner
                .voice
                .prewarm(merchant, texts)
                .instrument(span)
                .await;
        }
        ready
    }

    /// The merchants served.
    pub fn merchants(&self) -> &MerchantDirectory {
        &self.inner.merchants
    }

    /// Where synthesized audio is kept (the server serves it to the carrier).
    pub fn audio_store(&self) -> &Arc<dyn AudioStore> {
        &self.inner.audio_store
    }

    /// The call records.
    pub fn records(&self) -> &Arc<dyn CallRecordStore> {
        &self.inner.records
    }

    /// The counters of the assistant's cache of synthesized fixed prompts
    /// (hits, misses, coalesced requests, bytes); `None` without a speech
    /// provider.
    pub fn speech_cache_stats(&self) -> Option<crate::wrappers::SpeechCacheStats> {
        self.inner.voice.cache_stats()
    }

    /// Forgets the lockout count and the cached order answers kept about
    /// `caller`: part of a privacy deletion.
    ///
    /// # Errors
    /// The lockout store's.
    pub(crate) async fn forget_caller(
        &self,
        caller: &crate::domain::PhoneNumber,
    ) -> Result<(), crate::error::StoreError> {
        // Answers an order source keeps for a few seconds go too.
        for merchant in self.inner.merchants.iter() {
            self.inner.orders.forget_cached(&merchant.id, caller);
        }
        let key = LockoutKey::Caller(caller.clone());
        self.inner.lockout_store.forget(&key).await
    }

    /// Where verification attempts are counted.
    pub fn lockout_store(&self) -> &Arc<dyn LockoutStore> {
        &self.inner.lockout_store
    }

    /// The clock the assistant reads time from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Where conversation state lives between webhooks.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.inner.sessions
    }

    /// Calls this process is serving (seen within the session time-to-live and not
    /// ended).
    pub async fn active_calls(&self) -> usize {
        self.inner
            .active
            .count(self.inner.clock.now(), self.inner.session_ttl)
    }
}
