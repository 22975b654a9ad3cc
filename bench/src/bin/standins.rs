//! Local stand-ins for Shopify, OpenAI and ElevenLabs on one port, answering in
//! the providers' wire shapes after a configurable delay, for load tests.
//!
//! ```text
//! cargo run --release -p lumitalk-bench --bin standins -- \
//!     --addr 127.0.0.1:9100 --shopify-ms 150 --openai-ms 350 --elevenlabs-ms 250 --jitter-ms 20
//! ```
//! Then start the server against it:
//! ```text
//! SHOPIFY_SHOP=standin SHOPIFY_ACCESS_TOKEN=x SHOPIFY_API_BASE_URL=http://127.0.0.1:9100 \
//! OPENAI_API_KEY=x OPENAI_BASE_URL=http://127.0.0.1:9100/v1 \
//! ELEVENLABS_API_KEY=x ELEVENLABS_VOICE_ID=standinvoice ELEVENLABS_BASE_URL=http://127.0.0.1:9100 \
//!     cargo run --release -p lumitalk-examples --bin server
//! ```
//! Each answer waits the provider's delay ± a uniform draw in `0..=jitter`.
//! `GET /stats` gives request counts and peak concurrency per provider; `GET /log`
//! returns (and clears) one line per request served: `provider start_us end_us`.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use lumitalk_bench::standins::{self, Delays, Standins};

fn parse() -> Result<(String, Delays, u64), String> {
    let mut addr = "127.0.0.1:9100".to_string();
    let mut delays = Delays::default();
    let mut seed = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        let mut ms = || -> Result<Duration, String> {
            let v: f64 = value()?.parse().map_err(|_| format!("{a}: milliseconds"))?;
            if !(0.0..=60_000.0).contains(&v) {
                return Err(format!("{a}: 0 to 60000 milliseconds"));
            }
            Ok(Duration::from_secs_f64(v / 1e3))
        };
        match a.as_str() {
            "--addr" => addr = value()?,
            "--shopify-ms" => delays.shopify = ms()?,
            "--openai-ms" => delays.openai = ms()?,
            "--elevenlabs-ms" => delays.elevenlabs = ms()?,
            "--jitter-ms" => delays.jitter = ms()?,
            "--seed" => seed = value()?.parse().map_err(|_| "--seed: a number")?,
            "-h" | "--help" => {
                println!("see the doc comment at the top of bench/src/bin/standins.rs");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((addr, delays, seed))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (addr, delays, seed) = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("standins: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("standins: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "provider stand-ins on http://{addr}: shopify {:?}, openai {:?}, elevenlabs {:?}, jitter ±{:?}",
        delays.shopify, delays.openai, delays.elevenlabs, delays.jitter
    );
    let app = standins::router(Standins::new(delays, seed));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("standins: {e}");
            ExitCode::from(1)
        }
    }
}
