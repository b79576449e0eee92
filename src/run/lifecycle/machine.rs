//! A dialect's state machine, typed.

use crate::run::status::{RunStatus, StepStatus};

/// What a run's transition means whatever the dialect: the run lifecycle's
/// milestones, as the lifecycle log names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    Enqueued,
    Started,
    Completed,
    Failed,
    Cancelled,
    Abandoned,
}

/// What the policy does with a move its machine does not have (and that is
/// neither a repeat nor out of a terminal state): engines differ in how far
/// their events can be trusted over their documented machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlisted {
    /// Never applied (the orchestrator's modules: a result must follow a
    /// spawn).
    Refuse,
    /// Applied when it goes forward (a state was skipped, or its event was
    /// lost: the run still ends where the events say), refused when it goes
    /// back (a run does not move back in time).
    Forward,
    /// Applied: the event reports the state the engine is in, whatever its
    /// documented machine says (Tasker's union of two engines' machines).
    Trust,
    /// Ignored when it does not go forward, repeats and moves out of an
    /// ended state included: deliveries come in no guaranteed order and may
    /// come twice (GitHub's webhooks), so a late one is normal, not a
    /// violation.
    Latest,
}

/// A dialect's states, by name: what [`states!`] writes for an enum.
pub trait States: Copy + Eq + 'static {
    /// The dialect's name for the state.
    fn as_str(self) -> &'static str;
    /// The state of a name.
    fn from_name(name: &str) -> Option<Self>;
    /// Its position in declaration order.
    fn order(self) -> u8;
}

/// One dialect's states for one kind of thing (its runs, or its steps).
pub trait Machine: States {
    /// What the thing is called in the dialect (`job`, `task`, `module`, ...),
    /// for violation messages.
    const NOUN: &'static str;
    /// The engine, as messages name it.
    const ENGINE: &'static str;
    /// The state a new thing is in before its first event; `None`: its first
    /// event may put it in any state the machine allows from nothing.
    const BORN: Option<Self>;
    /// See [`Unlisted`].
    const UNLISTED: Unlisted;

    /// The dialect's name for the state.
    fn name(self) -> &'static str {
        self.as_str()
    }
    /// The state of a name (one the machine handed out).
    fn parse(name: &str) -> Option<Self> {
        Self::from_name(name)
    }
    /// Whether the machine has `from -> to` (`None`: the thing is new). A
    /// repeat the machine allows is one its engine ignores quietly.
    fn allows(from: Option<Self>, to: Self) -> bool;
    /// Whether nothing follows the state.
    fn is_terminal(self) -> bool;
    /// Its position along the lifecycle, for telling a skipped state (up)
    /// from a move backwards (down or level): by default its declaration
    /// order (working states first, terminal ones last).
    fn rank(self) -> u8 {
        self.order()
    }
}

/// A machine for runs.
pub trait RunMachine: Machine {
    fn status(self) -> RunStatus;
    /// What reaching the state means to the lifecycle log.
    fn milestone(self) -> Option<Milestone>;
}

/// A machine for steps.
pub trait StepMachine: Machine {
    fn status(self) -> StepStatus;
}

/// Declares a dialect's states: the enum (in lifecycle order: working states
/// first, as they follow each other, then the terminal ones) and its
/// [`States`]: its names both ways, and its declaration order (what
/// [`Machine::rank`] returns unless a machine ranks otherwise).
macro_rules! states {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$vm])* $variant),+ }

        impl $crate::run::lifecycle::States for $name {
            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            fn from_name(name: &str) -> Option<Self> {
                match name { $($text => Some(Self::$variant),)+ _ => None }
            }
            fn order(self) -> u8 {
                self as u8
            }
        }
    };
}
pub(crate) use states;
