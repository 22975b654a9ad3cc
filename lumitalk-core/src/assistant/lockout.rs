//! Verification lockout across calls. Wrong challenge answers are counted per
//! caller number, in one shared bucket for callers without a number (anyone can
//! withhold their caller ID, so each anonymous call must not start afresh), and
//! per order (whoever asks, from however many numbers). A bucket that reaches the
//! policy's threshold is locked: a locked caller gets no challenge at all, and a
//! call that comes to a locked order is locked for the rest of the call; either
//! way nothing is disclosed and a human is offered.
//!
//! In memory and per process: a deployment with several processes should share
//! this through a store (a known limitation, noted in the crate docs).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::{MerchantId, OrderNumber, PhoneNumber, Timestamp};

/// When repeated verification failures lock a caller number, anonymous callers, or
/// an order out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed answers (across calls) that lock a bucket out: one caller number,
    /// all anonymous callers together, or one order.
    pub max_failures: u32,
    /// Failures older than this are forgotten; a lockout lasts this long.
    pub window: Duration,
}

impl Default for LockoutPolicy {
    /// Five failed answers within an hour lock the bucket out for an hour.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::from_secs(3600),
        }
    }
}

/// What failures are counted against.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Caller(PhoneNumber),
    Anonymous,
    Order(MerchantId, OrderNumber),
}

impl Key {
    fn caller(phone: Option<&PhoneNumber>) -> Key {
        phone.map_or(Key::Anonymous, |p| Key::Caller(p.clone()))
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
    entries: Mutex<HashMap<Key, Entry>>,
}

impl fmt::Debug for Lockout {
    // Keys are phone numbers and order numbers: show only how many are tracked.
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn locked(&self, key: &Key, now: Timestamp) -> bool {
        self.lock()
            .get(key)
            .and_then(|e| e.locked_until)
            .is_some_and(|until| now < until)
    }

    /// Whether a caller (`None`: anonymous callers) is locked out.
    /// Forgets what was counted against `caller` (a privacy deletion).
    pub(crate) fn forget_caller(&self, caller: &PhoneNumber) {
        let key = Key::Caller(caller.clone());
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }

    pub(crate) fn is_locked(&self, caller: Option<&PhoneNumber>, now: Timestamp) -> bool {
        self.locked(&Key::caller(caller), now)
    }

    /// Whether one of a merchant's orders is locked out.
    pub(crate) fn is_order_locked(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
        now: Timestamp,
    ) -> bool {
        self.locked(&Key::Order(merchant.clone(), number.clone()), now)
    }

    /// Counts one wrong answer against the caller (or the anonymous bucket) and
    /// against each order it was about.
    pub(crate) fn record_failure(
        &self,
        caller: Option<&PhoneNumber>,
        merchant: &MerchantId,
        orders: &[OrderNumber],
        now: Timestamp,
    ) {
        let window = self.policy.window;
        let mut map = self.lock();
        map.retain(|_, e| {
            e.locked_until.is_some_and(|u| now < u) || now.since(e.first_at) < window
        });
        let keys = std::iter::once(Key::caller(caller)).chain(
            orders
                .iter()
                .map(|n| Key::Order(merchant.clone(), n.clone())),
        );
        for key in keys {
            let entry = map.entry(key).or_insert(Entry {
                failures: 0,
                first_at: now,
                locked_until: None,
            });
            if entry.locked_until.is_none() && now.since(entry.first_at) >= window {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lockout() -> Lockout {
        Lockout::new(LockoutPolicy {
            max_failures: 3,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn locks_after_repeated_failures_and_expires() {
        let l = lockout();
        let m = MerchantId::new("m");
        let p = PhoneNumber::parse_e164("+14155550123").unwrap();
        let t = Timestamp::from_unix_seconds(1_000_000);
        for i in 0..3 {
            assert!(!l.is_locked(Some(&p), t), "{i}");
            l.record_failure(Some(&p), &m, &[], t);
        }
        assert!(l.is_locked(Some(&p), t));
        assert!(l.is_locked(Some(&p), t.plus(Duration::from_secs(59))));
        assert!(!l.is_locked(Some(&p), t.plus(Duration::from_secs(61))));
        assert!(!l.is_locked(None, t));
        assert!(!format!("{l:?}").contains("0123"));
    }

    #[test]
    fn anonymous_callers_share_a_bucket_and_orders_have_their_own() {
        let l = lockout();
        let (m, other) = (MerchantId::new("m"), MerchantId::new("other"));
        let n = OrderNumber::from_digits("1001").unwrap();
        let t = Timestamp::from_unix_seconds(1_000_000);
        for i in 0..3u32 {
            let from = PhoneNumber::parse_e164(&format!("+1415555010{i}")).unwrap();
            l.record_failure(Some(&from), &m, std::slice::from_ref(&n), t);
            l.record_failure(None, &m, &[], t);
            assert!(!l.is_locked(Some(&from), t));
        }
        assert!(l.is_locked(None, t));
        assert!(l.is_order_locked(&m, &n, t));
        assert!(!l.is_order_locked(&other, &n, t));
        assert!(!l.is_order_locked(&m, &OrderNumber::from_digits("1002").unwrap(), t));
        assert!(!format!("{l:?}").contains("1001"));
    }
}
