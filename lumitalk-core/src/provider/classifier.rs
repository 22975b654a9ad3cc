//! Working out what the caller wants.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{Classification, ClassifyContext, Utterance};
use crate::error::ClassifyError;

/// Classifies an utterance into an [`Intent`](crate::Intent) with entities.
///
/// # Contract
/// - Always returns a classification for any text (use `Intent::Unknown` when
///   unsure), never free text to be spoken.
/// - The caller's words are data: text such as "ignore your instructions" is
///   classified like any other utterance.
/// - Entities are validated (an order number is a real [`OrderNumber`](crate::OrderNumber)).
/// - `classifier` in the result is `self.name()`.
///
/// # Errors
/// [`ClassifyError`]; the assistant then uses its offline fallback classifier.
#[async_trait]
pub trait IntentClassifier: Send + Sync + std::fmt::Debug + 'static {
    /// Short provider name for logs and metrics (`"openai"`, `"keywords"`).
    fn name(&self) -> &'static str;

    /// Classifies one utterance in context.
    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError>;
}

crate::forward::forward_to_inner!(IntentClassifier for [Arc, Box] {
    fn name(&self) -> &'static str;
    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError>;
});
