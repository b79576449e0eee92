//! Event-name patterns: an exact name, or a glob where `*` matches any run of
//! characters (dots included) and `?` one character: `job.module.*`, `step.*ed`.

/// A compiled name pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern(String);

impl NamePattern {
    pub fn new(pattern: &str) -> Self {
        NamePattern(pattern.to_string())
    }

    pub fn matches(&self, name: &str) -> bool {
        glob(self.0.as_bytes(), name.as_bytes())
    }
}

/// Iterative glob matching with single-star backtracking: linear in practice,
/// never exponential.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Which events pass: not matching any `deny` pattern, and matching an `allow`
/// pattern when any is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub allow: Vec<NamePattern>,
    pub deny: Vec<NamePattern>,
}

impl EventFilter {
    pub fn new(allow: &[String], deny: &[String]) -> Self {
        EventFilter {
            allow: allow.iter().map(|p| NamePattern::new(p)).collect(),
            deny: deny.iter().map(|p| NamePattern::new(p)).collect(),
        }
    }

    pub fn passes(&self, name: &str) -> bool {
        (self.allow.is_empty() || self.allow.iter().any(|p| p.matches(name)))
            && !self.deny.iter().any(|p| p.matches(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_and_globs() {
        let m = |p: &str, s: &str| NamePattern::new(p).matches(s);
        assert!(m("method_output", "method_output"));
        assert!(!m("method_output", "method_outputs"));
        assert!(m("job.module.*", "job.module.spawn"));
        assert!(!m("job.module.*", "job.lifecycle.start"));
        assert!(m("*.completed", "task.completed"));
        assert!(m("step.*ed", "step.failed"));
        assert!(m("st?p.*", "step.x"));
        assert!(m("*", ""));
        assert!(!m("a*b*c", "aXbX"));
        assert!(m("a*b*c", "aXbXc"));
    }

    #[test]
    fn allow_and_deny() {
        let f = EventFilter::new(&["job.*".into()], &["job.module.spawn".into()]);
        assert!(f.passes("job.lifecycle.start"));
        assert!(!f.passes("job.module.spawn"));
        assert!(!f.passes("task.completed"));
        assert!(EventFilter::default().passes("anything"));
    }
}
