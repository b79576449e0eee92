// A real Prometheus server (Debian's) on loopback scrapes the sidecar's
// /metrics and answers a query with the expected series; it evaluates every
// alert rule of deploy/prometheus/ on what it scraped, and every query of
// the Grafana dashboard in deploy/grafana/, without an error. promtool
// checks the rules and runs their unit tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { installPacked } from '../js/pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'workflow-telemetry.rules.yml');
/** The rules the file declares: every one must load and evaluate. */
const ALERTS = readFileSync(RULES, 'utf8').split('\n').filter((l) => /^\s+- alert: /.test(l)).length;
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'workflow-telemetry.json');
const dir = mkdtempSync(join(tmpdir(), 'wt-prom-'));
const children = [];
let sidecarUrl;
let posted;

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
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(new Error(`${cmd} did not start: ${err.message}`));
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
  posted = (await r.json()).accepted;
});

after(() => {
  for (const c of children) c.kill('SIGKILL');
});

let query;
let promUrl;

test('Prometheus scrapes the sidecar and answers a query', async () => {
  const port = await freePort();
  const target = new URL(sidecarUrl).host;
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
    'rule_files:', `  - ${JSON.stringify(RULES)}`,
    'scrape_configs:', '  - job_name: workflow-telemetry', '    static_configs:', `      - targets: ['${target}']`, '',
  ].join('\n'));
  await start('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], /Server is ready to receive web requests/);
  promUrl = `http://127.0.0.1:${port}`;
  query = async (q) => (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(15000) })).json();
  const result = async (q) => (await query(q)).data?.result ?? [];
  let series = [];
  for (let i = 0; i < 60 && series.length === 0; i++) { // bounded: at most about 30 s
    await new Promise((r) => setTimeout(r, 500));
    series = await result('workflow_runs_total{workflow="web-shop",status="failed"}');
  }
  assert.equal(series.length, 1, 'the series was scraped');
  assert.equal(series[0].metric.job, 'workflow-telemetry');
  assert.equal(series[0].value[1], '1');
  assert.equal((await result('up'))[0].value[1], '1', 'the scrape succeeded');
  const bucket = await result('workflow_run_duration_seconds_bucket{workflow="web-shop",le="60"}');
  assert.equal(bucket[0].value[1], '1', 'the histogram is queryable');
  const finished = await result('workflow_runs_finished_total{workflow="web-shop"}');
  assert.deepEqual(finished.map((x) => [x.metric.result, x.metric.failure_class, x.value[1]]), [['failed', 'panic', '1']]);
  assert.equal((await result('workflow_sidecar_events_total'))[0].value[1], String(posted), 'the sidecar\'s own counters');
});

test('Prometheus evaluates every alert rule on the scraped series without an error', async () => {
  assert.ok(promUrl, 'Prometheus is running');
  // Until every rule was evaluated after the sidecar's series arrived (the
  // down alert, pending while they were absent, then inactive).
  let rules = [];
  for (let i = 0; i < 40; i++) { // bounded: at most about 20 s
    const groups = (await (await fetch(`${promUrl}/api/v1/rules`, { signal: AbortSignal.timeout(15000) })).json()).data.groups;
    rules = groups.flatMap((g) => g.rules);
    if (rules.find((r) => r.name === 'WorkflowTelemetryDown')?.state === 'inactive') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(rules.length, ALERTS);
  for (const r of rules) {
    assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
    assert.equal(r.lastError ?? '', '', r.name);
  }
  // The sidecar is scraped and healthy: the down alert is not firing.
  const down = rules.find((r) => r.name === 'WorkflowTelemetryDown');
  assert.equal(down.state, 'inactive');
});

test('every query of the Grafana dashboard runs against the scraped series', async () => {
  assert.ok(promUrl, 'Prometheus is running');
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr]));
  const variable = dashboard.templating.list.find((v) => v.name === 'workflow').query.query;
  assert.ok(exprs.length >= 14);
  // Grafana's variables as it would expand them for "All" and a 1-minute step.
  const expand = (q) => q.replaceAll('$workflow', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h');
  for (const [title, expr] of exprs) {
    const answer = await query(expand(expr));
    assert.equal(answer.status, 'success', `${title}: ${expr}: ${answer.error}`);
  }
  // The variable's label_values() is the series API's label values.
  const match = /^label_values\((\w+), (\w+)\)$/.exec(variable);
  const values = await (await fetch(`${promUrl}/api/v1/label/${match[2]}/values?match[]=${match[1]}`, { signal: AbortSignal.timeout(15000) })).json();
  assert.deepEqual(values.data.sort(), ['deploy-fleet', 'notify', 'web-shop']);
  // A panel that must show data with these samples loaded (once two
  // scrapes are in the window for increase()).
  const byResult = exprs.find(([title]) => title.startsWith('Runs ended per hour'))[1];
  let shown = [];
  for (let i = 0; i < 40 && shown.length === 0; i++) { // bounded: at most about 20 s
    shown = (await query(expand(byResult))).data.result.map((x) => x.metric.result).sort();
    if (shown.length === 0) await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(shown, ['cancelled', 'failed']);
});

test('promtool checks the alert rules and passes their unit tests', () => {
  const check = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`SUCCESS: ${ALERTS} rules found`));
  const unit = spawnSync('promtool', ['test', 'rules', 'workflow-telemetry.rules.test.yml'], { cwd: dirname(RULES), encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  assert.match(unit.stdout, /SUCCESS/);
});
