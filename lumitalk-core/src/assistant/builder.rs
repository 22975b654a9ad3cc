//! Building an [`Assistant`].

use std::sync::Arc;
use std::time::Duration;

use super::active::ActiveCalls;
use super::lockout::{Lockout, LockoutPolicy};
use super::voice::Voice;
use super::{Assistant, Inner};
use crate::clock::{Clock, TokioClock};
use crate::conversation::Limits;
use crate::domain::MerchantDirectory;
use crate::memory::{
    DEFAULT_AUDIO_CAPACITY, KeywordClassifier, MemoryAudioStore, MemoryCallRecordStore,
    MemorySessionStore,
};
use crate::provider::{AudioFormat, IntentClassifier, OrderSource, Speech};
use crate::store::{AudioStore, CallRecordStore, SessionStore};

/// Default per-turn deadline: how long a caller waits in silence at most.
pub const DEFAULT_TURN_DEADLINE: Duration = Duration::from_secs(4);
/// Default session time-to-live.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(2 * 3600);

/// Configures an [`Assistant`]. Every provider but the order source has an
/// offline default, so `Assistant::builder(merchants, orders).build()` runs a
/// complete demo.
#[derive(Debug)]
pub struct AssistantBuilder {
    merchants: MerchantDirectory,
    orders: Arc<dyn OrderSource>,
    classifier: Option<Arc<dyn IntentClassifier>>,
    fallback_classifier: Option<Arc<dyn IntentClassifier>>,
    speech: Option<Arc<dyn Speech>>,
    audio_format: AudioFormat,
    sessions: Option<Arc<dyn SessionStore>>,
    audio_store: Option<Arc<dyn AudioStore>>,
    records: Option<Arc<dyn CallRecordStore>>,
    clock: Option<Arc<dyn Clock>>,
    turn_deadline: Duration,
    session_ttl: Duration,
    limits: Limits,
    lockout: LockoutPolicy,
}

impl AssistantBuilder {
    pub(super) fn new(merchants: MerchantDirectory, orders: Arc<dyn OrderSource>) -> Self {
        AssistantBuilder {
            merchants,
            orders,
            classifier: None,
            fallback_classifier: None,
            speech: None,
            audio_format: AudioFormat::Mp3_22050_32,
            sessions: None,
            audio_store: None,
            records: None,
            clock: None,
            turn_deadline: DEFAULT_TURN_DEADLINE,
            session_ttl: DEFAULT_SESSION_TTL,
            limits: Limits::DEFAULT,
            lockout: LockoutPolicy::default(),
        }
    }

    /// The intent classifier (default: [`KeywordClassifier`]).
    pub fn classifier(mut self, classifier: Arc<dyn IntentClassifier>) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// The classifier used when the main one fails or is too slow (default:
    /// [`KeywordClassifier`]). It should answer at once, offline.
    pub fn fallback_classifier(mut self, classifier: Arc<dyn IntentClassifier>) -> Self {
        self.fallback_classifier = Some(classifier);
        self
    }

    /// Speech synthesis (default: none; prompts are spoken by the carrier's voice).
    pub fn speech(mut self, speech: Arc<dyn Speech>) -> Self {
        self.speech = Some(speech);
        self
    }

    /// The audio encoding to synthesize (default: [`AudioFormat::Mp3_22050_32`]).
    pub fn audio_format(mut self, format: AudioFormat) -> Self {
        self.audio_format = format;
        self
    }

    /// Where conversation state lives between webhooks (default: in memory).
    pub fn sessions(mut self, sessions: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// Where synthesized audio waits for the carrier (default: in memory).
    pub fn audio_store(mut self, store: Arc<dyn AudioStore>) -> Self {
        self.audio_store = Some(store);
        self
    }

    /// Where call records go (default: in memory).
    pub fn records(mut self, records: Arc<dyn CallRecordStore>) -> Self {
        self.records = Some(records);
        self
    }

    /// The clock (default: [`TokioClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The per-turn deadline for all provider calls together (default 4 s).
    pub fn turn_deadline(mut self, deadline: Duration) -> Self {
        self.turn_deadline = deadline;
        self
    }

    /// How long a session outlives its last webhook (default 2 h).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// The bounds of every call (default [`Limits::DEFAULT`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// When repeated verification failures lock a caller number out (default: 5
    /// failures within an hour lock it for an hour).
    pub fn verification_lockout(mut self, policy: LockoutPolicy) -> Self {
        self.lockout = policy;
        self
    }

    /// The assistant.
    pub fn build(self) -> Assistant {
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(TokioClock::new()));
        let sessions = self
            .sessions
            .unwrap_or_else(|| Arc::new(MemorySessionStore::new(clock.clone())));
        let audio_store = self.audio_store.unwrap_or_else(|| {
            Arc::new(MemoryAudioStore::new(DEFAULT_AUDIO_CAPACITY, clock.clone()))
        });
        let records = self
            .records
            .unwrap_or_else(|| Arc::new(MemoryCallRecordStore::new()));
        Assistant {
            inner: Arc::new(Inner {
                merchants: self.merchants,
                orders: self.orders,
                classifier: self
                    .classifier
                    .unwrap_or_else(|| Arc::new(KeywordClassifier::new())),
                fallback: self
                    .fallback_classifier
                    .unwrap_or_else(|| Arc::new(KeywordClassifier::new())),
                voice: Voice::new(self.speech, self.audio_format, audio_store.clone()),
                sessions,
                audio_store,
                records,
                clock,
                turn_deadline: self.turn_deadline,
                session_ttl: self.session_ttl,
                limits: self.limits,
                lockout: Lockout::new(self.lockout),
                active: ActiveCalls::default(),
            }),
        }
    }
}
