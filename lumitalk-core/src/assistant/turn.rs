//! One webhook, start to finish: load the session, feed the conversation, run
//! its effects concurrently under one deadline, render speech, save, record.

use std::future::Future;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};
use tracing::Instrument;

use super::failure::{failure, timed_out};
use super::jobs::{Done, EffectDone, Kind};
use super::observe::{self, StoreOp};
use super::pool::Pool;
use super::{Assistant, Inner, TurnOutcome};
use crate::conversation::{Action, Context, Conversation, Effect, Event, Input, phrases};
use crate::domain::{CallId, Classification, Merchant, MerchantId, Timestamp, Utterance};
use crate::error::StoreError;
use crate::provider::{CallEvent, CallEventKind, CallStatus};
use crate::reply::{ListenSpec, Next, Prompt, Reply};
use crate::store::{CallOutcome, CallStart, ProviderFailure, TurnInput, TurnRecord, TurnTimings};

/// Time allowed to each store call even when the turn's deadline has passed.
const STORE_FLOOR: Duration = Duration::from_millis(250);
/// How long an ended call's state is kept, so a late status callback sees it ended.
const ENDED_TTL: Duration = Duration::from_secs(10 * 60);

fn ms_since(t: Instant) -> u32 {
    t.elapsed().as_millis().min(u32::MAX as u128) as u32
}

/// A store call bounded by the turn's deadline (with a small floor), in its span;
/// a failure is logged there.
async fn bounded<T>(
    deadline: Instant,
    store: &str,
    op: StoreOp,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, ProviderFailure> {
    let until = deadline.max(Instant::now() + STORE_FLOOR);
    let span = observe::store_span(store, op);
    let f = match timeout_at(until, call).instrument(span.clone()).await {
        Ok(Ok(v)) => return Ok(v),
        Ok(Err(e)) => failure(&e),
        Err(_) => timed_out(store),
    };
    span.in_scope(|| observe::warn_store_failure(&f, op));
    Err(f)
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
        CallEventKind::TransferEnded(outcome) => TurnInput::TransferEnded { outcome: *outcome },
        _ => TurnInput::CallStarted,
    }
}

fn event_input(kind: &CallEventKind) -> Input {
    match kind {
        CallEventKind::Input(u) => Input::from(u.clone()),
        CallEventKind::TransferEnded(o) => Input::TransferEnded(*o),
        _ => Input::NoInput,
    }
}

/// What a turn collected while running.
#[derive(Default)]
struct Collected {
    speeches: Vec<usize>,
    terminal: Option<Next>,
    events: Vec<Event>,
    classification: Option<Classification>,
    timings: TurnTimings,
    errors: Vec<ProviderFailure>,
}

impl Assistant {
    pub(super) async fn turn(&self, event: CallEvent) -> TurnOutcome {
        let inner = &*self.inner;
        let started = Instant::now();
        let deadline = started + inner.turn_deadline;
        let Some(merchant) = inner.merchants.for_called_number(event.to.as_ref()) else {
            tracing::warn!(
                "no merchant answers the number called; the caller hears it is not in service"
            );
            return TurnOutcome::not_in_service(started);
        };
        if let CallEventKind::Status(status) = event.kind {
            return inner
                .on_status(&event, status, merchant, started, deadline)
                .await;
        }
        let ctx = Context::new(merchant).with_limits(&inner.limits);
        let mut c = Collected::default();
        let now = inner.clock.now();

        let stored = match bounded(
            deadline,
            inner.sessions.name(),
            StoreOp::LoadSession,
            inner.sessions.load(&event.call_id),
        )
        .await
        {
            Ok(bytes) => bytes.and_then(|b| Conversation::from_bytes(&b)),
            Err(f) => {
                c.errors.push(f);
                None
            }
        };
        let fresh = stored.is_none();
        let caller = event.from.clone();
        let locked = inner.lockout.is_locked(caller.as_ref(), now);
        let starting = matches!(event.kind, CallEventKind::Incoming);
        let (mut conv, input) = match (&event.kind, stored) {
            _ if starting => (
                Conversation::new(),
                Input::CallStarted {
                    caller: caller.clone(),
                    resumed: false,
                    verification_locked: locked,
                },
            ),
            // A webhook for a call we have no session for (e.g. after a restart, or
            // with the session store down): start over politely, and still act on
            // what the caller just did, so "0" reaches a human.
            (kind, None) => (
                Conversation::resume(now, caller.clone(), locked),
                event_input(kind),
            ),
            (kind, Some(conv)) => (conv, event_input(kind)),
        };
        // The record's start is written with the turn, at the end (see below).
        let start = (fresh || starting).then(|| CallStart {
            call_id: event.call_id.clone(),
            merchant: merchant.id.clone(),
            caller: caller.clone(),
            called: event.to.clone(),
            started_at: now,
        });

        let carrier_only = conv.prefers_carrier_voice();
        let mut pool: Pool<'_, Done> = Pool::new();
        let mut actions = conv.handle(now, &ctx, input);
        loop {
            let jobs = inner.dispatch(actions, merchant, deadline, carrier_only, &mut pool, &mut c);
            if jobs.is_empty() {
                break;
            }
            actions = Vec::new();
            for (id, lookup) in jobs {
                if let Some(l) = &lookup
                    && !conv.wants(l)
                {
                    pool.cancel(id);
                    continue;
                }
                let Some(Done::Effect(done)) = pool.wait(id).await else {
                    continue;
                };
                let EffectDone {
                    kind,
                    input,
                    classification,
                    failures,
                    ms,
                } = *done;
                match kind {
                    Kind::Classify => {
                        c.timings.classify_ms = Some(ms);
                        c.classification = classification;
                    }
                    Kind::Lookup => {
                        c.timings.lookup_ms = Some(c.timings.lookup_ms.unwrap_or(0).max(ms))
                    }
                }
                c.errors.extend(failures);
                if let Input::OrdersFound { orders, .. } = &input
                    && orders
                        .iter()
                        .any(|o| inner.lockout.is_order_locked(&merchant.id, &o.number, now))
                {
                    // An order locked out after repeated failures across calls:
                    // nothing is disclosed on this call.
                    conv.lock_verification();
                }
                actions.extend(conv.handle(inner.clock.now(), &ctx, input));
            }
        }
        if conv.is_waiting() {
            let actions = conv.handle(inner.clock.now(), &ctx, Input::Deadline);
            let leftover =
                inner.dispatch(actions, merchant, deadline, carrier_only, &mut pool, &mut c);
            for (id, _) in leftover {
                pool.cancel(id);
            }
        }
        if c.terminal.is_none() {
            // The conversation guarantees a terminal action; never leave the caller
            // in silence if that ever breaks.
            let p = phrases::for_language(&merchant.language);
            let id = pool.push(inner.speech_job(
                crate::conversation::Speak {
                    text: p.unclear().to_string(),
                    cacheability: crate::provider::Cacheability::Shared,
                },
                merchant,
                deadline,
                carrier_only,
            ));
            c.speeches.push(id);
            c.terminal = Some(Next::Listen(fallback_listen(merchant, &inner.limits)));
        }

        // Speech: every prompt of the turn, synthesized concurrently (the early ones
        // started while effects ran).
        let mut spoken: Vec<(usize, super::voice::Spoken)> = pool
            .wait_all()
            .await
            .into_iter()
            .filter_map(|(id, d)| match d {
                Done::Speech(s) => Some((id, s)),
                Done::Effect(_) => None,
            })
            .collect();
        spoken.sort_by_key(|(id, _)| c.speeches.iter().position(|s| s == id));
        let mut prompts = Vec::with_capacity(spoken.len());
        let mut audio = Vec::new();
        let mut tts_characters = 0u32;
        let (mut tried, mut failed) = (false, false);
        for (_, s) in spoken {
            tried |= s.tried;
            failed |= !s.failures.is_empty();
            tts_characters = tts_characters.saturating_add(s.synthesized_chars);
            if s.tried {
                c.timings.speech_ms = Some(c.timings.speech_ms.unwrap_or(0).max(s.ms));
            }
            c.errors.extend(s.failures);
            audio.extend(s.audio);
            prompts.push(s.prompt);
        }
        if tried {
            let input = if failed {
                Input::SpeechFailed
            } else {
                Input::SpeechReady
            };
            conv.handle(inner.clock.now(), &ctx, input);
        }
        let reply = Reply {
            prompts,
            next: c.terminal.take().unwrap_or(Next::HangUp),
        };

        // Bookkeeping: lockout, session, active calls, call record.
        let mut ended = None;
        for e in &c.events {
            match e {
                Event::VerificationFailed => inner.lockout.record_failure(
                    caller.as_ref(),
                    &merchant.id,
                    conv.failed_challenge_orders(),
                    now,
                ),
                Event::Ended(outcome) => ended = Some(*outcome),
                _ => {}
            }
        }
        let ttl = if ended.is_some() {
            ENDED_TTL
        } else {
            inner.session_ttl
        };
        let state = bytes::Bytes::from(conv.to_bytes());
        if let Err(f) = bounded(
            deadline,
            inner.sessions.name(),
            StoreOp::SaveSession,
            inner.sessions.save(&event.call_id, state, ttl),
        )
        .await
        {
            c.errors.push(f);
        }
        if ended.is_some() {
            inner.active.end(&event.call_id);
        } else {
            inner.active.touch(&event.call_id, now);
        }
        c.timings.total_ms = ms_since(started);
        let record = TurnRecord {
            at: now,
            input: turn_input(&event.kind),
            classification: c.classification.take(),
            reply_text: reply.spoken_text(),
            audio,
            timings: c.timings,
            retry_attempts: crate::wrappers::retries_so_far().unwrap_or(0),
            errors: c.errors.clone(),
            tts_characters,
            events: c.events.clone(),
        };
        let failed = inner
            .write_record(&event.call_id, start.as_ref(), &record, ended, deadline)
            .await;
        c.errors.extend(failed.into_iter().flatten());
        c.timings.total_ms = ms_since(started);
        observe::turn_done(&c.timings, c.errors.len(), ended);
        TurnOutcome {
            reply,
            merchant: merchant.id.clone(),
            timings: c.timings,
            errors: c.errors,
            ended,
        }
    }
}

fn fallback_listen(merchant: &Merchant, limits: &crate::conversation::Limits) -> ListenSpec {
    ListenSpec {
        speech: true,
        keypad: true,
        timeout_secs: limits.listen_timeout_secs,
        finish_on_key: Some('#'),
        num_digits: None,
        hints: Vec::new(),
        language: merchant.language.clone(),
        expected: crate::domain::ExpectedEntity::OrderNumber,
    }
}

impl Inner {
    /// Writes a turn to its call record: the record's start on the call's first
    /// turn, the turn, the record's end on its last. Returns the failures.
    ///
    /// The writes go to the store together: a store that batches (the SQLite one
    /// commits everything queued at once) then pays one commit per turn instead of
    /// two or three. They are queued in this order, as `join!` polls its futures
    /// in order.
    async fn write_record(
        &self,
        call: &CallId,
        start: Option<&CallStart>,
        record: &TurnRecord,
        ended: Option<CallOutcome>,
        deadline: Instant,
    ) -> [Option<ProviderFailure>; 3] {
        let records = &self.records;
        let begin = async {
            match start {
                Some(s) => {
                    let op = StoreOp::BeginCall;
                    bounded(deadline, records.name(), op, records.begin_call(s)).await
                }
                None => Ok(()),
            }
        };
        let append = bounded(
            deadline,
            records.name(),
            StoreOp::AppendTurn,
            records.append_turn(call, record),
        );
        let finish = async {
            match ended {
                Some(outcome) => bounded(
                    deadline,
                    records.name(),
                    StoreOp::FinishCall,
                    records.finish_call(call, outcome, self.clock.now()),
                )
                .await
                .map(|_| ()),
                None => Ok(()),
            }
        };
        let (began, appended, finished) = tokio::join!(begin, append, finish);
        [began.err(), appended.err(), finished.err()]
    }

    /// Starts the jobs for `actions`; returns the effect jobs, in request order,
    /// with the lookup each one answers.
    fn dispatch<'a>(
        &'a self,
        actions: Vec<Action>,
        merchant: &'a Merchant,
        deadline: Instant,
        carrier_only: bool,
        pool: &mut Pool<'a, Done>,
        c: &mut Collected,
    ) -> Vec<(usize, Option<crate::conversation::Lookup>)> {
        let mut jobs = Vec::new();
        for action in actions {
            match action {
                Action::Speak(speak) => {
                    let id = pool.push(self.speech_job(speak, merchant, deadline, carrier_only));
                    c.speeches.push(id);
                }
                Action::Listen(spec) => c.terminal = Some(Next::Listen(spec)),
                Action::Transfer(spec) => c.terminal = Some(Next::Transfer(spec)),
                Action::HangUp => c.terminal = Some(Next::HangUp),
                Action::Effect(Effect::Classify { utterance, context }) => {
                    jobs.push((
                        pool.push(self.classify_job(utterance, context, deadline)),
                        None,
                    ));
                }
                Action::Effect(Effect::Lookup(lookup)) => {
                    let id = pool.push(self.lookup_job(merchant, lookup.clone(), deadline));
                    jobs.push((id, Some(lookup)));
                }
                Action::Effect(Effect::Record(event)) => c.events.push(event),
            }
        }
        jobs
    }

    /// How an ending call ended, when its record is still open: as its
    /// conversation judges it, or `Abandoned` when only the record is left.
    async fn final_outcome(
        &self,
        call: &CallId,
        merchant: &Merchant,
        now: Timestamp,
        deadline: Instant,
        errors: &mut Vec<ProviderFailure>,
    ) -> Option<CallOutcome> {
        let load = self.sessions.load(call);
        let stored = match bounded(deadline, self.sessions.name(), StoreOp::LoadSession, load).await
        {
            Ok(b) => b.and_then(|b| Conversation::from_bytes(&b)),
            Err(f) => {
                errors.push(f);
                None
            }
        };
        match stored {
            Some(mut conv) if !conv.is_ended() => {
                let ctx = Context::new(merchant).with_limits(&self.limits);
                conv.handle(now, &ctx, Input::CallEnded);
                Some(conv.outcome().unwrap_or(CallOutcome::Abandoned))
            }
            Some(_) => None,
            None => {
                let get = self.records.get(call);
                match bounded(deadline, self.records.name(), StoreOp::GetRecord, get).await {
                    Ok(Some(record)) if record.outcome.is_none() => Some(CallOutcome::Abandoned),
                    Ok(_) => None,
                    Err(f) => {
                        errors.push(f);
                        None
                    }
                }
            }
        }
    }

    /// A status callback: the call's end finishes its record (as the conversation
    /// judges it, `Abandoned` when there is nothing to judge by).
    async fn on_status(
        &self,
        event: &CallEvent,
        status: CallStatus,
        merchant: &Merchant,
        started: Instant,
        deadline: Instant,
    ) -> TurnOutcome {
        let mut errors = Vec::new();
        let mut ended = None;
        if status.is_final() {
            let now = self.clock.now();
            let outcome = self
                .final_outcome(&event.call_id, merchant, now, deadline, &mut errors)
                .await;
            if let Some(outcome) = outcome {
                match bounded(
                    deadline,
                    self.records.name(),
                    StoreOp::FinishCall,
                    self.records.finish_call(&event.call_id, outcome, now),
                )
                .await
                {
                    Ok(_) => ended = Some(outcome),
                    Err(f) => errors.push(f),
                }
            }
            if let Err(f) = bounded(
                deadline,
                self.sessions.name(),
                StoreOp::RemoveSession,
                self.sessions.remove(&event.call_id),
            )
            .await
            {
                errors.push(f);
            }
            self.active.end(&event.call_id);
        }
        let timings = TurnTimings {
            total_ms: ms_since(started),
            ..TurnTimings::default()
        };
        observe::turn_done(&timings, errors.len(), ended);
        TurnOutcome {
            reply: Reply {
                prompts: Vec::new(),
                next: Next::HangUp,
            },
            merchant: merchant.id.clone(),
            timings,
            errors,
            ended,
        }
    }
}

impl TurnOutcome {
    /// No merchant answers this number (an empty directory).
    fn not_in_service(started: Instant) -> Self {
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
                total_ms: ms_since(started),
                ..TurnTimings::default()
            },
            errors: Vec::new(),
            ended: Some(CallOutcome::Failed),
        }
    }
}

/// `handle`'s future must be `Send` for web frameworks: checked at compile time.
#[allow(dead_code)]
fn _assert_send(a: &Assistant, e: CallEvent) -> impl Future<Output = TurnOutcome> + Send + '_ {
    a.turn(e)
}
