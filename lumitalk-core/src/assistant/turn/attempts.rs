//! The lockout at answer time: a verification attempt is reserved in the
//! [`LockoutStore`](crate::store::LockoutStore) before the conversation checks
//! a challenge answer, and finished with its outcome once the turn's session
//! is saved (a turn that loses the race to a duplicate withdraws it).

use super::Turn;
use crate::assistant::context::TurnContext;
use crate::assistant::observe::StoreOp;
use crate::conversation::{Action, Effect, Event, Input};
use crate::domain::{OrderNumber, PhoneNumber, Timestamp};
use crate::store::{AttemptGrant, AttemptOutcome, LockoutKey};

/// A lockout change the turn makes once its session is saved.
pub(super) struct Attempt {
    keys: Vec<LockoutKey>,
    outcome: AttemptOutcome,
    /// Reserved by `begin_attempt` (else a verification that clears locks).
    reserved: bool,
}

impl Turn<'_> {
    /// Feeds `input` to the conversation; when it may check a challenge
    /// answer, reserves the attempt first (a locked key, or a lockout store
    /// that cannot answer, locks the call's verification instead).
    pub(super) async fn handle(&mut self, now: Timestamp, input: Input) -> Vec<Action> {
        let reserved = match self.conv.challenge_at_stake(&input) {
            Some(orders) => {
                let keys = self.keys(&orders);
                if self.begin_attempt(&keys).await {
                    Some(keys)
                } else {
                    self.conv.lock_verification();
                    None
                }
            }
            None => None,
        };
        let actions = self.conv.handle(now, &self.ctx, input);
        let outcome = outcome_of(&actions);
        match reserved {
            Some(keys) => self.attempts.push(Attempt {
                keys,
                outcome: outcome.unwrap_or(AttemptOutcome::Withdrawn),
                reserved: true,
            }),
            None if outcome == Some(AttemptOutcome::Verified) => {
                // Verified without a challenge (an attested caller ID): the
                // owner's orders are unlocked.
                let verified = self.conv.verified_orders().to_vec();
                self.attempts.push(Attempt {
                    keys: self.keys(&verified),
                    outcome: AttemptOutcome::Verified,
                    reserved: false,
                });
            }
            None => {}
        }
        actions
    }

    /// The caller's key and the orders' keys.
    fn keys(&self, orders: &[OrderNumber]) -> Vec<LockoutKey> {
        let merchant = &self.cx.merchant.id;
        std::iter::once(LockoutKey::caller(self.cx.event.from.as_ref()))
            .chain(
                orders
                    .iter()
                    .map(|n| LockoutKey::Order(merchant.clone(), n.clone())),
            )
            .collect()
    }

    /// Whether the attempt may go ahead; fails closed.
    async fn begin_attempt(&mut self, keys: &[LockoutKey]) -> bool {
        let inner = self.cx.inner;
        let store = &inner.lockout_store;
        let begin = store.begin_attempt(keys, &inner.lockout, inner.clock.now());
        let grant = self.cx.store(store.name(), StoreOp::Lockout, begin).await;
        grant == Some(AttemptGrant::Granted)
    }

    /// Whether any order among `orders` is locked out; fails closed.
    pub(super) async fn any_locked(&mut self, orders: &[OrderNumber]) -> bool {
        let merchant = &self.cx.merchant.id;
        let keys: Vec<LockoutKey> = orders
            .iter()
            .map(|n| LockoutKey::Order(merchant.clone(), n.clone()))
            .collect();
        if keys.is_empty() {
            return false;
        }
        locked(&mut self.cx, &keys).await
    }

    /// Stage "settle", after the session is saved: every attempt ends with its
    /// outcome (`lost`: the turn lost to a duplicate, so nothing it decided
    /// counts and its reservations are returned).
    pub(super) async fn finish_attempts(&mut self, lost: bool) {
        let inner = self.cx.inner;
        let store = &inner.lockout_store;
        for attempt in std::mem::take(&mut self.attempts) {
            let outcome = match (lost, attempt.reserved) {
                (false, _) => attempt.outcome,
                (true, true) => AttemptOutcome::Withdrawn,
                (true, false) => continue,
            };
            let now = inner.clock.now();
            let finish = store.finish_attempt(&attempt.keys, outcome, &inner.lockout, now);
            self.cx.store(store.name(), StoreOp::Lockout, finish).await;
        }
    }
}

/// Whether the caller (`None`: anonymous) is locked out, for the call's start;
/// fails closed.
pub(super) async fn caller_locked(cx: &mut TurnContext<'_>, caller: Option<&PhoneNumber>) -> bool {
    locked(cx, &[LockoutKey::caller(caller)]).await
}

async fn locked(cx: &mut TurnContext<'_>, keys: &[LockoutKey]) -> bool {
    let inner = cx.inner;
    let store = &inner.lockout_store;
    let check = store.is_locked(keys, inner.clock.now());
    cx.store(store.name(), StoreOp::Lockout, check)
        .await
        .unwrap_or(true)
}

/// What a conversation's actions say about the answer it checked.
fn outcome_of(actions: &[Action]) -> Option<AttemptOutcome> {
    actions.iter().find_map(|a| match a {
        Action::Effect(Effect::Record(Event::VerificationFailed)) => Some(AttemptOutcome::Failed),
        Action::Effect(Effect::Record(Event::Verified)) => Some(AttemptOutcome::Verified),
        _ => None,
    })
}
