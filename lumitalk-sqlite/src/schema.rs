//! The schema, as an ordered list of migrations applied on open.
//!
//! `PRAGMA user_version` holds how many migrations a database has had. Opening
//! applies the missing ones in order, each in its own transaction together with
//! the version bump, so a crash mid-migration leaves the previous version intact.
//! Migrations are append-only: never edit one that has shipped, add a new one.

use rusqlite::Connection;

use crate::error::Error;

/// Every migration, oldest first. Index `i` takes a database from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: calls, their turns, and the audio each turn played.
    "
    CREATE TABLE calls (
        call_id           TEXT    NOT NULL PRIMARY KEY,
        merchant          TEXT    NOT NULL,
        caller_e164       TEXT,
        called_e164       TEXT,
        started_at        INTEGER NOT NULL,
        ended_at          INTEGER,
        outcome           TEXT,
        retry_attempts    INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        tts_characters    INTEGER NOT NULL DEFAULT 0,
        turn_count        INTEGER NOT NULL DEFAULT 0,
        legal_hold        INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1))
    ) STRICT;
    CREATE INDEX calls_by_caller   ON calls (caller_e164, started_at);
    CREATE INDEX calls_by_merchant ON calls (merchant, started_at);
    CREATE INDEX calls_by_start    ON calls (started_at);

    CREATE TABLE turns (
        call_id TEXT    NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        seq     INTEGER NOT NULL,
        at      INTEGER NOT NULL,
        body    TEXT    NOT NULL,
        PRIMARY KEY (call_id, seq)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE turn_audio (
        call_id  TEXT    NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,
        idx      INTEGER NOT NULL,
        audio_id TEXT    NOT NULL,
        PRIMARY KEY (call_id, seq, idx)
    ) STRICT, WITHOUT ROWID;
    ",
];

/// The schema version this build writes.
pub(crate) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`CURRENT_VERSION`].
///
/// # Errors
/// [`Error::NewerSchema`] if the database was written by a newer build; SQLite errors.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(Error::NewerSchema(version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now > i as i64 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, CURRENT_VERSION);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", CURRENT_VERSION + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(Error::NewerSchema(_))));
    }
}
