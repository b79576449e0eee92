// workflow-telemetry/bridge from the packed tarball: the bridge-only entry
// (bridge, entry codec, redaction) from its own, smaller wasm. Its results and
// its errors must be those of the full package, byte for byte.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installPacked } from './pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SAMPLE = readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8');
const NAMES = ['TelemetryBridge', 'toWire', 'decodeEntry', 'redactInvocation', 'version', 'wasmMemoryBytes', 'init', 'initSync'];
let pkg;
let esm;
let full;

before(async () => {
  pkg = installPacked();
  writeFileSync(join(pkg.project, 'bridge-esm.mjs'),
    "export * as api from 'workflow-telemetry/bridge';\nexport const resolved = import.meta.resolve('workflow-telemetry/bridge');\n");
  esm = await import(pathToFileURL(join(pkg.project, 'bridge-esm.mjs')).href);
  full = pkg.require('workflow-telemetry');
});

/** The sample through a bridge with deterministic ids: NDJSON entries, drained entries, stats. */
function replay(api, text = SAMPLE) {
  let n = 0;
  const b = new api.TelemetryBridge({ parentInvocationId: 'p', version: '1.0.0', idGenerator: () => `id-${++n}` });
  const r = b.observeNdjson(text);
  return JSON.stringify([r, b.finalize(undefined, b.lastEventAt), b.stats()]);
}

/** What a call throws, as the fields the bad-input contract promises. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return { constructor: e.constructor.name, name: e.name, message: e.message, field: e.field, path: e.path };
  }
  assert.fail('expected a throw');
}

test('import and require of workflow-telemetry/bridge expose the bridge names, one wasm instance, no RunModel', () => {
  const cjs = pkg.require('workflow-telemetry/bridge');
  for (const name of NAMES) {
    assert.equal(typeof esm.api[name], 'function', `import: ${name}`);
    assert.equal(typeof cjs[name], 'function', `require: ${name}`);
  }
  assert.equal(esm.api.TelemetryBridge, cjs.TelemetryBridge);
  assert.notEqual(cjs.TelemetryBridge, full.TelemetryBridge, 'its own wasm, not the full one');
  assert.equal(cjs.RunModel, undefined);
  assert.equal(esm.api.RunModel, undefined);
  assert.match(esm.resolved, /\/node_modules\/workflow-telemetry\/bridge\.mjs$/);
  assert.match(pkg.resolve('workflow-telemetry/bridge'), /\/node_modules\/workflow-telemetry\/bridge\.cjs$/);
  assert.equal(cjs.version(), full.version());
});

test('the bridge entry gives the full package\'s entries, byte for byte', () => {
  const bridge = pkg.require('workflow-telemetry/bridge');
  const out = replay(bridge);
  assert.equal(out, replay(full));
  const [result, drained] = JSON.parse(out);
  const entries = result.entries.trim().split('\n').map((l) => JSON.parse(l)).concat(drained);
  assert.equal(entries.length, 7, 'the sample produced its entries');
  for (const e of entries) assert.deepEqual(bridge.decodeEntry(e), full.decodeEntry(e));
  const who = { distinctId: 'u', repoId: 'r' };
  assert.deepEqual(bridge.toWire(entries, who), full.toWire(entries, who));
  const argv = ['model', 'method', 'run', 'my-model', 'deploy', '--input', 'password=hunter2'];
  assert.deepEqual(bridge.redactInvocation(argv), full.redactInvocation(argv));
  assert.ok(!JSON.stringify(bridge.redactInvocation(argv)).includes('hunter2'));
});

test('the bridge entry refuses bad input with the full package\'s errors', () => {
  const bridge = pkg.require('workflow-telemetry/bridge');
  const cases = [
    (api) => new api.TelemetryBridge({}),
    (api) => new api.TelemetryBridge({ parentInvocationId: 'p' }).observe({ kind: 'method_executing', jobId: 'j', stepId: 's' }),
    (api) => api.decodeEntry({ id: 1 }),
    (api) => api.toWire([{}], { distinctId: 'u' }),
    (api) => api.redactInvocation(['a', 5]),
  ];
  for (const c of cases) {
    const got = thrown(() => c(bridge));
    assert.deepEqual(got, thrown(() => c(full)));
    assert.ok(got.field || got.path, `names what was wrong: ${got.message}`);
  }
  const bad = replay(bridge, '{"kind":"method_executing","jobId":"j"}\nnot json\n');
  assert.equal(bad, replay(full, '{"kind":"method_executing","jobId":"j"}\nnot json\n'));
  assert.deepEqual(JSON.parse(bad)[0].errors.map((e) => e.line), [1, 2]);
});

/** A wasm of the installed package (one copy each, next to the web glue). */
const wasmFile = (name) => join(pkg.project, 'node_modules', 'workflow-telemetry', 'dist', 'web', name);

test('the bridge entry\'s browser form initialises from its own wasm and agrees', async () => {
  const browserEntry = await import(pathToFileURL(join(pkg.project, 'node_modules', 'workflow-telemetry', 'bridge.js')).href);
  assert.throws(() => browserEntry.version(), 'unusable before init');
  await browserEntry.init(readFileSync(wasmFile('workflow_telemetry_bridge_bg.wasm')));
  assert.equal(replay(browserEntry), replay(full));
});

test('the bridge wasm is less than half the full wasm', () => {
  const size = (name) => readFileSync(wasmFile(name)).length;
  const bridge = size('workflow_telemetry_bridge_bg.wasm');
  const all = size('workflow_telemetry_bg.wasm');
  assert.ok(bridge * 2 < all, `bridge ${bridge} bytes, full ${all} bytes`);
});
