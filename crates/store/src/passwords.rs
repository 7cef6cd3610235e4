//! Password hashing and checking (argon2id, 19 MiB and tens of milliseconds each, on
//! purpose) on threads of their own, a few at a time.
//!
//! A semaphore sized to the cores (one fewer, at least one) bounds how many run at
//! once, so a login flood costs at most that many hashes' memory and cores, and the
//! work runs on a pool of as many long-lived threads of its own, never on the runtime's
//! blocking pool where the bot's turns run. Long-lived matters: a new thread per check
//! gets a new malloc arena, each keeping its freed 19 MiB (256 checks grew the process
//! by 650 MB), while a few threads reuse theirs. Unknown emails are checked against a
//! dummy hash, so they cost the same time as known ones.
//!
//! Checks that find every thread busy wait, at most [`WAITING_PER_THREAD`] per thread;
//! beyond that a check is refused at once ([`Error::PasswordsBusy`]): a flood from many
//! addresses cannot pile up requests whose answers would come minutes late, and an
//! honest login waits at most about a second.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::{Semaphore, oneshot};

use crate::{Error, Result};

/// Checks that may wait for a password thread, per thread (each check takes tens of
/// milliseconds).
pub const WAITING_PER_THREAD: usize = 16;

/// The gate and threads for password work; cheap to clone.
#[derive(Debug, Clone)]
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    threads: Arc<rayon::ThreadPool>,
    /// Checks running or waiting now, and the most there may be.
    pending: Arc<AtomicUsize>,
    most_pending: usize,
}

/// One place among the pending checks, given back when dropped (the check done, or its
/// caller gone).
struct Pending(Arc<AtomicUsize>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordChecks {
    /// At most `concurrent` hashes at once, each on one of `concurrent` threads.
    pub fn new(concurrent: usize) -> Result<Self> {
        let concurrent = concurrent.max(1);
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(concurrent)
            .thread_name(|i| format!("relais-password-{i}"))
            .build()
            .map_err(|e| Error::PasswordHash(format!("cannot start the password threads: {e}")))?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrent)),
            threads: Arc::new(threads),
            pending: Arc::new(AtomicUsize::new(0)),
            most_pending: concurrent * (1 + WAITING_PER_THREAD),
        })
    }

    /// One fewer than the machine's cores, at least one: the rest stays for visitors.
    pub fn sized_to_cores() -> Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores.saturating_sub(1))
    }

    /// Hashes `password` for storing.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| Error::PasswordHash(e.to_string()))
        })
        .await
    }

    /// Whether `password` matches `hash`; with no hash (unknown or disabled account),
    /// checks against a dummy one and answers `false`, in the same time.
    pub async fn check(&self, password: String, hash: Option<String>) -> Result<bool> {
        self.run(move || {
            let known = hash.is_some();
            let hash = match hash {
                Some(hash) => hash,
                None => dummy_hash()?.to_owned(),
            };
            let parsed = PasswordHash::new(&hash).map_err(|e| Error::corrupt("agents.password_hash", e))?;
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
    }

    /// Runs `work` on one of the password threads once a permit is free; refused at once
    /// when the waiting places are all taken.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        // Held until the check is answered or this call is dropped.
        let _place = Pending(self.pending.clone());
        if self.pending.fetch_add(1, Ordering::SeqCst) >= self.most_pending {
            return Err(Error::PasswordsBusy);
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::PasswordHash(e.to_string()))?;
        let (done, result) = oneshot::channel();
        self.threads.spawn(move || {
            let _ = done.send(work());
            drop(permit);
        });
        result
            .await
            .map_err(|_| Error::PasswordHash("the password thread panicked".into()))?
    }
}

/// A hash of a random password, made once, for checking unknown emails.
fn dummy_hash() -> Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret).map_err(Error::Random)?;
    let hash = Argon2::default()
        .hash_password(&secret)
        .map_err(|e| Error::PasswordHash(e.to_string()))?
        .to_string();
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_check_and_unknown_accounts_never_match() {
        let checks = PasswordChecks::new(1).unwrap();
        let hash = checks.hash("right".into()).await.unwrap();
        assert!(checks.check("right".into(), Some(hash.clone())).await.unwrap());
        assert!(!checks.check("wrong".into(), Some(hash)).await.unwrap());
        assert!(!checks.check("right".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_permits_run_at_once() {
        let checks = PasswordChecks::new(2).unwrap();
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (checks, running, most) = (checks.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    checks
                        .run(move || {
                            use std::sync::atomic::Ordering::SeqCst;
                            let now = running.fetch_add(1, SeqCst) + 1;
                            most.fetch_max(now, SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, SeqCst);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_beyond_the_waiting_places_are_refused_at_once() {
        let checks = PasswordChecks::new(1).unwrap();
        let capacity = 1 + WAITING_PER_THREAD;
        let extra = 5;
        // The checks run until the gate opens: the places stay taken meanwhile.
        let gate = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
        let refused = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..capacity + extra)
            .map(|_| {
                let (checks, gate, refused) = (checks.clone(), gate.clone(), refused.clone());
                tokio::spawn(async move {
                    let answer = checks
                        .run(move || {
                            let (open, opened) = &*gate;
                            let _open = opened.wait_while(open.lock().unwrap(), |open| !*open).unwrap();
                            Ok(())
                        })
                        .await;
                    if let Err(Error::PasswordsBusy) = answer {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    answer
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while refused.load(Ordering::SeqCst) < extra {
            assert!(std::time::Instant::now() < deadline, "refused while every place is taken");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        let mut answered = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => answered += 1,
                Err(Error::PasswordsBusy) => {}
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!((answered, refused.load(Ordering::SeqCst)), (capacity, extra));
        // The places are given back: the next check runs.
        assert!(checks.run(|| Ok(())).await.is_ok());
        assert_eq!(checks.pending.load(Ordering::SeqCst), 0);
    }
}
