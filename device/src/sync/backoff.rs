//! When to sync next: a steady interval after a success, exponential backoff with jitter after
//! failures (so a fleet of phones coming back into coverage does not hit the server in step).
//! Pure: the caller passes the random jitter in.

use std::time::Duration;

/// Backoff state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after a success.
    pub interval: Duration,
    /// First delay after a failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_secs(60), Duration::from_secs(2), Duration::from_secs(300))
    }
}

impl Backoff {
    /// A schedule.
    pub fn new(interval: Duration, base: Duration, max: Duration) -> Self {
        Backoff { interval, base, max, failures: 0 }
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Record an outcome and return the delay before the next attempt. `jitter` in [0, 1) spreads a
    /// failure's delay over [½, 1½) of its nominal value.
    pub fn next_delay(&mut self, ok: bool, jitter: f64) -> Duration {
        if ok {
            self.failures = 0;
            return self.interval;
        }
        self.failures = self.failures.saturating_add(1);
        let exp = self.failures.saturating_sub(1).min(20);
        let nominal = self.base.saturating_mul(1u32 << exp).min(self.max);
        let factor = 0.5 + jitter.clamp(0.0, 0.999_999);
        nominal.mul_f64(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_after_each_failure_up_to_the_cap_and_resets_on_success() {
        let mut b = Backoff::new(Duration::from_secs(60), Duration::from_secs(2), Duration::from_secs(30));
        let mid: Vec<u64> = (0..6).map(|_| b.next_delay(false, 0.5).as_secs()).collect();
        assert_eq!(mid, [2, 4, 8, 16, 30, 30]);
        assert_eq!(b.failures(), 6);
        assert_eq!(b.next_delay(true, 0.9), Duration::from_secs(60));
        assert_eq!(b.next_delay(false, 0.5), Duration::from_secs(2));
    }

    #[test]
    fn jitter_spreads_delays_between_half_and_one_and_a_half() {
        let mut lo = Backoff::default();
        let mut hi = Backoff::default();
        for _ in 0..3 {
            lo.next_delay(false, 0.0);
            hi.next_delay(false, 0.0);
        }
        assert_eq!(lo.next_delay(false, 0.0), Duration::from_secs(8));
        assert!(hi.next_delay(false, 0.99) > Duration::from_secs(23));
    }
}
