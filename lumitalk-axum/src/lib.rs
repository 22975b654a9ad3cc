//! # lumitalk-axum
//!
//! The LumiTalk server as a library: mount an AI phone assistant for your
//! store in your own [axum](https://docs.rs/axum) app. [`LumiTalk`] hands out
//! routers you compose with your own:
//!
//! - **carrier routes**: Twilio's voice, gather, dial and status webhooks, each
//!   signature-checked against the public URL (path prefix included) through one
//!   intake, and `GET /audio/{id}`, which streams synthesized speech as it is
//!   produced;
//! - an **admin router** (privacy export and delete, legal holds, retention
//!   purge, pending Shopify data requests) to mount on an internal listener or behind your own auth;
//! - the **Shopify compliance** router (`customers/data_request`,
//!   `customers/redact`, `shop/redact`);
//! - **`/healthz`** (liveness) and **`/readyz`** (the stores answer; recently
//!   failing providers listed);
//! - **metrics** through the [`metrics`] facade, which your own recorder sees;
//!   feature `prometheus` serves them at `/metrics`.
//!
//! [`LumiTalk::start_jobs`] runs the background jobs (retention purge at start
//! and daily, speech pre-warm, session sweeps) and stops them on shutdown;
//! [`LumiTalk::serve`] does all of it on a listener of its own.
//!
//! With feature `providers`, [`Settings::from_env`] and
//! [`wiring::Deployment`] build the standard deployment (Shopify, OpenAI,
//! ElevenLabs, SQLite call records) from environment variables, as the example
//! server does.
//!
//! # Example
//!
//! An existing app with its own routes mounts LumiTalk under `/lumitalk`:
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Router, routing::get};
//! use lumitalk_axum::LumiTalk;
//! use lumitalk_core::assistant::Assistant;
//! use lumitalk_core::memory::DemoOrderStore;
//! use lumitalk_core::{Merchant, MerchantDirectory};
//! use lumitalk_twilio::{TwilioConfig, TwilioTelephony};
//! use secrecy::SecretString;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let merchants = MerchantDirectory::new(vec![Merchant::new("acme", "Acme Outdoor")]);
//! let assistant = Assistant::builder(merchants, Arc::new(DemoOrderStore::demo()))
//!     .demo_in_memory_records() // production: .records(a durable store)
//!     .build()?;
//! let token = SecretString::from("your-twilio-auth-token");
//! let twilio = TwilioTelephony::new(
//!     TwilioConfig::builder()
//!         .auth_token(token.clone())
//!         .public_url("https://shop.example.com/lumitalk")
//!         .build()?,
//! )?;
//! let lumitalk = LumiTalk::twilio(assistant, twilio).build()?;
//!
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "my shop" }))
//!     .nest("/lumitalk", lumitalk.carrier_router())
//!     .merge(lumitalk.health_router());
//! let jobs = lumitalk.start_jobs();
//!
//! // Twilio calls https://shop.example.com/lumitalk/twilio/voice, signed:
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! let form = [("CallSid", "CA0001"), ("From", "+14155550123"), ("To", "+14155550100")];
//! let params: Vec<(String, String)> =
//!     form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
//! let signature =
//!     lumitalk_twilio::sign("https://shop.example.com/lumitalk/twilio/voice", &params, &token);
//! let twiml = reqwest::Client::new()
//!     .post(format!("http://{addr}/lumitalk/twilio/voice"))
//!     .header("X-Twilio-Signature", signature)
//!     .form(&form)
//!     .send()
//!     .await?
//!     .text()
//!     .await?;
//! assert!(twiml.contains("Thanks for calling Acme Outdoor"));
//! jobs.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
pub mod admin_auth;
mod carrier;
mod health;
pub mod jobs;
pub mod listener;
pub mod metrics;
pub mod routes;
mod serve;
mod service;
pub mod settings;
mod shopify;
#[cfg(feature = "providers")]
pub mod wiring;

pub use admin_auth::MIN_ADMIN_TOKEN_LEN;
pub use health::DEGRADED_WINDOW;
pub use jobs::{BackgroundJobs, JobSchedule, Stopped};
pub use listener::{ListenerLimits, serve_with_limits};
pub use serve::shutdown_signal;
pub use service::{BuildError, LumiTalk, LumiTalkBuilder};
pub use settings::{Settings, SettingsError};

// The public API's own types, so integrators need not match versions.
pub use axum;
pub use secrecy;
pub use url;

// The workspace README's examples run as doc tests here (that file is not in
// the package; `cfg(doctest)` keeps it out of every other build).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
