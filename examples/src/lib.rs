//! # lumitalk-examples
//!
//! How to use LumiTalk: the example server (`server`: [`lumitalk_axum`] wired
//! from environment variables), an existing axum app that embeds it
//! ([`embed`], binary `embed`), and a terminal call simulator (`call`) that
//! drives the same assistant without a phone. The logic is the library's;
//! these show how to put it together.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod embed;

/// Logs to stderr; `RUST_LOG`-style filtering is not needed for an example, so
/// the level comes from `LUMITALK_LOG` (`info` by default).
pub fn init_tracing() {
    let level = std::env::var("LUMITALK_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
