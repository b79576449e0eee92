//! Unsigned integers in decimal without the formatting machinery, which cost
//! more than everything else on the per-event paths that write them (entry
//! JSON, the run model's keys).

/// The decimal digits of `n`, written into `buf` (20 bytes hold any `u64`).
pub(crate) fn digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_magnitude_like_display() {
        let mut buf = [0u8; 20];
        for n in [0u64, 7, 10, 99, 100, 12345, u64::MAX] {
            assert_eq!(digits(n, &mut buf), n.to_string().as_bytes());
        }
    }
}
