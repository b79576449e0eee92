// The packed package in each JavaScript runtime, from a fresh project: Node
// (ESM and CommonJS, the default and the inline entries, and bundled for Node
// by esbuild), Deno with no permission at all (so it can neither read a file
// outside the module graph nor reach the network), and Bun, including a
// `bun build --compile` binary run from another folder once the project that
// built it is gone. Each runs the same program and must print EXPECTED.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry } from './registry.mjs';
import { BIN, EXPECTED, cjsMain, consumerProject, elsewhere, esmMain, lastJson, moveAway, runAsync, tool } from './consumer.mjs';

let pkg;
const TIMEOUT = 120_000;

before(() => {
  pkg = consumerProject();
  writeFileSync(join(pkg.project, 'main.mjs'), esmMain('workflow-telemetry'));
  writeFileSync(join(pkg.project, 'main.cjs'), cjsMain('workflow-telemetry'));
  writeFileSync(join(pkg.project, 'inline.mjs'), esmMain('workflow-telemetry/inline'));
  writeFileSync(join(pkg.project, 'inline.cjs'), cjsMain('workflow-telemetry/inline'));
});

/** Runs a command; fails the test with its output unless it exits 0. */
function run(cmd, args, { cwd = pkg.project, env = {} } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: TIMEOUT, env: { ...process.env, NO_COLOR: '1', ...env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Deno's environment: its cache in a temporary folder, no update check (a network call of its own). */
const denoEnv = () => ({ DENO_DIR: join(pkg.project, '.deno'), DENO_NO_UPDATE_CHECK: '1' });

function deno(args, cwd = pkg.project) {
  return run(join(BIN, 'deno'), args, { cwd, env: denoEnv() });
}

test('Node: import and require of the default entry, and of the inline entry', () => {
  for (const main of ['main.mjs', 'main.cjs', 'inline.mjs', 'inline.cjs']) {
    const r = run(process.execPath, [main]);
    assert.deepEqual(lastJson(r.stdout), EXPECTED, main);
    assert.equal(r.stderr, '', `${main} prints no warning`);
  }
});

test('Node: bundled by esbuild for Node (ESM and CommonJS output) with the inline entry, run from another folder', async () => {
  const esbuild = tool('esbuild');
  // The ESM main (top-level await) to ESM, the CommonJS main to CommonJS.
  for (const [main, format, name] of [['inline.mjs', 'esm', 'app.mjs'], ['inline.cjs', 'cjs', 'app.cjs']]) {
    const out = join(pkg.project, `bundle-${name}`);
    await esbuild.build({
      entryPoints: [join(pkg.project, main)], bundle: true, platform: 'node', format,
      outfile: out, absWorkingDir: pkg.project, logLevel: 'silent',
    });
    const moved = moveAway(out, name);
    assert.deepEqual(lastJson(run(process.execPath, [moved], { cwd: elsewhere() }).stdout), EXPECTED, format);
  }
});

test('Deno: `deno run` with no permission flag runs the program (no --allow-read, no --allow-net)', () => {
  const r = deno(['run', '--no-prompt', 'main.mjs']);
  assert.deepEqual(lastJson(r.stdout), EXPECTED);
});

test('Deno: `npm:workflow-telemetry` from Deno\'s global cache (no node_modules, no package.json), no permission flag', async () => {
  const manifest = JSON.parse(readFileSync(join(pkg.project, 'node_modules', 'workflow-telemetry', 'package.json'), 'utf8'));
  const registry = await startRegistry(pkg.tarball, manifest);
  try {
    const dir = elsewhere('wt-deno-npm-');
    cpSync(join(pkg.project, 'sample.js'), join(dir, 'sample.js'));
    writeFileSync(join(dir, 'main.mjs'), esmMain('npm:workflow-telemetry@0.1.0'));
    writeFileSync(join(dir, 'bridge.mjs'), "import { TelemetryBridge } from 'npm:workflow-telemetry@0.1.0/bridge';\n"
      + "console.log(JSON.stringify(new TelemetryBridge({ parentInvocationId: 'p' }).observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' })));\n");
    const env = { DENO_DIR: join(dir, '.deno-cache'), DENO_NO_UPDATE_CHECK: '1', NPM_CONFIG_REGISTRY: registry.url };
    const deno = (main) => runAsync(join(BIN, 'deno'), ['run', '--no-prompt', '--node-modules-dir=none', main], { cwd: dir, env });
    assert.deepEqual(lastJson((await deno('main.mjs')).stdout), EXPECTED);
    assert.deepEqual(lastJson((await deno('bridge.mjs')).stdout), []);
    assert.ok(readdirSync(join(dir, '.deno-cache', 'npm')).length > 0, 'installed into the global cache');
    assert.ok(!existsSync(join(dir, 'node_modules')));
  } finally {
    await registry.close();
  }
});

test('Deno: workflow-telemetry/bridge, the build engines embed, with no permission either', () => {
  writeFileSync(join(pkg.project, 'bridge.mjs'), `import { TelemetryBridge } from 'workflow-telemetry/bridge';
import text from './sample.js';
const bridge = new TelemetryBridge({ parentInvocationId: 'parent' });
const r = bridge.observeNdjson(text);
const closed = r.entries.trim().split('\\n').length + bridge.finalize(undefined, bridge.lastEventAt).length;
console.log(JSON.stringify({ closed, errors: r.errors.length }));
`);
  assert.deepEqual(lastJson(deno(['run', '--no-prompt', 'bridge.mjs']).stdout), { closed: 7, errors: 0 });
});

test('Deno: `deno check` sees the types (strict), and a wrong use fails it', () => {
  writeFileSync(join(pkg.project, 'typed.ts'), `import { RunModel, TelemetryBridge, type TelemetryEntryData, type RunSnapshot } from 'workflow-telemetry';
const bridge = new TelemetryBridge({ parentInvocationId: 'p' });
const entries: readonly TelemetryEntryData[] = bridge.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
const snapshot: RunSnapshot = new RunModel().snapshot();
console.log(entries.length, snapshot.runs.length);
`);
  deno(['check', 'typed.ts']);
  writeFileSync(join(pkg.project, 'wrong.ts'), `import { TelemetryBridge } from 'workflow-telemetry';
new TelemetryBridge({ parentInvocationId: 'p' }).observe({ kind: 'no_such_kind' });
`);
  const r = spawnSync(join(BIN, 'deno'), ['check', 'wrong.ts'], {
    cwd: pkg.project, encoding: 'utf8', timeout: TIMEOUT,
    env: { ...process.env, NO_COLOR: '1', ...denoEnv() },
  });
  assert.notEqual(r.status, 0, 'deno check accepted an unknown event kind');
  assert.match(r.stderr + r.stdout, /no_such_kind/);
});

test('Bun: import and require run the program', () => {
  for (const main of ['main.mjs', 'main.cjs']) {
    assert.deepEqual(lastJson(run(join(BIN, 'bun'), [main]).stdout), EXPECTED, main);
  }
});

test('Bun: a `bun build --compile` binary runs from another folder after its project is deleted', () => {
  const own = consumerProject();
  writeFileSync(join(own.project, 'main.mjs'), esmMain('workflow-telemetry'));
  const binary = join(elsewhere('wt-bun-'), 'app');
  run(join(BIN, 'bun'), ['build', '--compile', 'main.mjs', '--outfile', binary], { cwd: own.project });
  rmSync(join(own.project, '..'), { recursive: true, force: true });
  assert.deepEqual(lastJson(run(binary, [], { cwd: elsewhere() }).stdout), EXPECTED);
});
