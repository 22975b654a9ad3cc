//! The OrderSource contract, checked against a fake shop behind wiremock.

mod support;

use lumitalk_core::testing::{ExpectedOrder, OrderSourceFixture, order_source_conformance};
use lumitalk_core::{MerchantId, OrderNumber, OrderSource, PhoneNumber};
use lumitalk_shopify::{ShopifyConfig, ShopifyOrderSource};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer};

async fn fake_shop_source() -> (MockServer, ShopifyOrderSource) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/admin/api/2026-10/graphql.json"))
        .and(header("X-Shopify-Access-Token", "shpat_conformance"))
        .respond_with(support::demo_shop())
        .mount(&server)
        .await;
    let config = ShopifyConfig::builder()
        .shop("acme")
        .access_token("shpat_conformance")
        .base_url(server.uri())
        .build()
        .unwrap();
    (server, ShopifyOrderSource::new(&config).unwrap())
}

fn n(d: &str) -> OrderNumber {
    OrderNumber::from_digits(d).unwrap()
}

fn p(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

/// Core's shared suite, the one every `OrderSource` runs.
#[tokio::test]
async fn core_order_source_conformance() {
    let (_server, source) = fake_shop_source().await;
    let fixture = OrderSourceFixture {
        merchant: MerchantId::new("acme"),
        existing: ExpectedOrder {
            number: n("1001"),
            customer_phone: Some(p("+14155550123")),
            postal_code: Some("94105".into()),
            fulfillment_count: 2,
        },
        missing: n("9999"),
        // The fake's inexact search returns #1001, #1002, #10010 and #1010 for `100`.
        near_miss: Some(n("100")),
        phone_with_orders: p("+14155550123"),
        orders_for_phone: vec![n("1010"), n("1001"), n("998")],
        phone_without_orders: p("+15035550100"),
    };
    order_source_conformance(&source, &fixture).await;
}

/// The same rules spelled out, plus the inexact-phone case (a second customer
/// whose number shares a prefix is returned by the fake search and must be dropped).
#[tokio::test]
async fn order_source_contract_against_fake_shop() {
    let (_server, source) = fake_shop_source().await;
    let m = MerchantId::new("acme");

    let order = source
        .order_by_number(&m, &n("1001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.number, n("1001"));
    assert_eq!(order.phone(), Some(&p("+14155550123")));
    assert!(
        order
            .shipping_postal_code
            .as_ref()
            .unwrap()
            .matches("94105")
    );
    assert_eq!(order.fulfillments.len(), 2);

    assert_eq!(source.order_by_number(&m, &n("9999")).await.unwrap(), None);
    // `100` finds #1001, #1002, #10010 and #1010 in the fake's inexact search.
    assert_eq!(source.order_by_number(&m, &n("100")).await.unwrap(), None);

    let phone = p("+14155550123");
    let all = source.recent_orders_by_phone(&m, &phone, 50).await.unwrap();
    let numbers: Vec<OrderNumber> = all.iter().map(|o| o.number.clone()).collect();
    assert_eq!(numbers, [n("1010"), n("1001"), n("998")]);
    assert!(all.iter().all(|o| o.phone() == Some(&phone)));
    assert!(all.windows(2).all(|w| w[0].placed_at >= w[1].placed_at));

    let one = source.recent_orders_by_phone(&m, &phone, 1).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].number, n("1010"));
    assert!(
        source
            .recent_orders_by_phone(&m, &phone, 0)
            .await
            .unwrap()
            .is_empty()
    );
    let nobody = p("+15035550100");
    assert!(
        source
            .recent_orders_by_phone(&m, &nobody, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
