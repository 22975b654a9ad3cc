//! Orders as the conversation needs them: enough to answer "where is my order?"
//! and to verify the caller before answering.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{OrderNumber, PhoneNumber, Timestamp};

/// An amount of money in minor units (cents) with its ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units, e.g. `4990` for $49.90.
    pub minor_units: i64,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}

impl Money {
    /// Money from minor units and a currency code.
    pub fn new(minor_units: i64, currency: impl Into<String>) -> Self {
        Money {
            minor_units,
            currency: currency.into(),
        }
    }

    /// Parses a decimal string such as Shopify's `"59.98"` (two minor digits assumed).
    pub fn parse_decimal(amount: &str, currency: impl Into<String>) -> Option<Self> {
        let amount = amount.trim();
        let (neg, amount) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut cents = 0i64;
        for (i, b) in frac.bytes().take(2).enumerate() {
            cents += ((b - b'0') as i64) * if i == 0 { 10 } else { 1 };
        }
        let v = whole.checked_mul(100)?.checked_add(cents)?;
        Some(Money::new(if neg { -v } else { v }, currency))
    }
}

/// How an order's payment stands (Shopify's display financial status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum FinancialStatus {
    Pending,
    Authorized,
    PartiallyPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
    Expired,
    Unknown,
}

/// How far an order has been fulfilled (shipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum FulfillmentStatus {
    Unfulfilled,
    PartiallyFulfilled,
    Fulfilled,
    InProgress,
    OnHold,
    Scheduled,
    Restocked,
    Unknown,
}

/// Where one shipment (fulfillment) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum ShipmentStatus {
    /// Label created, not yet with the carrier.
    LabelCreated,
    Confirmed,
    InTransit,
    OutForDelivery,
    Delivered,
    AttemptedDelivery,
    Delayed,
    ReadyForPickup,
    PickedUp,
    Failed,
    Cancelled,
    Unknown,
}

/// One shipment of some or all of an order's items. `Debug` hides the tracking
/// number and URL (they identify a parcel and its address).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfillment {
    /// Where the shipment is.
    pub status: ShipmentStatus,
    /// Carrier name, e.g. "UPS".
    pub carrier: Option<String>,
    /// Carrier tracking number.
    pub tracking_number: Option<String>,
    /// Carrier tracking page.
    pub tracking_url: Option<String>,
    /// When the shipment was created.
    pub shipped_at: Option<Timestamp>,
    /// Carrier's estimated delivery.
    pub estimated_delivery: Option<Timestamp>,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// Number of items in this shipment, if known.
    pub item_count: Option<u32>,
}

/// One line of an order, summarized for speech. `Debug` shows the title's
/// length only (a title can say a lot about a person).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// Product title.
    pub title: String,
    /// Quantity ordered.
    pub quantity: u32,
}

/// A redacted optional text for `Debug`: whether it is there, and its length.
struct Redacted<'a>(Option<&'a str>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, "<redacted, {} chars>", s.chars().count()),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for Fulfillment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fulfillment")
            .field("status", &self.status)
            .field("carrier", &self.carrier)
            .field(
                "tracking_number",
                &Redacted(self.tracking_number.as_deref()),
            )
            .field("tracking_url", &Redacted(self.tracking_url.as_deref()))
            .field("shipped_at", &self.shipped_at)
            .field("estimated_delivery", &self.estimated_delivery)
            .field("delivered_at", &self.delivered_at)
            .field("item_count", &self.item_count)
            .finish()
    }
}

impl fmt::Debug for LineItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineItem")
            .field("title", &Redacted(Some(&self.title)))
            .field("quantity", &self.quantity)
            .finish()
    }
}

/// The customer's contact details on an order. Personal data: `Debug` masks it.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerContact {
    /// Full name as the store knows it.
    pub name: Option<String>,
    /// Phone number (customer record or order), if any.
    pub phone: Option<PhoneNumber>,
    /// Email address, if any.
    pub email: Option<String>,
}

impl fmt::Debug for CustomerContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerContact")
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("phone", &self.phone)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A postal code (ZIP). Personal data: `Debug` masks it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PostalCode(String);

impl PostalCode {
    /// Wraps a postal code as the store holds it.
    pub fn new(code: impl Into<String>) -> Self {
        PostalCode(code.into())
    }

    /// The code as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether what the caller said or keyed matches this code: case, spaces and
    /// dashes are ignored, and a US ZIP+4 matches on its first five digits.
    pub fn matches(&self, answer: &str) -> bool {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect()
        };
        let (mine, theirs) = (norm(&self.0), norm(answer));
        if mine.is_empty() || theirs.is_empty() {
            return false;
        }
        if mine == theirs {
            return true;
        }
        // A ZIP and a ZIP+4 agree on their first five digits; nothing longer
        // (two ZIPs said at once) is one.
        let is_zip = |s: &str| matches!(s.len(), 5 | 9) && s.bytes().all(|b| b.is_ascii_digit());
        is_zip(&mine) && is_zip(&theirs) && mine[..5] == theirs[..5]
    }
}

impl fmt::Debug for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PostalCode(<redacted>)")
    }
}

/// An order with what a phone answer and caller verification need.
///
/// `Debug` shows the number, dates, statuses and total, and masks the customer,
/// postal code, tracking and item titles.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order number shoppers see, without prefix (`1001`).
    pub number: OrderNumber,
    /// The order's display name (`#1001`).
    pub name: String,
    /// The order source's own id (e.g. `gid://shopify/Order/...`).
    pub source_id: Option<String>,
    /// When the order was placed.
    pub placed_at: Timestamp,
    /// Contact details; `None` when the order has no customer (guest checkout
    /// with nothing on file).
    pub customer: Option<CustomerContact>,
    /// Shipping postal code, used as a verification challenge.
    pub shipping_postal_code: Option<PostalCode>,
    /// Payment state.
    pub financial_status: FinancialStatus,
    /// Shipping state.
    pub fulfillment_status: FulfillmentStatus,
    /// When the order was cancelled, if it was.
    pub cancelled_at: Option<Timestamp>,
    /// Shipments, oldest first.
    pub fulfillments: Vec<Fulfillment>,
    /// What was ordered.
    pub line_items: Vec<LineItem>,
    /// Current total.
    pub total: Money,
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Order")
            .field("number", &self.number)
            .field("name", &self.name)
            .field("source_id", &self.source_id)
            .field("placed_at", &self.placed_at)
            .field("customer", &self.customer)
            .field("shipping_postal_code", &self.shipping_postal_code)
            .field("financial_status", &self.financial_status)
            .field("fulfillment_status", &self.fulfillment_status)
            .field("cancelled_at", &self.cancelled_at)
            .field("fulfillments", &self.fulfillments)
            .field("line_items", &self.line_items)
            .field("total", &self.total)
            .finish()
    }
}

impl Order {
    /// The phone number on the order, if any.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.customer.as_ref().and_then(|c| c.phone.as_ref())
    }

    /// Whether the order was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// Whether all of the order's payment was refunded.
    pub fn is_refunded(&self) -> bool {
        self.financial_status == FinancialStatus::Refunded
    }

    /// Total number of items across line items.
    pub fn item_count(&self) -> u32 {
        self.line_items.iter().map(|l| l.quantity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_decimal_strings() {
        assert_eq!(
            Money::parse_decimal("59.98", "USD"),
            Some(Money::new(5998, "USD"))
        );
        assert_eq!(
            Money::parse_decimal("49.9", "USD"),
            Some(Money::new(4990, "USD"))
        );
        assert_eq!(
            Money::parse_decimal("12", "EUR"),
            Some(Money::new(1200, "EUR"))
        );
        assert_eq!(Money::parse_decimal("abc", "USD"), None);
        assert_eq!(Money::parse_decimal("", "USD"), None);
    }

    #[test]
    fn postal_codes_match_loosely() {
        let zip = PostalCode::new("94105-1234");
        assert!(zip.matches("94105"));
        assert!(zip.matches("9 4 1 0 5"));
        assert!(!zip.matches("94106"));
        let uk = PostalCode::new("SW1A 1AA");
        assert!(uk.matches("sw1a1aa"));
        assert!(!PostalCode::new("").matches(""));
        assert_eq!(format!("{zip:?}"), "PostalCode(<redacted>)");
    }
}
