//! Shared helpers: a wiremock server speaking Chat Completions, realistic envelopes,
//! and a responder that answers from the caller's words.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use lumitalk_core::{ClassifyContext, ExpectedEntity, Language};
use lumitalk_openai::{OpenAiClassifier, OpenAiConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key used in tests: it must never appear in a request body.
pub const KEY: &str = "sk-test-SECRET-4f9a1c";
/// The chat-completions path under the mock's `/v1` base.
pub const PATH: &str = "/v1/chat/completions";

/// A classifier pointed at `server`'s `/v1`.
pub fn classifier(server: &MockServer) -> OpenAiClassifier {
    classifier_with(server, |b| b)
}

/// A classifier pointed at `server`, with builder tweaks.
pub fn classifier_with(
    server: &MockServer,
    tweak: impl FnOnce(lumitalk_openai::OpenAiConfigBuilder) -> lumitalk_openai::OpenAiConfigBuilder,
) -> OpenAiClassifier {
    let builder = OpenAiConfig::builder()
        .api_key(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .timeout(Duration::from_secs(3));
    OpenAiClassifier::new(tweak(builder).build().unwrap()).unwrap()
}

/// The moment in the call most tests use.
pub fn context() -> ClassifyContext {
    ClassifyContext {
        merchant_name: "Acme Outdoor".into(),
        language: Language::en_us(),
        last_prompt: "What is your order number?".into(),
        expected: ExpectedEntity::OrderNumber,
    }
}

/// A schema-conforming model answer.
pub fn output(intent: &str) -> Value {
    json!({
        "intent": intent,
        "order_number": null,
        "postal_code": null,
        "digits": null,
        "phone_number": null,
        "yes_no": null,
        "confidence": 0.9,
        "caller_upset": false
    })
}

/// A realistic 200 envelope around `content` (the model's JSON as text).
pub fn envelope(content: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-BX9q2kTz",
        "object": "chat.completion",
        "created": 1764395000,
        "model": "gpt-4.1-nano-2025-04-14",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": {
            "prompt_tokens": 412, "completion_tokens": 38, "total_tokens": 450,
            "prompt_tokens_details": {"cached_tokens": 384, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "service_tier": "default",
        "system_fingerprint": "fp_38343a2f8f"
    })
}

/// A 200 whose content is `out`.
pub fn ok(out: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-request-id", "req_7d1e")
        .insert_header("openai-processing-ms", "212")
        .set_body_json(envelope(Value::String(out.to_string()), "stop"))
}

/// Mounts `response` for every `POST /v1/chat/completions`.
pub async fn mount(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

/// An OpenAI error body.
pub fn error_body(message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": kind, "param": param, "code": code}})
}

/// The JSON body of the only request `server` received.
pub async fn only_request(server: &MockServer) -> (Request, Value) {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "expected one request");
    let r = requests.remove(0);
    let body = serde_json::from_slice(&r.body).unwrap();
    (r, body)
}

/// The caller's text from a request body (the user message is a JSON object).
pub fn caller_text(body: &Value) -> String {
    let user = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .expect("a user message");
    let input: Value = serde_json::from_str(user["content"].as_str().unwrap()).unwrap();
    input["text"].as_str().unwrap().to_string()
}

/// Answers like a model would: `answer(caller text, request body)` gives the
/// model's JSON output, wrapped in a realistic envelope.
pub struct Scripted<F>(pub F);

impl<F> Respond for Scripted<F>
where
    F: Fn(&str, &Value) -> Value + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let out = (self.0)(&caller_text(&body), &body);
        ok(out)
    }
}
