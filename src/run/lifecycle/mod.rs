//! What the dialects share about lifecycles, written once.
//!
//! Each dialect's states are a typed enum behind [`Machine`] (its moves, its
//! terminal states, its order, the canonical status each state stands for);
//! [`judge`] decides what a move does under the one policy every dialect
//! follows (a repeat, a move out of a terminal state, a skipped state, a move
//! backwards, a move the machine lacks); the run slot applies the verdict,
//! recording each transition with the canonical status it reached, or a
//! violation; and a run that ended badly is classified by one function
//! ([`run_failure_class`]).

mod failure;
mod machine;
mod policy;

pub use failure::{run_failure_class, step_failure_class};
pub(crate) use machine::states;
pub use machine::{Machine, Milestone, RunMachine, States, StepMachine, Unlisted};
pub use policy::{judge, message, Verdict, Why};
