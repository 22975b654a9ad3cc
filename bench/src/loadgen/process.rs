//! CPU time and memory of processes, read from Linux's `/proc`.

/// Clock ticks per second for `/proc/*/stat` times (100 on every Linux we run on).
const TICKS_PER_SECOND: f64 = 100.0;

/// User + system CPU seconds of a process (`self` or a PID), if readable.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// `(peak RSS, current RSS)` in KiB, from `/proc/{pid}/status`.
pub fn rss_kib(pid: &str) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(cpu_seconds("self").is_some());
            let (peak, now) = rss_kib("self").unwrap();
            assert!(peak >= now && now > 0);
        }
    }
}
