//! The GitHub Actions dialect: `workflow_run` and `workflow_job` webhook
//! deliveries, as GitHub sends them (`{"action", "workflow_run" | "workflow_job",
//! "repository", ...}`), and the objects `gh api` returns for a run
//! (`repos/O/R/actions/runs/ID`), a job, or a run's jobs (`.../jobs`:
//! `{"total_count", "jobs": [...]}`).
//!
//! The mapping, decided here once:
//! - **A run** is a `workflow_run.id`, named after its workflow (`name`), its
//!   project the repository's `full_name`. Its states are GitHub's status
//!   while it runs (`requested`, `queued`, `pending`, `waiting`,
//!   `in_progress`) and its conclusion once `completed` (`success`, `neutral`,
//!   `skipped` end it completed; `failure`, `timed_out`, `startup_failure`,
//!   `action_required` failed; `cancelled`, `stale` cancelled).
//! - **A re-run** (`run_attempt` 2, 3, ...) reopens the same run: its jobs
//!   that run again give their steps a new attempt, numbered as the run
//!   attempt; jobs not run again keep their earlier result.
//! - **A job** is a `workflow_job.name` within the run (matrix values are in
//!   the name), listed in the run's jobs with its status or conclusion;
//!   **a step** is a `steps[]` entry of its job, `job/number` its id, its
//!   name GitHub's. A failed step carries its conclusion only: GitHub sends no
//!   output or error text in these payloads.
//! - **Out of order and repeated deliveries** (GitHub retries them): within
//!   an attempt, a run, job or step only moves forward (queued, running,
//!   ended); a delivery that would move it back or to where it is is a
//!   repeat, applied as nothing. Times come from the payload (`created_at`,
//!   `run_started_at`, `started_at`, `completed_at`, `updated_at`).

use serde_json::{Map, Value};

use super::{Dialect, Spec};
use crate::redact::filter::ParameterFilter;
use crate::run::core::RunModelCore;
use crate::run::input::{type_name, IngestError, Input};
use crate::run::lifecycle::{
    states, Machine, Milestone, RunMachine, States, StepMachine, Unlisted,
};
use crate::run::model::{Failure, FailureClass, Job, Run};
use crate::run::slot::{Move, RunSlot};
use crate::run::status::{RunStatus, StepStatus};
use crate::time::Timestamp;

pub(super) const SPEC: Spec = Spec {
    dialect: Dialect::GithubActions,
    name: "github_actions",
    events: "a GitHub Actions workflow_run or workflow_job delivery (or gh api run or jobs)",
    recognise,
    ingest,
};

/// Event names, for `events: { allow, deny }` filters.
const RUN_ACTIONS: [&str; 3] = ["requested", "in_progress", "completed"];
const RUN_NAMES: [&str; 3] = [
    "workflow_run.requested",
    "workflow_run.in_progress",
    "workflow_run.completed",
];
const JOB_ACTIONS: [&str; 4] = ["queued", "waiting", "in_progress", "completed"];
const JOB_NAMES: [&str; 4] = [
    "workflow_job.queued",
    "workflow_job.waiting",
    "workflow_job.in_progress",
    "workflow_job.completed",
];

fn recognise<'v>(input: &Input<'v>) -> Result<Option<&'v str>, IngestError> {
    let action = || input.opt_str("action").ok().flatten().unwrap_or("");
    let named = |actions: &[&str], names: &[&'static str], bare: &'static str| {
        actions
            .iter()
            .position(|a| *a == action())
            .map_or(bare, |i| names[i])
    };
    Ok(if input.has_object("workflow_run") {
        Some(named(&RUN_ACTIONS, &RUN_NAMES, "workflow_run"))
    } else if input.has_object("workflow_job") {
        Some(named(&JOB_ACTIONS, &JOB_NAMES, "workflow_job"))
    } else if input.get("jobs")?.is_some_and(|j| j.is_array())
        && input.get("total_count")?.is_some()
    {
        Some("workflow_jobs")
    } else if input.get("workflow_id")?.is_some() && input.get("run_attempt")?.is_some() {
        Some("workflow_run")
    } else if input.get("run_id")?.is_some() && input.get("steps")?.is_some() {
        Some("workflow_job")
    } else {
        None
    })
}

states! {
    /// GitHub's status while a run, job or step goes, its conclusion once
    /// `completed`: one machine for all three.
    pub enum State {
        Requested = "requested",
        Queued = "queued",
        Pending = "pending",
        Waiting = "waiting",
        InProgress = "in_progress",
        Success = "success",
        Neutral = "neutral",
        Skipped = "skipped",
        Failure = "failure",
        TimedOut = "timed_out",
        StartupFailure = "startup_failure",
        ActionRequired = "action_required",
        Cancelled = "cancelled",
        Stale = "stale",
    }
}

impl State {
    /// From a status and, once `completed`, its conclusion.
    fn read(status: &str, conclusion: Option<&str>) -> Option<State> {
        match status {
            "completed" => State::from_name(conclusion?).filter(|s| s.is_terminal()),
            s => State::from_name(s).filter(|s| !s.is_terminal()),
        }
    }
}

impl Machine for State {
    const NOUN: &'static str = "GitHub Actions item";
    const ENGINE: &'static str = "GitHub";
    /// A run, job or step first seen in any state (its earlier deliveries
    /// may be late): GitHub delivers webhooks in no guaranteed order.
    const BORN: Option<Self> = None;
    const UNLISTED: Unlisted = Unlisted::Latest;

    /// Within an attempt, only forward: queued, waiting, running, ended.
    fn allows(from: Option<Self>, to: Self) -> bool {
        from.is_none_or(|f| to.rank() > f.rank())
    }
    fn is_terminal(self) -> bool {
        self.rank() == 3
    }
    fn rank(self) -> u8 {
        match self {
            State::Requested | State::Queued | State::Pending => 0,
            State::Waiting => 1,
            State::InProgress => 2,
            _ => 3,
        }
    }
}

impl RunMachine for State {
    fn status(self) -> RunStatus {
        match self {
            State::Requested | State::Queued | State::Pending => RunStatus::Queued,
            State::Waiting => RunStatus::Waiting,
            State::InProgress => RunStatus::Running,
            State::Success | State::Neutral | State::Skipped => RunStatus::Completed,
            State::Cancelled | State::Stale => RunStatus::Cancelled,
            _ => RunStatus::Failed,
        }
    }
    fn milestone(self) -> Option<Milestone> {
        Some(match self.rank() {
            0 => Milestone::Enqueued,
            1 => return None,
            2 => Milestone::Started,
            _ => match RunMachine::status(self) {
                RunStatus::Completed => Milestone::Completed,
                RunStatus::Cancelled => Milestone::Cancelled,
                _ => Milestone::Failed,
            },
        })
    }
}

impl StepMachine for State {
    fn status(self) -> StepStatus {
        match self {
            State::Requested | State::Queued | State::Pending | State::Waiting => {
                StepStatus::Queued
            }
            State::InProgress => StepStatus::Running,
            State::Success | State::Neutral => StepStatus::Completed,
            State::Skipped => StepStatus::Skipped,
            State::Cancelled | State::Stale => StepStatus::Cancelled,
            _ => StepStatus::Failed,
        }
    }
}

// ------------------------------------------------------------ payloads

/// A `workflow_run`, read and checked.
struct RunFacts {
    id: String,
    name: Option<String>,
    attempt: u32,
    state: State,
    created_at: Option<Timestamp>,
    started_at: Option<Timestamp>,
    updated_at: Option<Timestamp>,
    context: Map<String, Value>,
}

/// A `workflow_job`, read and checked.
struct JobFacts {
    run_id: String,
    workflow: Option<String>,
    name: String,
    attempt: u32,
    state: State,
    created_at: Option<Timestamp>,
    steps: Vec<StepFacts>,
}

struct StepFacts {
    number: u32,
    name: String,
    state: State,
    started_at: Option<Timestamp>,
    completed_at: Option<Timestamp>,
}

/// Typed reads from an object, naming the field (`workflow_job.steps[2].name`).
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Obj<'a> {
    fn of(v: &'a Value, path: &'a str) -> Result<Obj<'a>, IngestError> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            other => Err(wrong(path.to_string(), "an object", other)),
        }
    }

    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'a str>, IngestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong(self.field(key), "a string", other)),
        }
    }

    fn str(&self, key: &str) -> Result<&'a str, IngestError> {
        self.opt_str(key)?
            .ok_or_else(|| missing(self.field(key), self.path))
    }

    /// An id: a number or a string.
    fn id(&self, key: &str) -> Result<String, IngestError> {
        match self.get(key) {
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(other) => Err(wrong(self.field(key), "a number or string id", other)),
            None => Err(missing(self.field(key), self.path)),
        }
    }

    fn count(&self, key: &str) -> Result<Option<u32>, IngestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.clamp(1.0, 1e6) as u32)),
            Some(other) => Err(wrong(self.field(key), "a number", other)),
        }
    }

    fn instant(&self, key: &str) -> Result<Option<Timestamp>, IngestError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => Timestamp::parse_iso(s)
                .map(Some)
                .map_err(|reason| IngestError::Invalid {
                    field: self.field(key),
                    reason: reason.to_string(),
                }),
        }
    }

    fn state(&self) -> Result<State, IngestError> {
        let status = self.str("status")?;
        let conclusion = self.opt_str("conclusion")?;
        State::read(status, conclusion).ok_or_else(|| IngestError::Invalid {
            field: self.field(if status == "completed" {
                "conclusion"
            } else {
                "status"
            }),
            reason: match (status, conclusion) {
                ("completed", None) => "missing, required once the status is completed".into(),
                ("completed", Some(c)) => format!("unknown conclusion {c:?}"),
                (s, _) => format!("unknown status {s:?}"),
            },
        })
    }
}

fn wrong(field: String, expected: &'static str, found: &Value) -> IngestError {
    IngestError::Invalid {
        field,
        reason: format!("expected {expected}, got {}", type_name(found)),
    }
}

fn missing(field: String, what: &str) -> IngestError {
    IngestError::Invalid {
        field,
        reason: format!("missing, required in {what}"),
    }
}

fn read_run(
    v: &Value,
    path: &str,
    repository: Option<&str>,
    filter: &ParameterFilter,
) -> Result<RunFacts, IngestError> {
    let o = Obj::of(v, path)?;
    let mut context = Map::new();
    for key in [
        "event",
        "head_branch",
        "head_sha",
        "display_title",
        "html_url",
    ] {
        if let Some(s) = o.opt_str(key)? {
            // Free text (a commit message, a branch): filtered as it enters.
            context.insert(key.into(), Value::String(filter.redact_text(s)));
        }
    }
    if let Some(n) = o.get("run_number") {
        context.insert("run_number".into(), n.clone());
    }
    let repository = match o.get("repository") {
        Some(r) => Obj::of(r, "workflow_run.repository")?
            .opt_str("full_name")?
            .or(repository),
        None => repository,
    };
    if let Some(r) = repository {
        context.insert("repository".into(), Value::String(r.to_string()));
    }
    Ok(RunFacts {
        id: o.id("id")?,
        name: o.opt_str("name")?.map(str::to_string),
        attempt: o.count("run_attempt")?.unwrap_or(1),
        state: o.state()?,
        created_at: o.instant("created_at")?,
        started_at: o.instant("run_started_at")?,
        updated_at: o.instant("updated_at")?,
        context,
    })
}

fn read_job(v: &Value, path: &str, filter: &ParameterFilter) -> Result<JobFacts, IngestError> {
    let o = Obj::of(v, path)?;
    let mut steps = Vec::new();
    if let Some(list) = o.get("steps") {
        let Value::Array(items) = list else {
            return Err(wrong(o.field("steps"), "an array", list));
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("{path}.steps[{i}]");
            let s = Obj::of(item, &path)?;
            steps.push(StepFacts {
                number: s.count("number")?.unwrap_or(i as u32 + 1),
                // An unnamed step is called after its script ("Run curl
                // -u ..."): filtered as it enters.
                name: filter.redact_text(s.str("name")?),
                state: s.state()?,
                started_at: s.instant("started_at")?,
                completed_at: s.instant("completed_at")?,
            });
        }
    }
    Ok(JobFacts {
        run_id: o.id("run_id")?,
        workflow: o.opt_str("workflow_name")?.map(str::to_string),
        name: o.str("name")?.to_string(),
        attempt: o.count("run_attempt")?.unwrap_or(1),
        state: o.state()?,
        created_at: o.instant("created_at")?,
        steps,
    })
}

// -------------------------------------------------------------- apply

pub(super) fn ingest(
    core: &mut RunModelCore,
    input: &Input<'_>,
    line: Option<usize>,
) -> Result<(), IngestError> {
    // Read and check everything before anything changes.
    let repository = match input.get("repository")? {
        Some(r) => Obj::of(&r, "repository")?
            .opt_str("full_name")?
            .map(str::to_string),
        None => None,
    };
    let name = input.name;
    if let Some(run) = input.get("workflow_run")? {
        let facts = read_run(&run, "workflow_run", repository.as_deref(), &core.filter)?;
        apply_run(core, name, &facts, line);
    } else if let Some(job) = input.get("workflow_job")? {
        let facts = read_job(&job, "workflow_job", &core.filter)?;
        apply_job(core, name, &facts, line);
    } else if name == "workflow_jobs" {
        let jobs = input.get("jobs")?.map(|j| j.into_owned());
        let items = jobs
            .as_ref()
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let facts = items
            .iter()
            .enumerate()
            .map(|(i, j)| read_job(j, &format!("jobs[{i}]"), &core.filter))
            .collect::<Result<Vec<_>, _>>()?;
        for f in &facts {
            apply_job(core, name, f, line);
        }
    } else {
        // A bare run or job object (gh api): the event is the object.
        let value = input.value()?;
        if name == "workflow_run" {
            let facts = read_run(&value, "run", repository.as_deref(), &core.filter)?;
            apply_run(core, name, &facts, line);
        } else {
            let facts = read_job(&value, "job", &core.filter)?;
            apply_job(core, name, &facts, line);
        }
    }
    Ok(())
}

/// A run known by id only, before its first state ("new" is none of
/// GitHub's, so the first delivery's state is a transition from it).
fn new_run(id: &str) -> Run {
    Run::new(
        id.to_string(),
        Dialect::GithubActions,
        String::new(),
        "new",
        RunStatus::Pending,
    )
}

/// The latest run attempt seen, by the attempt of the run's last transition
/// (kept in the run's context, which GitHub payloads fill anyway).
fn run_attempt(slot: &RunSlot) -> u32 {
    slot.run
        .context
        .as_ref()
        .and_then(|c| c.get("run_attempt"))
        .and_then(Value::as_u64)
        .map_or(0, |n| n as u32)
}

fn apply_run(core: &mut RunModelCore, event: &str, f: &RunFacts, line: Option<usize>) {
    let slot = core.run_slot(Dialect::GithubActions, &f.id, || new_run(&f.id));
    if let Some(n) = &f.name {
        n.clone_into(&mut slot.run.name);
    }
    if let Some(r) = f.context.get("repository").and_then(Value::as_str) {
        slot.run.project = Some(r.to_string());
    }
    let known = run_attempt(slot);
    if f.attempt < known {
        return; // a delivery of an earlier attempt, late: that attempt is over
    }
    let mut context = f.context.clone();
    context.insert("run_attempt".into(), Value::from(f.attempt));
    slot.run.context = Some(Value::Object(context));
    let rerun = f.attempt > known && known > 0;
    // `created_at` is the run's, whatever the attempt; `updated_at` is when
    // this delivery's change happened.
    let at = match f.state.rank() {
        0 | 1 => f.updated_at.or(f.created_at),
        2 => f.started_at.or(f.updated_at),
        _ => f.updated_at,
    };
    let reason = rerun.then(|| format!("re-run: attempt {}", f.attempt));
    let mv = Move {
        event,
        to_state: f.state.name(),
        reason,
        at,
        line,
        // A re-run starts the run's machine over; otherwise a delivery that
        // would move it back, or to where it is, is a late or repeated one.
        anew: rerun,
    };
    if !slot.move_run(&mv, f.state) {
        return;
    }
    let status = RunMachine::status(f.state);
    if rerun || slot.run.started_at.is_none() {
        // The run began with its first attempt's creation; a re-run is open again.
        slot.run.queued_at = slot.run.queued_at.or(f.created_at);
        slot.run.ended_at = None;
        slot.run.error = None;
    }
    if status == RunStatus::Running || status.is_terminal() {
        slot.run.started_at = slot.run.started_at.or(f.started_at).or(at);
    }
    if status.is_terminal() {
        slot.run.ended_at = at;
        slot.run.error = (status != RunStatus::Completed).then(|| {
            let conclusion = f.state.name();
            let class = match f.state {
                State::Cancelled | State::Stale | State::TimedOut => FailureClass::Cancellation,
                _ => crate::run::lifecycle::run_failure_class(&slot.run, false),
            };
            Failure {
                class,
                error_type: Some(conclusion.to_string()),
                message: format!("workflow run concluded {conclusion}"),
                allowed: false,
            }
        });
    }
}

fn apply_job(core: &mut RunModelCore, event: &str, f: &JobFacts, line: Option<usize>) {
    let slot = core.run_slot(Dialect::GithubActions, &f.run_id, || new_run(&f.run_id));
    if slot.run.name.is_empty() {
        if let Some(w) = &f.workflow {
            w.clone_into(&mut slot.run.name);
        }
    }
    // The job's own state, in the run's job list.
    let job_state = f.state.name().to_string();
    let newer_attempt = f.attempt > job_attempt(slot_steps(&slot.run, &f.name));
    match slot.run.jobs.iter_mut().find(|j| j.name == f.name) {
        Some(j) => {
            let older = j.status.as_deref().and_then(State::from_name);
            let moved_on = older.is_none_or(|o| f.state.rank() > o.rank());
            if moved_on || newer_attempt {
                j.status = Some(job_state);
            }
        }
        None => slot.run.jobs.push(Job {
            name: f.name.clone(),
            depends_on: Vec::new(),
            status: Some(job_state),
        }),
    }
    for s in &f.steps {
        apply_step(slot, event, f, s, line);
    }
}

/// The steps of a job, in the run.
fn slot_steps<'r>(run: &'r Run, job: &'r str) -> impl Iterator<Item = &'r crate::run::model::Step> {
    run.steps.iter().filter(move |s| s.job == job)
}

/// The attempt the job's steps are at (0 when it has none yet).
fn job_attempt<'r>(mut steps: impl Iterator<Item = &'r crate::run::model::Step>) -> u32 {
    steps
        .try_fold(0u32, |m, s| Some(m.max(s.attempts.last()?.number)))
        .unwrap_or(0)
}

fn apply_step(slot: &mut RunSlot, event: &str, job: &JobFacts, s: &StepFacts, line: Option<usize>) {
    let id = format!("{}/{}", job.name, s.number);
    let idx = slot.step_at(&id, || id.clone(), &job.name, &s.name, "new");
    let step = &slot.run.steps[idx];
    let last_attempt = step.attempts.last().map_or(0, |a| a.number);
    if job.attempt < last_attempt {
        return; // a late delivery of an earlier attempt
    }
    let rerun = job.attempt > last_attempt && last_attempt > 0;
    let at = match s.state.rank() {
        0 | 1 => job.created_at,
        2 => s.started_at,
        _ => s.completed_at.or(s.started_at),
    };
    let mv = Move {
        event,
        to_state: s.state.name(),
        reason: rerun.then(|| format!("re-run: attempt {}", job.attempt)),
        at,
        line,
        anew: rerun,
    };
    if !slot.move_step(idx, &mv, s.state) {
        return;
    }
    let status = StepMachine::status(s.state);
    let step = &mut slot.run.steps[idx];
    if rerun {
        step.new_attempt();
    }
    let attempt = step.attempt_mut();
    attempt.number = job.attempt.max(1);
    attempt.status = status;
    attempt.started_at = attempt.started_at.or(s.started_at);
    if status.is_terminal() {
        attempt.ended_at = s.completed_at.or(s.started_at);
        attempt.duration_ms = match (attempt.started_at, attempt.ended_at) {
            (Some(a), Some(b)) => Some(b.millis_since(a)),
            _ => None,
        };
        attempt.error = (status == StepStatus::Failed).then(|| Failure {
            class: FailureClass::Method,
            error_type: Some(s.state.name().to_string()),
            message: format!("step concluded {}", s.state.name()),
            allowed: false,
        });
    }
    let attempt = attempt.clone();
    step.started_at = step.started_at.or(attempt.started_at);
    step.ended_at = attempt.ended_at;
    step.error = attempt.error;
}
