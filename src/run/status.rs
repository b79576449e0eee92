//! Statuses shared by every dialect. Each dialect keeps its own state names on
//! transitions (`in_progress`, `Running`, ...); these common statuses are what
//! counts, filters and colours are computed from.

use serde::Serialize;

/// Where a run (swamp workflow run, orchestrator job, Tasker task) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Pending,
    Queued,
    Running,
    /// Waiting on dependencies, a retry backoff or blocked by failures.
    Waiting,
    Completed,
    Failed,
    Cancelled,
    /// Ended without an end event: the next run started on the same source
    /// while it was still going (its engine died or lost it).
    Abandoned,
}

impl RunStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled | RunStatus::Abandoned
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Waiting => "waiting",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Abandoned => "abandoned",
        }
    }
}

/// Where a step (swamp step, orchestrator module, Tasker step) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    /// Spawned or enqueued, not yet running.
    Queued,
    Running,
    /// Failed an attempt and will be retried.
    Retrying,
    Completed,
    Failed,
    /// Crashed (orchestrator `job.module.panic`): kept apart from failures.
    Panicked,
    Cancelled,
    Skipped,
}

impl StepStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            StepStatus::Completed
                | StepStatus::Failed
                | StepStatus::Panicked
                | StepStatus::Cancelled
                | StepStatus::Skipped
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Queued => "queued",
            StepStatus::Running => "running",
            StepStatus::Retrying => "retrying",
            StepStatus::Completed => "completed",
            StepStatus::Failed => "failed",
            StepStatus::Panicked => "panicked",
            StepStatus::Cancelled => "cancelled",
            StepStatus::Skipped => "skipped",
        }
    }
}
