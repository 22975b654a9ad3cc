//! OpenAI Chat Completions: `POST /v1/chat/completions` answering a strict
//! structured-output classification (`lumitalk-openai`'s schema), computed by the
//! offline keyword classifier on the user message's text.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lumitalk_core::memory::KeywordClassifier;
use lumitalk_core::{ClassifyContext, ExpectedEntity, Language, Utterance};
use serde_json::{Value, json};

use super::{Provider, Standins, json_error};

fn invalid_request(message: &str) -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}}),
    )
}

/// `POST /v1/chat/completions`.
pub(super) async fn chat_completions(
    State(s): State<Arc<Standins>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = s.begin(Provider::OpenAi);
    s.delay(Provider::OpenAi).await;
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|k| !k.trim().is_empty());
    if !authorized {
        return json_error(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return invalid_request("We could not parse the JSON body of your request.");
    };
    if request["response_format"]["json_schema"]["strict"] != json!(true) {
        return invalid_request("This stand-in only answers strict json_schema requests.");
    }
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let text_of = |role: &str| {
        messages
            .iter()
            .find(|m| m["role"] == role)
            .and_then(|m| m["content"].as_str())
            .map(str::to_string)
    };
    let (Some(system), Some(user)) = (text_of("system"), text_of("user")) else {
        return invalid_request("Expected a system and a user message.");
    };
    let Some(utterance) = utterance(&user) else {
        return invalid_request("The user message is not the caller-input JSON object.");
    };
    let context = context(&system);
    let c = KeywordClassifier::new().classify_now(&utterance, &context);
    let content = json!({
        "intent": c.intent.as_str(),
        "order_number": c.entities.order_number.as_ref().map(|n| n.digits()),
        "postal_code": c.entities.postal_code,
        "digits": c.entities.digits,
        "phone_number": c.entities.phone.as_ref().map(|p| p.as_e164()),
        "yes_no": c.entities.yes_no,
        "confidence": (f64::from(c.confidence) * 100.0).round() / 100.0,
        "caller_upset": c.caller_upset,
    })
    .to_string();
    // Roughly four characters per token, as OpenAI's tokenizers average on English.
    let prompt_tokens = (system.len() + user.len()) / 4;
    let completion_tokens = content.len() / 4;
    axum::Json(json!({
        "id": format!("chatcmpl-standin{}", s.id()),
        "object": "chat.completion",
        "created": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "model": request["model"].as_str().unwrap_or("gpt-4.1-nano"),
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": null, "annotations": [] },
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": { "cached_tokens": 0, "audio_tokens": 0 },
            "completion_tokens_details": { "reasoning_tokens": 0 }
        },
        "service_tier": "default",
        "system_fingerprint": "fp_standin"
    }))
    .into_response()
}

/// The user message is `{"source": "speech"|"keypad", "recognizer_confidence"?, "text"}`.
fn utterance(user: &str) -> Option<Utterance> {
    let v: Value = serde_json::from_str(user).ok()?;
    let text = v["text"].as_str()?.to_string();
    Some(match v["source"].as_str()? {
        "keypad" => Utterance::Digits { digits: text },
        _ => Utterance::Speech {
            text,
            confidence: v["recognizer_confidence"].as_f64().map(|c| c as f32),
        },
    })
}

/// Reads back the context lines of `lumitalk-openai`'s system message.
fn context(system: &str) -> ClassifyContext {
    let line = |prefix: &str| {
        system
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| serde_json::from_str::<String>(v).unwrap_or_else(|_| v.to_string()))
            .unwrap_or_default()
    };
    let waiting = system
        .lines()
        .find_map(|l| l.strip_prefix("The conversation is waiting for: "))
        .unwrap_or_default();
    let expected = if waiting.starts_with("an order number") {
        ExpectedEntity::OrderNumber
    } else if waiting.starts_with("a phone number") {
        ExpectedEntity::PhoneNumber
    } else if waiting.starts_with("a verification answer") {
        ExpectedEntity::Verification
    } else if waiting.starts_with("a yes or no") {
        ExpectedEntity::YesNo
    } else if waiting.starts_with("which of several orders") {
        ExpectedEntity::OrderChoice
    } else {
        ExpectedEntity::None
    };
    let language = line("Call language: ");
    ClassifyContext {
        merchant_name: line("Store: "),
        language: if language.is_empty() {
            Language::en_us()
        } else {
            Language::new(language)
        },
        last_prompt: line("The assistant just asked the caller: "),
        expected,
    }
}
