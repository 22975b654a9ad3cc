//! The effects a conversation asks for, as futures bounded by the turn's
//! deadline (a [`Timestamp`] on the assistant's clock), each falling back on
//! its own failure.

use std::time::Duration;

use tracing::Instrument;

use super::Inner;
use super::failure::within;
use super::observe;
use super::pool::BoxFuture;
use super::voice::Spoken;
use crate::clock::ms_since;
use crate::conversation::{Input, Lookup, Speak};
use crate::domain::{Classification, ClassifyContext, Intent, Merchant, Timestamp, Utterance};
use crate::provider::{Urgency, with_urgency};
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
            let classify = primary.classify(&utterance, &context);
            let first = within(&*self.clock, deadline, primary.name(), classify);
            let answer = self
                .classifiers
                .call(first.instrument(span.clone()), |f| {
                    span.in_scope(|| {
                        let instead =
                            format_args!("falling back to the {} classifier", fallback.name());
                        observe::warn_failure(f, "classification", instead)
                    });
                    self.fallback_classification(&utterance, &context)
                })
                .await;
            let (input, classification, failures) = classified(answer);
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
        let until = self.clock.now().plus(FALLBACK_BUDGET);
        let classify = fallback.classify(utterance, context);
        let result = within(&*self.clock, until, fallback.name(), classify)
            .instrument(span.clone())
            .await;
        if let Err(f) = &result {
            let instead = "the intent is unknown this turn";
            span.in_scope(|| observe::warn_failure(f, "fallback classification", instead));
        }
        result
    }

    pub(crate) fn lookup_job<'a>(
        &'a self,
        merchant: &'a Merchant,
        lookup: Lookup,
        urgency: Urgency,
        deadline: Timestamp,
    ) -> BoxFuture<'a, Done> {
        Box::pin(with_urgency(urgency, async move {
            let started = self.clock.now();
            let (orders, clock) = (&self.orders, &*self.clock);
            let span = observe::lookup_span(orders.name(), &lookup);
            let result = match &lookup {
                Lookup::Number { number } => {
                    let call = orders.order_by_number(&merchant.id, number);
                    let found = within(clock, deadline, orders.name(), call);
                    let found = found.instrument(span.clone()).await;
                    found.map(|order| order.into_iter().collect())
                }
                Lookup::Phone { phone } => {
                    let limit = self.limits.recent_orders;
                    let call = orders.recent_orders_by_phone(&merchant.id, phone, limit);
                    let found = within(clock, deadline, orders.name(), call);
                    found.instrument(span.clone()).await
                }
            };
            let (input, failures) = match result {
                Ok(orders) if orders.is_empty() => (Input::OrdersNotFound { lookup }, Vec::new()),
                Ok(orders) => (Input::OrdersFound { lookup, orders }, Vec::new()),
                Err(f) => {
                    let instead = "the conversation goes on without the orders";
                    span.in_scope(|| observe::warn_failure(&f, "order lookup", instead));
                    let kind = f.kind;
                    (Input::LookupFailed { lookup, kind }, vec![f])
                }
            };
            Done::Effect(Box::new(EffectDone {
                kind: Kind::Lookup,
                input,
                classification: None,
                failures,
                ms: ms_since(clock, started),
            }))
        }))
    }

    pub(crate) fn speech_job<'a>(
        &'a self,
        speak: Speak,
        merchant: &'a Merchant,
        deadline: Timestamp,
        carrier_only: bool,
    ) -> BoxFuture<'a, Done> {
        Box::pin(async move {
            Done::Speech(
                self.voice
                    .render(&speak, merchant, deadline, carrier_only)
                    .await,
            )
        })
    }
}

/// What a classification came to: the conversation's input, the classification
/// recorded, and the failures (the classifier's, then the fallback's; an
/// unknown intent when both failed).
fn classified(
    answer: Answer<Classification, ProviderFailure>,
) -> (Input, Classification, Vec<ProviderFailure>) {
    match answer {
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
    }
}
