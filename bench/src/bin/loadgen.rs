//! Plays many callers at once against a running LumiTalk server, as Twilio would.
//!
//! ```text
//! cargo run --release -p lumitalk-bench --bin loadgen -- \
//!     --target http://127.0.0.1:3000 --auth-token $TWILIO_AUTH_TOKEN \
//!     --concurrency 256 --duration 20 --server-pid $(pgrep -f 'target/release/server') [--json]
//! ```
//! Options: `--target URL` (where to connect), `--public-url URL` (what the server
//! validates signatures against; default the target), `--auth-token T`,
//! `--concurrency N`, `--calls N` or `--duration SECONDS`, `--mix
//! voice_status=25,keypad_verified=25,spoken_number=10,agent=15,silence=10,unknown=15`
//! (the default), `--seed N`,
//! `--no-audio` (don't fetch `<Play>` URLs), `--server-pid PID`, `--json`,
//! `--think-ms MIN[-MAX]` (a caller's pause before each webhook after the first,
//! uniform in the range; default 0: a closed loop),
//! `--turn-log FILE` (one TSV line per webhook round trip: scenario, variant (the
//! demo order asked about, or `-`), call, step, route, start and end in µs since
//! the Unix epoch, latency µs, status).

use std::process::ExitCode;
use std::time::Duration;

use lumitalk_bench::loadgen::report::Report;
use lumitalk_bench::loadgen::scenario::ScenarioMix;
use lumitalk_bench::loadgen::{LoadConfig, process, run};

struct Options {
    pid: Option<String>,
    json: bool,
    turn_log: Option<String>,
}

fn parse() -> Result<(LoadConfig, Options), String> {
    let mut config = LoadConfig {
        target: "http://127.0.0.1:3000".into(),
        public_url: String::new(),
        auth_token: std::env::var("TWILIO_AUTH_TOKEN").unwrap_or_default(),
        concurrency: 64,
        calls: None,
        duration: None,
        mix: ScenarioMix::default(),
        seed: 1,
        fetch_audio: true,
        log_turns: false,
        think: (Duration::ZERO, Duration::ZERO),
    };
    let mut o = Options {
        pid: None,
        json: false,
        turn_log: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--target" => config.target = value()?.trim_end_matches('/').into(),
            "--public-url" => config.public_url = value()?.trim_end_matches('/').into(),
            "--auth-token" => config.auth_token = value()?,
            "--concurrency" => {
                config.concurrency = value()?.parse().map_err(|_| "--concurrency: a number")?
            }
            "--calls" => config.calls = Some(value()?.parse().map_err(|_| "--calls: a number")?),
            "--duration" => {
                config.duration = Some(Duration::from_secs_f64(
                    value()?.parse().map_err(|_| "--duration: seconds")?,
                ))
            }
            "--mix" => config.mix = ScenarioMix::parse(&value()?)?,
            "--seed" => config.seed = value()?.parse().map_err(|_| "--seed: a number")?,
            "--no-audio" => config.fetch_audio = false,
            "--server-pid" => o.pid = Some(value()?),
            "--json" => o.json = true,
            "--turn-log" => o.turn_log = Some(value()?),
            "--think-ms" => config.think = think_range(&value()?)?,
            "-h" | "--help" => {
                println!("see the doc comment at the top of bench/src/bin/loadgen.rs");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if config.public_url.is_empty() {
        config.public_url = config.target.clone();
    }
    if config.calls.is_none() && config.duration.is_none() {
        config.calls = Some(1000);
    }
    if config.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    config.log_turns = o.turn_log.is_some();
    Ok((config, o))
}

/// `500` or `500-1500` milliseconds.
fn think_range(s: &str) -> Result<(Duration, Duration), String> {
    let ms = |v: &str| -> Result<Duration, String> {
        v.trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("--think-ms: `{v}` is not whole milliseconds"))
    };
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (ms(a)?, ms(b)?),
        None => (ms(s)?, ms(s)?),
    };
    if hi < lo {
        return Err("--think-ms: MIN-MAX with MIN <= MAX".into());
    }
    Ok((lo, hi))
}

fn main() -> ExitCode {
    let (
        config,
        Options {
            pid,
            json,
            turn_log,
        },
    ) = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    };
    // One worker thread: the load generator shares the machine with the server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cpu_before = process::cpu_seconds("self").unwrap_or(0.0);
    let server_before = pid.as_deref().and_then(process::cpu_seconds);
    let mut tally = rt.block_on(run(config));
    let loadgen_cpu = process::cpu_seconds("self").unwrap_or(0.0) - cpu_before;
    if let Some(path) = turn_log {
        let text: String = std::mem::take(&mut tally.log)
            .iter()
            .map(|t| t.tsv())
            .collect();
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("loadgen: cannot write {path}: {e}");
            return ExitCode::from(2);
        }
    }
    let server = match (pid.as_deref(), server_before) {
        (Some(p), Some(before)) => {
            let after = process::cpu_seconds(p).unwrap_or(before);
            let (peak, now) = process::rss_kib(p).unwrap_or((0, 0));
            Some((after - before, peak, now))
        }
        _ => None,
    };
    let report = Report::new(tally, loadgen_cpu, server);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", report.to_text());
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
