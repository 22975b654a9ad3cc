//! axum integration (feature `axum`): validate and parse a Twilio webhook in a
//! handler.
//!
//! Behind a proxy the request's own `Host` and scheme are not what Twilio signed,
//! so the full URL is rebuilt from the configured public base URL
//! ([`TwilioConfig::public_url`](crate::TwilioConfig::public_url)) plus the
//! request's path and query as the app sees them (see [`crate::public_url`]: a
//! path prefix in the public URL is kept, whether the proxy strips it or passes
//! it through). Mount the routes at the paths configured in
//! [`Routes`](crate::Routes), relative to that public URL.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Router, routing::post, extract::State, response::IntoResponse};
//! use lumitalk_core::{Next, Reply, Telephony};
//! use lumitalk_twilio::{TwilioTelephony, extract::TwilioWebhook};
//!
//! async fn voice(
//!     State(twilio): State<Arc<TwilioTelephony>>,
//!     TwilioWebhook(event): TwilioWebhook,
//! ) -> impl IntoResponse {
//!     let reply = twilio.render(&Reply { prompts: vec![], next: Next::HangUp });
//!     ([("content-type", reply.content_type)], reply.body)
//! }
//!
//! # fn app(twilio: Arc<TwilioTelephony>) -> Router {
//! Router::new().route("/twilio/voice", post(voice)).with_state(twilio)
//! # }
//! ```

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use lumitalk_core::{CallEvent, InboundRequest, Telephony, WebhookError};
use url::Url;

use crate::TwilioTelephony;
use crate::public_url::signed_url_candidates;

/// The largest webhook body read (Twilio's are a few kilobytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Extracts a verified, parsed webhook; the state must provide an
/// `Arc<TwilioTelephony>` (via `FromRef`). Rejects with 403 on a missing or bad
/// signature and 400 on a malformed request.
#[derive(Debug, Clone, PartialEq)]
pub struct TwilioWebhook(pub CallEvent);

impl<S> FromRequest<S> for TwilioWebhook
where
    Arc<TwilioTelephony>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let telephony = Arc::<TwilioTelephony>::from_ref(state);
        verify_and_parse(&telephony, req).await.map(TwilioWebhook)
    }
}

/// Reads the body, rebuilds the public URL, verifies the signature and parses,
/// with the [`TwilioTelephony`]'s own public URL. See [`verify_and_parse_with`].
///
/// # Errors
/// [`WebhookRejection`] wrapping the [`WebhookError`].
pub async fn verify_and_parse(
    telephony: &TwilioTelephony,
    req: Request,
) -> Result<CallEvent, WebhookRejection> {
    verify_and_parse_with(telephony, telephony.config().public_url(), req).await
}

/// The one webhook intake: reads the body (at most [`MAX_BODY_BYTES`]),
/// rebuilds the URL the carrier signed from `public_url` + the request's path
/// and query, and lets `telephony` verify and parse it, trying each of
/// [`signed_url_candidates`] (a proxy that strips the public path prefix, or one
/// that passes it through) before refusing the signature.
///
/// Works with any [`Telephony`] whose webhooks are signed over the URL; inside
/// a router nested under a prefix, the path axum hands the handler has the
/// prefix removed, which is what the first candidate expects.
///
/// # Errors
/// [`WebhookRejection`] wrapping the [`WebhookError`].
pub async fn verify_and_parse_with(
    telephony: &dyn Telephony,
    public_url: &Url,
    req: Request,
) -> Result<CallEvent, WebhookRejection> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            WebhookRejection(WebhookError::Malformed(
                "body unreadable or too large".into(),
            ))
        })?;
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut candidates = signed_url_candidates(public_url, path_and_query).into_iter();
    let mut inbound = inbound_request(public_url, &parts, body).map_err(WebhookRejection)?;
    loop {
        match telephony.parse_webhook(&inbound) {
            Err(e) if e.is_auth_failure() => {
                // Try the next URL the request may have been signed with.
                match candidates.find(|u| *u != inbound.url) {
                    Some(url) => inbound.url = url,
                    None => return Err(WebhookRejection(e)),
                }
            }
            other => return other.map_err(WebhookRejection),
        }
    }
}

/// Core's [`InboundRequest`] for a request seen by axum, with its URL rebuilt
/// from `public_url` (prefix included) + the request's path and query: the first
/// of [`signed_url_candidates`].
///
/// # Errors
/// [`WebhookError::Malformed`] when the rebuilt URL does not parse.
pub fn inbound_request(
    public_url: &Url,
    parts: &Parts,
    body: Bytes,
) -> Result<InboundRequest, WebhookError> {
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let url = signed_url_candidates(public_url, path_and_query)
        .into_iter()
        .next()
        .ok_or_else(|| WebhookError::Malformed("request URL".into()))?;
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    Ok(InboundRequest {
        method: parts.method.as_str().to_string(),
        url,
        headers,
        body,
    })
}

/// A refused webhook: 403 for signature failures, 400 otherwise, with a short
/// plain-text reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRejection(pub WebhookError);

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let status = if self.0.is_auth_failure() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        (status, Body::from(self.0.to_string())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TwilioConfig, parse_form, sign};
    use lumitalk_core::CallEventKind;
    use secrecy::SecretString;

    const BODY: &str = "CallSid=CA1&From=%2B15005550006&To=%2B15005550001&SpeechResult=hi";

    fn state() -> Arc<TwilioTelephony> {
        let config = TwilioConfig::builder()
            .account_sid("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
            .auth_token(SecretString::from("12345"))
            .public_url("https://bot.example.com")
            .build()
            .unwrap();
        Arc::new(TwilioTelephony::new(config).unwrap())
    }

    fn request(signature: &str) -> Request {
        axum::http::Request::builder()
            .method("POST")
            // What the app sees behind the proxy: internal host, plain http.
            .uri("http://10.0.0.5:8080/twilio/gather?turn=2")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(Body::from(BODY))
            .unwrap()
    }

    #[tokio::test]
    async fn rebuilds_the_public_url_and_parses() {
        let sig = sign(
            "https://bot.example.com/twilio/gather?turn=2",
            &parse_form(BODY.as_bytes()),
            &SecretString::from("12345"),
        );
        let TwilioWebhook(event) = TwilioWebhook::from_request(request(&sig), &state())
            .await
            .unwrap();
        assert!(matches!(event.kind, CallEventKind::Input(_)));
    }

    #[tokio::test]
    async fn public_path_prefix_is_kept_whether_or_not_the_proxy_strips_it() {
        let config = TwilioConfig::builder()
            .auth_token(SecretString::from("12345"))
            .public_url("https://bot.example.com/lt")
            .build()
            .unwrap();
        let telephony = Arc::new(TwilioTelephony::new(config).unwrap());
        let sig = sign(
            "https://bot.example.com/lt/twilio/gather?turn=2",
            &parse_form(BODY.as_bytes()),
            &SecretString::from("12345"),
        );
        for seen in ["/twilio/gather?turn=2", "/lt/twilio/gather?turn=2"] {
            let req = axum::http::Request::builder()
                .method("POST")
                .uri(seen)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-twilio-signature", sig.as_str())
                .body(Body::from(BODY))
                .unwrap();
            let TwilioWebhook(event) = TwilioWebhook::from_request(req, &telephony)
                .await
                .unwrap_or_else(|e| panic!("{seen}: {e:?}"));
            assert!(matches!(event.kind, CallEventKind::Input(_)), "{seen}");
        }
    }

    #[tokio::test]
    async fn bad_signature_is_403_and_bad_request_is_400() {
        let rejection = TwilioWebhook::from_request(request("bm9wZQ=="), &state())
            .await
            .unwrap_err();
        assert_eq!(rejection.into_response().status(), StatusCode::FORBIDDEN);
        let r = WebhookRejection(WebhookError::MissingParameter("From"));
        assert_eq!(r.into_response().status(), StatusCode::BAD_REQUEST);
    }
}
