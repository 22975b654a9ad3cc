//! The background jobs as a library handle: the retention purge runs at start,
//! shutdown stops every job, and each run is counted.

use std::sync::Arc;
use std::time::Duration;

use lumitalk_axum::{JobSchedule, LumiTalk, Stopped};
use lumitalk_core::assistant::Assistant;
use lumitalk_core::memory::{DemoOrderStore, SimulatedTelephony};
use lumitalk_core::{
    CallId, CallRecordStore, CallStart, Clock, Merchant, MerchantDirectory, MerchantId,
    PhoneNumber, TokioClock,
};

#[tokio::test]
async fn the_purge_runs_at_start_and_shutdown_stops_the_jobs() {
    let clock = Arc::new(TokioClock::new());
    let merchant = Merchant::new("acme", "Acme").with_retention(Duration::from_secs(30 * 86_400));
    let assistant = Assistant::builder(
        MerchantDirectory::new(vec![merchant]),
        Arc::new(DemoOrderStore::demo()),
    )
    .demo_in_memory_records()
    .clock(clock.clone())
    .build()
    .unwrap();
    let records = assistant.records().clone();
    let start = |id: &str, days_ago: u64| CallStart {
        call_id: CallId::new(id),
        merchant: MerchantId::new("acme"),
        caller: PhoneNumber::parse_e164("+14155550123").ok(),
        called: None,
        started_at: clock.now().minus(Duration::from_secs(days_ago * 86_400)),
    };
    records.begin_call(&start("CA-old", 31)).await.unwrap();
    records.begin_call(&start("CA-new", 29)).await.unwrap();

    let lumitalk = LumiTalk::builder(
        assistant,
        Arc::new(SimulatedTelephony::new(
            "test-signing-secret".to_string().into(),
        )),
    )
    .public_url("http://127.0.0.1:3000".parse().unwrap())
    .job_schedule(JobSchedule {
        sweep_every: Duration::from_millis(20),
        ..JobSchedule::default()
    })
    .build()
    .unwrap();
    let jobs = lumitalk.start_jobs();
    for _ in 0..100 {
        if records.get(&CallId::new("CA-old")).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        records.get(&CallId::new("CA-old")).await.unwrap().is_none(),
        "the purge at start removes a record past the merchant's 30 days"
    );
    assert!(records.get(&CallId::new("CA-new")).await.unwrap().is_some());
    assert_eq!(jobs.shutdown().await, Stopped::Cleanly);
}
