// The packed package bundled for the browser with no bundler config beyond
// input and output, each page served on loopback and run in headless
// Chromium: Vite and webpack with the default entry (they copy the wasm the
// glue points at with `new URL(..., import.meta.url)`), esbuild, Rollup and
// `bun build` with workflow-telemetry/inline (they copy no assets). Each page
// runs the same program and must show EXPECTED, with no error and no request
// leaving the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium } from '../e2e/browser.mjs';
import { BIN, EXPECTED, consumerProject, pageMain, tool } from './consumer.mjs';

let pkg;
let browser;

before(async () => {
  pkg = consumerProject();
  writeFileSync(join(pkg.project, 'main.js'), pageMain('workflow-telemetry'));
  writeFileSync(join(pkg.project, 'inline.js'), pageMain('workflow-telemetry/inline'));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** An index.html loading `script` as a module. */
function html(script) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title><link rel="icon" href="data:,"></head><body>
<script type="module" src="${script}"></script></body></html>\n`;
}

/** Serves `dir` on loopback, opens `page` in Chromium, and returns what the program put in the page. */
async function runPage(dir, path = '/index.html') {
  const server = await startServer({ dir, port: 0 });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const problems = [];
  const wasm = [];
  let page;
  // newPage() inside the try: a crashed Chromium must not leave the server listening.
  try {
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('request', (r) => {
      if (!r.url().startsWith(`${origin}/`) && !r.url().startsWith('data:')) problems.push(`left the origin: ${r.url()}`);
      if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
    });
    await page.goto(`${origin}${path}`);
    await page.waitForFunction(() => document.body.dataset.result, null, { timeout: 30_000 });
    const result = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    return { result, problems, wasm };
  } finally {
    try {
      await page?.close();
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  }
}

/** Runs the page in `outDir` and checks it: EXPECTED, no problem, `wasmFetches` wasm requests. */
async function expectPage(outDir, wasmFetches) {
  const { result, problems, wasm } = await runPage(outDir);
  assert.deepEqual(problems, []);
  assert.deepEqual(result, EXPECTED);
  assert.equal(wasm.length, wasmFetches, wasmFetches ? 'the wasm the bundler copied is fetched once' : 'nothing fetched: the wasm is in the bundle');
}

test('Vite (default entry, no config)', async () => {
  const { build } = await import(tool.resolve('vite'));
  const root = join(pkg.project, 'vite');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), html('../main.js'));
  const outDir = join(pkg.project, 'out-vite');
  const warnings = [];
  const logger = {
    info() {}, clearScreen() {}, hasErrorLogged: () => false, hasWarned: false,
    warn(msg) { warnings.push(msg); }, warnOnce(msg) { warnings.push(msg); }, error(msg) { warnings.push(msg); },
  };
  await build({ root, customLogger: logger, configFile: false, build: { outDir, emptyOutDir: true } });
  assert.deepEqual(warnings, [], 'Vite warns of nothing');
  await expectPage(outDir, 1);
});

test('webpack (default entry, no config)', async () => {
  const webpack = tool('webpack');
  const outDir = join(pkg.project, 'out-webpack');
  const stats = await new Promise((ok, fail) => webpack({
    mode: 'production', context: pkg.project, entry: './main.js',
    output: { path: outDir, filename: 'main.js' },
  }, (err, s) => (err ? fail(err) : ok(s))));
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  // Only webpack's size hints (the wasm is 0.7 MB, over its 244 KiB advice).
  const sizeHints = new Set(['AssetsOverSizeLimitWarning', 'EntrypointsOverSizeLimitWarning', 'NoAsyncChunksWarning']);
  assert.deepEqual(stats.compilation.warnings.filter((w) => !sizeHints.has(w.name)).map((w) => w.message), []);
  writeFileSync(join(outDir, 'index.html'), html('./main.js'));
  await expectPage(outDir, 1);
});

test('esbuild (workflow-telemetry/inline, no config)', async () => {
  const esbuild = tool('esbuild');
  const outDir = join(pkg.project, 'out-esbuild');
  const result = await esbuild.build({
    entryPoints: [join(pkg.project, 'inline.js')], bundle: true, format: 'esm',
    outfile: join(outDir, 'main.js'), absWorkingDir: pkg.project, logLevel: 'silent',
  });
  assert.deepEqual(result.warnings, [], 'esbuild warns of nothing');
  writeFileSync(join(outDir, 'index.html'), html('./main.js'));
  await expectPage(outDir, 0);
  assert.deepEqual(readdirSync(outDir).sort(), ['index.html', 'main.js'], 'no asset to copy');
});

test('Rollup (workflow-telemetry/inline, node-resolve only)', async () => {
  const { rollup } = tool('rollup');
  const { nodeResolve } = tool('@rollup/plugin-node-resolve');
  const outDir = join(pkg.project, 'out-rollup');
  const warnings = [];
  const bundle = await rollup({ input: join(pkg.project, 'inline.js'), plugins: [nodeResolve({ browser: true })], onwarn: (w) => warnings.push(w.message) });
  await bundle.write({ file: join(outDir, 'main.js'), format: 'es' });
  await bundle.close();
  assert.deepEqual(warnings, [], 'Rollup warns of nothing');
  writeFileSync(join(outDir, 'index.html'), html('./main.js'));
  await expectPage(outDir, 0);
});

test('bun build for the browser (workflow-telemetry/inline)', async () => {
  const outDir = join(pkg.project, 'out-bun');
  const r = spawnSync(join(BIN, 'bun'), ['build', 'inline.js', '--target=browser', '--outfile', join(outDir, 'main.js')],
    { cwd: pkg.project, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(join(outDir, 'index.html'), html('./main.js'));
  await expectPage(outDir, 0);
});
