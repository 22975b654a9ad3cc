//! Speech for personal text streams to the carrier: the webhook answers with
//! `<Play>` as soon as the first chunk of audio exists, and `GET /audio/{id}`
//! follows the synthesis until its last byte. Start-up never waits on speech.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// An MP3 frame header, then a marker.
const FIRST: &[u8] = b"\xff\xf3\x44\xc4first|";
const REST: [&[u8]; 2] = [b"second|", b"third"];
/// What the whole-audio endpoint (fixed prompts) answers.
const WHOLE: &[u8] = b"\xff\xf3\x44\xc4whole";

/// A stand-in for ElevenLabs over raw HTTP/1.1: `/stream` requests get the first
/// chunk at once and the rest only after `release`; others get `WHOLE`.
struct SlowTts {
    url: String,
    release: watch::Sender<bool>,
    streams_started: Arc<AtomicUsize>,
    streams_finished: Arc<AtomicUsize>,
}

impl SlowTts {
    async fn start() -> SlowTts {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (release, released) = watch::channel(false);
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let (s, f) = (started.clone(), finished.clone());
        tokio::spawn(async move {
            loop {
                let (sock, _) = listener.accept().await.unwrap();
                let (mut released, s, f) = (released.clone(), s.clone(), f.clone());
                tokio::spawn(async move {
                    let _ = answer(sock, &mut released, &s, &f).await;
                });
            }
        });
        SlowTts {
            url,
            release,
            streams_started: started,
            streams_finished: finished,
        }
    }
}

async fn answer(
    mut sock: TcpStream,
    released: &mut watch::Receiver<bool>,
    started: &AtomicUsize,
    finished: &AtomicUsize,
) -> std::io::Result<()> {
    let head = read_request(&mut sock).await?;
    let line = head.lines().next().unwrap_or("");
    if !line.contains("/stream?") {
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: audio/mpeg\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            WHOLE.len()
        );
        sock.write_all(reply.as_bytes()).await?;
        return sock.write_all(WHOLE).await;
    }
    started.fetch_add(1, Ordering::SeqCst);
    sock.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: audio/mpeg\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    )
    .await?;
    chunk(&mut sock, FIRST).await?;
    let _ = released.wait_for(|r| *r).await;
    for part in REST {
        chunk(&mut sock, part).await?;
    }
    sock.write_all(b"0\r\n\r\n").await?;
    sock.flush().await?;
    finished.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

async fn read_request(sock: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await? == 0 {
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
    sock.read_exact(&mut body).await?;
    Ok(head)
}

async fn chunk(sock: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    sock.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    sock.write_all(data).await?;
    sock.write_all(b"\r\n").await?;
    sock.flush().await
}

fn elevenlabs(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ELEVENLABS_API_KEY", "xi-test-key".into()),
        ("ELEVENLABS_VOICE_ID", "voice123".into()),
        ("ELEVENLABS_BASE_URL", url.into()),
    ]
}

/// Guards against a hang (a server that waits for the whole synthesis would
/// never answer here); never hit when streaming works.
const HANG_GUARD: Duration = Duration::from_secs(20);

#[tokio::test]
async fn personal_speech_is_played_before_synthesis_ends_and_served_whole() {
    let tts = SlowTts::start().await;
    let server = TestServer::start(&elevenlabs(&tts.url)).await;
    let call = "CA0000000000000000000000000000s7e1";
    let from = "+17145550142"; // caller ID matches order 1001: its status is personal
    let mut params = common::base_params(call, from);
    params.push(("StirVerstat".into(), "TN-Validation-Passed-A".into()));
    let (status, _) = server.post_signed("/twilio/voice", &params).await;
    assert_eq!(status, 200);
    let mut p = common::base_params(call, from);
    p.push(("Digits".into(), "1001".into()));
    let (status, twiml) =
        tokio::time::timeout(HANG_GUARD, server.post_signed("/twilio/gather", &p))
            .await
            .expect("the webhook answers without waiting for the whole synthesis");
    assert_eq!(status, 200);
    let played = common::texts(&twiml, "Play");
    assert!(!played.is_empty(), "the order status is played: {twiml}");
    assert!(
        tts.streams_started.load(Ordering::SeqCst) >= 1,
        "personal text is streamed"
    );
    assert_eq!(
        tts.streams_finished.load(Ordering::SeqCst),
        0,
        "<Play> came back while synthesis was still running"
    );

    // Fetch every played URL as Twilio would; streamed audio starts before the
    // synthesis ends.
    let mut fetches = Vec::new();
    for url in &played {
        let mut resp =
            tokio::time::timeout(HANG_GUARD, server.client.get(server.local(url)).send())
                .await
                .expect("headers before synthesis ends")
                .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "audio/mpeg");
        let first = tokio::time::timeout(HANG_GUARD, resp.chunk())
            .await
            .expect("the first chunk before synthesis ends")
            .unwrap()
            .unwrap();
        fetches.push((first, resp));
    }
    tts.release.send(true).unwrap();
    let mut streamed = 0;
    for (first, mut resp) in fetches {
        let mut body = first.to_vec();
        while let Some(c) = tokio::time::timeout(HANG_GUARD, resp.chunk())
            .await
            .unwrap()
            .unwrap()
        {
            body.extend_from_slice(&c);
        }
        if body != WHOLE {
            assert_eq!(
                body,
                [FIRST, REST[0], REST[1]].concat(),
                "all bytes, in order"
            );
            streamed += 1;
        }
    }
    assert!(streamed >= 1, "at least one prompt was streamed");

    // Complete now: fetched again, the audio is whole.
    let again = server
        .client
        .get(server.local(&played[played.len() - 1]))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let body = again.bytes().await.unwrap();
    assert!(body == WHOLE || body[..] == [FIRST, REST[0], REST[1]].concat()[..]);
}

#[tokio::test]
async fn start_up_does_not_wait_on_a_hanging_speech_provider() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            held.push(sock);
        }
    });
    let server = tokio::time::timeout(HANG_GUARD, TestServer::start(&elevenlabs(&url)))
        .await
        .expect("wiring does not pre-synthesize speech before the server listens");
    let health = server
        .client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
