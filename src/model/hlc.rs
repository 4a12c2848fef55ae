//! Hybrid logical clock (DESIGN §3): 48 bits of wall-clock milliseconds and a 16-bit counter
//! in one i64, so that ops order by cause even when laptop clocks disagree. Ties between
//! devices are broken by device id, outside this type.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A remote clock further ahead than this is not trusted (24 hours).
pub const MAX_DRIFT_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Hlc(pub i64);

impl Hlc {
    pub fn from_parts(wall_ms: i64, counter: u16) -> Hlc {
        Hlc((wall_ms << 16) | i64::from(counter))
    }

    pub fn wall_ms(self) -> i64 {
        self.0 >> 16
    }

    pub fn counter(self) -> u16 {
        (self.0 & 0xffff) as u16
    }

    /// The wall-clock part as a UTC time, for display.
    pub fn to_datetime(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.wall_ms()).unwrap_or_default()
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.to_datetime().format("%Y-%m-%dT%H:%M:%S%.3fZ"), self.counter())
    }
}

/// The local clock: never goes backwards, and moves past every clock it has seen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    pub fn starting_after(last: Hlc) -> Clock {
        Clock { last }
    }

    pub fn now_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    /// A new timestamp for a local event.
    pub fn tick(&mut self) -> Hlc {
        self.tick_at(Clock::now_ms())
    }

    pub fn tick_at(&mut self, now_ms: i64) -> Hlc {
        let last_wall = self.last.wall_ms();
        self.last = if now_ms > last_wall {
            Hlc::from_parts(now_ms, 0)
        } else if self.last.counter() == u16::MAX {
            Hlc::from_parts(last_wall + 1, 0)
        } else {
            Hlc::from_parts(last_wall, self.last.counter() + 1)
        };
        self.last
    }

    /// Moves the clock past a timestamp received from another office. Returns false (and
    /// leaves the clock alone) when that timestamp is implausibly far in the future.
    pub fn observe(&mut self, remote: Hlc, now_ms: i64) -> bool {
        if remote.wall_ms() > now_ms + MAX_DRIFT_MS {
            return false;
        }
        if remote > self.last {
            self.last = remote;
        }
        true
    }

    pub fn last(&self) -> Hlc {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_strictly_increasing_even_if_the_wall_clock_stalls_or_jumps_back() {
        let mut c = Clock::default();
        let a = c.tick_at(1000);
        let b = c.tick_at(1000);
        let d = c.tick_at(500);
        assert!(a < b && b < d);
        assert_eq!(d.wall_ms(), 1000);
        assert_eq!(c.tick_at(2000), Hlc::from_parts(2000, 0));
    }

    #[test]
    fn observing_a_remote_clock_moves_past_it_unless_it_is_too_far_ahead() {
        let mut c = Clock::default();
        assert!(c.observe(Hlc::from_parts(5000, 3), 1000));
        assert!(c.tick_at(1000) > Hlc::from_parts(5000, 3));
        assert!(!c.observe(Hlc::from_parts(1000 + MAX_DRIFT_MS + 1, 0), 1000));
    }

    #[test]
    fn counter_overflow_carries_into_the_wall_clock() {
        let mut c = Clock::starting_after(Hlc::from_parts(10, u16::MAX));
        assert_eq!(c.tick_at(10), Hlc::from_parts(11, 0));
    }
}
