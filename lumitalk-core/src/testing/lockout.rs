//! The [`LockoutStore`] contract.

use std::time::Duration;

use crate::domain::{MerchantId, OrderNumber, PhoneNumber, Timestamp};
use crate::error::StoreError;
use crate::store::{AttemptGrant, AttemptOutcome, LockoutKey, LockoutPolicy, LockoutStore};

/// Checks a [`LockoutStore`]: [`failures_lock_and_expire`],
/// [`keys_are_counted_apart`], [`verified_and_withdrawn_attempts`] and
/// [`concurrent_attempts_share_one_budget`]. Each check uses its own keys and
/// forgets them at the end.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn lockout_store_conformance(store: &dyn LockoutStore) {
    failures_lock_and_expire(store).await;
    keys_are_counted_apart(store).await;
    verified_and_withdrawn_attempts(store).await;
    concurrent_attempts_share_one_budget(store).await;
}

const POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 3,
    window: Duration::from_secs(60),
};

fn t0() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

fn caller(suffix: u32) -> LockoutKey {
    let phone = PhoneNumber::parse_e164(&format!("+1415555{suffix:04}")).expect("valid");
    LockoutKey::Caller(phone)
}

fn order(merchant: &str, digits: &str) -> LockoutKey {
    let number = OrderNumber::from_digits(digits).expect("valid order number");
    LockoutKey::Order(MerchantId::new(merchant), number)
}

fn failed(name: &str, what: &str, e: StoreError) -> ! {
    panic!("[{name}] {what} failed: {e}")
}

async fn begin(store: &dyn LockoutStore, keys: &[LockoutKey], now: Timestamp) -> AttemptGrant {
    store
        .begin_attempt(keys, &POLICY, now)
        .await
        .unwrap_or_else(|e| failed(store.name(), "begin_attempt", e))
}

async fn finish(
    store: &dyn LockoutStore,
    keys: &[LockoutKey],
    outcome: AttemptOutcome,
    now: Timestamp,
) {
    store
        .finish_attempt(keys, outcome, &POLICY, now)
        .await
        .unwrap_or_else(|e| failed(store.name(), "finish_attempt", e));
}

async fn locked(store: &dyn LockoutStore, keys: &[LockoutKey], now: Timestamp) -> bool {
    store
        .is_locked(keys, now)
        .await
        .unwrap_or_else(|e| failed(store.name(), "is_locked", e))
}

async fn forget_all(store: &dyn LockoutStore, keys: &[LockoutKey]) {
    for key in keys {
        store
            .forget(key)
            .await
            .unwrap_or_else(|e| failed(store.name(), "forget", e));
    }
}

/// Failed attempts up to `max_failures` lock the key; a locked key grants
/// nothing until its window passes; `forget` unlocks at once.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn failures_lock_and_expire(store: &dyn LockoutStore) {
    let name = store.name();
    let keys = [caller(9001)];
    let now = t0();
    for i in 0..POLICY.max_failures {
        assert!(
            !locked(store, &keys, now).await,
            "[{name}] not locked after {i} failures"
        );
        assert_eq!(
            begin(store, &keys, now).await,
            AttemptGrant::Granted,
            "[{name}] attempt {i} is granted"
        );
        finish(store, &keys, AttemptOutcome::Failed, now).await;
    }
    assert!(
        locked(store, &keys, now).await,
        "[{name}] locked after max_failures failures"
    );
    assert_eq!(
        begin(store, &keys, now).await,
        AttemptGrant::Locked,
        "[{name}] a locked key grants nothing"
    );
    let later = now.plus(POLICY.window - Duration::from_secs(1));
    assert!(
        locked(store, &keys, later).await,
        "[{name}] still locked within the window"
    );
    let after = now.plus(POLICY.window + Duration::from_secs(1));
    assert!(
        !locked(store, &keys, after).await,
        "[{name}] unlocked once the window passed"
    );
    assert_eq!(
        begin(store, &keys, after).await,
        AttemptGrant::Granted,
        "[{name}] granted again after the window"
    );
    finish(store, &keys, AttemptOutcome::Failed, after).await;
    let much_later = after.plus(POLICY.window + Duration::from_secs(1));
    for i in 0..POLICY.max_failures - 1 {
        assert_eq!(
            begin(store, &keys, much_later).await,
            AttemptGrant::Granted,
            "[{name}] old failures are forgotten ({i})"
        );
        finish(store, &keys, AttemptOutcome::Failed, much_later).await;
    }
    assert!(
        !locked(store, &keys, much_later).await,
        "[{name}] a failure older than the window does not count"
    );
    finish_lock(store, &keys, much_later).await;
    assert!(
        locked(store, &keys, much_later).await,
        "[{name}] locked again"
    );
    forget_all(store, &keys).await;
    assert!(
        !locked(store, &keys, much_later).await,
        "[{name}] forget unlocks"
    );
}

async fn finish_lock(store: &dyn LockoutStore, keys: &[LockoutKey], now: Timestamp) {
    assert_eq!(
        begin(store, keys, now).await,
        AttemptGrant::Granted,
        "[{}] attempt granted",
        store.name()
    );
    finish(store, keys, AttemptOutcome::Failed, now).await;
}

/// A lock on one key refuses an attempt on any set containing it, and
/// reserves nothing on the others; callers, anonymous callers, and each
/// merchant's orders are counted apart.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn keys_are_counted_apart(store: &dyn LockoutStore) {
    let name = store.name();
    let now = t0();
    let shop = order("conformance-a", "71001");
    let same_number_elsewhere = order("conformance-b", "71001");
    let (a, b) = (caller(9101), caller(9102));
    for i in 0..POLICY.max_failures {
        let from = if i % 2 == 0 { &a } else { &b };
        let keys = [from.clone(), shop.clone()];
        assert_eq!(
            begin(store, &keys, now).await,
            AttemptGrant::Granted,
            "[{name}] attempt {i}"
        );
        finish(store, &keys, AttemptOutcome::Failed, now).await;
    }
    assert!(
        locked(store, std::slice::from_ref(&shop), now).await,
        "[{name}] the order locks, whoever asked"
    );
    assert!(
        !locked(store, std::slice::from_ref(&a), now).await,
        "[{name}] a caller with fewer failures is not locked"
    );
    assert!(
        !locked(store, std::slice::from_ref(&same_number_elsewhere), now).await,
        "[{name}] another merchant's order is apart"
    );
    assert!(
        !locked(store, &[LockoutKey::Anonymous], now).await,
        "[{name}] the anonymous bucket is apart"
    );
    let c = caller(9103);
    assert_eq!(
        begin(store, &[c.clone(), shop.clone()], now).await,
        AttemptGrant::Locked,
        "[{name}] any locked key refuses the attempt"
    );
    for i in 0..POLICY.max_failures {
        assert_eq!(
            begin(store, std::slice::from_ref(&c), now).await,
            AttemptGrant::Granted,
            "[{name}] a refused attempt reserved nothing ({i})"
        );
        finish(
            store,
            std::slice::from_ref(&c),
            AttemptOutcome::Withdrawn,
            now,
        )
        .await;
    }
    forget_all(store, &[a, b, c, shop, same_number_elsewhere]).await;
}

/// `Verified` clears a key's failures and its lock (a verified owner unlocks
/// their order); `Withdrawn` counts nothing.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn verified_and_withdrawn_attempts(store: &dyn LockoutStore) {
    let name = store.name();
    let now = t0();
    let keys = [order("conformance-v", "72001")];
    for _ in 0..POLICY.max_failures * 2 {
        assert_eq!(
            begin(store, &keys, now).await,
            AttemptGrant::Granted,
            "[{name}] withdrawn attempts never lock"
        );
        finish(store, &keys, AttemptOutcome::Withdrawn, now).await;
    }
    for _ in 0..POLICY.max_failures - 1 {
        finish_lock(store, &keys, now).await;
    }
    assert_eq!(
        begin(store, &keys, now).await,
        AttemptGrant::Granted,
        "[{name}] last attempt"
    );
    finish(store, &keys, AttemptOutcome::Verified, now).await;
    for _ in 0..POLICY.max_failures - 1 {
        finish_lock(store, &keys, now).await;
    }
    assert!(
        !locked(store, &keys, now).await,
        "[{name}] a verified attempt cleared the earlier failures"
    );
    finish_lock(store, &keys, now).await;
    assert!(locked(store, &keys, now).await, "[{name}] locked");
    finish(store, &keys, AttemptOutcome::Verified, now).await;
    assert!(
        !locked(store, &keys, now).await,
        "[{name}] a verified owner clears the lock"
    );
    forget_all(store, &keys).await;
}

/// Attempts in progress count against the budget: with `max_failures` attempts
/// granted and not finished, the next is refused; finishing them frees or
/// spends their places.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn concurrent_attempts_share_one_budget(store: &dyn LockoutStore) {
    let name = store.name();
    let now = t0();
    let shop = order("conformance-c", "73001");
    let callers: Vec<LockoutKey> = (0..8).map(|i| caller(9200 + i)).collect();
    let mut granted = Vec::new();
    for from in &callers {
        let keys = vec![from.clone(), shop.clone()];
        if begin(store, &keys, now).await == AttemptGrant::Granted {
            granted.push(keys);
        }
    }
    assert_eq!(
        granted.len(),
        POLICY.max_failures as usize,
        "[{name}] eight calls at once get max_failures attempts between them"
    );
    let first = granted.remove(0);
    finish(store, &first, AttemptOutcome::Withdrawn, now).await;
    let late = vec![callers[7].clone(), shop.clone()];
    assert_eq!(
        begin(store, &late, now).await,
        AttemptGrant::Granted,
        "[{name}] a withdrawn attempt frees its place"
    );
    granted.push(late);
    for keys in &granted {
        finish(store, keys, AttemptOutcome::Failed, now).await;
    }
    assert!(
        locked(store, std::slice::from_ref(&shop), now).await,
        "[{name}] their failures lock the order"
    );
    let mut all = callers;
    all.push(shop);
    forget_all(store, &all).await;
}
