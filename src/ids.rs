//! Entry ids: RFC 4122 version-4 UUIDs, lowercase, 36 characters, like
//! `crypto.randomUUID()`. The source is injected so tests can pin ids.

use uuid::Builder;

/// A source of entry ids.
pub trait IdSource {
    fn next_id(&mut self) -> String;
}

/// Random v4 UUIDs. Random bytes are fetched from the host in batches of
/// [`RandomIds::BATCH`] ids, because on wasm every `getrandom` call is a crossing
/// into JS (`crypto.getRandomValues`).
#[derive(Debug, Clone)]
pub struct RandomIds {
    pool: Vec<u8>,
    used: usize,
}

impl RandomIds {
    pub const BATCH: usize = 64;

    pub fn new() -> Self {
        RandomIds {
            pool: vec![0; 16 * Self::BATCH],
            used: 16 * Self::BATCH,
        }
    }

    fn next_bytes(&mut self) -> [u8; 16] {
        if self.used + 16 > self.pool.len() {
            if getrandom::fill(&mut self.pool).is_err() {
                // No entropy source: derive bytes from the previous pool and the
                // clock so ids stay unique within the process. Never reached on
                // Node, browsers or any OS getrandom supports.
                fallback_fill(&mut self.pool);
            }
            self.used = 0;
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.pool[self.used..self.used + 16]);
        self.used += 16;
        out
    }
}

impl Default for RandomIds {
    fn default() -> Self {
        Self::new()
    }
}

impl IdSource for RandomIds {
    fn next_id(&mut self) -> String {
        let uuid = Builder::from_random_bytes(self.next_bytes()).into_uuid();
        uuid.hyphenated().to_string()
    }
}

fn fallback_fill(pool: &mut [u8]) {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    let mut h = DefaultHasher::new();
    pool.hash(&mut h);
    for chunk in pool.chunks_mut(8) {
        chunk.len().hash(&mut h);
        let v = h.finish().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
        v.hash(&mut h);
    }
}

/// Ids from a fixed list, then `<prefix>-<n>`: for tests.
#[derive(Debug, Clone, Default)]
pub struct SequentialIds {
    prefix: String,
    n: u64,
}

impl SequentialIds {
    pub fn new(prefix: impl Into<String>) -> Self {
        SequentialIds {
            prefix: prefix.into(),
            n: 0,
        }
    }
}

impl IdSource for SequentialIds {
    fn next_id(&mut self) -> String {
        self.n += 1;
        format!("{}-{}", self.prefix, self.n)
    }
}

impl<F: FnMut() -> String> IdSource for F {
    fn next_id(&mut self) -> String {
        self()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_v4_lowercase_and_distinct() {
        let mut ids = RandomIds::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..(RandomIds::BATCH * 3 + 5) {
            let id = ids.next_id();
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4", "version nibble in {id}");
            assert!(
                matches!(&id[19..20], "8" | "9" | "a" | "b"),
                "variant in {id}"
            );
            assert_eq!(id, id.to_lowercase());
            assert!(seen.insert(id));
        }
    }

    #[test]
    fn fallback_fill_changes_bytes() {
        let mut pool = vec![0u8; 32];
        fallback_fill(&mut pool);
        assert!(pool.iter().any(|&b| b != 0));
    }
}
