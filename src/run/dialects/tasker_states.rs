//! Tasker (Rails) and tasker-core (Rust) lifecycle knowledge, as pure functions.
//!
//! The run model's Tasker dialect adapter uses this module to turn event names
//! into state names, to check transitions, and to map states onto the shared
//! [`RunStatus`] / [`StepStatus`]. Nothing here allocates or panics; every state
//! name handed out is one of the `&'static str` constants in [`task`] and
//! [`step`]. Section numbers (§) refer to
//! `shared/reference/tasker-observability.md`.
//!
//! # One vocabulary: tasker-core's
//!
//! Rails Tasker has six statuses for both tasks and steps (§1.3); tasker-core
//! has twelve task states and ten step states (§1.4). This module speaks only
//! tasker-core's names, because they are a superset: a viewer that shows
//! `waiting_for_retry` or `blocked_by_failures` for a tasker-core run must not
//! lose them, and every Rails status has a tasker-core counterpart.
//!
//! | Rails status | Task (tasker-core name) | Step (tasker-core name) |
//! |---|---|---|
//! | `pending` | `pending` | `pending` |
//! | `in_progress` | **`steps_in_process`** | `in_progress` |
//! | `complete` | `complete` | `complete` |
//! | `error` | `error` | `error` |
//! | `cancelled` | `cancelled` | `cancelled` |
//! | `resolved_manually` | `resolved_manually` | `resolved_manually` |
//!
//! The only rename is the Rails *task* `in_progress`, which becomes
//! `steps_in_process`: tasker-core's legacy transitions (`pending` →
//! `steps_in_process` on `start`, `steps_in_process` → `complete`/`error` on
//! `complete`/`fail`, §1.4 "legacy") are exactly the Rails `in_progress` edges
//! carried over, so that is the state tasker-core itself uses for them.
//! [`normalize_state`] applies the rename to state names read from payloads
//! (`from_state`/`to_state`), and every function taking a state name accepts
//! the Rails spelling.
//!
//! A Rails step has no `waiting_for_retry`: after a failure it stays in `error`
//! while its backoff runs, and announces the wait with
//! `observability.step.backoff` (§1.2). That event maps to `waiting_for_retry`,
//! so the union machine also accepts step `error` → `waiting_for_retry`.
//!
//! # Names whose meaning differs between the engines
//!
//! * `task.initialize_requested`: Rails fires it when a task is created
//!   (initial → `pending`) and when a running task is reset to `pending`
//!   (§1.3); tasker-core fires it on `pending` → `initializing` (§1.4).
//!   [`target_state`] returns `pending` (the Rails meaning, and §9 maps the
//!   name to `job.lifecycle.enqueue`); [`resolve_target_state`] returns
//!   `initializing` when the task is already `pending`, since Rails never
//!   fires it then (a transition to the current state is aborted quietly).
//! * `step.retry_requested`: Rails fires it on `error` → `pending`;
//!   tasker-core fires it both on `error`/`waiting_for_retry` → `pending` and on
//!   entering `waiting_for_retry` from `pending`, `enqueued`, `in_progress` or
//!   `enqueued_as_error_for_orchestration` (§1.4). [`target_state`] returns
//!   `pending`; [`resolve_target_state`] returns `waiting_for_retry` from the
//!   states that cannot go to `pending`.
//!
//! tasker-core transition payloads carry `to_state`; when an event has one,
//! the adapter should prefer it (through [`normalize_state`]) over any name
//! based inference.

use crate::run::status::{RunStatus, StepStatus};

/// Which state machine an event or a state name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Task,
    Step,
}

/// tasker-core task state names (§1.4, "Task states (12)").
pub mod task {
    pub const PENDING: &str = "pending";
    pub const INITIALIZING: &str = "initializing";
    pub const ENQUEUING_STEPS: &str = "enqueuing_steps";
    pub const STEPS_IN_PROCESS: &str = "steps_in_process";
    pub const EVALUATING_RESULTS: &str = "evaluating_results";
    pub const WAITING_FOR_DEPENDENCIES: &str = "waiting_for_dependencies";
    pub const WAITING_FOR_RETRY: &str = "waiting_for_retry";
    pub const BLOCKED_BY_FAILURES: &str = "blocked_by_failures";
    pub const COMPLETE: &str = "complete";
    pub const ERROR: &str = "error";
    pub const CANCELLED: &str = "cancelled";
    pub const RESOLVED_MANUALLY: &str = "resolved_manually";

    /// Every task state, in tasker-core's declaration order.
    pub const ALL: [&str; 12] = [
        PENDING,
        INITIALIZING,
        ENQUEUING_STEPS,
        STEPS_IN_PROCESS,
        EVALUATING_RESULTS,
        WAITING_FOR_DEPENDENCIES,
        WAITING_FOR_RETRY,
        BLOCKED_BY_FAILURES,
        COMPLETE,
        ERROR,
        CANCELLED,
        RESOLVED_MANUALLY,
    ];
}

/// tasker-core step state names (§1.4, "Step states (10)").
pub mod step {
    pub const PENDING: &str = "pending";
    pub const ENQUEUED: &str = "enqueued";
    pub const IN_PROGRESS: &str = "in_progress";
    pub const ENQUEUED_FOR_ORCHESTRATION: &str = "enqueued_for_orchestration";
    pub const ENQUEUED_AS_ERROR_FOR_ORCHESTRATION: &str = "enqueued_as_error_for_orchestration";
    pub const WAITING_FOR_RETRY: &str = "waiting_for_retry";
    pub const COMPLETE: &str = "complete";
    pub const ERROR: &str = "error";
    pub const CANCELLED: &str = "cancelled";
    pub const RESOLVED_MANUALLY: &str = "resolved_manually";

    /// Every step state, in tasker-core's declaration order.
    pub const ALL: [&str; 10] = [
        PENDING,
        ENQUEUED,
        IN_PROGRESS,
        ENQUEUED_FOR_ORCHESTRATION,
        ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
        WAITING_FOR_RETRY,
        COMPLETE,
        ERROR,
        CANCELLED,
        RESOLVED_MANUALLY,
    ];
}

/// The Rails task status that has no tasker-core spelling; it is read as
/// [`task::STEPS_IN_PROCESS`] (see the module docs for why).
pub const RAILS_TASK_IN_PROGRESS: &str = "in_progress";

/// A tasker-core task state (§1.4). Typed form of the [`task`] constants, so
/// the transition tables can be exhaustive `match`es.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    Pending,
    Initializing,
    EnqueuingSteps,
    StepsInProcess,
    EvaluatingResults,
    WaitingForDependencies,
    WaitingForRetry,
    BlockedByFailures,
    Complete,
    Error,
    Cancelled,
    ResolvedManually,
}

impl TaskState {
    /// Every task state, in the same order as [`task::ALL`].
    pub const ALL: [TaskState; 12] = [
        TaskState::Pending,
        TaskState::Initializing,
        TaskState::EnqueuingSteps,
        TaskState::StepsInProcess,
        TaskState::EvaluatingResults,
        TaskState::WaitingForDependencies,
        TaskState::WaitingForRetry,
        TaskState::BlockedByFailures,
        TaskState::Complete,
        TaskState::Error,
        TaskState::Cancelled,
        TaskState::ResolvedManually,
    ];

    /// The tasker-core spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => task::PENDING,
            TaskState::Initializing => task::INITIALIZING,
            TaskState::EnqueuingSteps => task::ENQUEUING_STEPS,
            TaskState::StepsInProcess => task::STEPS_IN_PROCESS,
            TaskState::EvaluatingResults => task::EVALUATING_RESULTS,
            TaskState::WaitingForDependencies => task::WAITING_FOR_DEPENDENCIES,
            TaskState::WaitingForRetry => task::WAITING_FOR_RETRY,
            TaskState::BlockedByFailures => task::BLOCKED_BY_FAILURES,
            TaskState::Complete => task::COMPLETE,
            TaskState::Error => task::ERROR,
            TaskState::Cancelled => task::CANCELLED,
            TaskState::ResolvedManually => task::RESOLVED_MANUALLY,
        }
    }

    /// Reads a task state as either engine spells it. Rails' `in_progress`
    /// becomes `steps_in_process`. Matching ignores ASCII case and `_`, `-`,
    /// `.` and spaces, so tasker-core's `Debug` spelling (`StepsInProcess`)
    /// and stray whitespace are accepted too.
    pub fn parse(raw: &str) -> Option<TaskState> {
        if loose_eq(raw, RAILS_TASK_IN_PROGRESS) {
            return Some(TaskState::StepsInProcess);
        }
        TaskState::ALL
            .iter()
            .copied()
            .find(|state| loose_eq(raw, state.as_str()))
    }

    /// Terminal per §1.4: complete, error, cancelled, resolved_manually.
    /// `error` is terminal for tasks (tasker-core's guard rejects every
    /// transition out of it), even though the Rails machine can still reopen
    /// it with `task.retry_requested` or resolve it manually.
    pub const fn is_terminal(self) -> bool {
        match self {
            TaskState::Complete
            | TaskState::Error
            | TaskState::Cancelled
            | TaskState::ResolvedManually => true,
            TaskState::Pending
            | TaskState::Initializing
            | TaskState::EnqueuingSteps
            | TaskState::StepsInProcess
            | TaskState::EvaluatingResults
            | TaskState::WaitingForDependencies
            | TaskState::WaitingForRetry
            | TaskState::BlockedByFailures => false,
        }
    }

    /// Whether the union of the Rails (§1.3, `in_progress` read as
    /// `steps_in_process`) and tasker-core (§1.4) task machines allows
    /// `self -> to`. A transition to the current state is allowed: both
    /// engines treat it as a quiet no-op.
    ///
    /// Sources of each edge:
    /// * tasker-core: `pending → initializing`; `initializing → enqueuing_steps
    ///   | complete | waiting_for_dependencies`; `enqueuing_steps →
    ///   steps_in_process | error`; `steps_in_process → evaluating_results |
    ///   waiting_for_retry`; `evaluating_results → complete | enqueuing_steps |
    ///   waiting_for_dependencies | blocked_by_failures`;
    ///   `waiting_for_dependencies → evaluating_results`; `waiting_for_retry →
    ///   enqueuing_steps`; `blocked_by_failures → error | resolved_manually`;
    ///   any non-terminal `→ cancelled`.
    /// * tasker-core legacy: `steps_in_process → complete | error`; `error →
    ///   pending` (reset); `resolve_manually` from any non-terminal state.
    /// * tasker-core events: `waiting_for_retry → pending` publishes
    ///   `task.retry_requested` (§1.4, events keyed on the target state), so
    ///   that pair is accepted too.
    /// * Rails: `pending → steps_in_process | cancelled | error`;
    ///   `steps_in_process → complete | error | cancelled | pending` (reset);
    ///   `error → pending | resolved_manually`; admin override
    ///   `complete | resolved_manually → cancelled`.
    ///
    /// `cancelled` is final in both engines: nothing leaves it.
    pub fn can_transition_to(self, to: TaskState) -> bool {
        use TaskState::*;
        if self == to {
            return true;
        }
        match self {
            Pending => matches!(
                to,
                Initializing | StepsInProcess | Error | Cancelled | ResolvedManually
            ),
            Initializing => matches!(
                to,
                EnqueuingSteps | Complete | WaitingForDependencies | Cancelled | ResolvedManually
            ),
            EnqueuingSteps => matches!(to, StepsInProcess | Error | Cancelled | ResolvedManually),
            StepsInProcess => matches!(
                to,
                EvaluatingResults
                    | WaitingForRetry
                    | Complete
                    | Error
                    | Cancelled
                    | Pending
                    | ResolvedManually
            ),
            EvaluatingResults => matches!(
                to,
                Complete
                    | EnqueuingSteps
                    | WaitingForDependencies
                    | BlockedByFailures
                    | Cancelled
                    | ResolvedManually
            ),
            WaitingForDependencies => {
                matches!(to, EvaluatingResults | Cancelled | ResolvedManually)
            }
            WaitingForRetry => {
                matches!(to, EnqueuingSteps | Pending | Cancelled | ResolvedManually)
            }
            BlockedByFailures => matches!(to, Error | ResolvedManually | Cancelled),
            Error => matches!(to, Pending | ResolvedManually),
            Complete | ResolvedManually => matches!(to, Cancelled),
            Cancelled => false,
        }
    }

    /// The shared run status (see [`run_status`]).
    pub const fn run_status(self) -> RunStatus {
        match self {
            TaskState::Pending => RunStatus::Pending,
            TaskState::Initializing
            | TaskState::EnqueuingSteps
            | TaskState::StepsInProcess
            | TaskState::EvaluatingResults => RunStatus::Running,
            TaskState::WaitingForDependencies
            | TaskState::WaitingForRetry
            | TaskState::BlockedByFailures => RunStatus::Waiting,
            TaskState::Complete | TaskState::ResolvedManually => RunStatus::Completed,
            TaskState::Error => RunStatus::Failed,
            TaskState::Cancelled => RunStatus::Cancelled,
        }
    }
}

/// A tasker-core step state (§1.4). Typed form of the [`step`] constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepState {
    Pending,
    Enqueued,
    InProgress,
    EnqueuedForOrchestration,
    EnqueuedAsErrorForOrchestration,
    WaitingForRetry,
    Complete,
    Error,
    Cancelled,
    ResolvedManually,
}

impl StepState {
    /// Every step state, in the same order as [`step::ALL`].
    pub const ALL: [StepState; 10] = [
        StepState::Pending,
        StepState::Enqueued,
        StepState::InProgress,
        StepState::EnqueuedForOrchestration,
        StepState::EnqueuedAsErrorForOrchestration,
        StepState::WaitingForRetry,
        StepState::Complete,
        StepState::Error,
        StepState::Cancelled,
        StepState::ResolvedManually,
    ];

    /// The tasker-core spelling (identical to Rails for the six shared ones).
    pub const fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => step::PENDING,
            StepState::Enqueued => step::ENQUEUED,
            StepState::InProgress => step::IN_PROGRESS,
            StepState::EnqueuedForOrchestration => step::ENQUEUED_FOR_ORCHESTRATION,
            StepState::EnqueuedAsErrorForOrchestration => step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
            StepState::WaitingForRetry => step::WAITING_FOR_RETRY,
            StepState::Complete => step::COMPLETE,
            StepState::Error => step::ERROR,
            StepState::Cancelled => step::CANCELLED,
            StepState::ResolvedManually => step::RESOLVED_MANUALLY,
        }
    }

    /// Reads a step state as either engine spells it (same loose matching as
    /// [`TaskState::parse`]).
    pub fn parse(raw: &str) -> Option<StepState> {
        StepState::ALL
            .iter()
            .copied()
            .find(|state| loose_eq(raw, state.as_str()))
    }

    /// Terminal per §1.4: complete, cancelled, resolved_manually. A step
    /// `error` is deliberately *not* terminal in tasker-core: it can be
    /// retried (`retry`, `reset_for_retry`), cancelled or resolved.
    pub const fn is_terminal(self) -> bool {
        match self {
            StepState::Complete | StepState::Cancelled | StepState::ResolvedManually => true,
            StepState::Pending
            | StepState::Enqueued
            | StepState::InProgress
            | StepState::EnqueuedForOrchestration
            | StepState::EnqueuedAsErrorForOrchestration
            | StepState::WaitingForRetry
            | StepState::Error => false,
        }
    }

    /// Whether the union of the Rails (§1.3) and tasker-core (§1.4) step
    /// machines allows `self -> to`. A transition to the current state is
    /// allowed (a quiet no-op in both engines).
    ///
    /// Sources of each edge:
    /// * tasker-core: `pending → enqueued`; `enqueued → in_progress`;
    ///   `in_progress → enqueued_for_orchestration |
    ///   enqueued_as_error_for_orchestration`; `enqueued_for_orchestration →
    ///   complete | error`; `enqueued_as_error_for_orchestration → error |
    ///   complete` (recovery); `pending | enqueued | in_progress → error`;
    ///   `pending | enqueued | in_progress | enqueued_as_error_for_orchestration
    ///   → waiting_for_retry`; `error | waiting_for_retry → pending`; any
    ///   non-terminal `→ cancelled`; `complete_manually → complete` and
    ///   `resolve_manually → resolved_manually`.
    /// * tasker-core legacy: `pending → in_progress`; `in_progress → complete`.
    /// * Rails: `pending → in_progress | error | cancelled | resolved_manually`;
    ///   `in_progress → complete | error | cancelled`; `error → pending |
    ///   resolved_manually`.
    /// * Rails backoff (vocabulary mapping, see the module docs): `error →
    ///   waiting_for_retry`.
    ///
    /// tasker-core matches `complete_manually` and `resolve_manually` from
    /// *any* state, terminal ones included. This module only accepts them from
    /// non-terminal states: the run model treats `complete`, `cancelled` and
    /// `resolved_manually` as final, and letting a second terminal through
    /// would count one step's outcome twice. The adapter sees such a late
    /// override as a disallowed transition and can report it.
    pub fn can_transition_to(self, to: StepState) -> bool {
        use StepState::*;
        if self == to {
            return true;
        }
        match self {
            Pending => matches!(
                to,
                Enqueued
                    | InProgress
                    | Error
                    | WaitingForRetry
                    | Cancelled
                    | Complete
                    | ResolvedManually
            ),
            Enqueued => matches!(
                to,
                InProgress | Error | WaitingForRetry | Cancelled | Complete | ResolvedManually
            ),
            InProgress => matches!(
                to,
                EnqueuedForOrchestration
                    | EnqueuedAsErrorForOrchestration
                    | Complete
                    | Error
                    | WaitingForRetry
                    | Cancelled
                    | ResolvedManually
            ),
            EnqueuedForOrchestration => {
                matches!(to, Complete | Error | Cancelled | ResolvedManually)
            }
            EnqueuedAsErrorForOrchestration => matches!(
                to,
                Error | Complete | WaitingForRetry | Cancelled | ResolvedManually
            ),
            WaitingForRetry => matches!(to, Pending | Cancelled | Complete | ResolvedManually),
            Error => matches!(
                to,
                Pending | WaitingForRetry | Cancelled | Complete | ResolvedManually
            ),
            Complete | Cancelled | ResolvedManually => false,
        }
    }

    /// The shared step status (see [`step_status`]).
    pub const fn step_status(self) -> StepStatus {
        match self {
            StepState::Pending => StepStatus::Pending,
            StepState::Enqueued => StepStatus::Queued,
            StepState::InProgress
            | StepState::EnqueuedForOrchestration
            | StepState::EnqueuedAsErrorForOrchestration => StepStatus::Running,
            StepState::WaitingForRetry => StepStatus::Retrying,
            StepState::Complete | StepState::ResolvedManually => StepStatus::Completed,
            StepState::Error => StepStatus::Failed,
            StepState::Cancelled => StepStatus::Cancelled,
        }
    }
}

/// Compares `raw` with a canonical lowercase snake_case name, ignoring ASCII
/// case and the separators `_`, `-`, `.` and space. Both engines write
/// snake_case, but tasker-core's `Debug` output (`StepsInProcess`) and
/// hand-written logs do turn up; none of the 22 state names collide once the
/// separators are dropped.
fn loose_eq(raw: &str, canonical: &str) -> bool {
    let mut raw = raw
        .bytes()
        .filter(|b| !matches!(b, b'_' | b'-' | b'.' | b' ' | b'\t' | b'\r' | b'\n'));
    let mut canonical = canonical.bytes().filter(|b| *b != b'_');
    loop {
        match (raw.next(), canonical.next()) {
            (None, None) => return true,
            (Some(r), Some(c)) if r.to_ascii_lowercase() == c => {}
            _ => return false,
        }
    }
}

/// The tasker-core spelling of a state name read from either engine (for
/// example a Rails payload's `from_state`/`to_state`), or `None` when it is
/// not a state of that entity. Rails' task `in_progress` becomes
/// `steps_in_process` (see the module docs).
pub fn normalize_state(entity: Entity, raw: &str) -> Option<&'static str> {
    match entity {
        Entity::Task => TaskState::parse(raw).map(TaskState::as_str),
        Entity::Step => StepState::parse(raw).map(StepState::as_str),
    }
}

/// Which entity an event name is about, from its family (§1.1): `task.*`,
/// `workflow.task_*` and `observability.task.*` are task events; `step.*`,
/// `workflow.step_*`/`workflow.steps_*` and `observability.step.*` are step
/// events. Other names (`workflow.viable_steps_discovered`, registry,
/// telemetry export and `custom.*` events) return `None`.
pub fn event_entity(event_name: &str) -> Option<Entity> {
    let name = event_name.trim();
    if name.starts_with("task.")
        || name.starts_with("workflow.task_")
        || name.starts_with("observability.task.")
    {
        Some(Entity::Task)
    } else if name.starts_with("step.")
        || name.starts_with("workflow.step_")
        || name.starts_with("workflow.steps_")
        || name.starts_with("observability.step.")
    {
        Some(Entity::Step)
    } else {
        None
    }
}

/// The state an event name moves the entity to, if the name implies one.
///
/// Names of the other entity's family return `None` (`target_state(Task,
/// "step.completed")` is `None`). Mapping, in tasker-core's vocabulary:
///
/// Tasks (§1.1, §1.3, §1.4):
/// * `task.initialize_requested`, `task.retry_requested`,
///   `observability.task.enqueue` → `pending` (Rails meanings; see the module
///   docs and [`resolve_target_state`] for tasker-core's `initializing`).
///   `observability.task.enqueue` is §9's `job.lifecycle.enqueue`.
/// * `task.start_requested`, `workflow.task_started`, tasker-core's legacy
///   `task.started` → `steps_in_process` (Rails `in_progress`).
/// * `task.steps_discovery_completed` → `enqueuing_steps`;
///   `task.steps_enqueued` → `steps_in_process`;
///   `task.step_results_received`, `task.dependencies_satisfied` →
///   `evaluating_results`; `task.awaiting_dependencies` →
///   `waiting_for_dependencies`; `task.retry_backoff_started` →
///   `waiting_for_retry`; `task.blocked_by_failures` → `blocked_by_failures`.
/// * `task.completed`, `workflow.task_completed` → `complete`;
///   `task.failed`, `workflow.task_failed` → `error`; `task.cancelled` →
///   `cancelled`; `task.resolved_manually` → `resolved_manually`.
///
/// Steps (§1.1, §1.3, §1.4):
/// * `step.initialize_requested` → `pending`; `step.retry_requested` →
///   `pending` (see [`resolve_target_state`] for tasker-core's
///   `waiting_for_retry`).
/// * `step.enqueue_requested` → `enqueued`.
/// * `step.execution_requested`, `step.before_handle`, `step.handle` →
///   `in_progress`. `before_handle` and `handle` fire on a step that is
///   normally already `in_progress`; they return the *same* state rather than
///   `None` so that a stream missing `step.execution_requested` (filtered,
///   sampled) still shows the step running. For an `in_progress` step the
///   result is a self-transition, which [`is_allowed`] accepts and the caller
///   should ignore.
/// * `step.enqueued_for_orchestration` and its YAML name
///   `step.result_submitted` → `enqueued_for_orchestration`;
///   `step.enqueued_as_error_for_orchestration` →
///   `enqueued_as_error_for_orchestration`.
/// * `observability.step.backoff` → `waiting_for_retry` (Rails' backoff
///   wait, the state tasker-core names).
/// * `step.completed`, `workflow.step_completed` → `complete`; `step.failed`,
///   `workflow.step_failed` → `error`; `step.cancelled` → `cancelled`;
///   `step.resolved_manually` → `resolved_manually`.
///
/// `None` (no state implied): `task.before_transition`,
/// `step.before_transition` (they fire *before* a transition that may still be
/// aborted), every other `workflow.*` name (discovery, finalization,
/// re-enqueue, batch execution: the state change, if any, comes with its own
/// transition event), `observability.task.handle`, `observability.task.finalize`,
/// `observability.step.handle`, `observability.step.find_viable`,
/// `observability.step.skip` (Tasker has no skipped state) and
/// `observability.step.max_retries_reached` (the step is already in `error`;
/// the event only says no retry will follow), plus unknown and `custom.*`
/// names.
pub fn target_state(entity: Entity, event_name: &str) -> Option<&'static str> {
    match entity {
        Entity::Task => task_target(event_name.trim()).map(TaskState::as_str),
        Entity::Step => step_target(event_name.trim()).map(StepState::as_str),
    }
}

fn task_target(name: &str) -> Option<TaskState> {
    match name {
        "task.initialize_requested" | "task.retry_requested" | "observability.task.enqueue" => {
            Some(TaskState::Pending)
        }
        "task.start_requested" | "task.started" | "workflow.task_started" => {
            Some(TaskState::StepsInProcess)
        }
        "task.steps_discovery_completed" => Some(TaskState::EnqueuingSteps),
        "task.steps_enqueued" => Some(TaskState::StepsInProcess),
        "task.step_results_received" | "task.dependencies_satisfied" => {
            Some(TaskState::EvaluatingResults)
        }
        "task.awaiting_dependencies" => Some(TaskState::WaitingForDependencies),
        "task.retry_backoff_started" => Some(TaskState::WaitingForRetry),
        "task.blocked_by_failures" => Some(TaskState::BlockedByFailures),
        "task.completed" | "workflow.task_completed" => Some(TaskState::Complete),
        "task.failed" | "workflow.task_failed" => Some(TaskState::Error),
        "task.cancelled" => Some(TaskState::Cancelled),
        "task.resolved_manually" => Some(TaskState::ResolvedManually),
        _ => None,
    }
}

fn step_target(name: &str) -> Option<StepState> {
    match name {
        "step.initialize_requested" | "step.retry_requested" => Some(StepState::Pending),
        "step.enqueue_requested" => Some(StepState::Enqueued),
        "step.execution_requested" | "step.before_handle" | "step.handle" => {
            Some(StepState::InProgress)
        }
        "step.enqueued_for_orchestration" | "step.result_submitted" => {
            Some(StepState::EnqueuedForOrchestration)
        }
        "step.enqueued_as_error_for_orchestration" => {
            Some(StepState::EnqueuedAsErrorForOrchestration)
        }
        "observability.step.backoff" => Some(StepState::WaitingForRetry),
        "step.completed" | "workflow.step_completed" => Some(StepState::Complete),
        "step.failed" | "workflow.step_failed" => Some(StepState::Error),
        "step.cancelled" => Some(StepState::Cancelled),
        "step.resolved_manually" => Some(StepState::ResolvedManually),
        _ => None,
    }
}

/// Like [`target_state`], but uses the entity's current state to settle the
/// two names whose meaning differs between Rails and tasker-core (module
/// docs). Prefer this in the adapter when the current state is known.
///
/// * `task.initialize_requested` from `pending` → `initializing`
///   (tasker-core's `start`); from anything else, or with no current state →
///   `pending` (Rails' create and reset).
/// * `step.retry_requested` from `pending`, `enqueued`, `in_progress` or
///   `enqueued_as_error_for_orchestration` → `waiting_for_retry`
///   (tasker-core's `wait_for_retry`); otherwise → `pending` (`retry`).
///
/// An unreadable current state is treated like no current state.
pub fn resolve_target_state(
    entity: Entity,
    current: Option<&str>,
    event_name: &str,
) -> Option<&'static str> {
    let name = event_name.trim();
    match entity {
        Entity::Task => {
            let current = current.and_then(TaskState::parse);
            match (name, current) {
                ("task.initialize_requested", Some(TaskState::Pending)) => Some(task::INITIALIZING),
                _ => target_state(entity, name),
            }
        }
        Entity::Step => {
            let current = current.and_then(StepState::parse);
            match (name, current) {
                (
                    "step.retry_requested",
                    Some(
                        StepState::Pending
                        | StepState::Enqueued
                        | StepState::InProgress
                        | StepState::EnqueuedAsErrorForOrchestration,
                    ),
                ) => Some(step::WAITING_FOR_RETRY),
                _ => target_state(entity, name),
            }
        }
    }
}

/// Whether `from -> to` is allowed by the union of the Rails (§1.3) and
/// tasker-core (§1.4) machines; see [`TaskState::can_transition_to`] and
/// [`StepState::can_transition_to`] for the edge lists and where each comes
/// from.
///
/// * `from == None` is the initial transition: both engines let the first
///   transition land on any state, so any known `to` is allowed.
/// * `from == to` returns `true`. Both engines abort a transition to the
///   current state quietly and fire nothing, so such an event is a no-op the
///   caller should ignore (no new transition row, no status change).
/// * State names are read with [`normalize_state`] rules (Rails' task
///   `in_progress` is `steps_in_process`). An unknown `to`, or an unknown
///   `from`, returns `false`: nothing can be said about it.
pub fn is_allowed(entity: Entity, from: Option<&str>, to: &str) -> bool {
    match entity {
        Entity::Task => match (from, TaskState::parse(to)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(from), Some(to)) => {
                TaskState::parse(from).is_some_and(|from| from.can_transition_to(to))
            }
        },
        Entity::Step => match (from, StepState::parse(to)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(from), Some(to)) => {
                StepState::parse(from).is_some_and(|from| from.can_transition_to(to))
            }
        },
    }
}

/// Whether `state` is terminal for the entity, per §1.4: for tasks complete,
/// error, cancelled and resolved_manually; for steps complete, cancelled and
/// resolved_manually (a step `error` is recoverable, so not terminal).
/// Unknown names are not terminal.
pub fn is_terminal(entity: Entity, state: &str) -> bool {
    match entity {
        Entity::Task => TaskState::parse(state).is_some_and(TaskState::is_terminal),
        Entity::Step => StepState::parse(state).is_some_and(StepState::is_terminal),
    }
}

/// The shared run status of a task state, following tasker-core's classes
/// (§1.4, §6 idea 1): `pending` → Pending; the active states `initializing`,
/// `enqueuing_steps`, `steps_in_process`, `evaluating_results` → Running; the
/// waiting states `waiting_for_dependencies`, `waiting_for_retry`,
/// `blocked_by_failures` → Waiting; `complete` and `resolved_manually` →
/// Completed (an operator declared the outcome good); `error` → Failed;
/// `cancelled` → Cancelled. Rails' `in_progress` is Running. An unknown name
/// is Pending, the state both engines start in, so a stray value never makes
/// a run look finished.
pub fn run_status(task_state: &str) -> RunStatus {
    TaskState::parse(task_state).map_or(RunStatus::Pending, TaskState::run_status)
}

/// The shared step status of a step state: `pending` → Pending; `enqueued` →
/// Queued; `in_progress` and the two `enqueued_*_for_orchestration` states
/// (the worker has finished but orchestration has not yet recorded the
/// outcome) → Running; `waiting_for_retry` → Retrying; `complete` and
/// `resolved_manually` → Completed; `error` → Failed; `cancelled` →
/// Cancelled. An unknown name is Pending.
pub fn step_status(step_state: &str) -> StepStatus {
    StepState::parse(step_state).map_or(StepStatus::Pending, StepState::step_status)
}

/// Whether a *step* moving from `from` to `to` starts a new attempt (a
/// retry): the step leaves a failed state (`error`, or `waiting_for_retry`,
/// which is only entered after a failed attempt) for one that leads to
/// running again (`pending`, `enqueued` or `in_progress`).
///
/// Counting at that edge counts each retry once: Rails goes `error →
/// pending → in_progress` and tasker-core `… → waiting_for_retry → pending →
/// enqueued → in_progress`, and only the first hop out of the failed state
/// counts. A direct `error → in_progress` (a stream that lost its
/// `step.retry_requested`) still counts, even though [`is_allowed`] rejects
/// it. With no `from` this is a first attempt, so `false`. Task states are
/// not meant here: a task has no attempts of its own.
pub fn starts_new_attempt(from: Option<&str>, to: &str) -> bool {
    match (from.and_then(StepState::parse), StepState::parse(to)) {
        (Some(from), Some(to)) => {
            matches!(from, StepState::Error | StepState::WaitingForRetry)
                && matches!(
                    to,
                    StepState::Pending | StepState::Enqueued | StepState::InProgress
                )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---------------------------------------------------------------- tables

    /// tasker-core task transitions (§1.4 table, including legacy rows and the
    /// `waiting_for_retry → pending` edge that publishes `task.retry_requested`).
    const CORE_TASK_EDGES: &[(&str, &str)] = &[
        (task::PENDING, task::INITIALIZING),
        (task::INITIALIZING, task::ENQUEUING_STEPS),
        (task::INITIALIZING, task::COMPLETE),
        (task::INITIALIZING, task::WAITING_FOR_DEPENDENCIES),
        (task::ENQUEUING_STEPS, task::STEPS_IN_PROCESS),
        (task::ENQUEUING_STEPS, task::ERROR),
        (task::STEPS_IN_PROCESS, task::EVALUATING_RESULTS),
        (task::STEPS_IN_PROCESS, task::WAITING_FOR_RETRY),
        (task::EVALUATING_RESULTS, task::COMPLETE),
        (task::EVALUATING_RESULTS, task::ENQUEUING_STEPS),
        (task::EVALUATING_RESULTS, task::WAITING_FOR_DEPENDENCIES),
        (task::EVALUATING_RESULTS, task::BLOCKED_BY_FAILURES),
        (task::WAITING_FOR_DEPENDENCIES, task::EVALUATING_RESULTS),
        (task::WAITING_FOR_RETRY, task::ENQUEUING_STEPS),
        (task::WAITING_FOR_RETRY, task::PENDING),
        (task::BLOCKED_BY_FAILURES, task::ERROR),
        (task::BLOCKED_BY_FAILURES, task::RESOLVED_MANUALLY),
        // legacy
        (task::STEPS_IN_PROCESS, task::COMPLETE),
        (task::STEPS_IN_PROCESS, task::ERROR),
        (task::ERROR, task::PENDING),
    ];

    /// Rails task transitions (§1.3), `in_progress` written as tasker-core's
    /// `steps_in_process`.
    const RAILS_TASK_EDGES: &[(&str, &str)] = &[
        (task::PENDING, task::STEPS_IN_PROCESS),
        (task::PENDING, task::CANCELLED),
        (task::PENDING, task::ERROR),
        (task::STEPS_IN_PROCESS, task::COMPLETE),
        (task::STEPS_IN_PROCESS, task::ERROR),
        (task::STEPS_IN_PROCESS, task::CANCELLED),
        (task::STEPS_IN_PROCESS, task::PENDING),
        (task::ERROR, task::PENDING),
        (task::ERROR, task::RESOLVED_MANUALLY),
        (task::COMPLETE, task::CANCELLED),
        (task::RESOLVED_MANUALLY, task::CANCELLED),
    ];

    /// tasker-core step transitions (§1.4 table, including legacy rows).
    const CORE_STEP_EDGES: &[(&str, &str)] = &[
        (step::PENDING, step::ENQUEUED),
        (step::PENDING, step::IN_PROGRESS),
        (step::ENQUEUED, step::IN_PROGRESS),
        (step::IN_PROGRESS, step::ENQUEUED_FOR_ORCHESTRATION),
        (step::IN_PROGRESS, step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION),
        (step::IN_PROGRESS, step::COMPLETE),
        (step::ENQUEUED_FOR_ORCHESTRATION, step::COMPLETE),
        (step::ENQUEUED_FOR_ORCHESTRATION, step::ERROR),
        (step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION, step::ERROR),
        (step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION, step::COMPLETE),
        (step::PENDING, step::ERROR),
        (step::ENQUEUED, step::ERROR),
        (step::IN_PROGRESS, step::ERROR),
        (step::PENDING, step::WAITING_FOR_RETRY),
        (step::ENQUEUED, step::WAITING_FOR_RETRY),
        (step::IN_PROGRESS, step::WAITING_FOR_RETRY),
        (
            step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
            step::WAITING_FOR_RETRY,
        ),
        (step::ERROR, step::PENDING),
        (step::WAITING_FOR_RETRY, step::PENDING),
    ];

    /// Rails step transitions (§1.3) plus the backoff mapping.
    const RAILS_STEP_EDGES: &[(&str, &str)] = &[
        (step::PENDING, step::IN_PROGRESS),
        (step::PENDING, step::ERROR),
        (step::PENDING, step::CANCELLED),
        (step::PENDING, step::RESOLVED_MANUALLY),
        (step::IN_PROGRESS, step::COMPLETE),
        (step::IN_PROGRESS, step::ERROR),
        (step::IN_PROGRESS, step::CANCELLED),
        (step::ERROR, step::PENDING),
        (step::ERROR, step::RESOLVED_MANUALLY),
        (step::ERROR, step::WAITING_FOR_RETRY),
    ];

    fn task_non_terminal() -> impl Iterator<Item = &'static str> {
        task::ALL
            .into_iter()
            .filter(|s| !is_terminal(Entity::Task, s))
    }

    fn step_non_terminal() -> impl Iterator<Item = &'static str> {
        step::ALL
            .into_iter()
            .filter(|s| !is_terminal(Entity::Step, s))
    }

    /// Every edge the union should hold for tasks, including "any non-terminal
    /// → cancelled" and "resolve_manually from any non-terminal".
    fn expected_task_edge(from: &str, to: &str) -> bool {
        let non_terminal = !is_terminal(Entity::Task, from);
        CORE_TASK_EDGES.contains(&(from, to))
            || RAILS_TASK_EDGES.contains(&(from, to))
            || (non_terminal && (to == task::CANCELLED || to == task::RESOLVED_MANUALLY))
    }

    /// Every edge the union should hold for steps, including "any non-terminal
    /// → cancelled / complete (complete_manually) / resolved_manually".
    fn expected_step_edge(from: &str, to: &str) -> bool {
        let non_terminal = !is_terminal(Entity::Step, from);
        CORE_STEP_EDGES.contains(&(from, to))
            || RAILS_STEP_EDGES.contains(&(from, to))
            || (non_terminal
                && (to == step::CANCELLED || to == step::COMPLETE || to == step::RESOLVED_MANUALLY))
    }

    // ----------------------------------------------------------- constants

    #[test]
    fn constants_match_enum_spellings() {
        for (state, name) in TaskState::ALL.iter().zip(task::ALL) {
            assert_eq!(state.as_str(), name);
            assert_eq!(TaskState::parse(name), Some(*state));
        }
        for (state, name) in StepState::ALL.iter().zip(step::ALL) {
            assert_eq!(state.as_str(), name);
            assert_eq!(StepState::parse(name), Some(*state));
        }
    }

    #[test]
    fn state_names_are_lowercase_snake_and_unique() {
        for names in [&task::ALL[..], &step::ALL[..]] {
            for (i, a) in names.iter().enumerate() {
                assert!(
                    a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{a}"
                );
                for b in &names[i + 1..] {
                    assert_ne!(a, b);
                    assert!(!loose_eq(a, b), "{a} and {b} collide when loosely compared");
                }
            }
        }
    }

    #[test]
    fn normalize_maps_rails_task_in_progress() {
        assert_eq!(
            normalize_state(Entity::Task, RAILS_TASK_IN_PROGRESS),
            Some(task::STEPS_IN_PROCESS)
        );
        assert_eq!(
            normalize_state(Entity::Task, "InProgress"),
            Some(task::STEPS_IN_PROCESS)
        );
        // Steps keep in_progress.
        assert_eq!(
            normalize_state(Entity::Step, "in_progress"),
            Some(step::IN_PROGRESS)
        );
        // The six Rails statuses all read for both entities.
        for rails in [
            "pending",
            "in_progress",
            "complete",
            "error",
            "cancelled",
            "resolved_manually",
        ] {
            assert!(normalize_state(Entity::Task, rails).is_some(), "{rails}");
            assert!(normalize_state(Entity::Step, rails).is_some(), "{rails}");
        }
    }

    #[test]
    fn normalize_is_loose_about_case_and_separators() {
        assert_eq!(
            normalize_state(Entity::Task, "StepsInProcess"),
            Some(task::STEPS_IN_PROCESS)
        );
        assert_eq!(
            normalize_state(Entity::Task, " COMPLETE\n"),
            Some(task::COMPLETE)
        );
        assert_eq!(
            normalize_state(Entity::Step, "Enqueued-As-Error-For-Orchestration"),
            Some(step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION)
        );
        assert_eq!(normalize_state(Entity::Task, ""), None);
        assert_eq!(normalize_state(Entity::Task, "running"), None);
        assert_eq!(
            normalize_state(Entity::Task, "complete_"),
            Some(task::COMPLETE)
        );
        assert_eq!(normalize_state(Entity::Task, "completed"), None);
        // Step-only and task-only names stay with their entity.
        assert_eq!(normalize_state(Entity::Task, "enqueued"), None);
        assert_eq!(normalize_state(Entity::Step, "steps_in_process"), None);
        assert_eq!(normalize_state(Entity::Step, "blocked_by_failures"), None);
    }

    // -------------------------------------------------------- transitions

    #[test]
    fn every_core_task_transition_is_allowed() {
        for (from, to) in CORE_TASK_EDGES {
            assert!(is_allowed(Entity::Task, Some(from), to), "{from} -> {to}");
        }
    }

    #[test]
    fn every_rails_task_transition_is_allowed() {
        for (from, to) in RAILS_TASK_EDGES {
            assert!(is_allowed(Entity::Task, Some(from), to), "{from} -> {to}");
        }
        // Same edges written with the Rails spelling.
        assert!(is_allowed(Entity::Task, Some("pending"), "in_progress"));
        assert!(is_allowed(Entity::Task, Some("in_progress"), "complete"));
        assert!(is_allowed(Entity::Task, Some("in_progress"), "error"));
        assert!(is_allowed(Entity::Task, Some("in_progress"), "cancelled"));
        assert!(is_allowed(Entity::Task, Some("in_progress"), "pending"));
    }

    #[test]
    fn every_core_step_transition_is_allowed() {
        for (from, to) in CORE_STEP_EDGES {
            assert!(is_allowed(Entity::Step, Some(from), to), "{from} -> {to}");
        }
    }

    #[test]
    fn every_rails_step_transition_is_allowed() {
        for (from, to) in RAILS_STEP_EDGES {
            assert!(is_allowed(Entity::Step, Some(from), to), "{from} -> {to}");
        }
    }

    #[test]
    fn any_non_terminal_task_can_be_cancelled_or_resolved() {
        let mut n = 0;
        for from in task_non_terminal() {
            assert!(
                is_allowed(Entity::Task, Some(from), task::CANCELLED),
                "{from}"
            );
            assert!(
                is_allowed(Entity::Task, Some(from), task::RESOLVED_MANUALLY),
                "{from}"
            );
            n += 1;
        }
        assert_eq!(n, 8);
    }

    #[test]
    fn any_non_terminal_step_can_be_cancelled_completed_or_resolved() {
        let mut n = 0;
        for from in step_non_terminal() {
            assert!(
                is_allowed(Entity::Step, Some(from), step::CANCELLED),
                "{from}"
            );
            assert!(
                is_allowed(Entity::Step, Some(from), step::COMPLETE),
                "{from}"
            );
            assert!(
                is_allowed(Entity::Step, Some(from), step::RESOLVED_MANUALLY),
                "{from}"
            );
            n += 1;
        }
        assert_eq!(n, 7);
    }

    #[test]
    fn task_admin_override_cancels_finished_tasks() {
        assert!(is_allowed(
            Entity::Task,
            Some(task::COMPLETE),
            task::CANCELLED
        ));
        assert!(is_allowed(
            Entity::Task,
            Some(task::RESOLVED_MANUALLY),
            task::CANCELLED
        ));
        // ...but not an errored one (no such edge in either engine).
        assert!(!is_allowed(
            Entity::Task,
            Some(task::ERROR),
            task::CANCELLED
        ));
    }

    #[test]
    fn recoverable_step_error() {
        assert!(is_allowed(Entity::Step, Some(step::ERROR), step::PENDING));
        assert!(is_allowed(
            Entity::Step,
            Some(step::ERROR),
            step::WAITING_FOR_RETRY
        ));
        assert!(is_allowed(
            Entity::Step,
            Some(step::WAITING_FOR_RETRY),
            step::PENDING
        ));
        assert!(!is_allowed(
            Entity::Step,
            Some(step::ERROR),
            step::IN_PROGRESS
        ));
        assert!(!is_allowed(Entity::Step, Some(step::ERROR), step::ENQUEUED));
    }

    #[test]
    fn task_allowed_set_is_exactly_the_union() {
        let mut count = 0;
        for from in task::ALL {
            for to in task::ALL {
                if from == to {
                    continue;
                }
                let expected = expected_task_edge(from, to);
                assert_eq!(
                    is_allowed(Entity::Task, Some(from), to),
                    expected,
                    "{from} -> {to}"
                );
                count += usize::from(expected);
            }
        }
        // Pins the size of the union (counted independently from §1.3/§1.4),
        // so an edge added to both the code and the expectation is noticed.
        assert_eq!(count, 41);
    }

    #[test]
    fn step_allowed_set_is_exactly_the_union() {
        let mut count = 0;
        for from in step::ALL {
            for to in step::ALL {
                if from == to {
                    continue;
                }
                let expected = expected_step_edge(from, to);
                assert_eq!(
                    is_allowed(Entity::Step, Some(from), to),
                    expected,
                    "{from} -> {to}"
                );
                count += usize::from(expected);
            }
        }
        // Pins the size of the union, as for tasks.
        assert_eq!(count, 38);
    }

    #[test]
    fn initial_transition_may_land_anywhere() {
        for to in task::ALL {
            assert!(is_allowed(Entity::Task, None, to), "{to}");
        }
        for to in step::ALL {
            assert!(is_allowed(Entity::Step, None, to), "{to}");
        }
        assert!(is_allowed(Entity::Task, None, RAILS_TASK_IN_PROGRESS));
        assert!(!is_allowed(Entity::Task, None, "enqueued"));
        assert!(!is_allowed(Entity::Step, None, "nonsense"));
    }

    #[test]
    fn self_transitions_are_allowed_no_ops() {
        for s in task::ALL {
            assert!(is_allowed(Entity::Task, Some(s), s), "{s}");
        }
        for s in step::ALL {
            assert!(is_allowed(Entity::Step, Some(s), s), "{s}");
        }
        // Rails and tasker-core spellings of the same task state.
        assert!(is_allowed(
            Entity::Task,
            Some("in_progress"),
            task::STEPS_IN_PROCESS
        ));
    }

    #[test]
    fn illegal_transitions() {
        // A finished step does not run again.
        assert!(!is_allowed(
            Entity::Step,
            Some(step::COMPLETE),
            step::IN_PROGRESS
        ));
        // A task cannot finish without running (Rails guards complete on
        // all_steps_complete?; tasker-core needs initializing first).
        assert!(!is_allowed(
            Entity::Task,
            Some(task::PENDING),
            task::COMPLETE
        ));
        // tasker-core has no shortcut from pending into its pipeline.
        assert!(!is_allowed(
            Entity::Task,
            Some(task::PENDING),
            task::ENQUEUING_STEPS
        ));
        assert!(!is_allowed(
            Entity::Task,
            Some(task::INITIALIZING),
            task::STEPS_IN_PROCESS
        ));
        assert!(!is_allowed(
            Entity::Task,
            Some(task::WAITING_FOR_DEPENDENCIES),
            task::COMPLETE
        ));
        assert!(!is_allowed(
            Entity::Step,
            Some(step::ENQUEUED),
            step::PENDING
        ));
        assert!(!is_allowed(
            Entity::Step,
            Some(step::ENQUEUED_FOR_ORCHESTRATION),
            step::WAITING_FOR_RETRY
        ));
    }

    #[test]
    fn nothing_leaves_cancelled() {
        for to in task::ALL {
            if to != task::CANCELLED {
                assert!(!is_allowed(Entity::Task, Some(task::CANCELLED), to), "{to}");
            }
        }
        for to in step::ALL {
            if to != step::CANCELLED {
                assert!(!is_allowed(Entity::Step, Some(step::CANCELLED), to), "{to}");
            }
        }
    }

    #[test]
    fn no_second_terminal() {
        // Task: only the admin override (→ cancelled) and Rails' error →
        // resolved_manually may follow a terminal state.
        assert!(!is_allowed(Entity::Task, Some(task::COMPLETE), task::ERROR));
        assert!(!is_allowed(
            Entity::Task,
            Some(task::COMPLETE),
            task::RESOLVED_MANUALLY
        ));
        assert!(!is_allowed(Entity::Task, Some(task::ERROR), task::COMPLETE));
        assert!(!is_allowed(
            Entity::Task,
            Some(task::RESOLVED_MANUALLY),
            task::COMPLETE
        ));
        assert!(!is_allowed(
            Entity::Task,
            Some(task::CANCELLED),
            task::COMPLETE
        ));
        // Step: nothing follows a terminal state.
        for from in [step::COMPLETE, step::CANCELLED, step::RESOLVED_MANUALLY] {
            for to in step::ALL {
                if to != from {
                    assert!(!is_allowed(Entity::Step, Some(from), to), "{from} -> {to}");
                }
            }
        }
    }

    #[test]
    fn unknown_states_are_not_allowed() {
        assert!(!is_allowed(Entity::Task, Some("bogus"), task::PENDING));
        assert!(!is_allowed(Entity::Task, Some(task::PENDING), "bogus"));
        assert!(!is_allowed(
            Entity::Step,
            Some(step::PENDING),
            "steps_in_process"
        ));
        assert!(!is_allowed(Entity::Task, Some(task::PENDING), "enqueued"));
    }

    // ------------------------------------------------------------ terminal

    #[test]
    fn terminal_classification() {
        let task_terminal = [
            task::COMPLETE,
            task::ERROR,
            task::CANCELLED,
            task::RESOLVED_MANUALLY,
        ];
        for s in task::ALL {
            assert_eq!(
                is_terminal(Entity::Task, s),
                task_terminal.contains(&s),
                "{s}"
            );
        }
        let step_terminal = [step::COMPLETE, step::CANCELLED, step::RESOLVED_MANUALLY];
        for s in step::ALL {
            assert_eq!(
                is_terminal(Entity::Step, s),
                step_terminal.contains(&s),
                "{s}"
            );
        }
        // The asymmetry §1.4 calls out.
        assert!(is_terminal(Entity::Task, "error"));
        assert!(!is_terminal(Entity::Step, "error"));
        assert!(!is_terminal(Entity::Task, "in_progress"));
        assert!(!is_terminal(Entity::Task, "unknown"));
    }

    #[test]
    fn terminal_agrees_with_shared_status_for_finished_states() {
        // Every terminal tasker state maps to a terminal shared status.
        for s in task::ALL
            .into_iter()
            .filter(|s| is_terminal(Entity::Task, s))
        {
            assert!(run_status(s).is_terminal(), "{s}");
        }
        for s in step::ALL
            .into_iter()
            .filter(|s| is_terminal(Entity::Step, s))
        {
            assert!(step_status(s).is_terminal(), "{s}");
        }
    }

    // ------------------------------------------------------------- status

    #[test]
    fn run_status_mapping() {
        let cases = [
            (task::PENDING, RunStatus::Pending),
            (task::INITIALIZING, RunStatus::Running),
            (task::ENQUEUING_STEPS, RunStatus::Running),
            (task::STEPS_IN_PROCESS, RunStatus::Running),
            (task::EVALUATING_RESULTS, RunStatus::Running),
            (task::WAITING_FOR_DEPENDENCIES, RunStatus::Waiting),
            (task::WAITING_FOR_RETRY, RunStatus::Waiting),
            (task::BLOCKED_BY_FAILURES, RunStatus::Waiting),
            (task::COMPLETE, RunStatus::Completed),
            (task::ERROR, RunStatus::Failed),
            (task::CANCELLED, RunStatus::Cancelled),
            (task::RESOLVED_MANUALLY, RunStatus::Completed),
        ];
        assert_eq!(cases.len(), task::ALL.len());
        for (state, status) in cases {
            assert_eq!(run_status(state), status, "{state}");
        }
        assert_eq!(run_status(RAILS_TASK_IN_PROGRESS), RunStatus::Running);
        assert_eq!(run_status("nonsense"), RunStatus::Pending);
        assert_eq!(run_status(""), RunStatus::Pending);
        assert_eq!(run_status("enqueued"), RunStatus::Pending);
    }

    #[test]
    fn step_status_mapping() {
        let cases = [
            (step::PENDING, StepStatus::Pending),
            (step::ENQUEUED, StepStatus::Queued),
            (step::IN_PROGRESS, StepStatus::Running),
            (step::ENQUEUED_FOR_ORCHESTRATION, StepStatus::Running),
            (
                step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
                StepStatus::Running,
            ),
            (step::WAITING_FOR_RETRY, StepStatus::Retrying),
            (step::COMPLETE, StepStatus::Completed),
            (step::ERROR, StepStatus::Failed),
            (step::CANCELLED, StepStatus::Cancelled),
            (step::RESOLVED_MANUALLY, StepStatus::Completed),
        ];
        assert_eq!(cases.len(), step::ALL.len());
        for (state, status) in cases {
            assert_eq!(step_status(state), status, "{state}");
        }
        assert_eq!(step_status("nonsense"), StepStatus::Pending);
        assert_eq!(step_status("steps_in_process"), StepStatus::Pending);
    }

    // -------------------------------------------------------- target_state

    #[test]
    fn target_state_rails_task_events() {
        let cases = [
            ("task.initialize_requested", task::PENDING),
            ("task.start_requested", task::STEPS_IN_PROCESS),
            ("task.completed", task::COMPLETE),
            ("task.failed", task::ERROR),
            ("task.cancelled", task::CANCELLED),
            ("task.retry_requested", task::PENDING),
            ("task.resolved_manually", task::RESOLVED_MANUALLY),
            ("observability.task.enqueue", task::PENDING),
            ("workflow.task_started", task::STEPS_IN_PROCESS),
            ("workflow.task_completed", task::COMPLETE),
            ("workflow.task_failed", task::ERROR),
            ("task.started", task::STEPS_IN_PROCESS),
        ];
        for (name, state) in cases {
            assert_eq!(target_state(Entity::Task, name), Some(state), "{name}");
            assert_eq!(event_entity(name), Some(Entity::Task), "{name}");
        }
    }

    #[test]
    fn target_state_core_task_events() {
        let cases = [
            ("task.steps_discovery_completed", task::ENQUEUING_STEPS),
            ("task.steps_enqueued", task::STEPS_IN_PROCESS),
            ("task.step_results_received", task::EVALUATING_RESULTS),
            ("task.awaiting_dependencies", task::WAITING_FOR_DEPENDENCIES),
            ("task.retry_backoff_started", task::WAITING_FOR_RETRY),
            ("task.blocked_by_failures", task::BLOCKED_BY_FAILURES),
            ("task.dependencies_satisfied", task::EVALUATING_RESULTS),
        ];
        for (name, state) in cases {
            assert_eq!(target_state(Entity::Task, name), Some(state), "{name}");
            assert_eq!(event_entity(name), Some(Entity::Task), "{name}");
        }
    }

    #[test]
    fn target_state_rails_step_events() {
        let cases = [
            ("step.initialize_requested", step::PENDING),
            ("step.execution_requested", step::IN_PROGRESS),
            ("step.before_handle", step::IN_PROGRESS),
            ("step.handle", step::IN_PROGRESS),
            ("step.completed", step::COMPLETE),
            ("step.failed", step::ERROR),
            ("step.retry_requested", step::PENDING),
            ("step.cancelled", step::CANCELLED),
            ("step.resolved_manually", step::RESOLVED_MANUALLY),
            ("observability.step.backoff", step::WAITING_FOR_RETRY),
            ("workflow.step_completed", step::COMPLETE),
            ("workflow.step_failed", step::ERROR),
        ];
        for (name, state) in cases {
            assert_eq!(target_state(Entity::Step, name), Some(state), "{name}");
            assert_eq!(event_entity(name), Some(Entity::Step), "{name}");
        }
    }

    #[test]
    fn target_state_core_step_events() {
        let cases = [
            ("step.enqueue_requested", step::ENQUEUED),
            (
                "step.enqueued_for_orchestration",
                step::ENQUEUED_FOR_ORCHESTRATION,
            ),
            ("step.result_submitted", step::ENQUEUED_FOR_ORCHESTRATION),
            (
                "step.enqueued_as_error_for_orchestration",
                step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
            ),
        ];
        for (name, state) in cases {
            assert_eq!(target_state(Entity::Step, name), Some(state), "{name}");
            assert_eq!(event_entity(name), Some(Entity::Step), "{name}");
        }
    }

    #[test]
    fn target_state_none_for_events_without_a_state() {
        let task_names = [
            "task.before_transition",
            "workflow.viable_steps_discovered",
            "workflow.no_viable_steps",
            "workflow.orchestration_requested",
            "workflow.task_finalization_started",
            "workflow.task_finalization_completed",
            "workflow.task_reenqueue_started",
            "workflow.task_reenqueue_requested",
            "workflow.task_reenqueue_failed",
            "workflow.task_reenqueue_delayed",
            "workflow.task_state_unclear",
            "observability.task.handle",
            "observability.task.finalize",
            "custom.order_placed",
            "tasker.telemetry.export_completed",
            "",
        ];
        for name in task_names {
            assert_eq!(target_state(Entity::Task, name), None, "{name}");
        }
        let step_names = [
            "step.before_transition",
            "workflow.viable_steps_discovered",
            "workflow.viable_steps_batch_ready",
            "workflow.step_execution_failed",
            "workflow.steps_execution_started",
            "workflow.steps_execution_completed",
            "observability.step.handle",
            "observability.step.find_viable",
            "observability.step.skip",
            "observability.step.max_retries_reached",
            "step.discovery_triggered",
            "handler.registered",
        ];
        for name in step_names {
            assert_eq!(target_state(Entity::Step, name), None, "{name}");
        }
    }

    #[test]
    fn target_state_ignores_the_other_entitys_events() {
        assert_eq!(target_state(Entity::Task, "step.completed"), None);
        assert_eq!(
            target_state(Entity::Task, "observability.step.backoff"),
            None
        );
        assert_eq!(target_state(Entity::Step, "task.completed"), None);
        assert_eq!(target_state(Entity::Step, "workflow.task_failed"), None);
    }

    #[test]
    fn target_state_trims_whitespace() {
        assert_eq!(
            target_state(Entity::Task, " task.completed\n"),
            Some(task::COMPLETE)
        );
    }

    #[test]
    fn target_states_are_known_states() {
        let names = [
            "task.initialize_requested",
            "task.start_requested",
            "task.steps_discovery_completed",
            "step.execution_requested",
            "step.enqueue_requested",
            "observability.step.backoff",
        ];
        for name in names {
            for entity in [Entity::Task, Entity::Step] {
                if let Some(state) = target_state(entity, name) {
                    assert_eq!(normalize_state(entity, state), Some(state), "{name}");
                }
            }
        }
    }

    #[test]
    fn event_entity_families() {
        assert_eq!(event_entity("workflow.viable_steps_discovered"), None);
        assert_eq!(
            event_entity("workflow.steps_execution_started"),
            Some(Entity::Step)
        );
        assert_eq!(event_entity("custom.order_placed"), None);
        assert_eq!(event_entity("registry.sync_requested"), None);
    }

    // ------------------------------------------------- resolve_target_state

    #[test]
    fn resolve_initialize_requested() {
        let name = "task.initialize_requested";
        assert_eq!(
            resolve_target_state(Entity::Task, None, name),
            Some(task::PENDING)
        );
        assert_eq!(
            resolve_target_state(Entity::Task, Some(task::PENDING), name),
            Some(task::INITIALIZING)
        );
        // Rails reset of a running task.
        assert_eq!(
            resolve_target_state(Entity::Task, Some("in_progress"), name),
            Some(task::PENDING)
        );
        assert_eq!(
            resolve_target_state(Entity::Task, Some("???"), name),
            Some(task::PENDING)
        );
    }

    #[test]
    fn resolve_step_retry_requested() {
        let name = "step.retry_requested";
        for from in [
            step::PENDING,
            step::ENQUEUED,
            step::IN_PROGRESS,
            step::ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
        ] {
            let to = resolve_target_state(Entity::Step, Some(from), name);
            assert_eq!(to, Some(step::WAITING_FOR_RETRY), "{from}");
            assert!(is_allowed(
                Entity::Step,
                Some(from),
                step::WAITING_FOR_RETRY
            ));
        }
        for from in [step::ERROR, step::WAITING_FOR_RETRY] {
            let to = resolve_target_state(Entity::Step, Some(from), name);
            assert_eq!(to, Some(step::PENDING), "{from}");
        }
        assert_eq!(
            resolve_target_state(Entity::Step, None, name),
            Some(step::PENDING)
        );
    }

    #[test]
    fn resolve_falls_back_to_target_state() {
        for name in [
            "task.completed",
            "task.start_requested",
            "workflow.no_viable_steps",
        ] {
            assert_eq!(
                resolve_target_state(Entity::Task, Some(task::STEPS_IN_PROCESS), name),
                target_state(Entity::Task, name)
            );
        }
        for name in ["step.completed", "step.failed", "step.before_handle"] {
            assert_eq!(
                resolve_target_state(Entity::Step, Some(step::IN_PROGRESS), name),
                target_state(Entity::Step, name)
            );
        }
    }

    // --------------------------------------------------- starts_new_attempt

    #[test]
    fn new_attempts() {
        assert!(starts_new_attempt(Some(step::ERROR), step::PENDING));
        assert!(starts_new_attempt(
            Some(step::WAITING_FOR_RETRY),
            step::PENDING
        ));
        assert!(starts_new_attempt(Some(step::ERROR), step::IN_PROGRESS));
        assert!(starts_new_attempt(Some(step::ERROR), step::ENQUEUED));
        assert!(starts_new_attempt(
            Some(step::WAITING_FOR_RETRY),
            step::ENQUEUED
        ));
        assert!(starts_new_attempt(Some("Error"), "in_progress"));
    }

    #[test]
    fn not_new_attempts() {
        assert!(!starts_new_attempt(None, step::PENDING));
        assert!(!starts_new_attempt(None, step::IN_PROGRESS));
        assert!(!starts_new_attempt(Some(step::PENDING), step::IN_PROGRESS));
        assert!(!starts_new_attempt(Some(step::PENDING), step::ENQUEUED));
        assert!(!starts_new_attempt(Some(step::ENQUEUED), step::IN_PROGRESS));
        assert!(!starts_new_attempt(Some(step::IN_PROGRESS), step::ERROR));
        assert!(!starts_new_attempt(
            Some(step::ERROR),
            step::WAITING_FOR_RETRY
        ));
        assert!(!starts_new_attempt(Some(step::ERROR), step::ERROR));
        assert!(!starts_new_attempt(Some(step::ERROR), step::COMPLETE));
        assert!(!starts_new_attempt(
            Some(step::ERROR),
            step::RESOLVED_MANUALLY
        ));
        assert!(!starts_new_attempt(Some(step::COMPLETE), step::PENDING));
        assert!(!starts_new_attempt(Some("bogus"), step::PENDING));
        assert!(!starts_new_attempt(Some(step::ERROR), "bogus"));
    }

    // ------------------------------------------------------------- replays

    /// Replays a stream through resolve_target_state and is_allowed,
    /// returning the final state and the number of attempts seen.
    fn replay(entity: Entity, events: &[&str]) -> (Option<&'static str>, u32) {
        let mut state: Option<&'static str> = None;
        let mut attempts = 0;
        for name in events {
            let Some(to) = resolve_target_state(entity, state, name) else {
                continue;
            };
            assert!(is_allowed(entity, state, to), "{name}: {state:?} -> {to}");
            if state == Some(to) {
                continue; // no-op
            }
            if entity == Entity::Step && (state.is_none() || starts_new_attempt(state, to)) {
                attempts += 1;
            }
            state = Some(to);
        }
        (state, attempts)
    }

    #[test]
    fn rails_checkout_task_replays_cleanly() {
        let events = [
            "task.initialize_requested",
            "observability.task.enqueue",
            "task.start_requested",
            "workflow.viable_steps_discovered",
            "workflow.task_reenqueue_delayed",
            "workflow.task_finalization_started",
            "task.completed",
            "workflow.task_finalization_completed",
        ];
        let (state, _) = replay(Entity::Task, &events);
        assert_eq!(state, Some(task::COMPLETE));
        assert_eq!(run_status(task::COMPLETE), RunStatus::Completed);
    }

    #[test]
    fn rails_step_retry_replays_cleanly() {
        let events = [
            "step.initialize_requested",
            "step.execution_requested",
            "step.before_handle",
            "step.failed",
            "observability.step.backoff",
            "step.retry_requested",
            "step.execution_requested",
            "step.before_handle",
            "step.completed",
        ];
        let (state, attempts) = replay(Entity::Step, &events);
        assert_eq!(state, Some(step::COMPLETE));
        // The initial pending counts as the first attempt in `replay`, the
        // waiting_for_retry → pending hop as the second.
        assert_eq!(attempts, 2);
    }

    #[test]
    fn core_task_lifecycle_replays_cleanly() {
        let events = [
            "task.initialize_requested", // None → pending
            "task.initialize_requested", // pending → initializing
            "task.steps_discovery_completed",
            "task.steps_enqueued",
            "task.step_results_received",
            "task.awaiting_dependencies",
            "task.dependencies_satisfied",
            "task.blocked_by_failures",
            "task.resolved_manually",
        ];
        let (state, _) = replay(Entity::Task, &events);
        assert_eq!(state, Some(task::RESOLVED_MANUALLY));
    }

    #[test]
    fn core_step_lifecycle_replays_cleanly() {
        let events = [
            "step.initialize_requested",
            "step.enqueue_requested",
            "step.execution_requested",
            "step.enqueued_as_error_for_orchestration",
            "step.retry_requested", // → waiting_for_retry
            "step.retry_requested", // → pending
            "step.enqueue_requested",
            "step.handle",
            "step.result_submitted",
            "step.completed",
        ];
        let (state, attempts) = replay(Entity::Step, &events);
        assert_eq!(state, Some(step::COMPLETE));
        assert_eq!(attempts, 2);
    }
}
