//! Tampering with a signed webhook: any change to body, secret or header fails.

use lumitalk_shopify::webhook::{WebhookError, sign, verify_hmac};
use proptest::prelude::*;
use secrecy::SecretString;

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

proptest! {
    #[test]
    fn signed_bodies_verify(body in proptest::collection::vec(any::<u8>(), 0..256), key in "\\PC{1,40}") {
        let s = secret(&key);
        prop_assert_eq!(verify_hmac(&body, &sign(&body, &s), &s), Ok(()));
    }

    #[test]
    fn any_body_change_fails(
        body in proptest::collection::vec(any::<u8>(), 1..256),
        idx in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let s = secret("app_secret");
        let header = sign(&body, &s);
        let mut tampered = body.clone();
        let i = idx.index(tampered.len());
        tampered[i] ^= flip;
        prop_assert_eq!(verify_hmac(&tampered, &header, &s), Err(WebhookError::InvalidSignature));
        let mut longer = body.clone();
        longer.push(b' ');
        prop_assert_eq!(verify_hmac(&longer, &header, &s), Err(WebhookError::InvalidSignature));
    }

    #[test]
    fn any_secret_change_fails(body in proptest::collection::vec(any::<u8>(), 0..128), a in "\\PC{1,20}", b in "\\PC{1,20}") {
        prop_assume!(a != b);
        let header = sign(&body, &secret(&a));
        prop_assert_eq!(verify_hmac(&body, &header, &secret(&b)), Err(WebhookError::InvalidSignature));
    }

    #[test]
    fn any_header_change_fails(
        body in proptest::collection::vec(any::<u8>(), 0..128),
        idx in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9+/=]",
    ) {
        let s = secret("app_secret");
        let header = sign(&body, &s);
        let i = idx.index(header.len());
        let mut tampered: Vec<char> = header.chars().collect();
        let r = replacement.chars().next().unwrap();
        prop_assume!(tampered[i] != r);
        tampered[i] = r;
        let tampered: String = tampered.into_iter().collect();
        prop_assert!(verify_hmac(&body, &tampered, &s).is_err());
    }
}
