//! Who may try a password, and when: login attempts per address (a successful one gives
//! its attempt back), and per account a lock after repeated attempts without a success
//! that doubles with each further lock. Both answer before any password is hashed, so a flood costs
//! the server a map look-up per request; unknown emails are tracked like known ones, so
//! the answers tell nothing about which accounts exist.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Limits;
use crate::limits::{KeyedRate, Sweep};

/// Window in which an account's attempts are counted.
const WINDOW: Duration = Duration::from_secs(60);
/// First lock of an account; each further lock doubles it …
const FIRST_LOCK: Duration = Duration::from_secs(60);
/// … up to this.
const LONGEST_LOCK: Duration = Duration::from_secs(3600);

/// Recent attempts on one account.
#[derive(Default)]
struct Account {
    /// Attempts let in during the current window, and when it started.
    attempts: u32,
    window_start: Option<Instant>,
    /// Locks since the last successful login.
    locks: u32,
    locked_until: Option<Instant>,
}

/// The gate in front of password checks.
pub struct LoginGuard {
    per_address: KeyedRate<IpAddr>,
    attempts_per_account: u32,
    accounts: Mutex<Accounts>,
}

/// The accounts with recent attempts, and when stale ones were last swept out.
#[derive(Default)]
struct Accounts {
    by_email: HashMap<String, Account>,
    sweep: Sweep,
}

/// Why an attempt was refused, and for how long.
pub enum Refused {
    /// The address has had its attempts for now.
    Address(Duration),
    /// The account is locked; `Some(lock)` when this attempt locked it.
    Account { wait: Duration, locked_now: Option<Duration> },
}

impl Refused {
    pub fn wait(&self) -> Duration {
        match self {
            Refused::Address(wait) | Refused::Account { wait, .. } => *wait,
        }
    }
}

impl LoginGuard {
    pub fn new(limits: &Limits) -> Self {
        Self {
            per_address: KeyedRate::per_minute(limits.logins_per_ip_per_minute),
            attempts_per_account: limits.login_attempts_per_account.max(1),
            accounts: Mutex::new(Accounts::default()),
        }
    }

    /// Lets an attempt for `email` from `address` through, or tells how long to wait.
    /// Attempts are counted when let in, not when they fail, so a burst of concurrent
    /// guesses gets no more tries than slow ones: once an account has had its
    /// attempts within a minute without a success, the next one locks it.
    /// The address is checked first, so only admitted attempts leave a record.
    pub fn admit(&self, address: IpAddr, email: &str) -> Result<(), Refused> {
        self.per_address.take(&address).map_err(Refused::Address)?;
        let now = Instant::now();
        let mut accounts = self.accounts.lock().expect("login lock");
        let len = accounts.by_email.len();
        if accounts.sweep.due(len, now) {
            accounts.by_email.retain(|_, account| {
                account.locked_until.is_some_and(|until| until > now)
                    || account.window_start.is_some_and(|start| now.duration_since(start) < WINDOW)
            });
        }
        let account = accounts.by_email.entry(account_key(email)).or_default();
        if let Some(until) = account.locked_until.filter(|until| *until > now) {
            return Err(Refused::Account {
                wait: until - now,
                locked_now: None,
            });
        }
        if account.window_start.is_none_or(|start| now.duration_since(start) >= WINDOW) {
            account.window_start = Some(now);
            account.attempts = 0;
        }
        if account.attempts >= self.attempts_per_account {
            let lock = FIRST_LOCK
                .saturating_mul(1 << account.locks.min(16))
                .min(LONGEST_LOCK);
            account.locked_until = Some(now + lock);
            account.locks += 1;
            account.attempts = 0;
            account.window_start = None;
            return Err(Refused::Account {
                wait: lock,
                locked_now: Some(lock),
            });
        }
        account.attempts += 1;
        Ok(())
    }

    /// The password was right: the attempt is given back and the account's record wiped.
    pub fn succeeded(&self, address: IpAddr, email: &str) {
        self.per_address.give_back(&address);
        self.accounts
            .lock()
            .expect("login lock")
            .by_email
            .remove(&account_key(email));
    }

    /// The password was not checked (too many checks were waiting): the attempt is given
    /// back to the address and the account, since no guess was made. An agent who retries
    /// as `Retry-After` says does not lock their own account during a flood.
    pub fn unchecked(&self, address: IpAddr, email: &str) {
        self.per_address.give_back(&address);
        if let Some(account) = self.accounts.lock().expect("login lock").by_email.get_mut(&account_key(email)) {
            account.attempts = account.attempts.saturating_sub(1);
        }
    }
}

/// Accounts are named by their email as the store compares it.
fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(per_ip: u32, per_account: u32) -> LoginGuard {
        LoginGuard::new(&Limits {
            logins_per_ip_per_minute: per_ip,
            login_attempts_per_account: per_account,
            ..Limits::default()
        })
    }

    #[test]
    fn an_account_locks_after_its_attempts_and_doubles_its_lock() {
        let guard = guard(1000, 3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert!(guard.admit(ip, "Ann@example.com").is_ok());
        }
        let wait = guard.admit(ip, "ann@example.com ").unwrap_err().wait();
        assert!(wait > Duration::from_secs(55) && wait <= FIRST_LOCK, "{wait:?}");
        assert!(guard.admit(ip, "ann@example.com").unwrap_err().wait() <= FIRST_LOCK);
        assert!(guard.admit(ip, "bob@example.com").is_ok());
        // Once the lock has passed, the next one is twice as long.
        guard.accounts.lock().unwrap().by_email.get_mut("ann@example.com").unwrap().locked_until = None;
        for _ in 0..3 {
            assert!(guard.admit(ip, "ann@example.com").is_ok());
        }
        let wait = guard.admit(ip, "ann@example.com").unwrap_err().wait();
        assert!(wait > Duration::from_secs(115), "{wait:?}");
        guard.accounts.lock().unwrap().by_email.get_mut("ann@example.com").unwrap().locked_until = None;
        assert!(guard.admit(ip, "ann@example.com").is_ok());
        guard.succeeded(ip, "ann@example.com");
        for _ in 0..3 {
            assert!(guard.admit(ip, "ann@example.com").is_ok());
        }
    }

    #[test]
    fn an_address_runs_out_of_attempts_unless_they_succeed() {
        let guard = guard(2, 100);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(guard.admit(ip, "a@example.com").is_ok());
        guard.succeeded(ip, "a@example.com");
        assert!(guard.admit(ip, "b@example.com").is_ok());
        assert!(guard.admit(ip, "c@example.com").is_ok());
        assert!(guard.admit(ip, "d@example.com").is_err());
        assert!(guard.admit("192.0.2.2".parse().unwrap(), "d@example.com").is_ok());
    }

    #[test]
    fn attempts_whose_password_was_not_checked_are_given_back() {
        let guard = guard(3, 3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..10 {
            assert!(guard.admit(ip, "ann@example.com").is_ok());
            guard.unchecked(ip, "ann@example.com");
        }
        for _ in 0..3 {
            assert!(guard.admit(ip, "ann@example.com").is_ok());
        }
        assert!(guard.admit(ip, "ann@example.com").is_err());
    }
}
