//! `WarehouseOrders` passes core's `OrderSource` conformance suite, and the other
//! re-exported types are usable by their `lumitalk_core` paths.

use lumitalk_core::memory::demo_orders;
use lumitalk_core::testing::{OrderSourceFixture, order_source_conformance};
use lumitalk_core::{Bytes, InboundRequest, OrderNumber, SecretString, Url};
use lumitalk_example_only_core::WarehouseOrders;

fn source() -> WarehouseOrders {
    WarehouseOrders::new(
        Url::parse("https://orders.example.test/api/").unwrap(),
        SecretString::from("k3y"),
        demo_orders().iter().cloned(),
    )
}

#[tokio::test]
async fn passes_the_order_source_conformance_suite() {
    order_source_conformance(&source(), &OrderSourceFixture::demo()).await;
}

#[test]
fn builds_requests_from_re_exported_types() {
    let s = source();
    assert_eq!(
        s.order_url(&OrderNumber::parse("1001").unwrap()).as_str(),
        "https://orders.example.test/api/orders/1001"
    );
    assert_eq!(s.authorization(), "Bearer k3y");
    assert!(!format!("{s:?}").contains("k3y"));

    // A webhook as a server hands it to a `Telephony` implementation.
    let request = InboundRequest {
        method: "POST".into(),
        url: Url::parse("https://bot.example.test/voice").unwrap(),
        headers: vec![],
        body: Bytes::from_static(b"CallSid=CA1"),
    };
    assert_eq!(request.body.len(), 11);
}
