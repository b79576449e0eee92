// RunModel.ingest(object) reads the object's members without JSON text of
// the whole event (src/wasm/read_event.js `readObject`): each scenario is one
// where reading an object differs from reading a line. Every bundled sample
// fed object by object must map to the runs written out by hand; the rest
// are the edges: non-finite timestamps, NaN elsewhere, nested payloads,
// values JSON leaves out, Dates and class instances, getters, BigInts, lone
// surrogates, a large event, and nothing applied of a refused one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';

const SAMPLES = resolve(import.meta.dirname, '..', '..', 'www', 'samples');
let RunModel;

before(() => {
  RunModel = installPacked().require('workflow-telemetry').RunModel;
});

const lines = (file) => readFileSync(join(SAMPLES, file), 'utf8').split('\n').filter((l) => l.trim());
const refused = (fn) => {
  try {
    fn();
  } catch (e) {
    return { name: e.name, field: e.field, message: e.message };
  }
  assert.fail('expected an IngestError');
};

test('each sample ingested object by object: the runs by hand, the same snapshot as its NDJSON, no secret', () => {
  const expectations = {
    'swamp-deploy.ndjson': [['run-7f3a', 'swamp', 'cancelled', 7], ['run-nested-1', 'swamp', 'failed', 1]],
    'orchestrator-build.ndjson': [['job-4821', 'orchestrator', 'failed', 4]],
    'tasker-checkout.ndjson': [['4812', 'tasker', 'completed', 4]],
  };
  for (const [file, expected] of Object.entries(expectations)) {
    const byObject = new RunModel({ clock: () => 0, idGenerator: () => 'id' });
    for (const line of lines(file)) byObject.ingest(JSON.parse(line));
    const snap = byObject.snapshot();
    assert.deepEqual(snap.runs.map((r) => [r.id, r.dialect, r.status, r.steps.length]), expected, file);
    const byText = new RunModel({ clock: () => 0, idGenerator: () => 'id' });
    assert.deepEqual(byText.ingestNdjson(lines(file).join('\n')).errors, [], file);
    assert.deepEqual(snap, byText.snapshot(), file);
    const text = JSON.stringify(snap);
    for (const secret of ['ghp_s3cr3t', 'hunter2', 'tok_live_SECRET123', 'ada@example.com']) {
      assert.ok(!text.includes(secret), `${secret} leaked from ${file}`);
    }
  }
});

test('a non-finite timestamp is an IngestError naming it, and nothing of the event is applied', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const m = new RunModel();
    m.ingest({ event: 'job.lifecycle.enqueue', job_id: 'j', timestamp: 0 });
    const before = JSON.stringify(m.snapshot());
    const e = refused(() => m.ingest({ event: 'job.lifecycle.start', job_id: 'j', timestamp: bad }));
    assert.equal(e.name, 'IngestError');
    assert.equal(e.field, 'timestamp');
    assert.match(e.message, /finite/);
    assert.equal(JSON.stringify(m.snapshot()), before);
  }
  // Tasker's instants too.
  const m = new RunModel();
  const e = refused(() => m.ingest({ event: 'task.start_requested', task_id: 1, task_name: 't', started_at: NaN, timestamp: 0 }));
  assert.equal(e.field, 'started_at');
});

test('NaN where a number is optional reads as JSON would carry it (null), not as an error', () => {
  const m = new RunModel();
  m.ingest({ event: 'step.initialize_requested', task_id: 7, step_id: 1, step_name: 's', attempt_number: NaN, timestamp: 0 });
  m.ingest({ event: 'step.enqueue_requested', task_id: 7, step_id: 1, step_name: 's', timestamp: 5 });
  const run = m.run('7');
  assert.deepEqual(run.steps.map((s) => [s.id, s.attempts.length]), [['s', 1]]);
});

test('members JSON leaves out are left out; nested payloads arrive whole; numeric ids are spelled as JSON spells them', () => {
  const m = new RunModel();
  const hidden = { event: 'task.initialize_requested', task_id: 4812, task_name: 'checkout', timestamp: '2026-02-05T14:30:00.000Z' };
  Object.defineProperty(hidden, 'correlation_id', { value: 'not-enumerable', enumerable: false });
  const event = Object.assign(Object.create({ inherited: 'x' }), hidden, {
    skipped: undefined,
    fn() {},
    [Symbol('s')]: 1,
    task_context: { cart_id: 'c1', nested: [1, { deep: true }], when: new Date(0) },
  });
  m.ingest(event);
  const run = m.run('4812');
  assert.equal(run.name, 'checkout');
  assert.equal(run.correlationId, undefined);
  // Ids are spelled as JSON.stringify spells the number (which NDJSON from
  // that engine would carry), not as the float's exact integer.
  for (const [id, spelled] of [[2 ** 60, '1152921504606847000'], [-(2 ** 63), '-9.223372036854776e+18'], [1e21, '1e+21'], [12, '12'], [-0, '0']]) {
    const big = new RunModel();
    big.ingest({ event: 'job.lifecycle.enqueue', job_id: id, timestamp: 0 });
    const text = new RunModel();
    text.ingestNdjson(JSON.stringify({ event: 'job.lifecycle.enqueue', job_id: id, timestamp: 0 }));
    assert.deepEqual(big.snapshot().runs.map((r) => r.id), [spelled], String(id));
    assert.deepEqual(text.snapshot().runs.map((r) => r.id), [spelled], String(id));
  }
});

test('NaN in a swamp field reads as null, as in NDJSON: an optional parentRunId is absent, a flag false', () => {
  const m = new RunModel({ clock: () => 0, idGenerator: () => 'id' });
  m.ingest({ kind: 'started', runId: 'r', workflowName: 'w', parentRunId: NaN, timestamp: 0 });
  m.ingest({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', timestamp: 1 });
  m.ingest({ kind: 'step_failed', jobId: 'j', stepId: 's', error: 'boom', userError: NaN, timestamp: 2 });
  const text = new RunModel({ clock: () => 0, idGenerator: () => 'id' });
  assert.deepEqual(text.ingestNdjson([
    '{"kind":"started","runId":"r","workflowName":"w","parentRunId":null,"timestamp":0}',
    '{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":1}',
    '{"kind":"step_failed","jobId":"j","stepId":"s","error":"boom","userError":null,"timestamp":2}',
  ].join('\n')).errors, []);
  assert.deepEqual(m.snapshot(), text.snapshot());
  assert.deepEqual(m.snapshot().runs.map((r) => [r.id, r.parentRun, r.steps[0].status]), [['r', undefined, 'failed']]);
  // A missing required string is "missing", not a wrong type.
  const e = refused(() => m.ingest({ kind: 'started', runId: NaN, workflowName: 'w', timestamp: 0 }));
  assert.equal(e.field, 'runId');
  assert.match(e.message, /missing/);
});

test('a boxed primitive as the event, and a payload one level too deep, are refused as on the JSON path', () => {
  const m = new RunModel();
  const boxed = Object.assign(new String('x'), { event: 'job.lifecycle.enqueue', job_id: 'j', timestamp: 0 });
  assert.equal(refused(() => m.ingest(boxed)).field, 'event');
  let deep = {};
  for (let i = 0; i < 126; i++) deep = { d: deep };
  // The event's object, then 127 levels: 128 in all, the JSON path's limit.
  m.ingest({ event: 'job.lifecycle.enqueue', job_id: 'ok', timestamp: 0, payload: deep });
  assert.equal(refused(() => m.ingest({ event: 'job.lifecycle.enqueue', job_id: 'deep', timestamp: 0, payload: { d: deep } })).field, 'event');
  assert.deepEqual(m.snapshot().runs.map((r) => r.id), ['ok']);
});

test('Dates, boxed values and class instances as members: read as JSON reads them', () => {
  const m = new RunModel();
  m.ingest({ event: 'job.lifecycle.enqueue', job_id: new String('boxed'), timestamp: new Date(Date.UTC(2026, 1, 5, 11)) });
  m.ingest({ event: 'job.lifecycle.start', job_id: 'boxed', timestamp: '2026-02-05T11:00:02.000Z' });
  const run = m.run('boxed');
  assert.equal(run.status, 'running');
  assert.equal(run.queuedAt, '2026-02-05T11:00:00.000Z');
  assert.equal(run.startedAt, '2026-02-05T11:00:02.000Z');
  class Payload {
    constructor() {
      this.reason = 'push';
    }
  }
  m.ingest({ event: 'job.lifecycle.enqueue', job_id: 'k', timestamp: 0, payload: new Payload() });
  assert.equal(m.run('k').status, 'queued');
});

test('getters run once; a getter that throws, a BigInt, a cycle or a lone surrogate is an unreadable event', () => {
  const m = new RunModel();
  let reads = 0;
  m.ingest({
    event: 'job.lifecycle.enqueue',
    get job_id() {
      reads += 1;
      return 'g';
    },
    timestamp: 0,
  });
  assert.equal(reads, 1);
  assert.ok(m.run('g'));
  const cycle = { event: 'job.lifecycle.enqueue', job_id: 'c', timestamp: 0, payload: {} };
  cycle.payload.self = cycle.payload;
  const cases = [
    { event: 'job.lifecycle.enqueue', get job_id() { throw new Error('boom'); } },
    { event: 'job.lifecycle.enqueue', job_id: 'b', timestamp: 0, n: 1n },
    cycle,
    { event: 'job.lifecycle.enqueue', job_id: 'x\ud800', timestamp: 0 },
    { event: 'job.lifecycle.enqueue', job_id: 'y', timestamp: 0, payload: { k: '\udc00' } },
  ];
  for (const event of cases) {
    const e = refused(() => m.ingest(event));
    assert.deepEqual([e.name, e.field], ['IngestError', 'event']);
  }
  assert.deepEqual(m.snapshot().runs.map((r) => r.id), ['g']);
});

test('an event larger than the reader\'s buffer, and a wrong type named by its field', () => {
  const m = new RunModel();
  const reason = 'r'.repeat(3_000_000) + 'é';
  m.ingest({ event: 'job.lifecycle.enqueue', job_id: 'large', reason, timestamp: 0 });
  m.ingest({ event: 'job.lifecycle.enqueue', job_id: 'after', timestamp: 1 });
  assert.deepEqual(m.snapshot().runs.map((r) => r.id).sort(), ['after', 'large']);
  const e = refused(() => m.ingest({ event: 'job.lifecycle.start', job_id: true, timestamp: 0 }));
  assert.equal(e.field, 'job_id');
  assert.throws(() => m.ingest('not an object'), { name: 'IngestError' });
});
