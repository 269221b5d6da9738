//! The heavy workers: SPARQL queries and imports run on threads of their own, each with a
//! large stack (`limits.worker_stack_bytes`, reserved up front and touched only as used).
//! The parsers and evaluators behind them recurse once per nesting level; input is bounded
//! in depth before it reaches them (`crate::nesting`), and this stack is the margin behind
//! that bound, so a case the bound misses ends in an error, not in a stack overflow that
//! aborts every merchant's service.
//!
//! Each pool (queries; imports, exports, deletions) runs at most `limits.heavy_workers`
//! jobs at once; more wait for a slot. A query that outlives its deadline is abandoned:
//! its caller gets its answer (503) and its slot back at once, while the thread finishes in
//! the background (oxigraph checks the cancellation token as it reads the store, but not
//! inside a cartesian product or a sort). At most `limits.heavy_workers` abandoned threads
//! may still be running; past that, the pool refuses new jobs (503 `overloaded`) until
//! they end, so runaway queries cannot take every core.

use crate::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Which pool a job runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// SPARQL queries.
    Query,
    /// Imports, exports, subject deletions and ontology drafts.
    Import,
}

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const ABANDONED: u8 = 3;

struct Slots {
    name: &'static str,
    running: Arc<Semaphore>,
    abandoned: Arc<AtomicUsize>,
    max_abandoned: usize,
}

/// The two pools.
pub struct Workers {
    stack_bytes: usize,
    query: Slots,
    import: Slots,
}

impl Workers {
    /// `threads` jobs at once per pool, each thread with `stack_bytes` of stack.
    pub fn new(threads: usize, stack_bytes: usize) -> Self {
        let slots = |name| Slots {
            name,
            running: Arc::new(Semaphore::new(threads.max(1))),
            abandoned: Arc::new(AtomicUsize::new(0)),
            max_abandoned: threads.max(1),
        };
        Workers {
            stack_bytes: stack_bytes.max(2 << 20),
            query: slots("query"),
            import: slots("import"),
        }
    }

    fn slots(&self, pool: Pool) -> &Slots {
        match pool {
            Pool::Query => &self.query,
            Pool::Import => &self.import,
        }
    }

    /// Runs `job` on `pool` and waits for it; its result, or an error when it panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        pool: Pool,
        job: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        match self.run_within(pool, None, job).await? {
            Some(out) => out,
            None => Err(Error::Internal("the job was abandoned".into())),
        }
    }

    /// Runs `job` on `pool`, waiting at most `limit` (queueing included): `None` when the
    /// limit passed first, and the job's thread is abandoned.
    pub async fn run_within<T: Send + 'static>(
        &self,
        pool: Pool,
        limit: Option<Duration>,
        job: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<Option<Result<T, Error>>, Error> {
        let slots = self.slots(pool);
        if slots.abandoned.load(Ordering::SeqCst) >= slots.max_abandoned {
            return Err(Error::Overloaded(format!(
                "{} {} jobs that outlived their deadline are still running (limits.heavy_workers)",
                slots.max_abandoned, slots.name
            )));
        }
        let state = Arc::new(AtomicU8::new(QUEUED));
        // the slot is held while the job runs, and given back when it ends or is given up
        let run = async {
            let _slot = slots
                .running
                .acquire()
                .await
                .map_err(|_| Error::Internal("worker pool closed".into()))?;
            state.store(RUNNING, Ordering::SeqCst);
            let rx = self.spawn(slots, state.clone(), job)?;
            rx.await.map_err(|_| Error::Internal("the worker was dropped".into()))
        };
        let out = match limit {
            Some(l) => tokio::time::timeout(l, run).await.ok(),
            None => Some(run.await),
        };
        match out {
            None => {
                if state
                    .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    slots.abandoned.fetch_add(1, Ordering::SeqCst);
                }
                Ok(None)
            }
            Some(Err(e)) => Err(e),
            Some(Ok(Ok(result))) => Ok(Some(result)),
            Some(Ok(Err(_panic))) => Err(Error::Internal("a worker panicked on this request".into())),
        }
    }

    /// Starts `job` on a thread of its own; a panic becomes an `Err` on the channel.
    fn spawn<T: Send + 'static>(
        &self,
        slots: &Slots,
        state: Arc<AtomicU8>,
        job: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<std::thread::Result<Result<T, Error>>>, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let abandoned = slots.abandoned.clone();
        std::thread::Builder::new()
            .name(format!("zhiku-{}", slots.name))
            .stack_size(self.stack_bytes)
            .spawn(move || {
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                if state
                    .compare_exchange(RUNNING, DONE, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    // its caller gave up on it: it no longer counts against the pool
                    abandoned.fetch_sub(1, Ordering::SeqCst);
                }
                let _ = tx.send(out);
            })
            .map_err(|e| Error::Internal(format!("cannot start a {} worker: {e}", slots.name)))?;
        Ok(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(n: usize) -> usize {
        let pad = std::hint::black_box([0u8; 1024]);
        if n == 0 {
            pad[0] as usize
        } else {
            1 + depth(n - 1) + pad[n % 1024] as usize
        }
    }

    #[tokio::test]
    async fn jobs_get_deep_stacks_and_a_panic_is_an_error() {
        let w = Workers::new(1, 64 << 20);
        // ~20 MB of frames: far past a default 2 MB thread stack
        assert_eq!(w.run(Pool::Query, || Ok(depth(20_000))).await.unwrap(), 20_000);
        let r: Result<(), Error> = w.run(Pool::Import, || panic!("boom")).await;
        assert_eq!(r.unwrap_err().code(), "internal");
        assert_eq!(w.run(Pool::Import, || Ok(1)).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_job_past_its_deadline_gives_its_slot_back_and_runaways_are_capped() {
        let w = Workers::new(2, 2 << 20);
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = Arc::new(std::sync::Mutex::new(held));
        let stuck = |held: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<()>>>| {
            move || {
                let _ = held.lock().unwrap().recv();
                Ok(())
            }
        };
        let short = Some(Duration::from_millis(50));
        // two jobs that ignore their deadline: each is abandoned, its slot freed
        for _ in 0..2 {
            assert!(
                w.run_within(Pool::Query, short, stuck(held.clone()))
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        // two runaways still running: the pool refuses more, the other pool is unaffected
        let e = w.run_within(Pool::Query, short, || Ok(1)).await.unwrap_err();
        assert_eq!(e.code(), "overloaded");
        assert_eq!(w.run(Pool::Import, || Ok(2)).await.unwrap(), 2);
        // once they end, the pool takes jobs again
        release.send(()).unwrap();
        release.send(()).unwrap();
        for _ in 0..100 {
            if w.query.abandoned.load(Ordering::SeqCst) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ok = w.run_within(Pool::Query, short, || Ok(3)).await.unwrap();
        assert_eq!(ok.map(|r| r.unwrap()), Some(3));
    }
}
