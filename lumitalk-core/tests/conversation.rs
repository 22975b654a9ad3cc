//! The pure state machine, driven synchronously: each flow of the issue once.

mod common;

use common::*;
use lumitalk_core::conversation::{Conversation, Phase};
use lumitalk_core::{Attestation, CallOutcome, VerificationPolicy};

#[test]
fn caller_id_match_offers_the_order_and_answers_without_challenge() {
    let mut sim = MachineSim::new(merchant());
    sim.orders.retain(|o| o.number.digits() != "1002");
    let (said, next) = sim.start(Some(JANE_PHONE));
    assert_eq!(
        said,
        "Thanks for calling Acme Outdoor. I see an order ending in 1 0 0 1, placed on Monday, November 24th. Is that the one you're calling about?"
    );
    assert_eq!(next, Next::Listen);
    let (said, _) = sim.say("yes");
    assert!(said.starts_with("Thanks, Jane. Order 1 0 0 1, placed on Monday, November 24th, for forty-nine dollars and ninety cents, has shipped."), "{said}");
    assert!(
        said.contains("The UPS tracking number is 1 Z 9 9, 9 A A 1"),
        "{said}"
    );
    assert!(said.ends_with("Is there anything else I can help you with?"));
    let (said, next) = sim.say("no thanks, bye");
    assert_eq!(said, "Thank you for calling Acme Outdoor. Goodbye!");
    assert_eq!(next, Next::HangUp);
    assert_eq!(sim.outcome(), Some(CallOutcome::Resolved));
}

#[test]
fn several_recent_orders_are_listed_and_chosen_by_last_digits() {
    let mut sim = MachineSim::new(merchant());
    let (said, _) = sim.start(Some(JANE_PHONE));
    assert!(said.contains("I see two recent orders: one ending in 1 0 0 1, placed November 24th, and one ending in 1 0 0 2, placed November 3rd."), "{said}");
    let (said, _) = sim.keys("1002#");
    assert!(said.starts_with("Thanks, Jane. Order 1 0 0 2"), "{said}");
    assert!(said.contains("hasn't shipped yet"), "{said}");
}

#[test]
fn order_number_by_voice_then_postal_code_challenge() {
    let mut sim = MachineSim::new(merchant());
    let (said, _) = sim.start(Some(STRANGER_PHONE));
    assert_eq!(
        said,
        "Thanks for calling Acme Outdoor. Please say or enter your order number, or say agent at any time."
    );
    let (said, next) = sim.say("it's order 1003");
    assert_eq!(next, Next::Listen);
    assert!(said.starts_with("To protect your privacy"), "{said}");
    assert!(leaked(&said).is_none());
    let (said, _) = sim.say("one zero zero zero one");
    assert!(said.contains("Thanks, John. Order 1 0 0 3"), "{said}");
    assert!(
        said.contains("was delivered on Friday, November 14th"),
        "{said}"
    );
}

#[test]
fn low_confidence_numbers_are_confirmed_first() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    let (said, _) = sim.mumble("1003");
    assert_eq!(said, "I heard 1 0 0 3. Is that right?");
    assert!(matches!(sim.conv.phase(), Phase::ConfirmNumber(_)));
    let (said, _) = sim.say("yes");
    assert!(said.starts_with("To protect your privacy"), "{said}");
}

#[test]
fn not_found_twice_offers_a_human() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    let (said, _) = sim.keys("5555#");
    assert!(
        said.starts_with("I couldn't find an order with the number 5 5 5 5."),
        "{said}"
    );
    let (said, _) = sim.say("6666");
    assert!(
        said.ends_with("Would you like me to connect you with someone from our team?"),
        "{said}"
    );
    let (_, next) = sim.say("yes please");
    assert!(matches!(next, Next::Transfer(t) if t.to == phone(AGENT_PHONE)));
}

#[test]
fn three_wrong_answers_disclose_nothing_and_offer_a_human() {
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(STRANGER_PHONE));
    sim.keys("1001");
    for _ in 0..2 {
        let (said, _) = sim.keys("11111");
        assert!(said.starts_with("That doesn't match"), "{said}");
    }
    let (said, _) = sim.keys("22222");
    assert!(
        said.starts_with("I'm sorry, I wasn't able to verify that"),
        "{said}"
    );
    assert!(said.ends_with("Would you like me to connect you with someone from our team?"));
    // Switching orders does not reset the count.
    let (said, _) = sim.keys("1003");
    assert!(said.contains("wasn't able to verify"), "{said}");
    for s in &sim.spoken {
        assert_eq!(leaked(s), None, "{s}");
    }
}

const ZIP_OR_NUMBER: &str = "To protect your privacy, please say or enter the ZIP code the order ships to, or the order number.";
const ZIP_ONLY: &str =
    "To protect your privacy, please say or enter the ZIP code the order ships to.";

#[test]
fn a_keyed_phone_number_lists_nothing_before_the_postal_code() {
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(STRANGER_PHONE));
    let (said, _) = sim.keys("4155550123#");
    assert_eq!(said, ZIP_OR_NUMBER);
    assert_eq!(leaked(&said), None);
    // A wrong code sounds the same whether or not that phone has orders.
    let (said, _) = sim.keys("11111");
    assert!(
        said.starts_with("That doesn't match what we have on file."),
        "{said}"
    );
    assert_eq!(leaked(&said), None, "{said}");
    // The right code verifies the caller for that phone's orders with that code:
    // now they can be named, and chosen without another question.
    let (said, _) = sim.keys("94105");
    assert!(
        said.starts_with("I see two recent orders: one ending in 1 0 0 1, placed November 24th, and one ending in 1 0 0 2"),
        "{said}"
    );
    let (said, _) = sim.say("the second one");
    assert!(said.starts_with("Thanks, Jane. Order 1 0 0 2"), "{said}");
    assert!(
        sim.events
            .contains(&lumitalk_core::conversation::Event::Verified)
    );
}

#[test]
fn a_keyed_phone_number_with_one_matching_order_answers_it() {
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(STRANGER_PHONE));
    assert_eq!(sim.keys("2125550188").0, ZIP_OR_NUMBER);
    let (said, _) = sim.say("it's 1 0 0 0 1");
    assert!(said.starts_with("Thanks, John. Order 1 0 0 3"), "{said}");
}

#[test]
fn a_keyed_phone_number_then_its_order_number_still_needs_the_postal_code() {
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(STRANGER_PHONE));
    assert_eq!(sim.keys("4155550123#").0, ZIP_OR_NUMBER);
    // The order number of that phone: the postal code is still asked, and the last
    // four digits of the phone the caller just typed prove nothing.
    let (said, _) = sim.keys("1001");
    assert_eq!(said, ZIP_ONLY);
    let (said, _) = sim.keys("0123");
    assert!(said.starts_with("That doesn't match"), "{said}");
    let (said, _) = sim.keys("94105");
    assert!(said.starts_with("Thanks, Jane."), "{said}");
}

#[test]
fn the_last_four_of_a_phone_the_caller_typed_earlier_prove_nothing() {
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(STRANGER_PHONE));
    assert_eq!(sim.keys("4155550123#").0, ZIP_OR_NUMBER);
    for _ in 0..3 {
        sim.say("um");
    }
    assert!(matches!(sim.conv.phase(), Phase::OfferHuman(_)));
    // Instead of answering, the caller keys an order number of that phone.
    let (said, _) = sim.keys("1001");
    assert_eq!(said, ZIP_ONLY);
    let (said, _) = sim.keys("0123");
    assert!(said.starts_with("That doesn't match"), "{said}");
}

#[test]
fn under_challenge_always_the_caller_id_proves_nothing() {
    let m = merchant().with_verification(VerificationPolicy::ChallengeAlways);
    let mut sim = MachineSim::new(m);
    // No order is offered or listed from the caller ID.
    let (said, _) = sim.start(Some(JANE_PHONE));
    assert_eq!(
        said,
        "Thanks for calling Acme Outdoor. Please say or enter your order number, or say agent at any time."
    );
    // Only the postal code verifies: the last four digits of the caller's own
    // phone are known to anyone who spoofs it.
    let (said, _) = sim.keys("1001");
    assert_eq!(said, ZIP_ONLY);
    let (said, _) = sim.keys("0123");
    assert!(said.starts_with("That doesn't match"), "{said}");
    // Keying the caller ID's own number lists nothing either.
    let (said, _) = sim.keys("4155550123");
    assert!(leaked(&said).is_none(), "{said}");
    let (said, _) = sim.keys("94105");
    assert!(said.starts_with("Thanks, Jane."), "{said}");
}

#[test]
fn the_last_four_of_a_phone_never_stand_in_for_a_postal_code() {
    // A phone number is known to many: an order with a postal code is
    // challenged with the postal code only, from any phone.
    let mut sim =
        MachineSim::new(merchant().with_verification(VerificationPolicy::ChallengeAlways));
    sim.start(Some(STRANGER_PHONE));
    let (said, _) = sim.keys("1001");
    assert_eq!(said, ZIP_ONLY);
    let (said, _) = sim.keys("0123");
    assert!(said.starts_with("That doesn't match"), "{said}");
    let (said, _) = sim.keys("94105");
    assert!(said.starts_with("Thanks, Jane."), "{said}");
}

#[test]
fn one_answer_tests_one_candidate() {
    // "94107, or maybe 94105" is one answer: it is not two guesses.
    let mut sim =
        MachineSim::new(merchant().with_verification(VerificationPolicy::ChallengeAlways));
    sim.start(Some(STRANGER_PHONE));
    sim.keys("1001");
    let (said, _) = sim.say("it's 94107 or maybe 94105");
    assert!(said.starts_with("That doesn't match"), "{said}");
    assert!(leaked(&said).is_none(), "{said}");
}

#[test]
fn a_spoofed_caller_id_without_attestation_gets_the_challenge() {
    // Jane's number, but nobody vouches that Jane is calling.
    let mut sim = MachineSim::new(merchant());
    let (said, _) = sim.start_unattested(Some(JANE_PHONE));
    assert!(leaked(&said).is_none(), "{said}");
    let (said, _) = sim.keys("1001");
    assert_eq!(said, ZIP_ONLY);
    let (said, _) = sim.keys("94105");
    assert!(said.starts_with("Thanks, Jane."), "{said}");
}

#[test]
fn the_unsafe_policy_trusts_an_unattested_caller_id() {
    let mut sim =
        MachineSim::new(merchant().with_verification(VerificationPolicy::CallerIdUnattested));
    sim.start_unattested(Some(JANE_PHONE));
    let (said, _) = sim.keys("1001");
    assert!(said.starts_with("Thanks, Jane."), "{said}");
}

#[test]
fn cancel_requests_go_to_a_human() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    let (said, next) = sim.say("I want to cancel my order");
    assert_eq!(
        said,
        "I'm not able to cancel orders myself, but someone from our team can help with that. Please hold while I connect you with our team."
    );
    assert!(matches!(next, Next::Transfer(_)));
    let (said, next) = sim.feed(lumitalk_core::conversation::Input::TransferEnded(
        lumitalk_core::TransferOutcome::NoAnswer,
    ));
    assert!(
        said.starts_with("I'm sorry, no one from our team could take your call right now."),
        "{said}"
    );
    assert_eq!(next, Next::HangUp);
    assert_eq!(sim.outcome(), Some(CallOutcome::Failed));
}

#[test]
fn zero_and_agent_transfer_at_any_point() {
    for merchant_has_agents in [true, false] {
        let m = if merchant_has_agents {
            merchant()
        } else {
            merchant_without_agents()
        };
        let mut sim = MachineSim::new(m);
        sim.start(Some(STRANGER_PHONE));
        sim.keys("1001");
        let (said, next) = sim.keys("0");
        if merchant_has_agents {
            assert!(matches!(next, Next::Transfer(_)));
        } else {
            assert_eq!(next, Next::HangUp);
            assert!(
                said.contains("will call you back at this number within one business day"),
                "{said}"
            );
        }
    }
}

#[test]
fn outside_business_hours_says_so() {
    let mut sim = MachineSim::new(merchant().with_business_hours(weekday_hours()));
    sim.now = lumitalk_core::Timestamp::from_civil(2025, 11, 29, 15, 0, 0); // Saturday
    sim.start(None);
    let (said, next) = sim.say("agent");
    assert!(said.starts_with("Our team is away right now"), "{said}");
    assert_eq!(next, Next::HangUp);
}

#[test]
fn silence_is_reprompted_twice_then_goodbye() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    for _ in 0..2 {
        let (said, next) = sim.silence();
        assert!(said.starts_with("Sorry, I didn't hear anything."));
        assert_eq!(next, Next::Listen);
    }
    let (said, next) = sim.silence();
    assert!(said.starts_with("I still can't hear you"), "{said}");
    assert_eq!(next, Next::HangUp);
    assert_eq!(sim.outcome(), Some(CallOutcome::Abandoned));
}

#[test]
fn unclear_answers_are_rephrased_then_a_human_is_offered() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    let (said, _) = sim.say("blah blah");
    assert!(
        said.starts_with("Sorry, I didn't catch that. You can say your order number"),
        "{said}"
    );
    sim.say("hmm");
    let (said, _) = sim.say("what");
    assert_eq!(
        said,
        "Would you like me to connect you with someone from our team?"
    );
}

#[test]
fn repeat_says_the_answer_again() {
    let mut sim = MachineSim::new(merchant().with_verification(VerificationPolicy::None));
    sim.start(None);
    let (answer, _) = sim.keys("1003");
    let (again, _) = sim.say("can you repeat that");
    assert!(answer.contains(&again[..40]), "{answer} / {again}");
}

#[test]
fn upset_callers_are_offered_a_person() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    let (said, next) = sim.say("this is ridiculous");
    assert!(
        said.starts_with("I'm sorry for the trouble. Please hold"),
        "{said}"
    );
    assert!(matches!(next, Next::Transfer(_)));
}

#[test]
fn lookup_outage_apologizes_and_offers_a_human() {
    let mut sim = MachineSim::new(merchant());
    sim.providers = Providers::LookupDown;
    let (said, _) = sim.start(Some(JANE_PHONE));
    assert!(said.ends_with("Please say or enter your order number, or say agent at any time."));
    let (said, _) = sim.keys("1001");
    assert_eq!(
        said,
        "I'm sorry, I'm having trouble reaching our order system right now. Would you like me to connect you with someone from our team?"
    );
}

#[test]
fn limits_end_every_call() {
    let mut sim = MachineSim::new(merchant_without_agents());
    sim.start(None);
    let mut ended = false;
    for i in 0..30 {
        let (_, next) = if i % 2 == 0 {
            sim.say("1001")
        } else {
            sim.say("no")
        };
        if next == Next::HangUp {
            ended = true;
            break;
        }
    }
    assert!(ended);
    // Duration: 15 minutes.
    let mut sim = MachineSim::new(merchant_without_agents());
    sim.start(None);
    sim.now = sim.now.plus(std::time::Duration::from_secs(16 * 60));
    let (said, next) = sim.say("1001");
    assert!(
        said.starts_with("I'm sorry we couldn't sort this out together."),
        "{said}"
    );
    assert_eq!(next, Next::HangUp);
}

#[test]
fn speculative_lookup_is_dropped_when_the_caller_meant_something_else() {
    let mut sim = MachineSim::new(merchant());
    sim.start(None);
    // "cancel 1001" does not parse as a bare order number, so no guess;
    // "1001" does, and the classification confirms it.
    let (said, _) = sim.say("1001");
    assert!(said.starts_with("To protect your privacy"), "{said}");
}

#[test]
fn session_state_is_compact_and_round_trips() {
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(JANE_PHONE));
    sim.keys("1001");
    let bytes = sim.conv.to_bytes();
    assert!(bytes.len() < 2048, "{} bytes", bytes.len());
    let back = Conversation::from_bytes(&bytes).unwrap();
    assert_eq!(back, sim.conv);
    println!("answered-phase session: {} bytes", bytes.len());
}

#[test]
fn a_lost_session_apologizes_and_still_acts_on_the_input() {
    let mut sim = MachineSim::new(merchant());
    sim.conv = Conversation::resume(
        sim.now,
        Some(phone(STRANGER_PHONE)),
        Attestation::Unverified,
        false,
    );
    let (said, next) = sim.keys("0");
    assert!(
        said.starts_with("Sorry, I lost track of our conversation. Let's start again. Please hold"),
        "{said}"
    );
    assert!(matches!(next, Next::Transfer(_)));

    sim.conv = Conversation::resume(sim.now, None, Attestation::Unverified, false);
    let (said, next) = sim.silence();
    assert_eq!(
        said,
        "Sorry, I lost track of our conversation. Let's start again. Please say or enter your order number, or say agent at any time."
    );
    assert_eq!(next, Next::Listen);
}

#[test]
fn ordinals_and_months_choose_among_listed_orders() {
    for (said, number) in [
        ("the second one", "1 0 0 2"),
        ("the 2nd one please", "1 0 0 2"),
        ("the third one", "1 0 0 3"),
        ("the last one", "1 0 0 3"),
        ("the first one", "1 0 0 1"),
        ("the one from October", "1 0 0 2"),
        ("the one I ordered in september", "1 0 0 3"),
    ] {
        let mut sim = MachineSim::new(merchant().with_verification(VerificationPolicy::None));
        // Three of Jane's orders, in three months.
        let jane = sim.orders_owner_jane();
        for o in &mut sim.orders {
            match o.number.digits() {
                "1002" => {
                    o.placed_at = lumitalk_core::Timestamp::from_civil(2025, 10, 20, 17, 0, 0)
                }
                "1003" => {
                    o.customer = jane.clone();
                    o.placed_at = lumitalk_core::Timestamp::from_civil(2025, 9, 15, 17, 0, 0)
                }
                _ => {}
            }
        }
        let (listed, _) = sim.start(Some(JANE_PHONE));
        assert!(listed.contains("I see three recent orders"), "{listed}");
        let (said_back, _) = sim.say(said);
        assert!(
            said_back.starts_with(&format!("Thanks, Jane. Order {number}")),
            "{said:?} -> {said_back}"
        );
    }
}

#[test]
fn a_classifier_entity_that_is_not_a_digit_does_not_panic() {
    use lumitalk_core::conversation::{Context, Input};
    use lumitalk_core::{Classification, Intent};
    let m = merchant();
    let ctx = Context::new(&m);
    let mut sim = MachineSim::new(m.clone());
    sim.start(Some(JANE_PHONE));
    assert!(matches!(sim.conv.phase(), Phase::ChooseOrder(_)));
    for weird in ["#", "é", "x", " ", "00", "9"] {
        let mut conv = sim.conv.clone();
        conv.handle(
            sim.now,
            &ctx,
            Input::Speech {
                text: "hmm".into(),
                confidence: Some(0.9),
            },
        );
        let mut c = Classification::new(Intent::Unknown, 0.4, "third-party");
        c.entities.digits = Some(weird.into());
        let actions = conv.handle(sim.now, &ctx, Input::Classified(c));
        assert!(
            actions
                .iter()
                .any(|a| a.is_terminal()
                    || matches!(a, lumitalk_core::conversation::Action::Effect(_))),
            "{weird:?}: {actions:?}"
        );
    }
}

#[test]
fn a_full_order_number_can_be_keyed_while_an_order_is_offered() {
    use lumitalk_core::conversation::{Action, Context, Input};
    let m = merchant();
    let ctx = Context::new(&m);
    let mut sim = MachineSim::new(m.clone());
    sim.orders.retain(|o| o.number.digits() != "1002");
    sim.start(Some(JANE_PHONE));
    assert!(matches!(sim.conv.phase(), Phase::OfferOrder(_)));
    // Ask again (a silence) and look at how the carrier is told to listen.
    let actions = sim.conv.handle(sim.now, &ctx, Input::NoInput);
    let Some(Action::Listen(spec)) = actions.last() else {
        panic!("{actions:?}")
    };
    assert_eq!(spec.num_digits, None, "one key would cut 1003 to 1");
    assert_eq!(spec.finish_on_key, Some('#'));
    let (said, _) = sim.keys("1003#");
    assert!(said.starts_with("To protect your privacy"), "{said}");
}

#[test]
fn a_spoken_phone_number_is_a_phone_number_not_an_order_number() {
    for said in [
        "my phone number is 415 555 0123",
        "4155550123",
        "it's four one five five five five zero one two three",
    ] {
        let mut sim = MachineSim::new(merchant());
        sim.start(Some(STRANGER_PHONE));
        let (heard, _) = sim.say(said);
        assert_eq!(heard, ZIP_OR_NUMBER, "{said:?}");
        assert!(matches!(sim.conv.phase(), Phase::VerifyPhone(_)));
    }
    // "phone number" without one: asked for it.
    let mut sim = MachineSim::new(merchant());
    sim.start(Some(STRANGER_PHONE));
    let (heard, _) = sim.say("can I give you my phone number instead");
    assert!(heard.contains("phone number on the order"), "{heard}");
    // Short numbers stay order numbers.
    let (heard, _) = sim.say("1003");
    assert_eq!(heard, ZIP_ONLY);
}
