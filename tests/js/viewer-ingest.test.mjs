// The viewer's loading modules (www/js/ingest.js, www/js/details.js) in Node
// against the packed package's RunModel. The page does no framing of its own:
// text in slices and files as byte streams go to the core's streaming reader
// (pushNdjson/endNdjson), so whatever the cuts (inside a UTF-8 character,
// a line, a JSON array element) the model, the accepted count and the line
// numbers of rejected lines are those of one ingestNdjson of the whole log.
// Details answer only for the snapshot they were published with.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';
import { chunksOf, ingestLog, LIVE, MAX_ERRORS, sliceEnd, TEXT_SLICE } from '../../www/js/ingest.js';
import { publishLite, receiveLite, detailOf } from '../../www/js/details.js';
import { swampStream } from '../../bench/generate.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const T0 = Date.UTC(2026, 1, 5, 10);
let RunModel;

before(() => {
  ({ RunModel } = installPacked().require('workflow-telemetry'));
});

/** A model whose entry ids and clock are fixed, so two models of the same input print the same. */
function model(options = {}) {
  let n = 0;
  return new RunModel({ idGenerator: () => `e-${++n}`, clock: () => T0 + 3_600_000, ...options });
}

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

// Swamp events, as in tests/streams.rs.
const ev = (kind, ms, fields) => JSON.stringify({ kind, ...fields, timestamp: T0 + ms });
const started = (runId, workflowName, ms) => ev('started', ms, { runId, workflowName });
const stepStarted = (jobId, stepId, ms) => ev('step_started', ms, { jobId, stepId });
const exec = (jobId, stepId, methodName, ms) => ev('method_executing', ms, { jobId, stepId, modelName: 'm', methodName });
const done = (jobId, stepId, ms) => ev('step_completed', ms, { jobId, stepId });
const completed = (runId, ms) => ev('completed', ms, { runId });
/** One ordinary run: two method steps, then `completed`. Names carry non-ASCII text. */
const tidyRun = (runId, name, t) => [
  started(runId, name, t),
  stepStarted('build', 'compile-é', t + 1), exec('build', 'compile-é', 'run', t + 2), done('build', 'compile-é', t + 10),
  stepStarted('build', 'test-😀', t + 11), exec('build', 'test-😀', 'check', t + 12), done('build', 'test-😀', t + 20),
  completed(runId, t + 21),
];

/** A Blob-like file whose stream yields `bytes` cut at `cuts` (offsets), as a browser's File stream does, cut anywhere. */
function fileOf(bytes, cuts) {
  return {
    size: bytes.length,
    cancelled: false,
    stream() {
      const file = this;
      const bounds = [0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
      let i = 0;
      return new ReadableStream({
        pull(controller) {
          if (i + 1 >= bounds.length) controller.close();
          else { controller.enqueue(bytes.slice(bounds[i], bounds[i + 1])); i += 1; }
        },
        cancel() { file.cancelled = true; },
      });
    },
  };
}

/** Cuts every `step` bytes. */
const every = (size, step) => Array.from({ length: Math.ceil(size / step) }, (_, i) => i * step);

/** One ingestNdjson of the whole text, as the reference. */
function reference(text, options) {
  const m = model(options);
  const r = m.ingestNdjson(text, { source: 'file' });
  const snapshot = m.snapshotJson();
  m.free();
  return { accepted: r.accepted, errors: r.errors, snapshot };
}

async function viaLog(logValue, options, ingestOptions) {
  const m = model(options);
  const seen = [];
  const r = await ingestLog(m, logValue, { source: 'file', onProgress: (d, t) => seen.push([d, t]), ...ingestOptions });
  const snapshot = m.snapshotJson();
  m.free();
  return { ...r, snapshot, seen };
}

test('sliceEnd never cuts a surrogate pair, and always moves on', () => {
  const text = 'a😀b😀😀c𝄞';
  for (let size = 1; size <= 4; size++) {
    let start = 0;
    const parts = [];
    while (start < text.length) {
      const end = sliceEnd(text, start, size);
      assert.ok(end > start);
      parts.push(text.slice(start, end));
      start = end;
    }
    assert.equal(parts.join(''), text);
    for (const p of parts) assert.ok(p.isWellFormed(), `size ${size}: ${JSON.stringify(p)}`);
  }
});

for (const [name, n, eol, trailing] of [
  ['LF, no trailing newline', 12_007, '\n', ''],
  ['CRLF with a trailing newline', 5001, '\r\n', '\r\n'],
]) {
  test(`text in slices equals one ingestNdjson (${name})`, async () => {
    const bad = new Set([0, 5, 4999, 5000, 5001, n - 1].filter((i) => i < n));
    const text = log(n, bad, eol) + trailing;
    const want = reference(text);
    assert.deepEqual(want.errors.map((e) => e.line), [...bad].sort((a, b) => a - b).map((i) => i + 1));
    for (const sliceSize of [TEXT_SLICE, 4096, 333]) {
      const got = await viaLog(text, {}, { sliceSize });
      assert.equal(got.accepted, want.accepted, `slices of ${sliceSize}`);
      assert.equal(got.rejected, want.errors.length);
      assert.deepEqual(got.errors, want.errors, `slices of ${sliceSize}`);
      assert.equal(got.snapshot, want.snapshot, `slices of ${sliceSize}`);
      assert.equal(got.seen.length, Math.ceil(text.length / sliceSize));
      assert.deepEqual(got.seen.at(-1), [text.length, text.length]);
    }
  });
}

test('text with astral characters cut in tiny slices: nothing is mangled', async () => {
  const lines = [...tidyRun('r1', 'wf-😀-one', 0), '{not json 😀', ...tidyRun('r2', 'wf-𝄞-two', 100)];
  const text = `${lines.join('\n')}\n`;
  const want = reference(text);
  for (const sliceSize of [1, 2, 3, 7]) {
    const got = await viaLog(text, {}, { sliceSize });
    assert.deepEqual([got.accepted, got.errors], [want.accepted, want.errors], `slices of ${sliceSize}`);
    assert.equal(got.snapshot, want.snapshot, `slices of ${sliceSize}`);
  }
  const runs = JSON.parse(want.snapshot).runs;
  assert.deepEqual(runs.map((r) => r.name), ['wf-😀-one', 'wf-𝄞-two']);
  assert.deepEqual(runs[1].steps.map((s) => s.id), ['build/compile-é', 'build/test-😀']);
});

test('a file read as bytes cut anywhere (inside UTF-8 characters too) equals one ingestNdjson', async () => {
  const lines = [];
  for (let r = 0; r < 40; r++) lines.push(...tidyRun(`r${r}`, `wf-é-${r}`, r * 100));
  lines.splice(7, 0, '{not json');
  lines.splice(100, 0, '');
  lines.splice(200, 0, '   ');
  lines.push('{"kind":"started"'); // an unfinished last line, no newline: read at the end
  const text = lines.join('\n');
  const bytes = new TextEncoder().encode(text);
  const want = reference(text);
  assert.deepEqual(want.errors.map((e) => e.line), [8, lines.length]);
  for (const step of [1, 3, 17, 4096, bytes.length]) {
    const got = await viaLog(fileOf(bytes, every(bytes.length, step)));
    assert.deepEqual([got.accepted, got.errors], [want.accepted, want.errors], `cuts every ${step} bytes`);
    assert.equal(got.snapshot, want.snapshot, `cuts every ${step} bytes`);
    assert.equal(got.seen.length, Math.ceil(bytes.length / step), 'progress after each chunk');
    assert.deepEqual(got.seen.at(-1), [bytes.length, bytes.length], 'progress in bytes');
  }
});

test('a real Blob of several MB streams in several chunks, with absolute line numbers', async () => {
  const lines = swampStream({ runs: 150, steps: 50, seed: 3 });
  // Bad lines at these line numbers (1-based), and two more at the end.
  const bad = [1, 2, 9_999, 10_000, 17_321];
  for (const i of bad) lines.splice(i - 1, 0, i % 2 ? '{"kind":"step_started"' : '[not json');
  lines.push('x'.repeat(10), '', '', '', 'still not json'); // no newline after the last
  const text = lines.join('\n');
  // A File's stream comes in pieces; here, parts of about a MB cut anywhere.
  const bytes = new TextEncoder().encode(text);
  const blob = new Blob(every(bytes.length, 1_000_003).map((at) => bytes.subarray(at, at + 1_000_003)));
  assert.ok(blob.size > 4 * 1024 * 1024, `${blob.size} bytes`);
  const want = reference(text);
  const got = await viaLog(blob);
  assert.ok(got.seen.length > 1, `${got.seen.length} chunks`);
  assert.deepEqual(got.seen.at(-1), [blob.size, blob.size]);
  assert.equal(got.accepted, want.accepted);
  assert.deepEqual(got.errors, want.errors);
  assert.deepEqual(got.errors.map((e) => e.line), [...bad, lines.length - 4, lines.length]);
  assert.equal(got.snapshot, want.snapshot);
});

test('many runs one after another are each a top-level run with its own steps', async () => {
  const lines = [];
  for (let r = 0; r < 25; r++) lines.push(...tidyRun(`run-${r}`, `wf-${r}`, r * 100));
  const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
  const m = model();
  const r = await ingestLog(m, fileOf(bytes, every(bytes.length, 1000)));
  assert.deepEqual([r.accepted, r.errors], [lines.length, []]);
  const { runs } = await receiveLite(publishLite(m));
  assert.equal(runs.length, 25);
  runs.forEach((run, i) => {
    assert.equal(run.id, `run-${i}`);
    assert.equal(run.name, `wf-${i}`);
    assert.equal(run.status, 'completed');
    assert.equal(run.parentRun, undefined, `${run.id} is top-level`);
    assert.equal(run.source, 'file');
    assert.deepEqual(run.steps.map((s) => [s.id, s.status]), [['build/compile-é', 'completed'], ['build/test-😀', 'completed']]);
    assert.deepEqual(run.violations, []);
  });
  m.free();
});

test('a JSON array file, pretty-printed and cut anywhere, is read element by element', async () => {
  const events = [...tidyRun('r1', 'one', 0), ...tidyRun('r2', 'two', 100)].map((l) => JSON.parse(l));
  const array = JSON.stringify([...events.slice(0, 3), 42, ...events.slice(3)], null, 2);
  const bytes = new TextEncoder().encode(array);
  for (const step of [1, 5, 64, bytes.length]) {
    const m = model();
    const r = await ingestLog(m, fileOf(bytes, every(bytes.length, step)));
    assert.equal(r.accepted, events.length, `cuts every ${step}`);
    assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [[4, 'event']], 'the element numbered by its position');
    const { runs } = JSON.parse(m.snapshotJson({ lite: true }));
    assert.deepEqual(runs.map((run) => [run.id, run.status, run.steps.length]), [['r1', 'completed', 2], ['r2', 'completed', 2]]);
    m.free();
  }
  // Text too; an array never closed is reported (at its last element, unfinished).
  const m = model();
  const r = await ingestLog(m, array.slice(0, -2), { sliceSize: 50 });
  assert.equal(r.accepted, events.length - 1);
  assert.deepEqual(r.errors.map((e) => e.line), [4, events.length + 1]);
  m.free();
});

test('a log whose engine died mid-run: that run is abandoned, the next ones are whole', async () => {
  const lines = [
    started('r1', 'wf-one', 0), stepStarted('build', 'compile', 1), exec('build', 'compile', 'run', 2),
    ...tidyRun('r2', 'wf-two', 100), ...tidyRun('r3', 'wf-three', 200),
  ];
  const m = model();
  const r = await ingestLog(m, `${lines.join('\n')}\n`, { sliceSize: 64 });
  assert.deepEqual([r.accepted, r.errors], [lines.length, []]);
  const { runs } = await receiveLite(publishLite(m));
  assert.deepEqual(runs.map((run) => [run.id, run.status, run.parentRun]), [
    ['r1', 'abandoned', undefined], ['r2', 'completed', undefined], ['r3', 'completed', undefined]]);
  const [r1] = runs;
  assert.equal(r1.error.class, 'abandoned');
  assert.equal(r1.summary.failure, 'abandoned');
  assert.deepEqual(r1.steps.map((s) => [s.id, s.status, s.error?.class]), [['build/compile', 'cancelled', 'abandoned']]);
  assert.equal(r1.lastEventAt, new Date(T0 + 2).toISOString());
  assert.equal(r1.stalled, undefined, 'an ended run never stalls');
  m.free();
});

test('an overlong line is reported once and skipped, its neighbours read', async () => {
  const lines = [...tidyRun('r1', 'one', 0)];
  lines.splice(2, 0, JSON.stringify({ kind: 'method_output', line: 'y'.repeat(5000) }));
  const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
  const m = model({ maxLineBytes: 1024 });
  const r = await ingestLog(m, fileOf(bytes, every(bytes.length, 300)));
  assert.deepEqual(r.errors.map((e) => [e.line, e.kind]), [[3, 'line_too_long']]);
  assert.equal(r.accepted, lines.length - 1);
  assert.equal(JSON.parse(m.snapshotJson()).runs[0].status, 'completed');
  m.free();
});

test('errors past MAX_ERRORS are counted, not kept', async () => {
  const text = Array.from({ length: MAX_ERRORS + 5 }, () => 'nope').join('\n');
  const m = model();
  const r = await ingestLog(m, text);
  assert.equal(r.rejected, MAX_ERRORS + 5);
  assert.equal(r.errors.length, MAX_ERRORS);
  assert.equal(r.errors.at(-1).line, MAX_ERRORS);
  m.free();
});

test('an empty log is one empty chunk', async () => {
  const m = model();
  const seen = [];
  assert.deepEqual(await ingestLog(m, '', { onProgress: (d, t) => seen.push([d, t]) }), { accepted: 0, rejected: 0, errors: [] });
  assert.deepEqual(seen, [[0, 0]]);
  const empty = await ingestLog(m, fileOf(new Uint8Array(0), []), { onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(empty, { accepted: 0, rejected: 0, errors: [] });
  m.free();
});

test('a cancelled load stops reading and cancels the file stream', async () => {
  const bytes = new TextEncoder().encode(`${tidyRun('r1', 'one', 0).join('\n')}\n`);
  const file = fileOf(bytes, every(bytes.length, 100));
  const m = model();
  let chunks = 0;
  const r = await ingestLog(m, file, { onProgress: () => { chunks += 1; }, cancelled: () => chunks >= 2 });
  assert.equal(r.cancelled, true);
  assert.equal(chunks, 2);
  assert.ok(file.cancelled, 'the stream was cancelled');
  m.free();
});

test('chunksOf: text slices and file pieces report their progress', async () => {
  const got = [];
  for await (const c of chunksOf('abcdef', 4)) got.push([c.chunk, c.done, c.total]);
  assert.deepEqual(got, [['abcd', 4, 6], ['ef', 6, 6]]);
  // A file's big chunks are handed over in pieces of at most `size` bytes.
  const bytes = new TextEncoder().encode('0123456789abc');
  const pieces = [];
  for await (const c of chunksOf(fileOf(bytes, [10]), 4)) pieces.push([new TextDecoder().decode(c.chunk), c.done, c.total]);
  assert.deepEqual(pieces, [['0123', 4, 13], ['4567', 8, 13], ['89', 10, 13], ['abc', 13, 13]]);
});

test('live appends are one stream: line numbers count from the first event received', () => {
  const m = model();
  const batches = [tidyRun('r1', 'one', 0).slice(0, 3), ['{bad'], tidyRun('r1', 'one', 0).slice(3), ['nope']];
  const lines = [];
  for (const b of batches) {
    const r = m.pushNdjson(`${b.join('\n')}\n`, LIVE);
    for (const e of r.errors) lines.push(e.line);
  }
  assert.deepEqual(lines, [4, 10]);
  const [run] = JSON.parse(m.snapshotJson({ lite: true })).runs;
  assert.deepEqual([run.status, run.source], ['completed', 'live']);
  m.free();
});

test('a run with no event for stallAfterMs on the model clock is stalled, until it hears again', () => {
  let now = T0;
  const m = new RunModel({ clock: () => now, stallAfterMs: 60_000 });
  m.pushNdjson(`${JSON.stringify({ kind: 'started', runId: 'r', workflowName: 'w' })}\n`, LIVE);
  let [run] = JSON.parse(m.snapshotJson({ lite: true })).runs;
  assert.equal(run.stalled, undefined);
  assert.equal(run.lastEventAt, new Date(T0).toISOString(), 'stamped with its arrival');
  now += 61_000;
  [run] = JSON.parse(m.snapshotJson({ lite: true })).runs;
  assert.equal(run.stalled, true);
  assert.equal(run.status, 'running');
  m.pushNdjson(`${JSON.stringify({ kind: 'completed', runId: 'r' })}\n`, LIVE);
  [run] = JSON.parse(m.snapshotJson({ lite: true })).runs;
  assert.deepEqual([run.status, run.stalled], ['completed', undefined]);
  m.free();
});

test('details answer for the published snapshot only', async () => {
  const m = new RunModel();
  m.ingestNdjson(readFileSync(join(ROOT, 'www', 'samples', 'tasker-checkout.ndjson'), 'utf8'));
  const first = publishLite(m);
  const snapshot = await receiveLite(first);
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

test('the page gets the lite snapshot in parts, parsed a part per task: the whole snapshot, in order', async () => {
  const lines = [];
  for (let r = 0; r < 3000; r++) lines.push(...tidyRun(`run-${r}`, `wf-${r % 7}`, r * 100));
  const m = model();
  await ingestLog(m, `${lines.join('\n')}\n`);
  const published = publishLite(m);
  assert.ok(published.snapshotParts.runs.length >= 3, `${published.snapshotParts.runs.length} parts`);
  let pauses = 0;
  const got = await receiveLite(published, async () => { pauses += 1; });
  assert.equal(pauses, published.snapshotParts.runs.length, 'a task boundary after each part');
  assert.equal(got.detailGen, published.detailGen);
  delete got.detailGen;
  const whole = JSON.parse(m.snapshotJson({ lite: true }));
  assert.deepEqual(got, whole);
  assert.deepEqual(got.runs.slice(0, 3).map((r) => r.id), ['run-0', 'run-1', 'run-2']);
  assert.equal(got.workflows.length, 7);
  m.free();
});
