//! Verification lockout across calls: a caller number that keeps failing
//! challenges is locked out of verification for a while.
//!
//! In memory and per process: a deployment with several processes should share
//! this through a store (a known limitation, noted in the crate docs).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::{PhoneNumber, Timestamp};

/// When repeated verification failures lock a caller number out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed answers (across calls) that lock the number out.
    pub max_failures: u32,
    /// Failures older than this are forgotten; a lockout lasts this long.
    pub window: Duration,
}

impl Default for LockoutPolicy {
    /// Five failed answers within an hour lock the number out for an hour.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::from_secs(3600),
        }
    }
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    first_at: Timestamp,
    locked_until: Option<Timestamp>,
}

pub(crate) struct Lockout {
    policy: LockoutPolicy,
    entries: Mutex<HashMap<PhoneNumber, Entry>>,
}

impl fmt::Debug for Lockout {
    // Keys are phone numbers: show only how many are tracked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lockout")
            .field("policy", &self.policy)
            .field("tracked", &self.lock().len())
            .finish()
    }
}

impl Lockout {
    pub(crate) fn new(policy: LockoutPolicy) -> Self {
        Lockout {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PhoneNumber, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn is_locked(&self, phone: Option<&PhoneNumber>, now: Timestamp) -> bool {
        let Some(phone) = phone else { return false };
        self.lock()
            .get(phone)
            .and_then(|e| e.locked_until)
            .is_some_and(|until| now < until)
    }

    pub(crate) fn record_failure(&self, phone: Option<&PhoneNumber>, now: Timestamp) {
        let Some(phone) = phone else { return };
        let window = self.policy.window;
        let mut map = self.lock();
        map.retain(|_, e| {
            e.locked_until.is_some_and(|u| now < u) || now.since(e.first_at) < window
        });
        let entry = map.entry(phone.clone()).or_insert(Entry {
            failures: 0,
            first_at: now,
            locked_until: None,
        });
        if now.since(entry.first_at) >= window {
            *entry = Entry {
                failures: 0,
                first_at: now,
                locked_until: None,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= self.policy.max_failures.max(1) {
            entry.locked_until = Some(now.plus(window));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_repeated_failures_and_expires() {
        let l = Lockout::new(LockoutPolicy {
            max_failures: 3,
            window: Duration::from_secs(60),
        });
        let p = PhoneNumber::parse_e164("+14155550123").unwrap();
        let t = Timestamp::from_unix_seconds(1_000_000);
        for i in 0..3 {
            assert!(!l.is_locked(Some(&p), t), "{i}");
            l.record_failure(Some(&p), t);
        }
        assert!(l.is_locked(Some(&p), t));
        assert!(l.is_locked(Some(&p), t.plus(Duration::from_secs(59))));
        assert!(!l.is_locked(Some(&p), t.plus(Duration::from_secs(61))));
        assert!(!l.is_locked(None, t));
        assert!(!format!("{l:?}").contains("0123"));
    }
}
