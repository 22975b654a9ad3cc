//! # lumitalk-twilio
//!
//! The Twilio Programmable Voice adapter for LumiTalk (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod signature;

pub use signature::{SignatureError, sign, validate_signature, validate_signature_with_body};
