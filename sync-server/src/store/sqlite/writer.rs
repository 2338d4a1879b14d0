//! Group commit: one thread owns the writer connection and runs every write queued meanwhile in one
//! transaction with one disk sync.
//!
//! Under load, requests queue behind SQLite's single writer and each used to pay its own commit (a
//! WAL fsync) and its own wake-up of a blocking thread; the queue grew, and the tail latency with it.
//! Now the writer takes everything queued (up to [`MAX_BATCH`]), runs each job inside its own
//! savepoint — a job that fails rolls back its own changes only — commits once, and only then tells
//! each caller its result: nobody hears "written" before the commit that makes it durable. Jobs run in
//! arrival order, so the queue is fair.

use super::super::{StoreError, StoreResult};
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use tokio::sync::oneshot;

/// At most this many jobs share a commit (bounds the time one transaction holds the lock).
const MAX_BATCH: usize = 128;

/// How durable a write must be before its caller is told it succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// On disk (`synchronous=FULL`): survives a power failure.
    Synced,
    /// In the WAL without its own disk sync (`synchronous=NORMAL`): survives a crash of the process;
    /// the next synced commit makes it durable too, WAL being written in order.
    Relaxed,
}

/// A queued write, type-erased.
trait Job: Send {
    /// Run inside the batch's transaction; `true` when the job succeeded (its savepoint is kept).
    fn run(&mut self, c: &Connection) -> bool;
    /// Tell the caller: the job's own result if it failed, else the commit's.
    fn finish(self: Box<Self>, commit: Result<(), &Arc<rusqlite::Error>>);
    fn durability(&self) -> Durability;
}

struct Typed<T, F> {
    f: Option<F>,
    out: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
    durability: Durability,
}

impl<T: Send, F: FnOnce(&Connection) -> StoreResult<T> + Send> Job for Typed<T, F> {
    fn run(&mut self, c: &Connection) -> bool {
        let Some(f) = self.f.take() else { return false };
        let out = catch_unwind(AssertUnwindSafe(|| f(c)))
            .unwrap_or_else(|_| Err(StoreError::Task("a database write panicked".into())));
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), &Arc<rusqlite::Error>>) {
        let result = match (self.out, commit) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (_, Err(e)) => Err(StoreError::Commit(e.clone())),
            (None, Ok(())) => Err(StoreError::Task("the write did not run".into())),
        };
        // The caller may have gone (its request was cancelled): nothing to tell.
        let _ = self.reply.send(result);
    }

    fn durability(&self) -> Durability {
        self.durability
    }
}

/// The handle requests write through; the thread stops when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    queue: Sender<Box<dyn Job>>,
}

impl Writer {
    /// Start the writer thread on `conn` (already migrated, `synchronous=FULL`).
    pub(super) fn start(conn: Connection) -> StoreResult<Writer> {
        let (queue, rx) = std::sync::mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| StoreError::Setup(format!("cannot start the database writer: {e}")))?;
        Ok(Writer { queue })
    }

    /// Queue `f` and wait until the transaction it ran in has committed.
    pub(super) async fn call<T: Send + 'static>(
        &self,
        durability: Durability,
        f: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Typed { f: Some(f), out: None, reply, durability });
        self.queue.send(job).map_err(|_| StoreError::Task("the database writer has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Task("the database writer has stopped".into()))?
    }
}

fn run(mut conn: Connection, rx: Receiver<Box<dyn Job>>) {
    let mut mode = Durability::Synced;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let want = if batch.iter().any(|j| j.durability() == Durability::Synced) {
            Durability::Synced
        } else {
            Durability::Relaxed
        };
        if want != mode {
            let level = if want == Durability::Synced { "full" } else { "normal" };
            match conn.pragma_update(None, "synchronous", level) {
                Ok(()) => mode = want,
                Err(e) => {
                    let e = Arc::new(e);
                    batch.into_iter().for_each(|j| j.finish(Err(&e)));
                    continue;
                }
            }
        }
        let result = run_batch(&mut conn, &mut batch).map_err(Arc::new);
        let commit = result.as_ref().map(|_| ());
        batch.into_iter().for_each(|j| j.finish(commit));
    }
}

/// Run every job of `batch` in one transaction, each in its own savepoint when there are several.
fn run_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> Result<(), rusqlite::Error> {
    let mut tx = conn.transaction()?;
    if let [job] = batch {
        if !job.run(&tx) {
            return tx.rollback();
        }
    } else {
        for job in batch.iter_mut() {
            let sp = tx.savepoint()?;
            if job.run(&sp) {
                sp.commit()?;
            }
            // Dropping an uncommitted savepoint rolls its changes back.
        }
    }
    tx.commit()
}
