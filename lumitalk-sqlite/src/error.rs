//! The one place SQLite and decoding failures become [`StoreError`]s.

use lumitalk_core::{ErrorKind, StoreError};
use rusqlite::ErrorCode;

/// The provider name in every error and in [`CallRecordStore::name`](lumitalk_core::CallRecordStore::name).
pub(crate) const PROVIDER: &str = "sqlite";

/// A failure inside the store, before it is classified.
#[derive(Debug)]
pub(crate) enum Error {
    /// SQLite said no.
    Sql(rusqlite::Error),
    /// A stored turn did not decode, or a turn did not encode.
    Json(serde_json::Error),
    /// A stored value has the wrong shape (e.g. a caller that is not E.164).
    Corrupt(&'static str),
    /// The database was written by a newer build (its `user_version`).
    NewerSchema(i64),
    /// The worker thread is gone (the store was shut down or panicked).
    Closed,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Sql(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> Self {
        classify(e)
    }
}

/// Classifies a failure: can retrying help?
///
/// Busy/locked databases, I/O errors and a full disk are transient
/// (`Unavailable`); a read-only or unopenable file is `Unauthorized` (a
/// permission problem an operator must fix); stored data that does not decode
/// is `InvalidResponse`; everything else (constraints, misuse) is
/// `InvalidRequest`. Messages never include stored values: SQLite's own
/// messages name tables and columns, and JSON errors are reduced to their
/// category and position so no transcript text leaks into logs.
pub(crate) fn classify(e: Error) -> StoreError {
    let (kind, message) = match e {
        Error::Sql(rusqlite::Error::SqliteFailure(f, msg)) => {
            let kind = match f.code {
                ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::OutOfMemory
                | ErrorCode::FileLockingProtocolFailed => ErrorKind::Unavailable,
                ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly => {
                    ErrorKind::Unauthorized
                }
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => ErrorKind::InvalidResponse,
                _ => ErrorKind::InvalidRequest,
            };
            let message = match msg {
                Some(m) => format!("{m} ({:?})", f.code),
                None => format!("{f}"),
            };
            (kind, message)
        }
        Error::Sql(
            e @ (rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)),
        ) => (
            ErrorKind::InvalidResponse,
            format!("stored value has the wrong type: {}", column_only(&e)),
        ),
        Error::Sql(e) => (ErrorKind::InvalidRequest, e.to_string()),
        Error::Json(e) => (
            ErrorKind::InvalidResponse,
            format!(
                "stored turn does not decode ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        ),
        Error::Corrupt(what) => (ErrorKind::InvalidResponse, what.to_string()),
        Error::NewerSchema(v) => (
            ErrorKind::InvalidRequest,
            format!(
                "database schema version {v} is newer than this build supports ({})",
                crate::schema::CURRENT_VERSION
            ),
        ),
        Error::Closed => (ErrorKind::Unavailable, "store worker has stopped".into()),
    };
    StoreError::from_kind(kind, PROVIDER, message)
}

// Conversion errors can quote the value; keep the column index only.
fn column_only(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::FromSqlConversionFailure(i, ty, _)
        | rusqlite::Error::InvalidColumnType(i, _, ty) => format!("column {i} ({ty})"),
        rusqlite::Error::IntegralValueOutOfRange(i, _) => format!("column {i} out of range"),
        _ => "column".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> Error {
        Error::Sql(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            Some("boom".into()),
        ))
    }

    #[test]
    fn busy_and_io_are_retryable() {
        for code in [
            rusqlite::ffi::SQLITE_BUSY,
            rusqlite::ffi::SQLITE_LOCKED,
            rusqlite::ffi::SQLITE_IOERR,
            rusqlite::ffi::SQLITE_FULL,
        ] {
            let e = classify(sqlite(code));
            assert!(e.is_retryable(), "{e}");
            assert_eq!(e.provider(), PROVIDER);
        }
    }

    #[test]
    fn permanent_failures_are_not_retryable() {
        assert_eq!(
            classify(sqlite(rusqlite::ffi::SQLITE_READONLY)).kind(),
            ErrorKind::Unauthorized
        );
        assert_eq!(
            classify(sqlite(rusqlite::ffi::SQLITE_CORRUPT)).kind(),
            ErrorKind::InvalidResponse
        );
        assert_eq!(
            classify(sqlite(rusqlite::ffi::SQLITE_CONSTRAINT)).kind(),
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            classify(Error::NewerSchema(99)).kind(),
            ErrorKind::InvalidRequest
        );
    }

    #[test]
    fn json_errors_do_not_quote_the_data() {
        let secret = "\"my postal code is 90210\"";
        let e = serde_json::from_str::<u32>(secret).unwrap_err();
        let e = classify(Error::Json(e));
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(!e.to_string().contains("90210"), "{e}");
    }
}
