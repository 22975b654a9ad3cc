//! How far the network vouches for a caller ID (SHAKEN/STIR).
//!
//! A caller ID costs nothing to forge on a SIP trunk. Under SHAKEN/STIR the
//! originating carrier signs the call with an attestation level: `A` (full)
//! means the carrier knows the customer and that they may use the number;
//! `B` (partial) and `C` (gateway) only say where the call entered the network.
//! Only full attestation, verified by the terminating carrier, says the caller
//! owns the number shown.

use serde::{Deserialize, Serialize};

/// The caller ID's attestation, as the terminating carrier verified it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Attestation {
    /// Verified full attestation (`A`): the originating carrier vouches that the
    /// caller may use the number. The only level that lets a caller ID verify.
    Full,
    /// Verified partial attestation (`B`): the carrier knows the customer, not
    /// that they own the number.
    Partial,
    /// Verified gateway attestation (`C`): only where the call entered the network.
    Gateway,
    /// A signature was present and failed verification: treat the caller ID as forged.
    Failed,
    /// No attestation (no signature, an unsigned network, or a carrier that
    /// reports none). The default.
    #[default]
    Unverified,
}

impl Attestation {
    /// Reads Twilio's `StirVerstat` parameter: `TN-Validation-Passed-A` is
    /// [`Full`](Self::Full), `-B` partial, `-C` gateway, any
    /// `TN-Validation-Failed…` failed; `No-TN-Validation`, an empty value or
    /// anything else is [`Unverified`](Self::Unverified).
    pub fn from_stir_verstat(value: &str) -> Attestation {
        let value = value.trim();
        if value.len() > 64 {
            return Attestation::Unverified;
        }
        let lower = value.to_ascii_lowercase();
        match lower.as_str() {
            "tn-validation-passed-a" => Attestation::Full,
            "tn-validation-passed-b" => Attestation::Partial,
            "tn-validation-passed-c" => Attestation::Gateway,
            other if other.starts_with("tn-validation-failed") => Attestation::Failed,
            _ => Attestation::Unverified,
        }
    }

    /// Whether the caller ID is proven to belong to the caller (full attestation).
    pub fn proves_ownership(self) -> bool {
        self == Attestation::Full
    }

    /// A short name for logs and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Attestation::Full => "full",
            Attestation::Partial => "partial",
            Attestation::Gateway => "gateway",
            Attestation::Failed => "failed",
            Attestation::Unverified => "unverified",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passed_a_proves_ownership() {
        let cases = [
            ("TN-Validation-Passed-A", Attestation::Full),
            ("tn-validation-passed-a ", Attestation::Full),
            ("TN-Validation-Passed-B", Attestation::Partial),
            ("TN-Validation-Passed-C", Attestation::Gateway),
            ("TN-Validation-Failed-A", Attestation::Failed),
            ("TN-Validation-Failed", Attestation::Failed),
            ("No-TN-Validation", Attestation::Unverified),
            ("", Attestation::Unverified),
            ("TN-Validation-Passed-A-and-more", Attestation::Unverified),
            ("Passed-A", Attestation::Unverified),
        ];
        for (value, want) in cases {
            let got = Attestation::from_stir_verstat(value);
            assert_eq!(got, want, "{value:?}");
            assert_eq!(got.proves_ownership(), want == Attestation::Full);
        }
    }
}
