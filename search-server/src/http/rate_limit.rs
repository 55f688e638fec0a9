//! Handoff rate limits: a token bucket per client address and one for the whole site, in
//! memory. A flood from one client is refused with `429 rate_limited` before it reaches the
//! database, and the site-wide bucket caps what many clients can do together.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most client buckets kept; the fullest (least recently limited) are dropped beyond it.
const MAX_CLIENTS: usize = 100_000;

/// Handoffs allowed per minute, per client and per site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub per_client_per_minute: u32,
    pub per_site_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_client_per_minute: 10,
            per_site_per_minute: 600,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes a token if there is one; else answers how long until there is.
    fn take(&mut self, per_minute: u32, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(per_minute.max(1));
        let rate = capacity / 60.0;
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }
}

/// Which limit refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    Client(Duration),
    Site(Duration),
}

/// The buckets of one server.
#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: Limits,
    site: Mutex<Option<Bucket>>,
    clients: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            ..RateLimiter::default()
        }
    }

    /// Counts one handoff from `client`, or says which limit it exceeds.
    pub fn check(&self, client: &str) -> Result<(), Refused> {
        let now = Instant::now();
        let limits = self.limits;
        {
            let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            if clients.len() >= MAX_CLIENTS && !clients.contains_key(client) {
                let capacity = f64::from(limits.per_client_per_minute);
                clients.retain(|_, b| b.tokens < capacity - 1.0);
            }
            let bucket = clients.entry(client.to_owned()).or_insert(Bucket {
                tokens: f64::from(limits.per_client_per_minute),
                at: now,
            });
            bucket
                .take(limits.per_client_per_minute, now)
                .map_err(Refused::Client)?;
        }
        let mut site = self.site.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = site.get_or_insert(Bucket {
            tokens: f64::from(limits.per_site_per_minute),
            at: now,
        });
        bucket
            .take(limits.per_site_per_minute, now)
            .map_err(Refused::Site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_is_limited_before_the_site() {
        let limiter = RateLimiter::new(Limits {
            per_client_per_minute: 3,
            per_site_per_minute: 5,
        });
        for _ in 0..3 {
            assert_eq!(limiter.check("a"), Ok(()));
        }
        assert!(matches!(limiter.check("a"), Err(Refused::Client(_))));
        assert_eq!(limiter.check("b"), Ok(()));
        assert_eq!(limiter.check("c"), Ok(()));
        assert!(matches!(limiter.check("d"), Err(Refused::Site(_))));
    }
}
