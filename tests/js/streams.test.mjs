// Streams through the packed package, as a user would feed them: the CLI on
// a file of several runs, one TelemetryBridge and one RunModel over many
// runs, producers on their own sources, a run whose engine died, input
// pushed in chunks cut anywhere. The expected run of every entry is written
// from the scenario.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installPacked } from './pack.mjs';

let pkg;
let api;
before(() => {
  pkg = installPacked();
  api = pkg.require('workflow-telemetry');
});

const T0 = Date.parse('2026-02-05T10:00:00.000Z');
const line = (o) => JSON.stringify(o);

/** A run of two method steps; `crash`: the engine dies during the second. */
function run(runId, workflowName, t, { crash = false } = {}) {
  const ev = [{ kind: 'started', runId, workflowName, timestamp: t }];
  for (const [i, stepId] of ['compile', 'test'].entries()) {
    const s = { jobId: 'build', stepId };
    ev.push({ kind: 'step_started', ...s, timestamp: t + 10 * i + 1 });
    ev.push({ kind: 'method_executing', ...s, methodName: stepId, modelName: 'm', timestamp: t + 10 * i + 2 });
    if (crash && i === 1) return ev;
    ev.push({ kind: 'step_completed', ...s, timestamp: t + 10 * i + 5 });
  }
  ev.push({ kind: 'completed', runId, timestamp: t + 30 });
  return ev;
}

const ndjson = (events) => `${events.map(line).join('\n')}\n`;
const rows = (entries) => entries.map((e) => [e.workflowContext.runId, e.workflowContext.workflowName, e.workflowContext.stepName, e.result.status]);

test('the CLI gives each run of a file its own entries; a crashed run is abandoned', () => {
  const events = [...run('r1', 'wf-one', T0), ...run('r2', 'wf-two', T0 + 100, { crash: true }), ...run('r3', 'wf-three', T0 + 200)];
  const file = join(pkg.project, 'three.ndjson');
  writeFileSync(file, ndjson(events));
  const r = spawnSync(pkg.bin, ['--parent-invocation-id', 'P', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows(entries), [
    ['r1', 'wf-one', 'compile', 'success'],
    ['r1', 'wf-one', 'test', 'success'],
    ['r2', 'wf-two', 'compile', 'success'],
    ['r2', 'wf-two', 'test', 'error'],
    ['r3', 'wf-three', 'compile', 'success'],
    ['r3', 'wf-three', 'test', 'success'],
  ]);
  assert.match(entries[3].result.errorMessage, /^workflow run abandoned/);
  assert.equal(entries[3].completedAt, new Date(T0 + 200).toISOString(), 'drained when r3 started');
  // The same as one JSON array, and from stdin.
  const array = spawnSync(pkg.bin, ['--parent-invocation-id', 'P'], { input: JSON.stringify(events), encoding: 'utf8' });
  assert.equal(array.status, 0, array.stderr);
  assert.deepEqual(rows(array.stdout.trim().split('\n').map((l) => JSON.parse(l))), rows(entries));
});

test('one TelemetryBridge over 50 runs pushed in chunks cut anywhere', () => {
  const events = [];
  for (let i = 0; i < 50; i++) events.push(...run(`run-${i}`, `wf-${i % 3}`, T0 + i * 100, { crash: i % 7 === 3 }));
  const text = ndjson(events);
  const bridge = new api.TelemetryBridge({ parentInvocationId: 'P', idGenerator: () => 'id' });
  let out = '';
  let errors = [];
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += 997) {
    const r = bridge.pushNdjson(bytes.subarray(at, at + 997));
    out += r.entries;
    errors = errors.concat(r.errors);
  }
  out += bridge.endNdjson().entries;
  assert.deepEqual(errors, []);
  const entries = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(entries.length, 100, 'one entry per method_executing');
  for (const [k, e] of entries.entries()) {
    const i = Math.floor(k / 2);
    assert.equal(e.workflowContext.runId, `run-${i}`);
    assert.equal(e.workflowContext.workflowName, `wf-${i % 3}`);
  }
  const stats = bridge.stats();
  assert.equal(stats.runs, 50);
  assert.equal(stats.abandoned, 7);
  assert.deepEqual(bridge.observeNdjson(text).entries.split('\n').length, 101, 'the whole text at once: the same');
});

test('RunModel: producers on their own sources, interleaved, and pages of runs', () => {
  const model = new api.RunModel({ idGenerator: () => 'e' });
  const a = [...run('a1', 'wf-a', T0), ...run('a2', 'wf-a', T0 + 100, { crash: true }), ...run('a3', 'wf-a', T0 + 200)];
  const b = [...run('b1', 'wf-b', T0 + 5), ...run('b2', 'wf-b', T0 + 105)];
  let delivered = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) delivered += model.ingestNdjson(line(a[i]), { source: 'engine-a', entries: true }).entries.length;
    if (b[i]) delivered += model.ingestNdjson(line(b[i]), { source: 'engine-b', entries: true }).entries.length;
  }
  assert.equal(delivered, 10);
  const page = model.runs({ order: 'oldest' });
  assert.deepEqual(page.runs.map((r) => [r.id, r.status, r.parentRun ?? null, r.source, r.steps.length]), [
    ['a1', 'completed', null, 'engine-a', 2],
    ['b1', 'completed', null, 'engine-b', 2],
    ['a2', 'abandoned', null, 'engine-a', 2],
    ['b2', 'completed', null, 'engine-b', 2],
    ['a3', 'completed', null, 'engine-a', 2],
  ]);
  assert.equal(model.run('a2').error.class, 'abandoned');
  const onlyB = model.runs({ source: 'engine-b', limit: 1 });
  assert.deepEqual([onlyB.runs[0].id, onlyB.total], ['b2', 2]);
  const next = model.runs({ source: 'engine-b', limit: 1, cursor: onlyB.nextCursor });
  assert.deepEqual([next.runs[0].id, next.nextCursor], ['b1', null]);
  assert.deepEqual(model.runs({ status: 'abandoned' }).runs.map((r) => r.id), ['a2']);
  assert.throws(() => model.runs({ status: 'nope' }), { name: 'ArgumentError' });
});

test('RunModel: retention, stalls and arrival time', () => {
  let now = T0;
  const model = new api.RunModel({ maxRuns: 3, stallAfterMs: 60_000, clock: () => now });
  for (let i = 0; i < 10; i++) model.ingestNdjson(ndjson(run(`r${i}`, 'wf', T0 + i * 100)));
  assert.equal(model.runCount, 3);
  assert.deepEqual(model.evicted, { runs: 7, steps: 14, unfinished: 0, violations: 0 });
  const metrics = model.exportMetrics();
  assert.match(metrics, /^workflow_runs_total\{workflow="wf",status="completed"\} 10$/m);
  assert.match(metrics, /^workflow_runs_evicted_total 7$/m);
  // No timestamps: stamped on arrival by the clock; silent too long: stalled.
  const quiet = new api.RunModel({ clock: () => now, stallAfterMs: 60_000 });
  quiet.ingest({ kind: 'started', runId: 'q', workflowName: 'wf' }, { source: 'live' });
  now += 1500;
  quiet.ingest({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' }, { source: 'live' });
  now += 500;
  quiet.ingest({ kind: 'step_completed', jobId: 'j', stepId: 's' }, { source: 'live' });
  let q = quiet.run('q');
  assert.equal(q.startedAt, new Date(T0).toISOString());
  assert.equal(q.steps[0].durationMs, 500);
  assert.equal(q.stalled, undefined);
  now += 61_000;
  q = quiet.run('q');
  assert.equal(q.stalled, true);
  assert.equal(q.status, 'running');
});
