//! Shared fixture for the conversation tests: a small store, its orders, and a
//! tiny keyword classifier that runs synchronously.
#![allow(dead_code, unreachable_pub)]

pub mod doubles;

use lumitalk_core::conversation::{Action, Context, Conversation, Effect, Input, Limits, Lookup};
use lumitalk_core::{
    Attestation, BusinessHours, CallOutcome, Classification, CustomerContact, FinancialStatus,
    Fulfillment, FulfillmentStatus, Intent, LineItem, Merchant, Money, Order, OrderNumber,
    PhoneNumber, PostalCode, ShipmentStatus, Timestamp, TransferSpec,
};

pub const JANE_PHONE: &str = "+14155550123";
pub const JOHN_PHONE: &str = "+12125550188";
pub const STRANGER_PHONE: &str = "+13125550777";
pub const AGENT_PHONE: &str = "+18005550100";
pub const STORE_PHONE: &str = "+18885550199";

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

/// Friday 28 November 2025, 15:00 UTC (10:00 in New York).
pub fn t0() -> Timestamp {
    Timestamp::from_civil(2025, 11, 28, 15, 0, 0)
}

pub fn merchant() -> Merchant {
    Merchant::new("acme", "Acme Outdoor")
        .with_phone_number(phone(STORE_PHONE))
        .with_escalation_number(phone(AGENT_PHONE))
}

pub fn merchant_without_agents() -> Merchant {
    let mut m = merchant();
    m.escalation_number = None;
    m
}

/// Open Monday to Friday, 9:00 to 17:00 New York standard time.
pub fn weekday_hours() -> BusinessHours {
    let day = Some((9 * 60, 17 * 60));
    BusinessHours {
        utc_offset_minutes: -300,
        windows: [day, day, day, day, day, None, None],
        ..BusinessHours::default()
    }
}

fn ts(y: i32, m: u8, d: u8) -> Timestamp {
    Timestamp::from_civil(y, m, d, 17, 0, 0)
}

fn order(number: &str, placed: Timestamp) -> Order {
    Order {
        number: OrderNumber::from_digits(number).unwrap(),
        name: format!("#{number}"),
        source_id: None,
        placed_at: placed,
        customer: None,
        shipping_postal_code: None,
        financial_status: FinancialStatus::Paid,
        fulfillment_status: FulfillmentStatus::Unfulfilled,
        cancelled_at: None,
        fulfillments: vec![],
        line_items: vec![LineItem {
            title: "Trail Tent".into(),
            quantity: 1,
        }],
        total: Money::new(4990, "USD"),
    }
}

fn contact(name: &str, p: &str) -> Option<CustomerContact> {
    Some(CustomerContact {
        name: Some(name.into()),
        phone: Some(phone(p)),
        email: Some(format!(
            "{}@example.com",
            name.to_lowercase().replace(' ', ".")
        )),
    })
}

/// The fixture's orders:
/// - 1001 Jane Doe, ships to 94105, placed Nov 24, $49.90, a Trail Tent, in transit
///   with UPS (tracking 1Z999AA10123456784), expected Dec 2;
/// - 1002 Jane Doe, ships to 94105, placed Nov 3, $75.00, a Camp Stove, unfulfilled;
/// - 1003 John Roe, ships to 10001, placed Nov 10, $129.00, Hiking Boots, delivered
///   Nov 14 (tracking 9400111899223100012345);
/// - 1004 Ann Smith, no phone, ships to 60601, placed Oct 1, $33.50, a Rain Jacket,
///   cancelled Oct 2 and refunded.
pub fn orders() -> Vec<Order> {
    let mut o1 = order("1001", ts(2025, 11, 24));
    o1.customer = contact("Jane Doe", JANE_PHONE);
    o1.shipping_postal_code = Some(PostalCode::new("94105"));
    o1.fulfillment_status = FulfillmentStatus::Fulfilled;
    o1.fulfillments = vec![Fulfillment {
        status: ShipmentStatus::InTransit,
        carrier: Some("UPS".into()),
        tracking_number: Some("1Z999AA10123456784".into()),
        tracking_url: None,
        shipped_at: Some(ts(2025, 11, 25)),
        estimated_delivery: Some(ts(2025, 12, 2)),
        delivered_at: None,
        item_count: Some(1),
    }];
    let mut o2 = order("1002", ts(2025, 11, 3));
    o2.customer = contact("Jane Doe", JANE_PHONE);
    o2.shipping_postal_code = Some(PostalCode::new("94105"));
    o2.total = Money::new(7500, "USD");
    o2.line_items[0].title = "Camp Stove".into();
    let mut o3 = order("1003", ts(2025, 11, 10));
    o3.customer = contact("John Roe", JOHN_PHONE);
    o3.shipping_postal_code = Some(PostalCode::new("10001"));
    o3.fulfillment_status = FulfillmentStatus::Fulfilled;
    o3.total = Money::new(12900, "USD");
    o3.line_items[0].title = "Hiking Boots".into();
    o3.fulfillments = vec![Fulfillment {
        status: ShipmentStatus::Delivered,
        carrier: Some("USPS".into()),
        tracking_number: Some("9400111899223100012345".into()),
        tracking_url: None,
        shipped_at: Some(ts(2025, 11, 11)),
        estimated_delivery: None,
        delivered_at: Some(ts(2025, 11, 14)),
        item_count: Some(1),
    }];
    let mut o4 = order("1004", ts(2025, 10, 1));
    o4.customer = Some(CustomerContact {
        name: Some("Ann Smith".into()),
        phone: None,
        email: None,
    });
    o4.shipping_postal_code = Some(PostalCode::new("60601"));
    o4.cancelled_at = Some(ts(2025, 10, 2));
    o4.financial_status = FinancialStatus::Refunded;
    o4.total = Money::new(3350, "USD");
    o4.line_items[0].title = "Rain Jacket".into();
    vec![o1, o2, o3, o4]
}

/// A customer of the fixture and what proves it is them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    pub name: &'static str,
    pub phone: Option<&'static str>,
    pub postal_code: &'static str,
}

pub const JANE: Owner = Owner {
    name: "jane",
    phone: Some(JANE_PHONE),
    postal_code: "94105",
};
pub const JOHN: Owner = Owner {
    name: "john",
    phone: Some(JOHN_PHONE),
    postal_code: "10001",
};
pub const ANN: Owner = Owner {
    name: "ann",
    phone: None,
    postal_code: "60601",
};

/// Words that must never be spoken before the caller is verified for that order,
/// with whose they are (`None`: any order's, e.g. status words).
pub const SECRETS: &[(&str, Option<Owner>)] = &[
    // Names, postal codes, tracking, carriers.
    ("Jane", Some(JANE)),
    ("Doe", Some(JANE)),
    ("94105", Some(JANE)),
    ("1Z999AA10123456784", Some(JANE)),
    ("UPS", Some(JANE)),
    ("John", Some(JOHN)),
    ("Roe", Some(JOHN)),
    ("10001", Some(JOHN)),
    ("9400111899223100012345", Some(JOHN)),
    ("USPS", Some(JOHN)),
    ("Ann", Some(ANN)),
    ("Smith", Some(ANN)),
    ("60601", Some(ANN)),
    // Order numbers (beyond what the caller said: echoes are allowed).
    ("1001", Some(JANE)),
    ("1002", Some(JANE)),
    ("1003", Some(JOHN)),
    ("1004", Some(ANN)),
    // Dates: placed, expected, delivered, cancelled.
    ("November 24th", Some(JANE)),
    ("December 2nd", Some(JANE)),
    ("November 3rd", Some(JANE)),
    ("November 10th", Some(JOHN)),
    ("November 14th", Some(JOHN)),
    ("October 1st", Some(ANN)),
    ("October 2nd", Some(ANN)),
    // Items and totals.
    ("Trail Tent", Some(JANE)),
    ("Camp Stove", Some(JANE)),
    ("Hiking Boots", Some(JOHN)),
    ("Rain Jacket", Some(ANN)),
    ("forty-nine dollars", Some(JANE)),
    ("seventy-five dollars", Some(JANE)),
    ("one hundred twenty-nine", Some(JOHN)),
    ("thirty-three dollars", Some(ANN)),
    // Any order's status.
    ("delivered", None),
    ("shipped", None),
    ("cancelled", None),
    ("refunded", None),
];

/// The words of [`SECRETS`].
pub fn secrets() -> Vec<&'static str> {
    SECRETS.iter().map(|(s, _)| *s).collect()
}

/// Whose secret this is.
pub fn owner_of(secret: &str) -> Option<Owner> {
    SECRETS
        .iter()
        .find(|(s, _)| *s == secret)
        .and_then(|(_, o)| *o)
}

fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Whether `text` says `secret`: numbers and codes also when spaced out
/// ("1 0 0 1"), phrases case-insensitively, single words as whole words.
pub fn says(text: &str, secret: &str) -> bool {
    if secret.chars().any(|c| c.is_ascii_digit()) {
        squeeze(text).contains(&squeeze(secret))
    } else if secret.contains([' ', '-']) {
        text.to_lowercase().contains(&secret.to_lowercase())
    } else {
        text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(|w| w.eq_ignore_ascii_case(secret))
    }
}

/// Whether spoken text leaks a fixture secret (also in spaced-out form).
pub fn leaked(text: &str) -> Option<&'static str> {
    secrets().into_iter().find(|s| says(text, s))
}

/// A synchronous keyword classifier, enough to drive the machine in tests.
pub fn classify(text: &str) -> Classification {
    let lower = text.to_lowercase();
    let has = |words: &[&str]| {
        lower
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .any(|w| words.contains(&w))
    };
    let mut c = Classification::new(Intent::Unknown, 0.5, "test-keywords");
    let digits: String = lower.chars().filter(char::is_ascii_digit).collect();
    c.intent = if has(&["agent", "representative", "human", "person", "operator"]) {
        Intent::Human
    } else if has(&["cancel"]) {
        Intent::CancelOrder
    } else if has(&["return", "refund"]) {
        Intent::ReturnOrRefund
    } else if has(&["address"]) {
        Intent::ChangeAddress
    } else if has(&["repeat", "again"]) {
        Intent::Repeat
    } else if has(&["bye", "goodbye"]) {
        Intent::Goodbye
    } else if has(&["yes", "yeah", "yep", "correct"]) {
        Intent::Yes
    } else if has(&["no", "nope", "nah"]) {
        Intent::No
    } else if !digits.is_empty() {
        Intent::ProvideOrderNumber
    } else if has(&["where", "status", "order", "package"]) {
        Intent::OrderStatus
    } else {
        Intent::Unknown
    };
    if !digits.is_empty() {
        c.entities.digits = Some(digits.clone());
        c.entities.order_number = OrderNumber::from_digits(&digits).ok();
    }
    c.caller_upset = has(&["ridiculous", "furious", "angry", "terrible"]);
    c
}

/// What a turn ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Listen,
    Transfer(TransferSpec),
    HangUp,
    /// Hold on: the carrier comes straight back with `Input::Resumed`.
    Continue,
    /// Nothing terminal: a bug (or CallEnded).
    Nothing,
}

/// How the simulated providers behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Providers {
    Up,
    LookupDown,
    /// Every lookup waits its turn at a spent rate limit.
    LookupQueued,
    ClassifierDown,
}

/// A synchronous driver for the pure machine: resolves effects from the fixture.
pub struct MachineSim {
    pub conv: Conversation,
    pub merchant: Merchant,
    pub limits: Limits,
    pub now: Timestamp,
    pub orders: Vec<Order>,
    pub providers: Providers,
    pub verified: bool,
    pub spoken: Vec<String>,
    pub events: Vec<lumitalk_core::conversation::Event>,
}

impl MachineSim {
    pub fn new(merchant: Merchant) -> Self {
        MachineSim {
            conv: Conversation::new(),
            merchant,
            limits: Limits::default(),
            now: t0(),
            orders: orders(),
            providers: Providers::Up,
            verified: false,
            spoken: vec![],
            events: vec![],
        }
    }

    /// Jane's contact, to give her another fixture order.
    pub fn orders_owner_jane(&self) -> Option<CustomerContact> {
        contact("Jane Doe", JANE_PHONE)
    }

    /// A call whose caller ID the carrier attests (SHAKEN/STIR `A`).
    pub fn start(&mut self, caller: Option<&str>) -> (String, Next) {
        self.start_with(caller, Attestation::Full)
    }

    /// A call whose caller ID nobody vouches for (a spoofed number looks so).
    pub fn start_unattested(&mut self, caller: Option<&str>) -> (String, Next) {
        self.start_with(caller, Attestation::Unverified)
    }

    fn start_with(&mut self, caller: Option<&str>, attestation: Attestation) -> (String, Next) {
        self.feed(Input::CallStarted {
            caller: caller.map(phone),
            attestation,
            resumed: false,
            verification_locked: false,
        })
    }

    pub fn say(&mut self, text: &str) -> (String, Next) {
        self.feed(Input::Speech {
            text: text.into(),
            confidence: Some(0.9),
        })
    }

    pub fn mumble(&mut self, text: &str) -> (String, Next) {
        self.feed(Input::Speech {
            text: text.into(),
            confidence: Some(0.3),
        })
    }

    pub fn keys(&mut self, keys: &str) -> (String, Next) {
        self.feed(Input::Digits(keys.into()))
    }

    pub fn silence(&mut self) -> (String, Next) {
        self.feed(Input::NoInput)
    }

    pub fn outcome(&self) -> Option<CallOutcome> {
        self.conv.outcome()
    }

    /// Feeds an input and resolves every effect until the turn completes.
    pub fn feed(&mut self, input: Input) -> (String, Next) {
        let mut queue = vec![input];
        let mut said = Vec::new();
        let mut next = Next::Nothing;
        let mut guard = 0;
        while let Some(input) = queue.pop() {
            guard += 1;
            assert!(guard < 50, "effects never settle");
            let ctx = Context::new(&self.merchant).with_limits(&self.limits);
            let actions = self.conv.handle(self.now, &ctx, input);
            let mut results = Vec::new();
            for a in actions {
                match a {
                    Action::Speak(s) => said.push(s.text),
                    Action::Listen(_) => next = Next::Listen,
                    Action::Transfer(t) => next = Next::Transfer(t),
                    Action::HangUp => next = Next::HangUp,
                    Action::Continue => next = Next::Continue,
                    Action::Effect(Effect::Record(e)) => {
                        if e == lumitalk_core::conversation::Event::Verified {
                            self.verified = true;
                        }
                        self.events.push(e)
                    }
                    Action::Effect(Effect::Classify { utterance, .. }) => {
                        let c = classify(utterance.text());
                        results.push(match self.providers {
                            Providers::ClassifierDown => {
                                Input::ClassificationFailed { fallback: c }
                            }
                            _ => Input::Classified(c),
                        });
                    }
                    Action::Effect(Effect::Lookup(lookup)) => results.push(self.lookup(lookup)),
                    _ => {}
                }
            }
            // Feed results in request order.
            results.reverse();
            queue.extend(results);
        }
        if self.conv.is_waiting() {
            let ctx = Context::new(&self.merchant).with_limits(&self.limits);
            for a in self.conv.handle(self.now, &ctx, Input::Deadline) {
                match a {
                    Action::Speak(s) => said.push(s.text),
                    Action::Listen(_) => next = Next::Listen,
                    Action::Transfer(t) => next = Next::Transfer(t),
                    Action::HangUp => next = Next::HangUp,
                    Action::Continue => next = Next::Continue,
                    _ => {}
                }
            }
        }
        let text = said.join(" ");
        self.spoken.push(text.clone());
        (text, next)
    }

    fn lookup(&self, lookup: Lookup) -> Input {
        if self.providers == Providers::LookupDown {
            return Input::LookupFailed {
                lookup,
                kind: lumitalk_core::ErrorKind::Unavailable,
            };
        }
        if self.providers == Providers::LookupQueued {
            return Input::LookupFailed {
                lookup,
                kind: lumitalk_core::ErrorKind::RateLimited,
            };
        }
        let found: Vec<Order> = match &lookup {
            Lookup::Number { number } => self
                .orders
                .iter()
                .filter(|o| &o.number == number)
                .cloned()
                .collect(),
            Lookup::Phone { phone } => {
                let mut v: Vec<Order> = self
                    .orders
                    .iter()
                    .filter(|o| o.phone() == Some(phone))
                    .cloned()
                    .collect();
                v.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
                v
            }
        };
        if found.is_empty() {
            Input::OrdersNotFound { lookup }
        } else {
            Input::OrdersFound {
                lookup,
                orders: found,
            }
        }
    }
}
