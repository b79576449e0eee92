// Forwarding of finished runs' spans to an OTLP/HTTP endpoint on 127.0.0.1:
// valid ExportTraceServiceRequest JSON at /v1/traces, each run once when it
// has ended, 503 retried (honouring Retry-After), a refused trace
// dead-lettered (not retried) while the others in its request are exported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

test('a poison trace: a refused request is split, the refused trace dead-lettered (not retried), the other exported; dead-letters list and resend', async () => {
  // The endpoint refuses (400) any request holding the Tasker run 4812.
  const poisoned = (text) => text.includes('"4812"');
  let accept = false;
  const ep = await endpoint((req) => ({ status: poisoned(req.text) && !accept ? 400 : 200, body: '{}' }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, '--spool', spool, ...FAST]);
  // One body: both runs end before the first export, so they share a request.
  await sc.post(`${sample('swamp-deploy.ndjson')}${sample('tasker-checkout.ndjson')}`);
  await waitFor(async () => (await sc.health()).otlp.deadLetteredTraces === 1, { what: 'the dead letter' });
  await sleep(600); // many intervals and retry delays later: nothing is sent again
  const sent = ep.requests.map((r) => [r.status, rootRuns(JSON.parse(r.text)).join()]);
  assert.deepEqual(sent[0], [400, '4812,run-7f3a'], 'one request with both');
  assert.deepEqual(sent.slice(1).sort(), [[200, 'run-7f3a'], [400, '4812']], 'then each trace alone, once: the refused one not retried');
  const refusedAlone = ep.requests.find((r, i) => i > 0 && r.status === 400);
  const h = await sc.health();
  assert.equal(h.otlp.exportedRuns, 1);
  assert.equal(h.otlp.droppedRuns, 0);
  assert.ok(h.otlp.deadLetteredSpans > 0);
  assert.match(h.otlp.lastError, /HTTP 400 .*permanent, not retried/);
  assert.ok(h.reasons.some((r) => r.startsWith('traces dead-lettered: 1 refused for good by the OTLP endpoint')), h.reasons.join('; '));
  const metrics = await fetch(`${sc.url}/metrics`).then((r) => r.text());
  assert.match(metrics, new RegExp(`^workflow_sidecar_otlp_spans_total\\{outcome="dead_lettered"\\} ${h.otlp.deadLetteredSpans}$`, 'm'));
  assert.match(sc.stderr, /dead letter: trace [0-9a-f]{32} \(\d+ spans\) refused by the OTLP endpoint/);
  const kept = join(spool, 'dead-letter', 'otlp');
  const files = readdirSync(kept).sort();
  assert.equal(files.length, 2, files.join());
  const traceId = files[0].replace(/\.json$/, '');
  assert.equal(readFileSync(join(kept, files[0]), 'utf8'), refusedAlone.text, 'kept exactly as it was sent');
  assert.match(readFileSync(join(kept, files[1]), 'utf8'), /^HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
  assert.equal((await sc.stop()).code, 0);

  const cli = (...args) => spawnSync(pkg.bin, ['dead-letters', ...args], { encoding: 'utf8', timeout: 10000 });
  const list = cli('list', '--spool', spool);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^otlp:${traceId}\\t20\\d\\d-\\d\\d-\\d\\dT[0-9:.]+Z\\tHTTP 400 from `));
  const resend = cli('resend', '--spool', spool, `otlp:${traceId}`);
  assert.equal(resend.status, 0, resend.stderr);
  assert.deepEqual(readdirSync(kept), []);

  // The next start sends it first; the endpoint now takes it.
  accept = true;
  const again = await serve(pkg, ['--otlp-endpoint', ep.url, '--spool', spool, ...FAST]);
  await waitFor(async () => (await again.health()).otlp.resentTraces === 1, { what: 'the re-sent trace' });
  assert.equal(ep.requests.length, 4);
  assert.equal(ep.requests[3].text, refusedAlone.text);
  assert.deepEqual(readdirSync(join(spool, 'otlp-resend')), []);
  assert.equal(cli('list', '--spool', spool).stdout, '');
});

test('refused as a whole (401): not split, every trace kept back, none sent again; over --spool-max-bytes they are dropped, counted', async () => {
  const ep = await endpoint(() => ({ status: 401, body: '{}' }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, '--spool', spool, ...FAST]);
  await sc.post(`${sample('swamp-deploy.ndjson')}${sample('tasker-checkout.ndjson')}`);
  await waitFor(async () => (await sc.health()).otlp.deadLetteredTraces === 2, { what: 'two dead letters' });
  await sleep(600);
  assert.equal(ep.requests.length, 1, 'one request: a 401 is the same for any part of it');
  assert.equal(readdirSync(join(spool, 'dead-letter', 'otlp')).filter((f) => f.endsWith('.json')).length, 2);
  await sc.stop();

  // A budget too small for any trace: refused traces are dropped, counted, logged.
  const tight = join(tempDir(), 'spool');
  const small = await serve(pkg, ['--otlp-endpoint', ep.url, '--spool', tight, '--spool-max-bytes', '200', ...FAST]);
  await small.post(sample('tasker-checkout.ndjson'));
  await waitFor(async () => (await small.health()).otlp.droppedRuns === 1, { what: 'the dropped trace' });
  const h = await small.health();
  assert.equal(h.otlp.deadLetteredTraces, 0);
  assert.ok(h.otlp.droppedSpans > 0);
  assert.match(small.stderr, /cannot keep refused trace [0-9a-f]{32} \(.*would pass the limit of 200\); dropped/);
  const keptFiles = existsSync(join(tight, 'dead-letter', 'otlp')) ? readdirSync(join(tight, 'dead-letter', 'otlp')) : [];
  assert.deepEqual(keptFiles, [], 'nothing kept');
});

test('a moved-back trace that keeps failing is tried 3 times, with backoff, then waits for the next start: the runs ending meanwhile go out', async () => {
  const spool = join(tempDir(), 'spool');
  mkdirSync(join(spool, 'otlp-resend'), { recursive: true });
  const stuck = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'x' }, spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'stuck-run', kind: 1, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] };
  writeFileSync(join(spool, 'otlp-resend', `${'ab'.repeat(16)}.json`), JSON.stringify(stuck));
  const ep = await endpoint((req) => (req.text.includes('stuck-run') ? { status: 503 } : { status: 200, body: '{}' }));
  const sc = await serve(pkg, ['--otlp-endpoint', ep.url, '--spool', spool, ...FAST]);
  await sc.post(sample('tasker-checkout.ndjson'));
  await waitFor(async () => (await sc.health()).otlp.exportedRuns === 1, { what: 'the new run exported' });
  await sleep(600);
  const tries = ep.requests.filter((r) => r.text.includes('stuck-run'));
  assert.equal(tries.length, 3, 'tried three times, then left for the next start');
  assert.ok(tries[2].at - tries[0].at >= 100, 'with backoff between the tries (--retry-min-ms 50, doubling)');
  assert.match(sc.stderr, /re-sending (ab){16}\.json failed 3 times \(HTTP 503 /);
  assert.deepEqual(readdirSync(join(spool, 'otlp-resend')), [`${'ab'.repeat(16)}.json`], 'it stays there');
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
