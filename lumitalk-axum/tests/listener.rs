//! The hardened listener: a client that trickles its headers is cut off, the
//! connection limit holds the next client back, and requests are served.

use std::time::Duration;

use axum::{Router, routing::get};
use lumitalk_axum::{ListenerLimits, serve_with_limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start(limits: ListenerLimits) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = Router::new().route("/", get(|| async { "ok" }));
    tokio::spawn(serve_with_limits(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    addr
}

async fn get_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    let addr = start(ListenerLimits {
        header_read_timeout: Duration::from_millis(200),
        ..ListenerLimits::default()
    })
    .await;
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server closes the connection after the timeout"
    );

    // A client that sends its headers at once is served.
    let mut quick = TcpStream::connect(&addr).await.unwrap();
    assert!(get_on(&mut quick).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn the_connection_limit_holds_the_next_client_back() {
    let addr = start(ListenerLimits {
        max_connections: 1,
        ..ListenerLimits::default()
    })
    .await;
    let mut first = TcpStream::connect(&addr).await.unwrap();
    assert!(get_on(&mut first).await.starts_with("HTTP/1.1 200"));
    // The first connection stays open (keep-alive): the second waits.
    let mut second = TcpStream::connect(&addr).await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(300), get_on(&mut second)).await;
    assert!(waiting.is_err(), "no answer while the only slot is taken");
    drop(first);
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), second.read(&mut buf))
        .await
        .expect("served once the slot is free")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
}
