// Proves bench/baseline.mjs is a fair baseline: fed the same events, with the
// same injected clock and id generator, JsBridge produces exactly what the wasm
// TelemetryBridge produces. Exits 1 on the first input that differs.
//
//   node bench/baseline-check.mjs          # the check
//   node bench/baseline-check.mjs --time   # plus one (noisy) timing of both
//
// Inputs: the benchmark's seeded stream (20 runs x 50 steps, the full bench
// config stream, and a failure-heavy variant), the samples in www/samples, an
// edge-case stream written below (bad lines, colon and Unicode names, nested
// runs, supersedes, secrets in error messages, out-of-order timestamps, ...),
// one of run boundaries on one source (runs named before their `started`,
// re-sent and repeated `started`s, nesting by parentRunId and by workflow-task
// steps, skipped hosts, runs of no root, abandoned runs, rejected run events),
// and the scenarios below.
//
// Scenarios (src/bridge/runs.rs states the rules): several runs one after
// another, a crashed run followed by more runs, runs nested by workflow-task
// steps and by parentRunId, a crash inside a nested run. For these, the
// runId, workflowName, outcome and completion instant of every entry are
// written by hand in this file, not derived from either bridge, and both
// bridges must give exactly those (and the hand-counted stats().runs and
// abandoned); they also go through the byte-for-byte comparison.
// Each input goes through three paths on both bridges:
//   a. observeNdjson(whole text), then finalize();
//   b. observeNdjson in chunks of lines (state carried across calls), then
//      finalize(reason, at);
//   c. observe(object) per event (thrown EventErrors compared), finalize with a
//      multi-line reason, then events and finalize after finalize.
// Compared byte for byte: the entries NDJSON, every returned entry array
// (JSON.stringify, so key order counts), accepted, the line errors, stats(),
// inFlight, finalized and lastEventAt.
//
// One normalisation, and only one: the message of an `invalid_json` line
// error. The wasm reports serde_json's parser message ("expected value at line
// 1 column 1"), JsBridge V8's JSON.parse message ("Unexpected token ..."); the
// two parsers word their errors differently and no JS implementation could
// reproduce serde's text without re-implementing its parser. The line number,
// kind and (absent) field of those errors are still compared.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { swampStream } from './generate.mjs';
import { ABANDONED, JsBridge, TERMINATED } from './baseline.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { TelemetryBridge } = require(join(ROOT, 'pkg', 'node.cjs'));
const config = JSON.parse(readFileSync(join(ROOT, 'bench', 'config.json'), 'utf8'));

/** Bridge options with a deterministic clock and id generator, fresh per bridge. */
function options(extra = {}) {
  let n = 0;
  let t = Date.UTC(2026, 1, 5, 12);
  return {
    parentInvocationId: 'parent-0001',
    version: '1.4.0',
    runtimeVersion: '2.1.0',
    platform: 'linux',
    idGenerator: () => `id-${++n}`,
    clock: () => (t += 7),
    ...extra,
  };
}

const PARSER_MESSAGE = 'invalid JSON: <parser message>';
const normaliseErrors = (errors) =>
  errors.map((e) => (e.kind === 'invalid_json' ? { ...e, message: PARSER_MESSAGE } : e));

// stats() is compared with its keys sorted: the wasm builds it with serde_json's
// json! macro, whose map sorts keys, while JsBridge keeps the order of
// BridgeStats in index.d.ts. Same keys and values either way.
function state(b) {
  const stats = Object.fromEntries(Object.entries(b.stats()).sort(([x], [y]) => (x < y ? -1 : 1)));
  return JSON.stringify({ stats, inFlight: b.inFlight, finalized: b.finalized, lastEventAt: b.lastEventAt });
}

/** Runs `fn` and returns its result or the error it threw, comparably. */
function attempt(fn) {
  try {
    return { ok: JSON.stringify(fn()) };
  } catch (e) {
    return { threw: `${e.name}: ${e.message} [field=${e.field}]` };
  }
}

let failures = 0;
let compared = 0;

function same(label, wasm, js) {
  compared++;
  if (wasm === js) return true;
  failures++;
  const a = String(wasm).split('\n');
  const b = String(js).split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  console.error(`MISMATCH ${label} (first difference at line ${i + 1})`);
  console.error(`  wasm: ${a[i]?.slice(0, 600)}`);
  console.error(`  js:   ${b[i]?.slice(0, 600)}`);
  return false;
}

function compareNdjson(label, wasm, js, text) {
  const w = wasm.observeNdjson(text);
  const j = js.observeNdjson(text);
  same(`${label}: entries`, w.entries, j.entries);
  same(`${label}: accepted`, w.accepted, j.accepted);
  same(`${label}: errors`, JSON.stringify(normaliseErrors(w.errors)), JSON.stringify(normaliseErrors(j.errors)));
  same(`${label}: state`, state(wasm), state(js));
  return { entries: w.entries, errors: w.errors.length };
}

function check(name, text, extra = {}) {
  const lines = text.split('\n');
  let entries = 0;

  // a. one batch, then finalize() on the clock.
  {
    const wasm = new TelemetryBridge(options(extra));
    const js = new JsBridge(options(extra));
    const r = compareNdjson(`${name} [batch]`, wasm, js, text);
    entries = r.entries ? r.entries.split('\n').length - 1 : 0;
    same(`${name} [batch]: finalize`, JSON.stringify(wasm.finalize()), JSON.stringify(js.finalize()));
    same(`${name} [batch]: state after finalize`, state(wasm), state(js));
    console.log(`${name}: ${lines.length} lines, ${entries} entries, ${r.errors} rejected lines`);
    wasm.free();
  }

  // b. chunks of lines, then finalize(reason, at).
  {
    const wasm = new TelemetryBridge(options(extra));
    const js = new JsBridge(options(extra));
    const size = Math.max(1, Math.ceil(lines.length / 7));
    for (let i = 0; i < lines.length; i += size) {
      compareNdjson(`${name} [chunk ${i / size}]`, wasm, js, lines.slice(i, i + size).join('\n'));
    }
    const at = '2026-02-05T13:00:00.000+01:00';
    same(`${name} [chunks]: finalize`, JSON.stringify(wasm.finalize('cancelled by operator', at)), JSON.stringify(js.finalize('cancelled by operator', at)));
    wasm.free();
  }

  // c. one object per event.
  {
    const wasm = new TelemetryBridge(options(extra));
    const js = new JsBridge(options(extra));
    lines.forEach((line, i) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return; // not JSON: nothing to hand to observe()
      }
      same(`${name} [observe] line ${i + 1}`, JSON.stringify(attempt(() => wasm.observe(event))), JSON.stringify(attempt(() => js.observe(event))));
    });
    same(`${name} [observe]: state`, state(wasm), state(js));
    const reason = 'workflow timed out\nat step 3';
    same(`${name} [observe]: finalize`, JSON.stringify(wasm.finalize(reason)), JSON.stringify(js.finalize(reason)));
    const late = { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' };
    same(`${name} [observe]: after finalize`, JSON.stringify(wasm.observe(late)), JSON.stringify(js.observe(late)));
    same(`${name} [observe]: bad event after finalize`, JSON.stringify(attempt(() => wasm.observe({ kind: 1 }))), JSON.stringify(attempt(() => js.observe({ kind: 1 }))));
    same(`${name} [observe]: finalize again`, JSON.stringify(wasm.finalize()), JSON.stringify(js.finalize()));
    same(`${name} [observe]: state after finalize`, state(wasm), state(js));
    wasm.free();
  }
  return entries;
}

// ----------------------------------------------------------- edge cases

const e = (o) => JSON.stringify(o);
const ts = (ms) => Date.UTC(2026, 1, 5, 11) + ms;
const edge = [
  '',
  '   ',
  '\u0085', // blank for Rust's trim, not for String#trim
  '\uFEFF', // not blank for Rust's trim, blank for String#trim
  // A step of the root run named by id before its `started` (no timestamp: the clock).
  e({ kind: 'model_resolved', runId: 'r1', jobId: 'j', stepId: 'early', modelType: 'early/type' }),
  e({ kind: 'method_executing', runId: 'r1', jobId: 'j', stepId: 'early', modelName: 'mm', methodName: 'm' }),
  `${e({ kind: 'started', runId: 'r1', workflowName: 'wf-one', timestamp: '2026-02-05T13:00:00,5+02:00' })}\r`,
  e({ kind: 'started', runId: 'r1', workflowName: 'renamed', timestamp: '2026-02-05T11:00:01Z' }),
  e({ kind: 'step_completed', runId: 'r1', jobId: 'j', stepId: 'early', executor: '' }),
  // Colon names (W1), drained by finalize.
  e({ kind: 'model_resolved', jobId: 'a:b', stepId: 'c', modelType: 'ab/c', timestamp: ts(10) }),
  e({ kind: 'method_executing', jobId: 'a:b', stepId: 'c', modelName: 'x', methodName: 'm1', driver: 'raw', timestamp: ts(11) }),
  e({ kind: 'method_executing', jobId: 'a', stepId: 'b:c', modelName: 'x', methodName: 'm2', timestamp: ts(12) }),
  // Supersede (W9).
  e({ kind: 'method_executing', jobId: 'j', stepId: 'twice', modelName: 'dup', methodName: 'first', timestamp: ts(20) }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'twice', modelName: 'dup', methodName: 'second', timestamp: ts(25) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'twice', error: 'dup: token=abc123, user=ada; api_key: "k-9" done\nstack', errorType: '', userError: true, timestamp: ts(30) }),
  // Synthesised (pre-method) failures, structural failures.
  e({ kind: 'model_resolved', jobId: 'j', stepId: 'pre', modelType: 'pre/type', timestamp: ts(40) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'pre', error: 'Model not found: my-model (my-models, xmy-model) my-model.', modelName: 'my-model', methodName: '${{ inputs.method }}', driver: '', timestamp: ts(41) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'pre2', error: 'a bad apple', modelName: 'a', methodName: 'fit', timestamp: ts(42) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'structural', error: 'cycle detected', timestamp: ts(43) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'structural', error: 'empty', modelName: '', methodName: 'm', timestamp: ts(44) }),
  e({ kind: 'model_resolved', jobId: 'j', stepId: 'cleared', modelType: 'stale', timestamp: ts(45) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'cleared', timestamp: ts(46) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'cleared', error: 'x', modelName: 'y', methodName: 'z', allowedFailure: true, timestamp: ts(47) }),
  // Nested run with the same names as the outer one (W4).
  e({ kind: 'model_resolved', jobId: 'j', stepId: 's', modelType: 'outer/type', timestamp: ts(50) }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 's', modelName: 'outer', methodName: 'run', timestamp: ts(51) }),
  e({ kind: 'started', runId: 'r2', workflowName: 'inner-wf', timestamp: ts(52) }),
  e({ kind: 'model_resolved', runId: 'r2', jobId: 'j', stepId: 's', modelType: 'inner/type', timestamp: ts(53) }),
  e({ kind: 'method_executing', runId: 'r2', jobId: 'j', stepId: 's', modelName: 'inner', methodName: 'run', timestamp: ts(54) }),
  e({ kind: 'step_completed', runId: 'r2', jobId: 'j', stepId: 's', timestamp: ts(60) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 's', executor: 'worker-1', timestamp: ts(70) }),
  e({ kind: 'method_executing', runId: 'r3', jobId: 'j', stepId: 's', methodName: 'unknown-run', timestamp: ts(71) }),
  // Completion before the start (W12), fractional and offset timestamps.
  e({ kind: 'method_executing', jobId: 'j', stepId: 'backwards', methodName: 'm', timestamp: ts(100) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'backwards', timestamp: ts(90) }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'frac', methodName: 'm', timestamp: ts(200) + 0.9 }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'frac', error: 'late', timestamp: '2026-02-05T10:30:00.123456789-0030' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'epoch', methodName: 'm', timestamp: '0000-01-01T00:00:00Z' }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'epoch', timestamp: '2000-02-29t00:00:00.1z' }),
  // Unicode, control characters, empty names.
  e({ kind: 'method_executing', jobId: 'déploiement', stepId: '東京-🚀', modelName: '🚀rocket', methodName: 'lancer', timestamp: ts(300) }),
  e({ kind: 'step_failed', jobId: 'déploiement', stepId: '東京-🚀', error: '🚀rocket failed: 🚀rocket\u0001\u2028 tab\there 😀 password="hunter2"\r\nmore', timestamp: ts(310) }),
  e({ kind: 'method_executing', jobId: '', stepId: '', modelName: 'é', methodName: '', timestamp: ts(320) }),
  e({ kind: 'step_failed', jobId: '', stepId: '', error: 'éé é eé é', timestamp: ts(330) }),
  // Ignored kinds and extra fields.
  e({ kind: 'method_output', jobId: 'j', stepId: 's', line: 'token=secret', timestamp: ts(400) }),
  e({ kind: 'completed', runId: 'r1', jobs: [{ id: 'j' }], timestamp: ts(401) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'nothing-in-flight', dataHandles: [1, 2], timestamp: ts(402) }),
  // Rejected lines.
  'not json',
  '{"kind":"x",',
  '[1,2]',
  '42',
  '"started"',
  'null',
  e({ kind: 5 }),
  e({ event: 'job.lifecycle.start' }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 's' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 1, methodName: 'm' }),
  e({ kind: 'method_executing', runId: ['r'], jobId: 'j', stepId: 's', methodName: 'm' }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 's', error: 'x', userError: 'yes' }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 's', executor: {} }),
  e({ kind: 'started', runId: 'r9' }),
  e({ kind: 'x', timestamp: '2026-02-30T00:00:00Z' }),
  e({ kind: 'x', timestamp: '2026-02-05T10:00:00' }),
  e({ kind: 'x', timestamp: '2026-02-05T10:00:00+24:00' }),
  e({ kind: 'x', timestamp: '2026-02-05T25:00:00Z' }),
  e({ kind: 'x', timestamp: '2026-13-05T10:00:00Z' }),
  e({ kind: 'x', timestamp: '2026-02-05T10:00:00.Z' }),
  e({ kind: 'x', timestamp: 'yesterday' }),
  e({ kind: 'x', timestamp: 1e300 }),
  e({ kind: 'x', timestamp: true }),
  e({ kind: 'x', timestamp: { at: 1 } }),
  e({ kind: 'x', note: 'é'.repeat(400) }), // over maxLineBytes below in bytes, not in UTF-16 units
  e({ kind: 'method_executing', jobId: 'j', stepId: 'open', modelName: 'opened', methodName: 'still-running', driver: 'docker', timestamp: ts(500) }),
];

// ----------------------------------------------------- edge cases: runs

// Run boundaries on one source, compared between the two bridges (no
// expectations written here: the scenarios below have those).
const runEdge = [
  // Named before its `started`, and one without runId before any root: both
  // become the root's step, the earlier closed as superseded (W9).
  e({ kind: 'method_executing', runId: 'R1', jobId: 'j', stepId: 's', methodName: 'named-early' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'root-less' }),
  e({ kind: 'started', runId: 'R1', workflowName: 'one' }),
  e({ kind: 'started', runId: 'R1', workflowName: 'renamed' }), // re-sent: nothing
  e({ kind: 'step_completed', runId: 'R1', jobId: 'j', stepId: 's' }),
  e({ kind: 'step_started', jobId: 'j', stepId: 'host' }),
  e({ kind: 'step_started', jobId: 'j', stepId: 'host' }),
  e({ kind: 'step_started', jobId: 'j', stepId: 'host2' }),
  // Named parent: hosted by its latest free step; then nested by the
  // innermost run with a free step (N1 has none, R1 has `host`).
  e({ kind: 'started', runId: 'N1', workflowName: 'nested-one', parentRunId: 'R1' }),
  e({ kind: 'started', runId: 'N2', workflowName: 'nested-two' }),
  // A model named like a filtered key: the error is filtered first.
  e({ kind: 'method_executing', runId: 'N2', jobId: 'j', stepId: 's', modelName: 'token', methodName: 'm' }),
  e({ kind: 'step_failed', runId: 'N2', jobId: 'j', stepId: 's', error: 'token=abc123 failed; token again', modelName: 'token' }),
  e({ kind: 'method_executing', runId: 'N1', jobId: 'j', stepId: 't', methodName: 'm' }),
  e({ kind: 'step_skipped', runId: 'N1', jobId: 'j', stepId: 't' }), // running: stays open
  e({ kind: 'step_skipped', jobId: 'j', stepId: 'host2' }), // ends N1, drains `t`
  e({ kind: 'completed', runId: 'nope' }),
  e({ kind: 'step_started', runId: '', jobId: 'j', stepId: 'empty-run' }),
  e({ kind: 'method_executing', runId: '', jobId: 'j', stepId: 'empty-run', methodName: 'm' }),
  e({ kind: 'error' }), // the root ends, N2 with it
  e({ kind: 'method_executing', runId: 'R1', jobId: 'j', stepId: 'late', methodName: 'm' }),
  e({ kind: 'step_completed', runId: 'R1', jobId: 'j', stepId: 'late' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'gap', methodName: 'm' }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'gap' }),
  e({ kind: 'started', runId: 'R2', workflowName: 'two' }),
  e({ kind: 'method_executing', runId: 'R1', jobId: 'j', stepId: 'later', methodName: 'm' }),
  e({ kind: 'step_completed', runId: 'R1', jobId: 'j', stepId: 'later' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'open', methodName: 'm' }),
  e({ kind: 'started', runId: 'R1', workflowName: 'one-again' }), // abandons R2
  e({ kind: 'method_executing', runId: 'R2', jobId: 'j', stepId: 'x', methodName: 'm' }),
  e({ kind: 'model_resolved', jobId: 'j', stepId: 'typed', modelType: 't1' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'typed', methodName: 'first' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'typed', methodName: 'again' }),
  e({ kind: 'step_started', jobId: 'j', stepId: 'typed' }),
  e({ kind: 'step_started', jobId: 'j', stepId: 'idle' }),
  e({ kind: 'started', runId: 'N3', workflowName: 'nested-three', parentRunId: 'R1' }),
  e({ kind: 'method_executing', runId: 'N3', jobId: 'j', stepId: 'u', methodName: 'm' }),
  // Rejected lines of the run kinds.
  e({ kind: 'step_started', jobId: 'j' }),
  e({ kind: 'step_skipped', jobId: 'j', stepId: 3 }),
  e({ kind: 'completed', runId: 7 }),
  e({ kind: 'started', runId: 'r', workflowName: 'w', parentRunId: [] }),
  e({ kind: 'error', runId: {} }),
];

// ----------------------------------------------------- scenarios

// Hand-written streams with the run and workflow of every entry written by
// hand below (not derived from either bridge): both must give exactly these.
// Each expected line: step, runId, workflowName, outcome, completedAt in
// seconds after T0. Outcomes: ok, `error: <message>`, terminated (run ended
// around it), abandoned (the next run started before its run ended).
const T0 = Date.UTC(2026, 1, 5, 9);
const sc = (() => {
  const at = (s) => T0 + s * 1000;
  const step = (kind, extra) => (stepId, s, runId) => e({ kind, ...(runId ? { runId } : {}), jobId: 'job', stepId, ...extra(stepId), timestamp: at(s) });
  return {
    started: (runId, workflowName, s, extra = {}) => e({ kind: 'started', runId, workflowName, ...extra, timestamp: at(s) }),
    stepStarted: step('step_started', () => ({})),
    resolved: step('model_resolved', () => ({ modelType: 'command/shell' })),
    executing: step('method_executing', (id) => ({ modelName: `m-${id}`, methodName: 'run' })),
    completedStep: step('step_completed', () => ({})),
    failedStep: step('step_failed', () => ({ error: 'exit 1' })),
    skipped: step('step_skipped', () => ({})),
    completed: (s, runId) => e({ kind: 'completed', ...(runId ? { runId } : {}), timestamp: at(s) }),
    error: (s, runId) => e({ kind: 'error', ...(runId ? { runId } : {}), timestamp: at(s) }),
  };
})();
const { started, stepStarted, resolved, executing, completedStep, failedStep, skipped, completed } = sc;
const ranOk = (id, s, t, runId) => [stepStarted(id, s, runId), executing(id, s, runId), completedStep(id, t, runId)];

const scenarios = [
  {
    name: 'three runs one after another',
    events: [
      started('run-a', 'deploy', 0),
      stepStarted('a1', 1), resolved('a1', 1), executing('a1', 1), completedStep('a1', 2),
      stepStarted('a2', 3), executing('a2', 3), failedStep('a2', 4),
      completed(5),
      started('run-b', 'backup', 10),
      ...ranOk('b1', 11, 12, 'run-b'), // naming its run
      completed(13, 'run-b'),
      started('run-c', 'deploy', 20),
      ...ranOk('a1', 21, 22), // the same step name as run-a's
      completed(23),
    ],
    expected: [
      'a1 run-a deploy ok @2',
      'a2 run-a deploy error: exit 1 @4',
      'b1 run-b backup ok @12',
      'a1 run-c deploy ok @22',
    ],
    runs: 3,
    abandoned: 0,
  },
  {
    name: 'a crashed run, then more runs',
    events: [
      started('run-x', 'etl', 0),
      ...ranOk('x1', 1, 2),
      stepStarted('x2', 3), resolved('x2', 3), executing('x2', 3), // its engine dies here
      started('run-y', 'etl', 10),
      ...ranOk('y1', 11, 12),
      stepStarted('y2', 13), executing('y2', 13),
      sc.error(14), // run-y fails outside its steps
      executing('orphan', 15), completedStep('orphan', 16), // no run active
      executing('early', 17), // no run active: waits for the next root
      started('run-z', 'report', 20),
      completedStep('early', 21),
      ...ranOk('z1', 22, 23),
      completed(24),
    ],
    expected: [
      'x1 run-x etl ok @2',
      'x2 run-x etl abandoned @10',
      'y1 run-y etl ok @12',
      'y2 run-y etl terminated @14',
      'orphan   ok @16',
      'early run-z report ok @21',
      'z1 run-z report ok @23',
    ],
    runs: 3,
    abandoned: 1,
  },
  {
    name: 'runs nested by workflow-task steps',
    events: [
      started('run-p', 'release', 0),
      ...ranOk('build', 1, 2),
      stepStarted('call-tests', 3), // a workflow-task step: hosts the next run
      started('run-t', 'tests', 4),
      ...ranOk('unit', 5, 6, 'run-t'),
      stepStarted('lint', 7, 'run-t'), executing('lint', 7, 'run-t'), failedStep('lint', 8, 'run-t'),
      stepStarted('e2e', 9, 'run-t'), executing('e2e', 9, 'run-t'),
      executing('watch', 9), completedStep('watch', 9), // no runId: the root's
      completedStep('call-tests', 10), // the host ends: run-t ends, e2e drained
      ...ranOk('publish', 11, 12),
      stepStarted('call-docs', 13),
      started('run-d', 'docs', 14),
      ...ranOk('render', 15, 16, 'run-d'),
      completed(17, 'run-d'),
      ...ranOk('notify', 18, 19),
      completedStep('call-docs', 20),
      stepStarted('call-lint', 21),
      started('run-l', 'lint', 22),
      stepStarted('l1', 23, 'run-l'), executing('l1', 23, 'run-l'),
      skipped('call-lint', 24), // a skipped host ends its run too
      completed(25),
    ],
    expected: [
      'build run-p release ok @2',
      'unit run-t tests ok @6',
      'lint run-t tests error: exit 1 @8',
      'watch run-p release ok @9',
      'e2e run-t tests terminated @10',
      'publish run-p release ok @12',
      'render run-d docs ok @16',
      'notify run-p release ok @19',
      'l1 run-l lint terminated @24',
    ],
    runs: 1,
    abandoned: 0,
  },
  {
    name: 'runs nested by parentRunId',
    events: [
      started('run-m', 'main', 0),
      stepStarted('fetch', 1), resolved('fetch', 1), executing('fetch', 1), // no free workflow-task step
      started('run-s', 'sub', 2, { parentRunId: 'run-m' }),
      ...ranOk('s1', 3, 4, 'run-s'),
      stepStarted('s2', 5, 'run-s'), executing('s2', 5, 'run-s'),
      completed(6, 'run-s'),
      completedStep('fetch', 7), // run-m was not abandoned
      stepStarted('f2', 8), executing('f2', 8),
      started('run-q', 'other', 9, { parentRunId: 'run-gone' }), // not active: run-m abandoned
      ...ranOk('q1', 10, 11),
      completed(12),
    ],
    expected: [
      's1 run-s sub ok @4',
      's2 run-s sub terminated @6',
      'fetch run-m main ok @7',
      'f2 run-m main abandoned @9',
      'q1 run-q other ok @11',
    ],
    runs: 2,
    abandoned: 1,
  },
  {
    name: 'a crash inside a nested run',
    events: [
      started('run-r', 'pipeline', 0),
      stepStarted('stage', 1),
      started('run-n', 'inner', 2),
      ...ranOk('n1', 3, 4, 'run-n'),
      stepStarted('sub', 5, 'run-n'),
      started('run-nn', 'innermost', 6), // nested in run-n, the innermost with a free step
      stepStarted('deep', 7, 'run-nn'), executing('deep', 7, 'run-nn'),
      stepStarted('n2', 8, 'run-n'), executing('n2', 8, 'run-n'),
      sc.error(9, 'run-n'), // run-n crashes: it and run-nn end, their invocations drained
      ...ranOk('r2', 10, 11),
      failedStep('stage', 12), // structural: no entry
      stepStarted('stage2', 13),
      started('run-k', 'inner', 14),
      stepStarted('k1', 15, 'run-k'), executing('k1', 15, 'run-k'),
      stepStarted('r3', 16), executing('r3', 16),
      started('run-next', 'pipeline', 20), // no free step anywhere: run-r and run-k abandoned
      ...ranOk('x', 21, 22),
      completed(23),
    ],
    expected: [
      'n1 run-n inner ok @4',
      'deep run-nn innermost terminated @9',
      'n2 run-n inner terminated @9',
      'r2 run-r pipeline ok @11',
      'k1 run-k inner abandoned @20',
      'r3 run-r pipeline abandoned @20',
      'x run-next pipeline ok @22',
    ],
    runs: 2,
    abandoned: 2,
  },
];

/** One entry as a scenario's expectation spells it. */
function describe(entry) {
  const w = entry.workflowContext;
  const message = entry.result.errorMessage;
  const outcome = entry.result.status === 'success' ? 'ok'
    : message === TERMINATED ? 'terminated'
      : message === ABANDONED ? 'abandoned'
        : `error: ${message}`;
  return `${w.stepName} ${w.runId} ${w.workflowName} ${outcome} @${(Date.parse(entry.completedAt) - T0) / 1000}`;
}

function expectSame(label, expected, actual) {
  compared++;
  if (expected === actual) return;
  failures++;
  console.error(`MISMATCH ${label}\n  expected: ${expected.replaceAll('\n', ' | ')}\n  actual:   ${actual.replaceAll('\n', ' | ')}`);
}

/** Both bridges give the hand-written runs, workflows and outcomes, in order. */
function checkScenario({ name, events, expected, runs, abandoned }) {
  for (const [label, Bridge] of [['wasm', TelemetryBridge], ['JsBridge', JsBridge]]) {
    const b = new Bridge(options());
    const r = b.observeNdjson(events.join('\n'));
    const closed = r.entries.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const open = b.finalize();
    expectSame(`scenario "${name}" [${label}]: entries`, expected.join('\n'), [...closed, ...open].map(describe).join('\n'));
    expectSame(`scenario "${name}" [${label}]: lines`, `${events.length} accepted, 0 errors`, `${r.accepted} accepted, ${r.errors.length} errors`);
    const s = b.stats();
    expectSame(`scenario "${name}" [${label}]: runs`, `runs ${runs}, abandoned ${abandoned}`, `runs ${s.runs}, abandoned ${s.abandoned}`);
    b.free();
  }
  console.log(`scenario "${name}": ${expected.length} entries, runs and workflows as written by hand`);
}

// ------------------------------------------------------------------ run

const inputs = [
  ['bench stream 20x50', swampStream({ runs: 20, steps: 50 }).join('\n'), {}],
  [`bench stream ${config.stream.runs}x${config.stream.steps} (bench config)`, swampStream(config.stream).join('\n'), {}],
  ['bench stream 10x30, 50% failures', swampStream({ runs: 10, steps: 30, failRate: 0.5, seed: 7 }).join('\n'), {}],
  ['www/samples/swamp-deploy.ndjson', readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8'), {}],
  ['www/samples/hostile-names.ndjson', readFileSync(join(ROOT, 'www', 'samples', 'hostile-names.ndjson'), 'utf8'), {}],
  ['edge cases', edge.join('\n'), {
    maxLineBytes: 700,
    invocationContext: { detectedAiTool: 'claude', isInteractive: false, agentSessionDetected: true, configuredAiTools: [] },
  }],
  ['edge cases, no parent, random ids', edge.join('\n'), { parentInvocationId: '', idGenerator: () => '' }],
  ['edge cases: runs', runEdge.join('\n'), {}],
  ...scenarios.map((s) => [`scenario: ${s.name}`, s.events.join('\n'), {}]),
];

for (const [name, text, extra] of inputs) {
  if (extra.idGenerator) {
    // Random ids cannot match: compare with the ids blanked out.
    checkRandomIds(name, text, extra);
  } else {
    check(name, text, extra);
  }
}

/** Both bridges fall back to random UUID v4 ids; everything else must match. */
function checkRandomIds(name, text, extra) {
  const wasm = new TelemetryBridge(options(extra));
  const js = new JsBridge(options(extra));
  const w = wasm.observeNdjson(text).entries;
  const j = js.observeNdjson(text).entries;
  const uuid = /"id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"/g;
  const count = (s) => (s.match(uuid) || []).length;
  same(`${name}: every id is a UUID v4`, count(w) === w.split('\n').length - 1, count(j) === j.split('\n').length - 1);
  same(`${name}: entries apart from ids`, w.replace(uuid, '"id":"<uuid>"'), j.replace(uuid, '"id":"<uuid>"'));
  console.log(`${name}: ${count(j)} entries with random ids`);
  wasm.free();
}

for (const scenario of scenarios) checkScenario(scenario);

// Option and argument errors.
for (const bad of [undefined, [], {}, { parentInvocationId: 1 }, { parentInvocationId: 'p', clock: 1 },
  { parentInvocationId: 'p', maxLineBytes: 0 }, { parentInvocationId: 'p', invocationContext: { isInteractive: true } }]) {
  same(`options ${JSON.stringify(bad)}`, JSON.stringify(attempt(() => new TelemetryBridge(bad) && 'ok')), JSON.stringify(attempt(() => new JsBridge(bad) && 'ok')));
}
for (const [reason, at] of [[1, undefined], [undefined, 'soon'], [undefined, {}], [undefined, Number.NaN], ['', '2026-02-05T10:00:00Z']]) {
  const wasm = new TelemetryBridge(options());
  const js = new JsBridge(options());
  wasm.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
  js.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
  same(`finalize(${reason}, ${at})`, JSON.stringify(attempt(() => wasm.finalize(reason, at))), JSON.stringify(attempt(() => js.finalize(reason, at))));
  wasm.free();
}

if (failures) {
  console.error(`FAIL: ${failures} of ${compared} comparisons differ`);
  process.exit(1);
}
console.log(`OK: ${compared} comparisons, wasm and JsBridge byte-identical` +
  ' (invalid_json messages normalised: serde_json and JSON.parse word them differently)');

// ------------------------------------------------------------- timing

if (process.argv.includes('--time')) {
  const text = swampStream(config.stream).join('\n');
  const best = (make) => {
    let ms = Infinity;
    for (let i = 0; i < config.repetitions; i++) {
      const b = make();
      const t0 = process.hrtime.bigint();
      b.observeNdjson(text);
      ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
      b.free();
    }
    return ms;
  };
  const wasmMs = best(() => new TelemetryBridge(options()));
  const jsMs = best(() => new JsBridge(options()));
  console.log(`timing (one process, best of ${config.repetitions}, noisy): observeNdjson on ${text.split('\n').length} events:` +
    ` wasm ${wasmMs.toFixed(1)} ms, JsBridge ${jsMs.toFixed(1)} ms (wasm/js ${(wasmMs / jsMs).toFixed(2)}x)`);
}
