//! Properties of streams: random producers, each running random runs one
//! after another (method steps that complete, fail or never end because the
//! engine died; workflow-task steps hosting nested runs, some named by
//! `parentRunId`), their events interleaved across sources. The generator
//! knows which run each method belongs to (it is written into the method
//! name), so every check compares with the scenario itself:
//! - each entry names the run whose step produced it, and that run's name;
//! - every `method_executing` yields exactly one entry;
//! - one bridge over a producer's whole stream gives the entries that one
//!   bridge per run gives (each finalized as its run ended: abandoned when
//!   the next run came, terminated at the end), apart from their ids;
//! - the run model over all producers at once, one source each, delivers
//!   what the per-producer bridges give (before the final drain), and lists
//!   every root run top-level with the status the scenario implies.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{json, Value};
use workflow_telemetry::bridge::{ABANDONED, TERMINATED};
use workflow_telemetry::run::{IngestOptions, RunModel, RunModelOptions, RunStatus};
use workflow_telemetry::{
    Event, FixedClock, SequentialIds, TelemetryBridge, TelemetryEntry, Timestamp,
};

mod fixture;
use fixture::{at, config, T0};

fn cfg() -> ProptestConfig {
    fixture::proptest_config()
}

// ------------------------------------------------------------ the plan

#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Completed,
    Failed,
    /// The engine dies right after the method started: nothing more of
    /// this run (or of the runs it is nested in) ever comes.
    Crash,
}

#[derive(Debug, Clone)]
enum StepPlan {
    Method {
        resolve: bool,
        end: End,
    },
    /// A workflow-task step running a nested run; `named`: the nested
    /// `started` also names its parent by `parentRunId`.
    Task {
        nested: RunPlan,
        named: bool,
    },
}

#[derive(Debug, Clone)]
struct RunPlan {
    steps: Vec<StepPlan>,
    /// A root's `completed` names it by `runId` (else it ends the root
    /// without saying which).
    named_end: bool,
}

fn method_step() -> impl Strategy<Value = StepPlan> {
    (
        any::<bool>(),
        prop_oneof![6 => Just(End::Completed), 2 => Just(End::Failed), 1 => Just(End::Crash)],
    )
        .prop_map(|(resolve, end)| StepPlan::Method { resolve, end })
}

fn run_plan(depth: u32) -> BoxedStrategy<RunPlan> {
    let step = if depth == 0 {
        method_step().boxed()
    } else {
        prop_oneof![
            4 => method_step(),
            1 => (run_plan(depth - 1), any::<bool>())
                .prop_map(|(nested, named)| StepPlan::Task { nested, named }),
        ]
        .boxed()
    };
    (prop::collection::vec(step, 1..4), any::<bool>())
        .prop_map(|(steps, named_end)| RunPlan { steps, named_end })
        .boxed()
}

/// Producers, each a list of root runs.
fn producers() -> impl Strategy<Value = Vec<Vec<RunPlan>>> {
    prop::collection::vec(prop::collection::vec(run_plan(2), 1..5), 1..4)
}

// ------------------------------------------------------- the events

/// One root run as generated: its events, and whether it crashed.
struct RootEvents {
    lines: Vec<String>,
    crashed: bool,
    /// Runs active when the engine died (the root and the nested runs it
    /// was inside).
    active_at_crash: usize,
    /// Its run ids (root first) with their workflow names.
    runs: Vec<(String, String)>,
}

/// Writes events with increasing timestamps; method names say their run.
struct Writer {
    t: i64,
    methods: usize,
}

impl Writer {
    fn line(&mut self, mut v: Value) -> String {
        self.t += 3;
        v["timestamp"] = json!(T0 + self.t);
        v.to_string()
    }

    /// The events of run `id` (named `name`) inside `out`; `nested_in`: the
    /// run whose step hosts it. Returns whether the engine died inside.
    fn run(
        &mut self,
        plan: &RunPlan,
        id: &str,
        name: &str,
        nested_in: Option<(&str, bool)>,
        out: &mut RootEvents,
    ) -> bool {
        let mut started = json!({"kind": "started", "runId": id, "workflowName": name});
        if let Some((parent, true)) = nested_in {
            started["parentRunId"] = json!(parent);
        }
        out.lines.push(self.line(started));
        out.runs.push((id.to_string(), name.to_string()));
        let run_field = |v: &mut Value| {
            if nested_in.is_some() {
                v["runId"] = json!(id);
            }
        };
        for (k, step) in plan.steps.iter().enumerate() {
            match step {
                StepPlan::Method { resolve, end } => {
                    let step_id = format!("st{k}");
                    let mut v = json!({"kind": "step_started", "jobId": "j", "stepId": step_id});
                    run_field(&mut v);
                    out.lines.push(self.line(v));
                    if *resolve {
                        let mut v = json!({"kind": "model_resolved", "jobId": "j", "stepId": step_id,
                            "modelType": "command/shell", "modelName": "secret-model"});
                        run_field(&mut v);
                        out.lines.push(self.line(v));
                    }
                    self.methods += 1;
                    let mut v = json!({"kind": "method_executing", "jobId": "j", "stepId": step_id,
                        "modelName": "secret-model", "methodName": format!("m|{id}|{k}")});
                    run_field(&mut v);
                    out.lines.push(self.line(v));
                    let mut v = match end {
                        End::Crash => {
                            out.active_at_crash = id.matches('.').count() + 1;
                            return true;
                        }
                        End::Completed => {
                            json!({"kind": "step_completed", "jobId": "j", "stepId": step_id})
                        }
                        End::Failed => {
                            json!({"kind": "step_failed", "jobId": "j", "stepId": step_id, "error": "boom"})
                        }
                    };
                    run_field(&mut v);
                    out.lines.push(self.line(v));
                }
                StepPlan::Task { nested, named } => {
                    let step_id = format!("task{k}");
                    let mut v = json!({"kind": "step_started", "jobId": "j", "stepId": step_id});
                    run_field(&mut v);
                    out.lines.push(self.line(v));
                    let child = format!("{id}.{k}");
                    if self.run(
                        nested,
                        &child,
                        &format!("{name}.{k}"),
                        Some((id, *named)),
                        out,
                    ) {
                        return true;
                    }
                    // The host step ends: its nested run ends with it.
                    let mut v = json!({"kind": "step_completed", "jobId": "j", "stepId": step_id});
                    run_field(&mut v);
                    out.lines.push(self.line(v));
                }
            }
        }
        if nested_in.is_none() {
            let end = if plan.named_end {
                json!({"kind": "completed", "runId": id})
            } else {
                json!({"kind": "completed"})
            };
            out.lines.push(self.line(end));
        }
        false
    }
}

/// Each producer's roots as events.
fn generate(plan: &[Vec<RunPlan>]) -> (Vec<Vec<RootEvents>>, Writer) {
    let mut w = Writer { t: 0, methods: 0 };
    let all = plan
        .iter()
        .enumerate()
        .map(|(p, runs)| {
            runs.iter()
                .enumerate()
                .map(|(r, plan)| {
                    let mut out = RootEvents {
                        lines: Vec::new(),
                        crashed: false,
                        active_at_crash: 0,
                        runs: Vec::new(),
                    };
                    let id = format!("p{p}r{r}");
                    out.crashed = w.run(plan, &id, &format!("wf-{id}"), None, &mut out);
                    out
                })
                .collect()
        })
        .collect();
    (all, w)
}

// -------------------------------------------------------- the hosts

fn bridge() -> TelemetryBridge {
    TelemetryBridge::new(config(), FixedClock::new([at(0)]), SequentialIds::new("e"))
}

fn feed(b: &mut TelemetryBridge, line: &str, out: &mut Vec<TelemetryEntry>) {
    let event = Event::from_json(line).unwrap();
    b.observe_into(&event, out);
}

fn instant_of(line: &str) -> Timestamp {
    let v: Value = serde_json::from_str(line).unwrap();
    Timestamp::from_millis(v["timestamp"].as_i64().unwrap()).unwrap()
}

/// An entry without its id.
fn key(e: &TelemetryEntry) -> String {
    let mut v = serde_json::to_value(e).unwrap();
    v["id"] = json!("");
    v.to_string()
}

/// The run encoded in an entry's method name.
fn run_of_method(e: &TelemetryEntry) -> String {
    e.invocation.args[2].split('|').nth(1).unwrap().to_string()
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn streams_of_many_runs_and_producers_attribute_every_entry_to_its_run(
        plan in producers(),
        weave in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let (producers, w) = generate(&plan);
        let end = at(w.t + 1_000);
        let names: std::collections::HashMap<String, String> = producers
            .iter()
            .flatten()
            .flat_map(|root| root.runs.iter().cloned())
            .collect();

        // One bridge per producer over its whole stream.
        let mut stream_entries: Vec<Vec<TelemetryEntry>> = Vec::new();
        let mut before_final: Vec<usize> = Vec::new();
        for roots in &producers {
            let mut b = bridge();
            let mut out = Vec::new();
            for line in roots.iter().flat_map(|r| r.lines.iter()) {
                feed(&mut b, line, &mut out);
            }
            before_final.push(out.len());
            // Runs started, and runs abandoned (each crash but the last
            // root's, with the nested runs it was inside).
            let stats = b.stats();
            prop_assert_eq!(stats.runs as usize, roots.len());
            let abandoned: usize = roots[..roots.len() - 1]
                .iter()
                .filter(|r| r.crashed)
                .map(|r| r.active_at_crash)
                .sum();
            prop_assert_eq!(stats.abandoned as usize, abandoned);
            out.extend(b.finalize_at(None, Some(end)));
            stream_entries.push(out);
        }
        let all: Vec<&TelemetryEntry> = stream_entries.iter().flatten().collect();
        // Every method_executing yields exactly one entry, naming its run.
        prop_assert_eq!(all.len(), w.methods);
        let mut methods: Vec<&str> = all.iter().map(|e| e.invocation.args[2].as_str()).collect();
        methods.sort_unstable();
        methods.dedup();
        prop_assert_eq!(methods.len(), w.methods, "one entry per method");
        for e in &all {
            let wc = e.workflow_context.as_ref().unwrap();
            let run = run_of_method(e);
            prop_assert_eq!(&wc.run_id, &run, "entry {} names another run", e.invocation.args[2]);
            prop_assert_eq!(&wc.workflow_name, &names[&run]);
        }

        // One bridge per run, each finalized the way its run ended.
        for (p, roots) in producers.iter().enumerate() {
            let mut per_run = Vec::new();
            for (r, root) in roots.iter().enumerate() {
                let mut b = bridge();
                for line in &root.lines {
                    feed(&mut b, line, &mut per_run);
                }
                let (reason, when) = match roots.get(r + 1) {
                    Some(next) if root.crashed => (Some(ABANDONED), instant_of(&next.lines[0])),
                    _ => (None, end),
                };
                per_run.extend(b.finalize_at(reason, Some(when)));
            }
            let a: Vec<String> = stream_entries[p].iter().map(key).collect();
            let b: Vec<String> = per_run.iter().map(key).collect();
            prop_assert_eq!(a, b, "producer {}: one bridge vs one per run", p);
            for e in &stream_entries[p] {
                let m = e.result.error_message.as_deref();
                prop_assert!(m != Some(TERMINATED) || e.completed_at == end || e.workflow_context.as_ref().unwrap().run_id.contains('.'),
                    "only nested runs and the end drain as terminated");
            }
        }

        // The run model over every producer at once, interleaved.
        let mut m = RunModel::new(
            RunModelOptions { bridge: config(), ..Default::default() },
            FixedClock::new([at(0)]),
        )
        .with_ids(SequentialIds::new("e"));
        let mut cursors = vec![0usize; producers.len()];
        let streams: Vec<Vec<&String>> = producers
            .iter()
            .map(|roots| roots.iter().flat_map(|r| r.lines.iter()).collect())
            .collect();
        let mut delivered: Vec<Vec<String>> = vec![Vec::new(); producers.len()];
        let mut pick = weave.iter().copied().cycle();
        loop {
            let open: Vec<usize> = (0..streams.len()).filter(|&p| cursors[p] < streams[p].len()).collect();
            if open.is_empty() {
                break;
            }
            let p = open[pick.next().unwrap_or(0) as usize % open.len()];
            let source = format!("p{p}");
            let report = m.ingest_ndjson_with(
                streams[p][cursors[p]],
                IngestOptions { source: &source, entries: true, events: false },
            );
            prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
            cursors[p] += 1;
            delivered[p].extend(report.entries.unwrap().iter().map(key));
        }
        for (p, entries) in stream_entries.iter().enumerate() {
            let expected: Vec<String> = entries[..before_final[p]].iter().map(key).collect();
            prop_assert_eq!(&delivered[p], &expected, "producer {}: the model delivers the bridge's entries", p);
        }
        // Every root listed top-level, with the status its scenario implies.
        for (p, roots) in producers.iter().enumerate() {
            for (r, root) in roots.iter().enumerate() {
                let d = m.run(&root.runs[0].0).unwrap();
                prop_assert_eq!(d.run.parent_run.as_deref(), None);
                let source = format!("p{p}");
                prop_assert_eq!(d.run.source.as_deref(), Some(source.as_str()));
                let last = r + 1 == roots.len();
                match (root.crashed, last) {
                    (true, false) => prop_assert_eq!(d.run.status, RunStatus::Abandoned),
                    (true, true) => prop_assert_eq!(d.run.status, RunStatus::Running),
                    (false, _) => prop_assert!(
                        matches!(d.run.status, RunStatus::Completed | RunStatus::Failed),
                        "{:?}", d.run.status
                    ),
                }
                // Nested runs hang under their parents.
                for (id, _) in &root.runs[1..] {
                    let n = m.run(id).unwrap();
                    let parent = &id[..id.rfind('.').unwrap()];
                    prop_assert_eq!(n.run.parent_run.as_deref(), Some(parent));
                }
            }
        }
    }
}
