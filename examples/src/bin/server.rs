//! The LumiTalk example server.
//!
//! ```text
//! cargo run -p lumitalk-examples --bin server
//! ```
//! With no settings it runs in demo mode: built-in demo orders, the offline
//! classifier, the carrier's own voice and a local SQLite file. See the README
//! for the environment variables that switch each provider to the real one.

use std::process::ExitCode;

use lumitalk_axum::Settings;
use lumitalk_axum::wiring::Deployment;

#[tokio::main]
async fn main() -> ExitCode {
    lumitalk_examples::init_tracing();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lumitalk: {e}");
            return ExitCode::from(2);
        }
    };
    let deployment = match Deployment::from_settings(&settings) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("lumitalk: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(settings.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lumitalk: cannot listen on {}: {e}", settings.addr);
            return ExitCode::from(1);
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!("LumiTalk listening on http://{addr}");
    for line in &deployment.summary {
        println!("  {line}");
    }
    println!("Try a call:");
    println!("  cargo run -p lumitalk-examples --bin call");
    let public = settings.public_url.as_str().trim_end_matches('/');
    if deployment.signatures_verified {
        // An unsigned curl would only get 403 here.
        println!(
            "  Webhooks must be signed (TWILIO_AUTH_TOKEN is set): point a Twilio number's \
             voice webhook at {public}/twilio/voice, or sign requests yourself \
             (lumitalk_twilio::sign over {public} + path + sorted form parameters)."
        );
    } else {
        println!(
            "  curl -s -X POST http://{addr}/twilio/voice -d CallSid=CAdemo0001 -d From=%2B14155550123 -d To=%2B14155550100"
        );
    }
    let served = match settings.admin_addr {
        None => deployment.lumitalk.serve(listener).await,
        Some(admin_addr) => match tokio::net::TcpListener::bind(admin_addr).await {
            Ok(internal) => {
                println!("  admin API and /metrics on http://{admin_addr} only");
                deployment.lumitalk.serve_split(listener, internal).await
            }
            Err(e) => {
                eprintln!("lumitalk: cannot listen on {admin_addr}: {e}");
                return ExitCode::from(1);
            }
        },
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lumitalk: server error: {e}");
            ExitCode::from(1)
        }
    }
}
