//! A deadline per provider call.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::{Clock, TokioClock};
use crate::domain::{
    Classification, ClassifyContext, MerchantId, Order, OrderNumber, PhoneNumber, Utterance,
};
use crate::error::{ClassifyError, OrderSourceError, ProviderError, SpeechError};
use crate::provider::{Audio, AudioStream, IntentClassifier, OrderSource, Speech, SpeechRequest};

/// Fails a call with a `Timeout` error (retryable) when the wrapped provider does
/// not answer within the deadline. The abandoned call is dropped (cancelled).
///
/// The deadline is kept by the injected [`Clock`] (default [`TokioClock`]:
/// tokio's timer, so tests under paused time (`start_paused = true`) see it
/// fire without waiting). Wrap it in a [`Retry`](super::Retry), not the other
/// way round (see the [module docs](super)).
///
/// `name()` is the wrapped provider's name.
#[derive(Debug, Clone)]
pub struct Timeout<T> {
    inner: T,
    after: Duration,
    clock: Arc<dyn Clock>,
}

impl<T> Timeout<T> {
    /// Wraps `inner` with a deadline of `after` per call, on the tokio clock.
    pub fn new(inner: T, after: Duration) -> Self {
        Timeout {
            inner,
            after,
            clock: Arc::new(TokioClock::new()),
        }
    }

    /// Keeps the deadline on `clock` (e.g. the assistant's, or a
    /// [`ManualClock`](crate::ManualClock), on which it fires only when the
    /// clock is moved past it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
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

impl<T> Timeout<T> {
    /// Runs `fut` with the deadline; on expiry returns `E::timeout(provider, after)`.
    async fn with_deadline<V, E, F>(&self, provider: &'static str, fut: F) -> Result<V, E>
    where
        E: ProviderError,
        F: Future<Output = Result<V, E>>,
    {
        match crate::clock::timeout(&*self.clock, self.after, fut).await {
            Ok(result) => result,
            Err(_) => Err(E::timeout(provider, self.after)),
        }
    }
}

#[async_trait]
impl<T: OrderSource> OrderSource for Timeout<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn forget_cached(&self, merchant: &MerchantId, phone: &PhoneNumber) {
        self.inner.forget_cached(merchant, phone);
    }
    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        self.with_deadline(self.name(), self.inner.order_by_number(merchant, number))
            .await
    }
    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        let fut = self.inner.recent_orders_by_phone(merchant, phone, limit);
        self.with_deadline(self.name(), fut).await
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
        self.with_deadline(self.name(), self.inner.classify(utterance, context))
            .await
    }
}

#[async_trait]
impl<T: Speech> Speech for Timeout<T> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.with_deadline(self.name(), self.inner.synthesize(request))
            .await
    }
    /// The deadline covers the start of the stream (the first response), not
    /// the time to receive every chunk.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        self.with_deadline(self.name(), self.inner.synthesize_stream(request))
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

    #[tokio::test(start_paused = true)]
    async fn keeps_its_deadline_on_the_clock_it_is_given() {
        let manual = crate::ManualClock::new(crate::Timestamp::from_unix_seconds(1_800_000_000));
        let slow = Timeout::new(
            SlowSpeech::new(Duration::from_secs(5)),
            Duration::from_secs(2),
        )
        .with_clock(Arc::new(manual.clone()));
        // Five seconds pass on tokio's timer, none on the manual clock.
        assert!(slow.synthesize(&speech_request("hello")).await.is_ok());
        // The manual clock passes the deadline while the provider is busy.
        let mover = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            manual.advance(Duration::from_secs(2));
        };
        let request = speech_request("hello");
        let (result, ()) = tokio::join!(slow.synthesize(&request), mover);
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Timeout);
    }
}
