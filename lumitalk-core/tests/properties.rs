//! Invariants over random calls (proptest): the machine never panics, every turn
//! says something and ends in a listen, transfer or hangup, every call ends within
//! its bounds, nothing is disclosed before verification, reprompts are bounded, and
//! "0"/"agent" reach a human whenever one can take the call.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::doubles::*;
use common::*;
use lumitalk_core::assistant::Assistant;
use lumitalk_core::conversation::{Conversation, Event, Input, Phase};
use lumitalk_core::memory::DemoOrderStore;
use lumitalk_core::{
    Attestation, CallEvent, CallEventKind, CallId, CallStatus, IntentClassifier, Merchant,
    MerchantDirectory, OrderSource, Speech, TokioClock, TransferOutcome, Utterance,
    VerificationPolicy,
};
use proptest::prelude::*;

const SAYINGS: &[&str] = &[
    "1001",
    "1002",
    "1003",
    "1004",
    "5555",
    "order number 1 0 0 3",
    "yes",
    "no",
    "agent",
    "repeat that",
    "bye",
    "cancel my order",
    "I need a refund",
    "change my address",
    "94105",
    "10001",
    "60601",
    "0123",
    "0188",
    "where is my order",
    "blah",
    "this is ridiculous",
    "4155550123",
    "",
    "2",
    "the first one",
    "the second one",
    "the last one",
    "the one from November",
    "um let me check",
    "my phone number is 415 555 0123",
    "2125550188",
];
const KEYS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "*",
    "#",
    "1001",
    "1002",
    "1003",
    "1004",
    "94105#",
    "10001",
    "60601",
    "0123",
    "0188",
    "4155550123#",
    "2125550188",
    "9999",
    "12",
];

#[derive(Debug, Clone)]
enum Step {
    Say(usize, bool),
    Keys(usize),
    Silence,
    Transfer(u8),
    Wait(u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..SAYINGS.len(), any::<bool>()).prop_map(|(i, c)| Step::Say(i, c)),
        4 => (0..KEYS.len()).prop_map(Step::Keys),
        2 => Just(Step::Silence),
        1 => (0u8..5).prop_map(Step::Transfer),
        1 => (0u16..400).prop_map(Step::Wait),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    policy: VerificationPolicy,
    agents: u8, // 0 none, 1 always, 2 weekday hours
    caller: Option<&'static str>,
    /// The carrier attests the caller ID (SHAKEN/STIR `A`).
    attested: bool,
    locked: bool,
    providers: Providers,
    /// Start as a conversation whose session was lost.
    resumed: bool,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        prop_oneof![
            Just(VerificationPolicy::CallerIdOrChallenge),
            Just(VerificationPolicy::ChallengeAlways),
            Just(VerificationPolicy::CallerIdUnattested),
            Just(VerificationPolicy::None),
        ],
        0u8..3,
        prop_oneof![
            Just(None),
            Just(Some(JANE_PHONE)),
            Just(Some(JOHN_PHONE)),
            Just(Some(STRANGER_PHONE)),
        ],
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.1),
        prop_oneof![
            8 => Just(Providers::Up),
            1 => Just(Providers::LookupDown),
            1 => Just(Providers::LookupQueued),
            1 => Just(Providers::ClassifierDown),
        ],
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(policy, agents, caller, attested, locked, providers, resumed)| Setup {
                policy,
                agents,
                caller,
                attested,
                locked,
                providers,
                resumed,
            },
        )
}

fn merchant_for(s: &Setup) -> Merchant {
    let m = match s.agents {
        0 => merchant_without_agents(),
        1 => merchant(),
        _ => merchant().with_business_hours(weekday_hours()),
    };
    m.with_verification(s.policy)
}

/// Whose data the caller may hear by now, judged from the outside: the caller
/// ID's own orders when the policy trusts this caller ID (attested under the
/// default policy, even when locked out; unattested only under
/// `caller_id_unattested` and not locked out); nothing else while locked out;
/// everything under no verification; an order's data once its postal code was
/// said. (Every fixture order has a postal code, so the last four digits of a
/// phone are never a challenge here.)
fn may_hear(s: &Setup, owner: Owner, caller_said: &[&str]) -> bool {
    let own_phone = owner.phone.is_some() && s.caller == owner.phone;
    let trusted_id = own_phone
        && match s.policy {
            VerificationPolicy::CallerIdOrChallenge => s.attested,
            VerificationPolicy::CallerIdUnattested => !s.locked,
            _ => false,
        };
    if trusted_id {
        return true;
    }
    if s.locked {
        return false;
    }
    match s.policy {
        VerificationPolicy::None => true,
        _ => caller_said.iter().any(|u| says(u, owner.postal_code)),
    }
}

fn attestation(s: &Setup) -> Attestation {
    if s.attested {
        Attestation::Full
    } else {
        Attestation::Unverified
    }
}

fn start(s: &Setup) -> MachineSim {
    let mut sim = MachineSim::new(merchant_for(s));
    sim.providers = s.providers;
    if s.resumed {
        sim.conv = Conversation::resume(sim.now, s.caller.map(phone), attestation(s), s.locked);
        return sim;
    }
    sim.feed(Input::CallStarted {
        caller: s.caller.map(phone),
        attestation: attestation(s),
        resumed: false,
        verification_locked: s.locked,
    });
    sim
}

/// A step, and the carrier coming back after every hold it ends with (a
/// lookup is held at most three times).
fn apply(sim: &mut MachineSim, st: &Step) -> Option<(String, Next)> {
    let (mut said, mut next) = apply_once(sim, st)?;
    for _ in 0..4 {
        if next != Next::Continue {
            break;
        }
        let (more, after) = sim.feed(Input::Resumed);
        said = format!("{said} {more}");
        next = after;
    }
    assert_ne!(next, Next::Continue, "held more than three times: {said}");
    Some((said, next))
}

fn apply_once(sim: &mut MachineSim, st: &Step) -> Option<(String, Next)> {
    Some(match st {
        Step::Say(i, confident) => {
            if *confident {
                sim.say(SAYINGS[*i])
            } else {
                sim.mumble(SAYINGS[*i])
            }
        }
        Step::Keys(i) => sim.keys(KEYS[*i]),
        Step::Silence => sim.silence(),
        Step::Transfer(o) => {
            let outcome = [
                TransferOutcome::Answered,
                TransferOutcome::Busy,
                TransferOutcome::NoAnswer,
                TransferOutcome::Failed,
                TransferOutcome::Canceled,
            ][*o as usize];
            sim.feed(Input::TransferEnded(outcome))
        }
        Step::Wait(secs) => {
            sim.now = sim.now.plus(Duration::from_secs(*secs as u64));
            return None;
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_turn_speaks_and_ends_in_listen_transfer_or_hangup(s in setup(), steps in prop::collection::vec(step(), 0..40)) {
        let mut sim = start(&s);
        for st in &steps {
            let Some((said, next)) = apply(&mut sim, st) else { continue };
            prop_assert!(!said.trim().is_empty(), "silent turn after {:?}", st);
            prop_assert!(next != Next::Nothing, "no terminal action after {:?}: {}", st, said);
            prop_assert!(!sim.conv.is_waiting());
            if sim.conv.is_ended() {
                prop_assert_eq!(next, Next::HangUp);
            }
        }
    }

    #[test]
    fn every_call_ends_within_its_bounds(s in setup(), steps in prop::collection::vec(step(), 0..60)) {
        let mut sim = start(&s);
        let max = sim.limits.max_turns;
        for st in &steps {
            apply(&mut sim, st);
            prop_assert!(sim.conv.turns() <= max + 2, "turns {}", sim.conv.turns());
        }
        // Whatever the caller keeps doing, the call ends: keep answering "blah"
        // (and failing transfers) and count.
        let mut extra = 0;
        while !sim.conv.is_ended() {
            extra += 1;
            prop_assert!(extra <= max as usize + 3, "call did not end");
            if matches!(sim.conv.phase(), Phase::Transferring) {
                sim.feed(Input::TransferEnded(TransferOutcome::NoAnswer));
            } else {
                sim.say("blah");
            }
        }
        prop_assert!(sim.conv.outcome().is_some());
    }

    #[test]
    fn nothing_is_disclosed_before_verification(s in setup(), steps in prop::collection::vec(step(), 0..40)) {
        let mut sim = start(&s);
        let mut caller_said: Vec<&str> = Vec::new();
        let check = |text: &str, caller_said: &[&str]| -> Result<(), TestCaseError> {
            for secret in secrets() {
                // Echoing the caller's own words back ("I heard 9 4 1 0 5") discloses nothing.
                if !says(text, secret) || caller_said.iter().any(|u| says(u, secret)) { continue; }
                match owner_of(secret) {
                    Some(owner) => prop_assert!(
                        may_hear(&s, owner, caller_said),
                        "leaked {} of {}'s order: {}", secret, owner.name, text
                    ),
                    None => prop_assert!(
                        [JANE, JOHN, ANN].into_iter().any(|o| may_hear(&s, o, caller_said)),
                        "leaked {} before any verification: {}", secret, text
                    ),
                }
            }
            Ok(())
        };
        check(&sim.spoken.join(" "), &[])?;
        for st in &steps {
            match st {
                Step::Say(i, _) => caller_said.push(SAYINGS[*i]),
                Step::Keys(i) => caller_said.push(KEYS[*i]),
                _ => {}
            }
            let events_before = sim.events.len();
            let Some((said, _)) = apply(&mut sim, st) else { continue };
            // Locked out, only an attested caller ID verifies (it is no guess).
            let attested_owner = s.attested && s.policy == VerificationPolicy::CallerIdOrChallenge;
            if s.locked && !attested_owner {
                prop_assert!(!sim.events[events_before..].contains(&Event::Verified));
            }
            check(&said, &caller_said)?;
        }
    }

    #[test]
    fn reprompts_are_bounded(s in setup(), steps in prop::collection::vec(step(), 0..40)) {
        let mut sim = start(&s);
        let mut silent_reprompts = 0;
        for st in &steps {
            let Some((said, _)) = apply(&mut sim, st) else { continue };
            if said.starts_with("Sorry, I didn't hear anything.") {
                silent_reprompts += 1;
                prop_assert!(silent_reprompts <= sim.limits.max_reprompts, "{} reprompts", silent_reprompts);
            } else if !matches!(st, Step::Silence) {
                silent_reprompts = 0;
            }
        }
        // Three silences in a row always end the call (or it already ended). After
        // a lost session the first silence only restarts the question.
        let allowed = if s.resumed && steps.iter().all(|st| matches!(st, Step::Wait(_))) { 4 } else { 3 };
        let mut silences = 0;
        while !sim.conv.is_ended() && silences < allowed && !matches!(sim.conv.phase(), Phase::Transferring) {
            sim.silence();
            silences += 1;
        }
        prop_assert!(sim.conv.is_ended() || matches!(sim.conv.phase(), Phase::Transferring));
    }

    #[test]
    fn zero_or_agent_reaches_a_human_when_one_is_available(
        s in setup(),
        steps in prop::collection::vec(step(), 0..30),
        by_voice in any::<bool>(),
    ) {
        let s = Setup { agents: 1, ..s };
        let mut sim = start(&s);
        for st in &steps {
            apply(&mut sim, st);
        }
        let within_limits = sim.conv.turns() < sim.limits.max_turns
            && sim.now.since(t0()) < sim.limits.max_duration;
        if !sim.conv.is_ended() && within_limits {
            let (_, next) = if by_voice { sim.say("agent") } else { sim.keys("0") };
            prop_assert!(
                matches!(&next, Next::Transfer(t) if t.to == phone(AGENT_PHONE)),
                "no transfer: {:?} in {}", next, sim.conv.phase().name()
            );
        }
    }

    #[test]
    fn sessions_stay_small_and_round_trip(s in setup(), steps in prop::collection::vec(step(), 0..30)) {
        let mut sim = start(&s);
        for st in &steps {
            apply(&mut sim, st);
            let bytes = sim.conv.to_bytes();
            prop_assert!(bytes.len() < 2048, "{} bytes", bytes.len());
            let back = Conversation::from_bytes(&bytes);
            prop_assert_eq!(back.as_ref(), Some(&sim.conv));
        }
    }
}

#[derive(Debug, Clone)]
enum CallStep {
    Incoming(u8),
    Say(u8, usize, f32),
    Keys(u8, usize),
    Silence(u8),
    TransferEnded(u8, u8),
    Status(u8, u8),
    Wait(u16),
}

fn call_step() -> impl Strategy<Value = CallStep> {
    prop_oneof![
        1 => (0u8..2).prop_map(CallStep::Incoming),
        6 => (0u8..2, 0..SAYINGS.len(), 0.0f32..1.0).prop_map(|(c, i, conf)| CallStep::Say(c, i, conf)),
        4 => (0u8..2, 0..KEYS.len()).prop_map(|(c, i)| CallStep::Keys(c, i)),
        2 => (0u8..2).prop_map(CallStep::Silence),
        1 => (0u8..2, 0u8..5).prop_map(|(c, o)| CallStep::TransferEnded(c, o)),
        1 => (0u8..2, 0u8..8).prop_map(|(c, s)| CallStep::Status(c, s)),
        1 => (0u16..600).prop_map(CallStep::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Through the whole driver, with random outages and lost sessions: `handle`
    /// never panics, and every event the caller hears something for (all but
    /// status callbacks) speaks and says what happens next.
    #[test]
    fn the_assistant_always_answers(
        s in setup(),
        outages in (any::<bool>(), 0u8..3, 0u8..3, any::<bool>()),
        events in prop::collection::vec(call_step(), 1..30),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let (orders_down, classifier, speech, sessions_down) = outages;
        rt.block_on(async move {
            let orders: Arc<dyn OrderSource> = if orders_down {
                Arc::new(DownOrders)
            } else {
                Arc::new(DemoOrderStore::new(orders()))
            };
            let mut b = Assistant::builder(MerchantDirectory::new(vec![merchant_for(&s)]), orders)
.demo_in_memory_records()
                .clock(Arc::new(TokioClock::starting_at(t0())));
            let classifier: Option<Arc<dyn IntentClassifier>> = match classifier {
                1 => Some(Arc::new(DownClassifier)),
                2 => Some(Arc::new(HangingClassifier)),
                _ => None,
            };
            if let Some(c) = classifier {
                b = b.classifier(c);
            }
            let speech: Option<Arc<dyn Speech>> = match speech {
                1 => Some(Arc::new(DownSpeech)),
                2 => Some(Arc::new(FakeSpeech::default())),
                _ => None,
            };
            if let Some(sp) = speech {
                b = b.speech(sp);
            }
            if sessions_down {
                b = b.sessions(Arc::new(DownSessions::default()));
            }
            let a = b.build().unwrap();
            let callers = [s.caller.map(phone), Some(phone(STRANGER_PHONE))];
            for e in events {
                let (call, kind) = match e {
                    CallStep::Incoming(c) => (c, CallEventKind::Incoming),
                    CallStep::Say(c, i, conf) => (c, CallEventKind::Input(Utterance::speech(SAYINGS[i], Some(conf)))),
                    CallStep::Keys(c, i) => (c, CallEventKind::Input(Utterance::digits(KEYS[i]))),
                    CallStep::Silence(c) => (c, CallEventKind::NoInput),
                    CallStep::TransferEnded(c, o) => (c, CallEventKind::TransferEnded([
                        TransferOutcome::Answered,
                        TransferOutcome::Busy,
                        TransferOutcome::NoAnswer,
                        TransferOutcome::Failed,
                        TransferOutcome::Canceled,
                    ][o as usize])),
                    CallStep::Status(c, st) => (c, CallEventKind::Status([
                        CallStatus::Queued,
                        CallStatus::Ringing,
                        CallStatus::InProgress,
                        CallStatus::Completed,
                        CallStatus::Busy,
                        CallStatus::NoAnswer,
                        CallStatus::Failed,
                        CallStatus::Canceled,
                    ][st as usize])),
                    CallStep::Wait(secs) => {
                        tokio::time::advance(Duration::from_secs(secs as u64)).await;
                        continue;
                    }
                };
                let status = matches!(kind, CallEventKind::Status(_));
                let outcome = a
                    .handle(CallEvent::new(CallId::new(format!("CA{call}")), callers[call as usize].clone(), Some(phone(STORE_PHONE)), kind))
                    .await;
                if !status {
                    assert!(!outcome.reply.spoken_text().trim().is_empty(), "a silent turn");
                }
            }
            assert!(a.active_calls().await <= 2);
        });
    }
}
