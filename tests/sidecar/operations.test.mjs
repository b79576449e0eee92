// The sidecar's own health and metrics, as an operator's probe and
// Prometheus see them: /healthz degrading (503, with reasons) on failing
// delivery, a filling spool, dropped entries and silent input, and
// recovering (200) when the cause goes away; the sidecar's counters on
// /metrics, checked against what the test did, by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FAST, bounded, cleanup, endpoint, install, serve, swampRun, tempDir, waitFor } from './helpers.mjs';

let pkg;
before(() => {
  pkg = install();
});
after(cleanup);

const healthz = async (sc) => {
  const r = await fetch(`${sc.url}/healthz`, bounded());
  return { code: r.status, body: await r.json() };
};

/** The value of one sample of the /metrics text, or undefined. */
async function sample(sc, name) {
  const text = await fetch(`${sc.url}/metrics`, bounded()).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test('delivery failing: 503 after 3 failed attempts in a row, with the reason; 200 again after a 202', async () => {
  let answer = 503;
  const ep = await endpoint(() => ({ status: answer }));
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', join(tempDir(), 'spool'), ...FAST]);
  const fresh = await healthz(sc);
  assert.equal(fresh.code, 200);
  assert.deepEqual([fresh.body.status, fresh.body.reasons], ['ok', []]);
  await sc.post(swampRun('d', 2));
  const down = await waitFor(async () => {
    const h = await healthz(sc);
    return h.code === 503 && h;
  }, { what: '/healthz 503', timeout: 10000 });
  assert.equal(down.body.status, 'degraded');
  assert.equal(down.body.reasons.length, 1);
  assert.match(down.body.reasons[0], /^delivery failing: \d+ attempts in a row failed \(last: HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/ingest\)$/);
  assert.ok(ep.requests.length >= 3);
  assert.equal(await sample(sc, 'workflow_sidecar_healthy'), 0);
  answer = 202;
  const up = await waitFor(async () => {
    const h = await healthz(sc);
    return h.code === 200 && h;
  }, { what: '/healthz 200 again', timeout: 10000 });
  assert.deepEqual([up.body.status, up.body.reasons], ['ok', []]);
  assert.equal(up.body.entries.delivered, 2);
  assert.equal(await sample(sc, 'workflow_sidecar_healthy'), 1);
  assert.equal(await sample(sc, 'workflow_sidecar_delivery_consecutive_failures{endpoint="ingest"}'), 0);
});

test('a spool filling past the threshold, then dropping entries: both reasons; the drop reason ends after its window', async () => {
  let answer = 503;
  const ep = await endpoint(() => ({ status: answer }));
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', join(tempDir(), 'spool'), '--spool-max-entries', '5',
    '--health-delivery-failures', '1000', '--health-spool-percent', '60', '--health-drop-window-ms', '1500', ...FAST]);
  await sc.post(swampRun('s1', 2));
  assert.equal((await healthz(sc)).code, 200, '2 of 5 pending: under 60%');
  await sc.post(swampRun('s2', 1));
  const filling = await healthz(sc);
  assert.equal(filling.code, 503);
  assert.deepEqual(filling.body.reasons, ['spool filling: 3 of 5 entries pending (threshold 60%)']);
  const r = await sc.post(swampRun('s3', 4));
  assert.equal(r.body.notSpooled, 2);
  const dropping = await healthz(sc);
  assert.equal(dropping.body.reasons.length, 2);
  assert.equal(dropping.body.reasons[0], 'spool filling: 5 of 5 entries pending (threshold 60%)');
  assert.match(dropping.body.reasons[1], /^entries dropped: 2 child entries could not be spooled, the last \d\.\d s ago$/);
  assert.equal(await sample(sc, 'workflow_sidecar_entries_dropped_total{reason="spool_full"}'), 2);
  assert.equal(await sample(sc, 'workflow_sidecar_spool_entries'), 5);
  assert.ok((await sample(sc, 'workflow_sidecar_spool_bytes')) > 5 * 400, 'five entries of several hundred bytes');
  answer = 202;
  await waitFor(async () => (await healthz(sc)).code === 200, { what: 'recovery once delivered and the window passed', timeout: 10000 });
  assert.equal(await sample(sc, 'workflow_sidecar_spool_entries'), 0);
  assert.equal(await sample(sc, 'workflow_sidecar_spool_bytes'), 0);
  assert.equal(await sample(sc, 'workflow_sidecar_entries_total{outcome="delivered"}'), 5);
});

test('silent input: 503 once no event arrived for --health-silence-ms, 200 after the next event', async () => {
  // 1.5 s: a post and the /healthz after it must fit in it on a loaded machine.
  const sc = await serve(pkg, ['--health-silence-ms', '1500']);
  const silent = await waitFor(async () => {
    const h = await healthz(sc);
    return h.code === 503 && h;
  }, { what: 'silence', timeout: 10000 });
  assert.match(silent.body.reasons[0], /^input silent: no event for \d+\.\d s since the start \(limit 1\.5 s\)$/);
  assert.equal(silent.body.lastEventAt, null);
  await sc.post(swampRun('q', 1));
  const fed = await healthz(sc);
  assert.equal(fed.code, 200);
  assert.ok(Date.parse(fed.body.lastEventAt) <= Date.now());
  const again = await waitFor(async () => {
    const h = await healthz(sc);
    return h.code === 503 && h;
  }, { what: 'silence again', timeout: 10000 });
  assert.match(again.body.reasons[0], /since the last one/);
  const age = await sample(sc, 'workflow_sidecar_last_event_age_seconds');
  assert.ok(age >= 1.5 && age < 30, `age ${age}`);
});

test('the sidecar\'s counters on /metrics: what was posted, rejected, produced and streamed', async () => {
  const sc = await serve(pkg, ['--metrics-prefix', 'wf']);
  assert.equal(await sample(sc, 'wf_sidecar_events_total'), 0);
  assert.equal(await sample(sc, 'wf_sidecar_last_event_age_seconds'), undefined, 'no event yet: no age');
  const stream = new AbortController();
  const res = await fetch(`${sc.url}/events/stream`, { signal: stream.signal });
  assert.equal(res.status, 200);
  await waitFor(async () => (await sample(sc, 'wf_sidecar_stream_clients')) === 1, { what: 'one stream client' });
  const body = `${swampRun('m', 3)}not json\n{"kind":"step_started"}\n`;
  const r = await sc.post(body);
  assert.equal(r.body.accepted, 8);
  assert.equal(r.body.errors.length, 2);
  assert.equal(await sample(sc, 'wf_sidecar_events_total'), 8);
  assert.equal(await sample(sc, 'wf_sidecar_lines_rejected_total'), 2);
  assert.equal(await sample(sc, 'wf_sidecar_entries_total{outcome="produced"}'), 3);
  assert.equal(await sample(sc, 'wf_sidecar_entries_total{outcome="spooled"}'), 0, 'no ingest endpoint: nothing spooled');
  assert.equal(await sample(sc, 'wf_sidecar_spool_max_entries'), 0);
  assert.equal(await sample(sc, 'wf_sidecar_healthy'), 1);
  stream.abort();
  await waitFor(async () => (await sample(sc, 'wf_sidecar_stream_clients')) === 0, { what: 'the stream client gone' });
  // The whole exposition, the run model's families and the sidecar's, passes promtool.
  const text = await fetch(`${sc.url}/metrics`).then((x) => x.text());
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});
