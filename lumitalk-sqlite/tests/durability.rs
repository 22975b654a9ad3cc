//! Durability: a child process writes records and is killed with SIGKILL
//! mid-stream; on reopen every record it acknowledged is there, whole, and the
//! database passes `PRAGMA integrity_check`.
//!
//! The child is this same test binary, re-run with [`CHILD_DB`] set and a filter
//! selecting [`durability_child`], which otherwise does nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use lumitalk_core::{CallId, CallRecordStore};
use lumitalk_sqlite::SqliteCallRecordStore;

/// Set in the child: the database file to write.
const CHILD_DB: &str = "LUMITALK_SQLITE_DURABILITY_CHILD_DB";
/// Writers in the child, so the kill lands in the middle of group commits.
const WRITERS: usize = 4;
/// Turns per call.
const TURNS: usize = 3;
/// Acknowledged calls the parent waits for before killing the child.
const KILL_AFTER: usize = 200;

/// The child: writes calls forever from several tasks, printing `ACK <id>` once
/// the call and all its turns are acknowledged.
#[test]
fn durability_child() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = SqliteCallRecordStore::open(&path).unwrap();
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0u64.. {
                    let id = format!("CA-{w}-{i}");
                    let at = i as i64;
                    store
                        .begin_call(&start(&id, "shop", Some("+14155550123"), at))
                        .await
                        .unwrap();
                    for t in 0..TURNS {
                        let audio = format!("{id}-{t}");
                        let ok = store
                            .append_turn(&CallId::new(&id), &turn(at, "where is it", &[&audio]))
                            .await
                            .unwrap();
                        assert!(ok);
                    }
                    // println! takes the stdout lock per line: lines never interleave.
                    println!("ACK {id}");
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = temp_dir("durability");
    let db = dir.join("calls.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "durability_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.to_owned());
            if acked.len() == KILL_AFTER {
                break;
            }
        }
    }
    // SIGKILL on Unix: no destructor, no checkpoint, no chance to flush.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "child ended on its own: {status}");
    }
    #[cfg(not(unix))]
    let _ = status;
    assert_eq!(acked.len(), KILL_AFTER, "child stopped acknowledging early");

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = SqliteCallRecordStore::open(&db).unwrap();
        store.integrity_check().await.unwrap();
        for id in &acked {
            let record = store
                .get(&CallId::new(id.as_str()))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged call {id} is missing"));
            assert_eq!(record.turns.len(), TURNS, "{id}");
            assert_eq!(record.audio_ids().count(), TURNS, "{id}");
        }
        // Whatever else the child wrote is whole too: every call has a prefix of its turns.
        let all = store
            .list_by_caller(&phone("+14155550123"), None)
            .await
            .unwrap();
        assert!(all.len() >= acked.len());
        for r in &all {
            assert!(r.turns.len() <= TURNS);
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}
