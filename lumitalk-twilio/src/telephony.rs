//! [`TwilioTelephony`]: core's [`Telephony`] for Twilio Programmable Voice.

use async_trait::async_trait;
use lumitalk_core::{
    CallEvent, CallEventKind, CallId, InboundRequest, RenderedReply, Reply, Telephony,
    TelephonyError, WebhookError,
};
use secrecy::SecretString;
use url::Url;

use crate::client::CallUpdate;
#[cfg(feature = "rest")]
use crate::client::TwilioClient;
use crate::config::{ConfigError, TwilioConfig};
use crate::error::PROVIDER;
use crate::signature::{SIGNATURE_HEADER, SignatureError, validate_signature};
use crate::twiml::{CONTENT_TYPE, TwimlRenderer};
use crate::webhook::{WebhookKind, infer_kind, parse_form, parse_params};

/// Twilio behind core's [`Telephony`] trait: signed webhooks in, TwiML out, and
/// live call control over REST (feature `rest`; without it `update_call`,
/// `redirect_call` and `hang_up` return [`TelephonyError::InvalidRequest`] naming
/// the feature).
///
/// `parse_webhook` checks `X-Twilio-Signature` against the configured auth token
/// and the request's full public URL ([`InboundRequest::url`], which the server
/// must rebuild from its public base URL, not from `Host`), then reads the form
/// parameters (the query string for `GET` webhooks). Which callback a request is
/// comes from its path (see [`crate::webhook`]).
#[derive(Debug, Clone)]
pub struct TwilioTelephony {
    config: TwilioConfig,
    renderer: TwimlRenderer,
    #[cfg(feature = "rest")]
    client: TwilioClient,
    /// `None` only when built by [`TwilioTelephony::without_signature_checks`].
    verify_with: Option<SecretString>,
}

impl TwilioTelephony {
    /// The adapter for `config`, verifying every webhook's signature.
    ///
    /// # Errors
    /// [`ConfigError`] when `config` has no auth token (Twilio signs webhooks with
    /// it, even when REST calls use an API key) or the HTTP client cannot be built
    /// (feature `rest`).
    pub fn new(config: TwilioConfig) -> Result<Self, ConfigError> {
        let Some(token) = config.auth_token.clone() else {
            return Err(crate::config::auth_token_needed());
        };
        Self::build(config, Some(token))
    }

    /// The adapter for `config` **accepting unsigned and forged webhooks**.
    ///
    /// Only for local demos and tests without a Twilio account (requests posted by
    /// hand or by a simulator). Anyone who can reach the server can then inject
    /// calls and caller input; never use it on a public address.
    ///
    /// # Errors
    /// [`ConfigError`] if the HTTP client cannot be built (feature `rest`).
    pub fn without_signature_checks(config: TwilioConfig) -> Result<Self, ConfigError> {
        Self::build(config, None)
    }

    fn build(config: TwilioConfig, verify_with: Option<SecretString>) -> Result<Self, ConfigError> {
        Ok(TwilioTelephony {
            #[cfg(feature = "rest")]
            client: TwilioClient::new(&config)?,
            renderer: TwimlRenderer::new(config.clone()),
            config,
            verify_with,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TwilioConfig {
        &self.config
    }

    /// The TwiML renderer.
    pub fn renderer(&self) -> &TwimlRenderer {
        &self.renderer
    }

    /// The REST client.
    #[cfg(feature = "rest")]
    pub fn client(&self) -> &TwilioClient {
        &self.client
    }

    /// Whether webhooks are verified (false only for
    /// [`without_signature_checks`](Self::without_signature_checks)).
    pub fn verifies_signatures(&self) -> bool {
        self.verify_with.is_some()
    }

    /// The callback a public URL path belongs to, by the configured routes (the
    /// path may carry the public base URL's own path prefix).
    pub fn webhook_kind(&self, path: &str) -> Option<WebhookKind> {
        let r = &self.config.routes;
        [
            (&r.gather, WebhookKind::Gather),
            (&r.dial, WebhookKind::Dial),
            (&r.status, WebhookKind::Status),
            (&r.voice, WebhookKind::Incoming),
        ]
        .into_iter()
        .find(|(route, _)| path == route.as_str() || path.ends_with(route.as_str()))
        .map(|(_, kind)| kind)
    }

    #[cfg(feature = "rest")]
    async fn update(&self, call: &CallId, update: CallUpdate) -> Result<(), TelephonyError> {
        self.client.update_call(call, &update).await.map(|_| ())
    }

    // The trait's call-control methods stay implemented without an HTTP client, so
    // a webhook-only build still has a `Telephony`; asking one to control a call
    // is a configuration mistake, reported as a permanent error.
    #[cfg(not(feature = "rest"))]
    async fn update(&self, _call: &CallId, update: CallUpdate) -> Result<(), TelephonyError> {
        Err(crate::error::rest_disabled(update.kind()))
    }
}

#[async_trait]
impl Telephony for TwilioTelephony {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn parse_webhook(&self, request: &InboundRequest) -> Result<CallEvent, WebhookError> {
        let is_get = request.method.eq_ignore_ascii_case("GET");
        if !is_get {
            let content_type = request.header("Content-Type").unwrap_or("");
            if !content_type.is_empty()
                && !content_type
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            {
                return Err(WebhookError::Malformed(
                    "voice webhooks are form-encoded".into(),
                ));
            }
        }
        // GET webhooks carry their parameters in the (signed) URL.
        let params = if is_get {
            parse_form(request.url.query().unwrap_or("").as_bytes())
        } else {
            parse_form(&request.body)
        };
        if let Some(token) = &self.verify_with {
            let header = request
                .header(SIGNATURE_HEADER)
                .ok_or(WebhookError::MissingSignature)?;
            let signed: &[(String, String)] = if is_get { &[] } else { &params };
            validate_signature(request.url.as_str(), signed, header, token).map_err(
                |e| match e {
                    SignatureError::Missing => WebhookError::MissingSignature,
                    _ => WebhookError::InvalidSignature,
                },
            )?;
        }
        let kind = self
            .webhook_kind(request.url.path())
            .unwrap_or_else(|| infer_kind(&params));
        let mut event = parse_params(kind, &params)?;
        if matches!(kind, WebhookKind::Gather | WebhookKind::Dial) {
            event.answers_turn = crate::twiml::turn_of(&request.url);
        }
        if kind == WebhookKind::Gather
            && event.kind == CallEventKind::NoInput
            && crate::twiml::is_resume(&request.url)
        {
            event.kind = CallEventKind::Resumed;
        }
        Ok(event)
    }

    fn render(&self, reply: &Reply) -> RenderedReply {
        RenderedReply {
            content_type: CONTENT_TYPE,
            body: self.renderer.render(reply),
        }
    }

    fn render_turn(&self, reply: &Reply, turn: u32) -> RenderedReply {
        RenderedReply {
            content_type: CONTENT_TYPE,
            body: self.renderer.render_turn(reply, turn),
        }
    }

    async fn update_call(&self, call: &CallId, reply: &Reply) -> Result<(), TelephonyError> {
        self.update(call, CallUpdate::Twiml(self.renderer.render(reply)))
            .await
    }

    async fn redirect_call(&self, call: &CallId, url: &Url) -> Result<(), TelephonyError> {
        self.update(
            call,
            CallUpdate::Redirect {
                url: url.to_string(),
            },
        )
        .await
    }

    async fn hang_up(&self, call: &CallId) -> Result<(), TelephonyError> {
        self.update(call, CallUpdate::Complete).await
    }
}

#[cfg(all(test, not(feature = "rest")))]
mod tests {
    use lumitalk_core::{ErrorKind, Next, Reply, Telephony};
    use secrecy::SecretString;

    use super::*;

    #[tokio::test]
    async fn call_control_without_rest_is_a_permanent_error_naming_the_feature() {
        let config = TwilioConfig::builder()
            .account_sid("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
            .auth_token(SecretString::from("12345"))
            .public_url("https://bot.example.com")
            .build()
            .unwrap();
        let twilio = TwilioTelephony::new(config).unwrap();
        let call = CallId::new("CA0123456789abcdef0123456789abcdef");
        let reply = Reply {
            prompts: vec![],
            next: Next::HangUp,
        };
        let url = Url::parse("https://bot.example.com/twilio/voice").unwrap();
        for result in [
            twilio.update_call(&call, &reply).await,
            twilio.redirect_call(&call, &url).await,
            twilio.hang_up(&call).await,
        ] {
            let e = result.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
            assert!(!e.is_retryable());
            assert!(e.to_string().contains("`rest` feature"), "{e}");
        }
    }
}
