//! [`TwilioClient`]: the Calls API over reqwest (feature `rest`).

use std::fmt;
use std::time::Duration;

use lumitalk_core::{CallId, TelephonyError};
use secrecy::ExposeSecret;

use super::CallUpdate;
use crate::config::{ConfigError, Credentials, TwilioConfig};
use crate::error::{self, PROVIDER};
use crate::twiml::MAX_REST_TWIML_CHARS;
use crate::wire::CallResource;

/// A small client for Twilio's Calls API. Cheap to clone.
#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    base: String,
    account_sid: Option<String>,
    credentials: Option<Credentials>,
    timeout: Duration,
}

impl fmt::Debug for TwilioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioClient")
            .field("base", &self.base)
            .field("account_sid", &self.account_sid)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl TwilioClient {
    /// A client for `config`'s account, credentials, base URL and timeout.
    ///
    /// # Errors
    /// [`ConfigError`] if the HTTP client cannot be created (TLS setup).
    pub fn new(config: &TwilioConfig) -> Result<Self, ConfigError> {
        let http = crate::config::http_client(config)?;
        Ok(TwilioClient {
            http,
            base: config.api_base.as_str().trim_end_matches('/').to_string(),
            account_sid: config.account_sid.clone(),
            credentials: config.credentials.clone(),
            timeout: config.request_timeout,
        })
    }

    /// Updates a live call.
    ///
    /// # Errors
    /// [`TelephonyError::InvalidRequest`] before sending for TwiML over
    /// [`MAX_REST_TWIML_CHARS`] characters or a call SID that is not alphanumeric;
    /// [`TelephonyError::Unauthorized`] naming `TWILIO_ACCOUNT_SID` and/or the
    /// credentials when they are not configured (webhook-only deployments);
    /// otherwise as classified by [`crate::error::classify`].
    ///
    /// Runs in a DEBUG `update_call` span (provider, call SID and the kind of
    /// update, never the TwiML or credentials); the answer's status, Twilio's
    /// request id and, on failure, the error's kind and delay hint are logged at
    /// DEBUG. Logging the failure at WARN is the caller's job.
    #[tracing::instrument(
        name = "update_call",
        level = "debug",
        skip_all,
        fields(provider = %PROVIDER, call_id = %call, update = %update.kind())
    )]
    pub async fn update_call(
        &self,
        call: &CallId,
        update: &CallUpdate,
    ) -> Result<CallResource, TelephonyError> {
        let sid = checked(call, update)?;
        let (account, credentials) = match (&self.account_sid, &self.credentials) {
            (Some(account), Some(credentials)) => (account, credentials),
            (account, credentials) => {
                let missing = [
                    account.is_none().then_some("TWILIO_ACCOUNT_SID"),
                    credentials.is_none().then_some(
                        "TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)",
                    ),
                ];
                let missing: Vec<&str> = missing.into_iter().flatten().collect();
                return Err(TelephonyError::Unauthorized {
                    provider: PROVIDER,
                    message: format!(
                        "call control needs {}; not configured",
                        missing.join(" and ")
                    ),
                });
            }
        };
        let (user, password) = match credentials {
            Credentials::AuthToken(token) => (account.as_str(), token.expose_secret()),
            Credentials::ApiKey { sid, secret } => (sid.as_str(), secret.expose_secret()),
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{account}/Calls/{sid}.json",
            self.base
        );
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(update.form())
            .finish();

        let response = self
            .http
            .post(url)
            .basic_auth(user, Some(password))
            .timeout(self.timeout)
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| debug_failure(error::from_transport(&e, self.timeout)))?;

        let status = response.status();
        let header = |name: &str| {
            let value = response.headers().get(name)?.to_str().ok()?;
            Some(value.to_owned())
        };
        let (retry_after, request_id) = (header("Retry-After"), header("Twilio-Request-Id"));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| debug_failure(error::from_transport(&e, self.timeout)))?;
        let answer = if status.is_success() {
            Ok(())
        } else {
            Err(error::classify(
                status.as_u16(),
                retry_after.as_deref(),
                &bytes,
            ))
        };
        debug_answer(status.as_u16(), request_id.as_deref(), answer)?;
        serde_json::from_slice::<CallResource>(&bytes).map_err(error::invalid_response)
    }
}

/// Refuses, before sending, TwiML the REST API would refuse and a call SID that
/// could change the URL's path; returns the SID.
fn checked<'a>(call: &'a CallId, update: &CallUpdate) -> Result<&'a str, TelephonyError> {
    if let CallUpdate::Twiml(t) = update {
        let n = t.chars().count();
        if n > MAX_REST_TWIML_CHARS {
            return Err(TelephonyError::InvalidRequest {
                provider: PROVIDER,
                message: format!(
                    "TwiML is {n} characters; the REST API accepts at most {MAX_REST_TWIML_CHARS} (error 32018)"
                ),
            });
        }
    }
    let sid = call.as_str();
    if sid.is_empty() || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(TelephonyError::InvalidRequest {
            provider: PROVIDER,
            message: "call SID must be alphanumeric".into(),
        });
    }
    Ok(sid)
}

/// Logs a failure before a full answer at DEBUG (its kind only: transport errors
/// can name the URL).
fn debug_failure(e: TelephonyError) -> TelephonyError {
    tracing::debug!(kind = %e.kind().as_str(), "call update failed before an answer");
    e
}

/// Logs an answer at DEBUG: status, Twilio's request id and, for an error, its
/// kind and delay hint (not its message).
fn debug_answer(
    status: u16,
    request_id: Option<&str>,
    answer: Result<(), TelephonyError>,
) -> Result<(), TelephonyError> {
    match &answer {
        Ok(()) => tracing::debug!(status, request_id, "call updated"),
        Err(e) => tracing::debug!(
            status,
            request_id,
            kind = %e.kind().as_str(),
            retry_after_ms = e.retry_after().map(|d| d.as_millis() as u64),
            "call update failed"
        ),
    }
    answer
}
