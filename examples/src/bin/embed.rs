//! An existing axum app that mounts LumiTalk under `/lumitalk`, with its own
//! orders and the admin API on a second listener.
//!
//! ```text
//! TWILIO_AUTH_TOKEN=... LUMITALK_ADMIN_TOKEN=0123456789abcdef \
//!   cargo run -p lumitalk-examples --bin embed
//! ```
//! Public app on 127.0.0.1:3100 (`/`, `/api/products`, `/lumitalk/twilio/*`,
//! `/healthz`), admin API on 127.0.0.1:3101. Point a Twilio number's voice
//! webhook at `$PUBLIC_URL/lumitalk/twilio/voice`.

use std::process::ExitCode;

use lumitalk_axum::secrecy::SecretString;
use lumitalk_examples::embed::{self, HashMapOrders, ShopConfig};

#[tokio::main]
async fn main() -> ExitCode {
    lumitalk_examples::init_tracing();
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(token), Some(admin)) = (var("TWILIO_AUTH_TOKEN"), var("LUMITALK_ADMIN_TOKEN")) else {
        eprintln!("embed: set TWILIO_AUTH_TOKEN and LUMITALK_ADMIN_TOKEN (16+ characters)");
        return ExitCode::from(2);
    };
    let config = ShopConfig {
        public_url: var("PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3100".into()),
        twilio_auth_token: SecretString::from(token),
        admin_token: SecretString::from(admin),
        speech: None,
    };
    let orders = HashMapOrders::new(lumitalk_core::memory::demo_orders().iter().cloned());
    let lumitalk = match embed::lumitalk(config, orders) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("embed: {e}");
            return ExitCode::from(2);
        }
    };
    let (public, internal) = match (
        tokio::net::TcpListener::bind("127.0.0.1:3100").await,
        tokio::net::TcpListener::bind("127.0.0.1:3101").await,
    ) {
        (Ok(p), Ok(i)) => (p, i),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("embed: cannot listen: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "My Shop on http://127.0.0.1:3100 (LumiTalk under /lumitalk), admin on http://127.0.0.1:3101"
    );
    let jobs = lumitalk.start_jobs();
    let public = axum_serve(public, embed::public_app(&lumitalk));
    let internal = axum_serve(internal, embed::internal_app(&lumitalk));
    let result = tokio::select! {
        r = public => r,
        r = internal => r,
        () = lumitalk_axum::shutdown_signal() => Ok(()),
    };
    jobs.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embed: server error: {e}");
            ExitCode::from(1)
        }
    }
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: lumitalk_axum::axum::Router,
) -> std::io::Result<()> {
    lumitalk_axum::axum::serve(listener, app).await
}
