// The viewer's loading modules (www/js/ingest.js, www/js/details.js) in Node
// against the packed package's RunModel: chunked ingestion gives the same
// model and the same error line numbers as one ingestNdjson of the whole
// text, whatever the chunk boundaries; details answer only for the snapshot
// they were published with.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';
import { ingestChunks, CHUNK_LINES } from '../../www/js/ingest.js';
import { publishLite, receiveLite, detailOf } from '../../www/js/details.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
let RunModel;

before(() => {
  ({ RunModel } = installPacked().require('workflow-telemetry'));
});

/** A log of `n` Tasker-style lines with a bad line at each index in `bad` (0-based). */
function log(n, bad, eol = '\n') {
  const sample = readFileSync(join(ROOT, 'www', 'samples', 'tasker-checkout.ndjson'), 'utf8').trim().split('\n');
  const lines = [];
  for (let i = 0; i < n; i++) {
    if (bad.has(i)) lines.push(i % 2 ? '{"event":"task.start_requested"}' : '{not json');
    else lines.push(sample[i % sample.length].replace(/"task_id":\s*"?(\d+)"?/, `"task_id":"t${Math.floor(i / sample.length)}"`));
  }
  return lines.join(eol);
}

for (const [name, n, eol, trailing] of [
  ['LF, no trailing newline', 2 * CHUNK_LINES + 7, '\n', ''],
  ['CRLF with a trailing newline', CHUNK_LINES + 1, '\r\n', '\r\n'],
  ['exactly one chunk', CHUNK_LINES, '\n', '\n'],
]) {
  test(`chunked ingestion equals one ingestNdjson (${name})`, async () => {
    const bad = new Set([0, 5, CHUNK_LINES - 1, CHUNK_LINES, CHUNK_LINES + 1, n - 1].filter((i) => i < n));
    const text = log(n, bad, eol) + trailing;
    const whole = new RunModel();
    const want = whole.ingestNdjson(text);
    const chunked = new RunModel();
    const seen = [];
    const got = await ingestChunks(chunked, text, (done, total) => seen.push([done, total]));
    assert.equal(got.accepted, want.accepted);
    assert.deepEqual(got.errors, want.errors);
    assert.deepEqual(got.errors.map((e) => e.line), [...bad].sort((a, b) => a - b).map((i) => i + 1));
    assert.equal(chunked.snapshotJson(), whole.snapshotJson());
    assert.equal(seen.length, Math.ceil(n / CHUNK_LINES));
    assert.deepEqual(seen.at(-1), [text.length, text.length]);
    whole.free();
    chunked.free();
  });
}

test('an empty log is one empty chunk', async () => {
  const m = new RunModel();
  const seen = [];
  assert.deepEqual(await ingestChunks(m, '', (d, t) => seen.push([d, t])), { accepted: 0, errors: [] });
  assert.deepEqual(seen, [[0, 0]]);
  m.free();
});

test('a JSON array is ingested as one event per line', async () => {
  const m = new RunModel();
  const events = [{ event: 'task.start_requested', task_id: 1 }, { event: 'task.completed', task_id: 1 }, 3];
  const r = await ingestChunks(m, JSON.stringify(events));
  assert.equal(r.accepted, 2);
  assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [[3, 'event']]);
  m.free();
});

test('details answer for the published snapshot only', () => {
  const m = new RunModel();
  m.ingestNdjson(readFileSync(join(ROOT, 'www', 'samples', 'tasker-checkout.ndjson'), 'utf8'));
  const first = publishLite(m);
  const snapshot = receiveLite(first);
  assert.equal(snapshot.detailGen, first.detailGen);
  const step = snapshot.runs[0].steps[1];
  assert.ok(detailOf(m, first, snapshot.detailGen, step.detailRef).transitions.length > 0);
  m.ingest({ event: 'task.completed', task_id: 'other' });
  const second = publishLite(m);
  assert.ok(second.detailGen > first.detailGen);
  assert.equal(detailOf(m, second, snapshot.detailGen, step.detailRef), undefined);
  assert.equal(detailOf(undefined, second, second.detailGen, 0), undefined);
  m.free();
});
