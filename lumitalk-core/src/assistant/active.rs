//! Calls this process is serving, for the active-calls metric.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::{CallId, Timestamp};

/// Call ids seen recently and not yet ended; entries idle longer than the session
/// time-to-live are forgotten (a call whose end was never reported).
#[derive(Debug, Default)]
pub(crate) struct ActiveCalls {
    calls: Mutex<HashMap<CallId, Timestamp>>,
}

impl ActiveCalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Timestamp>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn touch(&self, call: &CallId, now: Timestamp) {
        self.lock().insert(call.clone(), now);
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
