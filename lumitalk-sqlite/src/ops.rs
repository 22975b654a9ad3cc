//! The SQL behind each store operation, as plain synchronous functions over a
//! connection. The worker thread runs them; they never touch the async runtime.
//!
//! A turn is stored whole as JSON (`turns.body`), so new fields in
//! [`TurnRecord`] need no migration; the columns beside it (`calls` totals,
//! `turn_audio`) exist for queries: totals for reporting, audio ids so a
//! deletion can return the audio it orphans without decoding every turn.

use std::collections::HashSet;

use lumitalk_core::{
    AudioId, CallId, CallOutcome, CallRecord, CallStart, Deleted, MerchantId, PhoneNumber,
    RetentionPolicy, Timestamp, TurnRecord,
};
use rusqlite::{Connection, OptionalExtension, ToSql, params};

use crate::error::Error;

/// A turn encoded on the caller's thread, so the writer thread only writes.
#[derive(Debug)]
pub(crate) struct EncodedTurn {
    at: i64,
    body: String,
    audio: Vec<String>,
    retry_attempts: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    tts_characters: i64,
}

impl EncodedTurn {
    /// Encodes a turn and the totals it adds (the same arithmetic as
    /// [`CallRecord::push_turn`]).
    pub(crate) fn new(turn: &TurnRecord) -> Result<Self, Error> {
        let usage = turn.classification.as_ref().and_then(|c| c.usage);
        Ok(EncodedTurn {
            at: turn.at.as_unix_millis(),
            body: serde_json::to_string(turn)?,
            audio: turn.audio.iter().map(|a| a.as_str().to_owned()).collect(),
            retry_attempts: turn.retry_attempts.into(),
            prompt_tokens: usage.map_or(0, |u| u.prompt_tokens.into()),
            completion_tokens: usage.map_or(0, |u| u.completion_tokens.into()),
            tts_characters: turn.tts_characters.into(),
        })
    }
}

/// Inserts a call unless it exists (the first `begin_call` wins).
pub(crate) fn begin_call(conn: &Connection, start: &CallStart) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO calls (call_id, merchant, caller_e164, called_e164, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (call_id) DO NOTHING",
    )?
    .execute(params![
        start.call_id.as_str(),
        start.merchant.as_str(),
        start.caller.as_ref().map(PhoneNumber::as_e164),
        start.called.as_ref().map(PhoneNumber::as_e164),
        start.started_at.as_unix_millis(),
    ])?;
    Ok(())
}

/// Appends a turn; `false` if the call has no record.
pub(crate) fn append_turn(conn: &Connection, call: &str, t: &EncodedTurn) -> Result<bool, Error> {
    let seq: Option<i64> = conn
        .prepare_cached(
            "UPDATE calls SET
                turn_count        = turn_count + 1,
                retry_attempts    = retry_attempts + ?2,
                prompt_tokens     = prompt_tokens + ?3,
                completion_tokens = completion_tokens + ?4,
                tts_characters    = tts_characters + ?5
             WHERE call_id = ?1
             RETURNING turn_count - 1",
        )?
        .query_row(
            params![
                call,
                t.retry_attempts,
                t.prompt_tokens,
                t.completion_tokens,
                t.tts_characters
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(seq) = seq else {
        return Ok(false);
    };
    conn.prepare_cached("INSERT INTO turns (call_id, seq, at, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![call, seq, t.at, t.body])?;
    if !t.audio.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT INTO turn_audio (call_id, seq, idx, audio_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (idx, audio) in t.audio.iter().enumerate() {
            insert.execute(params![call, seq, idx as i64, audio])?;
        }
    }
    Ok(true)
}

/// Records how a call ended; `false` if the call has no record.
pub(crate) fn finish_call(
    conn: &Connection,
    call: &str,
    outcome: CallOutcome,
    ended_at: Timestamp,
) -> Result<bool, Error> {
    let n = conn
        .prepare_cached("UPDATE calls SET ended_at = ?2, outcome = ?3 WHERE call_id = ?1")?
        .execute(params![call, ended_at.as_unix_millis(), outcome.as_str()])?;
    Ok(n > 0)
}

/// Sets or releases a legal hold; `false` if the call has no record.
pub(crate) fn set_legal_hold(conn: &Connection, call: &str, hold: bool) -> Result<bool, Error> {
    let n = conn
        .prepare_cached("UPDATE calls SET legal_hold = ?2 WHERE call_id = ?1")?
        .execute(params![call, hold])?;
    Ok(n > 0)
}

const RECORD_COLUMNS: &str = "calls.call_id, calls.merchant, calls.caller_e164, calls.called_e164,
     calls.started_at, calls.ended_at, calls.outcome, calls.legal_hold, turns.body";

/// One call's record.
pub(crate) fn get(conn: &Connection, call: &str) -> Result<Option<CallRecord>, Error> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM calls LEFT JOIN turns ON turns.call_id = calls.call_id
         WHERE calls.call_id = ?1 ORDER BY turns.seq"
    );
    Ok(load(conn, &sql, &[&call])?.pop())
}

/// A caller's records (optionally one merchant's), oldest first.
pub(crate) fn list_by_caller(
    conn: &Connection,
    caller: &str,
    merchant: Option<&str>,
) -> Result<Vec<CallRecord>, Error> {
    let filter = if merchant.is_some() {
        "calls.caller_e164 = ?1 AND calls.merchant = ?2"
    } else {
        "calls.caller_e164 = ?1"
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM calls LEFT JOIN turns ON turns.call_id = calls.call_id
         WHERE {filter} ORDER BY calls.started_at, calls.call_id, turns.seq"
    );
    match merchant {
        Some(m) => load(conn, &sql, &[&caller, &m]),
        None => load(conn, &sql, &[&caller]),
    }
}

// Reads rows of RECORD_COLUMNS, grouped by call (rows of one call are adjacent).
fn load(conn: &Connection, sql: &str, args: &[&dyn ToSql]) -> Result<Vec<CallRecord>, Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    let mut out: Vec<CallRecord> = Vec::new();
    while let Some(row) = rows.next()? {
        let call_id: String = row.get(0)?;
        if out.last().is_none_or(|r| r.call_id.as_str() != call_id) {
            let outcome: Option<String> = row.get(6)?;
            let mut record = CallRecord::new(CallStart {
                call_id: CallId::new(call_id),
                merchant: MerchantId::new(row.get::<_, String>(1)?),
                caller: phone(row.get(2)?)?,
                called: phone(row.get(3)?)?,
                started_at: Timestamp::from_unix_millis(row.get(4)?),
            });
            record.ended_at = row
                .get::<_, Option<i64>>(5)?
                .map(Timestamp::from_unix_millis);
            record.outcome = outcome.map(|o| parse_outcome(&o)).transpose()?;
            record.legal_hold = row.get(7)?;
            out.push(record);
        }
        let body = row
            .get_ref(8)?
            .as_str_or_null()
            .map_err(|_| Error::Corrupt("stored turn is not text"))?;
        if let Some(body) = body {
            let turn: TurnRecord = serde_json::from_str(body)?;
            if let Some(record) = out.last_mut() {
                record.push_turn(turn);
            }
        }
    }
    Ok(out)
}

fn phone(e164: Option<String>) -> Result<Option<PhoneNumber>, Error> {
    e164.map(|s| PhoneNumber::parse_e164(&s))
        .transpose()
        .map_err(|_| Error::Corrupt("stored phone number is not E.164"))
}

fn parse_outcome(s: &str) -> Result<CallOutcome, Error> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Error::Corrupt("stored call outcome is unknown"))
}

/// Deletes a caller's records (optionally one merchant's).
pub(crate) fn delete_by_caller(
    conn: &Connection,
    caller: &str,
    merchant: Option<&str>,
) -> Result<Deleted, Error> {
    match merchant {
        Some(m) => delete_where(
            conn,
            "calls.caller_e164 = ?1 AND calls.merchant = ?2",
            &[&caller, &m],
        ),
        None => delete_where(conn, "calls.caller_e164 = ?1", &[&caller]),
    }
}

/// Deletes all of a merchant's records.
pub(crate) fn delete_merchant(conn: &Connection, merchant: &str) -> Result<Deleted, Error> {
    delete_where(conn, "calls.merchant = ?1", &[&merchant])
}

/// Deletes up to `batch` records older than their merchant's window and not on
/// hold (the caller repeats until a batch comes back short, so live writes
/// queue between batches instead of behind one long transaction).
///
/// The per-merchant windows go into a temporary table so one statement covers
/// every merchant; `started_at < ?2` (the latest cutoff) lets SQLite use the
/// `started_at` index instead of scanning every call.
pub(crate) fn purge_expired(
    conn: &Connection,
    now: Timestamp,
    policy: &RetentionPolicy,
    batch: usize,
) -> Result<Deleted, Error> {
    let default_cutoff = now.minus(policy.default).as_unix_millis();
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS retention_cutoffs (
             merchant TEXT NOT NULL PRIMARY KEY, cutoff INTEGER NOT NULL);
         DELETE FROM temp.retention_cutoffs;",
    )?;
    let mut latest = default_cutoff;
    {
        let mut insert = conn.prepare_cached(
            "INSERT INTO temp.retention_cutoffs (merchant, cutoff) VALUES (?1, ?2)",
        )?;
        for (merchant, window) in &policy.per_merchant {
            let cutoff = now.minus(*window).as_unix_millis();
            latest = latest.max(cutoff);
            insert.execute(params![merchant.as_str(), cutoff])?;
        }
    }
    let filter = format!(
        "calls.call_id IN (SELECT calls.call_id FROM calls
             WHERE calls.legal_hold = 0 AND calls.started_at < ?2 AND calls.started_at < COALESCE(
                 (SELECT cutoff FROM temp.retention_cutoffs WHERE merchant = calls.merchant), ?1)
             LIMIT {batch})"
    );
    let deleted = delete_where(conn, &filter, &[&default_cutoff, &latest])?;
    conn.execute_batch("DELETE FROM temp.retention_cutoffs")?;
    Ok(deleted)
}

// Counts the matching calls on legal hold (they stay), collects the audio the
// other matching calls reference (each id once, in call and turn order), then
// deletes those calls; turns and audio rows go by cascade.
fn delete_where(conn: &Connection, filter: &str, args: &[&dyn ToSql]) -> Result<Deleted, Error> {
    let held: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM calls WHERE calls.legal_hold = 1 AND ({filter})"
        ))?
        .query_row(args, |r| r.get(0))?;
    let filter = format!("calls.legal_hold = 0 AND ({filter})");
    let mut audio = Vec::new();
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT turn_audio.audio_id FROM calls
             JOIN turn_audio ON turn_audio.call_id = calls.call_id
             WHERE {filter}
             ORDER BY calls.started_at, calls.call_id, turn_audio.seq, turn_audio.idx"
        ))?;
        let mut seen = HashSet::new();
        let mut rows = stmt.query(args)?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if seen.insert(id.clone()) {
                audio.push(AudioId::new(id));
            }
        }
    }
    let calls = {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT calls.call_id FROM calls WHERE {filter}"))?;
        let ids = stmt.query_map(args, |row| row.get::<_, String>(0))?;
        ids.map(|id| id.map(CallId::new))
            .collect::<Result<Vec<_>, _>>()?
    };
    let records = conn
        .prepare_cached(&format!("DELETE FROM calls WHERE {filter}"))?
        .execute(args)?;
    Ok(Deleted {
        records: records as u64,
        audio,
        held: held as u64,
        calls,
    })
}

/// Row counts per table, for tests and diagnostics.
#[cfg(test)]
pub(crate) fn counts(conn: &Connection) -> std::collections::HashMap<&'static str, i64> {
    ["calls", "turns", "turn_audio"]
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::{TurnInput, TurnTimings};

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        conn
    }

    fn turn(audio: &[&str]) -> EncodedTurn {
        EncodedTurn::new(&TurnRecord {
            at: Timestamp::EPOCH,
            input: TurnInput::NoInput,
            classification: None,
            reply_text: String::new(),
            audio: audio.iter().map(|a| AudioId::new(*a)).collect(),
            timings: TurnTimings::default(),
            retry_attempts: 1,
            errors: Vec::new(),
            tts_characters: 5,
            events: Vec::new(),
        })
        .unwrap()
    }

    fn begin(conn: &Connection, id: &str, caller: &str) {
        begin_call(
            conn,
            &CallStart {
                call_id: CallId::new(id),
                merchant: MerchantId::new("m"),
                caller: Some(PhoneNumber::parse_e164(caller).unwrap()),
                called: None,
                started_at: Timestamp::EPOCH,
            },
        )
        .unwrap();
    }

    #[test]
    fn deletes_cascade_to_turns_and_audio() {
        let conn = db();
        begin(&conn, "a", "+14155550123");
        begin(&conn, "b", "+14155550999");
        for id in ["a", "b"] {
            assert!(append_turn(&conn, id, &turn(&["x", "y"])).unwrap());
            assert!(append_turn(&conn, id, &turn(&["x"])).unwrap());
        }
        let d = delete_by_caller(&conn, "+14155550123", None).unwrap();
        // Each id once, even when several turns played it.
        assert_eq!(d.audio, [AudioId::new("x"), AudioId::new("y")]);
        let c = counts(&conn);
        assert_eq!((c["calls"], c["turns"], c["turn_audio"]), (1, 2, 3));
    }

    #[test]
    fn totals_columns_follow_turns() {
        let conn = db();
        begin(&conn, "a", "+14155550123");
        append_turn(&conn, "a", &turn(&[])).unwrap();
        append_turn(&conn, "a", &turn(&[])).unwrap();
        let (retries, tts, n): (i64, i64, i64) = conn
            .query_row(
                "SELECT retry_attempts, tts_characters, turn_count FROM calls",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((retries, tts, n), (2, 10, 2));
    }

    #[test]
    fn corrupt_rows_are_reported_not_panicked() {
        let conn = db();
        conn.execute(
            "INSERT INTO calls (call_id, merchant, caller_e164, started_at) VALUES ('a', 'm', 'garbage', 0)",
            [],
        )
        .unwrap();
        assert!(matches!(get(&conn, "a"), Err(Error::Corrupt(_))));
        conn.execute(
            "UPDATE calls SET caller_e164 = NULL, outcome = 'exploded'",
            [],
        )
        .unwrap();
        assert!(matches!(get(&conn, "a"), Err(Error::Corrupt(_))));
        conn.execute("UPDATE calls SET outcome = NULL", []).unwrap();
        conn.execute(
            "INSERT INTO turns (call_id, seq, at, body) VALUES ('a', 0, 0, '{not json')",
            [],
        )
        .unwrap();
        assert!(matches!(get(&conn, "a"), Err(Error::Json(_))));
    }
}
