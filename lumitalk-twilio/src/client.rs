//! REST call control: `POST {base}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`.
//!
//! One request per call, no retries here: retry and timeout policies are core's
//! wrappers. Every failure is classified by [`crate::error::classify`].
//!
//! [`CallUpdate`] is always here; `TwilioClient`, the HTTP part, needs the `rest`
//! feature (it lives in `client/http.rs`, the only module that uses reqwest).

use std::fmt;

#[cfg(feature = "rest")]
mod http;
#[cfg(feature = "rest")]
pub use http::TwilioClient;

/// What to do to a live call.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallUpdate {
    /// Fetch new TwiML from `url` (POST): form fields `Url`, `Method=POST`.
    Redirect {
        /// Absolute URL.
        url: String,
    },
    /// Run this TwiML now: form field `Twiml` (at most
    /// [`MAX_REST_TWIML_CHARS`](crate::MAX_REST_TWIML_CHARS) characters).
    Twiml(String),
    /// Hang up: form field `Status=completed`.
    Complete,
}

impl fmt::Debug for CallUpdate {
    // TwiML can hold order details; show its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallUpdate::Redirect { url } => write!(f, "Redirect({url})"),
            CallUpdate::Twiml(t) => write!(f, "Twiml({} chars)", t.chars().count()),
            CallUpdate::Complete => f.write_str("Complete"),
        }
    }
}

impl CallUpdate {
    /// The kind of update, for logs (no URL, no TwiML).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            CallUpdate::Redirect { .. } => "redirect",
            CallUpdate::Twiml(_) => "twiml",
            CallUpdate::Complete => "complete",
        }
    }

    #[cfg(feature = "rest")]
    fn form(&self) -> Vec<(&'static str, &str)> {
        match self {
            CallUpdate::Redirect { url } => vec![("Url", url.as_str()), ("Method", "POST")],
            CallUpdate::Twiml(t) => vec![("Twiml", t.as_str())],
            CallUpdate::Complete => vec![("Status", "completed")],
        }
    }
}
