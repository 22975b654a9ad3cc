//! # lumitalk-twilio
//!
//! The Twilio Programmable Voice adapter for LumiTalk: [`TwilioTelephony`]
//! implements core's [`Telephony`](lumitalk_core::Telephony) trait.
//!
//! - **Webhooks in**: [`validate_signature`] checks `X-Twilio-Signature` (a pure
//!   function, also usable from any web framework), [`webhook`] turns Twilio's form
//!   parameters into core's [`CallEvent`](lumitalk_core::CallEvent). Which callback
//!   a request is (incoming call, gather result, dial result, status) is decided by
//!   its path, see [`Routes`].
//! - **TwiML out**: [`TwimlRenderer`] renders core's
//!   [`Reply`](lumitalk_core::Reply), with prompts inside `<Gather>` so callers can
//!   barge in; every text and attribute is escaped.
//! - **Call control** (feature `rest`, on by default): [`TwilioClient`] redirects,
//!   replaces the TwiML of, or ends a live call through the REST API; failures are
//!   classified once, in [`classify`]. Without `rest` the crate has no HTTP client,
//!   and `TwilioTelephony`'s call-control methods return
//!   [`TelephonyError::InvalidRequest`](lumitalk_core::TelephonyError::InvalidRequest)
//!   saying the feature is needed (a server that only answers webhooks never calls them).
//! - **Media Streams**: [`media`] has the WebSocket message types and a G.711 μ-law
//!   codec, for a future low-latency streaming mode.
//! - Feature `axum`: [`extract::TwilioWebhook`], an extractor that rebuilds the
//!   public URL, verifies and parses (403 on a bad signature, 400 on a bad request).
//!   [`public_url`] rebuilds the signed URL behind a proxy (keeping a public path
//!   prefix such as `https://bot.example.com/lt`) for any framework.
//!
//! ## Example: validate and answer a webhook
//!
//! ```
//! use bytes::Bytes;
//! use lumitalk_core::{CallEventKind, InboundRequest, Language, Next, Prompt, Reply, Telephony};
//! use lumitalk_twilio::{TwilioConfig, TwilioTelephony, parse_form, sign};
//! use secrecy::SecretString;
//!
//! let config = TwilioConfig::builder()
//!     .account_sid("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
//!     .auth_token(SecretString::from("12345"))
//!     .public_url("https://bot.example.com")
//!     .build()?;
//! let twilio = TwilioTelephony::new(config)?;
//!
//! // What Twilio posts to the Voice URL when a call comes in (signed here with
//! // the same auth token, as Twilio would).
//! let body = "CallSid=CA0123456789abcdef0123456789abcdef&From=%2B15005550006&To=%2B15005550001&CallStatus=ringing";
//! let url = "https://bot.example.com/twilio/voice";
//! let signature = sign(url, &parse_form(body.as_bytes()), &SecretString::from("12345"));
//! let request = InboundRequest {
//!     method: "POST".into(),
//!     url: url.parse()?,
//!     headers: vec![
//!         ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
//!         ("X-Twilio-Signature".into(), signature),
//!     ],
//!     body: Bytes::from(body),
//! };
//!
//! let event = twilio.parse_webhook(&request)?;
//! assert_eq!(event.kind, CallEventKind::Incoming);
//! assert_eq!(event.from.as_ref().map(|p| p.as_e164()), Some("+15005550006"));
//!
//! // Answer: greet, then end the call.
//! let answer = twilio.render(&Reply {
//!     prompts: vec![Prompt::Say {
//!         text: "Thanks for calling <Acme> & co.".into(),
//!         voice: None,
//!         language: Language::en_us(),
//!     }],
//!     next: Next::HangUp,
//! });
//! assert_eq!(answer.content_type, "text/xml");
//! assert_eq!(
//!     answer.body,
//!     r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Thanks for calling &lt;Acme&gt; &amp; co.</Say><Hangup /></Response>"#
//! );
//!
//! // A forged request is refused (the server answers 403).
//! let mut forged = request.clone();
//! forged.body = Bytes::from(body.replace("ringing", "completed"));
//! assert!(twilio.parse_webhook(&forged).unwrap_err().is_auth_failure());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod error;
#[cfg(feature = "axum")]
pub mod extract;
pub mod media;
pub mod public_url;
pub mod signature;
mod telephony;
pub mod twiml;
pub mod webhook;
pub mod wire;

pub use client::CallUpdate;
#[cfg(feature = "rest")]
pub use client::TwilioClient;
pub use config::{ConfigError, Routes, TwilioConfig, TwilioConfigBuilder};
pub use error::classify;
pub use signature::{
    SIGNATURE_HEADER, SignatureError, sign, validate_signature, validate_signature_with_body,
};
pub use telephony::TwilioTelephony;
pub use twiml::{CONTENT_TYPE, MAX_REST_TWIML_CHARS, TwimlRenderer};
pub use webhook::{WebhookKind, infer_kind, parse_form, parse_params};

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
