//! The domain: phone numbers, orders, utterances, intents and merchants.

mod attestation;
mod ids;
mod intent;
mod merchant;
mod order;
mod order_number;
mod outcome;
mod phone;
pub(crate) mod spoken_digits;
mod time;
mod zone;

pub use attestation::Attestation;
pub use ids::{AudioId, CallId, MerchantId};
pub use intent::{
    Classification, ClassifyContext, Entities, ExpectedEntity, Intent, TokenUsage, Utterance,
};
pub use merchant::{
    BusinessHours, DEFAULT_RETENTION, Language, Merchant, MerchantDirectory, VerificationPolicy,
    VoiceConfig,
};
pub use order::{
    CustomerContact, FinancialStatus, Fulfillment, FulfillmentStatus, LineItem, Money, Order,
    PostalCode, ShipmentStatus,
};
pub use order_number::{
    ORDER_NUMBER_MAX_DIGITS, ORDER_NUMBER_MIN_DIGITS, OrderNumber, OrderNumberError,
};
pub use outcome::{Cacheability, CallOutcome, TransferOutcome};
pub use phone::{PhoneNumber, PhoneNumberError, Region};
pub use time::{CivilDate, Timestamp, TimestampError, Weekday, days_in_month};
pub use zone::{CalendarDate, IanaZone, InvalidDate, StoreTimeZone, UnknownTimeZone};
