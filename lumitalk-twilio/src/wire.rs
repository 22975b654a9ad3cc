//! serde types for Twilio's REST payloads (what comes back from the Calls API).

use serde::Deserialize;

/// The error body every Twilio REST error carries.
///
/// ```json
/// {"code": 21220, "message": "Call is not in-progress. Cannot redirect.",
///  "more_info": "https://www.twilio.com/docs/errors/21220", "status": 400}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TwilioErrorBody {
    /// Twilio's error code (`21220`, `20003`, ...).
    #[serde(default)]
    pub code: Option<u32>,
    /// Human-readable explanation.
    #[serde(default)]
    pub message: Option<String>,
    /// Link to the error's documentation.
    #[serde(default)]
    pub more_info: Option<String>,
    /// The HTTP status, repeated.
    #[serde(default)]
    pub status: Option<u16>,
}

/// The parts of a Call resource this crate reads; other fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CallResource {
    /// The call SID (`CA…`).
    pub sid: String,
    /// The call's status after the update (`in-progress`, `completed`, ...).
    #[serde(default)]
    pub status: Option<String>,
}
