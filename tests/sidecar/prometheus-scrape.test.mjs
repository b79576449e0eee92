// A real Prometheus server (Debian's) on loopback scrapes the sidecar's
// /metrics and answers a query with the expected series.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installPacked } from '../js/pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'wt-prom-'));
const children = [];
let sidecarUrl;

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Spawns a process and resolves with the first output match of `ready`. */
function start(cmd, args, ready, timeoutMs = 20000) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${cmd} not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d) => {
      out += d;
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        ok(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${cmd} exited ${code}:\n${out}`));
    });
  });
}

before(async () => {
  const pkg = installPacked();
  const m = await start(pkg.bin, ['serve', '--port', '0', '--spool', join(dir, 'spool')], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  sidecarUrl = m[1];
  const body = ['orchestrator-build.ndjson', 'swamp-deploy.ndjson']
    .map((f) => readFileSync(join(ROOT, 'www', 'samples', f), 'utf8').trim())
    .join('\n');
  const r = await fetch(`${sidecarUrl}/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(r.status, 202);
});

after(() => {
  for (const c of children) c.kill('SIGKILL');
});

test('Prometheus scrapes the sidecar and answers a query', async () => {
  const port = await freePort();
  const target = new URL(sidecarUrl).host;
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
    'scrape_configs:', '  - job_name: workflow-telemetry', '    static_configs:', `      - targets: ['${target}']`, '',
  ].join('\n'));
  await start('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], /Server is ready to receive web requests/);
  const query = async (q) => (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`)).json()).data?.result ?? [];
  let series = [];
  for (let i = 0; i < 60 && series.length === 0; i++) { // bounded: at most about 30 s
    await new Promise((r) => setTimeout(r, 500));
    series = await query('workflow_runs_total{workflow="web-shop",status="failed"}');
  }
  assert.equal(series.length, 1, 'the series was scraped');
  assert.equal(series[0].metric.job, 'workflow-telemetry');
  assert.equal(series[0].value[1], '1');
  assert.equal((await query('up'))[0].value[1], '1', 'the scrape succeeded');
  const bucket = await query('workflow_run_duration_seconds_bucket{workflow="web-shop",le="60"}');
  assert.equal(bucket[0].value[1], '1', 'the histogram is queryable');
});
