//! Shopify's mandatory compliance webhooks: `customers/data_request`,
//! `customers/redact` and `shop/redact`.
//!
//! A server hands the raw body and three headers to
//! [`ComplianceRequest::from_webhook`], which first checks `X-Shopify-Hmac-Sha256`
//! (Base64 of HMAC-SHA256 over the raw body bytes, keyed with the app's client
//! secret, compared in constant time) and then parses the topic's payload. On
//! [`WebhookError::is_auth_failure`] the server must answer `401`; on success it
//! answers `200` and carries out the export or deletion within 30 days.
//!
//! After a secret rotation Shopify may sign with the old secret for up to an hour:
//! try [`verify_hmac`] with each secret in turn during that window.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use lumitalk_core::{PhoneNumber, Region};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

/// Header carrying the body signature.
pub const HMAC_HEADER: &str = "X-Shopify-Hmac-Sha256";
/// Header carrying the webhook topic, e.g. `customers/redact`.
pub const TOPIC_HEADER: &str = "X-Shopify-Topic";
/// Header carrying the shop's domain.
pub const SHOP_DOMAIN_HEADER: &str = "X-Shopify-Shop-Domain";

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `X-Shopify-Hmac-Sha256` header. Answer `401`.
    #[error("missing X-Shopify-Hmac-Sha256 header")]
    MissingSignature,
    /// The signature does not match the body and secret. Answer `401`.
    #[error("invalid X-Shopify-Hmac-Sha256 signature")]
    InvalidSignature,
    /// No `X-Shopify-Topic` header.
    #[error("missing X-Shopify-Topic header")]
    MissingTopic,
    /// A topic that is not one of the three compliance topics.
    #[error("not a compliance webhook topic: {0}")]
    UnknownTopic(String),
    /// A correctly signed body that is not the topic's payload. The message names
    /// the problem and its position, never the body's values.
    #[error("invalid compliance webhook payload: {0}")]
    InvalidPayload(String),
}

impl WebhookError {
    /// Whether the request failed authentication (the server answers `401`).
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            WebhookError::MissingSignature | WebhookError::InvalidSignature
        )
    }

    /// The HTTP status a server should answer with: `401` for authentication
    /// failures, `400` otherwise.
    pub fn http_status(&self) -> u16 {
        if self.is_auth_failure() { 401 } else { 400 }
    }
}

/// Checks `X-Shopify-Hmac-Sha256` against the raw body, in constant time.
///
/// `raw_body` must be the bytes exactly as received, before any JSON parsing.
///
/// # Errors
/// [`WebhookError::MissingSignature`] for an empty header,
/// [`WebhookError::InvalidSignature`] for anything that does not match.
///
/// # Example
/// ```
/// use lumitalk_shopify::webhook::verify_hmac;
/// use secrecy::SecretString;
///
/// let secret = SecretString::from("test_secret_key");
/// let body = br#"{"foo": "bar"}"#;
/// let header = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";
/// assert!(verify_hmac(body, header, &secret).is_ok());
/// assert!(verify_hmac(br#"{"foo":"bar"}"#, header, &secret).is_err());
/// ```
pub fn verify_hmac(
    raw_body: &[u8],
    header: &str,
    secret: &SecretString,
) -> Result<(), WebhookError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(WebhookError::MissingSignature);
    }
    let expected = STANDARD
        .decode(header)
        .map_err(|_| WebhookError::InvalidSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|_| WebhookError::InvalidSignature)?;
    mac.update(raw_body);
    // `verify_slice` compares in constant time (and rejects a wrong length).
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::InvalidSignature)
}

/// The signature Shopify would send for `raw_body` (for tests and local tools).
pub fn sign(raw_body: &[u8], secret: &SecretString) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(raw_body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A verified compliance webhook, ready to become an export or a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComplianceRequest {
    /// `customers/data_request`: send the store owner the customer's data.
    DataRequest(CustomerDataRequest),
    /// `customers/redact`: delete the customer's data.
    CustomerRedact(CustomerRedact),
    /// `shop/redact`: delete all of the shop's data (48 h after uninstall).
    ShopRedact(ShopRedact),
}

impl ComplianceRequest {
    /// Verifies the signature, then parses the topic's payload.
    ///
    /// `topic` and `hmac` are the `X-Shopify-Topic` and `X-Shopify-Hmac-Sha256`
    /// header values (`None` when absent); `region` reads the customer's phone,
    /// which Shopify sends free-form (`555-625-1199`).
    ///
    /// # Errors
    /// See [`WebhookError`]; the signature is checked before anything else.
    pub fn from_webhook(
        topic: Option<&str>,
        hmac: Option<&str>,
        raw_body: &[u8],
        secret: &SecretString,
        region: Region,
    ) -> Result<Self, WebhookError> {
        verify_hmac(
            raw_body,
            hmac.ok_or(WebhookError::MissingSignature)?,
            secret,
        )?;
        let topic = topic.map(str::trim).ok_or(WebhookError::MissingTopic)?;
        match topic {
            "customers/data_request" => {
                let p: DataRequestPayload = parse(raw_body)?;
                Ok(ComplianceRequest::DataRequest(CustomerDataRequest {
                    shop: ShopRef::new(p.shop_id, p.shop_domain),
                    customer: ComplianceCustomer::new(p.customer, region),
                    orders_requested: p.orders_requested,
                    data_request_id: p.data_request.map(|d| d.id),
                }))
            }
            "customers/redact" => {
                let p: RedactPayload = parse(raw_body)?;
                Ok(ComplianceRequest::CustomerRedact(CustomerRedact {
                    shop: ShopRef::new(p.shop_id, p.shop_domain),
                    customer: ComplianceCustomer::new(p.customer, region),
                    orders_to_redact: p.orders_to_redact,
                }))
            }
            "shop/redact" => {
                let p: ShopPayload = parse(raw_body)?;
                Ok(ComplianceRequest::ShopRedact(ShopRedact {
                    shop: ShopRef::new(p.shop_id, p.shop_domain),
                }))
            }
            "" => Err(WebhookError::MissingTopic),
            other => Err(WebhookError::UnknownTopic(other.chars().take(64).collect())),
        }
    }

    /// [`from_webhook`](Self::from_webhook) with the headers read from an
    /// `http::HeaderMap` (the type axum, hyper and reqwest share); header names
    /// are case-insensitive.
    ///
    /// # Errors
    /// As [`from_webhook`](Self::from_webhook); a signature header that is not
    /// visible ASCII is an invalid signature.
    pub fn from_headers(
        headers: &HeaderMap,
        raw_body: &[u8],
        secret: &SecretString,
        region: Region,
    ) -> Result<Self, WebhookError> {
        let hmac = match headers.get(HMAC_HEADER) {
            None => None,
            Some(v) => Some(v.to_str().map_err(|_| WebhookError::InvalidSignature)?),
        };
        let topic = headers.get(TOPIC_HEADER).and_then(|v| v.to_str().ok());
        Self::from_webhook(topic, hmac, raw_body, secret, region)
    }

    /// The topic this request came from.
    pub fn topic(&self) -> &'static str {
        match self {
            ComplianceRequest::DataRequest(_) => "customers/data_request",
            ComplianceRequest::CustomerRedact(_) => "customers/redact",
            ComplianceRequest::ShopRedact(_) => "shop/redact",
        }
    }

    /// The shop the request is about.
    pub fn shop(&self) -> &ShopRef {
        match self {
            ComplianceRequest::DataRequest(r) => &r.shop,
            ComplianceRequest::CustomerRedact(r) => &r.shop,
            ComplianceRequest::ShopRedact(r) => &r.shop,
        }
    }
}

/// The shop a compliance request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRef {
    /// Shopify's numeric shop id.
    pub id: u64,
    /// The shop's domain, e.g. `acme.myshopify.com`.
    pub domain: String,
}

impl ShopRef {
    fn new(id: u64, domain: String) -> Self {
        ShopRef { id, domain }
    }
}

/// The customer a compliance request is about. Personal data: `Debug` masks it.
#[derive(Clone, PartialEq, Eq)]
pub struct ComplianceCustomer {
    /// Shopify's numeric customer id (`gid://shopify/Customer/{id}`).
    pub id: Option<u64>,
    /// Email address, if Shopify sent one.
    pub email: Option<String>,
    /// Phone number, when Shopify sent one that parses. Call records are keyed by
    /// phone, so this is what an export or deletion looks for.
    pub phone: Option<PhoneNumber>,
    /// Whether Shopify sent a phone number that could not be parsed (the request
    /// then cannot be matched to call records by phone; handle it by hand).
    pub phone_unparsed: bool,
}

impl ComplianceCustomer {
    fn new(raw: Option<CustomerPayload>, region: Region) -> Self {
        let raw = raw.unwrap_or_default();
        let raw_phone = raw.phone.filter(|p| !p.trim().is_empty());
        let phone = raw_phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p, region).ok());
        ComplianceCustomer {
            id: raw.id,
            email: raw.email.filter(|e| !e.trim().is_empty()),
            phone_unparsed: raw_phone.is_some() && phone.is_none(),
            phone,
        }
    }

    /// The customer's Admin API id, `gid://shopify/Customer/{id}`.
    pub fn gid(&self) -> Option<String> {
        self.id.map(|id| format!("gid://shopify/Customer/{id}"))
    }
}

impl fmt::Debug for ComplianceCustomer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComplianceCustomer")
            .field("id", &self.id)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("phone", &self.phone)
            .field("phone_unparsed", &self.phone_unparsed)
            .finish()
    }
}

/// `customers/data_request`: the store owner asked for a customer's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDataRequest {
    /// The shop.
    pub shop: ShopRef,
    /// The customer.
    pub customer: ComplianceCustomer,
    /// Numeric ids of the orders the request covers.
    pub orders_requested: Vec<u64>,
    /// Shopify's id for this data request.
    pub data_request_id: Option<u64>,
}

/// `customers/redact`: delete a customer's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRedact {
    /// The shop.
    pub shop: ShopRef,
    /// The customer.
    pub customer: ComplianceCustomer,
    /// Numeric ids of the orders whose data must be deleted.
    pub orders_to_redact: Vec<u64>,
}

/// `shop/redact`: delete everything kept for a shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRedact {
    /// The shop.
    pub shop: ShopRef,
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde's message can quote the offending value: keep only its category
        // and position.
        let what = match e.classify() {
            serde_json::error::Category::Io => "unreadable body",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "unexpected field type or missing field",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        WebhookError::InvalidPayload(format!("{what} at line {} column {}", e.line(), e.column()))
    })
}

#[derive(Deserialize)]
struct ShopPayload {
    shop_id: u64,
    shop_domain: String,
}

#[derive(Deserialize)]
struct DataRequestPayload {
    shop_id: u64,
    shop_domain: String,
    #[serde(default)]
    orders_requested: Vec<u64>,
    #[serde(default)]
    customer: Option<CustomerPayload>,
    #[serde(default)]
    data_request: Option<DataRequestId>,
}

#[derive(Deserialize)]
struct RedactPayload {
    shop_id: u64,
    shop_domain: String,
    #[serde(default)]
    orders_to_redact: Vec<u64>,
    #[serde(default)]
    customer: Option<CustomerPayload>,
}

#[derive(Deserialize, Default)]
struct CustomerPayload {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize)]
struct DataRequestId {
    id: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_SECRET: &str = "test_secret_key";
    const VECTOR_BODY: &[u8] = br#"{"foo": "bar"}"#;
    const VECTOR_HMAC: &str = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn reference_vector_verifies() {
        assert_eq!(
            verify_hmac(VECTOR_BODY, VECTOR_HMAC, &secret(VECTOR_SECRET)),
            Ok(())
        );
        assert_eq!(sign(VECTOR_BODY, &secret(VECTOR_SECRET)), VECTOR_HMAC);
        // The space in the body matters: the HMAC is over raw bytes.
        assert_eq!(
            verify_hmac(br#"{"foo":"bar"}"#, VECTOR_HMAC, &secret(VECTOR_SECRET)),
            Err(WebhookError::InvalidSignature)
        );
    }

    #[test]
    fn bad_headers_are_auth_failures() {
        let s = secret(VECTOR_SECRET);
        for header in ["", "   "] {
            assert_eq!(
                verify_hmac(VECTOR_BODY, header, &s),
                Err(WebhookError::MissingSignature)
            );
        }
        for header in ["not base64!", "AAAA", &VECTOR_HMAC.to_lowercase()] {
            let e = verify_hmac(VECTOR_BODY, header, &s).unwrap_err();
            assert!(e.is_auth_failure());
            assert_eq!(e.http_status(), 401);
        }
    }

    const DATA_REQUEST: &str = r#"{"shop_id":954889,"shop_domain":"acme.myshopify.com","orders_requested":[299938,280263,220458],
        "customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"data_request":{"id":9999}}"#;
    const CUSTOMER_REDACT: &str = r#"{"shop_id":954889,"shop_domain":"acme.myshopify.com",
        "customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"orders_to_redact":[299938,280263,220458]}"#;
    const SHOP_REDACT: &str = r#"{"shop_id":954889,"shop_domain":"acme.myshopify.com"}"#;

    fn receive(topic: &str, body: &str) -> Result<ComplianceRequest, WebhookError> {
        let s = secret("app_secret");
        let hmac = sign(body.as_bytes(), &s);
        ComplianceRequest::from_webhook(Some(topic), Some(&hmac), body.as_bytes(), &s, Region::NANP)
    }

    #[test]
    fn parses_data_request() {
        let ComplianceRequest::DataRequest(r) =
            receive("customers/data_request", DATA_REQUEST).unwrap()
        else {
            panic!("wrong variant")
        };
        assert_eq!(r.shop, ShopRef::new(954889, "acme.myshopify.com".into()));
        assert_eq!(r.customer.id, Some(191167));
        assert_eq!(
            r.customer.gid().as_deref(),
            Some("gid://shopify/Customer/191167")
        );
        assert_eq!(r.customer.email.as_deref(), Some("john@example.com"));
        assert_eq!(
            r.customer.phone.as_ref().map(|p| p.as_e164()),
            Some("+15556251199")
        );
        assert!(!r.customer.phone_unparsed);
        assert_eq!(r.orders_requested, [299938, 280263, 220458]);
        assert_eq!(r.data_request_id, Some(9999));
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("john") && !dbg.contains("6251199"), "{dbg}");
    }

    #[test]
    fn parses_customer_redact() {
        let req = receive("customers/redact", CUSTOMER_REDACT).unwrap();
        assert_eq!(req.topic(), "customers/redact");
        let ComplianceRequest::CustomerRedact(r) = req else {
            panic!("wrong variant")
        };
        assert_eq!(r.orders_to_redact, [299938, 280263, 220458]);
        assert_eq!(
            r.customer.phone.as_ref().map(|p| p.as_e164()),
            Some("+15556251199")
        );
    }

    #[test]
    fn parses_shop_redact() {
        let req = receive("shop/redact", SHOP_REDACT).unwrap();
        assert_eq!(req.shop().domain, "acme.myshopify.com");
        assert!(matches!(req, ComplianceRequest::ShopRedact(_)));
    }

    #[test]
    fn unparseable_or_missing_phone() {
        let body = r#"{"shop_id":1,"shop_domain":"a.myshopify.com","customer":{"id":2,"email":null,"phone":"call me"}}"#;
        let ComplianceRequest::CustomerRedact(r) = receive("customers/redact", body).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.customer.phone, None);
        assert!(r.customer.phone_unparsed);
        assert!(r.orders_to_redact.is_empty());
        let body = r#"{"shop_id":1,"shop_domain":"a.myshopify.com","customer":{"id":2,"email":"x@y.z","phone":null}}"#;
        let ComplianceRequest::CustomerRedact(r) = receive("customers/redact", body).unwrap()
        else {
            panic!()
        };
        assert!(!r.customer.phone_unparsed);
    }

    #[test]
    fn bad_hmac_is_refused_before_parsing() {
        let s = secret("app_secret");
        let e = ComplianceRequest::from_webhook(
            Some("shop/redact"),
            Some(&sign(b"other body", &s)),
            SHOP_REDACT.as_bytes(),
            &s,
            Region::NANP,
        )
        .unwrap_err();
        assert_eq!(e, WebhookError::InvalidSignature);
        let e = ComplianceRequest::from_webhook(Some("bogus"), None, b"{", &s, Region::NANP)
            .unwrap_err();
        assert_eq!(e, WebhookError::MissingSignature);
        assert_eq!(e.http_status(), 401);
    }

    #[test]
    fn reads_headers_case_insensitively() {
        let s = secret("app_secret");
        let mut headers = HeaderMap::new();
        headers.insert("x-shopify-topic", "shop/redact".parse().unwrap());
        headers.insert(
            "X-SHOPIFY-HMAC-SHA256",
            sign(SHOP_REDACT.as_bytes(), &s).parse().unwrap(),
        );
        let req =
            ComplianceRequest::from_headers(&headers, SHOP_REDACT.as_bytes(), &s, Region::NANP)
                .unwrap();
        assert_eq!(req.topic(), "shop/redact");
        headers.remove(HMAC_HEADER);
        let e = ComplianceRequest::from_headers(&headers, SHOP_REDACT.as_bytes(), &s, Region::NANP)
            .unwrap_err();
        assert_eq!(e, WebhookError::MissingSignature);
    }

    #[test]
    fn unknown_or_missing_topic() {
        assert_eq!(
            receive("orders/create", SHOP_REDACT),
            Err(WebhookError::UnknownTopic("orders/create".into()))
        );
        let s = secret("k");
        let e = ComplianceRequest::from_webhook(
            None,
            Some(&sign(SHOP_REDACT.as_bytes(), &s)),
            SHOP_REDACT.as_bytes(),
            &s,
            Region::NANP,
        )
        .unwrap_err();
        assert_eq!(e, WebhookError::MissingTopic);
        assert!(!e.is_auth_failure());
    }

    #[test]
    fn bad_payload_does_not_echo_values() {
        let body = r#"{"shop_id":"john@example.com","shop_domain":"a"}"#;
        let e = receive("shop/redact", body).unwrap_err();
        assert!(matches!(e, WebhookError::InvalidPayload(_)));
        assert!(!e.to_string().contains("john"), "{e}");
        assert_eq!(e.http_status(), 400);
    }
}
