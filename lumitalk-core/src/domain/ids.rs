//! Identifiers: calls, merchants, stored audio.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier string.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
    };
}

string_id!(
    /// The carrier's identifier for one call (Twilio's `CallSid`).
    CallId
);
string_id!(
    /// A merchant (store) served by this deployment.
    MerchantId
);
string_id!(
    /// Synthesized audio held in an [`AudioStore`](crate::AudioStore). Ids are
    /// unguessable (128 random bits, hex), because the audio may hold personal data
    /// and is fetched by the carrier without credentials.
    AudioId
);

impl AudioId {
    /// A fresh random id from the operating system's CSPRNG.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        // getrandom only fails when the OS has no entropy source at all.
        getrandom::fill(&mut bytes).expect("operating system random source unavailable");
        let mut s = String::with_capacity(32);
        for b in bytes {
            s.push_str(&format!("{b:02x}"));
        }
        AudioId(s)
    }

    /// Whether `s` has the shape of an id made by [`AudioId::random`].
    pub fn is_well_formed(s: &str) -> bool {
        s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
    }
}
