//! The HTTP client: an injected one is used, and redirects are never followed.

use lumitalk_core::{ErrorKind, MerchantId, Order, OrderNumber, OrderSource, OrderSourceError};
use lumitalk_shopify::{ShopifyConfig, ShopifyConfigBuilder, ShopifyOrderSource};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "shpat_test_token_0123";
const ENDPOINT: &str = "/admin/api/2026-10/graphql.json";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn injected_client() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-injected", HeaderValue::from_static("yes"));
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn builder(server: &MockServer) -> ShopifyConfigBuilder {
    ShopifyConfig::builder()
        .shop("acme")
        .access_token(TOKEN)
        .base_url(server.uri())
}

async fn order_1001(config: &ShopifyConfig) -> Result<Option<Order>, OrderSourceError> {
    let orders = ShopifyOrderSource::new(config).unwrap();
    let number = OrderNumber::from_digits("1001").unwrap();
    orders
        .order_by_number(&MerchantId::new("acme"), &number)
        .await
}

#[tokio::test]
async fn an_injected_client_sends_its_headers_and_ours() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("x-injected", "yes"))
        .and(header("X-Shopify-Access-Token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("order_multi_fulfillment.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let config = builder(&server)
        .http_client(injected_client())
        .build()
        .unwrap();
    assert!(config.http_client().is_some());
    assert!(order_1001(&config).await.unwrap().is_some());
}

#[tokio::test]
async fn a_redirect_is_an_invalid_response_and_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", server.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let config = builder(&server).build().unwrap();
    let err = order_1001(&config).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
}
