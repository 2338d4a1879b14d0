//! Hybrid logical clock.
//!
//! Events in a work order are ordered by an HLC so that the status fold gives the same answer on every
//! replica, whatever order the changes arrived in, while staying close to wall-clock time for humans.
//! A timestamp is `(wall_ms, counter)`; ties between devices are broken by the actor id at the call site.
//! The clock never reads the wall clock itself: callers pass `now`, so rules stay pure and testable.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One HLC timestamp. Ordered by wall time, then counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (the largest wall time seen).
    pub wall_ms: i64,
    /// Logical counter within one millisecond.
    pub counter: u32,
}

impl Hlc {
    /// The clock value for a physical time with no logical component.
    pub const fn new(wall_ms: i64, counter: u32) -> Self {
        Self { wall_ms, counter }
    }

    /// Next timestamp for a local event at physical time `now_ms`, strictly greater than `self`.
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.wall_ms { Hlc::new(now_ms, 0) } else { self.bump() }
    }

    /// Merge a remote timestamp: the result is greater than both `self` and `remote`.
    pub fn observe(self, remote: Hlc, now_ms: i64) -> Hlc {
        let wall = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = match (wall == self.wall_ms, wall == remote.wall_ms) {
            (true, true) => self.counter.max(remote.counter).saturating_add(1),
            (true, false) => self.counter.saturating_add(1),
            (false, true) => remote.counter.saturating_add(1),
            (false, false) => 0,
        };
        Hlc::new(wall, counter)
    }

    fn bump(self) -> Hlc {
        match self.counter.checked_add(1) {
            Some(counter) => Hlc::new(self.wall_ms, counter),
            None => Hlc::new(self.wall_ms + 1, 0),
        }
    }
}

/// Fixed-width text form `WWWWWWWWWWWWWWW.CCCCC` that sorts like the value.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}.{:05}", self.wall_ms, self.counter)
    }
}

/// Error parsing the text form of an [`Hlc`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a hybrid logical clock value: {0:?}")]
pub struct ParseHlcError(pub String);

impl FromStr for Hlc {
    type Err = ParseHlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseHlcError(s.chars().take(40).collect());
        let (wall, counter) = s.split_once('.').ok_or_else(err)?;
        Ok(Hlc::new(wall.parse().map_err(|_| err())?, counter.parse().map_err(|_| err())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_is_monotonic_even_when_the_wall_clock_goes_back() {
        let a = Hlc::new(1_000, 0);
        let b = a.tick(900);
        assert!(b > a);
        assert_eq!(b, Hlc::new(1_000, 1));
        assert_eq!(b.tick(2_000), Hlc::new(2_000, 0));
    }

    #[test]
    fn observe_is_greater_than_both_sides() {
        let local = Hlc::new(1_000, 3);
        let remote = Hlc::new(1_500, 7);
        let merged = local.observe(remote, 1_200);
        assert!(merged > local && merged > remote);
        assert_eq!(merged, Hlc::new(1_500, 8));
        assert_eq!(Hlc::new(5, 2).observe(Hlc::new(5, 9), 1), Hlc::new(5, 10));
        assert_eq!(Hlc::new(5, 2).observe(Hlc::new(4, 9), 10), Hlc::new(10, 0));
    }

    #[test]
    fn text_form_round_trips_and_sorts() {
        let a = Hlc::new(1_731_000_000_000, 2);
        let b = Hlc::new(1_731_000_000_000, 10);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>(), Ok(a));
        assert!("garbage".parse::<Hlc>().is_err());
    }

    #[test]
    fn counter_overflow_moves_to_next_millisecond() {
        assert_eq!(Hlc::new(7, u32::MAX).tick(0), Hlc::new(8, 0));
    }
}
