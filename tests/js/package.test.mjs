// The packed npm package, installed into a temporary project: both Node entry
// forms, the browser entry driven from Node, the exports map, and the CLI.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installPacked } from './pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson');
const NAMES = ['TelemetryBridge', 'RunModel', 'toWire', 'decodeEntry', 'redactInvocation', 'version', 'init', 'initSync'];
let pkg;
let esm;

before(async () => {
  pkg = installPacked();
  writeFileSync(join(pkg.project, 'esm.mjs'),
    "export * as api from 'workflow-telemetry';\nexport const resolved = import.meta.resolve('workflow-telemetry');\n");
  esm = await import(pathToFileURL(join(pkg.project, 'esm.mjs')).href);
});

test('import and require expose the same names and share one wasm instance', () => {
  const cjs = pkg.require('workflow-telemetry');
  for (const name of NAMES) {
    assert.equal(typeof esm.api[name], 'function', `import: ${name}`);
    assert.equal(typeof cjs[name], 'function', `require: ${name}`);
  }
  assert.equal(esm.api.TelemetryBridge, cjs.TelemetryBridge);
  assert.match(esm.resolved, /\/node_modules\/workflow-telemetry\/node\.mjs$/);
  assert.match(pkg.resolve('workflow-telemetry'), /\/node_modules\/workflow-telemetry\/node\.cjs$/);
});

test('the Node entry is usable synchronously, with no init', () => {
  const { TelemetryBridge } = pkg.require('workflow-telemetry');
  const b = new TelemetryBridge({ parentInvocationId: 'p' });
  b.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
  assert.equal(b.inFlight, 1);
});

test('the packed tarball ships only the package files', () => {
  const listing = execFileSync('tar', ['-tzf', pkg.tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  assert.deepEqual(listing, [
    'package/LICENSE', 'package/README.md',
    'package/browser.js', 'package/cli.mjs', 'package/dist/node/package.json',
    'package/dist/node/workflow_telemetry.js', 'package/dist/node/workflow_telemetry_bridge.js',
    ...readdirSync(join(ROOT, 'pkg', 'dist', 'node', 'snippets')).flatMap((d) =>
      ['build_entries.js', 'read_event.js'].flatMap((f) => [
        `package/dist/node/snippets/${d}/src/wasm/${f}`, `package/dist/web/snippets/${d}/src/wasm/${f}`])),
    'package/dist/web/workflow_telemetry.js', 'package/dist/web/workflow_telemetry_bg.wasm',
    'package/dist/web/workflow_telemetry_bg.wasm.base64.js',
    'package/dist/web/workflow_telemetry_bridge.js', 'package/dist/web/workflow_telemetry_bridge_bg.wasm',
    'package/dist/web/workflow_telemetry_bridge_bg.wasm.base64.js',
    'package/bridge.cjs', 'package/bridge.mjs', 'package/bridge.js', 'package/bridge.d.ts', 'package/bridge.d.cts',
    'package/bridge.inline.js', 'package/bridge.inline.cjs', 'package/loader.js',
    'package/index.d.ts', 'package/index.d.cts', 'package/inline.js', 'package/inline.cjs',
    'package/node.cjs', 'package/node.mjs', 'package/package.json',
    ...['auth', 'core', 'deadletters', 'delivery', 'health', 'main', 'options', 'otlp', 'otlp-letters', 'retry', 'server', 'spool', 'sse', 'static', 'tail']
      .map((m) => `package/sidecar/${m}.mjs`),
    'package/viewer/index.html', 'package/viewer/style.css',
    ...readdirSync(join(ROOT, 'www', 'js')).map((f) => `package/viewer/js/${f}`),
  ].sort());
  const manifest = JSON.parse(readFileSync(join(pkg.project, 'node_modules', 'workflow-telemetry', 'package.json'), 'utf8'));
  // Deno and Bun first (the inline entries: no file read), then Node, then browsers and bundlers.
  assert.deepEqual(Object.keys(manifest.exports['.']), ['deno', 'bun', 'node', 'browser', 'default']);
  assert.deepEqual(Object.keys(manifest.exports['./bridge']), ['deno', 'bun', 'node', 'browser', 'default']);
  const read = (f) => readFileSync(join(pkg.project, 'node_modules', 'workflow-telemetry', f), 'utf8');
  for (const f of ['index.d.ts', 'bridge.d.ts']) {
    const code = read(f).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\bany\b/, `no \`any\` in the public types (${f})`);
  }
  assert.match(read('bridge.d.ts'), /export type WorkflowEvent =/);
  assert.match(read('index.d.ts'), /export \* from '\.\/bridge\.js'/);
});

test('the browser entry initialises from bytes and gives the same results', async () => {
  const dir = join(pkg.project, 'node_modules', 'workflow-telemetry');
  const browserEntry = await import(pathToFileURL(join(dir, 'browser.js')).href);
  const wasmPath = join(dir, 'dist', 'web', 'workflow_telemetry_bg.wasm');
  await browserEntry.init(readFileSync(wasmPath));
  const text = readFileSync(SAMPLE, 'utf8');
  const run = (api) => {
    let n = 0;
    const b = new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => `id-${++n}` });
    const r = b.observeNdjson(text);
    return r.entries + JSON.stringify(b.finalize(undefined, b.lastEventAt));
  };
  assert.equal(run(browserEntry), run(esm.api));
});

test('the bundled sample gives the documented entries', () => {
  const { TelemetryBridge, decodeEntry, toWire } = esm.api;
  const b = new TelemetryBridge({ parentInvocationId: 'parent', version: '1.0.0', runtimeVersion: '2.1.0', platform: 'linux' });
  const r = b.observeNdjson(readFileSync(SAMPLE, 'utf8'));
  assert.deepEqual(r.errors, []);
  const entries = r.entries.trim().split('\n').map((l) => JSON.parse(l)).concat(b.finalize(undefined, b.lastEventAt));
  const summary = entries.map((e) => [e.workflowContext.workflowName, e.workflowContext.jobName,
    e.workflowContext.stepName, e.result.status, e.durationMs]);
  assert.deepEqual(summary, [
    ['deploy-fleet', 'build', 'compile', 'success', 4200],
    ['deploy-fleet', 'build', 'lint', 'error', 790],
    ['deploy-fleet', 'deploy', 'rollout-eu-west', 'error', 30000],
    ['deploy-fleet', 'deploy', 'rollout-us:east', 'success', 7490],
    ['deploy-fleet', 'deploy', 'verify', 'user_error', 0],
    ['notify', 'deploy', 'rollout-us:east', 'success', 490],
    ['deploy-fleet', 'deploy', 'smoke-test', 'error', 3900],
  ]);
  const text = JSON.stringify(entries);
  for (const secret of ['builder', 'linter', 'fleet-api', 'verify-model', 'slack', 'prober', 'ghp_s3cr3t', 'stack:']) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  assert.equal(entries[4].result.errorMessage, "Vary dimension 'region' not found in <REDACTED>");
  assert.equal(entries[6].invocation.args[2], '<REDACTED>', 'unresolved expression redacted');
  for (const e of entries) assert.deepEqual(decodeEntry(e), e);
  const body = toWire(entries, { distinctId: 'user-1', repoId: 'repo-1' });
  assert.equal(body.events.length, 7);
  assert.equal(body.events[0].properties.$repo_id, 'repo-1');
});

function cli(args, input) {
  return spawnSync(pkg.bin, args, { input, encoding: 'utf8' });
}

test('cli --help and --version', () => {
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: workflow-telemetry/);
  const v = cli(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout.trim(), esm.api.version());
  const bad = cli(['--nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --nope/);
});

test('cli turns a file into NDJSON entries and exits 0', () => {
  const r = cli(['--parent-invocation-id', 'P-1', SAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(entries.length, 7);
  assert.ok(entries.every((e) => e.parentInvocationId === 'P-1'));
  const again = cli(['--parent-invocation-id', 'P-1', SAMPLE]);
  const strip = (s) => s.replace(/"id":"[0-9a-f-]{36}"/g, '"id":"…"');
  assert.equal(strip(again.stdout), strip(r.stdout), 'timestamped logs replay identically');
});

test('cli reads stdin, reports bad lines with numbers on stderr and exits 1', () => {
  const input = [
    '{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":1000}',
    'garbage',
    '{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":3000}',
    '{"kind":"step_failed","jobId":"j","stepId":"t","error":5}',
  ].join('\n');
  const r = cli([], input);
  assert.equal(r.status, 1);
  assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.slice(0, 8)), ['line 2: ', 'line 4: ']);
  assert.match(r.stderr, /line 4: error: expected a string, got number/);
  const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(entries.length, 1);
  assert.equal(entries[0].durationMs, 2000);
});

test('cli keeps line numbers right across input chunks', () => {
  const lines = [];
  for (let i = 0; i < 5000; i++) lines.push(`{"kind":"step_started","jobId":"j","stepId":"s${i}","pad":"${'x'.repeat(40)}"}`);
  lines[4321] = '{broken';
  const r = cli([], lines.join('\n'));
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split('\n')[0].slice(0, 11), 'line 4322: ');
});

test('cli bounds a line that never ends: reported once, skipped, the rest processed with the right numbers', () => {
  const text = [
    'x'.repeat(300_000), // no newline for a long time: over the limit below
    '{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":1}',
    '{broken',
    '{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":2}',
  ].join('\n');
  const r = cli(['--max-line-bytes', '100000'], text);
  assert.equal(r.status, 1);
  assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.slice(0, 8)), ['line 1: ', 'line 3: ']);
  assert.match(r.stderr, /line 1: line is 300000 bytes, longer than the limit of 100000 bytes/);
  assert.equal(r.stdout.trim().split('\n').length, 1);
});

test('cli: invalid UTF-8 is decoded with replacement characters; a line it breaks is reported, the rest processed', () => {
  const input = Buffer.concat([
    Buffer.from('{"kind":"method_executing","jobId":"j\xff","stepId":"s","methodName":"m","timestamp":1}\n', 'latin1'),
    Buffer.from([0x7b, 0xff, 0xfe, 0x0a]), // "{" then two bytes that are not UTF-8: broken JSON
    Buffer.from('{"kind":"step_completed","jobId":"j\xff","stepId":"s","timestamp":2}\n', 'latin1'),
  ]);
  const r = spawnSync(pkg.bin, ['--parent-invocation-id', 'p'], { input });
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /^line 2: /);
  const entries = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(entries.length, 1);
  assert.equal(entries[0].workflowContext.jobName, 'j\ufffd');
});

const SAMPLES = join(ROOT, 'www', 'samples');

test('RunModel maps each bundled sample, and no planted secret survives', () => {
  const { RunModel } = esm.api;
  const expectations = {
    'swamp-deploy.ndjson': [['run-7f3a', 'swamp', 'cancelled', 7], ['run-nested-1', 'swamp', 'failed', 1]],
    'orchestrator-build.ndjson': [['job-4821', 'orchestrator', 'failed', 4]],
    'tasker-checkout.ndjson': [['4812', 'tasker', 'completed', 4]],
  };
  for (const [file, expected] of Object.entries(expectations)) {
    const model = new RunModel({ stepThresholdMs: 20000 });
    const result = model.ingestNdjson(readFileSync(join(SAMPLES, file), 'utf8'));
    assert.deepEqual(result.errors, [], file);
    const snap = model.snapshot();
    assert.deepEqual(snap.runs.map((r) => [r.id, r.dialect, r.status, r.steps.length]), expected, file);
    for (const run of snap.runs) {
      const c = run.summary.counts;
      assert.equal(c.pending + c.running + c.completed + c.failed + c.panicked + c.cancelled + c.skipped, c.spawned, file);
    }
    const text = JSON.stringify(snap);
    for (const secret of ['ghp_s3cr3t', 'hunter2', 'tok_live_SECRET123', 'ada@example.com', 'fleet-api', 'verify-model']) {
      assert.ok(!text.includes(secret), `${secret} leaked from ${file}`);
    }
    model.free();
  }
});

test('RunModel lite snapshot: JSON text, details by detailRef, child entries as NDJSON', () => {
  const { RunModel } = esm.api;
  const model = new RunModel({ parentInvocationId: 'parent-1' });
  for (const file of ['swamp-deploy.ndjson', 'tasker-checkout.ndjson']) {
    assert.deepEqual(model.ingestNdjson(readFileSync(join(SAMPLES, file), 'utf8')).errors, [], file);
  }
  const full = model.snapshot();
  assert.deepEqual(JSON.parse(model.snapshotJson()), full);
  const lite = JSON.parse(model.snapshotJson({ lite: true }));
  const fullSteps = full.runs.flatMap((r) => r.steps);
  const liteSteps = lite.runs.flatMap((r) => r.steps);
  assert.equal(liteSteps.length, fullSteps.length);
  liteSteps.forEach((step, i) => {
    assert.equal(step.detailRef, i);
    const { detailRef, ...rest } = step;
    const { transitions, telemetry, inputs, results, output, ...expected } = fullSteps[i];
    assert.deepEqual(rest, expected);
    const held = model.stepDetail(detailRef);
    assert.deepEqual(held, JSON.parse(JSON.stringify({ transitions, telemetry, inputs, results, output })));
  });
  assert.equal(model.stepDetail(liteSteps.length), undefined);
  assert.throws(() => model.stepDetail(-1), { name: 'ArgumentError' });
  assert.throws(() => model.snapshotJson({ lite: 'yes' }), { name: 'ArgumentError' });
  const entries = model.childEntriesNdjson().trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(entries, fullSteps.filter((s) => s.telemetry).map((s) => s.telemetry));
  assert.ok(entries.length > 0 && entries.every((e) => e.parentInvocationId === 'parent-1'));
  model.free();
});

test('RunModel details: attempts, child entries, critical path, violations', () => {
  const { RunModel } = esm.api;
  const tasker = new RunModel();
  tasker.ingestNdjson(readFileSync(join(SAMPLES, 'tasker-checkout.ndjson'), 'utf8'));
  const charge = tasker.run('4812').steps.find((s) => s.name === 'charge_payment');
  assert.deepEqual(charge.attempts.map((a) => a.status), ['failed', 'completed']);
  const swamp = new RunModel({ parentInvocationId: 'parent-1' });
  swamp.ingestNdjson(readFileSync(join(SAMPLES, 'swamp-deploy.ndjson'), 'utf8'));
  const root = swamp.run('run-7f3a');
  assert.equal(root.parentInvocationId, 'parent-1');
  const compile = root.steps.find((s) => s.id === 'build/compile');
  assert.equal(compile.telemetry.parentInvocationId, 'parent-1');
  assert.deepEqual(compile.telemetry.invocation.args, ['run', '<REDACTED>', 'run']);
  assert.ok(root.summary.criticalPath.length > 0);
  const orch = new RunModel();
  orch.ingest({ event: 'job.lifecycle.enqueue', job_id: 'x', timestamp: 0 });
  orch.ingest({ event: 'job.lifecycle.complete', job_id: 'x', timestamp: 5 });
  assert.equal(orch.run('x').violations[0].to, 'Completed');
  assert.throws(() => orch.ingest({ event: 'job.lifecycle.start' }), (e) => e instanceof TypeError && e.name === 'IngestError' && e.field === 'job_id');
});

test('maxDepth bounds nesting per line in the bridge and the run model; the rest is processed', () => {
  const { TelemetryBridge, RunModel } = pkg.require('workflow-telemetry');
  const deep = JSON.stringify({ kind: 'method_output', jobId: 'j', stepId: 's', payload: [[[1]]] });
  const text = ['{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m","timestamp":1}', deep,
    '{"kind":"step_completed","jobId":"j","stepId":"s","timestamp":2}'].join('\n');
  const b = new TelemetryBridge({ parentInvocationId: 'p', maxDepth: 3 });
  const r = b.observeNdjson(text);
  assert.equal(r.accepted, 2);
  assert.deepEqual(r.errors.map((e) => [e.line, e.kind]), [[2, 'too_deep']]);
  assert.equal(r.entries.trim().split('\n').length, 1);
  assert.equal(new TelemetryBridge({ parentInvocationId: 'p', maxDepth: 4 }).observeNdjson(text).errors.length, 0);
  const m = new RunModel({ maxDepth: 3 });
  assert.deepEqual(m.ingestNdjson(text).errors.map((e) => [e.line, e.kind]), [[2, 'too_deep']]);
  assert.throws(() => new RunModel({ maxDepth: 0 }), { name: 'ArgumentError', message: /options\.maxDepth/ });
});
