//! The bridge's sense of "now", injected so that native tests are deterministic
//! and the wasm binding can supply `Date.now()` or a caller's own clock.

use crate::time::Timestamp;

/// A source of observation instants. Events that carry a `timestamp` are observed
/// at that instant; the clock is asked only for events without one and for
/// `finalize`.
pub trait Clock {
    fn now(&mut self) -> Timestamp;
}

/// The host's wall clock. On wasm32 the binding supplies `Date.now()` instead.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&mut self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        // The system clock is inside the four-digit-year range on any real host;
        // saturate rather than fail if it is not.
        Timestamp::from_millis(ms.clamp(0, crate::time::MAX_MS)).unwrap_or(Timestamp::EPOCH)
    }
}

/// A clock that returns the instants it was given, then repeats the last one:
/// for tests and deterministic replays.
#[derive(Debug, Clone)]
pub struct FixedClock {
    instants: Vec<Timestamp>,
    next: usize,
}

impl FixedClock {
    pub fn new(instants: impl IntoIterator<Item = Timestamp>) -> Self {
        let instants: Vec<Timestamp> = instants.into_iter().collect();
        FixedClock { instants, next: 0 }
    }

    /// A clock that starts at `start` and advances by `step_ms` on every reading.
    pub fn stepping(start: Timestamp, step_ms: i64, readings: usize) -> Self {
        FixedClock::new(
            (0..readings as i64)
                .filter_map(|i| Timestamp::from_millis(start.millis() + i * step_ms).ok()),
        )
    }
}

impl Clock for FixedClock {
    fn now(&mut self) -> Timestamp {
        let i = self.next.min(self.instants.len().saturating_sub(1));
        self.next += 1;
        self.instants.get(i).copied().unwrap_or(Timestamp::EPOCH)
    }
}

impl<F: FnMut() -> Timestamp> Clock for F {
    fn now(&mut self) -> Timestamp {
        self()
    }
}
