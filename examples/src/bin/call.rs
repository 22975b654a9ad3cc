//! A phone call in the terminal, with the same wiring as the server.
//!
//! ```text
//! cargo run -p lumitalk-examples --bin call -- --from +14155550123 --attested
//! ```
//! Type what the caller says. Keypad digits start with `#` (`#1001`, `#0`);
//! an empty line is silence; `/hangup` (or end of input) hangs up. When stdin is
//! not a terminal the lines are read as a script, so it doubles as a test tool:
//! `printf 'where is my order\n#1001\n94105\nbye\n' | cargo run -p lumitalk-examples --bin call`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use lumitalk_axum::Settings;
use lumitalk_axum::settings::ProcessEnv;
use lumitalk_axum::wiring::Deployment;
use lumitalk_core::{
    Attestation, CallEvent, CallEventKind, CallId, CallStatus, Next, PhoneNumber, Region, Utterance,
};

struct Args {
    from: Option<PhoneNumber>,
    to: Option<PhoneNumber>,
    /// What the carrier says of the caller ID (SHAKEN/STIR).
    attestation: Attestation,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        from: PhoneNumber::parse_e164("+14155550123").ok(),
        to: None,
        attestation: Attestation::Unverified,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--from" | "--to" => {
                let v = it.next().ok_or(format!("{a} needs a phone number"))?;
                let p = if v == "anonymous" {
                    None
                } else {
                    Some(
                        PhoneNumber::parse(&v, Region::NANP)
                            .map_err(|e| format!("{a} {v}: {e}"))?,
                    )
                };
                if a == "--from" {
                    args.from = p;
                } else {
                    args.to = p;
                }
            }
            "--attested" => args.attestation = Attestation::Full,
            "-h" | "--help" => {
                println!(
                    "usage: call [--from +14155550123|anonymous] [--to +1...] [--attested]\n\
                     --attested: the carrier vouches for the caller ID (SHAKEN/STIR A),\n\
                     so it verifies the caller for their own orders.\n\
                     Type what the caller says; #digits for the keypad (#1001, #0);\n\
                     an empty line is silence; /hangup ends the call."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(args)
}

fn describe(next: &Next) -> String {
    match next {
        Next::Listen(l) => {
            let mut how = Vec::new();
            if l.speech {
                how.push("speech");
            }
            if l.keypad {
                how.push("keypad");
            }
            format!(
                "[listening: {} | expecting {:?}]",
                how.join("+"),
                l.expected
            )
        }
        Next::Transfer(t) => format!("[transferring to {} ...]", t.to),
        Next::HangUp => "[hangs up]".to_string(),
        Next::Continue => "[holding: back in a moment]".to_string(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("call: {e}");
            return ExitCode::from(2);
        }
    };
    if std::env::var("LUMITALK_LOG").is_ok() {
        lumitalk_examples::init_tracing();
    }
    let settings = match Settings::for_local_simulation(&ProcessEnv) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("call: {e}");
            return ExitCode::from(2);
        }
    };
    let deployment = match Deployment::from_settings(&settings) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("call: {e}");
            return ExitCode::from(2);
        }
    };
    let assistant = deployment.lumitalk.assistant();
    let interactive = std::io::stdin().is_terminal();
    let call_id = CallId::new(format!(
        "CAsim{:x}",
        lumitalk_core::Timestamp::now_from_system().as_unix_millis()
    ));
    let event = |kind| {
        CallEvent::new(call_id.clone(), args.from.clone(), args.to.clone(), kind)
            .with_attestation(args.attestation)
    };
    if interactive {
        println!(
            "Calling as {} (type /hangup to end)",
            args.from
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or("anonymous".into())
        );
    }
    let mut outcome = assistant.handle(event(CallEventKind::Incoming)).await;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        println!("assistant: {}", outcome.reply.spoken_text());
        println!("           {}", describe(&outcome.reply.next));
        let next_kind = match &outcome.reply.next {
            Next::HangUp => break,
            // The carrier comes straight back after a hold.
            Next::Continue => CallEventKind::Resumed,
            Next::Transfer(_) => {
                // In the simulator the human always answers.
                CallEventKind::TransferEnded(lumitalk_core::TransferOutcome::Answered)
            }
            Next::Listen(_) => {
                if interactive {
                    print!("you> ");
                    let _ = std::io::stdout().flush();
                }
                let Some(Ok(line)) = lines.next() else {
                    assistant
                        .handle(event(CallEventKind::Status(CallStatus::Completed)))
                        .await;
                    println!("[caller hung up]");
                    break;
                };
                let line = line.trim().to_string();
                if !interactive {
                    println!("caller:    {line}");
                }
                if line == "/hangup" || line == "/quit" {
                    assistant
                        .handle(event(CallEventKind::Status(CallStatus::Completed)))
                        .await;
                    println!("[caller hung up]");
                    break;
                }
                if line.is_empty() {
                    CallEventKind::NoInput
                } else if let Some(keys) = line.strip_prefix('#') {
                    CallEventKind::Input(Utterance::digits(keys.trim()))
                } else {
                    CallEventKind::Input(Utterance::speech(line, Some(0.92)))
                }
            }
        };
        let transferred = matches!(outcome.reply.next, Next::Transfer(_));
        outcome = assistant.handle(event(next_kind)).await;
        if transferred {
            println!("[a human agent answered; the assistant's part of the call is over]");
            break;
        }
    }
    if let Some(ended) = outcome.ended {
        println!("[call ended: {}]", ended.as_str());
    }
    ExitCode::SUCCESS
}
