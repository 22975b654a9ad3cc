//! A short-lived answer cache and single-flight for one shop's lookups.
//!
//! - **Single-flight**: identical lookups in flight (the same order number, or the
//!   same phone and page size) share one request; whoever comes while it runs
//!   waits for its answer.
//! - **Cache**: answers (found and not found; never errors) are kept for the
//!   configured TTL, at most [`ORDER_CACHE_CAPACITY`](crate::ORDER_CACHE_CAPACITY)
//!   of them, the oldest evicted first. A phone lookup's orders also answer later
//!   lookups of their numbers (the caller-ID lookup at pick-up then serves the
//!   order the caller names).
//! - **Forgetting**: [`OrderCache::forget`] drops every answer about a phone
//!   (its lookups, and each cached order whose customer phone it is), and keeps
//!   lookups already in flight from caching what they bring back.
//!
//! One cache belongs to one `ShopifyOrderSource`, i.e. one shop: it is never
//! shared across merchants. It holds personal data only in memory, for seconds.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lumitalk_core::{Order, OrderSourceError, PhoneNumber};
use tokio::sync::watch;
use tokio::time::Instant;

/// What a lookup asked for.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// An order number's digits.
    Number(String),
    /// A phone (E.164) and how many orders were fetched for it.
    Phone { e164: String, first: usize },
}

/// What a lookup found.
#[derive(Clone)]
pub(crate) enum Answer {
    Number(Option<Box<Order>>),
    Phone(Vec<Order>),
}

impl Answer {
    fn mentions(&self, phone: &PhoneNumber) -> bool {
        match self {
            Answer::Number(order) => order.iter().any(|o| o.phone() == Some(phone)),
            Answer::Phone(orders) => orders.iter().any(|o| o.phone() == Some(phone)),
        }
    }
}

/// A lookup's outcome, as every waiter receives it.
pub(crate) type Outcome = Result<Answer, OrderSourceError>;

/// The receiving end of a flight.
pub(crate) type Waiter = watch::Receiver<Option<Outcome>>;

struct Entry {
    answer: Answer,
    stored: Instant,
    seq: u64,
}

struct InFlight {
    rx: Waiter,
    serial: u64,
    /// The limiter request carrying it, once admitted.
    request: Option<u64>,
}

#[derive(Default)]
struct State {
    entries: HashMap<Key, Entry>,
    /// Keys in the order they were stored (with their `seq`; stale pairs are skipped).
    fifo: VecDeque<(Key, u64)>,
    seq: u64,
    flights: HashMap<Key, InFlight>,
    next_serial: u64,
    /// Bumped by every `forget`: a flight started before it caches nothing.
    forgets: u64,
}

/// One shop's answer cache and flights.
pub(crate) struct OrderCache {
    ttl: Duration,
    capacity: usize,
    state: Mutex<State>,
}

/// What [`OrderCache::begin`] found.
pub(crate) enum Begin {
    /// A fresh cached answer.
    Hit(Answer),
    /// The same lookup is in flight: wait for it (its limiter request, if admitted).
    Join(Waiter, Option<u64>),
    /// Nothing: the caller runs the lookup and reports through the [`Flight`].
    Lead(Flight),
}

/// The leader's side of a flight. Dropping it without [`Flight::finish`] ends the
/// flight (waiters see the channel close) so the next lookup starts afresh.
pub(crate) struct Flight {
    cache: Arc<OrderCache>,
    key: Key,
    serial: u64,
    forgets: u64,
    tx: Option<watch::Sender<Option<Outcome>>>,
}

impl OrderCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Arc<Self> {
        Arc::new(OrderCache {
            ttl,
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A cached answer, the flight to join, or the lead of a new flight.
    pub(crate) fn begin(self: &Arc<Self>, key: &Key) -> Begin {
        let mut s = self.lock();
        let now = Instant::now();
        if let Some(entry) = s.entries.get(key) {
            if now.saturating_duration_since(entry.stored) < self.ttl {
                return Begin::Hit(entry.answer.clone());
            }
            s.entries.remove(key);
        }
        if let Some(flight) = s.flights.get(key) {
            return Begin::Join(flight.rx.clone(), flight.request);
        }
        let (tx, rx) = watch::channel(None);
        s.next_serial += 1;
        let serial = s.next_serial;
        s.flights.insert(
            key.clone(),
            InFlight {
                rx,
                serial,
                request: None,
            },
        );
        Begin::Lead(Flight {
            cache: self.clone(),
            key: key.clone(),
            serial,
            forgets: s.forgets,
            tx: Some(tx),
        })
    }

    /// Drops every answer about `phone`: its phone lookups and each cached order
    /// whose customer phone it is. Flights in flight will not cache their answers.
    pub(crate) fn forget(&self, phone: &PhoneNumber) {
        let mut s = self.lock();
        s.forgets += 1;
        s.entries.retain(|key, entry| {
            let about = matches!(key, Key::Phone { e164, .. } if e164 == phone.as_e164());
            !(about || entry.answer.mentions(phone))
        });
    }

    /// How many answers are cached (expired ones included until they are evicted).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn store(&self, s: &mut State, key: Key, answer: Answer, now: Instant) {
        s.seq += 1;
        let seq = s.seq;
        s.fifo.push_back((key.clone(), seq));
        s.entries.insert(
            key,
            Entry {
                answer,
                stored: now,
                seq,
            },
        );
        // Oldest first: expired entries, then whatever exceeds the capacity.
        while let Some((key, seq)) = s.fifo.front().cloned() {
            let stale = s.entries.get(&key).is_none_or(|e| e.seq != seq);
            let expired = s
                .entries
                .get(&key)
                .is_some_and(|e| now.saturating_duration_since(e.stored) >= self.ttl);
            if stale {
                s.fifo.pop_front();
            } else if expired || s.entries.len() > self.capacity {
                s.fifo.pop_front();
                s.entries.remove(&key);
            } else {
                break;
            }
        }
        if s.fifo.len() > 2 * self.capacity + 16 {
            let State { fifo, entries, .. } = s;
            fifo.retain(|(k, seq)| entries.get(k).is_some_and(|e| e.seq == *seq));
        }
    }
}

impl Flight {
    /// Records which limiter request carries the flight (for joiners' priority
    /// and wait estimates).
    pub(crate) fn set_request(&self, id: u64) {
        let mut s = self.cache.lock();
        if let Some(f) = s.flights.get_mut(&self.key)
            && f.serial == self.serial
        {
            f.request = Some(id);
        }
    }

    /// A receiver for the leader itself.
    pub(crate) fn waiter(&self) -> Option<Waiter> {
        self.tx.as_ref().map(|tx| tx.subscribe())
    }

    /// Ends the flight: caches an answer (unless the cache is off or a `forget`
    /// came meanwhile) and hands the outcome to every waiter.
    pub(crate) fn finish(mut self, outcome: Outcome) {
        let cache = self.cache.clone();
        {
            let mut s = cache.lock();
            let now = Instant::now();
            if s.flights
                .get(&self.key)
                .is_some_and(|f| f.serial == self.serial)
            {
                s.flights.remove(&self.key);
            }
            if let Ok(answer) = &outcome
                && !cache.ttl.is_zero()
                && s.forgets == self.forgets
            {
                if let Answer::Phone(orders) = answer {
                    for order in orders {
                        let key = Key::Number(order.number.digits().to_string());
                        cache.store(
                            &mut s,
                            key,
                            Answer::Number(Some(Box::new(order.clone()))),
                            now,
                        );
                    }
                }
                cache.store(&mut s, self.key.clone(), answer.clone(), now);
            }
        }
        if let Some(tx) = self.tx.take() {
            tx.send_replace(Some(outcome));
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if self.tx.is_some() {
            let mut s = self.cache.lock();
            if s.flights
                .get(&self.key)
                .is_some_and(|f| f.serial == self.serial)
            {
                s.flights.remove(&self.key);
            }
        }
    }
}

impl fmt::Debug for OrderCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("OrderCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .field("entries", &s.entries.len())
            .field("in_flight", &s.flights.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::memory::demo_orders;

    fn key(d: &str) -> Key {
        Key::Number(d.into())
    }

    fn lead(cache: &Arc<OrderCache>, k: &Key) -> Flight {
        match cache.begin(k) {
            Begin::Lead(f) => f,
            _ => panic!("expected to lead"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn hits_expire_and_flights_are_shared() {
        let cache = OrderCache::new(Duration::from_secs(30), 100);
        let flight = lead(&cache, &key("1001"));
        flight.set_request(7);
        let Begin::Join(mut rx, Some(7)) = cache.begin(&key("1001")) else {
            panic!("expected to join request 7")
        };
        flight.finish(Ok(Answer::Number(None)));
        rx.wait_for(Option::is_some).await.unwrap();
        assert!(matches!(
            cache.begin(&key("1001")),
            Begin::Hit(Answer::Number(None))
        ));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(matches!(cache.begin(&key("1001")), Begin::Lead(_)));
        // An error is handed to waiters but not cached; a dropped flight ends.
        let flight = lead(&cache, &key("1002"));
        let rx = flight.waiter().unwrap();
        flight.finish(Err(OrderSourceError::Unavailable {
            provider: "shopify",
            message: "down".into(),
        }));
        assert!(rx.borrow().as_ref().unwrap().is_err());
        drop(lead(&cache, &key("1002")));
        assert!(matches!(cache.begin(&key("1002")), Begin::Lead(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_oldest_first_and_off_at_zero() {
        let cache = OrderCache::new(Duration::from_secs(30), 3);
        for d in ["1", "2", "3", "4"] {
            lead(&cache, &key(d)).finish(Ok(Answer::Number(None)));
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        assert_eq!(cache.len(), 3);
        assert!(matches!(cache.begin(&key("2")), Begin::Hit(_)));
        lead(&cache, &key("1")).finish(Ok(Answer::Number(None)));
        assert_eq!(cache.len(), 3);
        assert!(matches!(cache.begin(&key("2")), Begin::Lead(_)));
        assert!(matches!(cache.begin(&key("3")), Begin::Hit(_)));
        let off = OrderCache::new(Duration::ZERO, 3);
        lead(&off, &key("1")).finish(Ok(Answer::Number(None)));
        assert_eq!(off.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn forget_drops_the_phone_and_its_orders() {
        let cache = OrderCache::new(Duration::from_secs(30), 100);
        let orders: Vec<Order> = demo_orders()
            .iter()
            .filter(|o| o.phone().is_some_and(|p| p.as_e164() == "+14155550123"))
            .cloned()
            .collect();
        assert!(orders.len() >= 2);
        let phone = orders[0].phone().unwrap().clone();
        let by_phone = Key::Phone {
            e164: phone.as_e164().into(),
            first: 3,
        };
        lead(&cache, &by_phone).finish(Ok(Answer::Phone(orders.clone())));
        // The phone's orders now answer lookups by number too.
        let digits = orders[0].number.digits().to_string();
        assert!(matches!(
            cache.begin(&key(&digits)),
            Begin::Hit(Answer::Number(Some(_)))
        ));
        let other = demo_orders()
            .iter()
            .find(|o| o.phone().is_some_and(|p| p != &phone))
            .unwrap()
            .clone();
        lead(&cache, &key(other.number.digits()))
            .finish(Ok(Answer::Number(Some(Box::new(other.clone())))));
        let late = lead(&cache, &key("4242"));

        cache.forget(&phone);
        assert!(matches!(cache.begin(&by_phone), Begin::Lead(_)));
        assert!(matches!(cache.begin(&key(&digits)), Begin::Lead(_)));
        assert!(matches!(
            cache.begin(&key(other.number.digits())),
            Begin::Hit(_)
        ));
        // A flight started before the forget caches nothing.
        late.finish(Ok(Answer::Number(Some(Box::new(orders[0].clone())))));
        assert!(matches!(cache.begin(&key("4242")), Begin::Lead(_)));
    }
}
