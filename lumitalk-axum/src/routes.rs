//! The whole server as one router, with its layers: a body limit, a deadline
//! per request, and an access log that never writes personal data.
//!
//! When the public URL has a path prefix (`https://bot.example.com/lt`), the
//! TwiML URLs Twilio follows carry it, and most reverse proxies strip it before
//! forwarding; some pass it through. So every route answers both at `/` and
//! under the prefix, and the signed URL is rebuilt accordingly (see
//! [`lumitalk_twilio::public_url`]).

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use lumitalk_twilio::public_url::path_prefix;

use crate::service::AppState;

/// Largest request body accepted (carrier webhooks are ~1-2 KiB).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Longest any request may take; the carrier gives up at 15 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Which routes a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Routes {
    /// Everything.
    All,
    /// What the carrier and Shopify reach: carrier routes, audio, Shopify
    /// compliance, health.
    Public,
    /// What operators reach: admin API, metrics, health.
    Internal,
}

fn routes(shared: &AppState, which: Routes) -> Router<AppState> {
    let public = || {
        crate::carrier::router()
            .merge(crate::shopify::router())
            .merge(crate::health::router())
    };
    let internal = || crate::admin::router().merge(crate::metrics::router(shared));
    match which {
        Routes::All => public().merge(internal()),
        Routes::Public => public(),
        Routes::Internal => internal().merge(crate::health::router()),
    }
}

/// The routes of `which`, at `/` and under the public URL's path prefix, with
/// the server's layers.
pub(crate) fn serve<S>(shared: AppState, which: Routes) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let prefix = path_prefix(&shared.public_url).to_string();
    let app = if prefix.is_empty() || which == Routes::Internal {
        routes(&shared, which)
    } else if is_plain_path(&prefix) {
        routes(&shared, which).merge(Router::new().nest(&prefix, routes(&shared, which)))
    } else {
        tracing::warn!(
            "the public URL's path has characters the router cannot match; \
             routes answer only with the prefix stripped by the proxy"
        );
        routes(&shared, which)
    };
    let app = layered(app);
    let app = if shared.local_only {
        app.layer(middleware::from_fn(local_host_only))
    } else {
        app
    };
    app.with_state(shared)
}

/// Demo mode (unsigned webhooks): only requests addressed to this machine are
/// answered, so a web page elsewhere cannot reach the server through the
/// browser (DNS rebinding) and a tunnel in front of it gets nothing.
pub(crate) async fn local_host_only(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if is_local_host(host) {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "demo mode (no TWILIO_AUTH_TOKEN) answers only requests addressed to localhost",
        )
            .into_response()
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The server's layers around any router: access log, deadline, body limit.
pub fn layered<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(deadline))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Letters, digits, `-._~%` and `/`: nothing axum reads as a route pattern.
fn is_plain_path(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%/".contains(&b))
}

async fn deadline(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "request timed out").into_response(),
    }
}

/// Logs method, path (never the query, which may carry personal data), status
/// and latency: failures at WARN, the rest at DEBUG (metrics count every request;
/// a line per webhook at INFO would cost more CPU than the turn itself). Headers
/// and bodies are never logged. Path segments that are personal or a capability
/// are logged as their template: a caller's phone number, and audio ids (whoever
/// knows one can fetch the audio, which may hold order details).
async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let us = started.elapsed().as_micros() as u64;
    if status >= 400 {
        let path = path_template(uri.path());
        tracing::warn!(%method, %path, status, us, "request");
    } else if tracing::enabled!(tracing::Level::DEBUG) {
        let path = path_template(uri.path());
        tracing::debug!(%method, %path, status, us, "request");
    }
    resp
}

/// `path` with personal or secret segments replaced by their template (any
/// public path prefix kept).
fn path_template(path: &str) -> String {
    for (marker, template) in [
        ("/admin/callers/", "/admin/callers/{phone}"),
        ("/audio/", "/audio/{id}"),
    ] {
        if let Some(i) = path.find(marker) {
            return format!("{}{template}", &path[..i]);
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_and_capability_segments_are_logged_as_templates() {
        for (path, logged) in [
            ("/audio/0123456789abcdef0123456789abcdef", "/audio/{id}"),
            (
                "/lt/audio/0123456789abcdef0123456789abcdef",
                "/lt/audio/{id}",
            ),
            ("/admin/callers/+14155550123", "/admin/callers/{phone}"),
            ("/twilio/gather", "/twilio/gather"),
            ("/healthz", "/healthz"),
        ] {
            assert_eq!(path_template(path), logged);
        }
    }

    #[test]
    fn local_hosts() {
        for h in [
            "localhost",
            "localhost:3000",
            "127.0.0.1:3000",
            "127.1.2.3",
            "[::1]:3000",
            "LOCALHOST",
        ] {
            assert!(is_local_host(h), "{h}");
        }
        for h in [
            "",
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "10.0.0.1:3000",
            "[2001:db8::1]:80",
        ] {
            assert!(!is_local_host(h), "{h}");
        }
    }

    #[test]
    fn prefixes_the_router_can_nest() {
        assert!(is_plain_path("/lt"));
        assert!(is_plain_path("/a/b-c_d.e~%20"));
        assert!(!is_plain_path("/{x}"));
        assert!(!is_plain_path("/*rest"));
    }
}
