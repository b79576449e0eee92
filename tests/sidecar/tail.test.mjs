// --tail: lines appended to a log file are ingested exactly once each, a line
// written in two halves waits for its end, and truncation and rotation are
// followed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, install, serve, sleep, tempDir, waitFor } from './helpers.mjs';

let pkg;
after(cleanup);
before(() => {
  pkg = install();
});

const line = (e) => `${JSON.stringify(e)}\n`;
const run = (id) => [
  line({ kind: 'started', runId: id, workflowName: `wf-${id}`, timestamp: 1000 }),
  line({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'go', timestamp: 1010 }),
  line({ kind: 'step_completed', jobId: 'j', stepId: 's', timestamp: 1050 }),
  line({ kind: 'completed', runId: id, timestamp: 1060 }),
];

test('appended lines, one split across two writes, are ingested exactly once each', async () => {
  const dir = tempDir();
  const file = join(dir, 'events.ndjson');
  // Present before the start: with the default --tail-from end it is history, not replayed.
  const history = line({ kind: 'started', runId: 'old', workflowName: 'old' });
  writeFileSync(file, history);
  const sc = await serve(pkg, ['--tail', file, '--tail-poll-ms', '50']);
  const lines = run('tail-1');
  const text = lines.join('');
  const cut = lines[0].length + Math.floor(lines[1].length / 2); // in the middle of line 2
  appendFileSync(file, text.slice(0, cut));
  const h1 = await waitFor(async () => {
    const h = await sc.health();
    return h.tail[0].position === history.length + cut && h; // ASCII: characters are bytes
  }, { what: 'the first write to be read' });
  assert.equal(h1.events.accepted, 1, 'the half line waits');
  assert.equal(h1.events.rejected, 0);

  appendFileSync(file, text.slice(cut));
  await waitFor(async () => (await sc.health()).events.accepted === 4, { what: 'all four lines' });
  await sleep(300); // several polls later, still exactly once
  const h2 = await sc.health();
  assert.equal(h2.events.accepted, 4);
  assert.equal(h2.events.rejected, 0);
  assert.equal(h2.entries.produced, 1);
  const snap = await sc.json('/runs');
  assert.deepEqual(snap.runs.map((r) => [r.id, r.status, r.steps.length]), [['tail-1', 'completed', 1]]);
  assert.equal(sc.stderr, '');
});

test('truncation and rotation are followed; --tail-from start reads what is there', async () => {
  const dir = tempDir();
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, run('a').join(''));
  const sc = await serve(pkg, ['--tail', file, '--tail-from', 'start', '--tail-poll-ms', '50']);
  await waitFor(async () => (await sc.health()).events.accepted === 4, { what: 'the existing lines' });

  truncateSync(file, 0);
  await waitFor(async () => (await sc.health()).tail[0].truncations === 1, { what: 'the truncation' });
  appendFileSync(file, run('b').join(''));
  await waitFor(async () => (await sc.health()).events.accepted === 8, { what: 'lines after truncation' });

  // Rotation: lines not read yet when the file is renamed away are still
  // read from the old file, then the new file from its start.
  appendFileSync(file, run('c').slice(0, 2).join(''));
  writeFileSync(`${file}.new`, run('d').join(''));
  renameSync(file, `${file}.1`);
  renameSync(`${file}.new`, file);
  await waitFor(async () => (await sc.health()).events.accepted === 14, { what: 'the rotated and the new file' });
  await sleep(300);
  const h = await sc.health();
  assert.equal(h.events.accepted, 14);
  assert.equal(h.events.rejected, 0);
  assert.equal(h.tail[0].rotations, 1);
  const ids = (await sc.json('/runs')).runs.map((r) => r.id).sort();
  assert.deepEqual(ids, ['a', 'b', 'c', 'd']);
  const { code } = await sc.stop();
  assert.equal(code, 0);
});

test('a bad line in a tailed file is reported on stderr with its line number', async () => {
  const dir = tempDir();
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, '');
  const sc = await serve(pkg, ['--tail', file, '--tail-poll-ms', '50']);
  appendFileSync(file, `${run('x')[0]}garbage\n`);
  await waitFor(async () => (await sc.health()).events.rejected === 1, { what: 'the rejection' });
  await waitFor(() => /tail .*events\.ndjson line 2: invalid JSON/.test(sc.stderr), { what: 'the stderr line' });
});
