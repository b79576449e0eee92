//! Deterministic trace and span ids, derived from run and step identity, so the
//! same log always exports the same trace (replays, retries of the export, and
//! several exporters agree without coordination).
//!
//! The hash is FNV-1a over length-prefixed parts, finished with the splitmix64
//! mixer: not cryptographic (ids are not secrets), but well distributed, which
//! matters because sampling reads the trace id as a uniform number.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit hash of the parts, each length-prefixed so `("ab", "c")` and
/// `("a", "bc")` differ.
pub fn hash64(seed: u64, parts: &[&str]) -> u64 {
    let mut h = FNV_OFFSET ^ seed;
    for part in parts {
        for b in (part.len() as u64)
            .to_le_bytes()
            .iter()
            .chain(part.as_bytes())
        {
            h ^= u64::from(*b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    mix(h)
}

/// A 16-byte trace id as 32 lowercase hex digits; never all zero.
pub fn trace_id(parts: &[&str]) -> String {
    let hi = hash64(0x7472_6163_6531, parts);
    let lo = hash64(0x7472_6163_6532, parts);
    let lo = if hi == 0 && lo == 0 { 1 } else { lo };
    format!("{hi:016x}{lo:016x}")
}

/// An 8-byte span id as 16 lowercase hex digits; never all zero.
pub fn span_id(parts: &[&str]) -> String {
    let v = hash64(0x7370_616e, parts);
    format!("{:016x}", if v == 0 { 1 } else { v })
}

/// The trace id's first 8 bytes as a fraction in [0, 1): the per-run sampling draw.
pub fn sampling_draw(trace_id_hex: &str) -> f64 {
    let hi = u64::from_str_radix(trace_id_hex.get(..16).unwrap_or("0"), 16).unwrap_or(0);
    (hi >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_hex_and_distinct() {
        let a = trace_id(&["swamp", "run-1"]);
        assert_eq!(a, trace_id(&["swamp", "run-1"]));
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(a, trace_id(&["swamp", "run-2"]));
        assert_ne!(trace_id(&["ab", "c"]), trace_id(&["a", "bc"]));
        let s = span_id(&["run-1", "step"]);
        assert_eq!(s.len(), 16);
        assert_ne!(s, "0000000000000000");
    }

    #[test]
    fn the_sampling_draw_is_roughly_uniform() {
        let n = 20_000;
        let below = (0..n)
            .filter(|i| sampling_draw(&trace_id(&["run", &i.to_string()])) < 0.25)
            .count();
        let share = below as f64 / n as f64;
        assert!((0.23..0.27).contains(&share), "{share}");
    }
}
