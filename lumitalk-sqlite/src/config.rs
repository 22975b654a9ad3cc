//! How to open the store: where, how durable, how much to batch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lumitalk_core::{ErrorKind, StoreError};

use crate::error::PROVIDER;

/// How hard SQLite works to make a commit survive power loss.
///
/// The store is in WAL mode either way, and either way survives a crash of the
/// *process* (a kill, a panic) with every acknowledged write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// The WAL is fsynced at every commit: a write is durable, even against
    /// power loss or an OS crash, once the store has acknowledged it. The
    /// default, because the product promises durable call logs. Group commit
    /// amortizes the fsync over every write queued at the same time.
    #[default]
    Full,
    /// The WAL is fsynced only at checkpoints: faster on slow disks, but a power
    /// loss or OS crash can roll back the last acknowledged writes (never corrupt
    /// the database). Acceptable only where losing the last seconds of call logs
    /// on power loss is.
    Normal,
}

impl Synchronous {
    fn as_pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    File(PathBuf),
    Memory,
}

/// Settings for [`SqliteCallRecordStore::open_with`](crate::SqliteCallRecordStore::open_with).
///
/// ```
/// use std::time::Duration;
/// use lumitalk_sqlite::{SqliteConfig, Synchronous};
///
/// let config = SqliteConfig::file("/var/lib/lumitalk/calls.db")
///     .synchronous(Synchronous::Full)
///     .busy_timeout(Duration::from_secs(5))
///     .max_batch(256);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteConfig {
    pub(crate) location: Location,
    pub(crate) synchronous: Synchronous,
    pub(crate) busy_timeout: Duration,
    pub(crate) max_batch: usize,
    pub(crate) queue: usize,
}

/// Environment variable naming the database file.
pub const ENV_PATH: &str = "LUMITALK_SQLITE_PATH";
/// Environment variable choosing `full` (default) or `normal` synchronous mode.
pub const ENV_SYNCHRONOUS: &str = "LUMITALK_SQLITE_SYNCHRONOUS";

impl SqliteConfig {
    /// A database file, created if missing.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self::with_location(Location::File(path.as_ref().to_path_buf()))
    }

    /// A private in-memory database (for tests and demos; gone when the store is dropped).
    pub fn in_memory() -> Self {
        Self::with_location(Location::Memory)
    }

    fn with_location(location: Location) -> Self {
        SqliteConfig {
            location,
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            max_batch: 512,
            queue: 4096,
        }
    }

    /// Reads [`ENV_PATH`] (required; `:memory:` for an in-memory database) and
    /// [`ENV_SYNCHRONOUS`] (`full` or `normal`, default `full`).
    ///
    /// # Errors
    /// `InvalidRequest` naming every missing or bad variable.
    pub fn from_env() -> Result<Self, StoreError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, StoreError> {
        let mut problems = Vec::new();
        let mut config = match var(ENV_PATH).filter(|p| !p.trim().is_empty()) {
            Some(p) if p == ":memory:" => Self::in_memory(),
            Some(p) => Self::file(p),
            None => {
                problems.push(format!("{ENV_PATH} is not set"));
                Self::in_memory()
            }
        };
        match var(ENV_SYNCHRONOUS).map(|s| s.trim().to_ascii_lowercase()) {
            None => {}
            Some(s) if s == "full" || s.is_empty() => config.synchronous = Synchronous::Full,
            Some(s) if s == "normal" => config.synchronous = Synchronous::Normal,
            Some(_) => problems.push(format!("{ENV_SYNCHRONOUS} must be `full` or `normal`")),
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(StoreError::from_kind(
                ErrorKind::InvalidRequest,
                PROVIDER,
                problems.join("; "),
            ))
        }
    }

    /// Durability of a commit; see [`Synchronous`].
    pub fn synchronous(mut self, mode: Synchronous) -> Self {
        self.synchronous = mode;
        self
    }

    /// How long a write waits for another process holding the database lock
    /// (default 5 s) before failing with a retryable error.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// The most queued writes committed in one transaction (default 512; 1 turns
    /// group commit off).
    pub fn max_batch(mut self, n: usize) -> Self {
        self.max_batch = n.max(1);
        self
    }

    /// How many jobs may wait for each connection thread before callers wait to
    /// enqueue (default 4096): backpressure instead of unbounded memory.
    pub fn queue_capacity(mut self, n: usize) -> Self {
        self.queue = n.max(1);
        self
    }

    pub(crate) fn synchronous_pragma(&self) -> &'static str {
        self.synchronous.as_pragma()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_reports_every_problem() {
        let e = SqliteConfig::from_vars(|k| (k == ENV_SYNCHRONOUS).then(|| "sometimes".into()))
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(ENV_PATH) && msg.contains(ENV_SYNCHRONOUS),
            "{msg}"
        );
    }

    #[test]
    fn from_env_reads_path_and_mode() {
        let c = SqliteConfig::from_vars(|k| match k {
            ENV_PATH => Some("/tmp/x.db".into()),
            ENV_SYNCHRONOUS => Some("NORMAL".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.location, Location::File("/tmp/x.db".into()));
        assert_eq!(c.synchronous, Synchronous::Normal);
        let m = SqliteConfig::from_vars(|k| (k == ENV_PATH).then(|| ":memory:".into())).unwrap();
        assert_eq!(m.location, Location::Memory);
        assert_eq!(m.synchronous, Synchronous::Full);
    }
}
