//! Counting what happened and summarizing it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::scenario::Scenario;

/// A failure seen by the load generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// Could not connect or the connection broke.
    Connect,
    /// No response in time.
    Timeout,
    /// A non-200 answer.
    Status(u16),
    /// A TwiML document with nothing to follow.
    BadTwiml,
    /// A call that did not end within 30 turns.
    TooManyTurns,
}

impl ErrorKind {
    fn label(self) -> String {
        match self {
            ErrorKind::Connect => "connect".into(),
            ErrorKind::Timeout => "timeout".into(),
            ErrorKind::Status(s) => format!("http_{s}"),
            ErrorKind::BadTwiml => "bad_twiml".into(),
            ErrorKind::TooManyTurns => "too_many_turns".into(),
        }
    }
}

/// Microseconds since the Unix epoch: comparable across processes on one machine.
pub fn wall_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// One webhook round trip, for the turn log (`--turn-log`).
#[derive(Debug, Clone)]
pub struct TurnLog {
    /// The call's scenario.
    pub scenario: Scenario,
    /// The demo order the call asks about, if any (empty otherwise).
    pub variant: &'static str,
    /// The call's sequence number.
    pub call: u64,
    /// 0 for the first webhook of the call, then 1, 2, ...
    pub step: u8,
    /// The path posted to.
    pub route: String,
    /// Sent at, µs since the Unix epoch.
    pub start_us: u64,
    /// Answer read at, µs since the Unix epoch.
    pub end_us: u64,
    /// HTTP status.
    pub status: u16,
}

impl TurnLog {
    /// A TSV line: scenario, variant, call, step, route, start_us, end_us,
    /// latency_us, status.
    pub fn tsv(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            self.scenario.name(),
            if self.variant.is_empty() {
                "-"
            } else {
                self.variant
            },
            self.call,
            self.step,
            self.route,
            self.start_us,
            self.end_us,
            self.end_us.saturating_sub(self.start_us),
            self.status
        )
    }
}

/// Raw counts from one or more workers.
#[derive(Debug, Default)]
pub struct Tally {
    /// Webhook round-trip latencies, in microseconds.
    pub turn_micros: Vec<u32>,
    /// Audio fetch latencies, in microseconds.
    pub audio_micros: Vec<u32>,
    /// Calls that ended (hangup, transfer or caller hang-up), by scenario.
    pub completed: BTreeMap<Scenario, u64>,
    /// Failures by kind.
    pub errors: BTreeMap<ErrorKind, u64>,
    /// Wall time of the run.
    pub wall: Duration,
    /// One entry per round trip, when the turn log is on.
    pub log: Vec<TurnLog>,
}

impl Tally {
    /// Records a webhook round trip.
    pub fn turn(&mut self, d: Duration) {
        self.turn_micros
            .push(d.as_micros().min(u32::MAX as u128) as u32);
    }

    /// Records an audio fetch.
    pub fn audio(&mut self, d: Duration) {
        self.audio_micros
            .push(d.as_micros().min(u32::MAX as u128) as u32);
    }

    /// Records a finished call.
    pub fn call_completed(&mut self, s: Scenario) {
        *self.completed.entry(s).or_default() += 1;
    }

    /// Records a failure.
    pub fn error(&mut self, e: ErrorKind) {
        *self.errors.entry(e).or_default() += 1;
    }

    /// Adds another worker's counts.
    pub fn merge(&mut self, other: Tally) {
        self.turn_micros.extend(other.turn_micros);
        self.audio_micros.extend(other.audio_micros);
        for (k, v) in other.completed {
            *self.completed.entry(k).or_default() += v;
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.log.extend(other.log);
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

fn percentiles(samples: &mut [u32]) -> Percentiles {
    if samples.is_empty() {
        return Percentiles::default();
    }
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i] as f64 / 1000.0
    };
    Percentiles {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: *samples.last().unwrap_or(&0) as f64 / 1000.0,
    }
}

/// The summary printed (and emitted as JSON) at the end of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Calls that ended.
    pub calls_completed: u64,
    /// Calls that ended, by scenario.
    pub calls_by_scenario: BTreeMap<String, u64>,
    /// Webhook round trips.
    pub turns: u64,
    /// Round trips per second.
    pub turns_per_second: f64,
    /// Round-trip latency.
    pub turn_latency_ms: Percentiles,
    /// Audio fetches.
    pub audio_fetches: u64,
    /// Audio fetch latency.
    pub audio_latency_ms: Percentiles,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// CPU seconds the load generator itself used.
    pub loadgen_cpu_seconds: f64,
    /// The load generator's CPU use, in percent of one core.
    pub loadgen_cpu_percent: f64,
    /// CPU seconds the server used during the run, when its PID was given.
    pub server_cpu_seconds: Option<f64>,
    /// Server CPU per turn, in microseconds.
    pub server_cpu_us_per_turn: Option<f64>,
    /// Server peak resident memory (VmHWM), KiB.
    pub server_peak_rss_kib: Option<u64>,
    /// Server resident memory at the end, KiB.
    pub server_rss_kib: Option<u64>,
}

impl Report {
    /// Summarizes a tally with CPU figures.
    pub fn new(mut tally: Tally, loadgen_cpu: f64, server: Option<(f64, u64, u64)>) -> Report {
        let wall = tally.wall.as_secs_f64().max(1e-9);
        let turns = tally.turn_micros.len() as u64;
        let server_cpu_seconds = server.map(|s| s.0);
        Report {
            calls_completed: tally.completed.values().sum(),
            calls_by_scenario: tally
                .completed
                .iter()
                .map(|(k, v)| (k.name().to_string(), *v))
                .collect(),
            turns,
            turns_per_second: turns as f64 / wall,
            turn_latency_ms: percentiles(&mut tally.turn_micros),
            audio_fetches: tally.audio_micros.len() as u64,
            audio_latency_ms: percentiles(&mut tally.audio_micros),
            errors: tally.errors.iter().map(|(k, v)| (k.label(), *v)).collect(),
            wall_seconds: wall,
            loadgen_cpu_seconds: loadgen_cpu,
            loadgen_cpu_percent: 100.0 * loadgen_cpu / wall,
            server_cpu_seconds,
            server_cpu_us_per_turn: server_cpu_seconds
                .filter(|_| turns > 0)
                .map(|c| c * 1e6 / turns as f64),
            server_peak_rss_kib: server.map(|s| s.1),
            server_rss_kib: server.map(|s| s.2),
        }
    }

    /// A human-readable summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "calls completed   {} in {:.1} s  {:?}\n",
            self.calls_completed, self.wall_seconds, self.calls_by_scenario
        ));
        s.push_str(&format!(
            "turns             {} ({:.0}/s)\n",
            self.turns, self.turns_per_second
        ));
        let p = self.turn_latency_ms;
        s.push_str(&format!(
            "turn latency ms   p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}\n",
            p.p50, p.p90, p.p99, p.max
        ));
        if self.audio_fetches > 0 {
            let a = self.audio_latency_ms;
            s.push_str(&format!(
                "audio fetches     {}  p50 {:.3}  p99 {:.3} ms\n",
                self.audio_fetches, a.p50, a.p99
            ));
        }
        s.push_str(&format!("errors            {:?}\n", self.errors));
        s.push_str(&format!(
            "loadgen cpu       {:.2} s ({:.0}% of a core)\n",
            self.loadgen_cpu_seconds, self.loadgen_cpu_percent
        ));
        if let Some(cpu) = self.server_cpu_seconds {
            s.push_str(&format!(
                "server cpu        {:.2} s, {:.1} µs per turn\n",
                cpu,
                self.server_cpu_us_per_turn.unwrap_or(0.0)
            ));
        }
        if let (Some(peak), Some(now)) = (self.server_peak_rss_kib, self.server_rss_kib) {
            s.push_str(&format!("server rss        {now} KiB (peak {peak} KiB)\n"));
        }
        s
    }
}
