//! Prometheus metrics in the text exposition format, hand-rolled on atomics: a
//! few counters and histograms don't justify a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A cumulative latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Counters keyed by label values.
#[derive(Debug, Default)]
struct LabeledCounter {
    values: Mutex<BTreeMap<Vec<String>, u64>>,
}

impl LabeledCounter {
    fn inc(&self, labels: &[&str]) {
        let mut map = self.values.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(labels.iter().map(|s| s.to_string()).collect())
            .or_insert(0) += 1;
    }

    fn render(&self, out: &mut String, name: &str, label_names: &[&str]) {
        let map = self.values.lock().unwrap_or_else(|e| e.into_inner());
        for (values, n) in map.iter() {
            let labels: Vec<String> = label_names
                .iter()
                .zip(values)
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect();
            let _ = writeln!(out, "{name}{{{}}} {n}", labels.join(","));
        }
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Stages of a turn whose latency is tracked per provider.
pub const STAGES: [&str; 3] = ["classify", "lookup", "speech"];

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    turn_latency: Histogram,
    stage_latency: [Histogram; 3],
    provider_errors: LabeledCounter,
    calls_ended: LabeledCounter,
    webhooks: LabeledCounter,
    record_store_failures: AtomicU64,
}

/// Values read at scrape time from other components.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gauges {
    /// Calls with a live session.
    pub active_calls: usize,
    /// Speech cache hits so far.
    pub speech_cache_hits: u64,
    /// Speech cache misses so far.
    pub speech_cache_misses: u64,
}

impl Metrics {
    /// Records a finished turn.
    pub fn observe_turn(&self, total: Duration) {
        self.turn_latency.observe(total);
    }

    /// Records a stage's latency (`classify`, `lookup`, `speech`).
    pub fn observe_stage(&self, stage: &str, d: Duration) {
        if let Some(i) = STAGES.iter().position(|s| *s == stage) {
            self.stage_latency[i].observe(d);
        }
    }

    /// Counts a provider failure.
    pub fn provider_error(&self, provider: &str, kind: &str) {
        self.provider_errors.inc(&[provider, kind]);
    }

    /// Counts a call ending with an outcome.
    pub fn call_ended(&self, outcome: &str) {
        self.calls_ended.inc(&[outcome]);
    }

    /// Counts a webhook by route and HTTP status.
    pub fn webhook(&self, route: &str, status: u16) {
        self.webhooks.inc(&[route, &status.to_string()]);
    }

    /// Counts a call-record store failure.
    pub fn record_store_failure(&self) {
        self.record_store_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders everything in the Prometheus text format.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP lumitalk_turn_duration_seconds Time from webhook in to reply out.\n");
        out.push_str("# TYPE lumitalk_turn_duration_seconds histogram\n");
        self.turn_latency
            .render(&mut out, "lumitalk_turn_duration_seconds", "");
        out.push_str(
            "# HELP lumitalk_provider_duration_seconds Provider time per turn, by stage.\n",
        );
        out.push_str("# TYPE lumitalk_provider_duration_seconds histogram\n");
        for (i, stage) in STAGES.iter().enumerate() {
            self.stage_latency[i].render(
                &mut out,
                "lumitalk_provider_duration_seconds",
                &format!("stage=\"{stage}\""),
            );
        }
        out.push_str(
            "# HELP lumitalk_provider_errors_total Provider failures by provider and kind.\n",
        );
        out.push_str("# TYPE lumitalk_provider_errors_total counter\n");
        self.provider_errors.render(
            &mut out,
            "lumitalk_provider_errors_total",
            &["provider", "kind"],
        );
        out.push_str("# HELP lumitalk_calls_total Calls ended, by outcome.\n");
        out.push_str("# TYPE lumitalk_calls_total counter\n");
        self.calls_ended
            .render(&mut out, "lumitalk_calls_total", &["outcome"]);
        out.push_str("# HELP lumitalk_webhooks_total Carrier webhooks, by route and status.\n");
        out.push_str("# TYPE lumitalk_webhooks_total counter\n");
        self.webhooks
            .render(&mut out, "lumitalk_webhooks_total", &["route", "status"]);
        out.push_str("# HELP lumitalk_active_calls Calls with a live session.\n");
        out.push_str("# TYPE lumitalk_active_calls gauge\n");
        let _ = writeln!(out, "lumitalk_active_calls {}", gauges.active_calls);
        out.push_str("# HELP lumitalk_speech_cache_hits_total Speech cache hits.\n");
        out.push_str("# TYPE lumitalk_speech_cache_hits_total counter\n");
        let _ = writeln!(
            out,
            "lumitalk_speech_cache_hits_total {}",
            gauges.speech_cache_hits
        );
        out.push_str("# HELP lumitalk_speech_cache_misses_total Speech cache misses.\n");
        out.push_str("# TYPE lumitalk_speech_cache_misses_total counter\n");
        let _ = writeln!(
            out,
            "lumitalk_speech_cache_misses_total {}",
            gauges.speech_cache_misses
        );
        out.push_str(
            "# HELP lumitalk_record_store_failures_total Call-record writes that failed.\n",
        );
        out.push_str("# TYPE lumitalk_record_store_failures_total counter\n");
        let _ = writeln!(
            out,
            "lumitalk_record_store_failures_total {}",
            self.record_store_failures.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.observe_turn(Duration::from_millis(3));
        m.observe_stage("lookup", Duration::from_millis(150));
        m.provider_error("shopify", "timeout");
        m.call_ended("transferred");
        m.webhook("voice", 200);
        let text = m.render(Gauges {
            active_calls: 2,
            speech_cache_hits: 5,
            speech_cache_misses: 1,
        });
        assert!(text.contains("lumitalk_turn_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("lumitalk_turn_duration_seconds_count 1"));
        assert!(
            text.contains(
                "lumitalk_provider_duration_seconds_bucket{stage=\"lookup\",le=\"0.25\"} 1"
            )
        );
        assert!(
            text.contains(
                "lumitalk_provider_errors_total{provider=\"shopify\",kind=\"timeout\"} 1"
            )
        );
        assert!(text.contains("lumitalk_calls_total{outcome=\"transferred\"} 1"));
        assert!(text.contains("lumitalk_active_calls 2"));
        assert!(text.contains("lumitalk_speech_cache_hits_total 5"));
    }
}
