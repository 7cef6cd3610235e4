//! Per-client limits: a token bucket for frames per socket, token buckets per key (an
//! address, a conversation) for what costs the server work or storage, a count of what
//! each address holds open, and a warning logged at most once a minute per limit when
//! one bites.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Limits;
use crate::error::{ClientError, ErrorCode};

/// Frames a socket may send: `rate` per second on average, `burst` at once.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }

    /// Takes one token; `false` when the socket is over its rate.
    pub fn allow(&mut self) -> bool {
        self.take(Instant::now()).is_ok()
    }

    /// Takes one token at `now`, or tells how long until one is there.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / self.rate;
            Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
        }
    }

    fn refill(&mut self, now: Instant) {
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
    }

    /// Gives a token back (an attempt that turned out not to count).
    fn give_back(&mut self) {
        self.tokens = (self.tokens + 1.0).min(self.burst);
    }

    fn full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.burst
    }
}

/// Refuses a frame over the socket's rate or over the frame size limit.
pub fn check_frame(limiter: &mut RateLimiter, text: &str, limits: &Limits) -> Result<(), ClientError> {
    if !limiter.allow() {
        return Err(ClientError::new(
            ErrorCode::RateLimited,
            "too many frames per second; this frame was dropped, send it again in a moment",
        ));
    }
    if text.len() > limits.max_frame_bytes {
        return Err(ClientError::new(
            ErrorCode::TooLong,
            format!(
                "a frame of {} bytes is over the limit of {} bytes",
                text.len(),
                limits.max_frame_bytes
            ),
        ));
    }
    Ok(())
}

/// The key limits count an address under: an IPv4 address, or the /64 an IPv6 address
/// belongs to (one host commonly holds a whole /64). IPv4-mapped IPv6 counts as IPv4.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

/// Records tracked per client (buckets, accounts) before stale ones are swept out …
const SWEEP_ABOVE: usize = 10_000;
/// … at most this often: a flood of new keys costs one sweep per 10 s, not one per call.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// When a map of per-client records is due for sweeping out its stale entries.
#[derive(Default)]
pub struct Sweep {
    last: Option<Instant>,
}

impl Sweep {
    /// Whether a map of `len` records should be swept at `now`; if so, counts it as done.
    pub fn due(&mut self, len: usize, now: Instant) -> bool {
        let due = len > SWEEP_ABOVE && self.last.is_none_or(|last| now.duration_since(last) >= SWEEP_EVERY);
        if due {
            self.last = Some(now);
        }
        due
    }
}

/// A token bucket per key: `per_minute` actions a minute, all of them at once at most.
pub struct KeyedRate<K> {
    per_minute: u32,
    buckets: Mutex<(HashMap<K, RateLimiter>, Sweep)>,
}

impl<K: Hash + Eq + Clone> KeyedRate<K> {
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new((HashMap::new(), Sweep::default())),
        }
    }

    /// Takes one action for `key`, or tells how long until `key` may act again.
    pub fn take(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut guard = self.buckets.lock().expect("rate lock");
        let (buckets, sweep) = &mut *guard;
        if sweep.due(buckets.len(), now) {
            buckets.retain(|_, bucket| !bucket.full(now));
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = f64::from(self.per_minute);
        buckets
            .entry(key.clone())
            .or_insert_with(|| RateLimiter::new(rate, burst))
            .take(now)
    }

    /// Gives `key` back the action it took.
    pub fn give_back(&self, key: &K) {
        if let Some(bucket) = self.buckets.lock().expect("rate lock").0.get_mut(key) {
            bucket.give_back();
        }
    }
}

/// What each address holds open (sockets, connections), counted per [`address_key`].
#[derive(Default)]
pub struct OpenPerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
    total: AtomicUsize,
}

/// One open thing, counted until dropped.
pub struct OpenPermit {
    key: IpAddr,
    counter: Arc<OpenPerAddress>,
}

impl OpenPerAddress {
    /// Counts one more for `ip`, unless its address already has `max` open.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<OpenPermit> {
        let key = address_key(ip);
        let mut open = self.open.lock().expect("open count lock");
        let count = open.entry(key).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        Some(OpenPermit {
            key,
            counter: self.clone(),
        })
    }

    /// Everything open, all addresses together.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
}

impl Drop for OpenPermit {
    fn drop(&mut self) {
        let mut open = self.counter.open.lock().expect("open count lock");
        self.counter.total.fetch_sub(1, Ordering::Relaxed);
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// How often a limit that keeps biting is logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Warns when a limit bites, at most once a minute per limit, with how many times it
/// bit since the last warning: enough for an operator to see an attack, too little to
/// fill the disk during one.
#[derive(Default)]
pub struct LimitLog {
    limits: Mutex<HashMap<&'static str, (Option<Instant>, u64)>>,
}

impl LimitLog {
    /// Counts one bite of `limit`; logs `what` if the last warning for it is a minute old.
    pub fn bite(&self, limit: &'static str, what: impl FnOnce() -> String) {
        let now = Instant::now();
        let mut limits = self.limits.lock().expect("limit log lock");
        let (last, count) = limits.entry(limit).or_insert((None, 0));
        *count += 1;
        if last.is_none_or(|last| now.duration_since(last) >= LOG_EVERY) {
            tracing::warn!(
                "limit {limit} refused {count} time(s) in the last minute; latest: {}",
                what()
            );
            *last = Some(now);
            *count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refuses() {
        let mut limiter = RateLimiter::new(0.001, 3.0);
        assert!((0..3).all(|_| limiter.allow()));
        assert!(!limiter.allow());
    }

    #[test]
    fn a_zero_rate_refuses_without_panicking() {
        let mut limiter = RateLimiter::new(0.0, 1.0);
        assert!(limiter.allow());
        assert!(!limiter.allow());
    }

    #[test]
    fn keyed_buckets_are_apart_and_tell_when_to_retry() {
        let rate = KeyedRate::per_minute(2);
        assert!(rate.take(&"a").is_ok() && rate.take(&"a").is_ok());
        let wait = rate.take(&"a").unwrap_err();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
        assert!(rate.take(&"b").is_ok());
        rate.give_back(&"a");
        assert!(rate.take(&"a").is_ok());
    }

    #[test]
    fn big_maps_are_swept_at_most_every_ten_seconds() {
        let mut sweep = Sweep::default();
        let now = Instant::now();
        assert!(!sweep.due(SWEEP_ABOVE, now));
        assert!(sweep.due(SWEEP_ABOVE + 1, now));
        assert!(!sweep.due(SWEEP_ABOVE + 1, now + Duration::from_secs(9)));
        assert!(sweep.due(SWEEP_ABOVE + 1, now + SWEEP_EVERY));
    }

    #[test]
    fn permits_are_counted_per_address_and_returned() {
        let counter = Arc::new(OpenPerAddress::default());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let first = counter.acquire(ip, 1).unwrap();
        assert!(counter.acquire(ip, 1).is_none());
        assert!(counter.acquire("10.0.0.2".parse().unwrap(), 1).is_some());
        assert_eq!(counter.total(), 1);
        drop(first);
        assert!(counter.acquire(ip, 1).is_some());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let counter = Arc::new(OpenPerAddress::default());
        let _one = counter.acquire("2001:db8:1:2::1".parse().unwrap(), 1).unwrap();
        assert!(counter.acquire("2001:db8:1:2:ffff::9".parse().unwrap(), 1).is_none());
        assert!(counter.acquire("2001:db8:1:3::1".parse().unwrap(), 1).is_some());
        let _v4 = counter.acquire("192.0.2.7".parse().unwrap(), 1).unwrap();
        assert!(counter.acquire("::ffff:192.0.2.7".parse().unwrap(), 1).is_none());
    }
}
