//! The size of the thread pool used by the encoder.
//!
//! candle sizes its matmul pool from `RAYON_NUM_THREADS`; when the variable is unset it
//! re-reads the CPU topology on every matrix product, which costs about 30% of the
//! encoder's time. Programs call [`configure_threads`] once, first thing in `main`.

/// Pins the pool to `threads` workers, or to the number of CPUs this process may use.
///
/// # Safety
/// Sets an environment variable: call it before any other thread is started.
pub unsafe fn configure_threads(threads: Option<usize>) {
    let threads = threads
        .or_else(|| std::env::var("RAYON_NUM_THREADS").ok()?.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    // SAFETY: the caller guarantees no other thread runs yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", threads.to_string()) };
}
