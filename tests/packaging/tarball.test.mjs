// What `npm publish` would ship, and how the package behaves at its edges:
// the tarball's files and metadata (README, LICENSE, links, one copy of each
// wasm, `bin` as npm writes it), the CLI in a pipeline that closes early, the
// browser entry used in Node, and `init()` from bytes on every entry.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, consumerProject, lastJson, runAsync } from './consumer.mjs';

let pkg;
let dir;

before(() => {
  pkg = consumerProject();
  dir = join(pkg.project, 'node_modules', 'workflow-telemetry');
});

test('the tarball carries the README, the MIT licence and the package links', () => {
  const listing = execFileSync('tar', ['-tzf', pkg.tarball], { encoding: 'utf8' }).split('\n');
  assert.ok(listing.includes('package/README.md') && listing.includes('package/LICENSE'), listing.join('\n'));
  assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.match(readFileSync(join(dir, 'LICENSE'), 'utf8'), /^MIT License\n[\s\S]*Permission is hereby granted, free of charge/);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  assert.equal(manifest.license, 'MIT');
  assert.match(manifest.repository.url, /^git\+https:\/\//);
  assert.match(manifest.homepage, /^https:\/\//);
  assert.match(manifest.bugs.url, /^https:\/\//);
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').match(/^repository = "(.*)"$/m)[1];
  assert.equal(manifest.repository.url, `git+${cargo}.git`, 'one repository, as Cargo.toml names it');
});

test('one copy of each wasm, and no two files alike', () => {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name)); else files.push(join(d, e.name));
    }
  };
  walk(dir);
  const wasm = files.filter((f) => f.endsWith('.wasm')).map((f) => f.slice(dir.length + 1)).sort();
  assert.deepEqual(wasm, ['dist/web/workflow_telemetry_bg.wasm', 'dist/web/workflow_telemetry_bridge_bg.wasm']);
  const seen = new Map();
  for (const f of files) {
    const hash = createHash('sha256').update(readFileSync(f)).digest('hex');
    assert.ok(!seen.has(hash), `${f} is a copy of ${seen.get(hash)}`);
    seen.set(hash, f);
  }
});

test('npm publish --dry-run corrects nothing (bin as npm writes it)', () => {
  const r = spawnSync('npm', ['publish', '--dry-run', '--offline'],
    { cwd: join(ROOT, 'pkg'), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('npm warn') && !l.includes('requires you to be logged in'));
  assert.deepEqual(warnings, []);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.bin, { 'workflow-telemetry': 'cli.mjs' });
});

test('the CLI piped into a reader that stops early exits quietly, its code saying whether a line was rejected', async () => {
  const line = JSON.stringify({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', timestamp: 1 });
  const events = Array.from({ length: 20_000 }, (_, i) => line.replace('"s"', `"s${i}"`)).join('\n');
  for (const [input, exit, stderr] of [[`${events}\n`, 0, ''], [`not json\n${events}\n`, 1, /^line 1: [^\n]*\n$/]]) {
    const child = spawn(pkg.bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    // Read one chunk, then close the pipe like `head -c`.
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    // Bounded: a CLI that outlives its closed pipe fails here (killed, so a
    // signal) instead of hanging the run.
    let late = false;
    const timer = setTimeout(() => { late = true; child.kill('SIGKILL'); }, 30_000);
    const [code, signal] = await new Promise((ok) => child.on('close', (c, s) => ok([c, s])));
    clearTimeout(timer);
    assert.ok(!late, `killed after 30 s: the CLI did not exit once its stdout closed\n${err}`);
    assert.equal(signal, null, `ended by ${signal}\n${err}`);
    if (typeof stderr === 'string') assert.equal(err, stderr); else assert.match(err, stderr);
    assert.equal(code, exit);
  }
});

test('the browser entry in Node says what to import instead of failing to fetch', async () => {
  for (const entry of ['browser.js', 'bridge.js']) {
    const api = await import(pathToFileURL(join(dir, entry)).href);
    await assert.rejects(api.init(), (err) => {
      assert.match(err.message, /import 'workflow-telemetry'/);
      assert.match(err.message, /workflow-telemetry\/inline/);
      assert.match(err.message, /init\(bytes\)/);
      assert.doesNotMatch(err.message, /fetch failed/);
      return true;
    }, entry);
  }
});

/** Runs `code` (an ES module) in a fresh Node process in the project; returns its last line as JSON. */
async function fresh(code) {
  const file = join(pkg.project, `fresh-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const { stdout } = await runAsync(process.execPath, [file], { cwd: pkg.project });
  return lastJson(stdout);
}

test('init() from bytes works on every entry, each in a fresh process; the browser entries use those bytes', async () => {
  const entries = [
    ['browser.js', 'workflow_telemetry_bg.wasm'], ['bridge.js', 'workflow_telemetry_bridge_bg.wasm'],
    ['inline.js', 'workflow_telemetry_bg.wasm'], ['bridge.inline.js', 'workflow_telemetry_bridge_bg.wasm'],
    ['node.mjs', 'workflow_telemetry_bg.wasm'], ['bridge.mjs', 'workflow_telemetry_bridge_bg.wasm'],
  ];
  for (const [entry, wasm] of entries) {
    const result = await fresh(`import { readFileSync } from 'node:fs';
const dir = new URL('./node_modules/workflow-telemetry/', import.meta.url);
const api = await import(new URL('${entry}', dir));
// Bytes that are no wasm first: the browser entries must refuse them (so the
// bytes given are the ones used); the others are loaded already and ignore them.
const refusedGarbage = await api.init(new Uint8Array([1, 2, 3])).then(() => false, () => true);
await api.init(readFileSync(new URL('dist/web/${wasm}', dir)));
const bridge = new api.TelemetryBridge({ parentInvocationId: 'p' });
bridge.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
console.log(JSON.stringify({ refusedGarbage, inFlight: bridge.inFlight }));
`);
    const browser = entry === 'browser.js' || entry === 'bridge.js';
    assert.deepEqual(result, { refusedGarbage: browser, inFlight: 1 }, entry);
  }
  const cjs = pkg.require('workflow-telemetry/inline');
  await cjs.init(readFileSync(join(dir, 'dist', 'web', 'workflow_telemetry_bg.wasm')));
  assert.equal(typeof cjs.RunModel, 'function');
});

test('init(url): the browser entry fetches the wasm from the URL it is given (a loopback server here)', async () => {
  const bytes = readFileSync(join(dir, 'dist', 'web', 'workflow_telemetry_bg.wasm'));
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    res.writeHead(200, { 'content-type': 'application/wasm' }).end(bytes);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const url = `http://127.0.0.1:${server.address().port}/assets/wt.wasm`;
    const result = await fresh(`const api = await import(new URL('./node_modules/workflow-telemetry/browser.js', import.meta.url));
await api.init(new URL('${url}'));
console.log(JSON.stringify({ version: api.version() }));
`);
    assert.match(result.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(requests, ['/assets/wt.wasm']);
  } finally {
    await new Promise((ok) => server.close(ok));
  }
});
