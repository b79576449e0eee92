//! The one policy for applying a state move, whatever the dialect.

use super::machine::{Machine, Unlisted};

/// What a move does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A move the machine has: applied.
    Apply,
    /// Applied, and recorded as a violation.
    Flagged(Why),
    /// Not applied; recorded as a violation.
    Refused(Why),
    /// A repeat its engine itself ignores: nothing happens.
    Ignored,
}

/// Why a move is flagged or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The thing is in that state already (and its engine does not ignore
    /// that, or the state is terminal: a second end).
    Repeat,
    /// The thing ended; nothing moves it again.
    Ended,
    /// A move forward past a state the machine requires.
    Skipped,
    /// A move back to an earlier (or level) state.
    Backwards,
    /// A move the machine does not have.
    Unlisted,
    /// The first event of a thing, to a state the machine never starts in:
    /// its earlier events may be late or lost, so it is kept.
    New,
}

/// What moving from `from` (`None`: the thing is new) to `to` does.
///
/// In order: under [`Unlisted::Latest`], a move that does not go forward is
/// ignored; a repeat is ignored when the machine allows it and the state
/// is not terminal, else refused; a move out of a terminal state the machine
/// does not have is refused; a move the machine has is applied; a new
/// thing's first move is kept, flagged; any other move follows the
/// machine's [`Unlisted`].
pub fn judge<M: Machine>(from: Option<M>, to: M) -> Verdict {
    let allowed = M::allows(from, to);
    if M::UNLISTED == Unlisted::Latest && !allowed && from.is_some_and(|f| to.rank() <= f.rank()) {
        return Verdict::Ignored;
    }
    match from {
        Some(f) if f == to => {
            if allowed && !f.is_terminal() {
                Verdict::Ignored
            } else {
                Verdict::Refused(Why::Repeat)
            }
        }
        Some(f) if f.is_terminal() && !allowed => Verdict::Refused(Why::Ended),
        _ if allowed => Verdict::Apply,
        None => Verdict::Flagged(Why::New),
        Some(f) => match M::UNLISTED {
            Unlisted::Refuse => Verdict::Refused(Why::Unlisted),
            Unlisted::Forward if to.rank() > f.rank() => Verdict::Flagged(Why::Skipped),
            Unlisted::Forward => Verdict::Refused(Why::Backwards),
            Unlisted::Trust => Verdict::Flagged(Why::Unlisted),
            Unlisted::Latest => Verdict::Flagged(Why::Skipped),
        },
    }
}

/// The violation message for a flagged or refused move of the thing `id`
/// (a `noun` of the `engine`) to the state `to`.
pub fn message(
    why: Why,
    noun: &str,
    engine: &str,
    id: &str,
    from: Option<&str>,
    to: &str,
) -> String {
    let from = from.unwrap_or("(new)");
    match why {
        Why::Repeat => format!("{noun} {id} reached {to} twice"),
        Why::Ended | Why::Backwards => format!("{noun} {id} cannot go from {from} to {to}"),
        Why::Skipped => format!("{noun} {id} went from {from} to {to}, skipping a state"),
        Why::Unlisted => {
            format!("{noun} {id} went from {from} to {to}, which {engine} does not allow")
        }
        Why::New => format!(
            "{noun} {id} cannot go from {from} to {to}: kept, as its earlier events may be late"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::lifecycle::States;

    /// A three-state machine: `A -> B -> C`, `C` terminal; `A -> A` is a
    /// repeat its engine ignores.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum S {
        A,
        B,
        C,
    }

    macro_rules! machine {
        ($t:ident, $unlisted:expr) => {
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            struct $t(S);
            impl States for $t {
                fn as_str(self) -> &'static str {
                    match self.0 {
                        S::A => "a",
                        S::B => "b",
                        S::C => "c",
                    }
                }
                fn from_name(_: &str) -> Option<Self> {
                    None
                }
                fn order(self) -> u8 {
                    self.0 as u8
                }
            }
            impl Machine for $t {
                const NOUN: &'static str = "thing";
                const ENGINE: &'static str = "the engine";
                const BORN: Option<Self> = None;
                const UNLISTED: Unlisted = $unlisted;
                fn allows(from: Option<Self>, to: Self) -> bool {
                    matches!(
                        (from.map(|f| f.0), to.0),
                        (None, S::A) | (Some(S::A), S::A | S::B) | (Some(S::B), S::C)
                    )
                }
                fn is_terminal(self) -> bool {
                    self.0 == S::C
                }
            }
        };
    }
    machine!(Fwd, Unlisted::Forward);
    machine!(Ref, Unlisted::Refuse);
    machine!(Tru, Unlisted::Trust);
    machine!(Lat, Unlisted::Latest);

    #[test]
    fn the_policy_in_order() {
        use Verdict::*;
        let (a, b, c) = (Fwd(S::A), Fwd(S::B), Fwd(S::C));
        assert_eq!(judge(None, a), Apply);
        assert_eq!(judge(Some(a), b), Apply);
        assert_eq!(judge(Some(a), a), Ignored, "a repeat the machine allows");
        assert_eq!(judge(Some(b), b), Refused(Why::Repeat));
        assert_eq!(judge(Some(c), c), Refused(Why::Repeat), "a second end");
        assert_eq!(judge(Some(c), a), Refused(Why::Ended));
        assert_eq!(judge(None, c), Flagged(Why::New));
        assert_eq!(judge(Some(a), c), Flagged(Why::Skipped));
        assert_eq!(judge(Some(b), a), Refused(Why::Backwards));
        assert_eq!(judge(Some(Ref(S::A)), Ref(S::C)), Refused(Why::Unlisted));
        assert_eq!(judge(Some(Tru(S::B)), Tru(S::A)), Flagged(Why::Unlisted));
        assert_eq!(judge(Some(Tru(S::C)), Tru(S::A)), Refused(Why::Ended));
        // Late and repeated deliveries are normal where order is not kept.
        assert_eq!(judge(Some(Lat(S::C)), Lat(S::A)), Ignored);
        assert_eq!(judge(Some(Lat(S::C)), Lat(S::C)), Ignored);
        assert_eq!(judge(Some(Lat(S::B)), Lat(S::B)), Ignored);
        assert_eq!(judge(Some(Lat(S::A)), Lat(S::C)), Flagged(Why::Skipped));
    }

    #[test]
    fn messages_name_the_thing_and_both_states() {
        let m = |why| message(why, "thing", "the engine", "t1", Some("a"), "c");
        assert_eq!(m(Why::Repeat), "thing t1 reached c twice");
        assert_eq!(m(Why::Ended), "thing t1 cannot go from a to c");
        assert_eq!(
            m(Why::Skipped),
            "thing t1 went from a to c, skipping a state"
        );
        assert_eq!(
            m(Why::Unlisted),
            "thing t1 went from a to c, which the engine does not allow"
        );
        assert!(message(Why::New, "thing", "the engine", "t1", None, "c")
            .starts_with("thing t1 cannot go from (new) to c"));
    }
}
