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
//! inside a cartesian product or a sort). A key with such a runaway still running may not
//! start another query, and at most `limits.heavy_workers` of them may run in all; past
//! that the pool refuses (503 `overloaded`) until they end, so one key cannot take every
//! core.

use crate::Error;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
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

/// How long a job told to stop at its deadline may take to end before it is abandoned.
pub const GRACE: Duration = Duration::from_millis(250);

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const ABANDONED: u8 = 3;

struct Slots {
    name: &'static str,
    running: Arc<Semaphore>,
    abandoned: Arc<Runaways>,
    max_abandoned: usize,
}

/// Abandoned jobs still running, by the key that started them.
#[derive(Default)]
struct Runaways(Mutex<HashMap<String, usize>>);

impl Runaways {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why `owner` may not start a job now: one runaway of its own, or `max` in all.
    fn refusal(&self, owner: &str, max: usize) -> Option<String> {
        let counts = self.counts();
        if counts.get(owner).is_some_and(|n| *n > 0) {
            return Some("a query of this key that outlived its deadline is still running".into());
        }
        let total: usize = counts.values().sum();
        (total >= max).then(|| format!("{total} queries that outlived their deadline are still running"))
    }

    fn add(&self, owner: &str) {
        *self.counts().entry(owner.to_string()).or_default() += 1;
    }

    fn remove(&self, owner: &str) {
        let mut counts = self.counts();
        if let Some(n) = counts.get_mut(owner) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(owner);
            }
        }
    }

    #[cfg(test)]
    fn total(&self) -> usize {
        self.counts().values().sum()
    }
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
            abandoned: Arc::new(Runaways::default()),
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
        match self.run_within(pool, "", None, || {}, job).await? {
            Some(out) => out,
            None => Err(Error::Internal("the job was abandoned".into())),
        }
    }

    /// Runs `job` for `owner` (a key id) on `pool`, waiting at most `limit` (queueing
    /// included): `None` when the limit passed first. Then `on_timeout` tells the job to
    /// stop (cancels its token); a job still running [`GRACE`] later is abandoned. An
    /// owner with a runaway job of its own still running, or a pool with
    /// `limits.heavy_workers` of them, gets [`Error::Overloaded`].
    pub async fn run_within<T: Send + 'static>(
        &self,
        pool: Pool,
        owner: &str,
        limit: Option<Duration>,
        on_timeout: impl FnOnce(),
        job: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<Option<Result<T, Error>>, Error> {
        let slots = self.slots(pool);
        if let Some(why) = slots.abandoned.refusal(owner, slots.max_abandoned) {
            return Err(Error::Overloaded(format!(
                "{why} (limits.heavy_workers: {})",
                slots.max_abandoned
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
            let rx = self.spawn(slots, owner, state.clone(), job)?;
            rx.await.map_err(|_| Error::Internal("the worker was dropped".into()))
        };
        tokio::pin!(run);
        let out = match limit {
            Some(l) => match tokio::time::timeout(l, &mut run).await {
                Ok(out) => Some(out),
                Err(_) => {
                    // told to stop, a job that checks its token ends within the grace
                    on_timeout();
                    let _ = tokio::time::timeout(GRACE, &mut run).await;
                    None
                }
            },
            None => Some(run.await),
        };
        match out {
            None => {
                if state
                    .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    slots.abandoned.add(owner);
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
        owner: &str,
        state: Arc<AtomicU8>,
        job: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<std::thread::Result<Result<T, Error>>>, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let abandoned = slots.abandoned.clone();
        let owner = owner.to_string();
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
                    abandoned.remove(&owner);
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
        // a job that ignores its deadline is abandoned, its slot freed; its key may not start
        // another while it runs, other keys may
        assert!(
            w.run_within(Pool::Query, "k1", short, || {}, stuck(held.clone()))
                .await
                .unwrap()
                .is_none()
        );
        let e = w
            .run_within(Pool::Query, "k1", short, || {}, || Ok(1))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "overloaded");
        assert!(
            w.run_within(Pool::Query, "k2", short, || {}, stuck(held.clone()))
                .await
                .unwrap()
                .is_none()
        );
        // two runaways in all: the pool refuses every key; the other pool is unaffected
        let e = w
            .run_within(Pool::Query, "k3", short, || {}, || Ok(1))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "overloaded");
        assert_eq!(w.run(Pool::Import, || Ok(2)).await.unwrap(), 2);
        // once they end, the pool takes jobs again
        release.send(()).unwrap();
        release.send(()).unwrap();
        for _ in 0..100 {
            if w.query.abandoned.total() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ok = w.run_within(Pool::Query, "k1", short, || {}, || Ok(3)).await.unwrap();
        assert_eq!(ok.map(|r| r.unwrap()), Some(3));
    }
}
