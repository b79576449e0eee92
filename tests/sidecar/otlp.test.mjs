// Forwarding of finished runs' spans to an OTLP/HTTP endpoint on 127.0.0.1:
// valid ExportTraceServiceRequest JSON at /v1/traces, each run once when it
// has ended, 503 retried (honouring Retry-After), 400 dropped, not retried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAST, ROOT, cleanup, endpoint, install, sample, serve, sleep, tempDir, waitFor } from './helpers.mjs';

let pkg;
before(() => {
  pkg = install();
});
after(cleanup);

const PY = join(ROOT, 'tools', 'venv', 'bin', 'python');
const spansOf = (body) => body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const attr = (span, key) => span.attributes.find((a) => a.key === key)?.value?.stringValue;
const rootRuns = (body) => spansOf(body).filter((s) => !s.parentSpanId).map((s) => attr(s, 'cicd.pipeline.run.id')).sort();

test('finished runs arrive once at /v1/traces as valid OTLP/JSON; 503 is retried after Retry-After', async () => {
  const ep = await endpoint((req, n) => (n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200, body: '{}' }));
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, '--service-name', 'ci-sidecar', ...FAST]);
  // One body, so the first export already sees every run; a run still going is not sent.
  const body0 = `${sample('swamp-deploy.ndjson')}${sample('tasker-checkout.ndjson')}{"event":"job.lifecycle.start","job_id":"still-running","timestamp":1000}\n`;
  assert.equal((await sc.post(body0)).body.accepted, 59);

  await waitFor(() => ep.requests.some((r) => r.status === 200), { timeout: 8000, what: 'an accepted export' });
  const [refused, ok] = ep.requests;
  assert.equal(refused.status, 503);
  assert.ok(ok.at - refused.at >= 900, `Retry-After: 1 was honoured (${ok.at - refused.at} ms, backoff alone is < 500)`);
  assert.equal(ok.path, '/v1/traces');
  assert.equal(ok.headers['content-type'], 'application/json');
  const body = JSON.parse(ok.text);
  assert.ok(Array.isArray(body.resourceSpans) && body.resourceSpans.length > 0);
  assert.deepEqual(rootRuns(body), ['4812', 'run-7f3a'], 'one trace per ended top-level run');
  assert.ok(spansOf(body).some((s) => attr(s, 'cicd.pipeline.run.id') === 'run-nested-1'), 'nested runs travel with their root');
  assert.equal(body.resourceSpans[0].resource.attributes.find((a) => a.key === 'service.name').value.stringValue, 'ci-sidecar');
  assert.deepEqual(ok.text, refused.text, 'the retry sends the same request');
  if (existsSync(PY)) {
    const file = join(tempDir(), 'traces.json');
    writeFileSync(file, ok.text);
    const check = spawnSync(PY, [join(ROOT, 'tests/validate/otlp_check.py'), file], { encoding: 'utf8', timeout: 30000 });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  }

  // Nothing is sent twice; the run that was going is sent once it ends.
  await sleep(400);
  assert.equal(ep.requests.length, 2);
  await sc.post('{"event":"job.lifecycle.complete","job_id":"still-running","timestamp":2000}', '/events?source=orch');
  await waitFor(() => ep.requests.length === 3, { what: 'the export of the run that ended later' });
  assert.deepEqual(rootRuns(JSON.parse(ep.requests[2].text)), ['still-running']);
  await sleep(400);
  assert.equal(ep.requests.length, 3);
  const h = await sc.health();
  assert.equal(h.otlp.exportedRuns, 3);
  assert.equal(h.otlp.failures, 1);
  assert.equal(h.otlp.pendingRuns, 0);
});

test('a 400 is permanent: dropped, counted, not retried', async () => {
  const ep = await endpoint(() => ({ status: 400, body: '{"message":"bad"}' }));
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, ...FAST]);
  await sc.post(sample('tasker-checkout.ndjson'));
  await waitFor(() => ep.requests.length === 1, { what: 'the export' });
  await sleep(600); // many intervals and retry delays later
  assert.equal(ep.requests.length, 1);
  const h = await sc.health();
  assert.equal(h.otlp.droppedRuns, 1);
  assert.equal(h.otlp.exportedRuns, 0);
  assert.match(h.otlp.lastError, /HTTP 400 .*permanent, dropped/);
});

test('runs that ended are exported on shutdown, within the deadline', async () => {
  const ep = await endpoint(() => ({ status: 200 }));
  // A long interval: only the shutdown flush can send it.
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, '--flush-interval-ms', '600000', '--timeout-ms', '500']);
  await sc.post(sample('tasker-checkout.ndjson'));
  assert.equal(ep.requests.length, 0);
  const { code } = await sc.stop();
  assert.equal(code, 0);
  assert.equal(ep.requests.length, 1);
  assert.deepEqual(rootRuns(JSON.parse(ep.requests[0].text)), ['4812']);
});

test('an abandoned run is a finished run: its trace is sent, as an error', async () => {
  const ep = await endpoint(() => ({ status: 200 }));
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, ...FAST]);
  const t0 = Date.parse('2026-03-01T10:00:00.000Z');
  const lines = [
    { kind: 'started', runId: 'died', workflowName: 'wf', timestamp: t0 },
    { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', timestamp: t0 + 1 },
    // The engine died; its next run starts on the same source.
    { kind: 'started', runId: 'next', workflowName: 'wf', timestamp: t0 + 100 },
  ].map((l) => JSON.stringify(l)).join('\n');
  assert.equal((await sc.post(lines, '/events?source=engine')).status, 202);
  await waitFor(() => ep.requests.length === 1, { what: 'the export' });
  const spans = spansOf(JSON.parse(ep.requests[0].text));
  const root = spans.find((s) => !s.parentSpanId);
  assert.equal(attr(root, 'cicd.pipeline.run.id'), 'died');
  assert.equal(attr(root, 'cicd.pipeline.result'), 'error');
  assert.equal(attr(root, 'error.type'), 'abandoned');
  assert.equal(root.status.code, 2);
  await sleep(400);
  assert.equal(ep.requests.length, 1, 'the run still going is not sent');
});
