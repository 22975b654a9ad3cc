//! Serde types for the Chat Completions payloads we send and receive, and the
//! strict JSON schema the model must answer in.

use lumitalk_core::Intent;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The `json_schema.name` we send (`[a-zA-Z0-9_-]`, at most 64 characters).
pub(crate) const SCHEMA_NAME: &str = "lumitalk_classification";

/// `POST {base}/chat/completions` body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: [ChatMessage; 2],
    /// Omitted for reasoning models, which reject anything but the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    pub(crate) max_completion_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reasoning_effort: Option<&'a str>,
    pub(crate) response_format: ResponseFormat<'a>,
}

/// One chat message.
#[derive(Debug, Serialize)]
pub(crate) struct ChatMessage {
    pub(crate) role: &'static str,
    pub(crate) content: String,
}

/// `response_format: {type: "json_schema", json_schema: {...}}`.
#[derive(Debug, Serialize)]
pub(crate) struct ResponseFormat<'a> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) json_schema: JsonSchemaFormat<'a>,
}

/// The named, strict schema.
#[derive(Debug, Serialize)]
pub(crate) struct JsonSchemaFormat<'a> {
    pub(crate) name: &'static str,
    pub(crate) strict: bool,
    pub(crate) schema: &'a Value,
}

impl<'a> ResponseFormat<'a> {
    pub(crate) fn strict(schema: &'a Value) -> Self {
        ResponseFormat {
            kind: "json_schema",
            json_schema: JsonSchemaFormat {
                name: SCHEMA_NAME,
                strict: true,
                schema,
            },
        }
    }
}

/// The classification schema. Strict mode: the root is an object, every property
/// is required, optional values are `[type, "null"]`, no additional properties.
pub(crate) fn classification_schema() -> Value {
    let intents: Vec<&str> = Intent::ALL.iter().map(|i| i.as_str()).collect();
    let nullable_string =
        |description: &str| json!({"type": ["string", "null"], "description": description});
    json!({
        "type": "object",
        "properties": {
            "intent": {
                "type": "string",
                "enum": intents,
                "description": "What the caller wants."
            },
            "order_number": nullable_string("The order number's digits, if the caller gave one."),
            "postal_code": nullable_string("A postal or ZIP code the caller gave as a verification answer."),
            "digits": nullable_string("Digits the caller gave as a verification answer (e.g. the last four of a phone number)."),
            "phone_number": nullable_string("A phone number the caller gave to look orders up by, with + and country code if they said one."),
            "yes_no": {
                "type": ["boolean", "null"],
                "description": "true for yes, false for no, null if neither."
            },
            "confidence": {
                "type": "number",
                "description": "How sure you are of the intent, from 0 to 1."
            },
            "caller_upset": {
                "type": "boolean",
                "description": "Whether the caller sounds angry or frustrated."
            }
        },
        "required": [
            "intent", "order_number", "postal_code", "digits", "phone_number",
            "yes_no", "confidence", "caller_upset"
        ],
        "additionalProperties": false
    })
}

/// A 200 response. Unknown fields (`system_fingerprint`, `service_tier`, ...) are
/// ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) choices: Vec<Choice>,
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

/// One choice.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    pub(crate) message: ResponseMessage,
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// The assistant message: JSON text in `content`, or a `refusal`.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseMessage {
    #[serde(default)]
    pub(crate) content: Option<String>,
    #[serde(default)]
    pub(crate) refusal: Option<String>,
}

/// Token usage.
#[derive(Debug, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub(crate) prompt_tokens: u32,
    #[serde(default)]
    pub(crate) completion_tokens: u32,
}

/// What the model returns in `content`, per [`classification_schema`]. Nullable
/// fields a lenient compatible server leaves out read as null; a field of the
/// wrong type or an unknown field is a schema mismatch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModelOutput {
    pub(crate) intent: String,
    #[serde(default)]
    pub(crate) order_number: Option<String>,
    #[serde(default)]
    pub(crate) postal_code: Option<String>,
    #[serde(default)]
    pub(crate) digits: Option<String>,
    #[serde(default)]
    pub(crate) phone_number: Option<String>,
    #[serde(default)]
    pub(crate) yes_no: Option<bool>,
    pub(crate) confidence: f64,
    pub(crate) caller_upset: bool,
}

/// `{"error": {...}}`, the body of every non-2xx answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub(crate) error: ErrorBody,
}

/// OpenAI's error object. Every field is optional and `code` may be a string
/// (OpenAI) or an integer (llama.cpp), so nothing here can fail to parse.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) param: Option<String>,
    #[serde(default, deserialize_with = "lenient_code")]
    pub(crate) code: Option<String>,
}

fn lenient_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_follows_strict_mode_rules() {
        let schema = classification_schema();
        let props = schema["properties"].as_object().unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(props.len(), required.len());
        for key in props.keys() {
            assert!(required.contains(&key.as_str()), "{key} not required");
        }
        assert_eq!(schema["additionalProperties"], false);
        let intents = schema["properties"]["intent"]["enum"].as_array().unwrap();
        assert_eq!(intents.len(), Intent::ALL.len());
        for i in Intent::ALL {
            assert!(intents.contains(&Value::from(i.as_str())), "{i:?}");
        }
    }

    #[test]
    fn realistic_response_parses() {
        let body = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1764395000,
          "model":"gpt-4.1-nano-2025-04-14",
          "choices":[{"index":0,"message":{"role":"assistant",
            "content":"{\"intent\":\"order_status\",\"order_number\":\"1001\",\"postal_code\":null,\"digits\":null,\"phone_number\":null,\"yes_no\":null,\"confidence\":0.93,\"caller_upset\":false}",
            "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
          "usage":{"prompt_tokens":61,"completion_tokens":19,"total_tokens":80,
            "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
            "completion_tokens_details":{"reasoning_tokens":0}},
          "service_tier":"default","system_fingerprint":"fp_abc"}"#;
        let r: ChatResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.usage.as_ref().unwrap().prompt_tokens, 61);
        let out: ModelOutput =
            serde_json::from_str(r.choices[0].message.content.as_deref().unwrap()).unwrap();
        assert_eq!(out.intent, "order_status");
        assert_eq!(out.order_number.as_deref(), Some("1001"));
    }

    #[test]
    fn error_code_may_be_an_integer() {
        let e: ErrorEnvelope = serde_json::from_str(
            r#"{"error":{"code":400,"message":"bad","type":"invalid_request_error"}}"#,
        )
        .unwrap();
        assert_eq!(e.error.code.as_deref(), Some("400"));
        assert_eq!(e.error.param, None);
    }
}
