//! Per-client limits: a token bucket for frames per socket, and a count of open
//! sockets per IP address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::Limits;
use crate::error::ClientError;

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
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Refuses a frame over the socket's rate or over the frame size limit.
pub fn check_frame(limiter: &mut RateLimiter, text: &str, limits: &Limits) -> Result<(), ClientError> {
    if !limiter.allow() {
        return Err(ClientError::new(
            "rate_limited",
            "too many frames per second; this frame was dropped, send it again in a moment",
        ));
    }
    if text.len() > limits.max_frame_bytes {
        return Err(ClientError::new(
            "too_long",
            format!(
                "a frame of {} bytes is over the limit of {} bytes",
                text.len(),
                limits.max_frame_bytes
            ),
        ));
    }
    Ok(())
}

/// Refuses a text (message, note, field) longer than the message limit.
pub fn check_chars(field: &str, text: &str, limits: &Limits) -> Result<(), ClientError> {
    let max = limits.max_message_chars;
    let chars = text.chars().count();
    if chars > max {
        return Err(ClientError::new(
            "too_long",
            format!("{field} has {chars} characters; the limit is {max}"),
        ));
    }
    Ok(())
}

/// Open sockets per IP address.
#[derive(Default)]
pub struct SocketsPerIp {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open socket, counted until dropped.
pub struct SocketPermit {
    ip: IpAddr,
    counter: Arc<SocketsPerIp>,
}

impl SocketsPerIp {
    /// Counts a new socket from `ip`, unless `ip` already has `max` open.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<SocketPermit> {
        let mut open = self.open.lock().expect("socket count lock");
        let count = open.entry(ip).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(SocketPermit {
            ip,
            counter: self.clone(),
        })
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        let mut open = self.counter.open.lock().expect("socket count lock");
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
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
    fn permits_are_counted_per_ip_and_returned() {
        let counter = Arc::new(SocketsPerIp::default());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let first = counter.acquire(ip, 1).unwrap();
        assert!(counter.acquire(ip, 1).is_none());
        assert!(counter.acquire("10.0.0.2".parse().unwrap(), 1).is_some());
        drop(first);
        assert!(counter.acquire(ip, 1).is_some());
    }
}
