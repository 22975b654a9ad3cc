//! # lumitalk-bench
//!
//! Benchmark tooling for LumiTalk, driven by `bench/run.sh` (which reproduces
//! every figure in `BENCHMARKS.md`):
//!
//! - [`loadgen`] (binary `loadgen`): a load generator that speaks Twilio's wire
//!   protocol — signed webhook form posts, one `CallSid` per call — and follows
//!   the returned TwiML (gather and dial actions, redirects, `<Play>` fetches),
//!   playing many callers at once against a running server.
//! - [`standins`] (binary `standins`): local stand-ins emulating the Shopify
//!   Admin GraphQL, OpenAI Chat Completions and ElevenLabs text-to-speech HTTP
//!   APIs, answering in their wire shapes after configurable delays, so the
//!   server can be load-tested with provider latency but without the internet.
//!
//! Not published; the example server itself lives in `lumitalk-examples`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod loadgen;
pub mod standins;
