//! What `ElevenLabsSpeech` sends and what it makes of the answers.

mod common;

use common::*;
use lumitalk_core::{AudioFormat, ErrorKind, Language, Speech};
use lumitalk_elevenlabs::MAX_AUDIO_BYTES;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The start of an MP3 frame (sync word, MPEG-1 layer III header).
const MP3: &[u8] = b"\xff\xfb\x90\x64";

fn audio_response(bytes: &'static [u8]) -> ResponseTemplate {
    // ElevenLabs labels every format audio/mpeg; the adapter must not care.
    ResponseTemplate::new(200)
        .insert_header("content-type", "audio/mpeg")
        .set_body_bytes(bytes)
}

#[tokio::test]
async fn full_request_carries_voice_format_key_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/text-to-speech/{VOICE}")))
        .and(query_param("output_format", "mp3_44100_128"))
        .and(header("xi-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "text": "Your order shipped yesterday.",
            "model_id": "eleven_flash_v2_5",
            "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "style": 0.0,
                               "use_speaker_boost": true, "speed": 1.0},
            "language_code": "en"
        })))
        .respond_with(audio_response(b"ID3mp3-bytes"))
        .expect(1)
        .mount(&server)
        .await;

    let speech = speech(&server.uri());
    assert_eq!(speech.name(), "elevenlabs");
    let audio = speech
        .synthesize(&request(
            "Your order shipped yesterday.",
            AudioFormat::Mp3_44100_128,
        ))
        .await
        .unwrap();
    assert_eq!(&audio.bytes[..], b"ID3mp3-bytes");
    assert_eq!(audio.format, AudioFormat::Mp3_44100_128);
}

#[tokio::test]
async fn stream_request_uses_the_stream_path_and_requested_format() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/text-to-speech/{VOICE}/stream")))
        .and(query_param("output_format", "ulaw_8000"))
        .and(header("xi-api-key", KEY))
        .respond_with(audio_response(&[0xff; 480]))
        .expect(1)
        .mount(&server)
        .await;

    let stream = speech(&server.uri())
        .synthesize_stream(&request("Hello.", AudioFormat::Ulaw8000))
        .await
        .unwrap();
    assert_eq!(stream.format(), AudioFormat::Ulaw8000);
    let audio = stream.collect().await.unwrap();
    assert_eq!(audio.bytes.len(), 480);
    // Content type said audio/mpeg; the format is still the one requested.
    assert_eq!(audio.format, AudioFormat::Ulaw8000);
}

#[tokio::test]
async fn stream_yields_chunks_as_they_arrive() {
    let (listener, url) = raw_server().await;
    let (head_tx, head_rx) = oneshot::channel();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        head_tx.send(read_request(&mut sock).await).unwrap();
        sock.write_all(CHUNKED_OK).await.unwrap();
        write_chunk(&mut sock, b"first-").await;
        // The rest only goes out once the client has seen the first chunk.
        release_rx.await.unwrap();
        write_chunk(&mut sock, b"second-").await;
        write_chunk(&mut sock, b"third").await;
        sock.write_all(b"0\r\n\r\n").await.unwrap();
    });

    let mut stream = speech(&url)
        .synthesize_stream(&request("Hello there.", AudioFormat::Ulaw8000))
        .await
        .unwrap();
    let first = stream.next_chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b"first-");
    release_tx.send(()).unwrap();
    let rest = stream.collect().await.unwrap();
    assert_eq!(&rest.bytes[..], b"second-third");

    let head = head_rx.await.unwrap();
    assert!(
        head.starts_with(&format!(
            "POST /v1/text-to-speech/{VOICE}/stream?output_format=ulaw_8000 HTTP/1.1"
        )),
        "{head}"
    );
}

#[tokio::test]
async fn request_voice_overrides_the_default() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/text-to-speech/other-voice"))
        .respond_with(audio_response(MP3))
        .expect(1)
        .mount(&server)
        .await;
    let mut req = request("Hi.", AudioFormat::Mp3_22050_32);
    req.voice = Some("other-voice".into());
    speech(&server.uri()).synthesize(&req).await.unwrap();
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/proxy/elevenlabs/v1/text-to-speech/{VOICE}")))
        .respond_with(audio_response(MP3))
        .expect(1)
        .mount(&server)
        .await;
    speech(&format!("{}/proxy/elevenlabs/", server.uri()))
        .synthesize(&request("Hi.", AudioFormat::Mp3_22050_32))
        .await
        .unwrap();
}

#[tokio::test]
async fn language_code_is_left_out_for_models_that_reject_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(|r: &Request| {
            let body: serde_json::Value = r.body_json().unwrap();
            body["model_id"] == "eleven_multilingual_v2" && body.get("language_code").is_none()
        })
        .respond_with(audio_response(MP3))
        .expect(1)
        .mount(&server)
        .await;
    let speech = lumitalk_elevenlabs::ElevenLabsSpeech::new(
        builder(&server.uri())
            .model_id("eleven_multilingual_v2")
            .build()
            .unwrap(),
    )
    .unwrap();
    let mut req = request("Hola.", AudioFormat::Mp3_44100_128);
    req.language = Language::new("es-MX");
    speech.synthesize(&req).await.unwrap();
}

#[tokio::test]
async fn language_code_is_the_primary_subtag() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(|r: &Request| r.body_json::<serde_json::Value>().unwrap()["language_code"] == "pt")
        .respond_with(audio_response(MP3))
        .expect(1)
        .mount(&server)
        .await;
    let mut req = request("Olá.", AudioFormat::Mp3_44100_128);
    req.language = Language::new("pt-BR");
    speech(&server.uri()).synthesize(&req).await.unwrap();
}

#[tokio::test]
async fn long_text_is_split_at_sentences_and_the_audio_joined() {
    let server = MockServer::start().await;
    // Echo the text back as "audio" so the join order is visible.
    Mock::given(method("POST"))
        .respond_with(|r: &Request| {
            let body: serde_json::Value = r.body_json().unwrap();
            let text = body["text"].as_str().unwrap().to_owned();
            // Each part starts like MP3 (an ID3 tag), as real parts do.
            ResponseTemplate::new(200).set_body_bytes(format!("ID3[{text}]"))
        })
        .expect(6) // three parts, once whole and once streamed
        .mount(&server)
        .await;
    let speech = lumitalk_elevenlabs::ElevenLabsSpeech::new(
        builder(&server.uri())
            .max_chars_per_request(24)
            .build()
            .unwrap(),
    )
    .unwrap();
    let text = "Your order shipped. It arrives Friday. Anything else?";
    let audio = speech
        .synthesize(&request(text, AudioFormat::Mp3_44100_128))
        .await
        .unwrap();
    assert_eq!(
        &audio.bytes[..],
        b"ID3[Your order shipped.]ID3[It arrives Friday.]ID3[Anything else?]"
    );
    // The streaming path joins the same parts in order.
    let streamed = speech
        .synthesize_stream(&request(text, AudioFormat::Mp3_44100_128))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(streamed.bytes, audio.bytes);
}

#[tokio::test]
async fn empty_text_is_rejected_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(audio_response(MP3))
        .expect(0)
        .mount(&server)
        .await;
    let speech = speech(&server.uri());
    let e = speech
        .synthesize(&request("  \n ", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = speech
        .synthesize_stream(&request("", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn empty_audio_is_an_invalid_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let speech = speech(&server.uri());
    let e = speech
        .synthesize(&request("Hi.", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    let e = speech
        .synthesize_stream(&request("Hi.", AudioFormat::Ulaw8000))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
}

#[tokio::test]
async fn json_with_status_200_is_an_invalid_response_and_never_cached() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_bytes(&br#"{"data": 5"#[..]),
        )
        .expect(4)
        .mount(&server)
        .await;
    let speech = speech(&server.uri());
    for format in [AudioFormat::Mp3_22050_32, AudioFormat::Ulaw8000] {
        let e = speech
            .synthesize(&request("Hi.", format))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{format:?}");
    }
    let e = speech
        .synthesize_stream(&request("Hi.", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    assert!(
        !e.to_string().contains("data"),
        "the body is not quoted: {e}"
    );

    // Behind the cache: the failure is not cached, the next call asks again.
    let cached = speech.cached(1024 * 1024);
    assert!(
        cached
            .synthesize(&request("Hi.", AudioFormat::Mp3_22050_32))
            .await
            .is_err()
    );
    let s = cached.stats();
    assert_eq!((s.entries, s.bytes, s.failures), (0, 0, 1));
}

#[tokio::test]
async fn mp3_that_does_not_start_like_mp3_is_refused_whatever_its_label() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(audio_response(br#"{"data": 5"#))
        .mount(&server)
        .await;
    let cached = speech(&server.uri()).cached(1024 * 1024);
    let req = request("Thanks for calling.", AudioFormat::Mp3_44100_128);
    for _ in 0..2 {
        let e = cached.synthesize(&req).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    }
    let s = cached.stats();
    assert_eq!((s.misses, s.failures, s.entries), (2, 2, 0), "never cached");
    // Streaming: the refusal arrives as the stream's error, before any byte.
    let mut stream = cached.synthesize_stream(&req).await.unwrap();
    let first = stream.next_chunk().await.unwrap();
    assert_eq!(first.unwrap_err().kind(), ErrorKind::InvalidResponse);
    assert_eq!(cached.stats().entries, 0);
}

#[tokio::test]
async fn audio_over_the_size_limit_is_refused() {
    let server = MockServer::start().await;
    let huge: &'static [u8] = Box::leak(vec![0x7f_u8; MAX_AUDIO_BYTES + 1].into_boxed_slice());
    Mock::given(method("POST"))
        .respond_with(audio_response(huge))
        .mount(&server)
        .await;
    let speech = speech(&server.uri());
    let e = speech
        .synthesize(&request("Hi.", AudioFormat::Ulaw8000))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    let e = speech
        .synthesize_stream(&request("Hi.", AudioFormat::Ulaw8000))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
}
