// The sidecar's HTTP API, through the packed package's bin: events in over
// POST /events, runs, metrics, health, the live stream, limits and refusals,
// the CLI's usage errors, and a clean exit on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { cleanup, install, sample, serve, sleep, tempDir, waitFor } from './helpers.mjs';

let pkg;
let sc;

before(async () => {
  pkg = install();
  sc = await serve(pkg, ['--max-body-bytes', '65536', '--heartbeat-ms', '200']);
});
after(cleanup);

test('POST /events with the bundled samples: runs, one run, metrics', async () => {
  const counts = {};
  for (const name of ['swamp-deploy.ndjson', 'orchestrator-build.ndjson', 'tasker-checkout.ndjson']) {
    const r = await sc.post(sample(name), `/events?source=${name}`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors, [], name);
    counts[name] = r.body.accepted;
  }
  assert.deepEqual(counts, { 'swamp-deploy.ndjson': 25, 'orchestrator-build.ndjson': 11, 'tasker-checkout.ndjson': 33 });

  const snap = await sc.json('/runs');
  const runs = Object.fromEntries(snap.runs.map((r) => [`${r.dialect}:${r.id}`, r.status]));
  assert.equal(runs['swamp:run-7f3a'], 'cancelled');
  assert.equal(runs['orchestrator:job-4821'], 'failed');
  assert.equal(runs['tasker:4812'], 'completed');
  assert.ok(!JSON.stringify(snap).includes('ghp_s3cr3t'), 'redacted at ingestion');

  const one = await fetch(`${sc.url}/runs/run-7f3a`);
  assert.equal(one.status, 200);
  assert.equal((await one.json()).name, 'deploy-fleet');
  const missing = await fetch(`${sc.url}/runs/${encodeURIComponent('no such run')}`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();

  const metrics = await fetch(`${sc.url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await metrics.text();
  assert.match(text, /^# TYPE workflow_runs_total counter$/m);
  assert.match(text, /^workflow_runs_total\{workflow="deploy-fleet",status="cancelled"\} 1$/m);

  const health = await sc.health();
  assert.equal(health.status, 'ok');
  assert.equal(health.events.accepted, 69);
  assert.equal(health.entries.produced, 7, 'the swamp sample gives its 7 child entries');
  assert.equal(health.spool, null, 'nothing is spooled without --ingest-endpoint');
});

test('bad lines are reported with their line numbers; all bad is a 400', async () => {
  const body = [
    JSON.stringify({ kind: 'started', runId: 'lines-1', workflowName: 'w' }),
    'not json',
    '',
    JSON.stringify({ kind: 'step_failed', jobId: 'j', stepId: 's', error: 5 }),
    JSON.stringify({ kind: 'completed', runId: 'lines-1' }),
  ].join('\n');
  const r = await sc.post(body);
  assert.equal(r.status, 202);
  assert.equal(r.body.accepted, 2);
  assert.deepEqual(r.body.errors.map((e) => e.line), [2, 4]);
  assert.match(r.body.errors[1].message, /error: expected a string, got number/);

  const bad = await sc.post('nope\n{"kind":"started"}\n');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.accepted, 0);
  assert.deepEqual(bad.body.errors.map((e) => e.line), [1, 2]);

  const array = await sc.post(JSON.stringify([{ kind: 'started', runId: 'arr-1', workflowName: 'w' }, { kind: 'completed', runId: 'arr-1' }]));
  assert.equal(array.status, 202, 'a JSON array of events is accepted too');
  assert.equal(array.body.accepted, 2);
});

test('limits and refusals: 413, 404, 405, cross-origin and foreign Host', async () => {
  const big = `${JSON.stringify({ kind: 'job_started', jobId: 'x'.repeat(1000) })}\n`.repeat(100);
  const r = await fetch(`${sc.url}/events`, { method: 'POST', body: big });
  assert.equal(r.status, 413);
  assert.match((await r.json()).error, /larger than 65536 bytes/);
  assert.equal((await sc.health()).limited.bodyTooLarge, 1, 'counted');

  for (const path of ['/nope', '/runs-x', '/metrics/extra', '/pkg/package.json']) {
    const res = await fetch(sc.url + path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
  const get = await fetch(`${sc.url}/events`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  await get.body?.cancel();

  const cross = await fetch(`${sc.url}/events`, { method: 'POST', body: '{}', headers: { origin: 'http://evil.example' } });
  assert.equal(cross.status, 403);
  await cross.body?.cancel();

  // DNS rebinding: the browser would send the attacker's host name.
  const status = await new Promise((resolve, reject) => {
    const { port } = new URL(sc.url);
    const req = request({ host: '127.0.0.1', port, path: '/runs', headers: { host: `rebind.example:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 403);
});

/** Reads SSE messages from a fetch response until `until(messages)` holds or 5 s pass. */
async function readStream(res, until) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const messages = [];
  const comments = [];
  let buf = '';
  const deadline = Date.now() + 5000;
  try {
    while (!until(messages, comments)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream: timed out with ${messages.length} messages`);
      let timer;
      const chunk = await Promise.race([reader.read(), new Promise((r) => { timer = setTimeout(() => r({ timeout: true }), left); })]);
      clearTimeout(timer);
      if (chunk.done) throw new Error(`stream: ended with ${messages.length} messages`);
      if (chunk.timeout) continue;
      buf += chunk.value;
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const msg = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line);
          const m = /^(id|event|data): (.*)$/.exec(line);
          if (m) msg[m[1]] = m[2];
        }
        if (msg.data !== undefined) messages.push(msg);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { messages, comments };
}

test('GET /events/stream pushes events and child entries, with heartbeats and resumption', async () => {
  const res = await fetch(`${sc.url}/events/stream`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const reading = readStream(res, (m, c) => m.some((x) => x.event === 'entry') && m.length >= 4 && c.some((l) => l.includes('heartbeat')));
  await sleep(50);
  const run = [
    { kind: 'started', runId: 'live-1', workflowName: 'live' },
    { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'go' },
    { kind: 'step_completed', jobId: 'j', stepId: 's' },
    { kind: 'completed', runId: 'live-1' },
  ];
  const posted = await sc.post(run.map((e) => JSON.stringify(e)).join('\n'));
  assert.equal(posted.body.accepted, 4);
  const { messages } = await reading;
  const events = messages.filter((m) => m.event === undefined).map((m) => JSON.parse(m.data));
  assert.deepEqual(events.map((e) => e.kind), ['started', 'method_executing', 'step_completed', 'completed']);
  const entry = JSON.parse(messages.find((m) => m.event === 'entry').data);
  assert.equal(entry.workflowContext.runId, 'live-1');
  assert.equal(entry.result.status, 'success');

  // A client that reconnects with Last-Event-ID gets what came after it.
  const firstId = messages[0].id;
  const again = await fetch(`${sc.url}/events/stream`, { headers: { 'last-event-id': firstId } });
  const replay = await readStream(again, (m) => m.length >= messages.length - 1);
  assert.deepEqual(replay.messages.map((m) => m.id), messages.slice(1).map((m) => m.id));
  // An id it cannot honour asks the client to reload.
  const stale = await fetch(`${sc.url}/events/stream`, { headers: { 'last-event-id': '999999999' } });
  const reset = await readStream(stale, (m) => m.length >= 1);
  assert.equal(reset.messages[0].event, 'reset');
  await waitFor(async () => (await sc.health()).stream.clients === 0, { what: 'streams to close' });
});

test('usage errors exit 2, --help exits 0, and both CLIs keep their help', () => {
  const run = (args) => spawnSync(pkg.bin, args, { encoding: 'utf8', timeout: 10000 });
  for (const args of [['serve', '--port', 'x'], ['serve', '--nope'], ['serve', '--ingest-endpoint', 'ftp://x'], ['serve', 'extra'],
    ['serve', '--tail-from', 'middle'], ['serve', '--retry-min-ms', '10', '--retry-max-ms', '5'], ['serve', '--api-key', 'k']]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^workflow-telemetry serve: .+\nTry workflow-telemetry serve --help\.\n$/);
    assert.equal(r.stdout, '');
  }
  const help = run(['serve', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: workflow-telemetry serve \[options\]/);
  for (const flag of ['--ingest-endpoint', '--otlp-endpoint', '--spool-max-entries', '--tail', '--max-body-bytes']) assert.ok(help.stdout.includes(flag), flag);
  const top = run(['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /^Usage: workflow-telemetry \[options\] \[FILE\]/);
  assert.match(top.stdout, /serve \[options\]/);
});

test('a port in use is reported and exits 1', async () => {
  const { port } = new URL(sc.url);
  const r = spawnSync(pkg.bin, ['serve', '--port', port], { encoding: 'utf8', timeout: 10000, cwd: tempDir() });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot start: .*EADDRINUSE/);
});

test('SIGTERM: a clean exit 0, and nothing printed but the listening line', async () => {
  const own = await serve(pkg, []);
  await own.post(sample('swamp-deploy.ndjson'));
  const { code, signal } = await own.stop();
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(own.stdout, /^listening on http:\/\/127\.0\.0\.1:\d+\n$/);
  assert.equal(own.stderr, '');
});
