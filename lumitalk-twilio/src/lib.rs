//! # lumitalk-twilio
//!
//! The Twilio Programmable Voice adapter for LumiTalk (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod error;
#[cfg(feature = "axum")]
pub mod extract;
pub mod media;
pub mod signature;
mod telephony;
pub mod twiml;
pub mod webhook;
pub mod wire;

pub use client::{CallUpdate, TwilioClient};
pub use config::{ConfigError, Routes, TwilioConfig, TwilioConfigBuilder};
pub use error::classify;
pub use signature::{SignatureError, sign, validate_signature, validate_signature_with_body};
pub use telephony::TwilioTelephony;
pub use twiml::{CONTENT_TYPE, MAX_REST_TWIML_CHARS, TwimlRenderer};
pub use webhook::{WebhookKind, infer_kind, parse_form, parse_params};
