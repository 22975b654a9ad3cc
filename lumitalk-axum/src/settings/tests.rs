use std::collections::HashMap;
use std::path::PathBuf;

use super::*;

fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
    pairs.iter().copied().collect()
}

#[test]
fn demo_defaults_need_no_settings() {
    let s = Settings::from_source(&env(&[])).unwrap();
    assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:3000/");
    assert_eq!(s.database, PathBuf::from("lumitalk.db"));
    assert_eq!(s.database_sync, DatabaseSync::Full);
    assert!(s.admin_token.is_none());
    assert_eq!(s.merchants.len(), 1);
    assert_eq!(s.merchants[0].merchant.display_name, "LumiTalk Demo Store");
    assert!(s.merchants[0].merchant.escalation_number.is_some());
}

#[test]
fn every_malformed_setting_is_named() {
    let err = Settings::from_source(&env(&[
        ("LUMITALK_ADDR", "nope"),
        ("LUMITALK_PUBLIC_URL", "ftp://x"),
        ("LUMITALK_RETENTION_DAYS", "forever"),
        ("LUMITALK_ESCALATION_NUMBER", "call me"),
        ("LUMITALK_ADMIN_TOKEN", "short"),
        ("LUMITALK_SQLITE_SYNCHRONOUS", "sometimes"),
        ("LUMITALK_VERIFICATION", "trust me"),
    ]))
    .unwrap_err();
    let text = err.to_string();
    for var in [
        "LUMITALK_ADDR",
        "LUMITALK_PUBLIC_URL",
        "LUMITALK_RETENTION_DAYS",
        "LUMITALK_ESCALATION_NUMBER",
        "LUMITALK_ADMIN_TOKEN",
        "LUMITALK_SQLITE_SYNCHRONOUS",
        "LUMITALK_VERIFICATION",
    ] {
        assert!(err.names(var), "{var} missing from: {text}");
        assert!(text.contains(var), "{var} missing from: {text}");
    }
}

#[test]
fn refuses_public_bind_without_twilio_token() {
    let err = Settings::from_source(&env(&[("LUMITALK_ADDR", "0.0.0.0:3000")])).unwrap_err();
    assert!(err.names("LUMITALK_ADDR"));
    assert!(err.to_string().contains("TWILIO_AUTH_TOKEN"));
    assert!(
        Settings::from_source(&env(&[
            ("LUMITALK_ADDR", "0.0.0.0:3000"),
            ("TWILIO_AUTH_TOKEN", "secret")
        ]))
        .is_ok()
    );
}

#[test]
fn a_real_provider_without_the_twilio_token_is_refused() {
    for key in ["OPENAI_API_KEY", "ELEVENLABS_API_KEY"] {
        let err = Settings::from_source(&env(&[(key, "sk-live-secret-value")])).unwrap_err();
        assert!(err.names("TWILIO_AUTH_TOKEN"), "{key}: {err}");
        assert!(err.to_string().contains(key));
        assert!(
            !err.to_string().contains("sk-live-secret-value"),
            "secret leaked"
        );
        // The terminal simulator takes no webhooks: allowed there.
        assert!(Settings::for_local_simulation(&env(&[(key, "sk-x")])).is_ok());
        // And with the token, the server is fine.
        assert!(Settings::from_source(&env(&[(key, "sk-x"), ("TWILIO_AUTH_TOKEN", "t")])).is_ok());
    }
}

#[test]
fn demo_mode_refuses_a_real_shopify_store() {
    let shop = [
        ("SHOPIFY_SHOP", "acme.myshopify.com"),
        ("SHOPIFY_ACCESS_TOKEN", "shpat_live_secret_value"),
    ];
    let err = Settings::from_source(&env(&shop)).unwrap_err();
    assert!(err.names("TWILIO_AUTH_TOKEN"), "{err}");
    assert!(err.to_string().contains("SHOPIFY"), "{err}");
    assert!(
        !err.to_string().contains("shpat_live_secret_value"),
        "secret leaked"
    );
    // A merchants file naming a shop is just as real.
    let file = std::env::temp_dir().join(format!("lumitalk-demo-shop-{}.toml", std::process::id()));
    std::fs::write(
        &file,
        "[[merchants]]\nid = \"acme\"\nname = \"Acme\"\nnumbers = [\"+14155550100\"]\n\
         [merchants.shopify]\nshop = \"acme.myshopify.com\"\naccess_token_env = \"ACME_TOKEN\"\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let mut vars = env(&[("ACME_TOKEN", "shpat_x")]);
    vars.insert("LUMITALK_CONFIG", Box::leak(path.into_boxed_str()));
    let refused = Settings::from_source(&vars);
    let _ = std::fs::remove_file(&file);
    let err = refused.unwrap_err();
    assert!(err.names("TWILIO_AUTH_TOKEN"), "{err}");
}

#[test]
fn half_a_provider_is_an_error_not_demo_mode() {
    let with_token = |pairs: &[(&'static str, &'static str)]| {
        let mut e = env(pairs);
        e.insert("TWILIO_AUTH_TOKEN", "t");
        Settings::from_source(&e)
    };
    let err = with_token(&[("SHOPIFY_SHOP", "acme.myshopify.com")]).unwrap_err();
    assert!(err.names("SHOPIFY_ACCESS_TOKEN"), "{err}");
    let err = with_token(&[("SHOPIFY_ACCESS_TOKEN", "shpat_secret")]).unwrap_err();
    assert!(err.names("SHOPIFY_SHOP"), "{err}");
    assert!(!err.to_string().contains("shpat_secret"));
    let err = with_token(&[("OPENAI_MODEL", "gpt-x")]).unwrap_err();
    assert!(err.names("OPENAI_MODEL"), "{err}");
    let err = Settings::from_source(&env(&[("TWILIO_ACCOUNT_SID", "AC1")])).unwrap_err();
    assert!(err.names("TWILIO_ACCOUNT_SID"), "{err}");
    assert!(
        with_token(&[
            ("SHOPIFY_SHOP", "acme.myshopify.com"),
            ("SHOPIFY_ACCESS_TOKEN", "shpat_x")
        ])
        .is_ok()
    );
}

#[test]
fn sync_modes_parse() {
    let s = Settings::from_source(&env(&[("LUMITALK_SQLITE_SYNCHRONOUS", "Normal")])).unwrap();
    assert_eq!(s.database_sync, DatabaseSync::Normal);
}

#[test]
fn demo_mode_refuses_a_public_url_elsewhere() {
    let err = Settings::from_source(&env(&[("LUMITALK_PUBLIC_URL", "https://abc.ngrok.app")]))
        .unwrap_err();
    assert!(err.names("LUMITALK_PUBLIC_URL"), "{err}");
    assert!(
        Settings::from_source(&env(&[("LUMITALK_PUBLIC_URL", "http://localhost:3000/lt")])).is_ok()
    );
    assert!(
        Settings::from_source(&env(&[
            ("LUMITALK_PUBLIC_URL", "https://abc.ngrok.app"),
            ("TWILIO_AUTH_TOKEN", "t")
        ]))
        .is_ok()
    );
}

#[test]
fn an_admin_listener_and_a_strong_token() {
    let s = Settings::from_source(&env(&[("LUMITALK_ADMIN_ADDR", "127.0.0.1:3001")])).unwrap();
    assert_eq!(s.admin_addr.unwrap().port(), 3001);
    let err = Settings::from_source(&env(&[
        ("LUMITALK_ADMIN_ADDR", "internal"),
        ("LUMITALK_ADMIN_TOKEN", "aaaaaaaaaaaaaaaaaaaaaaaa"),
    ]))
    .unwrap_err();
    assert!(
        err.names("LUMITALK_ADMIN_ADDR") && err.names("LUMITALK_ADMIN_TOKEN"),
        "{err}"
    );
}
