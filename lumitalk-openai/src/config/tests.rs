//! Configuration tests.

use std::collections::HashMap;

use super::*;

fn vars(pairs: &[(&str, &str)]) -> OpenAiConfigBuilder {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    OpenAiConfigBuilder::from_lookup(move |k| map.get(k).cloned())
}

#[test]
fn defaults_apply_when_only_the_key_is_set() {
    let c = vars(&[("OPENAI_API_KEY", "sk-test")]).build().unwrap();
    assert_eq!(c.base_url().as_str(), "https://api.openai.com/v1");
    assert_eq!(c.endpoint(), "https://api.openai.com/v1/chat/completions");
    assert_eq!(c.model(), DEFAULT_MODEL);
    assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
    assert_eq!(c.max_completion_tokens(), DEFAULT_MAX_COMPLETION_TOKENS);
    assert_eq!(c.temperature(), Some(0.0));
    assert!(!c.is_reasoning_model());
}

#[test]
fn every_bad_setting_is_reported_by_name() {
    let err = vars(&[
        ("OPENAI_BASE_URL", "ftp://example.com"),
        ("OPENAI_MODEL", "gpt 4"),
        ("OPENAI_TIMEOUT_MS", "soon"),
        ("OPENAI_MAX_COMPLETION_TOKENS", "0"),
        ("OPENAI_REASONING_EFFORT", "low"),
    ])
    .build()
    .unwrap_err();
    let names: Vec<_> = err.problems().iter().map(ConfigProblem::name).collect();
    assert_eq!(
        names,
        [
            "OPENAI_TIMEOUT_MS",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "OPENAI_MODEL",
            "OPENAI_MAX_COMPLETION_TOKENS",
            "OPENAI_REASONING_EFFORT",
        ]
    );
    let text = err.to_string();
    assert!(text.contains("OPENAI_API_KEY is missing"), "{text}");
    assert!(!text.contains("ftp://example.com"), "{text}");
}

#[test]
fn base_url_override_keeps_its_path() {
    let c = vars(&[
        ("OPENAI_API_KEY", "sk-test"),
        ("OPENAI_BASE_URL", "http://localhost:11434/v1/"),
        ("OPENAI_TIMEOUT_MS", "2500"),
    ])
    .build()
    .unwrap();
    assert_eq!(c.endpoint(), "http://localhost:11434/v1/chat/completions");
    assert_eq!(c.timeout(), Duration::from_millis(2500));
}

#[test]
fn debug_never_shows_the_key() {
    let builder = OpenAiConfig::builder()
        .api_key("sk-very-secret-123")
        .base_url("https://user:pw@proxy.example/v1");
    assert!(!format!("{builder:?}").contains("sk-very-secret"));
    let c = builder.build().unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("sk-very-secret"), "{debug}");
    assert!(!debug.contains("pw@"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn reasoning_models_get_no_temperature() {
    for model in [
        "gpt-5-nano",
        "gpt-5.4-mini",
        "o3-mini",
        "o4-mini",
        "openai/o1",
    ] {
        let c = OpenAiConfig::builder()
            .api_key("k")
            .model(model)
            .reasoning_effort("minimal")
            .build()
            .unwrap();
        assert!(c.is_reasoning_model(), "{model}");
        assert_eq!(c.temperature(), None, "{model}");
    }
    for model in [
        "gpt-4.1-nano",
        "gpt-4o-mini",
        "gpt-5-chat-latest",
        "llama3.1:8b",
        "omni",
    ] {
        assert!(!is_reasoning_model(model), "{model}");
    }
}

#[test]
fn whitespace_only_key_is_missing() {
    let err = vars(&[("OPENAI_API_KEY", "  ")]).build().unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
    assert!(err.problems()[0].is_missing());
    assert_eq!(err.problems()[0].name(), "OPENAI_API_KEY");
}

#[test]
fn builder_errors_name_the_method_and_lookup_errors_the_variable() {
    let err = OpenAiConfig::builder()
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid OpenAI configuration: OpenAiConfig::builder().api_key(..) is missing; \
         OpenAiConfig::builder().timeout(..): must be between 1 ms and 60 s"
    );
    let err = vars(&[("OPENAI_API_KEY", "sk x")]).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid OpenAI configuration: OPENAI_API_KEY: contains whitespace"
    );
    assert!(err.names("OPENAI_API_KEY"));
}
