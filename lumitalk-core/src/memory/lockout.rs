//! The verification lockout in process memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::domain::{PhoneNumber, Timestamp};
use crate::error::StoreError;
use crate::store::{
    ATTEMPT_HOLD, AttemptGrant, AttemptOutcome, LockoutKey, LockoutPolicy, LockoutStore,
};

/// Entries kept at most; beyond it, writes first drop what has expired, then
/// the entries that are not locked, oldest first.
const MAX_ENTRIES: usize = 100_000;

/// A [`LockoutStore`] in process memory: right for one server process (several
/// processes need a shared store, such as the Redis one). Bounded: entries end
/// with their window and at most 100,000 are kept. `Debug` shows only how many
/// keys are tracked (they are phone and order numbers).
#[derive(Default)]
pub struct MemoryLockoutStore {
    entries: Mutex<HashMap<LockoutKey, Entry>>,
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    first_at: Timestamp,
    locked_until: Option<Timestamp>,
    /// Attempts granted and not finished, and when the last one was granted.
    in_flight: u32,
    last_grant: Timestamp,
}

impl Entry {
    fn new(now: Timestamp) -> Entry {
        Entry {
            failures: 0,
            first_at: now,
            locked_until: None,
            in_flight: 0,
            last_grant: now,
        }
    }

    fn locked(&self, now: Timestamp) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// Forgets what the window and the attempt hold let go of.
    fn age(&mut self, policy: &LockoutPolicy, now: Timestamp) {
        if self.locked_until.is_some_and(|until| now >= until) {
            *self = Entry::new(now);
        } else if !self.locked(now) && now.since(self.first_at) >= policy.window {
            let in_flight = self.in_flight;
            *self = Entry {
                in_flight,
                ..Entry::new(now)
            };
        }
        if now.since(self.last_grant) >= ATTEMPT_HOLD {
            self.in_flight = 0;
        }
    }

    fn expired(&self, policy: &LockoutPolicy, now: Timestamp) -> bool {
        !self.locked(now)
            && now.since(self.first_at) >= policy.window
            && (self.in_flight == 0 || now.since(self.last_grant) >= ATTEMPT_HOLD)
    }
}

impl fmt::Debug for MemoryLockoutStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLockoutStore")
            .field("tracked", &self.lock().len())
            .finish()
    }
}

impl MemoryLockoutStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryLockoutStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<LockoutKey, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets what was counted against `caller` (a privacy deletion).
    pub fn forget_caller(&self, caller: &PhoneNumber) {
        self.lock().remove(&LockoutKey::Caller(caller.clone()));
    }
}

/// Keeps the map bounded before it grows.
fn make_room(map: &mut HashMap<LockoutKey, Entry>, policy: &LockoutPolicy, now: Timestamp) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, e| !e.expired(policy, now));
    if map.len() < MAX_ENTRIES {
        return;
    }
    let mut open: Vec<(Timestamp, LockoutKey)> = map
        .iter()
        .filter(|(_, e)| !e.locked(now))
        .map(|(k, e)| (e.first_at, k.clone()))
        .collect();
    open.sort_by_key(|(at, _)| *at);
    for (_, key) in open.into_iter().take(map.len() + 1 - MAX_ENTRIES) {
        map.remove(&key);
    }
}

#[async_trait]
impl LockoutStore for MemoryLockoutStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn begin_attempt(
        &self,
        keys: &[LockoutKey],
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<AttemptGrant, StoreError> {
        let max = policy.max_failures.max(1);
        let mut map = self.lock();
        for key in keys {
            if let Some(e) = map.get_mut(key) {
                e.age(policy, now);
                if e.locked(now) || e.failures.saturating_add(e.in_flight) >= max {
                    return Ok(AttemptGrant::Locked);
                }
            }
        }
        for key in keys {
            if !map.contains_key(key) {
                make_room(&mut map, policy, now);
            }
            let e = map.entry(key.clone()).or_insert_with(|| Entry::new(now));
            e.in_flight = e.in_flight.saturating_add(1);
            e.last_grant = now;
        }
        Ok(AttemptGrant::Granted)
    }

    async fn finish_attempt(
        &self,
        keys: &[LockoutKey],
        outcome: AttemptOutcome,
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut map = self.lock();
        for key in keys {
            if !map.contains_key(key) {
                if outcome != AttemptOutcome::Failed {
                    continue;
                }
                make_room(&mut map, policy, now);
            }
            let e = map.entry(key.clone()).or_insert_with(|| Entry::new(now));
            e.age(policy, now);
            e.in_flight = e.in_flight.saturating_sub(1);
            match outcome {
                AttemptOutcome::Failed => {
                    if e.failures == 0 {
                        e.first_at = now;
                    }
                    e.failures = e.failures.saturating_add(1);
                    if e.failures >= policy.max_failures.max(1) {
                        e.locked_until = Some(now.plus(policy.window));
                    }
                }
                AttemptOutcome::Verified => {
                    e.failures = 0;
                    e.locked_until = None;
                    e.first_at = now;
                }
                AttemptOutcome::Withdrawn => {}
            }
            if e.failures == 0 && e.in_flight == 0 && e.locked_until.is_none() {
                map.remove(key);
            }
        }
        Ok(())
    }

    async fn is_locked(&self, keys: &[LockoutKey], now: Timestamp) -> Result<bool, StoreError> {
        let map = self.lock();
        Ok(keys
            .iter()
            .any(|k| map.get(k).is_some_and(|e| e.locked(now))))
    }

    async fn forget(&self, key: &LockoutKey) -> Result<(), StoreError> {
        self.lock().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lockout_store_conformance;

    #[tokio::test]
    async fn keeps_the_lockout_contract() {
        lockout_store_conformance(&MemoryLockoutStore::new()).await;
    }

    #[tokio::test]
    async fn debug_shows_no_numbers() {
        let store = MemoryLockoutStore::new();
        let p = PhoneNumber::parse_e164("+14155550123").unwrap();
        let policy = LockoutPolicy::default();
        let now = Timestamp::from_unix_seconds(1_000_000);
        let _ = store
            .begin_attempt(&[LockoutKey::Caller(p)], &policy, now)
            .await
            .unwrap();
        let shown = format!("{store:?}");
        assert!(
            !shown.contains("0123") && shown.contains("tracked: 1"),
            "{shown}"
        );
    }
}
