//! What the dialects share about lifecycles, written once: how a run that
//! ended badly is classified, whatever its dialect.

use crate::run::model::{FailureClass, Run};
use crate::run::status::StepStatus;

/// The class of a failure its steps explain: a crash first, then the first
/// failed step's own class (allowed failures aside); `None` when no step
/// failed.
pub fn step_failure_class(run: &Run) -> Option<FailureClass> {
    let failed = |st: StepStatus| {
        run.steps
            .iter()
            .any(|s| s.status == st && !s.error.as_ref().is_some_and(|e| e.allowed))
    };
    if failed(StepStatus::Panicked) {
        Some(FailureClass::Panic)
    } else if failed(StepStatus::Failed) {
        Some(
            run.steps
                .iter()
                .find_map(|s| s.error.as_ref().filter(|e| !e.allowed).map(|e| e.class))
                .unwrap_or(FailureClass::Method),
        )
    } else {
        None
    }
}

/// The class of a run that ended failed (or `cancelled`): cancellation,
/// else what its steps explain, else structural (no step to blame).
pub fn run_failure_class(run: &Run, cancelled: bool) -> FailureClass {
    if cancelled {
        return FailureClass::Cancellation;
    }
    step_failure_class(run).unwrap_or(FailureClass::Structural)
}
