//! # lumitalk-openai
//!
//! The [`IntentClassifier`](lumitalk_core::IntentClassifier) for OpenAI and
//! OpenAI-compatible servers (vLLM, Ollama, llama.cpp, LiteLLM, ...): one
//! `POST {base}/chat/completions` per utterance, answered in a strict JSON schema
//! whose `intent` is an enum of every core [`Intent`](lumitalk_core::Intent), with
//! typed, nullable entity fields (order number, postal code, digits, phone number,
//! yes/no), a confidence and an upset flag. The model can only return a
//! classification, never text to speak.
//!
//! - The system message carries the moment in the call (what the caller was just
//!   asked, which entity is expected, the merchant, the language) and says that the
//!   caller's words are data, never instructions. The caller's words travel alone, as
//!   a JSON object, in the user message.
//! - Entities are checked after parsing (an order number is 3 to 12 digits, a postal
//!   code looks like one, a phone number parses); failing ones are dropped.
//! - Each [`Classification`](lumitalk_core::Classification) records token usage and
//!   the measured latency, so the call record shows what each turn cost.
//! - Failures map to core's [`ClassifyError`](lumitalk_core::ClassifyError) in one
//!   function (see the table in the `error` module's source): bad key, quota and
//!   unknown model are permanent; rate limits (with their `retry-after-ms` hint),
//!   5xx, timeouts and connection errors are retryable; refusals, truncated output
//!   and schema mismatches are invalid responses. Nothing is retried here: use
//!   core's wrappers, with the offline keyword classifier as the fallback.
//! - Only parameters the model accepts are sent: `temperature: 0` for ordinary
//!   models, none (and an optional `reasoning_effort`) for reasoning models
//!   (`gpt-5*`, o-series); `max_completion_tokens`, never `max_tokens`.
//!
//! ## Configuration
//!
//! `OPENAI_API_KEY` (required), `OPENAI_BASE_URL`, `OPENAI_MODEL`, `OPENAI_TIMEOUT_MS`,
//! `OPENAI_MAX_COMPLETION_TOKENS`, `OPENAI_REASONING_EFFORT`, `OPENAI_ORG_ID`,
//! `OPENAI_PROJECT_ID`: see [`OpenAiConfigBuilder::from_env`]. Defaults:
//! [`DEFAULT_MODEL`] (a small non-reasoning model), [`DEFAULT_TIMEOUT`].
//!
//! ## Example
//!
//! ```no_run
//! use lumitalk_core::{ClassifyContext, ExpectedEntity, IntentClassifier, Language, Utterance};
//! use lumitalk_openai::{OpenAiClassifier, OpenAiConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = OpenAiConfig::builder()
//!     .api_key(std::env::var("OPENAI_API_KEY")?)
//!     .model("gpt-4.1-nano")
//!     .timeout(std::time::Duration::from_millis(2500))
//!     .build()?;
//! // Or, reading every setting from the environment: OpenAiClassifier::from_env()?
//! let classifier = OpenAiClassifier::new(config)?;
//!
//! let context = ClassifyContext {
//!     merchant_name: "Acme Outdoor".into(),
//!     language: Language::en_us(),
//!     last_prompt: "What is your order number?".into(),
//!     expected: ExpectedEntity::OrderNumber,
//! };
//! let c = classifier
//!     .classify(&Utterance::speech("it's one oh oh one", Some(0.91)), &context)
//!     .await?;
//! println!(
//!     "{} {:?} ({:?} ms, {:?})",
//!     c.intent.as_str(),
//!     c.entities.order_number,
//!     c.latency_ms,
//!     c.usage
//! );
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod classifier;
mod client;
mod config;
mod entities;
mod error;
mod prompt;
mod wire;

pub use classifier::{NAME, OpenAiClassifier};
pub use config::{
    ConfigError, ConfigProblem, DEFAULT_BASE_URL, DEFAULT_MAX_COMPLETION_TOKENS, DEFAULT_MODEL,
    DEFAULT_TIMEOUT, OpenAiConfig, OpenAiConfigBuilder,
};

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
