//! Building an [`Assistant`].

use std::sync::Arc;
use std::time::Duration;

use super::active::ActiveCalls;
use super::serial::CallTurns;
use super::voice::Voice;
use super::{Assistant, Inner};
use crate::clock::{Clock, TokioClock};
use crate::conversation::Limits;
use crate::domain::MerchantDirectory;
use crate::memory::{
    DEFAULT_AUDIO_CAPACITY, KeywordClassifier, MemoryAudioStore, MemoryCallRecordStore,
    MemoryLockoutStore, MemorySessionStore,
};
use crate::provider::{AudioFormat, IntentClassifier, OrderSource, Speech};
use crate::store::{AudioStore, CallRecordStore, LockoutPolicy, LockoutStore, SessionStore};
use crate::wrappers::Fallback;

/// Default per-turn deadline: how long a caller waits in silence at most.
pub const DEFAULT_TURN_DEADLINE: Duration = Duration::from_secs(4);
/// Default session time-to-live.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(2 * 3600);

/// Configures an [`Assistant`]. Every provider but the order source has an
/// offline default. Call records hold personal data and must outlive the
/// process, so there is no silent default for them: give a durable
/// [`CallRecordStore`] with [`records`](Self::records) (e.g. lumitalk-sqlite's),
/// or opt in to the in-memory one with
/// [`demo_in_memory_records`](Self::demo_in_memory_records) for a demo or a test.
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
    records: Option<RecordChoice>,
    clock: Option<Arc<dyn Clock>>,
    turn_deadline: Duration,
    session_ttl: Duration,
    limits: Limits,
    lockout: LockoutPolicy,
    lockout_store: Option<Arc<dyn LockoutStore>>,
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
            lockout_store: None,
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

    /// Where call records go: a durable store for production. Required, unless
    /// [`demo_in_memory_records`](Self::demo_in_memory_records) is chosen.
    pub fn records(mut self, records: Arc<dyn CallRecordStore>) -> Self {
        self.records = Some(RecordChoice::Store(records));
        self
    }

    /// Keeps call records in this process's memory ([`MemoryCallRecordStore`]):
    /// for demos and tests only. They end with the process and are bounded only
    /// by the retention purge the server runs.
    pub fn demo_in_memory_records(mut self) -> Self {
        self.records = Some(RecordChoice::DemoInMemory);
        self
    }

    /// The clock (default: [`TokioClock`]): the time of records and of the
    /// conversation, and the timer of the turn's deadline.
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

    /// Where verification attempts are counted (default: in this process's
    /// memory, [`MemoryLockoutStore`]). Several server processes must share one
    /// (e.g. lumitalk-redis's), or each gives its own round of guesses.
    pub fn lockout_store(mut self, store: Arc<dyn LockoutStore>) -> Self {
        self.lockout_store = Some(store);
        self
    }

    /// The assistant.
    ///
    /// # Errors
    /// [`AssistantBuildError::NoCallRecordStore`] when neither
    /// [`records`](Self::records) nor
    /// [`demo_in_memory_records`](Self::demo_in_memory_records) was called.
    pub fn build(self) -> Result<Assistant, AssistantBuildError> {
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(TokioClock::new()));
        let sessions = self
            .sessions
            .unwrap_or_else(|| Arc::new(MemorySessionStore::new(clock.clone())));
        let audio_store = self.audio_store.unwrap_or_else(|| {
            Arc::new(MemoryAudioStore::new(DEFAULT_AUDIO_CAPACITY, clock.clone()))
        });
        let records: Arc<dyn CallRecordStore> = match self.records {
            Some(RecordChoice::Store(store)) => store,
            Some(RecordChoice::DemoInMemory) => Arc::new(MemoryCallRecordStore::new()),
            None => return Err(AssistantBuildError::NoCallRecordStore),
        };
        Ok(Assistant {
            inner: Arc::new(Inner {
                merchants: self.merchants,
                orders: self.orders,
                classifiers: Fallback::new(
                    self.classifier
                        .unwrap_or_else(|| Arc::new(KeywordClassifier::new())),
                    self.fallback_classifier
                        .unwrap_or_else(|| Arc::new(KeywordClassifier::new())),
                ),
                voice: Voice::new(
                    self.speech,
                    self.audio_format,
                    audio_store.clone(),
                    clock.clone(),
                ),
                sessions,
                audio_store,
                records,
                clock,
                turn_deadline: self.turn_deadline,
                session_ttl: self.session_ttl,
                limits: self.limits,
                lockout: self.lockout,
                lockout_store: self
                    .lockout_store
                    .unwrap_or_else(|| Arc::new(MemoryLockoutStore::new())),
                call_turns: CallTurns::default(),
                active: ActiveCalls::default(),
            }),
        })
    }
}

/// Where call records go, as chosen on the builder.
#[derive(Debug)]
enum RecordChoice {
    Store(Arc<dyn CallRecordStore>),
    DemoInMemory,
}

/// Why an [`Assistant`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssistantBuildError {
    /// No call-record store was chosen.
    #[error(
        "no call-record store: call `.records(store)` with a durable store \
         (e.g. lumitalk_sqlite::SqliteCallRecordStore), or \
         `.demo_in_memory_records()` for a demo or a test"
    )]
    NoCallRecordStore,
}
