//! Whole calls through the `Assistant`, told as stories: a call simulator that
//! reads like a script, on virtual time (tokio's paused clock), with in-memory
//! providers and failing test doubles.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use common::doubles::*;
use common::*;
use lumitalk_core::assistant::{Assistant, AssistantBuilder, LockoutPolicy};
use lumitalk_core::memory::DemoOrderStore;
use lumitalk_core::{
    Attestation, Cacheability, CallEvent, CallEventKind, CallId, CallOutcome, CallStatus,
    ErrorKind, Intent, Merchant, MerchantDirectory, MerchantId, Next, PhoneNumber, Prompt,
    TokioClock, TransferOutcome, Utterance,
};

// ---------------------------------------------------------------------------
// The call simulator.

fn assistant(merchant: Merchant) -> AssistantBuilder {
    Assistant::builder(
        MerchantDirectory::new(vec![merchant]),
        Arc::new(DemoOrderStore::new(orders())),
    )
    .demo_in_memory_records()
    .clock(Arc::new(TokioClock::starting_at(t0())))
}

struct Call {
    assistant: Assistant,
    id: CallId,
    from: Option<PhoneNumber>,
    /// What the carrier says of the caller ID (attested unless a story says not).
    attestation: Attestation,
}

/// What the caller heard on one turn, with assertions that chain.
#[derive(Debug)]
struct Heard(lumitalk_core::assistant::TurnOutcome);

impl Call {
    fn new(assistant: &Assistant, id: &str, from: Option<&str>) -> Self {
        Call {
            assistant: assistant.clone(),
            id: CallId::new(id),
            from: from.map(phone),
            attestation: Attestation::Full,
        }
    }

    async fn event(&self, kind: CallEventKind) -> Heard {
        let event = CallEvent::new(
            self.id.clone(),
            self.from.clone(),
            Some(phone(STORE_PHONE)),
            kind,
        );
        let outcome = self
            .assistant
            .handle(event.with_attestation(self.attestation))
            .await;
        Heard(outcome)
    }

    async fn rings(&self) -> Heard {
        self.event(CallEventKind::Incoming).await
    }

    async fn says(&self, text: &str) -> Heard {
        self.event(CallEventKind::Input(Utterance::speech(text, Some(0.92))))
            .await
    }

    async fn mumbles(&self, text: &str) -> Heard {
        self.event(CallEventKind::Input(Utterance::speech(text, Some(0.35))))
            .await
    }

    async fn presses(&self, keys: &str) -> Heard {
        self.event(CallEventKind::Input(Utterance::digits(keys)))
            .await
    }

    async fn stays_silent(&self) -> Heard {
        self.event(CallEventKind::NoInput).await
    }

    async fn transfer_ends(&self, outcome: TransferOutcome) -> Heard {
        self.event(CallEventKind::TransferEnded(outcome)).await
    }

    async fn hangs_up(&self) -> Heard {
        self.event(CallEventKind::Status(CallStatus::Completed))
            .await
    }

    async fn waits(&self, d: Duration) {
        tokio::time::advance(d).await;
    }

    async fn record(&self) -> lumitalk_core::CallRecord {
        self.assistant
            .records()
            .get(&self.id)
            .await
            .unwrap()
            .expect("a call record")
    }
}

impl Heard {
    fn text(&self) -> String {
        self.0.reply.spoken_text()
    }

    #[track_caller]
    fn hears(self, words: &str) -> Self {
        let text = self.text();
        assert!(text.contains(words), "expected {words:?} in {text:?}");
        self
    }

    #[track_caller]
    fn never_hears_a_secret(self) -> Self {
        let text = self.text();
        assert_eq!(leaked(&text), None, "disclosed in {text:?}");
        self
    }

    #[track_caller]
    fn listens(self) -> Self {
        assert!(
            matches!(self.0.reply.next, Next::Listen(_)),
            "{:?}",
            self.0.reply.next
        );
        self
    }

    #[track_caller]
    fn gets_transferred_to(self, number: &str) -> Self {
        match &self.0.reply.next {
            Next::Transfer(t) => assert_eq!(t.to, phone(number)),
            other => panic!("expected a transfer, got {other:?}: {}", self.text()),
        }
        self
    }

    #[track_caller]
    fn hung_up(self) -> Self {
        assert_eq!(self.0.reply.next, Next::HangUp, "{}", self.text());
        self
    }

    #[track_caller]
    fn ends_as(self, outcome: CallOutcome) -> Self {
        assert_eq!(self.0.ended, Some(outcome));
        self
    }

    #[track_caller]
    fn plays_audio(self) -> Self {
        assert!(
            self.0
                .reply
                .prompts
                .iter()
                .all(|p| matches!(p, Prompt::Play { .. })),
            "{:?}",
            self.0.reply.prompts
        );
        self
    }

    #[track_caller]
    fn speaks_with_carrier_voice(self) -> Self {
        for p in &self.0.reply.prompts {
            match p {
                Prompt::Say { voice, .. } => {
                    assert_eq!(voice.as_deref(), Some("Polly.Joanna-Neural"))
                }
                other => panic!("expected <Say>, got {other:?}"),
            }
        }
        self
    }

    #[track_caller]
    fn notes_failure_of(self, provider: &str) -> Self {
        assert!(
            self.0.errors.iter().any(|e| e.provider == provider),
            "no failure of {provider} in {:?}",
            self.0.errors
        );
        self
    }

    #[track_caller]
    fn notes_no_failures(self) -> Self {
        assert!(self.0.errors.is_empty(), "{:?}", self.0.errors);
        self
    }
}

// ---------------------------------------------------------------------------
// Stories.

#[tokio::test(start_paused = true)]
async fn greeting_then_order_number_then_verification_then_status_then_goodbye() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-happy", Some(STRANGER_PHONE));

    call.rings()
        .await
        .hears("Thanks for calling Acme Outdoor.")
        .hears("Please say or enter your order number, or say agent at any time.")
        .listens()
        .notes_no_failures();
    call.waits(Duration::from_secs(5)).await;
    call.says("it's order number 1003")
        .await
        .hears("To protect your privacy, please say or enter the ZIP code")
        .never_hears_a_secret()
        .listens();
    call.presses("10001#")
        .await
        .hears("Thanks, John. Order 1 0 0 3, placed on Monday, November 10th, for one hundred twenty-nine dollars")
        .hears("It was delivered on Friday, November 14th.")
        .hears("Is there anything else I can help you with?")
        .listens();
    call.says("no thanks, that's all")
        .await
        .hears("Thank you for calling Acme Outdoor. Goodbye!")
        .hung_up()
        .ends_as(CallOutcome::Resolved);

    let record = call.record().await;
    assert_eq!(record.outcome, Some(CallOutcome::Resolved));
    assert_eq!(record.merchant, MerchantId::new("acme"));
    assert_eq!(record.turns.len(), 4);
    let c = record.turns[1].classification.as_ref().expect("classified");
    assert_eq!(c.intent, Intent::ProvideOrderNumber);
    assert!(
        record.turns[1].timings.lookup_ms.is_some(),
        "speculative lookup ran"
    );
    assert!(record.turns[2].reply_text.contains("Thanks, John"));
    assert_eq!(a.active_calls().await, 0);
}

#[tokio::test(start_paused = true)]
async fn caller_id_finds_recent_orders_and_verifies_the_caller() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-jane", Some(JANE_PHONE));
    call.rings()
        .await
        .hears("Thanks for calling Acme Outdoor. I see two recent orders: one ending in 1 0 0 1, placed November 24th, and one ending in 1 0 0 2, placed November 3rd.")
        .listens();
    call.says("the one ending in 1001")
        .await
        .hears("Thanks, Jane. Order 1 0 0 1")
        .hears("It is on its way with UPS, expected to arrive Tuesday, December 2nd.")
        .hears("The UPS tracking number is 1 Z 9 9, 9 A A 1, 0 1 2 3, 4 5 6 7, 8 4.");
    call.says("repeat that please")
        .await
        .hears("The UPS tracking number is 1 Z 9 9");
    assert_eq!(a.active_calls().await, 1);
    call.hangs_up().await.ends_as(CallOutcome::Resolved);
    assert_eq!(a.active_calls().await, 0);
}

#[tokio::test(start_paused = true)]
async fn a_phone_number_from_another_phone_names_no_order_before_the_zip_code() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-other-phone", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("4155550123#")
        .await
        .hears("please say or enter the ZIP code the order ships to, or the order number")
        .never_hears_a_secret()
        .listens();
    call.says("it's nine four one oh five")
        .await
        .hears("I see two recent orders: one ending in 1 0 0 1, placed November 24th, and one ending in 1 0 0 2, placed November 3rd.");
    call.says("the second one")
        .await
        .hears("Thanks, Jane. Order 1 0 0 2, placed on Monday, November 3rd");
}

#[tokio::test(start_paused = true)]
async fn under_challenge_always_the_greeting_names_no_order() {
    let a =
        assistant(merchant().with_verification(lumitalk_core::VerificationPolicy::ChallengeAlways))
            .build()
            .unwrap();
    let call = Call::new(&a, "CA-always", Some(JANE_PHONE));
    let heard = call
        .rings()
        .await
        .hears("Please say or enter your order number")
        .never_hears_a_secret();
    assert_eq!(heard.0.timings.lookup_ms, None, "no caller-ID lookup");
    call.presses("1001")
        .await
        .hears("To protect your privacy, please say or enter the ZIP code the order ships to.")
        .never_hears_a_secret();
    call.presses("0123")
        .await
        .hears("doesn't match")
        .never_hears_a_secret();
}

#[tokio::test(start_paused = true)]
async fn low_confidence_numbers_are_confirmed_before_the_lookup() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-mumble", None);
    call.rings().await;
    call.mumbles("one zero zero three")
        .await
        .hears("I heard 1 0 0 3. Is that right?");
    call.presses("1").await.hears("ZIP code");
}

#[tokio::test(start_paused = true)]
async fn pressing_zero_reaches_a_human() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-zero", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003").await.hears("ZIP code");
    call.presses("0")
        .await
        .hears("Please hold while I connect you with our team.")
        .gets_transferred_to(AGENT_PHONE);
    call.transfer_ends(TransferOutcome::Answered)
        .await
        .hung_up()
        .ends_as(CallOutcome::Transferred);
    assert_eq!(call.record().await.outcome, Some(CallOutcome::Transferred));
    // The status callback after the bridged call changes nothing.
    let late = call.hangs_up().await;
    assert_eq!(late.0.ended, None);
    assert_eq!(call.record().await.outcome, Some(CallOutcome::Transferred));
}

#[tokio::test(start_paused = true)]
async fn three_silences_end_the_call_politely() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-quiet", None);
    call.rings().await;
    for _ in 0..2 {
        call.stays_silent()
            .await
            .hears("Sorry, I didn't hear anything. Please say or enter your order number")
            .listens();
    }
    call.stays_silent()
        .await
        .hears("I still can't hear you, so I'll end the call now.")
        .hung_up()
        .ends_as(CallOutcome::Abandoned);
}

#[tokio::test(start_paused = true)]
async fn an_order_not_found_twice_offers_a_human() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-nf", None);
    call.rings().await;
    call.presses("5555#")
        .await
        .hears("I couldn't find an order with the number 5 5 5 5.")
        .hears("Please say or enter your order number again.")
        .listens();
    call.says("it's 6666")
        .await
        .hears("I couldn't find an order with the number 6 6 6 6.")
        .hears("Would you like me to connect you with someone from our team?")
        .listens();
    call.says("yes please")
        .await
        .gets_transferred_to(AGENT_PHONE);
}

#[tokio::test(start_paused = true)]
async fn failed_verification_discloses_nothing_and_locks_the_number_out() {
    let a = assistant(merchant()).build().unwrap();
    // Call 1: three wrong answers.
    let call = Call::new(&a, "CA-v1", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1001")
        .await
        .hears("ZIP code")
        .never_hears_a_secret();
    for zip in ["11111", "22222"] {
        call.presses(zip)
            .await
            .hears("That doesn't match what we have on file.")
            .never_hears_a_secret();
    }
    call.says("33333")
        .await
        .hears(
            "I'm sorry, I wasn't able to verify that, so I can't share the details of this order.",
        )
        .hears("Would you like me to connect you with someone from our team?")
        .never_hears_a_secret();
    call.says("no").await.hung_up();

    // Call 2 from the same number: two more wrong answers reach the lockout (5).
    let call = Call::new(&a, "CA-v2", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003").await.hears("ZIP code");
    call.presses("44444").await.hears("doesn't match");
    call.presses("55555")
        .await
        .hears("doesn't match")
        .never_hears_a_secret();

    // Call 3: even the right answer is not asked for any more.
    let call = Call::new(&a, "CA-v3", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003")
        .await
        .hears("For your security, I can't share order details on this call.")
        .hears("Would you like me to connect you")
        .never_hears_a_secret();

    // An hour later the lock has expired.
    call.waits(Duration::from_secs(3601)).await;
    let call = Call::new(&a, "CA-v4", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003").await.hears("ZIP code");
}

#[tokio::test(start_paused = true)]
async fn the_lockout_threshold_is_configurable() {
    let a = assistant(merchant())
        .verification_lockout(LockoutPolicy {
            max_failures: 1,
            window: Duration::from_secs(60),
        })
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-l1", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003").await;
    call.presses("99999").await.hears("doesn't match");
    let call = Call::new(&a, "CA-l2", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003").await.hears("For your security");
}

fn strict_lockout() -> Assistant {
    assistant(merchant())
        .verification_lockout(LockoutPolicy {
            max_failures: 2,
            window: Duration::from_secs(600),
        })
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn anonymous_callers_share_one_lockout() {
    let a = strict_lockout();
    for id in ["CA-anon-1", "CA-anon-2"] {
        let call = Call::new(&a, id, None);
        call.rings().await;
        call.presses("1003").await.hears("ZIP code");
        call.presses("99999").await.hears("doesn't match");
    }
    // A third anonymous caller: no challenge is asked, nothing is disclosed.
    let call = Call::new(&a, "CA-anon-3", None);
    call.rings().await;
    call.presses("1003")
        .await
        .hears("For your security, I can't share order details on this call.")
        .hears("Would you like me to connect you")
        .never_hears_a_secret();
    call.says("yes").await.gets_transferred_to(AGENT_PHONE);
    // Callers with a number are not affected (but order 1003 is: see below).
    let call = Call::new(&a, "CA-known", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1001").await.hears("ZIP code");
}

#[tokio::test(start_paused = true)]
async fn failures_on_one_order_from_many_numbers_lock_that_order() {
    let a = strict_lockout();
    for (id, from) in [("CA-o1", "+13125550001"), ("CA-o2", "+13125550002")] {
        let call = Call::new(&a, id, Some(from));
        call.rings().await;
        call.presses("1003").await.hears("ZIP code");
        call.presses("99999").await.hears("doesn't match");
    }
    // A third number asking about the same order: locked, even with the right code.
    let call = Call::new(&a, "CA-o3", Some("+13125550003"));
    call.rings().await;
    call.presses("1003")
        .await
        .hears("For your security, I can't share order details on this call.")
        .never_hears_a_secret();
    call.says("yes").await.gets_transferred_to(AGENT_PHONE);
    // Another order is still answered after its challenge.
    let call = Call::new(&a, "CA-o4", Some("+13125550004"));
    call.rings().await;
    call.presses("1001").await.hears("ZIP code");
    call.presses("94105").await.hears("Thanks, Jane.");
    // Wrong codes for a phone number's orders count against those orders too.
    for (id, from) in [("CA-p1", "+13125550005"), ("CA-p2", "+13125550006")] {
        let call = Call::new(&a, id, Some(from));
        call.rings().await;
        call.presses("4155550123").await.hears("ZIP code");
        call.presses("99999").await.hears("doesn't match");
    }
    let call = Call::new(&a, "CA-p3", Some("+13125550007"));
    call.rings().await;
    call.presses("1002")
        .await
        .hears("For your security")
        .never_hears_a_secret();
    // The right code for that phone's locked orders discloses nothing either.
    let call = Call::new(&a, "CA-p4", Some("+13125550008"));
    call.rings().await;
    call.presses("4155550123").await.hears("ZIP code");
    call.presses("94105")
        .await
        .hears("For your security")
        .never_hears_a_secret();
}

#[tokio::test(start_paused = true)]
async fn a_cancel_request_is_transferred_and_an_unanswered_transfer_promises_a_callback() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-cancel", Some(JOHN_PHONE));
    call.rings().await;
    call.says("I want to cancel my order")
        .await
        .hears(
            "I'm not able to cancel orders myself, but someone from our team can help with that.",
        )
        .gets_transferred_to(AGENT_PHONE);
    call.transfer_ends(TransferOutcome::NoAnswer)
        .await
        .hears("I'm sorry, no one from our team could take your call right now.")
        .hears("Someone from our team will call you back at this number within one business day.")
        .hung_up()
        .ends_as(CallOutcome::Failed);
}

#[tokio::test(start_paused = true)]
async fn without_an_escalation_number_the_caller_hears_what_happens_next() {
    let a = assistant(merchant_without_agents()).build().unwrap();
    let call = Call::new(&a, "CA-noagent", None);
    call.rings().await;
    call.says("representative please")
        .await
        .hears("I'm not able to transfer your call right now.")
        .hears("Please call us back during business hours")
        .hung_up();
}

#[tokio::test(start_paused = true)]
async fn outside_business_hours_the_caller_is_told_so() {
    // Friday 28 November, 15:00 UTC is 10:00 in New York: open. Saturday is not.
    let a = assistant(merchant().with_business_hours(weekday_hours()))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-hours", Some(STRANGER_PHONE));
    call.rings().await;
    call.waits(Duration::from_secs(60)).await;
    call.presses("0").await.gets_transferred_to(AGENT_PHONE);

    let call = Call::new(&a, "CA-weekend", Some(STRANGER_PHONE));
    call.waits(Duration::from_secs(24 * 3600)).await;
    call.rings().await;
    call.presses("0")
        .await
        .hears("Our team is away right now, so I can't transfer your call.")
        .hung_up();
}

#[tokio::test(start_paused = true)]
async fn an_upset_caller_is_connected_with_a_person() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-upset", None);
    call.rings().await;
    call.says("this is ridiculous, where is my stuff")
        .await
        .hears("I'm sorry for the trouble.")
        .gets_transferred_to(AGENT_PHONE);
}

#[tokio::test(start_paused = true)]
async fn order_system_outage_apologizes_and_offers_a_human() {
    let a = Assistant::builder(
        MerchantDirectory::new(vec![merchant()]),
        Arc::new(DownOrders),
    )
    .demo_in_memory_records()
    .clock(Arc::new(TokioClock::starting_at(t0())))
    .build()
    .unwrap();
    let call = Call::new(&a, "CA-orders-down", Some(JANE_PHONE));
    // The caller-ID lookup fails quietly: the caller just hears the menu.
    call.rings()
        .await
        .hears("Please say or enter your order number")
        .notes_failure_of("down-orders");
    call.presses("1001")
        .await
        .hears("I'm sorry, I'm having trouble reaching our order system right now.")
        .hears("Would you like me to connect you with someone from our team?")
        .notes_failure_of("down-orders");
    call.says("yes").await.gets_transferred_to(AGENT_PHONE);
    let record = call.record().await;
    assert!(
        record.turns[1]
            .errors
            .iter()
            .any(|e| e.provider == "down-orders" && e.kind == ErrorKind::Unavailable)
    );
}

#[tokio::test(start_paused = true)]
async fn a_queued_lookup_holds_the_caller_instead_of_apologizing() {
    let orders = Arc::new(QueuedOrders::new(2));
    let a = Assistant::builder(MerchantDirectory::new(vec![merchant()]), orders.clone())
        .demo_in_memory_records()
        .clock(Arc::new(TokioClock::starting_at(t0())))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-queued", Some(STRANGER_PHONE));
    // The caller-ID lookup is speculative: it gives way, and the caller is
    // simply asked for the order number.
    call.rings()
        .await
        .hears("Please say or enter your order number")
        .listens();
    let held = call
        .presses("1001")
        .await
        .hears("One moment while I look that up.");
    assert_eq!(held.0.reply.next, Next::Continue);
    assert!(!held.text().contains("trouble"), "{}", held.text());
    let held = call.event(CallEventKind::Resumed).await.hears("One moment");
    assert_eq!(held.0.reply.next, Next::Continue);
    // Its turn came: the lookup goes on as if it had never waited.
    call.event(CallEventKind::Resumed)
        .await
        .hears("ZIP code")
        .never_hears_a_secret()
        .listens();
    call.presses("94105").await.hears("Thanks, Jane.");
    let urgencies = orders.urgencies.lock().unwrap().clone();
    use lumitalk_core::Urgency::{CallerWaiting, Speculative};
    assert_eq!(
        urgencies,
        vec![Speculative, CallerWaiting, CallerWaiting, CallerWaiting]
    );
    let record = call.record().await;
    assert!(
        record
            .turns
            .iter()
            .any(|t| t.input == lumitalk_core::TurnInput::Resumed),
        "{:?}",
        record.turns.iter().map(|t| &t.input).collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn a_lookup_queued_past_three_holds_apologizes_and_offers_a_human() {
    let orders = Arc::new(QueuedOrders::new(10));
    let a = Assistant::builder(MerchantDirectory::new(vec![merchant()]), orders)
        .demo_in_memory_records()
        .clock(Arc::new(TokioClock::starting_at(t0())))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-queued-long", None);
    call.rings().await;
    call.presses("1001").await.hears("One moment");
    call.event(CallEventKind::Resumed).await.hears("One moment");
    call.event(CallEventKind::Resumed).await.hears("One moment");
    call.event(CallEventKind::Resumed)
        .await
        .hears("I'm having trouble reaching our order system")
        .hears("connect you with someone from our team")
        .listens();
    call.says("yes").await.gets_transferred_to(AGENT_PHONE);
}

#[tokio::test(start_paused = true)]
async fn provider_retries_are_counted_per_turn_and_per_call() {
    use lumitalk_core::wrappers::{Retry, RetryPolicy};
    let orders = Retry::new(FlakyOrders::new(2), RetryPolicy::default()).with_seed(7);
    let a = Assistant::builder(MerchantDirectory::new(vec![merchant()]), Arc::new(orders))
        .demo_in_memory_records()
        .clock(Arc::new(TokioClock::starting_at(t0())))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-retries", None);
    call.rings().await;
    call.presses("1003")
        .await
        .hears("ZIP code")
        .notes_no_failures();
    call.presses("10001").await.hears("Thanks, John.");
    let record = call.record().await;
    let per_turn: Vec<u32> = record.turns.iter().map(|t| t.retry_attempts).collect();
    assert_eq!(per_turn, vec![0, 2, 0]);
    assert_eq!(record.retry_attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn conversation_events_are_kept_in_the_call_record() {
    use lumitalk_core::conversation::{EscalationReason, Event};
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-events", Some(STRANGER_PHONE));
    call.rings().await;
    call.presses("1003").await;
    call.presses("99999").await.hears("doesn't match");
    call.presses("10001").await.hears("Thanks, John.");
    call.presses("0").await.gets_transferred_to(AGENT_PHONE);
    call.transfer_ends(TransferOutcome::NoAnswer)
        .await
        .hung_up();
    let record = call.record().await;
    let events: Vec<Vec<Event>> = record.turns.iter().map(|t| t.events.clone()).collect();
    assert_eq!(
        events,
        vec![
            vec![],
            vec![],
            vec![Event::VerificationFailed],
            vec![Event::Verified],
            vec![Event::Escalated(EscalationReason::Requested)],
            vec![
                Event::TransferEnded(TransferOutcome::NoAnswer),
                Event::CallbackPromised,
                Event::Ended(CallOutcome::Resolved),
            ],
        ]
    );
    // Turns without events keep their JSON as before.
    let json = serde_json::to_string(&record.turns[0]).unwrap();
    assert!(!json.contains("events"), "{json}");
}

#[tokio::test(start_paused = true)]
async fn classifier_outage_falls_back_to_keywords() {
    let a = assistant(merchant())
        .classifier(Arc::new(DownClassifier))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-llm-down", None);
    call.rings().await;
    call.says("my order number is 1003")
        .await
        .hears("ZIP code")
        .notes_failure_of("down-classifier");
    let record = call.record().await;
    assert_eq!(
        record.turns[1].classification.as_ref().unwrap().classifier,
        "keywords"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_classifier_is_cut_off_by_the_turn_deadline() {
    let a = assistant(merchant())
        .classifier(Arc::new(HangingClassifier))
        .turn_deadline(Duration::from_secs(4))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-slow", None);
    call.rings().await;
    let heard = call.says("agent").await.gets_transferred_to(AGENT_PHONE);
    let timeout = heard
        .0
        .errors
        .iter()
        .find(|e| e.provider == "hanging-classifier")
        .unwrap();
    assert_eq!(timeout.kind, ErrorKind::Timeout);
}

#[tokio::test(start_paused = true)]
async fn both_classifiers_failing_leave_the_intent_unknown_within_the_fallback_budget() {
    let a = assistant(merchant())
        .classifier(Arc::new(DownClassifier))
        .fallback_classifier(Arc::new(HangingClassifier))
        .build()
        .unwrap();
    let call = Call::new(&a, "CA-both-down", None);
    call.rings().await;
    let heard = call.says("my order number is 1003").await;
    let failures: Vec<_> = heard
        .0
        .errors
        .iter()
        .map(|e| (e.provider.as_str(), e.kind))
        .collect();
    assert_eq!(
        failures,
        [
            ("down-classifier", ErrorKind::Unauthorized),
            ("hanging-classifier", ErrorKind::Timeout)
        ]
    );
    // The fallback's 300 ms, on the assistant's (virtual) clock.
    assert_eq!(heard.0.timings.classify_ms, Some(300));
    let record = call.record().await;
    let classification = record.turns[1].classification.as_ref().unwrap();
    assert_eq!(
        (classification.intent, classification.classifier.as_str()),
        (Intent::Unknown, "none")
    );
    assert_eq!(record.turns[1].errors, heard.0.errors);
}

#[tokio::test(start_paused = true)]
async fn speech_outage_falls_back_to_the_carrier_voice_and_stops_trying() {
    let mut m = merchant();
    m.voice.carrier_voice = Some("Polly.Joanna-Neural".into());
    let a = assistant(m).speech(Arc::new(DownSpeech)).build().unwrap();
    let call = Call::new(&a, "CA-tts-down", None);
    call.rings()
        .await
        .speaks_with_carrier_voice()
        .notes_failure_of("down-speech");
    call.presses("1003")
        .await
        .speaks_with_carrier_voice()
        .notes_failure_of("down-speech");
    // Two failed turns in a row: the rest of the call does not wait on speech.
    call.presses("10001")
        .await
        .speaks_with_carrier_voice()
        .notes_no_failures()
        .hears("Thanks, John.");
}

#[tokio::test(start_paused = true)]
async fn speech_plays_stored_audio_and_fixed_prompts_are_synthesized_once() {
    let speech = Arc::new(FakeSpeech::default());
    let a = assistant(merchant())
        .speech(speech.clone())
        .build()
        .unwrap();
    let greeting = "Thanks for calling Acme Outdoor.";

    let call = Call::new(&a, "CA-tts-1", None);
    let heard = call.rings().await.plays_audio().notes_no_failures();
    let Prompt::Play { audio, text } = &heard.0.reply.prompts[0] else {
        unreachable!()
    };
    assert_eq!(text, greeting);
    let stored = a
        .audio_store()
        .get(audio)
        .await
        .unwrap()
        .expect("audio stored");
    assert_eq!(stored.bytes, Bytes::from_static(greeting.as_bytes()));
    let heard = call.presses("1003").await.plays_audio();
    call.presses("10001")
        .await
        .plays_audio()
        .hears("Thanks, John.");
    assert!(heard.0.timings.speech_ms.is_some());

    let call = Call::new(&a, "CA-tts-2", None);
    call.rings().await.plays_audio();
    call.presses("1003").await;
    call.presses("10001").await.plays_audio();
    assert_eq!(
        speech.times_asked(greeting),
        1,
        "fixed prompts come from the cache"
    );
    let personal: Vec<_> = speech
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| t.starts_with("Thanks, John."))
        .map(|(_, c)| *c)
        .collect();
    assert_eq!(
        personal,
        vec![Cacheability::Personal; 2],
        "personal text is synthesized per call"
    );
    let record = call.record().await;
    assert_eq!(record.turns[0].audio.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn prewarm_synthesizes_every_fixed_prompt_ahead_of_calls() {
    let speech = Arc::new(FakeSpeech::default());
    let a = assistant(merchant())
        .speech(speech.clone())
        .build()
        .unwrap();
    let ready = a.prewarm().await;
    assert!(ready > 30, "{ready}");
    let asked = speech.requests.lock().unwrap().len();
    let call = Call::new(&a, "CA-warm", None);
    call.rings().await.plays_audio();
    call.stays_silent().await.plays_audio();
    assert_eq!(
        speech.requests.lock().unwrap().len(),
        asked,
        "no synthesis during the call"
    );
    // Without a speech provider, prewarm does nothing.
    assert_eq!(assistant(merchant()).build().unwrap().prewarm().await, 0);
}

#[tokio::test(start_paused = true)]
async fn everything_down_the_caller_still_reaches_a_human() {
    let sessions = Arc::new(DownSessions::default());
    let a = Assistant::builder(
        MerchantDirectory::new(vec![merchant()]),
        Arc::new(DownOrders),
    )
    .demo_in_memory_records()
    .classifier(Arc::new(DownClassifier))
    .fallback_classifier(Arc::new(DownClassifier))
    .speech(Arc::new(DownSpeech))
    .sessions(sessions.clone())
    .clock(Arc::new(TokioClock::starting_at(t0())))
    .build()
    .unwrap();
    let call = Call::new(&a, "CA-apocalypse", Some(JANE_PHONE));
    call.rings()
        .await
        .hears("Please say or enter your order number")
        .listens()
        .notes_failure_of("down-sessions");
    // Every webhook finds no session: each starts over politely, and still acts.
    call.says("agent")
        .await
        .hears("Sorry, I lost track of our conversation.")
        .notes_failure_of("down-classifier")
        .listens();
    call.presses("0")
        .await
        .hears("Sorry, I lost track of our conversation.")
        .gets_transferred_to(AGENT_PHONE);
    assert!(sessions.calls.load(Ordering::Relaxed) >= 3);
}

#[tokio::test(start_paused = true)]
async fn a_webhook_for_an_unknown_call_starts_over_politely() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-after-restart", None);
    call.presses("1003")
        .await
        .hears("Sorry, I lost track of our conversation. Let's start again.")
        .hears("ZIP code")
        .listens();
    assert!(call.record().await.turns.len() == 1);
}

#[tokio::test(start_paused = true)]
async fn a_caller_hanging_up_finishes_the_record() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-hangup", None);
    call.rings().await;
    call.presses("1003").await;
    assert_eq!(a.active_calls().await, 1);
    call.hangs_up().await.ends_as(CallOutcome::Abandoned);
    assert_eq!(call.record().await.outcome, Some(CallOutcome::Abandoned));
    assert_eq!(a.active_calls().await, 0);
}

#[tokio::test(start_paused = true)]
async fn calls_end_within_fifteen_minutes() {
    let a = assistant(merchant()).build().unwrap();
    let call = Call::new(&a, "CA-long", None);
    call.rings().await;
    call.waits(Duration::from_secs(16 * 60)).await;
    call.presses("1003")
        .await
        .hears("I'm sorry we couldn't sort this out together.")
        .gets_transferred_to(AGENT_PHONE);
}

#[tokio::test(start_paused = true)]
async fn a_number_no_merchant_answers_is_served_by_the_default_merchant() {
    let a = assistant(merchant()).build().unwrap();
    let outcome = a
        .handle(CallEvent::new(
            CallId::new("CA-other"),
            None,
            Some(phone("+15005550006")),
            CallEventKind::Incoming,
        ))
        .await;
    assert_eq!(outcome.merchant, MerchantId::new("acme"));
    let empty = Assistant::builder(MerchantDirectory::new(vec![]), Arc::new(DownOrders))
        .demo_in_memory_records()
        .build()
        .unwrap();
    let outcome = empty
        .handle(CallEvent::new(
            CallId::new("CA-none"),
            None,
            None,
            CallEventKind::Incoming,
        ))
        .await;
    assert_eq!(outcome.reply.next, Next::HangUp);
    assert!(outcome.reply.spoken_text().contains("not in service"));
}
