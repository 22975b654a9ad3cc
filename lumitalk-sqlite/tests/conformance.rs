//! Core's CallRecordStore conformance suite, against an in-memory and a file
//! database, and again after the file is closed and reopened.

mod common;

use lumitalk_core::Timestamp;
use lumitalk_core::testing::call_record_store_conformance;
use lumitalk_sqlite::SqliteCallRecordStore;

fn now() -> Timestamp {
    Timestamp::from_civil(2026, 11, 20, 14, 3, 11)
}

#[tokio::test]
async fn in_memory_store_conforms() {
    let store = SqliteCallRecordStore::open_in_memory().unwrap();
    call_record_store_conformance(&store, now()).await;
    store.integrity_check().await.unwrap();
}

#[tokio::test]
async fn file_store_conforms() {
    let dir = common::temp_dir("conformance");
    let store = SqliteCallRecordStore::open(dir.join("calls.db")).unwrap();
    call_record_store_conformance(&store, now()).await;
    store.integrity_check().await.unwrap();
    drop(store);
    // The suite leaves the store empty; a reopened file passes it again.
    let store = SqliteCallRecordStore::open(dir.join("calls.db")).unwrap();
    call_record_store_conformance(&store, now()).await;
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}
