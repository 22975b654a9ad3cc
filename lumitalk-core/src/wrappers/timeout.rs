//! A deadline per provider call.

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{
    Classification, ClassifyContext, MerchantId, Order, OrderNumber, PhoneNumber, Utterance,
};
use crate::error::{ClassifyError, OrderSourceError, ProviderError, SpeechError};
use crate::provider::{Audio, AudioStream, IntentClassifier, OrderSource, Speech, SpeechRequest};

/// Fails a call with a `Timeout` error (retryable) when the wrapped provider does
/// not answer within the deadline. The abandoned call is dropped (cancelled).
///
/// Uses tokio's timer, so tests under paused time (`start_paused = true`) see
/// the deadline fire without waiting. Wrap it in a [`Retry`](super::Retry), not
/// the other way round (see the [module docs](super)).
///
/// `name()` is the wrapped provider's name.
#[derive(Debug, Clone)]
pub struct Timeout<T> {
    inner: T,
    after: Duration,
}

impl<T> Timeout<T> {
    /// Wraps `inner` with a deadline of `after` per call.
    pub fn new(inner: T, after: Duration) -> Self {
        Timeout { inner, after }
    }

    /// The deadline.
    pub fn duration(&self) -> Duration {
        self.after
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

/// Runs `fut` with a deadline; on expiry returns `E::timeout(provider, after)`.
pub(crate) async fn with_deadline<T, E, F>(
    provider: &'static str,
    after: Duration,
    fut: F,
) -> Result<T, E>
where
    E: ProviderError,
    F: Future<Output = Result<T, E>>,
{
    match tokio::time::timeout(after, fut).await {
        Ok(result) => result,
        Err(_) => Err(E::timeout(provider, after)),
    }
}

#[async_trait]
impl<T: OrderSource> OrderSource for Timeout<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        with_deadline(
            self.name(),
            self.after,
            self.inner.order_by_number(merchant, number),
        )
        .await
    }
    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        let fut = self.inner.recent_orders_by_phone(merchant, phone, limit);
        with_deadline(self.name(), self.after, fut).await
    }
}

#[async_trait]
impl<T: IntentClassifier> IntentClassifier for Timeout<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        with_deadline(
            self.name(),
            self.after,
            self.inner.classify(utterance, context),
        )
        .await
    }
}

#[async_trait]
impl<T: Speech> Speech for Timeout<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        with_deadline(self.name(), self.after, self.inner.synthesize(request)).await
    }
    /// The deadline covers the start of the stream (the first response), not
    /// the time to receive every chunk.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        with_deadline(
            self.name(),
            self.after,
            self.inner.synthesize_stream(request),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::memory::KeywordClassifier;
    use crate::wrappers::tests_support::{SlowSpeech, context, speech_request};

    #[tokio::test(start_paused = true)]
    async fn fires_when_the_provider_is_slow() {
        let slow = Timeout::new(
            SlowSpeech::new(Duration::from_secs(5)),
            Duration::from_secs(2),
        );
        let err = slow.synthesize(&speech_request("hello")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(
            err,
            SpeechError::Timeout {
                provider: "slow",
                after: Duration::from_secs(2)
            }
        );
        assert!(err.is_retryable());
        let err = slow
            .synthesize_stream(&speech_request("hello"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }

    #[tokio::test(start_paused = true)]
    async fn passes_fast_answers_through() {
        let fast = Timeout::new(
            SlowSpeech::new(Duration::from_millis(100)),
            Duration::from_secs(2),
        );
        let audio = fast.synthesize(&speech_request("hello")).await.unwrap();
        assert!(!audio.bytes.is_empty());
        let kw = Timeout::new(KeywordClassifier::new(), Duration::from_millis(1));
        assert_eq!(kw.name(), "keywords");
        let c = kw
            .classify(
                &Utterance::digits("0"),
                &context(crate::ExpectedEntity::None),
            )
            .await
            .unwrap();
        assert_eq!(c.intent, crate::Intent::Human);
    }
}
