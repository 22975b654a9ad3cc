//! Turning reply text into audio.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub use crate::domain::Cacheability;
use crate::domain::Language;
use crate::error::SpeechError;

/// An audio encoding a speech provider can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AudioFormat {
    /// MP3, 44.1 kHz, 128 kbit/s: for the carrier's `<Play>`.
    Mp3_44100_128,
    /// MP3, 22.05 kHz, 32 kbit/s: small files for `<Play>`.
    Mp3_22050_32,
    /// Headerless G.711 μ-law, 8 kHz mono: for phone media streams.
    Ulaw8000,
    /// Headerless 16-bit little-endian PCM, 16 kHz mono.
    Pcm16000,
}

impl AudioFormat {
    /// The HTTP content type to serve this audio with.
    pub fn content_type(self) -> &'static str {
        match self {
            AudioFormat::Mp3_44100_128 | AudioFormat::Mp3_22050_32 => "audio/mpeg",
            AudioFormat::Ulaw8000 => "audio/basic",
            AudioFormat::Pcm16000 => "audio/L16;rate=16000",
        }
    }

    /// The `codec_samplerate[_bitrate]` name ElevenLabs and others use.
    pub fn as_str(self) -> &'static str {
        match self {
            AudioFormat::Mp3_44100_128 => "mp3_44100_128",
            AudioFormat::Mp3_22050_32 => "mp3_22050_32",
            AudioFormat::Ulaw8000 => "ulaw_8000",
            AudioFormat::Pcm16000 => "pcm_16000",
        }
    }
}

/// Synthesized audio and its encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct Audio {
    /// The encoded bytes.
    pub bytes: Bytes,
    /// Their encoding (the one requested; providers' content types are not trusted).
    pub format: AudioFormat,
}

impl fmt::Debug for Audio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Audio({:?}, {} bytes)", self.format, self.bytes.len())
    }
}

/// What to synthesize.
#[derive(Clone, PartialEq)]
pub struct SpeechRequest {
    /// The text to speak.
    pub text: String,
    /// The provider's voice id; `None` uses the provider's configured default.
    pub voice: Option<String>,
    /// Language of the text.
    pub language: Language,
    /// Wanted encoding.
    pub format: AudioFormat,
    /// Whether the result may be cached.
    pub cacheability: Cacheability,
}

impl fmt::Debug for SpeechRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: &dyn fmt::Debug = match self.cacheability {
            Cacheability::Shared => &self.text,
            Cacheability::Personal => &"<personal>",
        };
        f.debug_struct("SpeechRequest")
            .field("text", text)
            .field("voice", &self.voice)
            .field("language", &self.language)
            .field("format", &self.format)
            .field("cacheability", &self.cacheability)
            .finish()
    }
}

/// Audio arriving in chunks while synthesis runs.
#[derive(Debug)]
pub struct AudioStream {
    format: AudioFormat,
    /// Chunks put back with [`AudioStream::unread`], read before the channel.
    unread: VecDeque<Bytes>,
    chunks: Chunks,
}

#[derive(Debug)]
enum Chunks {
    Bounded(mpsc::Receiver<Result<Bytes, SpeechError>>),
    Unbounded(mpsc::UnboundedReceiver<Result<Bytes, SpeechError>>),
}

impl AudioStream {
    /// A stream and the sender that feeds it (`capacity` chunks buffered).
    pub fn channel(
        format: AudioFormat,
        capacity: usize,
    ) -> (mpsc::Sender<Result<Bytes, SpeechError>>, AudioStream) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (
            tx,
            AudioStream {
                format,
                unread: VecDeque::new(),
                chunks: Chunks::Bounded(rx),
            },
        )
    }

    /// A stream fed by a sender that never waits: for a producer that fans one
    /// synthesis out to several readers (the total is bounded by the audio's
    /// size, not by the channel).
    pub(crate) fn unbounded(
        format: AudioFormat,
    ) -> (
        mpsc::UnboundedSender<Result<Bytes, SpeechError>>,
        AudioStream,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            tx,
            AudioStream {
                format,
                unread: VecDeque::new(),
                chunks: Chunks::Unbounded(rx),
            },
        )
    }

    /// A stream of one complete audio buffer.
    pub fn from_audio(audio: Audio) -> Self {
        let (tx, stream) = AudioStream::channel(audio.format, 1);
        // Capacity 1 and a fresh channel: this cannot fail.
        let _ = tx.try_send(Ok(audio.bytes));
        stream
    }

    /// The encoding of the chunks.
    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// Puts `chunk` back at the front: the next read returns it first. For a
    /// consumer that waits for the first chunk (to know synthesis works) before
    /// handing the whole stream on.
    pub fn unread(&mut self, chunk: Bytes) {
        self.unread.push_front(chunk);
    }

    /// The next chunk; `None` when synthesis finished.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, SpeechError>> {
        std::future::poll_fn(|cx| self.poll_next_chunk(cx)).await
    }

    /// Polls for the next chunk (`Ready(None)` when synthesis finished). The
    /// stream is also a [`futures_core::Stream`], which is what HTTP response
    /// bodies are built from (`axum::body::Body::from_stream(stream)`).
    pub fn poll_next_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, SpeechError>>> {
        if let Some(chunk) = self.unread.pop_front() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        match &mut self.chunks {
            Chunks::Bounded(rx) => rx.poll_recv(cx),
            Chunks::Unbounded(rx) => rx.poll_recv(cx),
        }
    }

    /// Reads the whole stream into one buffer.
    pub async fn collect(mut self) -> Result<Audio, SpeechError> {
        let mut buf = Vec::new();
        while let Some(chunk) = self.next_chunk().await {
            buf.extend_from_slice(&chunk?);
        }
        Ok(Audio {
            bytes: Bytes::from(buf),
            format: self.format,
        })
    }
}

impl futures_core::Stream for AudioStream {
    type Item = Result<Bytes, SpeechError>;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_chunk(cx)
    }
}

/// Synthesizes speech.
///
/// # Contract
/// - The returned audio is in the requested `format`.
/// - Empty or whitespace-only text is an `InvalidRequest` error.
/// - Implementations that cache must only cache `Cacheability::Shared` requests.
///
/// # Errors
/// [`SpeechError`]; the assistant then speaks with the carrier's own voice.
#[async_trait]
pub trait Speech: Send + Sync + std::fmt::Debug + 'static {
    /// Short provider name for logs and metrics (`"elevenlabs"`).
    fn name(&self) -> &'static str;

    /// Synthesizes the whole text.
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError>;

    /// Synthesizes the text, yielding chunks as they arrive. The default
    /// implementation yields the result of [`Speech::synthesize`] as one chunk.
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError> {
        Ok(AudioStream::from_audio(self.synthesize(request).await?))
    }
}

crate::forward::forward_to_inner!(Speech for [Arc, Box] {
    fn name(&self) -> &'static str;
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError>;
    async fn synthesize_stream(&self, request: &SpeechRequest) -> Result<AudioStream, SpeechError>;
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unread_chunks_come_first_then_the_channel() {
        let (tx, mut stream) = AudioStream::channel(AudioFormat::Ulaw8000, 4);
        tx.send(Ok(Bytes::from_static(b"a"))).await.unwrap();
        tx.send(Ok(Bytes::from_static(b"b"))).await.unwrap();
        drop(tx);
        let first = stream.next_chunk().await.unwrap().unwrap();
        assert_eq!(&first[..], b"a");
        stream.unread(first);
        assert_eq!(&stream.collect().await.unwrap().bytes[..], b"ab");

        let (tx, mut stream) = AudioStream::unbounded(AudioFormat::Ulaw8000);
        tx.send(Ok(Bytes::from_static(b"x"))).unwrap();
        drop(tx);
        stream.unread(Bytes::from_static(b"0"));
        assert_eq!(&stream.collect().await.unwrap().bytes[..], b"0x");
    }
}
