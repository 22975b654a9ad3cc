//! Primary provider, then a secondary one when the primary fails.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::domain::{
    Classification, ClassifyContext, MerchantId, Order, OrderNumber, PhoneNumber, Utterance,
};
use crate::error::{ClassifyError, OrderSourceError, ProviderError, SpeechError};
use crate::provider::{Audio, AudioStream, IntentClassifier, OrderSource, Speech, SpeechRequest};

/// How often a [`Fallback`] used its secondary (a shared handle).
#[derive(Debug, Clone, Default)]
pub struct FallbackStats {
    used: Arc<AtomicU64>,
}

impl FallbackStats {
    /// Calls answered by the secondary after the primary failed.
    pub fn fallbacks(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// Calls `primary`; on any error calls `secondary` and returns its result.
///
/// Typical uses: the OpenAI classifier, then the offline
/// [`KeywordClassifier`](crate::memory::KeywordClassifier); a primary order
/// source, then a replica. The secondary's error is returned when both fail.
/// Results keep their producer's name (e.g. `Classification::classifier`), so a
/// record shows which one answered; `name()` is the primary's. Each fallback is
/// logged at WARN with the primary's provider name and error kind (the assistant
/// does not see that failure: the secondary answered).
#[derive(Debug)]
pub struct Fallback<P, S> {
    primary: P,
    secondary: S,
    stats: FallbackStats,
}

impl<P, S> Fallback<P, S> {
    /// `primary`, then `secondary` on error.
    pub fn new(primary: P, secondary: S) -> Self {
        Fallback {
            primary,
            secondary,
            stats: FallbackStats::default(),
        }
    }

    /// The counter of fallbacks.
    pub fn stats(&self) -> FallbackStats {
        self.stats.clone()
    }

    /// The primary provider.
    pub fn primary(&self) -> &P {
        &self.primary
    }

    /// The secondary provider.
    pub fn secondary(&self) -> &S {
        &self.secondary
    }

    /// The one fallback step behind every trait method here (and the
    /// assistant's classification): awaits `primary`; on its error counts a
    /// fallback and awaits what `secondary` makes of that error (it may log it
    /// first, and bound the secondary as it sees fit).
    pub(crate) async fn call<T, E, FS>(
        &self,
        primary: impl Future<Output = Result<T, E>>,
        secondary: impl FnOnce(&E) -> FS,
    ) -> Answer<T, E>
    where
        FS: Future<Output = Result<T, E>>,
    {
        match primary.await {
            Ok(v) => Answer::Primary(v),
            Err(error) => {
                self.stats.used.fetch_add(1, Ordering::Relaxed);
                let result = secondary(&error).await;
                Answer::Secondary { error, result }
            }
        }
    }
}

/// Who answered a [`Fallback::call`].
#[derive(Debug)]
pub(crate) enum Answer<T, E> {
    /// The primary.
    Primary(T),
    /// The secondary (`result`), after the primary failed with `error`.
    Secondary {
        /// The primary's error.
        error: E,
        /// The secondary's result.
        result: Result<T, E>,
    },
}

impl<T, E> Answer<T, E> {
    /// The answer, whoever gave it; the secondary's error when both failed.
    fn into_result(self) -> Result<T, E> {
        match self {
            Answer::Primary(v) => Ok(v),
            Answer::Secondary { result, .. } => result,
        }
    }
}

/// Logs at WARN that the primary failed (provider and kind, never the message,
/// which may echo caller data) and which provider answers instead.
fn warn_fallback(e: &impl ProviderError, secondary: &str) {
    tracing::warn!(
        provider = %e.provider(),
        kind = %e.kind().as_str(),
        fallback = %secondary,
        "provider failed; falling back to {secondary}"
    );
}

/// [`Fallback::call`] of `$primary`, then (logged) `$secondary`.
macro_rules! or_else {
    ($self:ident, $primary:expr, $secondary:expr) => {
        $self
            .call($primary, |e| {
                warn_fallback(e, $self.secondary.name());
                $secondary
            })
            .await
            .into_result()
    };
}

#[async_trait]
impl<P: OrderSource, S: OrderSource> OrderSource for Fallback<P, S> {
    fn name(&self) -> &'static str {
        self.primary.name()
    }
    fn forget_cached(&self, merchant: &MerchantId, phone: &PhoneNumber) {
        self.primary.forget_cached(merchant, phone);
        self.secondary.forget_cached(merchant, phone);
    }
    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        or_else!(
            self,
            self.primary.order_by_number(merchant, number),
            self.secondary.order_by_number(merchant, number)
        )
    }
    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        or_else!(
            self,
            self.primary.recent_orders_by_phone(merchant, phone, limit),
            self.secondary
                .recent_orders_by_phone(merchant, phone, limit)
        )
    }
}

#[async_trait]
impl<P: IntentClassifier, S: IntentClassifier> IntentClassifier for Fallback<P, S> {
    fn name(&self) -> &'static str {
        self.primary.name()
    }
    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        or_else!(
            self,
            self.primary.classify(utterance, context),
            self.secondary.classify(utterance, context)
        )
    }
}

#[async_trait]
impl<P: Speech, S: Speech> Speech for Fallback<P, S> {
    fn name(&self) -> &'static str {
        self.primary.name()
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        or_else!(
            self,
            self.primary.synthesize(request),
            self.secondary.synthesize(request)
        )
    }
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        or_else!(
            self,
            self.primary.synthesize_stream(request),
            self.secondary.synthesize_stream(request)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{DemoOrderStore, KeywordClassifier};
    use crate::wrappers::tests_support::{Scripted, Step, context, speech_request};
    use crate::{ErrorKind, ExpectedEntity, Intent};

    #[tokio::test]
    async fn secondary_answers_when_primary_fails() {
        let primary = Scripted::new("primary", vec![Step::Fail(ErrorKind::Unauthorized, None)]);
        let calls = primary.calls();
        let fb = Fallback::new(primary, KeywordClassifier::new());
        let c = fb
            .classify(
                &Utterance::speech("agent please", Some(0.9)),
                &context(ExpectedEntity::None),
            )
            .await
            .unwrap();
        assert_eq!(c.intent, Intent::Human);
        assert_eq!(c.classifier, "keywords");
        assert_eq!(calls.get(), 1);
        assert_eq!(fb.stats().fallbacks(), 1);
        assert_eq!(fb.name(), "primary");
    }

    #[tokio::test]
    async fn secondary_untouched_when_primary_succeeds() {
        let secondary = Scripted::new("secondary", vec![]);
        let secondary_calls = secondary.calls();
        let fb = Fallback::new(Scripted::new("primary", vec![Step::Ok]), secondary);
        let c = fb
            .classify(&Utterance::digits("1"), &context(ExpectedEntity::None))
            .await
            .unwrap();
        assert_eq!(c.classifier, "primary");
        assert_eq!(secondary_calls.get(), 0);
        assert_eq!(fb.stats().fallbacks(), 0);
    }

    #[tokio::test]
    async fn both_failing_returns_secondary_error() {
        let fb = Fallback::new(
            Scripted::new("primary", vec![Step::Fail(ErrorKind::Unavailable, None)]),
            Scripted::new(
                "secondary",
                vec![Step::Fail(ErrorKind::InvalidResponse, None)],
            ),
        );
        let err = fb.synthesize(&speech_request("hi")).await.unwrap_err();
        assert_eq!(err.provider(), "secondary");
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        let fb = Fallback::new(
            Scripted::new("primary", vec![Step::Fail(ErrorKind::Timeout, None)]),
            DemoOrderStore::demo(),
        );
        let m = MerchantId::new("demo");
        let n = OrderNumber::parse("1001").unwrap();
        assert!(fb.order_by_number(&m, &n).await.unwrap().is_some());
    }
}
