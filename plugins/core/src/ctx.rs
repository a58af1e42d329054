//! The per-call context: the clock and the randomness a stage may use.
//!
//! Nothing in the engine reads the system clock or an OS entropy source. Hosts
//! pass the time in, and randomness comes from a seeded generator, so a test
//! that fixes both gets the same records, signals and counts every run.

use std::time::{Duration, SystemTime};

/// Time and randomness for [`crate::Pipeline::process`].
#[derive(Debug, Clone)]
pub struct Ctx {
    now_nanos: u64,
    rng: fastrand::Rng,
}

impl Ctx {
    /// A context at `now_unix_nanos` (nanoseconds since the Unix epoch) whose
    /// random choices are drawn from a generator seeded with `seed`.
    pub fn new(now_unix_nanos: u64, seed: u64) -> Self {
        Ctx { now_nanos: now_unix_nanos, rng: fastrand::Rng::with_seed(seed) }
    }

    /// Moves the clock; hosts call this before each record or batch.
    pub fn set_now(&mut self, now_unix_nanos: u64) {
        self.now_nanos = now_unix_nanos;
    }

    /// Nanoseconds since the Unix epoch.
    pub fn now_nanos(&self) -> u64 {
        self.now_nanos
    }

    /// Seconds since the Unix epoch, as a float (for windows and buckets).
    pub fn now_secs(&self) -> f64 {
        self.now_nanos as f64 / 1e9
    }

    /// The time as a `SystemTime` built from the epoch (no clock is read).
    pub fn now_system_time(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_nanos(self.now_nanos)
    }

    /// A uniformly random `u64`.
    pub fn random_u64(&mut self) -> u64 {
        self.rng.u64(..)
    }

    /// Fills `buf` with random bytes.
    pub fn fill_random(&mut self, buf: &mut [u8]) {
        self.rng.fill(buf);
    }
}

/// RFC 3339 with milliseconds, UTC (`2026-11-24T16:18:08.123Z`).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}
