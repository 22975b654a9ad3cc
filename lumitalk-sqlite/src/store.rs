//! [`SqliteCallRecordStore`]: the [`CallRecordStore`] implementation.

use std::fmt;
use std::path::Path;

use async_trait::async_trait;
use lumitalk_core::{
    CallId, CallOutcome, CallRecord, CallRecordStore, CallStart, Deleted, ErrorKind, MerchantId,
    PhoneNumber, RetentionPolicy, StoreError, Timestamp, TurnRecord,
};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot};

use crate::config::{Location, SqliteConfig};
use crate::error::{Error, PROVIDER};
use crate::ops::{self, EncodedTurn};
use crate::worker::{self, Job, Pending};
use crate::{privacy, schema};

/// Call records in an embedded SQLite database.
///
/// - **Durable once acknowledged**: WAL mode with `synchronous = FULL` (by
///   default; see [`Synchronous`](crate::Synchronous)). A method returns `Ok`
///   only after its transaction committed.
/// - **Off the runtime**: SQLite runs on a dedicated writer thread (and, for
///   files, a reader thread); async methods await a channel reply. Concurrent
///   writes are group-committed: one transaction, one fsync, for every write
///   queued at the same time.
/// - **Schema** migrations are embedded and applied on open (`PRAGMA user_version`).
/// - **Phone numbers** are stored as E.164, so lookups match whatever form a
///   [`PhoneNumber`] was parsed from.
///
/// Cheap to share: clones are handles to the same database and threads.
/// Dropping the last handle lets the threads finish queued work and close the
/// database. A caller that stops
/// awaiting a write (its future dropped) does not cancel it.
#[derive(Clone)]
pub struct SqliteCallRecordStore {
    writer: mpsc::Sender<Job>,
    reader: mpsc::Sender<Job>,
    location: Location,
}

impl fmt::Debug for SqliteCallRecordStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteCallRecordStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl SqliteCallRecordStore {
    /// Opens (creating if needed) a database file with the default settings.
    ///
    /// Blocks while it opens the file and migrates the schema: call it at
    /// startup, or inside `spawn_blocking`.
    ///
    /// # Errors
    /// `Unauthorized` if the file cannot be opened or written; `InvalidRequest`
    /// if it was written by a newer schema version; other SQLite errors.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(&SqliteConfig::file(path))
    }

    /// Opens a private in-memory database (tests and demo mode).
    ///
    /// # Errors
    /// Only if SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::open_with(&SqliteConfig::in_memory())
    }

    /// Opens with explicit settings.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(config: &SqliteConfig) -> Result<Self, StoreError> {
        if let Location::File(path) = &config.location {
            create_private(path)?;
        }
        let mut conn = match &config.location {
            Location::File(path) => Connection::open(path),
            Location::Memory => Connection::open_in_memory(),
        }
        .map_err(Error::from)?;
        configure_writer(&mut conn, config)?;
        schema::migrate(&mut conn)?;

        let (writer, rx) = mpsc::channel(config.queue);
        spawn("lumitalk-sqlite-writer", conn, rx, config.max_batch)?;
        let reader = match &config.location {
            Location::File(path) => {
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(Error::from)?;
                conn.busy_timeout(config.busy_timeout)
                    .map_err(Error::from)?;
                let (reader, rx) = mpsc::channel(config.queue);
                spawn("lumitalk-sqlite-reader", conn, rx, 1)?;
                reader
            }
            // A second connection would see a different, empty database.
            Location::Memory => writer.clone(),
        };
        Ok(SqliteCallRecordStore {
            writer,
            reader,
            location: config.location.clone(),
        })
    }

    /// Runs `PRAGMA integrity_check`.
    ///
    /// # Errors
    /// `InvalidResponse` listing the first problems SQLite found, or the
    /// error that stopped the check.
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        let problems = self
            .read(|conn| {
                let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        if problems == ["ok"] {
            Ok(())
        } else {
            Err(StoreError::from_kind(
                ErrorKind::InvalidResponse,
                PROVIDER,
                format!("integrity check failed: {}", problems.join("; ")),
            ))
        }
    }

    /// The access-request document for `caller` (optionally one merchant's
    /// records); see [`privacy::export_document`].
    ///
    /// # Errors
    /// As [`CallRecordStore::list_by_caller`].
    pub async fn export_caller_json(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
        now: Timestamp,
    ) -> Result<serde_json::Value, StoreError> {
        privacy::export_caller(self, caller, merchant, now).await
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(Job::Write(Box::new(Pending::new(f, tx))))
            .await
            .map_err(|_| StoreError::from(Error::Closed))?;
        rx.await.map_err(|_| StoreError::from(Error::Closed))?
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job = move |conn: &Connection| {
            // One read transaction: every statement sees the same snapshot.
            let result = conn
                .unchecked_transaction()
                .map_err(Error::from)
                .and_then(|snapshot| {
                    let value = f(&snapshot)?;
                    snapshot.commit()?;
                    Ok(value)
                });
            let _ = tx.send(result.map_err(StoreError::from));
        };
        self.reader
            .send(Job::Read(Box::new(job)))
            .await
            .map_err(|_| StoreError::from(Error::Closed))?;
        rx.await.map_err(|_| StoreError::from(Error::Closed))?
    }
}

fn configure_writer(conn: &mut Connection, config: &SqliteConfig) -> Result<(), Error> {
    conn.busy_timeout(config.busy_timeout)?;
    // In-memory databases answer "memory" and stay that way; files switch to WAL.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if matches!(config.location, Location::File(_)) && !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Corrupt("the database refused WAL journal mode"));
    }
    conn.pragma_update(None, "synchronous", config.synchronous_pragma())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted call records (personal data) are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // A larger page cache keeps the hot index pages in the process instead of
    // re-reading them from the OS on every insert (negative = KiB).
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    // Checkpoint less often: hot pages (the calls row, index leaves) are copied
    // back once per checkpoint instead of many times. The WAL stays bounded.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Creates a new database file readable and writable by its owner only (0600 on
/// Unix; SQLite gives its WAL and shared-memory files the same permissions). An
/// existing file is left as it is.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::from_kind(
            ErrorKind::Unavailable,
            PROVIDER,
            format!("cannot create the database file: {e}"),
        )),
    }
}

/// Records one purge transaction deletes at most; live writes queued meanwhile
/// run between batches.
const PURGE_BATCH: usize = 500;

/// The writer's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 32 * 1024;
/// Pages in the WAL before an automatic checkpoint (SQLite's default is 1000).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8000;

fn spawn(
    name: &str,
    conn: Connection,
    rx: mpsc::Receiver<Job>,
    max_batch: usize,
) -> Result<(), StoreError> {
    worker::spawn(name, conn, rx, max_batch).map_err(|e| {
        StoreError::from_kind(
            ErrorKind::Unavailable,
            PROVIDER,
            format!("cannot start thread: {e}"),
        )
    })?;
    Ok(())
}

#[async_trait]
/// Each call runs in a DEBUG span named after it, with `provider = "sqlite"` only
/// (no call ids, numbers or record contents); the assistant logs failures at WARN.
impl CallRecordStore for SqliteCallRecordStore {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn begin_call(&self, start: &CallStart) -> Result<(), StoreError> {
        let start = start.clone();
        self.write(move |conn| ops::begin_call(conn, &start)).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn append_turn(&self, call: &CallId, turn: &TurnRecord) -> Result<bool, StoreError> {
        let call = call.as_str().to_owned();
        let turn = EncodedTurn::new(turn)?;
        self.write(move |conn| ops::append_turn(conn, &call, &turn))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn finish_call(
        &self,
        call: &CallId,
        outcome: CallOutcome,
        ended_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let call = call.as_str().to_owned();
        self.write(move |conn| ops::finish_call(conn, &call, outcome, ended_at))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn get(&self, call: &CallId) -> Result<Option<CallRecord>, StoreError> {
        let call = call.as_str().to_owned();
        self.read(move |conn| ops::get(conn, &call)).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn list_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let caller = caller.as_e164().to_owned();
        let merchant = merchant.map(|m| m.as_str().to_owned());
        self.read(move |conn| ops::list_by_caller(conn, &caller, merchant.as_deref()))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn delete_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError> {
        let caller = caller.as_e164().to_owned();
        let merchant = merchant.map(|m| m.as_str().to_owned());
        self.write(move |conn| ops::delete_by_caller(conn, &caller, merchant.as_deref()))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError> {
        let merchant = merchant.as_str().to_owned();
        self.write(move |conn| ops::delete_merchant(conn, &merchant))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn purge_expired(
        &self,
        now: Timestamp,
        policy: &RetentionPolicy,
    ) -> Result<Deleted, StoreError> {
        let mut total = Deleted::default();
        loop {
            let policy = policy.clone();
            let batch = self
                .write(move |conn| ops::purge_expired(conn, now, &policy, PURGE_BATCH))
                .await?;
            let short = (batch.records as usize) < PURGE_BATCH;
            total.merge(batch);
            if short {
                return Ok(total);
            }
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(provider = %PROVIDER))]
    async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError> {
        let call = call.as_str().to_owned();
        self.write(move |conn| ops::set_legal_hold(conn, &call, hold))
            .await
    }
}
