//! The threads that own the SQLite connections.
//!
//! SQLite calls block, so they never run on the async runtime's worker threads.
//! One dedicated **writer** thread owns the read-write connection and takes
//! jobs from a bounded channel; async callers await a oneshot reply. File
//! databases also get one **reader** thread with its own read-only connection
//! (WAL lets it read while the writer writes), so exports never queue behind
//! writes.
//!
//! # Group commit
//! When the writer wakes up it drains every write already queued (up to
//! `max_batch`) and runs them in **one** transaction, each inside its own
//! savepoint so one failing job rolls back alone. Replies are sent only after
//! `COMMIT` returns; with `synchronous = FULL` that means the WAL has been
//! fsynced, so an acknowledged write survives a crash or power loss. Under load
//! one fsync then covers many writes, which is where the throughput comes from;
//! an idle store commits each write on its own, with no added latency.

use std::thread::JoinHandle;

use lumitalk_core::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::error::Error;

/// A job for a connection thread.
pub(crate) enum Job {
    /// A write, run inside the writer's batch transaction.
    Write(Box<dyn WriteJob>),
    /// A read, run on its own (in a read transaction, for a consistent snapshot).
    Read(Box<dyn FnOnce(&Connection) + Send>),
}

/// A write whose reply waits for the batch to commit.
pub(crate) trait WriteJob: Send {
    /// Runs the job; `false` if it failed (its savepoint is then rolled back).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Sends the reply: the job's result if the batch committed, else the commit error.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

/// A [`WriteJob`] from a closure and the oneshot that awaits its result.
pub(crate) struct Pending<T, F> {
    f: Option<F>,
    result: Option<Result<T, Error>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
{
    /// A job running `f`, replying on `reply`.
    pub(crate) fn new(f: F, reply: oneshot::Sender<Result<T, StoreError>>) -> Self {
        Pending {
            f: Some(f),
            result: None,
            reply,
        }
    }
}

impl<T, F> WriteJob for Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let result = match self.f.take() {
            Some(f) => f(conn),
            None => Err(Error::Closed),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), StoreError>) {
        let reply = match (committed, self.result) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(result)) => result.map_err(StoreError::from),
            (Ok(()), None) => Err(Error::Closed.into()),
        };
        // The caller may have stopped waiting (its future was dropped); the write stands.
        let _ = self.reply.send(reply);
    }
}

/// Starts a thread that serves `rx` with `conn` until every sender is dropped.
pub(crate) fn spawn(
    name: &str,
    conn: Connection,
    rx: mpsc::Receiver<Job>,
    max_batch: usize,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || serve(conn, rx, max_batch.max(1)))
}

fn serve(conn: Connection, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut next: Option<Job> = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match rx.blocking_recv() {
                Some(job) => job,
                None => break,
            },
        };
        match job {
            Job::Read(read) => read(&conn),
            Job::Write(first) => {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match rx.try_recv() {
                        Ok(Job::Write(w)) => batch.push(w),
                        // A read waits until the writes queued before it have committed.
                        Ok(read) => {
                            next = Some(read);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                run_batch(&conn, batch);
            }
        }
    }
    // Dropping the connection closes it; the last connection checkpoints the WAL.
}

fn run_batch(conn: &Connection, mut batch: Vec<Box<dyn WriteJob>>) {
    let committed = execute_batch(conn, &mut batch).map_err(StoreError::from);
    if committed.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    // On the writer thread, outside any caller's span; each caller's failure is
    // logged by whoever awaits it.
    match &committed {
        Ok(()) => tracing::trace!(provider = "sqlite", jobs = batch.len(), "batch committed"),
        Err(e) => tracing::debug!(
            provider = "sqlite",
            jobs = batch.len(),
            kind = %e.kind().as_str(),
            "batch not committed"
        ),
    }
    for job in batch {
        job.finish(committed.clone());
    }
}

fn execute_batch(conn: &Connection, batch: &mut [Box<dyn WriteJob>]) -> Result<(), Error> {
    // Cached statements: these run for every write, and parsing them each time was
    // a visible share of a turn's CPU.
    let run = |sql: &str| -> Result<(), Error> {
        conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    run("BEGIN IMMEDIATE")?;
    for job in batch.iter_mut() {
        run("SAVEPOINT job")?;
        if !job.run(conn) {
            run("ROLLBACK TO job")?;
        }
        run("RELEASE job")?;
    }
    run("COMMIT")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job<T: Send + 'static>(
        f: impl FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    ) -> (Box<dyn WriteJob>, oneshot::Receiver<Result<T, StoreError>>) {
        let (tx, rx) = oneshot::channel();
        (Box::new(Pending::new(f, tx)), rx)
    }

    #[test]
    fn a_failing_job_rolls_back_alone() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v INTEGER NOT NULL)")
            .unwrap();
        let insert = |v: i64, fail: bool| {
            job(move |c: &Connection| {
                c.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
                if fail {
                    c.execute("INSERT INTO t (v) VALUES (NULL)", [])?;
                }
                Ok(v)
            })
        };
        let (a, mut ra) = insert(1, false);
        let (b, mut rb) = insert(2, true);
        let (c, mut rc) = insert(3, false);
        run_batch(&conn, vec![a, b, c]);
        assert_eq!(ra.try_recv().unwrap().unwrap(), 1);
        assert!(rb.try_recv().unwrap().is_err());
        assert_eq!(rc.try_recv().unwrap().unwrap(), 3);
        let vs: Vec<i64> = conn
            .prepare("SELECT v FROM t ORDER BY v")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(vs, [1, 3]);
        assert!(conn.is_autocommit());
    }

    #[test]
    fn a_failed_commit_fails_every_job() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        // A deferred foreign-key violation is only detected at COMMIT.
        let (a, mut ra) = job(|c: &Connection| Ok(c.execute("INSERT INTO c VALUES (7)", [])?));
        let (b, mut rb) = job(|c: &Connection| Ok(c.execute("INSERT INTO p VALUES (1)", [])?));
        run_batch(&conn, vec![a, b]);
        assert!(ra.try_recv().unwrap().is_err());
        assert!(rb.try_recv().unwrap().is_err());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM p", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        assert!(conn.is_autocommit());
    }
}
