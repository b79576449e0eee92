// Memory does not grow with history: a long stream through one bridge, with
// up to 50 invocations in flight, leaves wasm linear memory where it was after
// the first part of the stream (memory only grows, so equality means nothing
// accumulated). A fresh process, so no other test has grown the memory first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

test('wasm memory stays flat over 300,000 events with 50 in flight', () => {
  const stream = { runs: 700, steps: 100, parallel: 50, outputLines: 1, seed: 5 };
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'memory.mjs'), JSON.stringify(stream), '5000'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  assert.ok(m.events > 300_000, `${m.events} events`);
  assert.equal(m.entries, 700 * 100);
  assert.ok(m.maxInFlight >= 40, `in flight at chunk ends: ${m.maxInFlight}`);
  assert.equal(m.peakBytes, m.afterFirstTenthBytes, `memory grew: ${JSON.stringify(m)}`);
  assert.ok(m.peakBytes < 64 * 1048576, `peak ${m.peakBytes} bytes`);
});
