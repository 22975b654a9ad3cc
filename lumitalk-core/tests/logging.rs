//! What the assistant tells `tracing`: a span per turn and per provider call,
//! provider failures at WARN with their provider and kind (once each), and
//! nothing personal: the caller's number only masked, no names, ZIP codes,
//! tracking numbers, items, what was said, or secrets from error messages.
//!
//! Each test captures everything (TRACE, with span closes) into a buffer through
//! a thread-local subscriber, on the current-thread runtime of `#[tokio::test]`.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::doubles::{DownOrders, FakeSpeech};
use common::*;
use lumitalk_core::assistant::{Assistant, AssistantBuilder, TurnOutcome};
use lumitalk_core::memory::{DemoOrderStore, KeywordClassifier};
use lumitalk_core::wrappers::Fallback;
use lumitalk_core::{
    CallEvent, CallEventKind, CallId, CallStatus, Classification, ClassifyContext, ClassifyError,
    ErrorKind, ExpectedEntity, IntentClassifier, Language, MerchantDirectory, TokioClock,
    Utterance,
};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// What an OpenAI-compatible API says of a revoked key (with part of the key).
const REVOKED_KEY_MESSAGE: &str = "Incorrect API key provided: sk-proj-Zx81q****Qk2A";

/// The log lines written, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    fn lines_with(&self, words: &[&str]) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| words.iter().all(|w| l.contains(w)))
            .map(str::to_owned)
            .collect()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Captures every event and span close on this thread until the guard drops.
fn capture() -> (Captured, DefaultGuard) {
    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    (out, tracing::subscriber::set_default(subscriber))
}

/// A classifier whose key was revoked, named like the OpenAI one.
#[derive(Debug)]
struct RevokedKey;

#[async_trait]
impl IntentClassifier for RevokedKey {
    fn name(&self) -> &'static str {
        "openai"
    }
    async fn classify(
        &self,
        _: &Utterance,
        _: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        Err(ClassifyError::from_kind(
            ErrorKind::Unauthorized,
            "openai",
            REVOKED_KEY_MESSAGE,
        ))
    }
}

fn assistant() -> AssistantBuilder {
    Assistant::builder(
        MerchantDirectory::new(vec![merchant()]),
        Arc::new(DemoOrderStore::new(orders())),
    )
    .demo_in_memory_records()
    .clock(Arc::new(TokioClock::starting_at(t0())))
    .speech(Arc::new(FakeSpeech::default()))
}

/// An event of a call whose caller ID the carrier attests.
async fn send(a: &Assistant, call: &str, from: &str, kind: CallEventKind) -> TurnOutcome {
    let event = CallEvent::new(
        CallId::new(call),
        Some(phone(from)),
        Some(phone(STORE_PHONE)),
        kind,
    );
    a.handle(event.with_attestation(lumitalk_core::Attestation::Full))
        .await
}

fn said(text: &str) -> CallEventKind {
    CallEventKind::Input(Utterance::speech(text, Some(0.92)))
}

/// Jane's and John's personal data in the fixture, and a secret from an error.
fn personal_in(log: &str) -> Option<&'static str> {
    [
        JANE_PHONE,
        "4155550123",
        "5550123",
        JOHN_PHONE,
        "2125550188",
        "Jane",
        "Doe",
        "jane.doe",
        "John",
        "Roe",
        "94105",
        "10001",
        "1Z999AA10123456784",
        "9400111899223100012345",
        "Trail Tent",
        "Camp Stove",
        "nine four one",
        "sk-proj",
        "Incorrect API key",
    ]
    .into_iter()
    .find(|s| log.contains(s))
}

#[tokio::test(start_paused = true)]
async fn a_revoked_classifier_key_is_one_warn_with_provider_and_kind() {
    let (log, _guard) = capture();
    let a = assistant()
        .classifier(Arc::new(RevokedKey))
        .build()
        .unwrap();
    send(&a, "CA-revoked", JANE_PHONE, CallEventKind::Incoming).await;
    let turn = send(&a, "CA-revoked", JANE_PHONE, said("the one ending in 1001")).await;
    assert!(turn.errors.iter().any(|e| e.provider == "openai"));

    let warned = log.lines_with(&[" WARN ", "provider=openai", "kind=unauthorized"]);
    assert_eq!(warned.len(), 1, "{}", log.text());
    let line = &warned[0];
    assert!(
        line.contains("falling back to the keywords classifier"),
        "{line}"
    );
    // In the turn's span and the classifier call's span.
    assert!(
        line.contains("call_turn{call_id=CA-revoked merchant=acme caller=***123 event=speech}"),
        "{line}"
    );
    assert!(
        line.contains("classify{provider=openai fallback=false}"),
        "{line}"
    );
    // The keyword classifier answered: no other failure was logged.
    assert_eq!(log.lines_with(&[" WARN "]).len(), 1, "{}", log.text());
    assert_eq!(personal_in(&log.text()), None, "{}", log.text());
}

#[tokio::test(start_paused = true)]
async fn a_failing_fallback_classifier_is_a_second_warn_in_its_own_span() {
    let (log, _guard) = capture();
    let a = assistant()
        .classifier(Arc::new(RevokedKey))
        .fallback_classifier(Arc::new(RevokedKey))
        .build()
        .unwrap();
    send(&a, "CA-both", JANE_PHONE, CallEventKind::Incoming).await;
    let turn = send(&a, "CA-both", JANE_PHONE, said("the one ending in 1001")).await;
    assert_eq!(turn.errors.len(), 2, "{:?}", turn.errors);

    let warned = log.lines_with(&[" WARN ", "provider=openai", "kind=unauthorized"]);
    assert_eq!(warned.len(), 2, "{}", log.text());
    assert!(
        warned[0].contains("classify{provider=openai fallback=false}")
            && warned[0].contains("classification failed; falling back to the openai classifier"),
        "{}",
        warned[0]
    );
    assert!(
        warned[1].contains("classify{provider=openai fallback=true}")
            && warned[1].contains("fallback classification failed; the intent is unknown"),
        "{}",
        warned[1]
    );
    assert_eq!(personal_in(&log.text()), None, "{}", log.text());
}

#[tokio::test(start_paused = true)]
async fn calls_that_disclose_orders_log_no_personal_data() {
    let (log, _guard) = capture();
    let a = assistant().build().unwrap();
    // Jane, found by caller ID, hears her order's status and tracking number.
    let jane = "CA-jane";
    send(&a, jane, JANE_PHONE, CallEventKind::Incoming).await;
    let turn = send(&a, jane, JANE_PHONE, said("the one ending in 1001")).await;
    assert!(
        turn.reply
            .spoken_text()
            .contains("Thanks, Jane. Order 1 0 0 1")
    );
    send(&a, jane, JANE_PHONE, said("no thanks, that's all")).await;
    send(
        &a,
        jane,
        JANE_PHONE,
        CallEventKind::Status(CallStatus::Completed),
    )
    .await;
    // John, from another phone, by order number and ZIP code.
    let john = "CA-john";
    send(&a, john, STRANGER_PHONE, CallEventKind::Incoming).await;
    send(&a, john, STRANGER_PHONE, said("it's order number 1003")).await;
    let digits = CallEventKind::Input(Utterance::digits("10001"));
    let turn = send(&a, john, STRANGER_PHONE, digits).await;
    assert!(turn.reply.spoken_text().contains("Thanks, John."));
    send(&a, john, STRANGER_PHONE, said("no thanks, that's all")).await;

    let text = log.text();
    assert_eq!(personal_in(&text), None, "{text}");
    assert!(text.contains("caller=***123"), "{text}");
    assert!(text.contains("caller=***777"), "{text}");
    // The spans: per turn, per lookup (how, not what), synthesis and store call.
    for span in [
        "call_turn{call_id=CA-jane merchant=acme caller=***123 event=incoming}",
        "call_turn{call_id=CA-jane merchant=acme caller=***123 event=status}",
        "order_lookup{provider=demo by=phone}",
        "order_lookup{provider=demo by=number}",
        "classify{provider=keywords fallback=false}",
        "synthesize{provider=fake-speech streaming=true",
        "store{provider=memory op=put_audio_stream}",
        "op=append_turn}",
        "op=save_session}",
    ] {
        assert!(text.contains(span), "no {span} in {text}");
    }
    assert_eq!(
        log.lines_with(&["call ended", "outcome=resolved"]).len(),
        2,
        "{text}"
    );
    assert!(log.lines_with(&[" WARN "]).is_empty(), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_failed_lookup_is_one_warn_in_its_span() {
    let (log, _guard) = capture();
    let a = Assistant::builder(
        MerchantDirectory::new(vec![merchant()]),
        Arc::new(DownOrders),
    )
    .demo_in_memory_records()
    .build()
    .unwrap();
    send(&a, "CA-down", STRANGER_PHONE, CallEventKind::Incoming).await;
    let digits = CallEventKind::Input(Utterance::digits("1003"));
    send(&a, "CA-down", STRANGER_PHONE, digits).await;
    // The caller-ID lookup at the greeting, then the order number's.
    let warned = log.lines_with(&[" WARN ", "provider=down-orders", "kind=unavailable"]);
    assert_eq!(warned.len(), 2, "{}", log.text());
    assert!(
        warned[0].contains("order_lookup{provider=down-orders by=phone}"),
        "{}",
        warned[0]
    );
    assert!(
        warned[1].contains("order_lookup{provider=down-orders by=number}"),
        "{}",
        warned[1]
    );
    assert!(warned.iter().all(|l| l.contains("order lookup failed")));
    assert!(!log.text().contains("502 Bad Gateway"), "{}", log.text());
}

#[tokio::test(start_paused = true)]
async fn the_fallback_wrapper_warns_once_per_fallback() {
    let (log, _guard) = capture();
    let classifier = Fallback::new(RevokedKey, KeywordClassifier::new());
    let context = ClassifyContext {
        merchant_name: "Acme Outdoor".into(),
        language: Language::en_us(),
        last_prompt: "How can I help?".into(),
        expected: ExpectedEntity::None,
    };
    let c = classifier
        .classify(&Utterance::speech("agent please", Some(0.9)), &context)
        .await
        .unwrap();
    assert_eq!(c.classifier, "keywords");
    let warned = log.lines_with(&[" WARN ", "provider=openai", "kind=unauthorized"]);
    assert_eq!(warned.len(), 1, "{}", log.text());
    assert!(
        warned[0].contains("falling back to keywords"),
        "{}",
        warned[0]
    );
    assert_eq!(personal_in(&log.text()), None, "{}", log.text());
}
