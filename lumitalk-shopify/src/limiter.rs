//! One cost-aware limiter per shop: no request is sent that Shopify would throttle.
//!
//! Shopify limits each (app, shop) with a leaky bucket of cost points: a query is
//! refused (`THROTTLED`, HTTP 200) unless the bucket holds its *requested* cost,
//! which is charged before the query runs; the difference to the actual cost is
//! refunded afterwards, and the bucket refills at `restoreRate` points per second
//! up to `maximumAvailable`. Every answer, throttled ones too, reports the bucket
//! in `extensions.cost.throttleStatus`.
//!
//! # The estimate
//!
//! [`Bucket`] holds the last reported state and extrapolates it:
//! `currentlyAvailable + restoreRate × elapsed`, capped at `maximumAvailable`.
//! Before Shopify's first answer it assumes a full bucket of the configured size
//! (default: the Standard plan's 2,000 points restoring 100/s). The limiter
//! subtracts the requested cost of every request in flight (sent, not yet
//! answered), so concurrent requests never overdraw it. (An answer's
//! `currentlyAvailable` already includes the charges of requests Shopify is
//! still running, which are then counted twice until they answer: the estimate
//! errs on the safe side.)
//!
//! # The queue
//!
//! A request is sent at once when the estimate covers its requested cost and no
//! request of its priority or higher waits. Otherwise:
//! - a lookup the caller waits for ([`Urgency::CallerWaiting`]) waits in a FIFO
//!   queue; the head of the queue is sent as soon as the estimate covers it;
//! - a speculative lookup ([`Urgency::Speculative`]) is refused at once with the
//!   expected wait, sending nothing: it must never delay a caller who waits.
//!
//! A `THROTTLED` answer (the estimate was wrong, e.g. another process of the same
//! app used the bucket) corrects the estimate from the answer's bucket state, and
//! the request goes back to the *front* of its priority's queue (a re-queued
//! speculative request waits in the lower-priority lane, behind every waiting
//! caller, and is promoted if a waiting caller joins it).
//!
//! # A shared implementation
//!
//! All knowledge of the bucket sits behind [`Bucket`]'s two operations,
//! [`observe`](Bucket::observe) (an answer's report, versioned by when its
//! request was sent, so that answers arriving out of order do not roll the
//! estimate back) and [`estimate`](Bucket::estimate) (points available now). Several processes
//! serving the same shop share one bucket at Shopify; a shared implementation
//! (say Redis: the last report and its time in one hash, updated with a
//! compare-and-set on the report's time, plus an in-flight counter incremented
//! on send and decremented on answer with an expiry) can replace the local
//! struct without touching the queue, which stays per process.
//!
//! # Metrics
//!
//! Through the `metrics` facade, labelled with the shop's domain:
//! `lumitalk_shopify_queue_length` (gauge: requests waiting),
//! `lumitalk_shopify_queue_wait_seconds` (histogram, also labelled `urgency`:
//! from first admission to sending, zero for requests sent at once) and
//! `lumitalk_shopify_speculative_dropped_total` (counter).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lumitalk_core::provider::Urgency;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::config::BucketSize;
use crate::wire::QueryCost;

/// The shortest pause after a throttled answer that said nothing usable about
/// the bucket, or that contradicted the estimate.
const MIN_THROTTLE_PAUSE: Duration = Duration::from_secs(1);

/// What is known of the shop's bucket: the seam a shared implementation replaces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    maximum: f64,
    restore_rate: f64,
    /// Points available at `at`.
    available: f64,
    at: Instant,
    /// When the request whose report this is was sent: a report about an
    /// earlier request (answered later) is older news and is ignored.
    version: Option<Instant>,
}

/// The bucket as estimated at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Estimate {
    /// Points available (before subtracting requests in flight).
    pub(crate) available: f64,
    /// Bucket size.
    pub(crate) maximum: f64,
    /// Points restored per second.
    pub(crate) restore_rate: f64,
}

impl Bucket {
    /// A full bucket of `size`, before anything was reported.
    pub(crate) fn assumed(size: BucketSize, now: Instant) -> Self {
        Bucket {
            maximum: size.maximum,
            restore_rate: size.restore_rate,
            available: size.maximum,
            at: now,
            version: None,
        }
    }

    /// Takes the report of an answer to a request sent at `sent`, received at
    /// `now`. Returns whether it carried a usable bucket state (a report older
    /// than the one held is ignored, and counts as usable).
    pub(crate) fn observe(&mut self, cost: &QueryCost, sent: Instant, now: Instant) -> bool {
        let Some(t) = cost.throttle_status else {
            return false;
        };
        if self.version.is_some_and(|v| sent < v) {
            return true;
        }
        let sane = |x: f64| x.is_finite() && x >= 0.0;
        let usable = sane(t.currently_available)
            && sane(t.maximum_available)
            && t.maximum_available > 0.0
            && t.restore_rate.is_finite()
            && t.restore_rate > 0.0;
        if !usable {
            return false;
        }
        self.maximum = t.maximum_available;
        self.restore_rate = t.restore_rate;
        self.available = t.currently_available.min(t.maximum_available);
        self.at = now;
        self.version = Some(sent);
        true
    }

    /// Points available at `now`.
    pub(crate) fn estimate(&self, now: Instant) -> Estimate {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        Estimate {
            available: (self.available + self.restore_rate * elapsed).min(self.maximum),
            maximum: self.maximum,
            restore_rate: self.restore_rate,
        }
    }
}

/// A snapshot of a shop's limiter, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct LimiterStats {
    /// Lookups a caller waits for, waiting to be sent.
    pub queued_caller_waiting: usize,
    /// Speculative lookups waiting to be sent (only after a throttled answer).
    pub queued_speculative: usize,
    /// Requests sent and not yet answered.
    pub in_flight: usize,
    /// Their requested cost.
    pub in_flight_cost: f64,
    /// The estimated points in the bucket now (before subtracting `in_flight_cost`).
    pub estimated_available: f64,
    /// The bucket size, as last reported (or assumed).
    pub maximum_available: f64,
    /// Points restored per second, as last reported (or assumed).
    pub restore_rate: f64,
    /// Requests sent (a re-sent throttled request counts again).
    pub sent: u64,
    /// Throttled answers received (each re-queued, not returned).
    pub throttled: u64,
    /// Speculative lookups refused without sending.
    pub speculative_dropped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Queued,
    Sent,
}

#[derive(Debug)]
struct Req {
    cost: f64,
    urgency: Urgency,
    /// When it was first admitted (for the wait histogram and FIFO on promotion).
    since: Option<Instant>,
    /// When it was last sent (the version of its answer's report).
    sent_at: Option<Instant>,
    phase: Phase,
}

fn lane(urgency: Urgency) -> usize {
    match urgency {
        Urgency::CallerWaiting => 0,
        Urgency::Speculative => 1,
    }
}

#[derive(Debug)]
struct State {
    bucket: Bucket,
    in_flight: f64,
    in_flight_count: usize,
    /// Waiting request ids: caller-waiting, then speculative; each FIFO.
    lanes: [VecDeque<u64>; 2],
    reqs: HashMap<u64, Req>,
    next_id: u64,
    /// Nothing is sent before this (after a throttled answer the estimate did
    /// not explain).
    paused_until: Option<Instant>,
    /// A moving average of how long an answer takes.
    latency: Option<Duration>,
    sent: u64,
    throttled: u64,
    speculative_dropped: u64,
}

impl State {
    /// Points free for a new request at `now`.
    fn free(&self, now: Instant) -> f64 {
        self.bucket.estimate(now).available - self.in_flight
    }

    /// A request's need: its cost, but never more than the whole bucket (so an
    /// oversized request goes when the bucket is full rather than never).
    fn need(&self, cost: f64) -> f64 {
        cost.min(self.bucket.maximum)
    }

    fn paused(&self, now: Instant) -> Option<Duration> {
        self.paused_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    fn can_send(&self, cost: f64, now: Instant) -> bool {
        self.paused(now).is_none() && self.free(now) >= self.need(cost)
    }

    fn head(&self) -> Option<u64> {
        self.lanes[0].front().or(self.lanes[1].front()).copied()
    }

    fn queued(&self) -> usize {
        self.lanes[0].len() + self.lanes[1].len()
    }

    /// How long until `points` more points are free, by the estimate: the
    /// refill of the deficit (requests in flight count as charged, as they are
    /// at Shopify), or the pause after a throttled answer if longer.
    fn wait_for_points(&self, points: f64, now: Instant) -> Duration {
        let estimate = self.bucket.estimate(now);
        let deficit = (points - self.free(now)).max(0.0);
        let refill = Duration::from_secs_f64(deficit / estimate.restore_rate);
        refill.max(self.paused(now).unwrap_or_default())
    }

    fn cost_of(&self, id: u64) -> f64 {
        self.reqs.get(&id).map_or(0.0, |r| self.need(r.cost))
    }

    /// The expected wait of a queued request: everything ahead of it goes first.
    fn queued_wait(&self, id: u64, now: Instant) -> Option<Duration> {
        let req = self.reqs.get(&id)?;
        if req.phase != Phase::Queued {
            return None;
        }
        let own = lane(req.urgency);
        let mut points = 0.0;
        for (l, ids) in self.lanes.iter().enumerate() {
            if l > own {
                break;
            }
            for other in ids {
                points += self.cost_of(*other);
                if *other == id {
                    break;
                }
            }
        }
        Some(self.wait_for_points(points, now))
    }

    fn send(&mut self, id: u64, now: Instant) {
        if let Some(req) = self.reqs.get_mut(&id) {
            req.phase = Phase::Sent;
            req.sent_at = Some(now);
            self.in_flight += req.cost;
            self.in_flight_count += 1;
            self.sent += 1;
        }
    }

    /// Sent → not sent: its points are no longer in flight.
    fn release(&mut self, id: u64) {
        if let Some(req) = self.reqs.get_mut(&id)
            && req.phase == Phase::Sent
        {
            req.phase = Phase::Idle;
            self.in_flight = (self.in_flight - req.cost).max(0.0);
            self.in_flight_count = self.in_flight_count.saturating_sub(1);
            if self.in_flight_count == 0 {
                // No drift from floating-point sums.
                self.in_flight = 0.0;
            }
        }
    }

    fn unqueue(&mut self, id: u64) {
        for ids in &mut self.lanes {
            ids.retain(|other| *other != id);
        }
    }
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: Notify,
    /// The shop's domain, the metrics label.
    shop: String,
}

/// A shop's limiter. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    shared: Arc<Shared>,
}

/// What [`Request::admit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Sent now (the request is in flight).
    Now,
    /// Waiting in the queue; the estimated wait.
    Queued(Duration),
    /// Refused (speculative): nothing is sent; the estimated wait.
    Refused(Duration),
}

impl Limiter {
    /// A limiter for `shop`, assuming a full bucket of `size` until told otherwise.
    pub(crate) fn new(shop: &str, size: BucketSize) -> Self {
        Limiter {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    bucket: Bucket::assumed(size, Instant::now()),
                    in_flight: 0.0,
                    in_flight_count: 0,
                    lanes: Default::default(),
                    reqs: HashMap::new(),
                    next_id: 1,
                    paused_until: None,
                    latency: None,
                    sent: 0,
                    throttled: 0,
                    speculative_dropped: 0,
                }),
                changed: Notify::new(),
                shop: shop.to_string(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A request of `cost` points, not yet admitted.
    pub(crate) fn request(&self, cost: f64, urgency: Urgency) -> Request {
        let mut s = self.lock();
        let id = s.next_id;
        s.next_id += 1;
        s.reqs.insert(
            id,
            Req {
                cost: if cost.is_finite() { cost.max(0.0) } else { 0.0 },
                urgency,
                since: None,
                sent_at: None,
                phase: Phase::Idle,
            },
        );
        Request {
            limiter: self.clone(),
            id,
        }
    }

    /// A snapshot of the limiter.
    pub(crate) fn stats(&self) -> LimiterStats {
        let s = self.lock();
        let estimate = s.bucket.estimate(Instant::now());
        LimiterStats {
            queued_caller_waiting: s.lanes[0].len(),
            queued_speculative: s.lanes[1].len(),
            in_flight: s.in_flight_count,
            in_flight_cost: s.in_flight,
            estimated_available: estimate.available,
            maximum_available: estimate.maximum,
            restore_rate: estimate.restore_rate,
            sent: s.sent,
            throttled: s.throttled,
            speculative_dropped: s.speculative_dropped,
        }
    }

    /// The estimated wait of request `id` if it is queued; `None` when it is in
    /// flight, answered or unknown.
    pub(crate) fn queued_wait(&self, id: u64) -> Option<Duration> {
        self.lock().queued_wait(id, Instant::now())
    }

    /// How long an answer takes, on average (zero before the first).
    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency.unwrap_or_default()
    }

    /// A caller now waits for request `id`: it gets the caller-waiting priority,
    /// queued by when it was first admitted.
    pub(crate) fn promote(&self, id: u64) {
        let mut s = self.lock();
        let Some(req) = s.reqs.get_mut(&id) else {
            return;
        };
        if req.urgency == Urgency::CallerWaiting {
            return;
        }
        req.urgency = Urgency::CallerWaiting;
        let (since, queued) = (req.since, req.phase == Phase::Queued);
        if queued {
            s.unqueue(id);
            let at = s.lanes[0]
                .iter()
                .position(|other| s.reqs.get(other).and_then(|r| r.since) > since)
                .unwrap_or(s.lanes[0].len());
            s.lanes[0].insert(at, id);
            self.publish_queue(&s);
            self.shared.changed.notify_waiters();
        }
    }

    fn publish_queue(&self, s: &State) {
        metrics::gauge!("lumitalk_shopify_queue_length", "shop" => self.shared.shop.clone())
            .set(s.queued() as f64);
    }

    fn record_wait(&self, urgency: Urgency, waited: Duration) {
        metrics::histogram!(
            "lumitalk_shopify_queue_wait_seconds",
            "shop" => self.shared.shop.clone(),
            "urgency" => urgency.as_str()
        )
        .record(waited.as_secs_f64());
    }
}

/// One request's place in the limiter, from admission to answer. Dropping it
/// gives its place up (a queued request leaves the queue; one in flight no
/// longer counts as in flight).
#[derive(Debug)]
pub(crate) struct Request {
    limiter: Limiter,
    id: u64,
}

impl Request {
    /// Its id (for [`Limiter::promote`] and [`Limiter::queued_wait`]).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Sends it now, queues it, or (speculative) refuses it.
    pub(crate) fn admit(&mut self) -> Admission {
        let l = &self.limiter;
        let mut s = l.lock();
        let now = Instant::now();
        let Some(req) = s.reqs.get_mut(&self.id) else {
            return Admission::Refused(Duration::ZERO);
        };
        if req.phase != Phase::Idle {
            return Admission::Now;
        }
        req.since = Some(now);
        let (cost, urgency) = (req.cost, req.urgency);
        let ahead = match urgency {
            Urgency::CallerWaiting => !s.lanes[0].is_empty(),
            Urgency::Speculative => s.queued() > 0,
        };
        if !ahead && s.can_send(cost, now) {
            s.send(self.id, now);
            l.record_wait(urgency, Duration::ZERO);
            return Admission::Now;
        }
        match urgency {
            Urgency::Speculative => {
                s.speculative_dropped += 1;
                let queued: f64 = s.lanes.iter().flatten().map(|id| s.cost_of(*id)).sum();
                let wait = s.wait_for_points(queued + s.need(cost), now);
                s.reqs.remove(&self.id);
                drop(s);
                metrics::counter!(
                    "lumitalk_shopify_speculative_dropped_total",
                    "shop" => l.shared.shop.clone()
                )
                .increment(1);
                Admission::Refused(wait)
            }
            Urgency::CallerWaiting => {
                s.lanes[0].push_back(self.id);
                if let Some(req) = s.reqs.get_mut(&self.id) {
                    req.phase = Phase::Queued;
                }
                l.publish_queue(&s);
                let wait = s.queued_wait(self.id, now).unwrap_or_default();
                Admission::Queued(wait)
            }
        }
    }

    /// Waits until it is its turn and the estimate covers it; then it is in flight.
    /// Returns at once for a request that is not queued.
    pub(crate) async fn ready(&mut self) {
        let l = self.limiter.clone();
        loop {
            let mut notified = std::pin::pin!(l.shared.changed.notified());
            notified.as_mut().enable();
            let sleep = {
                let mut s = l.lock();
                let now = Instant::now();
                let Some(req) = s.reqs.get(&self.id) else {
                    return;
                };
                if req.phase != Phase::Queued {
                    return;
                }
                let (cost, urgency, since) = (req.cost, req.urgency, req.since);
                if s.head() == Some(self.id) {
                    if s.can_send(cost, now) {
                        s.unqueue(self.id);
                        s.send(self.id, now);
                        l.publish_queue(&s);
                        l.record_wait(urgency, since.map_or(Duration::ZERO, |t| now - t));
                        // The next in line may fit too.
                        l.shared.changed.notify_waiters();
                        return;
                    }
                    let need = s.need(cost);
                    Some(s.wait_for_points(need, now).max(Duration::from_millis(1)))
                } else {
                    None
                }
            };
            match sleep {
                // Woken early by any change (an answer, a grant, a departure).
                Some(d) => {
                    let _ = tokio::time::timeout(d, notified).await;
                }
                None => notified.await,
            }
        }
    }

    /// The answer came (any answer but a throttled one): Shopify's report updates
    /// the estimate, and its points are no longer in flight. `pause` holds every
    /// request back that long (an HTTP 429's `Retry-After`).
    pub(crate) fn answered(
        &mut self,
        cost: Option<&QueryCost>,
        took: Duration,
        pause: Option<Duration>,
    ) {
        let l = &self.limiter;
        let mut s = l.lock();
        let now = Instant::now();
        let sent = s.reqs.get(&self.id).and_then(|r| r.sent_at).unwrap_or(now);
        if let Some(cost) = cost {
            s.bucket.observe(cost, sent, now);
        }
        if let Some(pause) = pause {
            s.paused_until = Some(now + pause);
        }
        s.release(self.id);
        s.latency = Some(match s.latency {
            None => took,
            Some(avg) => avg.mul_f64(0.8) + took.mul_f64(0.2),
        });
        l.shared.changed.notify_waiters();
    }

    /// A throttled answer: the estimate is corrected from Shopify's report, and
    /// the request goes back to the front of its priority's queue. `retry_after`
    /// is how long to hold back when the report says nothing usable (default 1 s).
    pub(crate) fn throttled(&mut self, cost: Option<&QueryCost>, retry_after: Option<Duration>) {
        let l = &self.limiter;
        let mut s = l.lock();
        let now = Instant::now();
        s.throttled += 1;
        let sent = s.reqs.get(&self.id).and_then(|r| r.sent_at).unwrap_or(now);
        s.release(self.id);
        let reported = cost.is_some_and(|c| s.bucket.observe(c, sent, now));
        // Shopify's own requested cost, if it counts higher than we do.
        let requested = cost.and_then(|c| c.requested_query_cost);
        let Some(req) = s.reqs.get_mut(&self.id) else {
            return;
        };
        if let Some(r) = requested.filter(|r| r.is_finite() && *r > req.cost) {
            req.cost = r;
        }
        req.phase = Phase::Queued;
        let (cost_now, urgency) = (req.cost, req.urgency);
        s.lanes[lane(urgency)].push_front(self.id);
        if !reported || s.can_send(cost_now, now) {
            // Nothing usable reported, or the report says it would fit: someone
            // else uses the bucket; hold everything back a while.
            let pause = retry_after.unwrap_or(MIN_THROTTLE_PAUSE);
            s.paused_until = Some(now + pause.max(Duration::from_millis(100)));
        }
        l.publish_queue(&s);
        l.shared.changed.notify_waiters();
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        let l = &self.limiter;
        let mut s = l.lock();
        s.release(self.id);
        let was_queued = s
            .reqs
            .get(&self.id)
            .is_some_and(|r| r.phase == Phase::Queued);
        if was_queued {
            s.unqueue(self.id);
            l.publish_queue(&s);
        }
        s.reqs.remove(&self.id);
        l.shared.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ThrottleStatus;

    fn report(available: f64) -> QueryCost {
        QueryCost {
            requested_query_cost: Some(18.0),
            actual_query_cost: Some(10.0),
            throttle_status: Some(ThrottleStatus {
                maximum_available: 100.0,
                currently_available: available,
                restore_rate: 10.0,
            }),
        }
    }

    fn small() -> Limiter {
        Limiter::new(
            "acme.myshopify.com",
            BucketSize {
                maximum: 100.0,
                restore_rate: 10.0,
            },
        )
    }

    #[tokio::test(start_paused = true)]
    async fn the_estimate_refills_and_caps() {
        let now = Instant::now();
        let mut b = Bucket::assumed(BucketSize::STANDARD, now);
        assert_eq!(b.estimate(now).available, 2000.0);
        assert!(b.observe(&report(20.0), now, now));
        assert_eq!(b.estimate(now).maximum, 100.0);
        assert_eq!(b.estimate(now + Duration::from_secs(3)).available, 50.0);
        assert_eq!(b.estimate(now + Duration::from_secs(60)).available, 100.0);
        let nothing = QueryCost {
            requested_query_cost: None,
            actual_query_cost: None,
            throttle_status: None,
        };
        assert!(!b.observe(&nothing, now, now));
        // A report about a request sent earlier than the one held is older news.
        let earlier = now - Duration::from_millis(1);
        assert!(b.observe(&report(90.0), earlier, now));
        assert_eq!(b.estimate(now).available, 20.0);
    }

    #[tokio::test(start_paused = true)]
    async fn never_sends_beyond_the_estimate() {
        let l = small();
        let mut a = l.request(60.0, Urgency::CallerWaiting);
        assert_eq!(a.admit(), Admission::Now);
        // 40 left with 60 in flight: the next 60 is expected to wait 2 s (20 points at 10/s).
        let mut b = l.request(60.0, Urgency::CallerWaiting);
        assert_eq!(b.admit(), Admission::Queued(Duration::from_secs(2)));
        assert_eq!(l.stats().in_flight_cost, 60.0);
        let waiter = tokio::spawn(async move {
            let started = Instant::now();
            b.ready().await;
            (started.elapsed(), b)
        });
        // Shopify's answer: 45 available after 0.5 s; 15 more take 1.5 s.
        tokio::time::sleep(Duration::from_millis(500)).await;
        a.answered(Some(&report(45.0)), Duration::from_millis(500), None);
        assert_eq!(l.stats().queued_caller_waiting, 1, "45 < 60: still waiting");
        let (waited, mut b) = waiter.await.unwrap();
        assert_eq!(waited, Duration::from_secs(2));
        let stats = l.stats();
        assert_eq!((stats.in_flight, stats.queued_caller_waiting), (1, 0));
        assert_eq!(stats.sent, 2);
        b.answered(Some(&report(30.0)), Duration::from_millis(150), None);
        assert_eq!(l.stats().in_flight, 0);
        assert_eq!(
            l.latency(),
            Duration::from_millis(500).mul_f64(0.8) + Duration::from_millis(30)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_wakes_the_queue() {
        let l = small();
        let mut a = l.request(90.0, Urgency::CallerWaiting);
        assert_eq!(a.admit(), Admission::Now);
        let mut b = l.request(50.0, Urgency::CallerWaiting);
        assert!(matches!(b.admit(), Admission::Queued(_)));
        let waiter = tokio::spawn(async move {
            let started = Instant::now();
            b.ready().await;
            started.elapsed()
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Shopify charged far less than requested: 95 are there at once.
        a.answered(Some(&report(95.0)), Duration::from_millis(100), None);
        let waited = waiter.await.unwrap();
        assert_eq!(waited, Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn caller_waiting_goes_first_and_fifo_within_a_priority() {
        let l = small();
        let mut hog = l.request(100.0, Urgency::CallerWaiting);
        assert_eq!(hog.admit(), Admission::Now);
        hog.answered(Some(&report(0.0)), Duration::ZERO, None);
        // A speculative request that was throttled waits in the low lane.
        let mut spec = l.request(20.0, Urgency::Speculative);
        {
            let mut s = l.lock();
            s.reqs.get_mut(&spec.id).unwrap().phase = Phase::Queued;
            s.lanes[1].push_back(spec.id);
        }
        let mut first = l.request(20.0, Urgency::CallerWaiting);
        let mut second = l.request(20.0, Urgency::CallerWaiting);
        assert!(matches!(first.admit(), Admission::Queued(_)));
        assert!(matches!(second.admit(), Admission::Queued(_)));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, mut r) in [("spec", spec), ("second", second), ("first", first)] {
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                r.ready().await;
                order.lock().unwrap().push((name, Instant::now()));
                r
            }));
        }
        let mut held = Vec::new();
        for t in tasks {
            held.push(t.await.unwrap());
        }
        let order = order.lock().unwrap();
        let names: Vec<&str> = order.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["first", "second", "spec"]);
        // Each one as soon as its 20 points were there: 2 s apart.
        assert_eq!(order[1].1 - order[0].1, Duration::from_secs(2));
        assert_eq!(order[2].1 - order[1].1, Duration::from_secs(2));
        drop(held);
        spec = l.request(1.0, Urgency::Speculative);
        assert_eq!(spec.admit(), Admission::Now);
    }

    #[tokio::test(start_paused = true)]
    async fn speculative_is_refused_when_short_or_when_a_caller_waits() {
        let l = small();
        let mut a = l.request(90.0, Urgency::CallerWaiting);
        assert_eq!(a.admit(), Admission::Now);
        let mut spec = l.request(20.0, Urgency::Speculative);
        // 10 free, 20 needed: 1 s.
        assert_eq!(spec.admit(), Admission::Refused(Duration::from_secs(1)));
        a.answered(Some(&report(100.0)), Duration::ZERO, None);
        // Plenty now, but a caller waits: still refused.
        let mut big = l.request(150.0, Urgency::CallerWaiting);
        let mut c = l.request(10.0, Urgency::CallerWaiting);
        assert_eq!(big.admit(), Admission::Now);
        assert!(matches!(c.admit(), Admission::Queued(_)));
        let mut spec = l.request(1.0, Urgency::Speculative);
        assert!(matches!(spec.admit(), Admission::Refused(_)));
        assert_eq!(l.stats().speculative_dropped, 2);
        assert_eq!(l.stats().sent, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_requests_go_back_to_the_front() {
        let l = small();
        let mut a = l.request(20.0, Urgency::CallerWaiting);
        assert_eq!(a.admit(), Admission::Now);
        let mut b = l.request(20.0, Urgency::CallerWaiting);
        // Someone else drained the bucket: Shopify says 5 are left.
        a.throttled(Some(&report(5.0)), None);
        assert!(matches!(b.admit(), Admission::Queued(_)));
        assert_eq!(l.stats().queued_caller_waiting, 2);
        assert_eq!(l.queued_wait(a.id()), Some(Duration::from_millis(1500)));
        let started = Instant::now();
        a.ready().await;
        assert_eq!(started.elapsed(), Duration::from_millis(1500));
        assert_eq!(l.stats().throttled, 1);
        // A report that contradicts the estimate pauses everything.
        a.throttled(Some(&report(100.0)), None);
        let started = Instant::now();
        a.ready().await;
        assert_eq!(started.elapsed(), MIN_THROTTLE_PAUSE);
    }

    #[tokio::test(start_paused = true)]
    async fn promotion_and_dropping() {
        let l = small();
        let mut hog = l.request(100.0, Urgency::CallerWaiting);
        assert_eq!(hog.admit(), Admission::Now);
        let mut spec = l.request(20.0, Urgency::Speculative);
        assert_eq!(spec.admit(), Admission::Refused(Duration::from_secs(2)));
        let mut spec = l.request(20.0, Urgency::Speculative);
        {
            let mut s = l.lock();
            let r = s.reqs.get_mut(&spec.id).unwrap();
            r.phase = Phase::Queued;
            r.since = Some(Instant::now());
            s.lanes[1].push_back(spec.id);
        }
        tokio::time::advance(Duration::from_millis(1)).await;
        let mut cw = l.request(20.0, Urgency::CallerWaiting);
        assert!(matches!(cw.admit(), Admission::Queued(_)));
        l.promote(spec.id);
        assert_eq!(l.stats().queued_caller_waiting, 2);
        {
            let s = l.lock();
            assert_eq!(s.lanes[0].front(), Some(&spec.id), "first admitted first");
        }
        drop(cw);
        assert_eq!(l.stats().queued_caller_waiting, 1);
        drop(hog);
        assert_eq!(l.stats().in_flight, 0);
        spec.ready().await;
        drop(spec);
        assert_eq!(l.stats().in_flight, 0);
    }
}
