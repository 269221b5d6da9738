//! The heavy workers: dedicated threads, each with a large stack (`limits.worker_stack_bytes`,
//! reserved up front and touched only as used), that run SPARQL queries and imports. The
//! parsers and evaluators behind them recurse once per nesting level; input is bounded in
//! depth before it reaches them (`crate::nesting`), and this stack is the margin behind
//! that bound, so a case the bound misses ends in an error, not in a stack overflow that
//! aborts every merchant's service. Queries and imports have a pool each, so imports
//! waiting for the writer lock never hold up queries.

use crate::Error;

/// Which pool a job runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// SPARQL queries.
    Query,
    /// Imports, exports and subject deletions.
    Import,
}

/// The two pools.
pub struct Workers {
    query: rayon::ThreadPool,
    import: rayon::ThreadPool,
}

impl Workers {
    /// `threads` threads per pool, each with `stack_bytes` of stack.
    pub fn new(threads: usize, stack_bytes: usize) -> Result<Self, Error> {
        let pool = |name: &'static str| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads.max(1))
                .stack_size(stack_bytes.max(2 << 20))
                .thread_name(move |i| format!("zhiku-{name}-{i}"))
                .build()
                .map_err(|e| Error::Config(format!("{name} workers: {e}")))
        };
        Ok(Workers {
            query: pool("query")?,
            import: pool("import")?,
        })
    }

    /// Runs `job` on `pool`; its result, or an error when the job panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        pool: Pool,
        job: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let pool = match pool {
            Pool::Query => &self.query,
            Pool::Import => &self.import,
        };
        pool.spawn(move || {
            // A panic must not reach rayon, which would abort the process.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            let _ = tx.send(out);
        });
        match rx.await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::Internal("a worker panicked on this request".into())),
            Err(_) => Err(Error::Internal("the worker was dropped".into())),
        }
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
        let w = Workers::new(1, 64 << 20).unwrap();
        // ~20 MB of frames: far past a default 2 MB thread stack
        assert_eq!(w.run(Pool::Query, || Ok(depth(20_000))).await.unwrap(), 20_000);
        let r: Result<(), Error> = w.run(Pool::Import, || panic!("boom")).await;
        assert!(r.is_err());
        assert_eq!(w.run(Pool::Import, || Ok(1)).await.unwrap(), 1);
    }
}
