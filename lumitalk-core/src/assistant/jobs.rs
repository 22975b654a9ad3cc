//! The effects a conversation asks for, as futures bounded by the turn's
//! deadline, each falling back on its own failure.

use std::time::Duration;

use tokio::time::{Instant, timeout, timeout_at};
use tracing::Instrument;

use super::Inner;
use super::failure::{failure, timed_out};
use super::observe;
use super::pool::BoxFuture;
use super::voice::Spoken;
use crate::conversation::{Input, Lookup, Speak};
use crate::domain::{Classification, ClassifyContext, Intent, Merchant, Utterance};
use crate::error::ErrorKind;
use crate::store::ProviderFailure;

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

fn ms_since(t: Instant) -> u32 {
    t.elapsed().as_millis().min(u32::MAX as u128) as u32
}

impl Inner {
    pub(crate) fn classify_job<'a>(
        &'a self,
        utterance: Utterance,
        context: ClassifyContext,
        deadline: Instant,
    ) -> BoxFuture<'a, Done> {
        Box::pin(async move {
            let started = Instant::now();
            let mut failures = Vec::new();
            let span = observe::classify_span(self.classifier.name(), false);
            let primary = timeout_at(deadline, self.classifier.classify(&utterance, &context))
                .instrument(span.clone())
                .await;
            let (input, c) = match primary {
                Ok(Ok(c)) => (Input::Classified(c.clone()), c),
                other => {
                    let f = match other {
                        Ok(Err(e)) => failure(&e),
                        _ => timed_out(self.classifier.name()),
                    };
                    let fallback = self.fallback.name();
                    span.in_scope(|| {
                        observe::warn_failure(
                            &f,
                            "classification",
                            format_args!("falling back to the {fallback} classifier"),
                        )
                    });
                    failures.push(f);
                    let (fallback, failed) =
                        self.fallback_classification(&utterance, &context).await;
                    failures.extend(failed);
                    (
                        Input::ClassificationFailed {
                            fallback: fallback.clone(),
                        },
                        fallback,
                    )
                }
            };
            Done::Effect(Box::new(EffectDone {
                kind: Kind::Classify,
                input,
                classification: Some(c),
                failures,
                ms: ms_since(started),
            }))
        })
    }

    /// The fallback classifier's answer (`Unknown` if it fails too), and its failure.
    async fn fallback_classification(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> (Classification, Option<ProviderFailure>) {
        let span = observe::classify_span(self.fallback.name(), true);
        let result = timeout(FALLBACK_BUDGET, self.fallback.classify(utterance, context))
            .instrument(span.clone())
            .await;
        let f = match result {
            Ok(Ok(c)) => return (c, None),
            Ok(Err(e)) => failure(&e),
            Err(_) => timed_out(self.fallback.name()),
        };
        span.in_scope(|| {
            observe::warn_failure(
                &f,
                "fallback classification",
                "the intent is unknown this turn",
            )
        });
        (Classification::new(Intent::Unknown, 0.0, "none"), Some(f))
    }

    pub(crate) fn lookup_job<'a>(
        &'a self,
        merchant: &'a Merchant,
        lookup: Lookup,
        deadline: Instant,
    ) -> BoxFuture<'a, Done> {
        Box::pin(async move {
            let started = Instant::now();
            let span = observe::lookup_span(self.orders.name(), &lookup);
            let result = async {
                match &lookup {
                    Lookup::Number { number } => {
                        timeout_at(deadline, self.orders.order_by_number(&merchant.id, number))
                            .await
                            .map(|r| r.map(|o| o.into_iter().collect::<Vec<_>>()))
                    }
                    Lookup::Phone { phone } => {
                        timeout_at(
                            deadline,
                            self.orders.recent_orders_by_phone(
                                &merchant.id,
                                phone,
                                self.limits.recent_orders,
                            ),
                        )
                        .await
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
                ms: ms_since(started),
            }))
        })
    }

    pub(crate) fn speech_job<'a>(
        &'a self,
        speak: Speak,
        merchant: &'a Merchant,
        deadline: Instant,
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
