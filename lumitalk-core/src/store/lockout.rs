//! The verification lockout across calls (and across server instances, with a
//! shared implementation): wrong challenge answers counted per caller number,
//! per order, and in one bucket for every caller without a number.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{MerchantId, OrderNumber, PhoneNumber, Timestamp};
use crate::error::StoreError;

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

/// How long an attempt in progress holds its place when its turn never
/// finishes it (the process died mid-turn).
pub const ATTEMPT_HOLD: Duration = Duration::from_secs(120);

/// What failures are counted against. `Debug` masks the numbers.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum LockoutKey {
    /// One caller number.
    Caller(PhoneNumber),
    /// Every caller without a usable number (anyone can withhold it, so each
    /// anonymous call must not start afresh).
    Anonymous,
    /// One of a merchant's orders, whoever asks about it from however many numbers.
    Order(MerchantId, OrderNumber),
}

impl LockoutKey {
    /// The key for a caller (`None`: anonymous).
    pub fn caller(phone: Option<&PhoneNumber>) -> LockoutKey {
        phone.map_or(LockoutKey::Anonymous, |p| LockoutKey::Caller(p.clone()))
    }

    /// A stable text form for stores that key by strings (`caller:+1415…`,
    /// `anonymous`, `order:<merchant>:<digits>`). Personal data: do not log it.
    pub fn storage_key(&self) -> String {
        match self {
            LockoutKey::Caller(p) => format!("caller:{}", p.as_e164()),
            LockoutKey::Anonymous => "anonymous".to_string(),
            LockoutKey::Order(m, n) => format!("order:{}:{}", m.as_str(), n.digits()),
        }
    }
}

impl std::fmt::Debug for LockoutKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockoutKey::Caller(p) => write!(f, "Caller({p:?})"),
            LockoutKey::Anonymous => f.write_str("Anonymous"),
            LockoutKey::Order(m, _) => write!(f, "Order({}, <order>)", m.as_str()),
        }
    }
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum AttemptGrant {
    /// Reserved: the answer may be checked; finish the attempt with its outcome.
    Granted,
    /// One of the keys is locked out (or every remaining guess is already being
    /// checked by other calls): do not check the answer; nothing was reserved.
    Locked,
}

/// How a granted attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The answer was wrong: counted against every key.
    Failed,
    /// The caller was verified: the keys' failures and locks are cleared (a
    /// verified owner unlocks their order).
    Verified,
    /// No answer was checked after all (the caller asked for a person, the turn
    /// lost a race with a duplicate): the reservation is returned.
    Withdrawn,
}

/// Counts verification attempts across calls.
///
/// An attempt is reserved *before* an answer is checked and finished with its
/// outcome after, so concurrent calls share one budget: however many calls
/// answer a challenge about one order at once, at most
/// [`max_failures`](LockoutPolicy::max_failures) answers are ever checked
/// before the order locks.
///
/// # Contract
/// - `begin_attempt(keys)` returns [`AttemptGrant::Locked`] and changes
///   nothing if any key is locked, or if a key's failures plus its attempts in
///   progress already reach `max_failures`; otherwise it reserves one attempt
///   on every key and returns [`AttemptGrant::Granted`]. Atomic: racing
///   callers never together exceed the budget.
/// - `finish_attempt(keys, outcome)` returns one reservation per key:
///   `Failed` adds a failure (reaching `max_failures` locks the key until
///   `now + window`); `Verified` clears the keys' failures and locks;
///   `Withdrawn` only returns the reservation.
/// - Failures older than `window` are forgotten (a key is forgotten once its
///   first failure is `window` old and it is not locked). Reservations never
///   finished stop counting after [`ATTEMPT_HOLD`].
/// - `is_locked(keys)` says whether any key is locked now; `forget` drops a
///   key (a privacy deletion, an operator's unlock).
/// - Nothing is kept forever: every entry ends when its window does.
///
/// # Errors
/// [`StoreError`]. The assistant fails closed: a lockout store it cannot reach
/// locks verification for the turn (the caller is offered a person).
#[async_trait]
pub trait LockoutStore: Send + Sync + std::fmt::Debug + 'static {
    /// Short name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Reserves one attempt on every key, unless one of them is locked.
    async fn begin_attempt(
        &self,
        keys: &[LockoutKey],
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<AttemptGrant, StoreError>;
    /// Ends a granted attempt.
    async fn finish_attempt(
        &self,
        keys: &[LockoutKey],
        outcome: AttemptOutcome,
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Whether any of the keys is locked out.
    async fn is_locked(&self, keys: &[LockoutKey], now: Timestamp) -> Result<bool, StoreError>;
    /// Forgets everything counted against `key`.
    async fn forget(&self, key: &LockoutKey) -> Result<(), StoreError>;
}

crate::forward::forward_to_inner!(LockoutStore for [Arc, Box] {
    fn name(&self) -> &'static str;
    async fn begin_attempt(
        &self,
        keys: &[LockoutKey],
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<AttemptGrant, StoreError>;
    async fn finish_attempt(
        &self,
        keys: &[LockoutKey],
        outcome: AttemptOutcome,
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn is_locked(&self, keys: &[LockoutKey], now: Timestamp) -> Result<bool, StoreError>;
    async fn forget(&self, key: &LockoutKey) -> Result<(), StoreError>;
});
