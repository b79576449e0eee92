// Faults in the host's sink never reach the workflow: a sink that throws,
// rejects, hangs or returns garbage leaves the entries returned to the caller
// exactly what a bridge without a sink returns, on both paths, and every
// failure is counted. Against the packed tarball.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TEXT = readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8');
let api;
before(() => { api = installPacked().require('workflow-telemetry'); });

function run(sink) {
  let n = 0;
  const b = new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => `id-${++n}`, ...(sink ? { sink } : {}) });
  const batch = b.observeNdjson(TEXT);
  const drained = b.finalize(undefined, b.lastEventAt);
  const perObject = (() => {
    let k = 0;
    const o = new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => `id-${++k}`, ...(sink ? { sink } : {}) });
    const out = [];
    for (const line of TEXT.split('\n').filter(Boolean)) out.push(...o.observe(JSON.parse(line)));
    out.push(...o.finalize(undefined, o.lastEventAt));
    return { out, errors: o.sinkErrors };
  })();
  return { batch, drained, perObject, sinkErrors: b.sinkErrors };
}

const sinks = {
  throws: () => { throw new Error('sink down'); },
  rejects: () => Promise.reject(new Error('later')),
  hangs: () => new Promise(() => {}),
  garbage: () => Symbol('not a promise'),
  slowThenFails: () => new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 5)),
};

test('whatever the sink does, the entries the workflow gets are unchanged', async () => {
  const clean = run(undefined);
  assert.ok(clean.batch.entries.length > 0 && clean.perObject.out.length > 0);
  for (const [name, sink] of Object.entries(sinks)) {
    const got = run(sink);
    assert.equal(got.batch.entries, clean.batch.entries, name);
    assert.deepEqual(got.batch.errors, clean.batch.errors, name);
    assert.deepEqual(got.drained, clean.drained, name);
    assert.deepEqual(got.perObject.out, clean.perObject.out, name);
  }
});

test('synchronous failures are counted at once, asynchronous ones when they settle', async () => {
  const entries = run(undefined).batch.entries.trim().split('\n').length + run(undefined).drained.length;
  assert.equal(run(sinks.throws).sinkErrors, entries);
  assert.equal(run(sinks.hangs).sinkErrors, 0);
  const b = new api.TelemetryBridge({ parentInvocationId: 'p', sink: sinks.rejects });
  b.observeNdjson(TEXT);
  b.finalize();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(b.sinkErrors, entries);
});
