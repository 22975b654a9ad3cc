//! Single-flight: one synthesis per key at a time, run in its own task, its
//! outcome handed to everyone waiting and (on success) cached.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, timeout_at};

use super::{CacheKey, Shared, SpeechCache};
use crate::error::{ProviderError, SpeechError};
use crate::provider::{Audio, AudioFormat, AudioStream, Speech, SpeechRequest};

/// Chunks buffered between a streaming synthesis and its first caller.
const STREAM_BUFFER: usize = 32;

/// The outcome of a synthesis, as seen by everyone waiting on it.
pub(super) type Outcome = Option<Result<Audio, SpeechError>>;

/// A cached answer, a synthesis to join, or a new one to run (and publish).
pub(super) enum Lookup {
    Hit(Audio),
    Join(watch::Receiver<Outcome>),
    Lead(watch::Sender<Outcome>, watch::Receiver<Outcome>),
}

/// Where a streaming synthesis sends its first caller's chunks.
pub(super) struct Forward {
    chunks: mpsc::Sender<Result<Bytes, SpeechError>>,
    started: Option<oneshot::Sender<Result<(), SpeechError>>>,
}

/// Tells whether the stream started (and with what error if not).
pub(super) type Started = oneshot::Receiver<Result<(), SpeechError>>;

impl Forward {
    /// A forward, the stream its chunks come out of, and the start signal.
    pub(super) fn new(format: AudioFormat) -> (Forward, AudioStream, Started) {
        let (chunks, stream) = AudioStream::channel(format, STREAM_BUFFER);
        let (started, started_rx) = oneshot::channel();
        let forward = Forward {
            chunks,
            started: Some(started),
        };
        (forward, stream, started_rx)
    }

    fn start(&mut self, result: Result<(), SpeechError>) {
        if let Some(started) = self.started.take() {
            let _ = started.send(result);
        }
    }
}

/// Leaves the in-flight table even if the inner provider panics, so the key can
/// be tried again.
struct FlightGuard {
    shared: Arc<Shared>,
    key: Option<CacheKey>,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.lock().in_flight.remove(&key);
        }
    }
}

impl<S: Speech> SpeechCache<S> {
    /// Returns a cached answer, a synthesis to join, or (after registering it) a
    /// new one to lead.
    pub(super) fn lookup(&self, key: &CacheKey) -> Lookup {
        let mut state = self.shared.lock();
        if let Some(audio) = state.entries.get(key) {
            state.stats.hits += 1;
            return Lookup::Hit(audio);
        }
        if let Some(rx) = state.in_flight.get(key) {
            let rx = rx.clone();
            state.stats.coalesced += 1;
            return Lookup::Join(rx);
        }
        state.stats.misses += 1;
        let (tx, rx) = watch::channel(None);
        state.in_flight.insert(key.clone(), rx.clone());
        Lookup::Lead(tx, rx)
    }

    /// Runs one synthesis in its own task, within the flight timeout, and
    /// publishes the outcome.
    pub(super) fn fly(
        &self,
        key: CacheKey,
        request: SpeechRequest,
        tx: watch::Sender<Outcome>,
        forward: Option<Forward>,
    ) {
        let inner = Arc::clone(&self.inner);
        let shared = Arc::clone(&self.shared);
        let after = self.flight_timeout;
        tokio::spawn(async move {
            let mut guard = FlightGuard {
                shared: Arc::clone(&shared),
                key: Some(key),
            };
            let deadline = Instant::now() + after;
            let result = match forward {
                None => match timeout_at(deadline, inner.synthesize(&request)).await {
                    Ok(result) => result,
                    Err(_) => Err(SpeechError::timeout(inner.name(), after)),
                },
                Some(mut forward) => tee(&*inner, &request, &mut forward, deadline, after).await,
            };
            if let Some(key) = guard.key.take() {
                let mut state = shared.lock();
                state.in_flight.remove(&key);
                match &result {
                    Ok(audio) if audio.format == request.format && !audio.bytes.is_empty() => {
                        let evicted = state.entries.insert(key, audio.clone());
                        state.stats.evictions += evicted;
                    }
                    Ok(_) => {}
                    Err(_) => state.stats.failures += 1,
                }
            }
            tx.send_replace(Some(result));
        });
    }

    /// The outcome of the synthesis behind `rx`.
    pub(super) async fn wait(
        &self,
        mut rx: watch::Receiver<Outcome>,
    ) -> Result<Audio, SpeechError> {
        match rx.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_else(|| Err(self.lost())),
            Err(_) => Err(self.lost()),
        }
    }

    /// The synthesis task ended without a result (its provider panicked).
    pub(super) fn lost(&self) -> SpeechError {
        SpeechError::Unavailable {
            provider: self.inner.name(),
            message: "the shared synthesis ended without a result".into(),
        }
    }
}

/// Streams from `inner` to the first caller while collecting the whole audio, all
/// before `deadline`. A caller who stops listening does not stop the download: the
/// audio is still cached. A caller still listening gets any error as the stream's
/// last item.
async fn tee<S: Speech + ?Sized>(
    inner: &S,
    request: &SpeechRequest,
    forward: &mut Forward,
    deadline: Instant,
    after: std::time::Duration,
) -> Result<Audio, SpeechError> {
    let late = || SpeechError::timeout(inner.name(), after);
    let started = timeout_at(deadline, inner.synthesize_stream(request)).await;
    let mut stream = match started.unwrap_or_else(|_| Err(late())) {
        Ok(stream) => {
            forward.start(Ok(()));
            stream
        }
        Err(e) => {
            forward.start(Err(e.clone()));
            return Err(e);
        }
    };
    let mut listening = true;
    let mut audio = BytesMut::new();
    loop {
        let chunk = match timeout_at(deadline, stream.next_chunk()).await {
            Ok(None) => break,
            Ok(Some(chunk)) => chunk,
            Err(_) => Err(late()),
        };
        match chunk {
            Ok(bytes) => {
                audio.extend_from_slice(&bytes);
                // A caller who stops reading (or stalls past the deadline) is let go.
                if listening {
                    let sent = timeout_at(deadline, forward.chunks.send(Ok(bytes))).await;
                    listening = matches!(sent, Ok(Ok(())));
                }
            }
            Err(e) => {
                if listening {
                    let _ = timeout_at(deadline, forward.chunks.send(Err(e.clone()))).await;
                }
                return Err(e);
            }
        }
    }
    Ok(Audio {
        bytes: audio.freeze(),
        format: stream.format(),
    })
}
