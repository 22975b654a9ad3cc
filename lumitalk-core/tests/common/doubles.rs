//! Provider test doubles: failing, hanging and recording implementations.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use lumitalk_core::{
    Audio, Cacheability, CallId, Classification, ClassifyContext, ClassifyError, ErrorKind, Intent,
    IntentClassifier, MerchantId, Order, OrderNumber, OrderSource, OrderSourceError, PhoneNumber,
    SessionSave, SessionStore, Speech, SpeechError, SpeechRequest, StoreError, StoredSession,
    Utterance,
};

#[derive(Debug)]
pub struct DownOrders;

#[async_trait]
impl OrderSource for DownOrders {
    fn name(&self) -> &'static str {
        "down-orders"
    }
    async fn order_by_number(
        &self,
        _: &MerchantId,
        _: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        Err(OrderSourceError::from_kind(
            ErrorKind::Unavailable,
            "down-orders",
            "502 Bad Gateway",
        ))
    }
    async fn recent_orders_by_phone(
        &self,
        _: &MerchantId,
        _: &PhoneNumber,
        _: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        Err(OrderSourceError::from_kind(
            ErrorKind::Unavailable,
            "down-orders",
            "502 Bad Gateway",
        ))
    }
}

#[derive(Debug)]
pub struct DownClassifier;

#[async_trait]
impl IntentClassifier for DownClassifier {
    fn name(&self) -> &'static str {
        "down-classifier"
    }
    async fn classify(
        &self,
        _: &Utterance,
        _: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        Err(ClassifyError::from_kind(
            ErrorKind::Unauthorized,
            "down-classifier",
            "insufficient_quota",
        ))
    }
}

/// Answers after an hour: only the turn deadline gets the caller an answer.
#[derive(Debug)]
pub struct HangingClassifier;

#[async_trait]
impl IntentClassifier for HangingClassifier {
    fn name(&self) -> &'static str {
        "hanging-classifier"
    }
    async fn classify(
        &self,
        _: &Utterance,
        _: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(Classification::new(
            Intent::Unknown,
            0.1,
            "hanging-classifier",
        ))
    }
}

#[derive(Debug)]
pub struct DownSpeech;

#[async_trait]
impl Speech for DownSpeech {
    fn name(&self) -> &'static str {
        "down-speech"
    }
    async fn synthesize(&self, _: &SpeechRequest) -> Result<Audio, SpeechError> {
        Err(SpeechError::from_kind(
            ErrorKind::Unavailable,
            "down-speech",
            "503",
        ))
    }
}

/// "Synthesizes" the text's bytes, and remembers what it was asked.
#[derive(Debug, Default)]
pub struct FakeSpeech {
    pub requests: Mutex<Vec<(String, Cacheability)>>,
}

impl FakeSpeech {
    pub fn times_asked(&self, text: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| t == text)
            .count()
    }
}

#[async_trait]
impl Speech for FakeSpeech {
    fn name(&self) -> &'static str {
        "fake-speech"
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Audio, SpeechError> {
        self.requests
            .lock()
            .unwrap()
            .push((r.text.clone(), r.cacheability));
        Ok(Audio {
            bytes: Bytes::from(r.text.clone().into_bytes()),
            format: r.format,
        })
    }
}

#[derive(Debug, Default)]
pub struct DownSessions {
    pub calls: AtomicUsize,
}

#[async_trait]
impl SessionStore for DownSessions {
    fn name(&self) -> &'static str {
        "down-sessions"
    }
    async fn load(&self, _: &CallId) -> Result<Option<StoredSession>, StoreError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Err(StoreError::from_kind(
            ErrorKind::Unavailable,
            "down-sessions",
            "connection refused",
        ))
    }
    async fn save(
        &self,
        _: &CallId,
        _: Bytes,
        _: Duration,
        _: Option<u64>,
    ) -> Result<SessionSave, StoreError> {
        Err(StoreError::from_kind(
            ErrorKind::Unavailable,
            "down-sessions",
            "connection refused",
        ))
    }
    async fn remove(&self, _: &CallId) -> Result<(), StoreError> {
        Err(StoreError::from_kind(
            ErrorKind::Unavailable,
            "down-sessions",
            "connection refused",
        ))
    }
    async fn len(&self) -> Result<usize, StoreError> {
        Err(StoreError::from_kind(
            ErrorKind::Unavailable,
            "down-sessions",
            "connection refused",
        ))
    }
}

/// Fails its first `failures` calls with a retryable error, then answers from
/// the fixture.
#[derive(Debug)]
pub struct FlakyOrders {
    pub failures: AtomicUsize,
    pub inner: lumitalk_core::memory::DemoOrderStore,
}

impl FlakyOrders {
    pub fn new(failures: usize) -> Self {
        FlakyOrders {
            failures: AtomicUsize::new(failures),
            inner: lumitalk_core::memory::DemoOrderStore::new(super::orders()),
        }
    }

    fn fail(&self) -> Result<(), OrderSourceError> {
        let left = self.failures.load(Ordering::Relaxed);
        if left == 0 {
            return Ok(());
        }
        self.failures.store(left - 1, Ordering::Relaxed);
        Err(OrderSourceError::from_kind(
            ErrorKind::Unavailable,
            "flaky-orders",
            "503 Service Unavailable",
        ))
    }
}

#[async_trait]
impl OrderSource for FlakyOrders {
    fn name(&self) -> &'static str {
        "flaky-orders"
    }
    async fn order_by_number(
        &self,
        m: &MerchantId,
        n: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        self.fail()?;
        self.inner.order_by_number(m, n).await
    }
    async fn recent_orders_by_phone(
        &self,
        m: &MerchantId,
        p: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        self.fail()?;
        self.inner.recent_orders_by_phone(m, p, limit).await
    }
}

/// The demo orders behind a queue: the first `queued` lookups a caller waits
/// for answer `RateLimited` (their turn at the order system has not come), and
/// speculative ones always do. Records the urgency of every lookup.
#[derive(Debug)]
pub struct QueuedOrders {
    queued: AtomicUsize,
    pub urgencies: Mutex<Vec<lumitalk_core::Urgency>>,
    inner: lumitalk_core::memory::DemoOrderStore,
}

impl QueuedOrders {
    pub fn new(queued: usize) -> Self {
        QueuedOrders {
            queued: AtomicUsize::new(queued),
            urgencies: Mutex::new(Vec::new()),
            inner: lumitalk_core::memory::DemoOrderStore::new(super::orders()),
        }
    }

    fn wait_turn(&self) -> Result<(), OrderSourceError> {
        let urgency = lumitalk_core::urgency();
        self.urgencies.lock().unwrap().push(urgency);
        let left = self.queued.load(Ordering::Relaxed);
        if urgency == lumitalk_core::Urgency::CallerWaiting && left == 0 {
            return Ok(());
        }
        if urgency == lumitalk_core::Urgency::CallerWaiting {
            self.queued.store(left - 1, Ordering::Relaxed);
        }
        Err(OrderSourceError::RateLimited {
            provider: "queued-orders",
            retry_after: Some(Duration::from_secs(5)),
            message: "queued behind the shop's rate limit".into(),
        })
    }
}

#[async_trait]
impl OrderSource for QueuedOrders {
    fn name(&self) -> &'static str {
        "queued-orders"
    }
    async fn order_by_number(
        &self,
        m: &MerchantId,
        n: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        self.wait_turn()?;
        self.inner.order_by_number(m, n).await
    }
    async fn recent_orders_by_phone(
        &self,
        m: &MerchantId,
        p: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        self.wait_turn()?;
        self.inner.recent_orders_by_phone(m, p, limit).await
    }
}
