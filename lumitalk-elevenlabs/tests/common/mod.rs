//! Shared helpers for the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use lumitalk_core::{AudioFormat, Cacheability, Language, SpeechRequest};
use lumitalk_elevenlabs::{ElevenLabsConfig, ElevenLabsConfigBuilder, ElevenLabsSpeech};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const KEY: &str = "xi-test-key-0123456789";
pub const VOICE: &str = "JBFqnCBsd6RMkjVDRZzb";

pub fn builder(base_url: &str) -> ElevenLabsConfigBuilder {
    ElevenLabsConfig::builder()
        .api_key(KEY)
        .voice_id(VOICE)
        .base_url(base_url)
}

pub fn speech(base_url: &str) -> ElevenLabsSpeech {
    ElevenLabsSpeech::new(builder(base_url).build().unwrap()).unwrap()
}

pub fn request(text: &str, format: AudioFormat) -> SpeechRequest {
    SpeechRequest {
        text: text.into(),
        voice: None,
        language: Language::en_us(),
        format,
        cacheability: Cacheability::Shared,
    }
}

/// Reads one HTTP/1.1 request (head and `content-length` body); returns the head.
pub async fn read_request(sock: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    sock.read_exact(&mut body).await.unwrap();
    head
}

/// Writes one chunk of a chunked body.
pub async fn write_chunk(sock: &mut TcpStream, data: &[u8]) {
    sock.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await
        .unwrap();
    sock.write_all(data).await.unwrap();
    sock.write_all(b"\r\n").await.unwrap();
    sock.flush().await.unwrap();
}

pub const CHUNKED_OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: audio/mpeg\r\ntransfer-encoding: chunked\r\n\r\n";

/// A listener on localhost and its base URL.
pub async fn raw_server() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// A short idle timeout for tests against a server that never answers.
pub const SHORT: Duration = Duration::from_millis(20);
