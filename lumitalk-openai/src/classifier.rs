//! [`OpenAiClassifier`]: core's [`IntentClassifier`] over Chat Completions with a
//! strict JSON schema.

use async_trait::async_trait;
use lumitalk_core::{
    Classification, ClassifyContext, ClassifyError, Intent, IntentClassifier, TokenUsage, Utterance,
};
use serde_json::Value;

use crate::client::{Client, Completion};
use crate::config::{ConfigError, OpenAiConfig};
use crate::entities;
use crate::error::invalid_response;
use crate::prompt::{system_message, user_message};
use crate::wire::{ChatRequest, ModelOutput, ResponseFormat, classification_schema};

/// The classifier's `name()`, also the `classifier` of each [`Classification`].
pub const NAME: &str = "openai";

/// Classifies utterances with an OpenAI (or OpenAI-compatible) chat model.
///
/// The model can only answer in a strict JSON schema (an intent from
/// [`Intent::ALL`] plus typed entities), so nothing it returns is ever spoken.
/// Entities are checked after parsing and dropped when invalid. The classifier
/// never retries; wrap it in core's retry / timeout / fallback wrappers.
///
/// `Debug` shows the configuration without the API key.
#[derive(Debug, Clone)]
pub struct OpenAiClassifier {
    client: Client,
    schema: Value,
}

impl OpenAiClassifier {
    /// A classifier for `config`.
    ///
    /// # Errors
    /// When the credentials cannot form an HTTP header or the HTTP client cannot
    /// be built.
    pub fn new(config: OpenAiConfig) -> Result<Self, ConfigError> {
        Ok(OpenAiClassifier {
            client: Client::new(config)?,
            schema: classification_schema(),
        })
    }

    /// A classifier configured from the environment
    /// ([`OpenAiConfigBuilder::from_env`](crate::OpenAiConfigBuilder::from_env)).
    ///
    /// # Errors
    /// Every missing or malformed setting, by name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(OpenAiConfig::from_env()?)
    }

    /// The configuration in use.
    pub fn config(&self) -> &OpenAiConfig {
        self.client.config()
    }

    /// The JSON schema the model must answer in (the `json_schema.schema` sent).
    pub fn schema(&self) -> &Value {
        &self.schema
    }
}

#[async_trait]
impl IntentClassifier for OpenAiClassifier {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        let config = self.client.config();
        let request = ChatRequest {
            model: &config.model,
            messages: [system_message(context), user_message(utterance)],
            temperature: config.temperature(),
            max_completion_tokens: config.max_completion_tokens,
            reasoning_effort: config
                .reasoning_effort
                .as_deref()
                .filter(|_| config.is_reasoning_model()),
            response_format: ResponseFormat::strict(&self.schema),
        };
        let completion = self.client.complete(&request).await?;
        interpret(completion, context)
    }
}

/// Turns a 200 answer into a classification, or says why it is unusable.
fn interpret(
    completion: Completion,
    context: &ClassifyContext,
) -> Result<Classification, ClassifyError> {
    let Completion {
        response,
        latency,
        request_id,
    } = completion;
    let choice = response
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| invalid_response("no choices in the response"))?;
    if choice
        .message
        .refusal
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty())
    {
        // The refusal's wording may quote the caller: it is not repeated.
        return Err(invalid_response("the model refused to classify"));
    }
    match choice.finish_reason.as_deref() {
        Some("length") => {
            return Err(invalid_response(
                "output truncated (finish_reason `length`): raise max_completion_tokens",
            ));
        }
        Some("content_filter") => {
            return Err(invalid_response(
                "output withheld by the content filter (finish_reason `content_filter`)",
            ));
        }
        _ => {}
    }
    let content = choice
        .message
        .content
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| invalid_response("the response has no content"))?;
    let out: ModelOutput = serde_json::from_str(&content).map_err(|e| {
        // serde_json's messages can quote values (caller data): say where, not what.
        invalid_response(format!(
            "content does not match the schema ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let intent = Intent::from_name(&out.intent).ok_or_else(|| {
        let shown: String = out.intent.chars().take(40).collect();
        invalid_response(format!("unknown intent `{shown}`"))
    })?;
    if !out.confidence.is_finite() {
        return Err(invalid_response("confidence is not a number"));
    }
    let entities = entities::validated(&out, &context.language);
    tracing::debug!(
        provider = %NAME,
        request_id = request_id.as_deref().unwrap_or(""),
        model = response.model.as_deref().unwrap_or(""),
        response_id = response.id.as_deref().unwrap_or(""),
        intent = intent.as_str(),
        "classified"
    );
    Ok(Classification {
        intent,
        entities,
        confidence: out.confidence.clamp(0.0, 1.0) as f32,
        caller_upset: out.caller_upset,
        classifier: NAME.to_string(),
        usage: response.usage.map(|u| TokenUsage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        }),
        latency_ms: Some(u32::try_from(latency.as_millis()).unwrap_or(u32::MAX)),
    })
}
