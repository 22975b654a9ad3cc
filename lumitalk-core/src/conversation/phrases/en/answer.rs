//! The English answer: an order's status, shipments, tracking and money.

use super::super::When;
use super::super::spoken::{count_en, date_en, money_en, number_en, spaced, tracking_groups};
use crate::conversation::summary::{OrderSummary, ShipmentSummary};
use crate::domain::{FinancialStatus, FulfillmentStatus, ShipmentStatus};

pub(super) fn answer(o: &OrderSummary, when: When<'_>) -> String {
    let date = |t| date_en(t, when);
    let number = spaced(o.number.digits());
    let total = money_en(&o.total);
    let mut out = String::with_capacity(256);
    if let Some(at) = o.cancelled_at {
        out.push_str(&format!("Order {number} was cancelled on {}.", date(at)));
        out.push_str(match o.financial {
            FinancialStatus::Refunded => " It has been refunded in full.",
            FinancialStatus::PartiallyRefunded => " It has been partly refunded.",
            FinancialStatus::Voided | FinancialStatus::Expired | FinancialStatus::Pending => {
                " You were not charged for it."
            }
            _ => " Any refund goes back to your original payment method.",
        });
        return out;
    }
    out.push_str(&format!(
        "Order {number}, placed on {}, for {total}",
        date(o.placed_at)
    ));
    if o.financial == FinancialStatus::Refunded {
        out.push_str(", has been refunded in full.");
        return out;
    }
    let shipped: Vec<&ShipmentSummary> = o
        .shipments
        .iter()
        .filter(|s| s.status != ShipmentStatus::Cancelled)
        .collect();
    let packages = shipped.len() as u32 + o.more_shipments;
    match (o.fulfillment, shipped.as_slice()) {
        (FulfillmentStatus::OnHold, []) => out.push_str(", is on hold. It hasn't shipped yet."),
        (FulfillmentStatus::InProgress, []) => {
            out.push_str(", is being prepared. It hasn't shipped yet.")
        }
        (FulfillmentStatus::Restocked, []) => out.push_str(", was not shipped."),
        (_, []) => out.push_str(", hasn't shipped yet."),
        (FulfillmentStatus::PartiallyFulfilled, list) => {
            let sent: u32 = list.iter().filter_map(|s| s.items).sum();
            if sent > 0 && o.items > sent {
                out.push_str(&format!(
                    ", has partly shipped: {} of {} are on the way.",
                    number_en(sent as u64),
                    count_en(o.items, "item", "items")
                ));
            } else {
                out.push_str(", has partly shipped.");
            }
            push_shipments(&mut out, list, packages, when);
            out.push_str(" The rest hasn't shipped yet.");
        }
        (_, [_]) => {
            out.push_str(", has shipped.");
            push_shipments(&mut out, &shipped, packages, when);
        }
        (_, list) => {
            out.push_str(&format!(
                ", shipped in {}.",
                count_en(packages, "package", "packages")
            ));
            push_shipments(&mut out, list, packages, when);
        }
    }
    match o.financial {
        FinancialStatus::PartiallyRefunded => out.push_str(" Part of it has been refunded."),
        FinancialStatus::Pending | FinancialStatus::Authorized => {
            out.push_str(" The payment is still being processed.")
        }
        FinancialStatus::PartiallyPaid => out.push_str(" Part of the payment is still due."),
        _ => {}
    }
    out
}

fn shipment_sentence(subject: &str, s: &ShipmentSummary, when: When<'_>) -> String {
    let date = |t| date_en(t, when);
    let carrier = s.carrier.as_deref().filter(|c| !c.trim().is_empty());
    let with_carrier = carrier.map(|c| format!(" with {c}")).unwrap_or_default();
    let eta = s
        .estimated_delivery
        .map(|t| {
            let past = t < when.now && when.local(t) != when.local(when.now);
            if past {
                format!(", and was expected {}, so it's running late", date(t))
            } else {
                format!(", expected to arrive {}", date(t))
            }
        })
        .unwrap_or_default();
    let mut out = match s.status {
        ShipmentStatus::Delivered => match s.delivered_at {
            Some(t) => format!("{subject} was delivered on {}.", date(t)),
            None => format!("{subject} has been delivered."),
        },
        ShipmentStatus::OutForDelivery => {
            format!("{subject} is out for delivery{with_carrier}.")
        }
        ShipmentStatus::AttemptedDelivery => {
            format!(
                "The carrier tried to deliver {}, and will try again.",
                object(subject)
            )
        }
        ShipmentStatus::Delayed => format!("{subject} is delayed{eta}."),
        ShipmentStatus::ReadyForPickup => format!("{subject} is ready for pickup."),
        ShipmentStatus::PickedUp => format!("{subject} was picked up."),
        ShipmentStatus::Failed => {
            format!("The carrier was not able to deliver {}.", object(subject))
        }
        ShipmentStatus::Cancelled => format!("{subject} was cancelled."),
        ShipmentStatus::LabelCreated | ShipmentStatus::Confirmed => {
            format!("{subject} is packed and waiting for pickup{with_carrier}{eta}.")
        }
        _ => format!("{subject} is on its way{with_carrier}{eta}."),
    };
    let trackable = !matches!(
        s.status,
        ShipmentStatus::Delivered | ShipmentStatus::PickedUp | ShipmentStatus::Cancelled
    );
    if let (true, Some(t)) = (
        trackable,
        s.tracking.as_deref().filter(|t| !t.trim().is_empty()),
    ) {
        let whose = carrier.map(|c| format!("{c} ")).unwrap_or_default();
        out.push_str(&format!(
            " The {whose}tracking number is {}.",
            tracking_groups(t)
        ));
    }
    out
}

fn object(subject: &str) -> String {
    if subject == "It" {
        "it".into()
    } else {
        subject.to_lowercase()
    }
}

fn push_shipments(out: &mut String, list: &[&ShipmentSummary], packages: u32, when: When<'_>) {
    const ORDINALS: [&str; 3] = [
        "The first package",
        "The second package",
        "The third package",
    ];
    for (i, s) in list.iter().enumerate() {
        let subject = if packages <= 1 {
            "It"
        } else {
            ORDINALS[i.min(2)]
        };
        out.push(' ');
        out.push_str(&shipment_sentence(subject, s, when));
    }
}
