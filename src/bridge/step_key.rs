//! The in-flight key: (run scope, job, step) as a tuple of separate strings.
//!
//! swamp joined job and step with `:` and split the key again at finalize, which
//! collided (`a:b`/`c` vs `a`/`b:c`) and truncated names (W1). Here the parts are
//! never joined, so any characters are safe. Lookups go through [`KeyView`] so a
//! step event can be matched without allocating an owned key.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Owned key. `run` is `None` for the active root run (a step event without
/// `runId`, or naming the root: see [`super::runs`]), `Some(id)` for any
/// other run.
#[derive(Debug, Clone)]
pub struct StepKey {
    pub run: Option<Box<str>>,
    pub job: Box<str>,
    pub step: Box<str>,
}

/// A borrowed view of a key, used for lookups.
pub trait KeyView {
    fn parts(&self) -> (Option<&str>, &str, &str);
}

impl KeyView for StepKey {
    fn parts(&self) -> (Option<&str>, &str, &str) {
        (self.run.as_deref(), &self.job, &self.step)
    }
}

impl KeyView for (Option<&str>, &str, &str) {
    fn parts(&self) -> (Option<&str>, &str, &str) {
        *self
    }
}

impl<'a> Borrow<dyn KeyView + 'a> for StepKey {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyView + '_ {}

impl Hash for StepKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl PartialEq for StepKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for StepKey {}

impl StepKey {
    pub fn new(run: Option<&str>, job: &str, step: &str) -> Self {
        StepKey {
            run: run.map(Into::into),
            job: job.into(),
            step: step.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn colon_pairs_do_not_collide_and_lookup_borrows() {
        let mut m: HashMap<StepKey, u8> = HashMap::new();
        m.insert(StepKey::new(None, "a:b", "c"), 1);
        m.insert(StepKey::new(None, "a", "b:c"), 2);
        m.insert(StepKey::new(Some("r2"), "a", "b:c"), 3);
        assert_eq!(m.len(), 3);
        let probe: &dyn KeyView = &(None, "a", "b:c");
        assert_eq!(m.get(probe), Some(&2));
        let probe: &dyn KeyView = &(Some("r2"), "a", "b:c");
        assert_eq!(m.get(probe), Some(&3));
        let probe: &dyn KeyView = &(None, "a:b", "c");
        assert_eq!(m.get(probe), Some(&1));
    }
}
