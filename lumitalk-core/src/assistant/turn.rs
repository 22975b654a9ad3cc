//! One webhook, start to finish, in named stages: load → decide → run effects
//! (under one deadline) → render → settle → record. The stages are methods of
//! [`Turn`], which carries the turn's state from one to the next; loading the
//! session, store calls and the end of the turn belong to [`TurnContext`],
//! shared with the status path, and a streaming transport can reuse them all
//! with a render of its own.

mod attempts;

use std::future::Future;
use std::time::Duration;

use self::attempts::{Attempt, caller_locked};
use super::context::TurnContext;
use super::jobs::{Done, EffectDone, Kind};
use super::observe::StoreOp;
use super::pool::Pool;
use super::saved::{Loaded, SavedCallRef};
use super::voice::Spoken;
use super::{Assistant, TurnOutcome};
use crate::clock::ms_since;
use crate::conversation::{
    Action, Context, Conversation, Effect, Event, Input, Limits, Lookup, Speak, phrases,
};
use crate::domain::{AudioId, Classification, ExpectedEntity, Merchant, MerchantId, Utterance};
use crate::provider::{Cacheability, CallEvent, CallEventKind, Urgency};
use crate::reply::{ListenSpec, Next, Prompt, Reply};
use crate::store::{CallOutcome, CallStart, SessionSave, TurnInput, TurnRecord, TurnTimings};

/// How long an ended call's state is kept, so a late status callback sees it ended.
const ENDED_TTL: Duration = Duration::from_secs(10 * 60);

impl Assistant {
    pub(super) async fn turn(&self, event: CallEvent) -> TurnOutcome {
        let inner = &*self.inner;
        let started = inner.clock.now();
        let Some(merchant) = inner.merchants.for_called_number(event.to.as_ref()) else {
            tracing::warn!(
                "no merchant answers the number called; the caller hears it is not in service"
            );
            return TurnOutcome::not_in_service(ms_since(&*inner.clock, started));
        };
        // One turn of a call at a time here; other processes are kept out by
        // the session's compare-and-swap.
        let _alone = inner.call_turns.begin(&event.call_id).await;
        let mut cx = TurnContext::new(inner, &event, merchant, started);
        if let CallEventKind::Status(status) = event.kind {
            return cx.on_status(status).await;
        }
        let loaded = cx.load_session().await;
        if let Some(l) = &loaded
            && let Some(reply) = l.saved.replay_for(&event)
        {
            return cx.replay(reply.clone(), l.saved.turn);
        }
        let (mut turn, input) = Turn::open(cx, loaded).await;
        let actions = turn.decide(input).await;
        turn.run_effects(actions).await;
        let rendered = turn.render().await;
        match turn.settle(&rendered.reply).await {
            Settled::Saved(ended) => turn.record(rendered, ended).await,
            Settled::Lost {
                reply,
                turn: number,
            } => turn.cx.replay(reply, number),
        }
    }
}

/// How stage "settle" ended.
enum Settled {
    /// The session was saved (or the store failed and the next turn starts
    /// over); set when the call ended this turn.
    Saved(Option<CallOutcome>),
    /// Another delivery of this webhook saved first: its reply is the call's.
    Lost { reply: Reply, turn: u32 },
}

/// A webhook's turn between its stages: the context, the conversation it
/// drives, the jobs running, and what the stages collected.
struct Turn<'a> {
    cx: TurnContext<'a>,
    ctx: Context<'a>,
    conv: Conversation,
    /// The call record's start, written with this turn's record (a fresh call,
    /// or one whose session was lost).
    start: Option<CallStart>,
    /// The conversation wants the carrier's voice only (no synthesis).
    carrier_only: bool,
    pool: Pool<'a, Done>,
    /// The speech jobs, in the order their prompts are spoken.
    speeches: Vec<usize>,
    terminal: Option<Next>,
    events: Vec<Event>,
    classification: Option<Classification>,
    /// The loaded session's version (`None`: a new session).
    version: Option<u64>,
    /// The number of the call's last reply before this turn.
    last_turn: u32,
    /// Lockout changes to make once the session is saved.
    attempts: Vec<Attempt>,
}

/// What the render stage made of the turn's prompts.
struct Rendered {
    reply: Reply,
    audio: Vec<AudioId>,
    tts_characters: u32,
}

impl<'a> Turn<'a> {
    /// The end of stage "load": the turn over the call's conversation (the
    /// `loaded` one, or a new one), and the input this event is to it.
    async fn open(mut cx: TurnContext<'a>, loaded: Option<Loaded>) -> (Turn<'a>, Input) {
        let (inner, event) = (cx.inner, cx.event);
        let (version, last_turn) = loaded
            .as_ref()
            .map_or((None, 0), |l| (Some(l.version), l.saved.turn));
        let stored = loaded.map(|l| l.saved.conv);
        let start =
            (stored.is_none() || matches!(event.kind, CallEventKind::Incoming)).then(|| {
                CallStart {
                    call_id: event.call_id.clone(),
                    merchant: cx.merchant.id.clone(),
                    caller: event.from.clone(),
                    called: event.to.clone(),
                    started_at: cx.now,
                }
            });
        let fresh = stored.is_none() || matches!(event.kind, CallEventKind::Incoming);
        let locked = fresh && caller_locked(&mut cx, event.from.as_ref()).await;
        let (conv, input) = opening(&cx, stored, locked);
        let turn = Turn {
            ctx: Context::new(cx.merchant).with_limits(&inner.limits),
            carrier_only: conv.prefers_carrier_voice(),
            conv,
            start,
            cx,
            pool: Pool::new(),
            speeches: Vec::new(),
            terminal: None,
            events: Vec::new(),
            classification: None,
            version,
            last_turn,
            attempts: Vec::new(),
        };
        (turn, input)
    }

    /// Stage "decide": what the conversation does with the event.
    async fn decide(&mut self, input: Input) -> Vec<Action> {
        self.handle(self.cx.now, input).await
    }

    /// Stage "run effects": starts what `actions` ask for (speech included) and
    /// feeds each effect's result back, in request order, until the conversation
    /// asks for nothing more; every job is bounded by the turn's one deadline.
    /// A lookup the conversation no longer wants is dropped unfinished.
    async fn run_effects(&mut self, mut actions: Vec<Action>) {
        loop {
            let jobs = self.dispatch(actions);
            if jobs.is_empty() {
                break;
            }
            actions = Vec::new();
            for (id, lookup) in jobs {
                if let Some(l) = &lookup
                    && !self.conv.wants(l)
                {
                    self.pool.cancel(id);
                    continue;
                }
                if let Some(Done::Effect(done)) = self.pool.wait(id).await {
                    actions.extend(self.feed(*done).await);
                }
            }
        }
        self.wrap_up();
    }

    /// Starts the jobs for `actions`; returns the effect jobs, in request order,
    /// with the lookup each one answers.
    fn dispatch(&mut self, actions: Vec<Action>) -> Vec<(usize, Option<Lookup>)> {
        let TurnContext {
            inner,
            merchant,
            deadline,
            ..
        } = self.cx;
        let mut jobs = Vec::new();
        for action in actions {
            match action {
                Action::Speak(speak) => self.speak(speak),
                Action::Listen(spec) => self.terminal = Some(Next::Listen(spec)),
                Action::Transfer(spec) => self.terminal = Some(Next::Transfer(spec)),
                Action::HangUp => self.terminal = Some(Next::HangUp),
                Action::Continue => self.terminal = Some(Next::Continue),
                Action::Effect(Effect::Classify { utterance, context }) => {
                    let job = inner.classify_job(utterance, context, deadline);
                    jobs.push((self.pool.push(job), None));
                }
                Action::Effect(Effect::Lookup(lookup)) => {
                    let urgency = if self.conv.is_speculative(&lookup) {
                        Urgency::Speculative
                    } else {
                        Urgency::CallerWaiting
                    };
                    let job = inner.lookup_job(merchant, lookup.clone(), urgency, deadline);
                    jobs.push((self.pool.push(job), Some(lookup)));
                }
                Action::Effect(Effect::Record(event)) => self.events.push(event),
            }
        }
        jobs
    }

    /// Starts synthesizing a prompt (its place among the turn's prompts kept).
    fn speak(&mut self, speak: Speak) {
        let TurnContext {
            inner,
            merchant,
            deadline,
            ..
        } = self.cx;
        let job = inner.speech_job(speak, merchant, deadline, self.carrier_only);
        self.speeches.push(self.pool.push(job));
    }

    /// Notes a finished effect and feeds its result to the conversation.
    async fn feed(&mut self, done: EffectDone) -> Vec<Action> {
        let EffectDone {
            kind,
            input,
            classification,
            failures,
            ms,
        } = done;
        let timings = &mut self.cx.timings;
        match kind {
            Kind::Classify => {
                timings.classify_ms = Some(ms);
                self.classification = classification;
            }
            Kind::Lookup => timings.lookup_ms = Some(timings.lookup_ms.unwrap_or(0).max(ms)),
        }
        self.cx.errors.extend(failures);
        if let Input::OrdersFound { orders, .. } = &input {
            let numbers: Vec<_> = orders.iter().map(|o| o.number.clone()).collect();
            if self.any_locked(&numbers).await {
                // An order locked out after repeated failures across calls:
                // nothing is disclosed on this call (but to an attested owner).
                self.conv.lock_verification();
            }
        }
        let now = self.cx.inner.clock.now();
        self.handle(now, input).await
    }

    /// The end of "run effects": a conversation still waiting hears the
    /// deadline (its new effects are not run), and the caller always gets a
    /// terminal action.
    fn wrap_up(&mut self) {
        if self.conv.is_waiting() {
            let now = self.cx.inner.clock.now();
            let actions = self.conv.handle(now, &self.ctx, Input::Deadline);
            for (id, _) in self.dispatch(actions) {
                self.pool.cancel(id);
            }
        }
        if self.terminal.is_none() {
            // The conversation guarantees a terminal action; never leave the caller
            // in silence if that ever breaks.
            let merchant = self.cx.merchant;
            let p = phrases::for_language(&merchant.language);
            self.speak(Speak {
                text: p.unclear().to_string(),
                cacheability: Cacheability::Shared,
            });
            let listen = fallback_listen(merchant, &self.cx.inner.limits);
            self.terminal = Some(Next::Listen(listen));
        }
    }

    /// Stage "render": every prompt of the turn in order (synthesized
    /// concurrently, the early ones while effects ran) and the terminal action,
    /// as the reply; the conversation hears whether synthesis worked.
    async fn render(&mut self) -> Rendered {
        let mut spoken: Vec<(usize, Spoken)> = self
            .pool
            .wait_all()
            .await
            .into_iter()
            .filter_map(|(id, d)| match d {
                Done::Speech(s) => Some((id, s)),
                Done::Effect(_) => None,
            })
            .collect();
        spoken.sort_by_key(|(id, _)| self.speeches.iter().position(|s| s == id));
        let mut prompts = Vec::with_capacity(spoken.len());
        let mut audio = Vec::new();
        let mut tts_characters = 0u32;
        let (mut tried, mut failed) = (false, false);
        for (_, s) in spoken {
            tried |= s.tried;
            failed |= !s.failures.is_empty();
            tts_characters = tts_characters.saturating_add(s.synthesized_chars);
            let timings = &mut self.cx.timings;
            if s.tried {
                timings.speech_ms = Some(timings.speech_ms.unwrap_or(0).max(s.ms));
            }
            self.cx.errors.extend(s.failures);
            audio.extend(s.audio);
            prompts.push(s.prompt);
        }
        if tried {
            let input = if failed {
                Input::SpeechFailed
            } else {
                Input::SpeechReady
            };
            self.conv
                .handle(self.cx.inner.clock.now(), &self.ctx, input);
        }
        let next = self.terminal.take().unwrap_or(Next::HangUp);
        Rendered {
            reply: Reply { prompts, next },
            audio,
            tts_characters,
        }
    }

    /// Stage "settle": the session saved with its reply (if no other delivery
    /// of this webhook saved first), the lockout attempts finished, the active
    /// calls.
    async fn settle(&mut self, reply: &Reply) -> Settled {
        let TurnContext {
            inner, event, now, ..
        } = self.cx;
        let ended = self.events.iter().find_map(|e| match e {
            Event::Ended(outcome) => Some(*outcome),
            _ => None,
        });
        let ttl = if ended.is_some() {
            ENDED_TTL
        } else {
            inner.session_ttl
        };
        let saved = SavedCallRef {
            conv: &self.conv,
            turn: self.last_turn.saturating_add(1),
            reply: Some(reply),
        };
        let state = bytes::Bytes::from(saved.to_bytes());
        let save = inner
            .sessions
            .save(&event.call_id, state, ttl, self.version);
        let op = StoreOp::SaveSession;
        let result = self.cx.store(inner.sessions.name(), op, save).await;
        if result == Some(SessionSave::Conflict) {
            self.finish_attempts(true).await;
            if let Some(winner) = self.cx.load_session().await
                && let Some(reply) = winner.saved.reply
            {
                tracing::warn!(
                    "another delivery of this webhook was answered first; \
                     answering with its reply"
                );
                return Settled::Lost {
                    reply,
                    turn: winner.saved.turn,
                };
            }
        } else {
            self.finish_attempts(false).await;
        }
        if ended.is_some() {
            inner.active.end(&event.call_id);
        } else {
            inner.active.touch(&event.call_id, now);
        }
        Settled::Saved(ended)
    }

    /// Stage "record": the turn (with the record's start and end when due)
    /// into the call record, and the outcome.
    async fn record(&mut self, rendered: Rendered, ended: Option<CallOutcome>) -> TurnOutcome {
        let Rendered {
            reply,
            audio,
            tts_characters,
        } = rendered;
        let cx = &mut self.cx;
        cx.timings.total_ms = ms_since(&*cx.inner.clock, cx.now);
        let record = TurnRecord {
            at: cx.now,
            input: turn_input(&cx.event.kind),
            classification: self.classification.take(),
            reply_text: reply.spoken_text(),
            audio,
            timings: cx.timings,
            retry_attempts: crate::wrappers::retries_so_far().unwrap_or(0),
            errors: cx.errors.clone(),
            tts_characters,
            events: std::mem::take(&mut self.events),
        };
        cx.write_record(self.start.as_ref(), &record, ended).await;
        let mut outcome = cx.finish(reply, ended);
        outcome.turn = Some(self.last_turn.saturating_add(1));
        outcome
    }
}

/// The conversation for this event and its first input: a fresh one at call
/// start; a polite restart for a call without a session (e.g. after a restart,
/// or with the session store down), still acting on what the caller just did,
/// so "0" reaches a human; else the stored one.
fn opening(
    cx: &TurnContext<'_>,
    stored: Option<Conversation>,
    locked: bool,
) -> (Conversation, Input) {
    let caller = cx.event.from.clone();
    match (&cx.event.kind, stored) {
        (CallEventKind::Incoming, _) => (
            Conversation::new(),
            Input::CallStarted {
                caller,
                attestation: cx.event.attestation,
                resumed: false,
                verification_locked: locked,
            },
        ),
        (kind, None) => (
            Conversation::resume(cx.now, caller, cx.event.attestation, locked),
            event_input(kind),
        ),
        (kind, Some(conv)) => (conv, event_input(kind)),
    }
}

fn event_input(kind: &CallEventKind) -> Input {
    match kind {
        CallEventKind::Input(u) => Input::from(u.clone()),
        CallEventKind::TransferEnded(o) => Input::TransferEnded(*o),
        CallEventKind::Resumed => Input::Resumed,
        _ => Input::NoInput,
    }
}

fn turn_input(kind: &CallEventKind) -> TurnInput {
    match kind {
        CallEventKind::Input(Utterance::Speech { text, confidence }) => TurnInput::Speech {
            text: text.clone(),
            confidence: *confidence,
        },
        CallEventKind::Input(Utterance::Digits { digits }) => TurnInput::Digits {
            digits: digits.clone(),
        },
        CallEventKind::NoInput => TurnInput::NoInput,
        CallEventKind::Resumed => TurnInput::Resumed,
        CallEventKind::TransferEnded(outcome) => TurnInput::TransferEnded { outcome: *outcome },
        _ => TurnInput::CallStarted,
    }
}

fn fallback_listen(merchant: &Merchant, limits: &Limits) -> ListenSpec {
    ListenSpec {
        speech: true,
        keypad: true,
        timeout_secs: limits.listen_timeout_secs,
        finish_on_key: Some('#'),
        num_digits: None,
        hints: Vec::new(),
        language: merchant.language.clone(),
        expected: ExpectedEntity::OrderNumber,
    }
}

impl TurnOutcome {
    /// No merchant answers this number (an empty directory).
    fn not_in_service(total_ms: u32) -> Self {
        TurnOutcome {
            reply: Reply {
                prompts: vec![Prompt::Say {
                    text: "Sorry, this number is not in service. Goodbye.".into(),
                    voice: None,
                    language: crate::domain::Language::en_us(),
                }],
                next: Next::HangUp,
            },
            merchant: MerchantId::new("unknown"),
            timings: TurnTimings {
                total_ms,
                ..TurnTimings::default()
            },
            errors: Vec::new(),
            ended: Some(CallOutcome::Failed),
            turn: None,
            replayed: false,
        }
    }
}

/// `handle`'s future must be `Send` for web frameworks: checked at compile time.
#[allow(dead_code)]
fn _assert_send(a: &Assistant, e: CallEvent) -> impl Future<Output = TurnOutcome> + Send + '_ {
    a.turn(e)
}
