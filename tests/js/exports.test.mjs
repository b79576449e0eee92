// The exports of the packed package, validated by the real tools: OTLP/JSON
// against the official protobuf definitions (tests/validate/otlp_check.py on
// PyPI opentelemetry-proto), Prometheus text with promtool and the
// prometheus_client parser plus invariant checks (tests/validate/prom_check.py).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PY = join(ROOT, 'tools', 'venv', 'bin', 'python');
const SAMPLES = ['swamp-deploy.ndjson', 'orchestrator-build.ndjson', 'tasker-checkout.ndjson', 'hostile-names.ndjson'];
const dir = mkdtempSync(join(tmpdir(), 'wt-exports-'));
let RunModel;

before(() => {
  ({ RunModel } = installPacked().require('workflow-telemetry'));
});

function model(options = {}) {
  const m = new RunModel({ stepThresholdMs: 20000, parentInvocationId: 'inv-1', ...options });
  for (const s of SAMPLES) {
    const r = m.ingestNdjson(readFileSync(join(ROOT, 'www', 'samples', s), 'utf8'));
    assert.deepEqual(r.errors, [], s);
  }
  return m;
}

function run(cmd, args, input) {
  return spawnSync(cmd, args, { input, encoding: 'utf8' });
}

test('OTLP/JSON traces parse strictly against the official protobuf definitions', () => {
  const file = join(dir, 'traces.json');
  const request = model().exportTraces();
  writeFileSync(file, JSON.stringify(request));
  const r = run(PY, [join(ROOT, 'tests/validate/otlp_check.py'), file]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(request.resourceSpans[0].scopeSpans[0].spans.length > 20);
});

test('the OTLP file-exporter JSON Lines parse as TracesData, line by line', () => {
  const file = join(dir, 'traces.jsonl');
  const text = model().exportTracesJsonl();
  writeFileSync(file, text);
  assert.equal(text.trim().split('\n').length, 5, 'one line per trace');
  const r = run(PY, [join(ROOT, 'tests/validate/otlp_check.py'), file, '--jsonl']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the checker is not a rubber stamp: it rejects broken payloads', () => {
  const request = model().exportTraces();
  const span = request.resourceSpans[0].scopeSpans[0].spans[0];
  const cases = {
    'upper-case id': (s) => { s.traceId = s.traceId.toUpperCase(); },
    'all-zero span id': (s) => { s.spanId = '0'.repeat(16); },
    'enum name': (s) => { s.kind = 'SPAN_KIND_SERVER'; },
    'numeric int64': (s) => { s.startTimeUnixNano = Number(s.startTimeUnixNano); },
    'snake_case key': (s) => { s.start_time_unix_nano = s.startTimeUnixNano; delete s.startTimeUnixNano; },
    'unknown field': (s) => { s.colour = 'red'; },
  };
  for (const [name, breakIt] of Object.entries(cases)) {
    const copy = structuredClone(request);
    breakIt(copy.resourceSpans[0].scopeSpans[0].spans[0]);
    const file = join(dir, `broken-${name.replace(/\W/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(copy));
    const r = run(PY, [join(ROOT, 'tests/validate/otlp_check.py'), file]);
    assert.equal(r.status, 1, `${name} should be rejected`);
  }
  assert.ok(span);
});

test('the Prometheus exposition passes promtool and the parser checks', () => {
  const text = model().exportMetrics();
  const file = join(dir, 'metrics.prom');
  writeFileSync(file, text);
  const promtool = run('promtool', ['check', 'metrics'], text);
  assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
  const parsed = run(PY, [join(ROOT, 'tests/validate/prom_check.py'), file]);
  assert.equal(parsed.status, 0, parsed.stdout + parsed.stderr);
  assert.match(text, /^workflow_runs_total\{workflow="web-shop",status="failed"\} 1$/m);
  assert.match(text, /^workflow_run_duration_seconds_bucket\{workflow="web-shop",le="60"\} 1$/m);
  const custom = model().exportMetrics({ prefix: 'ci', buckets: [1, 10], maxSeriesPerMetric: 3 });
  assert.equal(run('promtool', ['check', 'metrics'], custom).status, 0);
  assert.match(custom, /^ci_series_dropped_total\{metric="ci_steps_total"\} \d+$/m);
  assert.throws(() => model().exportMetrics({ prefix: '9bad' }), (e) => e.name === 'ArgumentError');
});

test('the OpenMetrics rendering passes the strict OpenMetrics parser', () => {
  const text = model().exportMetrics({ format: 'openmetrics' });
  assert.ok(text.endsWith('# EOF\n'));
  assert.match(text, /^# TYPE workflow_runs counter$/m);
  assert.match(text, /^workflow_runs_total\{/m);
  assert.match(text, /le="60\.0"/);
  const file = join(dir, 'metrics.om');
  writeFileSync(file, text);
  const r = run(PY, [join(ROOT, 'tests/validate/prom_check.py'), file, '--openmetrics']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const broken = join(dir, 'broken.om');
  writeFileSync(broken, text.split('\n').filter((l) => !l.includes('le="+Inf"')).join('\n'));
  assert.equal(run(PY, [join(ROOT, 'tests/validate/prom_check.py'), broken, '--openmetrics']).status, 1, 'a missing +Inf is caught');
  writeFileSync(broken, text.replace('# EOF\n', ''));
  assert.equal(run(PY, [join(ROOT, 'tests/validate/prom_check.py'), broken, '--openmetrics']).status, 1, 'a missing # EOF is caught');
});

test('promtool and the parser catch a broken exposition', () => {
  const text = model().exportMetrics();
  const noInf = text.split('\n').filter((l) => !l.includes('le="+Inf"')).join('\n');
  const file = join(dir, 'broken.prom');
  writeFileSync(file, noInf);
  assert.equal(run(PY, [join(ROOT, 'tests/validate/prom_check.py'), file]).status, 1);
  const noHelp = text.split('\n').filter((l) => !l.startsWith('# HELP ')).join('\n');
  assert.notEqual(run('promtool', ['check', 'metrics'], noHelp).status, 0, 'promtool lints a missing HELP');
  const badEscape = text.replace('workflow="web-shop"', 'workflow="web\\x-shop"');
  assert.notEqual(run('promtool', ['check', 'metrics'], badEscape).status, 0, 'promtool rejects a bad escape');
});

test('lifecycle logs: JSON Lines and logfmt, levels, filters and sampling have effects', () => {
  const m = model();
  const lines = m.exportLogs().trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every((r) => r.correlation_id && r.level && r.event && r.job_id));
  assert.ok(lines.some((r) => r.event === 'job.module.panic' && r.level === 'error'));
  const errors = m.exportLogs({ minLevel: 'error' }).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(errors.length > 0 && errors.length < lines.length && errors.every((r) => r.level === 'error'));
  const noSpawn = m.exportLogs({ events: { deny: ['job.module.spawn'] } });
  assert.ok(!noSpawn.includes('job.module.spawn'));
  const logfmt = m.exportLogs({ format: 'logfmt' });
  assert.match(logfmt.split('\n')[0], /^timestamp=\S+ level=\w+ event=job\.\S+ correlation_id=/);
  const sampled = m.exportLogs({ sampleRate: 0 }).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(sampled.length < lines.length, 'sampling drops the runs that did not fail');
  assert.throws(() => m.exportLogs({ format: 'xml' }), (e) => e.name === 'ArgumentError');
});

test('the event filter option keeps events out of the model', () => {
  const all = model();
  const filtered = model({ events: { deny: ['job.module.*', 'step.*'] } });
  assert.ok(filtered.filtered > 0);
  const count = (m) => m.snapshot().runs.reduce((n, r) => n + r.steps.length, 0);
  assert.ok(count(filtered) < count(all));
  assert.equal(filtered.run('job-4821').steps.length, 0);
});

test('no planted secret reaches any export', () => {
  const m = model();
  const out = JSON.stringify(m.exportTraces()) + m.exportTracesJsonl() + m.exportMetrics() + m.exportLogs() + m.exportLogs({ format: 'logfmt' });
  for (const secret of ['ghp_s3cr3t', 'hunter2', 'tok_live_SECRET123', 'ada@example.com', 'fleet-api', 'verify-model']) {
    assert.ok(!out.includes(secret), `${secret} leaked`);
  }
});
