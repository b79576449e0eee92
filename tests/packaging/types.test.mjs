// The declarations as TypeScript consumers see them, from the packed tarball:
// an ESM and a CommonJS consumer (`module: node16`, the file extension picks
// the format and so the `import` or `require` condition), each compiled strict
// with `skipLibCheck: false`, with the DOM lib and without it (and without
// @types/node: the declarations need neither). `@ts-expect-error` lines prove
// the types are precise: a directive that is not needed fails the compile.
// Then `attw --pack` and `publint --strict` on the package.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, consumerProject } from './consumer.mjs';

let pkg;

const ESM = `import workflowTelemetry, { init, initSync, RunModel, TelemetryBridge } from 'workflow-telemetry';
import type { InitInput, RunSnapshot, TelemetryEntryData } from 'workflow-telemetry';
import * as bridgeOnly from 'workflow-telemetry/bridge';
import { RunModel as InlineRunModel } from 'workflow-telemetry/inline';
import { TelemetryBridge as InlineBridge } from 'workflow-telemetry/bridge/inline';

await init();
await init(new Uint8Array([0, 97, 115, 109]));
await init(new ArrayBuffer(8));
await init('https://example.invalid/workflow_telemetry_bg.wasm');
initSync(new Uint8Array(8));
const input: InitInput = new Uint8Array(8);
// @ts-expect-error a number is no wasm source
await init(42);
const bridge = new workflowTelemetry.TelemetryBridge({ parentInvocationId: 'p' });
const entries: readonly TelemetryEntryData[] = bridge.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
const snapshot: RunSnapshot = new RunModel().snapshot();
const same: typeof TelemetryBridge = workflowTelemetry.TelemetryBridge;
const slim: typeof bridgeOnly.TelemetryBridge = bridgeOnly.default.TelemetryBridge;
new InlineRunModel();
new InlineBridge({ parentInvocationId: 'p' });
// @ts-expect-error the bridge-only build has no run model
bridgeOnly.default.RunModel;
export { entries, snapshot, same, slim, input };
`;

const CJS = `import { init, initSync, RunModel, TelemetryBridge } from 'workflow-telemetry';
import type { RunSnapshot, TelemetryEntryData } from 'workflow-telemetry';
import * as api from 'workflow-telemetry';
import { TelemetryBridge as SlimBridge } from 'workflow-telemetry/bridge';
import { RunModel as InlineRunModel } from 'workflow-telemetry/inline';

void init(new Uint8Array(8));
initSync(new ArrayBuffer(8));
const bridge = new TelemetryBridge({ parentInvocationId: 'p' });
const entries: readonly TelemetryEntryData[] = bridge.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
const snapshot: RunSnapshot = new RunModel().snapshot();
new SlimBridge({ parentInvocationId: 'p' });
new InlineRunModel();
// @ts-expect-error require() gives the API itself, which has no .default
api.default;
export { entries, snapshot };
`;

before(() => {
  pkg = consumerProject();
  writeFileSync(join(pkg.project, 'esm.mts'), ESM);
  writeFileSync(join(pkg.project, 'cjs.cts'), CJS);
});

function tsc(file, lib) {
  const config = join(pkg.project, `tsconfig.${file}.${lib.join('-')}.json`);
  writeFileSync(config, JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: false, module: 'node16', moduleResolution: 'node16',
      target: 'es2022', lib, types: [], noUnusedLocals: true,
    },
    files: [file],
  }));
  return spawnSync(join(BIN, 'tsc'), ['-p', config], { cwd: pkg.project, encoding: 'utf8', timeout: 120_000 });
}

for (const file of ['esm.mts', 'cjs.cts']) {
  for (const lib of [['es2022'], ['es2022', 'dom']]) {
    test(`tsc strict: ${file === 'esm.mts' ? 'ESM' : 'CommonJS'} consumer, lib ${lib.join(' + ')}`, () => {
      const r = tsc(file, lib);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }
}

test('tsc fails where the types say no (the check can fail)', () => {
  writeFileSync(join(pkg.project, 'bad.mts'), `import { init, initSync } from 'workflow-telemetry';
await init(42);
await init({});
initSync({ module: new Uint8Array(8) });
`);
  // Without the DOM lib no object passes for a WebAssembly.Module: all three
  // are refused. With it, the lib's Module is an empty interface, which any
  // object matches: only the number is.
  const lines = (r) => [...r.stdout.matchAll(/bad\.mts\((\d+),\d+\): error TS\d+/g)].map((m) => m[1]);
  const bare = tsc('bad.mts', ['es2022']);
  assert.deepEqual(lines(bare), ['2', '3', '4'], bare.stdout);
  const dom = tsc('bad.mts', ['es2022', 'dom']);
  assert.deepEqual(lines(dom), ['2'], dom.stdout);
});

test('attw --pack: no problem in any resolution mode (node10, node16 from CJS and ESM, bundler)', () => {
  const r = spawnSync(join(BIN, 'attw'), ['--pack', join(ROOT, 'pkg'), '--format', 'json'],
    { cwd: pkg.project, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.analysis.problems, [], JSON.stringify(report.analysis.problems, null, 1));
  assert.equal(r.status, 0, r.stderr);
  const entrypoints = Object.keys(report.analysis.entrypoints).sort();
  assert.deepEqual(entrypoints, ['.', './bridge', './bridge/inline', './inline', './node', './package.json']);
});

test('publint --strict: all good', () => {
  const r = spawnSync(join(BIN, 'publint'), ['--strict', join(ROOT, 'pkg')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /All good!/);
});
