// The consumer every runtime and bundler test runs: one small program (the
// bridge and the run model over the swamp sample, as a user would write it),
// installed with the packed tarball into a fresh temporary project, and the
// result it must print, written out by hand from the sample.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { installPacked } from '../js/pack.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const TOOLS = join(ROOT, 'tools', 'node_modules');
export const BIN = join(TOOLS, '.bin');
/** Loads a tool (vite, webpack, esbuild, rollup...) pinned by tools/package-lock.json. */
export const tool = createRequire(join(ROOT, 'tools', 'package.json'));

const SAMPLE = readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8');

/**
 * What the program prints: the sample's seven child entries (step and
 * status, in the order the steps ended; the cancelled run drains smoke-test
 * as an error) and its two runs (the root cancelled by the user, the nested
 * notify run failed with the step that ran it), with nothing of the secret
 * in the method output.
 */
export const EXPECTED = {
  entries: [
    'compile:success', 'lint:error', 'rollout-eu-west:error', 'rollout-us:east:success',
    'verify:user_error', 'rollout-us:east:success', 'smoke-test:error',
  ],
  runs: ['deploy-fleet:cancelled', 'notify:failed'],
  leaked: false,
};

/**
 * The program, in the dialect-free subset every target runs: `api` is the
 * package's namespace, `text` the sample. `init()` first, as the browser
 * entry needs (a no-op elsewhere).
 */
export const PROGRAM = `
async function program(api, text) {
  await api.init();
  let n = 0;
  const bridge = new api.TelemetryBridge({ parentInvocationId: 'parent', idGenerator: () => 'id-' + ++n });
  const result = bridge.observeNdjson(text);
  const entries = result.entries.trim().split('\\n').map((line) => JSON.parse(line))
    .concat(bridge.finalize(undefined, bridge.lastEventAt));
  const model = new api.RunModel();
  model.ingestNdjson(text);
  const runs = model.snapshot().runs;
  return {
    entries: entries.map((e) => e.workflowContext.stepName + ':' + e.result.status),
    runs: runs.map((r) => r.name + ':' + r.status),
    leaked: JSON.stringify(entries).includes('ghp_s3cr3t'),
  };
}
`;

/** The packed package installed into a fresh project, with the sample in it. */
export function consumerProject() {
  const pkg = installPacked();
  writeFileSync(join(pkg.project, 'sample.js'), `export default ${JSON.stringify(SAMPLE)};\n`);
  writeFileSync(join(pkg.project, 'sample.cjs'), `module.exports = ${JSON.stringify(SAMPLE)};\n`);
  return pkg;
}

/** An ESM main that imports `specifier` and prints the program's result. */
export function esmMain(specifier) {
  return `import * as api from '${specifier}';\nimport text from './sample.js';\n${PROGRAM}\n`
    + 'console.log(JSON.stringify(await program(api, text)));\n';
}

/** The CommonJS main: the same program through require(). */
export function cjsMain(specifier) {
  return `'use strict';\nconst api = require('${specifier}');\nconst text = require('./sample.cjs');\n${PROGRAM}\n`
    + 'program(api, text).then((r) => console.log(JSON.stringify(r)));\n';
}

/** A browser main: the result goes into the page for the test to read. */
export function pageMain(specifier) {
  return `import * as api from '${specifier}';\nimport text from './sample.js';\n${PROGRAM}\n`
    + 'program(api, text).then((r) => { document.body.dataset.result = JSON.stringify(r); },\n'
    + '  (e) => { document.body.dataset.result = JSON.stringify({ error: String(e && e.stack || e) }); });\n';
}

/** The last line a program printed, as JSON. */
export function lastJson(stdout) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** A fresh empty directory, to run a built binary or bundle from elsewhere. */
export function elsewhere(prefix = 'wt-elsewhere-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Copies `file` into a fresh directory; returns its new path. */
export function moveAway(file, name) {
  const dir = elsewhere();
  mkdirSync(dir, { recursive: true });
  const to = join(dir, name);
  cpSync(file, to);
  return to;
}

/**
 * Runs a command without blocking this process (a loopback server of the
 * test may have to answer it meanwhile); fails the test with its output
 * unless it exits 0 within `timeoutMs`.
 */
export async function runAsync(cmd, args, { cwd, env = {}, timeoutMs = 120_000 }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // Ends on 'exit', not 'close': a grandchild holding stdout open would keep
  // 'close' from ever coming. 'close' normally follows within moments, with
  // the last of the output; after a grace period the pipes are dropped.
  const [code, signal, error] = await new Promise((ok) => {
    child.on('error', (err) => ok([null, null, err]));
    child.on('exit', (c, sig) => {
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        ok([c, sig]);
      }, 2_000);
      child.on('close', () => { clearTimeout(grace); ok([c, sig]); });
    });
  });
  clearTimeout(timer);
  assert.ifError(error);
  assert.equal(code, 0, `${cmd} ${args.join(' ')} exited ${code} ${signal ?? ''}\n${stdout}\n${stderr}`);
  return { stdout, stderr };
}
