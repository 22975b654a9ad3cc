//! Calls this process is serving, for the active-calls metric.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::{CallId, Timestamp};

/// The most calls remembered: past it, the one seen longest ago is forgotten,
/// so the map stays bounded even if nothing ever counts (and prunes) it.
pub(crate) const MAX_ACTIVE_CALLS: usize = 100_000;

/// Call ids seen recently and not yet ended; entries idle longer than the session
/// time-to-live are forgotten (a call whose end was never reported), and at
/// most [`MAX_ACTIVE_CALLS`] are kept.
#[derive(Debug, Default)]
pub(crate) struct ActiveCalls {
    calls: Mutex<HashMap<CallId, Timestamp>>,
}

impl ActiveCalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Timestamp>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn touch(&self, call: &CallId, now: Timestamp) {
        let mut map = self.lock();
        map.insert(call.clone(), now);
        if map.len() > MAX_ACTIVE_CALLS {
            // Rare (only past the cap), so a scan beats keeping a second index.
            let oldest = map
                .iter()
                .min_by_key(|(_, seen)| **seen)
                .map(|(id, _)| id.clone());
            if let Some(id) = oldest {
                map.remove(&id);
            }
        }
    }

    pub(crate) fn end(&self, call: &CallId) {
        self.lock().remove(call);
    }

    pub(crate) fn count(&self, now: Timestamp, idle: Duration) -> usize {
        let mut map = self.lock();
        map.retain(|_, seen| now.since(*seen) < idle);
        map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_stays_bounded_without_counting() {
        let active = ActiveCalls::default();
        let t0 = Timestamp::from_unix_millis(1_700_000_000_000);
        for i in 0..(MAX_ACTIVE_CALLS + 10) {
            let at = t0.plus(Duration::from_millis(i as u64));
            active.touch(&CallId::new(format!("CA{i}")), at);
        }
        assert_eq!(active.lock().len(), MAX_ACTIVE_CALLS);
        // The ones seen longest ago went first.
        assert!(!active.lock().contains_key(&CallId::new("CA0")));
        assert!(
            active
                .lock()
                .contains_key(&CallId::new(format!("CA{}", MAX_ACTIVE_CALLS + 9)))
        );
    }
}
