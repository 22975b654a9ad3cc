//! How to open the store: where, how durable, how much to batch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lumitalk_core::config::{ConfigKind, Given, Lookup, Problems, Setting};

/// Every problem with a SQLite configuration (the shared core type).
pub use lumitalk_core::config::{ConfigError, ConfigProblem};

const KIND: ConfigKind = ConfigKind {
    provider: "SQLite",
    config: "SqliteConfig",
};
const PATH: Setting = Setting::new("path", ENV_PATH);
const SYNCHRONOUS: Setting = Setting::new("synchronous", ENV_SYNCHRONOUS);
const MAX_BATCH: Setting = Setting::builder_only("max_batch");
const QUEUE_CAPACITY: Setting = Setting::builder_only("queue_capacity");

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

    /// A builder with nothing set; [`SqliteConfigBuilder::build`] checks it.
    pub fn builder() -> SqliteConfigBuilder {
        SqliteConfigBuilder::default()
    }

    /// Reads [`ENV_PATH`] (required; `:memory:` for an in-memory database) and
    /// [`ENV_SYNCHRONOUS`] (`full` or `normal`, default `full`).
    ///
    /// # Errors
    /// A [`ConfigError`] naming every missing or bad variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        SqliteConfigBuilder::from_env().build()
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

/// Builds a [`SqliteConfig`]; [`build`](Self::build) reports every problem at once,
/// each named by its builder method (`SqliteConfig::builder().path(..)`) or, when
/// it came from the environment, by its variable (`LUMITALK_SQLITE_PATH`).
#[derive(Debug, Clone, Default)]
pub struct SqliteConfigBuilder {
    location: Option<Given<Location>>,
    synchronous: Option<Given<Synchronous>>,
    busy_timeout: Option<Duration>,
    max_batch: Option<usize>,
    queue: Option<usize>,
    problems: Problems,
}

impl SqliteConfigBuilder {
    /// A builder filled from the process environment (see [`SqliteConfig::from_env`]).
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// A builder filled by `lookup` (a variable name to its value), for tests and
    /// other configuration sources. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut env = Lookup::new(&lookup);
        let location = env.text(PATH).map(|p| {
            p.map(|p| match p.trim() {
                ":memory:" => Location::Memory,
                _ => Location::File(PathBuf::from(p)),
            })
        });
        let synchronous = env.parse(SYNCHRONOUS, |s| match s.to_ascii_lowercase().as_str() {
            "full" => Ok(Synchronous::Full),
            "normal" => Ok(Synchronous::Normal),
            _ => Err("must be `full` or `normal`".into()),
        });
        SqliteConfigBuilder {
            location,
            synchronous,
            problems: env.into_problems(),
            ..Self::default()
        }
    }

    /// The database file, created if missing (`LUMITALK_SQLITE_PATH`).
    pub fn path(mut self, path: impl AsRef<Path>) -> Self {
        let location = Location::File(path.as_ref().to_path_buf());
        self.location = Some(Given::by_builder(location));
        self
    }

    /// A private in-memory database instead of a file (`LUMITALK_SQLITE_PATH=:memory:`).
    pub fn in_memory(mut self) -> Self {
        self.location = Some(Given::by_builder(Location::Memory));
        self
    }

    /// Durability of a commit (`LUMITALK_SQLITE_SYNCHRONOUS`); see [`Synchronous`].
    pub fn synchronous(mut self, mode: Synchronous) -> Self {
        self.synchronous = Some(Given::by_builder(mode));
        self
    }

    /// See [`SqliteConfig::busy_timeout`].
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = Some(timeout);
        self
    }

    /// See [`SqliteConfig::max_batch`]; at least 1.
    pub fn max_batch(mut self, n: usize) -> Self {
        self.max_batch = Some(n);
        self
    }

    /// See [`SqliteConfig::queue_capacity`]; at least 1.
    pub fn queue_capacity(mut self, n: usize) -> Self {
        self.queue = Some(n);
        self
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// A [`ConfigError`] naming every missing or bad setting the way it was given.
    pub fn build(self) -> Result<SqliteConfig, ConfigError> {
        let mut p = self.problems;
        let location = p.require(PATH, self.location);
        let at_least_one = |n: usize| match n {
            0 => Err("must be at least 1".to_string()),
            n => Ok(n),
        };
        let defaults = SqliteConfig::in_memory();
        let max_batch = self.max_batch.map(Given::by_builder);
        let max_batch = p.check_or(MAX_BATCH, max_batch, defaults.max_batch, at_least_one);
        let queue = self.queue.map(Given::by_builder);
        let queue = p.check_or(QUEUE_CAPACITY, queue, defaults.queue, at_least_one);
        p.finish(KIND, || {
            Some(SqliteConfig {
                location: location?,
                synchronous: self.synchronous.map_or(defaults.synchronous, |s| s.value),
                busy_timeout: self.busy_timeout.unwrap_or(defaults.busy_timeout),
                max_batch: max_batch?,
                queue: queue?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_reports_every_problem() {
        let e = SqliteConfigBuilder::from_lookup(|k| {
            (k == ENV_SYNCHRONOUS).then(|| "sometimes".into())
        })
        .build()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid SQLite configuration: \
             LUMITALK_SQLITE_SYNCHRONOUS: must be `full` or `normal`; \
             LUMITALK_SQLITE_PATH is missing"
        );
    }

    #[test]
    fn builder_errors_name_the_method() {
        let e = SqliteConfig::builder().max_batch(0).build().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid SQLite configuration: SqliteConfig::builder().path(..) is missing; \
             SqliteConfig::builder().max_batch(..): must be at least 1"
        );
        let c = SqliteConfig::builder()
            .path("/tmp/x.db")
            .synchronous(Synchronous::Normal)
            .max_batch(8)
            .build()
            .unwrap();
        assert_eq!(
            c,
            SqliteConfig::file("/tmp/x.db")
                .synchronous(Synchronous::Normal)
                .max_batch(8)
        );
        let m = SqliteConfig::builder().in_memory().build().unwrap();
        assert_eq!(m, SqliteConfig::in_memory());
    }

    #[test]
    fn from_env_reads_path_and_mode() {
        let c = SqliteConfigBuilder::from_lookup(|k| match k {
            ENV_PATH => Some("/tmp/x.db".into()),
            ENV_SYNCHRONOUS => Some("NORMAL".into()),
            _ => None,
        })
        .build()
        .unwrap();
        assert_eq!(c.location, Location::File("/tmp/x.db".into()));
        assert_eq!(c.synchronous, Synchronous::Normal);
        let m = SqliteConfigBuilder::from_lookup(|k| (k == ENV_PATH).then(|| ":memory:".into()))
            .build()
            .unwrap();
        assert_eq!(m.location, Location::Memory);
        assert_eq!(m.synchronous, Synchronous::Full);
    }
}
