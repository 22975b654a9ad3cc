//! Every conformance suite, run against the in-memory implementations.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use lumitalk_core::memory::{
    DemoOrderStore, KeywordClassifier, MemoryAudioStore, MemoryCallRecordStore, MemorySessionStore,
    SimulatedEvent, SimulatedKind, SimulatedTelephony,
};
use lumitalk_core::testing::{
    ClassifierFixture, OrderSourceFixture, SpeechFixture, TelephonyFixture,
    audio_store_conformance, call_record_store_conformance, classifier_conformance,
    order_source_conformance, session_store_conformance, speech_conformance, telephony_conformance,
};
use lumitalk_core::{
    Audio, AudioFormat, AudioStream, CallId, ManualClock, Speech, SpeechError, SpeechRequest,
    Timestamp, TransferOutcome,
};
use secrecy::SecretString;
use url::Url;

fn now() -> Timestamp {
    Timestamp::from_civil(2026, 11, 20, 12, 0, 0)
}

#[tokio::test]
async fn demo_order_store() {
    order_source_conformance(&DemoOrderStore::demo(), &OrderSourceFixture::demo()).await;
}

#[tokio::test]
async fn keyword_classifier() {
    classifier_conformance(&KeywordClassifier::new(), &ClassifierFixture::common()).await;
}

#[tokio::test]
async fn memory_session_store() {
    let clock = ManualClock::new(now());
    let store = MemorySessionStore::new(Arc::new(clock.clone()));
    session_store_conformance(&store, Some(&clock)).await;
}

#[tokio::test]
async fn memory_audio_store() {
    let clock = ManualClock::new(now());
    let store = MemoryAudioStore::new(1 << 20, Arc::new(clock.clone()));
    audio_store_conformance(&store, Some(&clock)).await;
}

#[tokio::test]
async fn memory_call_record_store() {
    call_record_store_conformance(&MemoryCallRecordStore::new(), now()).await;
}

#[test]
fn simulated_telephony() {
    let carrier = SimulatedTelephony::new(SecretString::from("conformance".to_string()));
    let url = Url::parse("https://lumitalk.example/voice/simulated").unwrap();
    let from = Some("+1 415 555 0123");
    let to = Some("+1 800 555 0100");
    let signed = |kind| carrier.signed_request(&url, &SimulatedEvent::new("SIM42", from, to, kind));
    let mut forged = signed(SimulatedKind::Incoming);
    forged.body = Bytes::from_static(br#"{"call_id":"SIM42","event":"digits","digits":"0"}"#);
    let mut unsigned = signed(SimulatedKind::Incoming);
    unsigned
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("x-simulated-signature"));
    let missing = SimulatedEvent {
        call_id: None,
        ..SimulatedEvent::new("", from, to, SimulatedKind::NoInput)
    };

    let fixture = TelephonyFixture {
        incoming: signed(SimulatedKind::Incoming),
        call_id: CallId::new("SIM42"),
        from: Some("+14155550123".parse().unwrap()),
        speech: signed(SimulatedKind::Speech {
            text: "where is my order".into(),
            confidence: Some(0.91),
        }),
        speech_text: "where is my order".into(),
        digits: signed(SimulatedKind::Digits {
            digits: "1001".into(),
        }),
        digits_value: "1001".into(),
        no_input: signed(SimulatedKind::NoInput),
        transfer_ended: signed(SimulatedKind::TransferEnded {
            outcome: TransferOutcome::NoAnswer,
        }),
        transfer_outcome: TransferOutcome::NoAnswer,
        forged,
        unsigned: Some(unsigned),
        missing_call_id: carrier.signed_request(&url, &missing),
    };
    telephony_conformance(&carrier, &fixture);
}

/// A deterministic speech provider: one byte per character, in chunks.
#[derive(Debug)]
struct ByteSpeech;

#[async_trait]
impl Speech for ByteSpeech {
    fn name(&self) -> &'static str {
        "bytes"
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        if request.text.trim().is_empty() {
            return Err(SpeechError::InvalidRequest {
                provider: "bytes",
                message: "empty text".into(),
            });
        }
        Ok(Audio {
            bytes: Bytes::from(request.text.clone().into_bytes()),
            format: request.format,
        })
    }
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        let audio = self.synthesize(request).await?;
        let (tx, stream) = AudioStream::channel(audio.format, 64);
        for chunk in audio.bytes.chunks(7) {
            tx.send(Ok(Bytes::copy_from_slice(chunk)))
                .await
                .expect("stream open");
        }
        Ok(stream)
    }
}

#[tokio::test]
async fn speech_suite() {
    for format in [AudioFormat::Mp3_22050_32, AudioFormat::Ulaw8000] {
        speech_conformance(&ByteSpeech, &SpeechFixture::new(format)).await;
    }
}

/// The suites must catch violations: an order source that lists oldest first.
#[derive(Debug)]
struct OldestFirst(DemoOrderStore);

#[async_trait]
impl lumitalk_core::OrderSource for OldestFirst {
    fn name(&self) -> &'static str {
        "oldest-first"
    }
    async fn order_by_number(
        &self,
        m: &lumitalk_core::MerchantId,
        n: &lumitalk_core::OrderNumber,
    ) -> Result<Option<lumitalk_core::Order>, lumitalk_core::OrderSourceError> {
        self.0.order_by_number(m, n).await
    }
    async fn recent_orders_by_phone(
        &self,
        m: &lumitalk_core::MerchantId,
        p: &lumitalk_core::PhoneNumber,
        limit: usize,
    ) -> Result<Vec<lumitalk_core::Order>, lumitalk_core::OrderSourceError> {
        let mut all = self.0.recent_orders_by_phone(m, p, usize::MAX).await?;
        all.reverse();
        all.truncate(limit);
        Ok(all)
    }
}

#[tokio::test]
#[should_panic(expected = "newest first")]
async fn order_suite_catches_wrong_order() {
    order_source_conformance(
        &OldestFirst(DemoOrderStore::demo()),
        &OrderSourceFixture::demo(),
    )
    .await;
}

/// The suites must catch violations: a classifier that reports another name.
#[derive(Debug)]
struct Misnamed;

#[async_trait]
impl lumitalk_core::IntentClassifier for Misnamed {
    fn name(&self) -> &'static str {
        "misnamed"
    }
    async fn classify(
        &self,
        u: &lumitalk_core::Utterance,
        c: &lumitalk_core::ClassifyContext,
    ) -> Result<lumitalk_core::Classification, lumitalk_core::ClassifyError> {
        KeywordClassifier::new().classify(u, c).await
    }
}

#[tokio::test]
#[should_panic(expected = "must be name()")]
async fn classifier_suite_catches_wrong_name() {
    classifier_conformance(&Misnamed, &ClassifierFixture::common()).await;
}
