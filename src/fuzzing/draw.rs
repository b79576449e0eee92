//! Choices drawn from the fuzzer's bytes: a cursor that turns each byte into
//! a pick, a count or a coin, and reads zero once the bytes run out (so every
//! input, however short, is a valid sequence of choices and libFuzzer's
//! mutations move between nearby scenarios rather than mostly-invalid JSON).
//!
//! Written by hand rather than with the `arbitrary` crate: the bodies live in
//! the library (so the stable test suite replays them), and twenty lines do
//! not earn a dependency of the published crate.

pub(super) struct Draw<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Draw<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Draw { bytes, at: 0 }
    }

    /// Bytes are left to draw from.
    pub fn more(&self) -> bool {
        self.at < self.bytes.len()
    }

    pub fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    /// True about `in16` times in 16.
    pub fn chance(&mut self, in16: u8) -> bool {
        self.byte() % 16 < in16
    }

    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}
