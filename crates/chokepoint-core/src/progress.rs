//! Progress reporting for long computations.
//!
//! Library functions take a `&dyn Progress`; the CLI draws a progress bar from it (on a
//! terminal only), the server streams it, tests pass [`NoProgress`].

/// Receives progress of a long computation. Implementations must be cheap and thread-safe:
/// they are called from worker threads.
pub trait Progress: Send + Sync {
    /// A new phase starts; `total` is its size in `unit`s when known.
    fn start(&self, phase: &str, total: Option<u64>, unit: &str);
    /// `delta` more units of the current phase are done.
    fn advance(&self, delta: u64);
    /// The current phase is done.
    fn finish(&self);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: Option<u64>, _: &str) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
