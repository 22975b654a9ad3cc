//! Scripted providers for the wrappers' unit tests.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::domain::{
    Classification, ClassifyContext, ExpectedEntity, Intent, Language, MerchantId, Order,
    OrderNumber, PhoneNumber, Utterance,
};
use crate::error::{ClassifyError, ErrorKind, OrderSourceError, ProviderError, SpeechError};
use crate::provider::{
    Audio, AudioFormat, Cacheability, IntentClassifier, OrderSource, Speech, SpeechRequest,
};

/// What a scripted provider does on one call.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Ok,
    Fail(ErrorKind, Option<Duration>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Calls(Arc<AtomicU32>);

impl Calls {
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Follows its script, then succeeds forever.
#[derive(Debug)]
pub(crate) struct Scripted {
    name: &'static str,
    steps: Mutex<VecDeque<Step>>,
    calls: Calls,
}

impl Scripted {
    pub(crate) fn new(name: &'static str, steps: Vec<Step>) -> Self {
        Scripted {
            name,
            steps: Mutex::new(steps.into()),
            calls: Calls::default(),
        }
    }

    pub(crate) fn calls(&self) -> Calls {
        self.calls.clone()
    }

    fn next<E: ProviderError>(
        &self,
        make: fn(ErrorKind, &'static str, String) -> E,
        with_hint: fn(&'static str, Duration) -> E,
    ) -> Result<(), E> {
        self.calls.0.fetch_add(1, Ordering::SeqCst);
        match self.steps.lock().unwrap().pop_front() {
            None | Some(Step::Ok) => Ok(()),
            Some(Step::Fail(ErrorKind::RateLimited, Some(d))) => Err(with_hint(self.name, d)),
            Some(Step::Fail(kind, _)) => Err(make(kind, self.name, "scripted".into())),
        }
    }
}

macro_rules! hint {
    ($e:ident) => {
        |provider, d| $e::RateLimited {
            provider,
            retry_after: Some(d),
            message: "slow down".into(),
        }
    };
}

#[async_trait]
impl OrderSource for Scripted {
    fn name(&self) -> &'static str {
        self.name
    }
    async fn order_by_number(
        &self,
        _: &MerchantId,
        _: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        self.next(OrderSourceError::from_kind, hint!(OrderSourceError))?;
        Ok(None)
    }
    async fn recent_orders_by_phone(
        &self,
        _: &MerchantId,
        _: &PhoneNumber,
        _: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        self.next(OrderSourceError::from_kind, hint!(OrderSourceError))?;
        Ok(vec![])
    }
}

#[async_trait]
impl IntentClassifier for Scripted {
    fn name(&self) -> &'static str {
        self.name
    }
    async fn classify(
        &self,
        _: &Utterance,
        _: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        self.next(ClassifyError::from_kind, hint!(ClassifyError))?;
        Ok(Classification::new(Intent::Unknown, 0.5, self.name))
    }
}

#[async_trait]
impl Speech for Scripted {
    fn name(&self) -> &'static str {
        self.name
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.next(SpeechError::from_kind, hint!(SpeechError))?;
        Ok(Audio {
            bytes: Bytes::from_static(b"audio"),
            format: request.format,
        })
    }
}

/// Answers after a fixed (tokio) delay.
#[derive(Debug)]
pub(crate) struct SlowSpeech {
    delay: Duration,
}

impl SlowSpeech {
    pub(crate) fn new(delay: Duration) -> Self {
        SlowSpeech { delay }
    }
}

#[async_trait]
impl Speech for SlowSpeech {
    fn name(&self) -> &'static str {
        "slow"
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        tokio::time::sleep(self.delay).await;
        Ok(Audio {
            bytes: Bytes::from_static(b"audio"),
            format: request.format,
        })
    }
}

pub(crate) fn speech_request(text: &str) -> SpeechRequest {
    SpeechRequest {
        text: text.into(),
        voice: None,
        language: Language::en_us(),
        format: AudioFormat::Mp3_22050_32,
        cacheability: Cacheability::Shared,
    }
}

pub(crate) fn context(expected: ExpectedEntity) -> ClassifyContext {
    ClassifyContext {
        merchant_name: "Acme".into(),
        language: Language::en_us(),
        last_prompt: "How can I help?".into(),
        expected,
    }
}
