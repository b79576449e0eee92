// `make bench` fails when a release wasm is over its gzip budget
// (bench/config.json): bench/size.mjs is that check, run here on the built
// files with the real config and with budgets they cannot meet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SIZE = join(ROOT, 'bench', 'size.mjs');

function run(config) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-size-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    return spawnSync(process.execPath, [SIZE, '--config', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const gz = (file) => gzipSync(readFileSync(join(ROOT, 'pkg', 'dist', 'web', file)), { level: 9 }).length;

test('the committed budgets hold, and each line reports the real gzipped size', () => {
  const r = spawnSync(process.execPath, [SIZE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(ROOT, 'bench', 'config.json'), 'utf8'));
  const bridge = gz('workflow_telemetry_bridge_bg.wasm');
  assert.ok(bridge <= config.gzipBudgetBytes.bridge && bridge <= 100_000, `bridge ${bridge}`);
  assert.match(r.stdout, new RegExp(`bridge: \\d+ bytes raw, ${bridge} bytes gzip -9 \\(budget ${config.gzipBudgetBytes.bridge};`));
  assert.match(r.stdout, new RegExp(`full  : \\d+ bytes raw, ${gz('workflow_telemetry_bg.wasm')} bytes gzip -9`));
});

test('a budget below the size fails, naming the file and both numbers', () => {
  const bridge = gz('workflow_telemetry_bridge_bg.wasm');
  const full = gz('workflow_telemetry_bg.wasm');
  // Just under the bridge's size: the bridge fails; the full build passes.
  let r = run({ gzipBudgetBytes: { bridge: bridge - 1, full: full } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`FAIL: gzipped bridge wasm ${bridge} bytes exceeds its budget of ${bridge - 1} bytes`));
  assert.doesNotMatch(r.stderr, /full wasm/);
  // One number is the budget of both.
  r = run({ gzipBudgetBytes: 1000 });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.match(/^FAIL: /gm)?.length, 2, r.stderr);
});

test('a bad budget is refused before measuring, naming the field', () => {
  for (const [config, field] of [
    [{ gzipBudgetBytes: { bridge: -1, full: 3 } }, 'gzipBudgetBytes.bridge'],
    [{ gzipBudgetBytes: { bridge: 3 } }, 'gzipBudgetBytes.full'],
    [{ gzipBudgetBytes: '100kb' }, 'gzipBudgetBytes'],
    [{}, 'gzipBudgetBytes'],
  ]) {
    const r = run(config);
    assert.equal(r.status, 2, JSON.stringify(config));
    assert.ok(r.stderr.includes(`: ${field}: expected`), r.stderr);
    assert.equal(r.stdout, '');
  }
});
