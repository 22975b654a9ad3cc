//! A load generator that plays many callers at once exactly as Twilio would:
//! signed form posts, following the returned TwiML (gather actions, dial
//! actions, redirects, `<Play>` fetches), one distinct `CallSid` per call.

pub mod process;
pub mod report;
pub mod scenario;
pub mod twiml;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lumitalk_core::wrappers::SplitMix64;
use secrecy::SecretString;

use report::{ErrorKind, Tally};
use scenario::{Scenario, ScenarioMix, Step};

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Where to connect (`http://127.0.0.1:3000`).
    pub target: String,
    /// The base URL the server validates signatures against.
    pub public_url: String,
    /// Twilio auth token to sign with.
    pub auth_token: String,
    /// Callers on the line at once.
    pub concurrency: usize,
    /// Stop after this many calls...
    pub calls: Option<u64>,
    /// ...or after this long.
    pub duration: Option<Duration>,
    /// Scenario weights.
    pub mix: ScenarioMix,
    /// RNG seed (scenario choice, order numbers).
    pub seed: u64,
    /// Fetch `<Play>` audio as Twilio would.
    pub fetch_audio: bool,
    /// Keep one [`report::TurnLog`] per webhook round trip (for `--turn-log`).
    pub log_turns: bool,
    /// A caller's pause between an answer and its next webhook (listening to the
    /// prompt, then speaking), drawn uniformly from this range. Zero: none (a
    /// closed loop that measures saturation, not a caller's wait).
    pub think: (Duration, Duration),
}

/// Waits a caller's think time, if any.
async fn think(config: &LoadConfig, rng: &mut SplitMix64) {
    let (lo, hi) = config.think;
    if hi.is_zero() {
        return;
    }
    let span = hi.saturating_sub(lo).as_micros() as u64;
    let d = lo + Duration::from_micros(if span == 0 { 0 } else { rng.up_to(span) });
    tokio::time::sleep(d).await;
}

/// Runs the load and returns the merged tally.
pub async fn run(config: LoadConfig) -> Tally {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(config.concurrency)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client");
    let config = Arc::new(config);
    let started = Instant::now();
    let next_call = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::with_capacity(config.concurrency);
    for w in 0..config.concurrency {
        let client = client.clone();
        let config = config.clone();
        let next_call = next_call.clone();
        workers.push(tokio::spawn(async move {
            let mut rng =
                SplitMix64::new(config.seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut tally = Tally::default();
            let token = SecretString::from(config.auth_token.clone());
            loop {
                let n = next_call.fetch_add(1, Ordering::Relaxed);
                if config.calls.is_some_and(|max| n >= max)
                    || config.duration.is_some_and(|d| started.elapsed() >= d)
                {
                    break;
                }
                let scenario = config.mix.pick(&mut rng);
                play_call(&client, &config, &token, n, scenario, &mut rng, &mut tally).await;
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for w in workers {
        if let Ok(t) = w.await {
            total.merge(t);
        }
    }
    total.wall = started.elapsed();
    total
}

fn call_sid(n: u64, seed: u64) -> String {
    format!("CA{:016x}{:016x}", seed, n)
}

/// Which turn of which call a round trip is, for the turn log.
#[derive(Debug, Clone, Copy)]
struct Tag {
    scenario: Scenario,
    variant: &'static str,
    call: u64,
    step: u8,
}

#[allow(clippy::too_many_arguments)]
async fn post(
    client: &reqwest::Client,
    config: &LoadConfig,
    token: &SecretString,
    path: &str,
    params: &[(String, String)],
    tag: Tag,
    tally: &mut Tally,
) -> Option<String> {
    let signed_url = format!("{}{}", config.public_url, path);
    let signature = lumitalk_twilio::sign(&signed_url, params, token);
    let started = Instant::now();
    let started_wall = config.log_turns.then(report::wall_micros);
    let result = client
        .post(format!("{}{}", config.target, path))
        .header("X-Twilio-Signature", signature)
        .form(params)
        .send()
        .await;
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            tally.error(if e.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Connect
            });
            return None;
        }
    };
    let status = resp.status().as_u16();
    let body = resp.text().await;
    tally.turn(started.elapsed());
    if let Some(start_us) = started_wall {
        tally.log.push(report::TurnLog {
            scenario: tag.scenario,
            variant: tag.variant,
            call: tag.call,
            step: tag.step,
            route: path.split('?').next().unwrap_or(path).to_string(),
            start_us,
            end_us: report::wall_micros(),
            status,
        });
    }
    match (status, body) {
        (200, Ok(b)) => Some(b),
        (s, _) => {
            tally.error(ErrorKind::Status(s));
            None
        }
    }
}

fn params(sid: &str, from: &str, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = [
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", sid),
        ("CallStatus", "in-progress"),
        ("Called", "+14155550100"),
        ("Caller", from),
        ("Direction", "inbound"),
        ("From", from),
        ("To", "+14155550100"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        p.push((k.to_string(), v.clone()));
    }
    p
}

fn path_of<'a>(config: &LoadConfig, url: &'a str) -> &'a str {
    url.strip_prefix(config.public_url.as_str()).unwrap_or(url)
}

async fn play_call(
    client: &reqwest::Client,
    config: &LoadConfig,
    token: &SecretString,
    n: u64,
    scenario: Scenario,
    rng: &mut SplitMix64,
    tally: &mut Tally,
) {
    let sid = call_sid(n, config.seed);
    let script = scenario.script(rng);
    let from = script.caller.clone();
    let mut tag = Tag {
        scenario,
        variant: script.variant,
        call: n,
        step: 0,
    };
    let Some(mut doc) = post(
        client,
        config,
        token,
        "/twilio/voice",
        &params(&sid, &from, &[]),
        tag,
        tally,
    )
    .await
    else {
        return;
    };
    let mut steps = script.steps.into_iter();
    for _ in 0..30 {
        tag.step += 1;
        if config.fetch_audio {
            for url in twiml::play_urls(&doc) {
                fetch_audio(client, config, &url, tally).await;
            }
        }
        if twiml::has_hangup(&doc) {
            tally.call_completed(scenario);
            return;
        }
        think(config, rng).await;
        if let Some(action) = twiml::dial_action(&doc) {
            let p = params(
                &sid,
                &from,
                &[
                    ("DialCallStatus", "completed".into()),
                    ("DialCallDuration", "42".into()),
                ],
            );
            let _ = post(
                client,
                config,
                token,
                path_of(config, &action),
                &p,
                tag,
                tally,
            )
            .await;
            tally.call_completed(scenario);
            return;
        }
        if twiml::has_dial(&doc) {
            // A transfer without an action URL: the call goes on with the agent and
            // ends there, with no further webhook to this server.
            tally.call_completed(scenario);
            return;
        }
        let next_url = match twiml::gather_action(&doc) {
            Some(a) => a,
            None => match twiml::redirect(&doc) {
                Some(r) => r,
                None => {
                    tally.error(ErrorKind::BadTwiml);
                    return;
                }
            },
        };
        let extra: Vec<(&str, String)> = match steps.next() {
            Some(Step::Speech(text)) => vec![("SpeechResult", text), ("Confidence", "0.91".into())],
            Some(Step::Keys(k)) => vec![("Digits", k), ("FinishedOnKey", "#".into())],
            Some(Step::Silence) => vec![],
            None => {
                // The caller hangs up; Twilio posts the final status.
                let mut p = params(&sid, &from, &[("CallDuration", "60".into())]);
                p.retain(|(k, _)| k != "CallStatus");
                p.push(("CallStatus".into(), "completed".into()));
                let _ = post(client, config, token, "/twilio/status", &p, tag, tally).await;
                tally.call_completed(scenario);
                return;
            }
        };
        let Some(next) = post(
            client,
            config,
            token,
            path_of(config, &next_url),
            &params(&sid, &from, &extra),
            tag,
            tally,
        )
        .await
        else {
            return;
        };
        doc = next;
    }
    tally.error(ErrorKind::TooManyTurns);
}

async fn fetch_audio(client: &reqwest::Client, config: &LoadConfig, url: &str, tally: &mut Tally) {
    let url = if url.starts_with(&config.public_url) {
        format!("{}{}", config.target, path_of(config, url))
    } else {
        url.to_string()
    };
    let started = Instant::now();
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => {
            let _ = r.bytes().await;
            tally.audio(started.elapsed());
        }
        Ok(r) => tally.error(ErrorKind::Status(r.status().as_u16())),
        Err(_) => tally.error(ErrorKind::Connect),
    }
}
