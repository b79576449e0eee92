// observe(object), the path engines call once per event, from the packed
// package: the event's fields cross without JSON (src/wasm/read_event.js),
// so each scenario here is one JSON would have hidden or changed: non-finite
// timestamps, Dates, non-ASCII and long strings, getters (throwing, or calling
// back into wasm and growing its memory), wrong types, keys it never reads,
// and the shared empty result. Expected values are written out by hand.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
let api;
let slim;

before(() => {
  const pkg = installPacked();
  api = pkg.require('workflow-telemetry');
  slim = pkg.require('workflow-telemetry/bridge');
});

const bridge = () => new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id' });
const exec = (extra = {}) => ({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', ...extra });
const done = (extra = {}) => ({ kind: 'step_completed', jobId: 'j', stepId: 's', ...extra });

function refused(fn) {
  try {
    fn();
  } catch (e) {
    return { name: e.name, field: e.field, message: e.message };
  }
  return assert.fail('not refused');
}

test('a non-finite timestamp is an EventError naming timestamp, and nothing is applied', () => {
  for (const timestamp of [NaN, Infinity, -Infinity]) {
    const b = bridge();
    const e = refused(() => b.observe(exec({ timestamp })));
    assert.equal(e.name, 'EventError');
    assert.equal(e.field, 'timestamp');
    assert.match(e.message, /finite/);
    assert.equal(b.inFlight, 0, `${timestamp}: the method did not start`);
  }
});

test('a field of the wrong type is an EventError naming that field', () => {
  const cases = [
    [exec({ jobId: 5 }), 'jobId', /jobId: expected a string, got number/],
    [exec({ stepId: ['s'] }), 'stepId', /got array/],
    [exec({ methodName: { name: 'm' } }), 'methodName', /got object/],
    [exec({ kind: 7 }), 'kind', /kind: expected a string/],
    [{ kind: 'step_failed', jobId: 'j', stepId: 's', error: 'x', userError: 'yes' }, 'userError', /expected a boolean, got string/],
    [exec({ timestamp: true }), 'timestamp', /got boolean/],
    [exec({ jobId: NaN }), 'jobId', /got number/],
  ];
  for (const [event, field, message] of cases) {
    const e = refused(() => bridge().observe(event));
    assert.deepEqual([e.name, e.field], ['EventError', field], JSON.stringify(event));
    assert.match(e.message, message);
  }
  assert.equal(refused(() => bridge().observe('nope')).name, 'EventError');
  assert.equal(refused(() => bridge().observe(null)).name, 'EventError');
});

test('what JSON would turn into a string still is one: a Date timestamp reads as its ISO text', () => {
  const b = bridge();
  assert.deepEqual(b.observe(exec({ timestamp: new Date(Date.UTC(2026, 1, 5, 10, 0, 0)) })), []);
  const [entry] = b.observe(done({ timestamp: new Date(Date.UTC(2026, 1, 5, 10, 0, 1, 250)) }));
  assert.equal(entry.startedAt, '2026-02-05T10:00:00.000Z');
  assert.equal(entry.completedAt, '2026-02-05T10:00:01.250Z');
  assert.equal(entry.durationMs, 1250);
});

test('non-ASCII, astral and long strings arrive whole', () => {
  const b = bridge();
  const ids = { jobId: 'ジョブ-1', stepId: 'déployer-🚀-eu' };
  b.observe(exec({ ...ids, timestamp: 1 }));
  const failure = `${'x'.repeat(300_000)} — échec 💥`;
  const [entry] = b.observe({ kind: 'step_failed', ...ids, error: failure, errorType: 'DéployError', timestamp: 2 });
  assert.equal(entry.workflowContext.jobName, 'ジョブ-1');
  assert.equal(entry.workflowContext.stepName, 'déployer-🚀-eu');
  assert.equal(entry.result.status, 'error');
  assert.equal(entry.result.errorType, 'DéployError');
  assert.ok(entry.result.errorMessage.endsWith('— échec 💥'), entry.result.errorMessage.slice(-40));
  // The buffer grew for that event; a small one after it is read as well.
  b.observe(exec({ stepId: 'after', timestamp: 3 }));
  assert.equal(b.observe(done({ stepId: 'after', timestamp: 4 }))[0].workflowContext.stepName, 'after');
});

test('every getter runs once, even for an event larger than the reader\'s buffer', () => {
  const b = bridge();
  let calls = 0;
  b.observe(exec({ timestamp: 1 }));
  const big = {
    kind: 'step_failed', jobId: 'j', stepId: 's', timestamp: 2,
    get error() { calls += 1; return `${'é'.repeat(3_000_000)} end`; },
  };
  const [entry] = b.observe(big);
  assert.equal(calls, 1);
  assert.ok(entry.result.errorMessage.endsWith(' end'));
  b.observe(exec({ stepId: 'next', timestamp: 3 }));
  assert.equal(b.observe(done({ stepId: 'next', timestamp: 4 }))[0].workflowContext.stepName, 'next');
});

test('a lone surrogate is refused as the JSON path refuses it, and nothing is applied', () => {
  const b = bridge();
  for (const jobId of ['\ud800', 'a\udc00b']) {
    const e = refused(() => b.observe(exec({ jobId })));
    assert.equal(e.name, 'EventError');
    assert.equal(b.inFlight, 0);
    const report = bridge().observeNdjson(`${JSON.stringify(exec({ jobId }))}\n`);
    assert.equal(report.errors.length, 1, 'observeNdjson refuses the same event');
  }
});

test('values JSON turns into others go through JSON: a boxed string from another realm, a NaN timestamp still refused', async () => {
  const { runInNewContext } = await import('node:vm');
  const b = bridge();
  b.observe(exec({ jobId: runInNewContext('new String("j2")'), timestamp: 1 }));
  const [entry] = b.observe(done({ jobId: 'j2', timestamp: 2 }));
  assert.equal(entry.workflowContext.jobName, 'j2');
  // The Date sends this event through JSON, which would make NaN null: still refused.
  const e = refused(() => b.observe(exec({ timestamp: NaN, driver: new Date(0) })));
  assert.deepEqual([e.name, e.field], ['EventError', 'timestamp']);
});

test('a getter that throws gives an error naming the event, and the bridge goes on', () => {
  const b = bridge();
  const bad = { kind: 'method_executing', stepId: 's', methodName: 'm', get jobId() { throw new Error('boom'); } };
  const e = refused(() => b.observe(bad));
  assert.equal(e.field, 'event');
  b.observe(exec({ timestamp: 1 }));
  assert.equal(b.observe(done({ timestamp: 2 })).length, 1);
});

test('a getter that calls into wasm and grows its memory: the event is still read right', () => {
  const b = bridge();
  const other = new api.RunModel();
  let grown = 0;
  b.observe(exec({ timestamp: 1 }));
  // userError is written as a tag alone: were the write lost to a detached
  // view of memory, the failure would read as a plain error.
  let calls = 0;
  const failed = {
    kind: 'step_failed', jobId: 'j', stepId: 's', error: 'bad input', timestamp: 2,
    get userError() {
      calls += 1;
      const before = api.wasmMemoryBytes();
      // A text larger than all of wasm memory, copied in through another
      // object: memory grows, and every view of the old memory is detached.
      other.ingestNdjson('y'.repeat(before + (1 << 20)));
      grown = api.wasmMemoryBytes() - before;
      return true;
    },
  };
  const [entry] = b.observe(failed);
  assert.ok(grown > 0, 'memory grew during the read');
  assert.equal(entry.result.status, 'user_error');
  assert.equal(calls, 1, 'read once, by the reader itself (JSON.stringify would have run the getter again)');
});

test('fields of kinds the bridge does not act on are not read, whatever they hold', () => {
  const b = bridge();
  let read = 0;
  const output = { kind: 'method_output', jobId: 5, line: 'l', get stepId() { read += 1; return 's'; }, big: 10n };
  assert.deepEqual(b.observe(output), []);
  assert.equal(read, 0);
  assert.deepEqual(b.observe({ kind: 'job_started', jobId: ['j'] }), []);
  assert.deepEqual(b.stats().events, 2);
});

test('inherited fields are read, as event.kind reads them (JSON.stringify would drop them)', () => {
  class Executing {
    get kind() { return 'method_executing'; }
    get jobId() { return 'j'; }
    get stepId() { return 's'; }
    get methodName() { return 'm'; }
  }
  const b = bridge();
  b.observe(new Executing());
  assert.equal(b.inFlight, 1);
});

test('nothing closed: one shared, frozen empty array', () => {
  const b = bridge();
  const first = b.observe({ kind: 'job_started', jobId: 'j' });
  const second = b.observe(exec());
  assert.equal(first, second);
  assert.ok(Object.isFrozen(first));
  assert.throws(() => first.push({}), TypeError);
  assert.equal(b.observe(done()).length, 1, 'a call that closes something gets its own array');
  assert.deepEqual(b.observe({ kind: 'job_started' }), []);
});

test('the samples through observe(object) give what observeNdjson gives: entries, and the lines refused', () => {
  for (const name of ['swamp-deploy', 'hostile-names']) {
    const text = readFileSync(join(ROOT, 'www', 'samples', `${name}.ndjson`), 'utf8');
    const viaObjects = bridge();
    const objects = [];
    const refusedLines = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        refusedLines.push(i + 1);
        return;
      }
      try {
        objects.push(...viaObjects.observe(event));
      } catch (e) {
        assert.equal(e.name, 'EventError');
        refusedLines.push(i + 1);
      }
    });
    const report = bridge().observeNdjson(text);
    const lines = report.entries.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(objects, lines, name);
    assert.deepEqual(refusedLines, report.errors.map((e) => e.line), name);
    assert.ok(objects.length > 0);
  }
});

test('the full and the bridge-only builds in one process, event by event in turn: each reads its own events', () => {
  // They share the reader's JS module (one file for both), each with its own memory.
  const text = readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8');
  const events = text.trim().split('\n').map((l) => JSON.parse(l));
  const full = bridge();
  const small = new slim.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id' });
  const a = [];
  const b = [];
  for (const e of events) {
    a.push(...full.observe(e));
    b.push(...small.observe(e));
  }
  const steps = (list) => list.map((x) => `${x.workflowContext.stepName}:${x.result.status}`);
  const expected = ['compile:success', 'lint:error', 'rollout-eu-west:error', 'rollout-us:east:success',
    'verify:user_error', 'rollout-us:east:success', 'smoke-test:error'];
  assert.deepEqual(steps(a), expected);
  assert.deepEqual(steps(b), expected);
});

test('the two builds nested: a getter of one build\'s event drives the other build', () => {
  const full = bridge();
  const small = new slim.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id' });
  small.observe(exec({ jobId: 'inner', timestamp: 1 }));
  let inner;
  const outer = {
    kind: 'method_executing', stepId: 's', methodName: 'm', timestamp: 1,
    get jobId() {
      // The reader's module is shared: this call reads and writes into the other instance's memory.
      inner = small.observe(done({ jobId: 'inner', timestamp: 2 }));
      return 'outer';
    },
  };
  full.observe(outer);
  assert.equal(inner[0].workflowContext.jobName, 'inner');
  const [entry] = full.observe(done({ jobId: 'outer', timestamp: 3 }));
  assert.equal(entry.workflowContext.jobName, 'outer');
  assert.equal(full.inFlight, 0);
});

test('a getter that throws leaves nothing behind for the next event: its getters run once, its fields its own', () => {
  for (const make of [() => bridge(), () => new slim.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id' })]) {
    const b = make();
    assert.throws(() => b.observe({ kind: 'started', timestamp: 0, runId: 'r2', parentRunId: {}, get workflowName() { throw new Error('boom'); } }));
    let reads = 0;
    b.observe({ kind: 'started', runId: 'r', workflowName: 'wf', timestamp: 0 });
    b.observe({ kind: 'step_started', runId: 'r', get jobId() { reads += 1; return 'j'; }, stepId: 's', timestamp: 0 });
    assert.equal(reads, 1);
    b.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', timestamp: 1 });
    const [e] = b.observe({ kind: 'step_completed', jobId: 'j', stepId: 's', timestamp: 2 });
    assert.equal(e.workflowContext.runId, 'r');
  }
});

test('a boxed primitive is not an event object, as JSON says', () => {
  const b = bridge();
  const boxed = Object.assign(new String('x'), { kind: 'started', runId: 'r', workflowName: 'wf', timestamp: 0 });
  assert.throws(() => b.observe(boxed), (e) => e.name === 'EventError');
  assert.equal(b.stats().runs, 0);
});
