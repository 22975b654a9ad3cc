//! The effects a conversation asks for, as futures bounded by the turn's
//! deadline (a [`Timestamp`] on the assistant's clock), each falling back on
//! its own failure.

use std::time::Duration;

use tracing::Instrument;

use super::Inner;
use super::failure::{failure, timed_out};
use super::observe;
use super::pool::BoxFuture;
use super::voice::Spoken;
use crate::clock::{ms_since, timeout, timeout_at};
use crate::conversation::{Input, Lookup, Speak};
use crate::domain::{Classification, ClassifyContext, Intent, Merchant, Timestamp, Utterance};
use crate::error::ErrorKind;
use crate::store::ProviderFailure;
use crate::wrappers::Answer;

/// Time the fallback classifier gets after the main one failed (it should be
/// offline and instant; this only guards against a slow one).
const FALLBACK_BUDGET: Duration = Duration::from_millis(300);

/// What kind of effect finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Classify,
    Lookup,
}

/// A finished effect.
#[derive(Debug)]
pub(crate) struct EffectDone {
    pub(crate) kind: Kind,
    pub(crate) input: Input,
    pub(crate) classification: Option<Classification>,
    pub(crate) failures: Vec<ProviderFailure>,
    pub(crate) ms: u32,
}

/// A finished job.
#[derive(Debug)]
pub(crate) enum Done {
    Effect(Box<EffectDone>),
    Speech(Spoken),
}

impl Inner {
    /// Classification through the `classifiers` [`Fallback`](crate::wrappers::Fallback):
    /// the classifier within the turn's deadline, then the fallback classifier
    /// within [`FALLBACK_BUDGET`]; every failure is recorded and logged once.
    pub(crate) fn classify_job<'a>(
        &'a self,
        utterance: Utterance,
        context: ClassifyContext,
        deadline: Timestamp,
    ) -> BoxFuture<'a, Done> {
        Box::pin(async move {
            let started = self.clock.now();
            let (primary, fallback) = (self.classifiers.primary(), self.classifiers.secondary());
            let span = observe::classify_span(primary.name(), false);
            let call = timeout_at(
                &*self.clock,
                deadline,
                primary.classify(&utterance, &context),
            );
            let answer = self
                .classifiers
                .call(
                    async {
                        match call.await {
                            Ok(Ok(c)) => Ok(c),
                            Ok(Err(e)) => Err(failure(&e)),
                            Err(_) => Err(timed_out(primary.name())),
                        }
                    }
                    .instrument(span.clone()),
                    |f| {
                        let instead =
                            format_args!("falling back to the {} classifier", fallback.name());
                        span.in_scope(|| observe::warn_failure(f, "classification", instead));
                        self.fallback_classification(&utterance, &context)
                    },
                )
                .await;
            let (input, classification, failures) = match answer {
                Answer::Primary(c) => (Input::Classified(c.clone()), c, Vec::new()),
                Answer::Secondary { error, result } => {
                    let (fallback, failed) = match result {
                        Ok(c) => (c, None),
                        Err(f) => (Classification::new(Intent::Unknown, 0.0, "none"), Some(f)),
                    };
                    let input = Input::ClassificationFailed {
                        fallback: fallback.clone(),
                    };
                    (input, fallback, [error].into_iter().chain(failed).collect())
                }
            };
            Done::Effect(Box::new(EffectDone {
                kind: Kind::Classify,
                input,
                classification: Some(classification),
                failures,
                ms: ms_since(&*self.clock, started),
            }))
        })
    }

    /// The fallback classifier's answer within [`FALLBACK_BUDGET`], or its
    /// failure (logged: the intent is then unknown).
    async fn fallback_classification(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ProviderFailure> {
        let fallback = self.classifiers.secondary();
        let span = observe::classify_span(fallback.name(), true);
        let result = timeout(
            &*self.clock,
            FALLBACK_BUDGET,
            fallback.classify(utterance, context),
        )
        .instrument(span.clone())
        .await;
        let f = match result {
            Ok(Ok(c)) => return Ok(c),
            Ok(Err(e)) => failure(&e),
            Err(_) => timed_out(fallback.name()),
        };
        span.in_scope(|| {
            observe::warn_failure(
                &f,
                "fallback classification",
                "the intent is unknown this turn",
            )
        });
        Err(f)
    }

    pub(crate) fn lookup_job<'a>(
        &'a self,
        merchant: &'a Merchant,
        lookup: Lookup,
        deadline: Timestamp,
    ) -> BoxFuture<'a, Done> {
        Box::pin(async move {
            let started = self.clock.now();
            let span = observe::lookup_span(self.orders.name(), &lookup);
            let result = async {
                match &lookup {
                    Lookup::Number { number } => {
                        let call = self.orders.order_by_number(&merchant.id, number);
                        timeout_at(&*self.clock, deadline, call)
                            .await
                            .map(|r| r.map(|o| o.into_iter().collect::<Vec<_>>()))
                    }
                    Lookup::Phone { phone } => {
                        let limit = self.limits.recent_orders;
                        let call = self
                            .orders
                            .recent_orders_by_phone(&merchant.id, phone, limit);
                        timeout_at(&*self.clock, deadline, call).await
                    }
                }
            }
            .instrument(span.clone())
            .await;
            let (input, failed) = match result {
                Ok(Ok(orders)) if orders.is_empty() => (Input::OrdersNotFound { lookup }, None),
                Ok(Ok(orders)) => (Input::OrdersFound { lookup, orders }, None),
                Ok(Err(e)) => (
                    Input::LookupFailed {
                        lookup,
                        kind: e.kind(),
                    },
                    Some(failure(&e)),
                ),
                Err(_) => (
                    Input::LookupFailed {
                        lookup,
                        kind: ErrorKind::Timeout,
                    },
                    Some(timed_out(self.orders.name())),
                ),
            };
            if let Some(f) = &failed {
                span.in_scope(|| {
                    observe::warn_failure(
                        f,
                        "order lookup",
                        "the conversation goes on without the orders",
                    )
                });
            }
            let failures = failed.into_iter().collect();
            Done::Effect(Box::new(EffectDone {
                kind: Kind::Lookup,
                input,
                classification: None,
                failures,
                ms: ms_since(&*self.clock, started),
            }))
        })
    }

    pub(crate) fn speech_job<'a>(
        &'a self,
        speak: Speak,
        merchant: &'a Merchant,
        deadline: Timestamp,
        carrier_only: bool,
    ) -> BoxFuture<'a, Done> {
        // `Voice::render` still bounds itself on tokio's timer (its module is
        // being replaced): the time left on the clock's deadline, from now.
        let until = tokio::time::Instant::now() + deadline.since(self.clock.now());
        Box::pin(async move {
            Done::Speech(
                self.voice
                    .render(&speak, merchant, until, carrier_only)
                    .await,
            )
        })
    }
}
