//! The [`SessionStore`] contract: round trips, compare-and-swap, expiry.

use std::time::Duration;

use bytes::Bytes;

use crate::clock::ManualClock;
use crate::domain::CallId;
use crate::error::StoreError;
use crate::store::{SessionSave, SessionStore};

const TTL: Duration = Duration::from_secs(600);

/// Checks a [`SessionStore`]: [`sessions_round_trip`],
/// [`sessions_compare_and_swap`], [`racing_saves_store_one`] and, with `clock`
/// (the store's [`ManualClock`]), [`sessions_expire_at_their_ttl`].
///
/// Pass an empty store; it is left empty.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn session_store_conformance(store: &dyn SessionStore, clock: Option<&ManualClock>) {
    sessions_round_trip(store).await;
    sessions_compare_and_swap(store).await;
    racing_saves_store_one(store).await;
    if let Some(clock) = clock {
        sessions_expire_at_their_ttl(store, clock).await;
    }
}

fn failed(name: &str, what: &str, e: StoreError) -> ! {
    panic!("[{name}] {what} failed: {e}")
}

async fn state_of(store: &dyn SessionStore, call: &CallId) -> Option<(Bytes, u64)> {
    store
        .load(call)
        .await
        .unwrap_or_else(|e| failed(store.name(), "load", e))
        .map(|s| (s.state, s.version))
}

async fn save(
    store: &dyn SessionStore,
    call: &CallId,
    state: &'static [u8],
    expected: Option<u64>,
) -> SessionSave {
    store
        .save(call, Bytes::from_static(state), TTL, expected)
        .await
        .unwrap_or_else(|e| failed(store.name(), "save", e))
}

/// Load what was saved (version 1 first, one more per save), remove forgets one
/// call only, `len` counts sessions. Pass an empty store; it is left empty.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn sessions_round_trip(store: &dyn SessionStore) {
    let name = store.name();
    let a = &CallId::new("CONFORMANCE-SESSION-A");
    let b = &CallId::new("CONFORMANCE-SESSION-B");
    assert_eq!(
        state_of(store, a).await,
        None,
        "[{name}] unknown call has no state"
    );
    let len = store.len().await.unwrap_or_else(|e| failed(name, "len", e));
    assert_eq!(len, 0, "[{name}] pass an empty store");
    assert_eq!(
        save(store, a, b"state-1", None).await,
        SessionSave::Saved(1),
        "[{name}] a new state is version 1"
    );
    assert_eq!(
        save(store, b, b"other", None).await,
        SessionSave::Saved(1),
        "[{name}] versions are per call"
    );
    assert_eq!(
        state_of(store, a).await,
        Some((Bytes::from_static(b"state-1"), 1)),
        "[{name}] load returns what was saved, with its version"
    );
    assert_eq!(
        save(store, a, b"state-2", Some(1)).await,
        SessionSave::Saved(2),
        "[{name}] a save at the current version replaces"
    );
    assert_eq!(
        state_of(store, a).await,
        Some((Bytes::from_static(b"state-2"), 2)),
        "[{name}] save replaces"
    );
    let len = store.len().await.unwrap_or_else(|e| failed(name, "len", e));
    assert_eq!(len, 2, "[{name}] len counts sessions");
    store
        .remove(a)
        .await
        .unwrap_or_else(|e| failed(name, "remove", e));
    assert_eq!(state_of(store, a).await, None, "[{name}] remove forgets");
    store
        .remove(a)
        .await
        .unwrap_or_else(|e| failed(name, "removing an unknown call", e));
    assert_eq!(
        state_of(store, b).await,
        Some((Bytes::from_static(b"other"), 1)),
        "[{name}] remove touches one call only"
    );
    store
        .remove(b)
        .await
        .unwrap_or_else(|e| failed(name, "remove", e));
}

/// A save names the version it replaces: a stale or invented version, or
/// "new" for a call that has state, stores nothing; after a remove the call is
/// new again. Pass an empty store; it is left empty.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn sessions_compare_and_swap(store: &dyn SessionStore) {
    let name = store.name();
    let a = &CallId::new("CONFORMANCE-SESSION-CAS");
    assert_eq!(
        save(store, a, b"one", Some(1)).await,
        SessionSave::Conflict,
        "[{name}] no version exists before the first save"
    );
    assert_eq!(
        state_of(store, a).await,
        None,
        "[{name}] a conflicting save stores nothing"
    );
    assert_eq!(
        save(store, a, b"one", None).await,
        SessionSave::Saved(1),
        "[{name}] first save"
    );
    assert_eq!(
        save(store, a, b"again", None).await,
        SessionSave::Conflict,
        "[{name}] \"new\" conflicts with live state"
    );
    assert_eq!(
        save(store, a, b"two", Some(1)).await,
        SessionSave::Saved(2),
        "[{name}] save at version 1"
    );
    assert_eq!(
        save(store, a, b"stale", Some(1)).await,
        SessionSave::Conflict,
        "[{name}] a stale version conflicts"
    );
    assert_eq!(
        save(store, a, b"ahead", Some(7)).await,
        SessionSave::Conflict,
        "[{name}] an invented version conflicts"
    );
    assert_eq!(
        state_of(store, a).await,
        Some((Bytes::from_static(b"two"), 2)),
        "[{name}] conflicting saves leave the winner's state"
    );
    store
        .remove(a)
        .await
        .unwrap_or_else(|e| failed(name, "remove", e));
    assert_eq!(
        save(store, a, b"fresh", None).await,
        SessionSave::Saved(1),
        "[{name}] after remove the call is new"
    );
    store
        .remove(a)
        .await
        .unwrap_or_else(|e| failed(name, "remove", e));
}

/// Sixteen saves racing with the same expected version: exactly one stores,
/// and the state loaded is the winner's. Pass an empty store; it is left empty.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn racing_saves_store_one(store: &dyn SessionStore) {
    let name = store.name();
    let a = &CallId::new("CONFORMANCE-SESSION-RACE");
    assert_eq!(
        save(store, a, b"base", None).await,
        SessionSave::Saved(1),
        "[{name}] first save"
    );
    const STATES: [&[u8]; 16] = [
        b"r0", b"r1", b"r2", b"r3", b"r4", b"r5", b"r6", b"r7", b"r8", b"r9", b"ra", b"rb", b"rc",
        b"rd", b"re", b"rf",
    ];
    let saves = STATES.iter().map(|s| save(store, a, s, Some(1)));
    let results = join_all(saves).await;
    let winners: Vec<&[u8]> = results
        .iter()
        .zip(STATES)
        .filter(|(r, _)| **r == SessionSave::Saved(2))
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "[{name}] exactly one racing save wins: {results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| matches!(r, SessionSave::Saved(2) | SessionSave::Conflict)),
        "[{name}] the others conflict: {results:?}"
    );
    assert_eq!(
        state_of(store, a).await,
        Some((Bytes::copy_from_slice(winners[0]), 2)),
        "[{name}] the winner's state is kept"
    );
    store
        .remove(a)
        .await
        .unwrap_or_else(|e| failed(name, "remove", e));
}

/// Runs futures concurrently on the current task, results in order.
async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// A session lives until its time-to-live passes on `clock` (the store's
/// [`ManualClock`]), saving restarts it, expired sessions are not counted, and
/// an expired call is new again. Pass an empty store.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn sessions_expire_at_their_ttl(store: &dyn SessionStore, clock: &ManualClock) {
    let name = store.name();
    let a = &CallId::new("CONFORMANCE-SESSION-TTL");
    let ttl = Duration::from_secs(60);
    let saved = |state: &'static [u8], expected| async move {
        store
            .save(a, Bytes::from_static(state), ttl, expected)
            .await
            .unwrap_or_else(|e| failed(name, "save", e))
    };
    assert_eq!(
        saved(b"s", None).await,
        SessionSave::Saved(1),
        "[{name}] first save"
    );
    clock.advance(Duration::from_secs(59));
    assert!(
        state_of(store, a).await.is_some(),
        "[{name}] alive before its TTL"
    );
    assert_eq!(
        saved(b"s2", Some(1)).await,
        SessionSave::Saved(2),
        "[{name}] second save"
    );
    clock.advance(Duration::from_secs(59));
    assert!(
        state_of(store, a).await.is_some(),
        "[{name}] save restarts the TTL"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        state_of(store, a).await,
        None,
        "[{name}] gone once its TTL passed"
    );
    let len = store.len().await.unwrap_or_else(|e| failed(name, "len", e));
    assert_eq!(len, 0, "[{name}] expired sessions are not counted");
    assert_eq!(
        saved(b"s3", Some(2)).await,
        SessionSave::Conflict,
        "[{name}] an expired version is gone"
    );
    assert_eq!(
        saved(b"s3", None).await,
        SessionSave::Saved(1),
        "[{name}] an expired call is new again"
    );
    store
        .remove(a)
        .await
        .unwrap_or_else(|e| failed(name, "remove", e));
}
