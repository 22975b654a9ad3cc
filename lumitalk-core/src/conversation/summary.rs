//! The few facts about an order the conversation needs to verify the caller and
//! to answer, kept small so a session stays a few hundred bytes.
//!
//! Whole [`Order`]s never enter the state: a lookup result is summarized on
//! arrival (at most [`MAX_SHIPMENTS`] shipments, counts instead of line items),
//! and lists of candidate orders keep only their number and date ([`OrderBrief`]);
//! the chosen one is fetched again by number.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::{
    FinancialStatus, FulfillmentStatus, Money, Order, OrderNumber, PhoneNumber, PostalCode,
    ShipmentStatus, Timestamp,
};

/// Shipments kept per order; later ones are counted, not described.
pub const MAX_SHIPMENTS: usize = 3;

/// How the conversation came to an order; decides which challenges make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The caller gave the order number.
    Number,
    /// Found by the caller ID.
    CallerId,
    /// Found by a phone number the caller gave: asking for the last digits of that
    /// same phone would prove nothing, so only the postal code is asked.
    GivenPhone,
}

impl Origin {
    /// Whether the last digits of the order's phone can prove anything: only for
    /// an order the caller named by number (not one found by a phone number the
    /// caller gave or called from).
    pub fn allows_phone_challenge(self) -> bool {
        self == Origin::Number
    }
}

/// An order's number and date: enough to name it in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBrief {
    /// The order number.
    #[serde(rename = "n")]
    pub number: OrderNumber,
    /// When it was placed.
    #[serde(rename = "p", with = "ts_ms")]
    pub placed_at: Timestamp,
}

impl From<&Order> for OrderBrief {
    fn from(o: &Order) -> Self {
        OrderBrief {
            number: o.number.clone(),
            placed_at: o.placed_at,
        }
    }
}

/// One shipment, as spoken.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentSummary {
    /// Where it is.
    #[serde(rename = "s")]
    pub status: ShipmentStatus,
    /// Carrier name.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    /// When it shipped.
    #[serde(
        rename = "sh",
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_ts_ms"
    )]
    pub shipped_at: Option<Timestamp>,
    /// Estimated delivery.
    #[serde(
        rename = "e",
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_ts_ms"
    )]
    pub estimated_delivery: Option<Timestamp>,
    /// When it was delivered.
    #[serde(
        rename = "d",
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_ts_ms"
    )]
    pub delivered_at: Option<Timestamp>,
    /// Items in it, if known.
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub items: Option<u32>,
}

impl fmt::Debug for ShipmentSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShipmentSummary")
            .field("status", &self.status)
            .field("carrier", &self.carrier)
            .field("tracking", &self.tracking.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// What a caller can be checked against. Personal data: `Debug` masks it.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Checks {
    /// The caller ID is the order's phone.
    #[serde(rename = "m", default, skip_serializing_if = "std::ops::Not::not")]
    pub caller_matches: bool,
    /// Shipping postal code.
    #[serde(rename = "z", default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<PostalCode>,
    /// Last four digits of the order's phone, when asking for them proves something.
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub phone_last4: Option<String>,
}

impl Checks {
    /// Whether any challenge can be asked.
    pub fn has_challenge(&self) -> bool {
        self.postal_code.is_some() || self.phone_last4.is_some()
    }
}

impl fmt::Debug for Checks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checks")
            .field("caller_matches", &self.caller_matches)
            .field("postal_code", &self.postal_code.is_some())
            .field("phone_last4", &self.phone_last4.is_some())
            .finish()
    }
}

/// An order summarized for speech and verification.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// The order number.
    #[serde(rename = "n")]
    pub number: OrderNumber,
    /// When it was placed.
    #[serde(rename = "p", with = "ts_ms")]
    pub placed_at: Timestamp,
    /// The customer's first name, for "Thanks, Jane".
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Payment state.
    #[serde(rename = "fs")]
    pub financial: FinancialStatus,
    /// Shipping state.
    #[serde(rename = "ff")]
    pub fulfillment: FulfillmentStatus,
    /// When it was cancelled.
    #[serde(
        rename = "x",
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_ts_ms"
    )]
    pub cancelled_at: Option<Timestamp>,
    /// Up to [`MAX_SHIPMENTS`] shipments, oldest first.
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<ShipmentSummary>,
    /// Shipments beyond the ones kept.
    #[serde(rename = "sx", default, skip_serializing_if = "is_zero")]
    pub more_shipments: u32,
    /// Items ordered.
    #[serde(rename = "i")]
    pub items: u32,
    /// Current total.
    #[serde(rename = "t")]
    pub total: Money,
    /// What the caller can be checked against.
    #[serde(rename = "v", default)]
    pub checks: Checks,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl fmt::Debug for OrderSummary {
    // Only the order number: everything else is disclosed after verification only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderSummary")
            .field("number", &self.number)
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl OrderSummary {
    /// Summarizes `order` for a call from `caller`, found by `origin`.
    ///
    /// The challenge is the shipping postal code. The last four digits of the
    /// customer's phone are a weak factor (a phone number is known to many), so
    /// they are asked only for an order without a postal code, and only when
    /// they can prove something: not when the caller ID is that phone (whoever
    /// spoofs a caller ID knows its digits), and not when the order was found by
    /// a phone number (the caller's own, or one they gave).
    ///
    /// `caller_matches` compares the caller ID with the customer's phone on the
    /// order ([`Order::phone`]), never a shipping address's phone.
    pub fn new(order: &Order, caller: Option<&PhoneNumber>, origin: Origin) -> Self {
        let phone = order.phone();
        let caller_matches = matches!((caller, phone), (Some(c), Some(p)) if c == p);
        let postal_code = order
            .shipping_postal_code
            .clone()
            .filter(|z| !z.as_str().trim().is_empty());
        let checks = Checks {
            caller_matches,
            phone_last4: phone
                .filter(|_| {
                    postal_code.is_none() && origin.allows_phone_challenge() && !caller_matches
                })
                .map(|p| p.last_digits(4).to_string()),
            postal_code,
        };
        let first_name = order
            .customer
            .as_ref()
            .and_then(|c| c.name.as_deref())
            .and_then(|n| n.split_whitespace().next())
            .map(|n| n.chars().take(40).collect());
        let shipments = order
            .fulfillments
            .iter()
            .take(MAX_SHIPMENTS)
            .map(|f| ShipmentSummary {
                status: f.status,
                carrier: f.carrier.as_ref().map(|c| c.chars().take(40).collect()),
                tracking: f
                    .tracking_number
                    .as_ref()
                    .map(|t| t.chars().take(40).collect()),
                shipped_at: f.shipped_at,
                estimated_delivery: f.estimated_delivery,
                delivered_at: f.delivered_at,
                items: f.item_count,
            })
            .collect();
        OrderSummary {
            number: order.number.clone(),
            placed_at: order.placed_at,
            first_name,
            financial: order.financial_status,
            fulfillment: order.fulfillment_status,
            cancelled_at: order.cancelled_at,
            shipments,
            more_shipments: order.fulfillments.len().saturating_sub(MAX_SHIPMENTS) as u32,
            items: order.item_count(),
            total: order.total.clone(),
            checks,
        }
    }

    /// The brief form, for lists.
    pub fn brief(&self) -> OrderBrief {
        OrderBrief {
            number: self.number.clone(),
            placed_at: self.placed_at,
        }
    }
}

/// Timestamps as milliseconds: shorter than RFC 3339 strings in the session.
pub(crate) mod ts_ms {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::Timestamp;

    pub(crate) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.as_unix_millis())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        Ok(Timestamp::from_unix_millis(i64::deserialize(d)?))
    }
}

/// Optional timestamps as milliseconds.
pub(crate) mod opt_ts_ms {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::Timestamp;

    pub(crate) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&t.as_unix_millis()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        Ok(Option::<i64>::deserialize(d)?.map(Timestamp::from_unix_millis))
    }
}
