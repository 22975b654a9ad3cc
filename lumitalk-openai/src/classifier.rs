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

/// Hostile input (issue 17, item 11): any 200 body, read as `client.rs` reads it
/// (`ChatResponse`) and then interpreted, gives a classification or an
/// `InvalidResponse`, never a panic; a classification keeps its invariants, and
/// no error message repeats what the model said (apart from a cut-down unknown
/// intent name).
#[cfg(test)]
mod hostile {
    use std::time::Duration;

    use lumitalk_core::{ErrorKind, ExpectedEntity, Language};
    use proptest::collection::vec;
    use proptest::prelude::*;
    use serde_json::{Map, json};

    use super::*;
    use crate::wire::ChatResponse;

    /// Put in every model-written value except `intent`: must never be echoed.
    const MARK: &str = "§MARK§";

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "\\PC{0,12}",
            1 => any::<String>(),
            1 => "[#0-9 -]{0,16}",
            1 => "\\+?[0-9 ()-]{0,18}",
            1 => "[A-Za-z0-9 -]{0,12}",
        ]
    }

    fn marked() -> impl Strategy<Value = Value> {
        prop_oneof![
            6 => text().prop_map(|t| Value::from(format!("{t}{MARK}"))),
            4 => text().prop_map(Value::from),
            2 => Just(Value::Null),
            1 => any::<i64>().prop_map(Value::from),
            1 => Just(json!([MARK])),
        ]
    }

    fn model_output() -> impl Strategy<Value = String> {
        let intent = prop_oneof![
            4 => prop::sample::select(Intent::ALL.to_vec()).prop_map(|i| Value::from(i.as_str())),
            1 => text().prop_map(Value::from),
            1 => any::<i64>().prop_map(Value::from),
        ];
        let confidence = prop_oneof![
            8 => (0.0f64..=1.0).prop_map(|f| json!(f)),
            1 => any::<f64>().prop_map(|f| json!(f)),
            1 => Just(json!("0.9")),
            1 => Just(json!(1e308)),
        ];
        let boolish = || {
            prop_oneof![
                8 => any::<bool>().prop_map(Value::from),
                1 => Just(Value::Null),
                1 => Just(json!(MARK)),
            ]
        };
        let object = (
            intent,
            vec(marked(), 4),
            boolish(),
            confidence,
            boolish(),
            any::<u8>(),
        )
            .prop_map(|(intent, values, yes_no, confidence, upset, drop)| {
                let mut m = Map::new();
                m.insert("intent".into(), intent);
                for (k, v) in ["order_number", "postal_code", "digits", "phone_number"]
                    .into_iter()
                    .zip(values)
                {
                    m.insert(k.into(), v);
                }
                m.insert("yes_no".into(), yes_no);
                m.insert("confidence".into(), confidence);
                m.insert("caller_upset".into(), upset);
                // Now and then a field is left out, or one nobody asked for added.
                match drop % 16 {
                    0 => {
                        m.remove("confidence");
                    }
                    1 => {
                        m.remove("digits");
                    }
                    2 => {
                        m.insert(format!("extra{MARK}"), json!(MARK));
                    }
                    _ => {}
                }
                Value::Object(m).to_string()
            });
        // Well-typed, with hostile contents only (so the entity checks run).
        let typed = (
            prop::sample::select(Intent::ALL.to_vec()),
            vec(
                prop::option::of(prop_oneof![
                    text().prop_map(|t| format!("{t}{MARK}")),
                    text(),
                ]),
                4,
            ),
            prop::option::of(any::<bool>()),
            0.0f64..=1.0,
            any::<bool>(),
        )
            .prop_map(|(intent, v, yes_no, confidence, caller_upset)| {
                json!({
                    "intent": intent.as_str(),
                    "order_number": v[0], "postal_code": v[1], "digits": v[2], "phone_number": v[3],
                    "yes_no": yes_no, "confidence": confidence, "caller_upset": caller_upset,
                })
                .to_string()
            });
        prop_oneof![
            6 => typed,
            4 => object,
            1 => text(),
            1 => Just(format!("```json\n{{\"intent\": \"{MARK}\"}}\n```")),
            1 => (text(), any::<prop::sample::Index>()).prop_map(|(t, _)| format!("{{\"intent\":\"yes\",\"x\":\"{t}{MARK}")),
        ]
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        let choice = (
            prop::option::weighted(0.9, model_output()),
            prop_oneof![
                6 => Just(Value::Null),
                1 => Just(json!("")),
                1 => text().prop_map(|t| Value::from(format!("{t}{MARK}"))),
            ],
            prop_oneof![
                6 => Just("stop"),
                1 => prop::sample::select(vec!["length", "content_filter", "tool_calls", ""]),
            ],
        )
            .prop_map(|(content, refusal, finish)| {
                json!({"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal}, "finish_reason": finish})
            });
        let usage = prop_oneof![
            2 => Just(Value::Null),
            4 => (any::<u32>(), any::<u32>())
                .prop_map(|(p, c)| json!({"prompt_tokens": p, "completion_tokens": c})),
            1 => Just(json!({"prompt_tokens": -1, "completion_tokens": 1e10})),
        ];
        let choices = prop_oneof![1 => Just(Vec::new()), 8 => vec(choice, 1..3)];
        let envelope = (choices, usage, prop::option::of(text())).prop_map(
            |(choices, usage, id)| {
                json!({"id": id, "object": "chat.completion", "model": "m", "choices": choices, "usage": usage})
                    .to_string()
                    .into_bytes()
            },
        );
        prop_oneof![
            6 => envelope,
            1 => vec(any::<u8>(), 0..128),
            1 => text().prop_map(String::into_bytes),
        ]
    }

    fn context() -> impl Strategy<Value = ClassifyContext> {
        prop_oneof![
            Just(Language::en_us()),
            Just(Language::new("en-GB")),
            text().prop_map(Language::new),
        ]
        .prop_map(|language| ClassifyContext {
            merchant_name: "Acme".into(),
            language,
            last_prompt: "What is your order number?".into(),
            expected: ExpectedEntity::OrderNumber,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_success_body_classifies_or_is_an_invalid_response(
            body in body(),
            context in context(),
            latency_ms in any::<u64>(),
        ) {
            // As `Client::complete` reads a 200 answer.
            let Ok(response) = serde_json::from_slice::<ChatResponse>(&body) else {
                return Ok(());
            };
            let completion = Completion {
                response,
                latency: Duration::from_millis(latency_ms),
                request_id: None,
            };
            match interpret(completion, &context) {
                Ok(c) => {
                    prop_assert!(Intent::ALL.contains(&c.intent));
                    prop_assert!((0.0..=1.0).contains(&c.confidence));
                    prop_assert_eq!(c.classifier.as_str(), NAME);
                    if let Some(n) = &c.entities.order_number {
                        prop_assert!((3..=12).contains(&n.digits().len()));
                    }
                    if let Some(d) = &c.entities.digits {
                        prop_assert!(!d.is_empty() && d.len() <= 15 && d.bytes().all(|b| b.is_ascii_digit()));
                    }
                    if let Some(p) = &c.entities.postal_code {
                        prop_assert!(!p.contains('§'));
                    }
                }
                Err(e) => {
                    prop_assert_eq!(e.kind(), ErrorKind::InvalidResponse);
                    let shown = e.to_string();
                    prop_assert!(!shown.contains(MARK), "echoed model output: {shown}");
                }
            }
        }
    }
}
