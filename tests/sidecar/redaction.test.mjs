// Nothing the sidecar sends out carries a planted secret: the live stream, the
// delivered child entries, /runs, /metrics and the OTLP spans.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, install, serve, endpoint, tempDir, sample, waitFor, FAST } from './helpers.mjs';

const SECRETS = ['ghp_s3cr3t', 'hunter2', 'tok_live_SECRET123', 'ada@example.com', 'fleet-api', 'verify-model', 'LEAK-1'];
let pkg;

before(() => { pkg = install(); });
after(cleanup);

test('the live stream, deliveries, /runs, /metrics and spans are redacted', async () => {
  const received = [];
  const ingest = await endpoint((rec) => { received.push(rec.text); return { status: 202 }; });
  const otlp = await endpoint((rec) => { received.push(rec.text); return { status: 200 }; });
  const sc = await serve(pkg, ['--spool', tempDir(), '--ingest-endpoint', ingest.url, '--otlp-endpoint', otlp.url, ...FAST]);
  const res = await fetch(`${sc.url}/events/stream`);
  const reader = res.body.getReader();
  let streamed = '';
  const reading = (async () => {
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && !streamed.includes('"kind":"error"')) {
      // Each read bounded too: the stream's heartbeat is 15 s apart.
      let timer;
      const left = new Promise((r) => { timer = setTimeout(() => r({ late: true }), Math.max(deadline - Date.now(), 0)); });
      const chunk = await Promise.race([reader.read(), left]);
      clearTimeout(timer);
      if (chunk.late || chunk.done) break;
      streamed += Buffer.from(chunk.value).toString('utf8');
    }
  })();
  reading.catch(() => {}); // awaited below; a failed post must not leave it unhandled
  const extra = JSON.stringify({ kind: 'step_failed', jobId: 'deploy', stepId: 'rollout-us:east', error: 'late: password=LEAK-1' });
  const body = [sample('swamp-deploy.ndjson').trim(), sample('tasker-checkout.ndjson').trim(), sample('orchestrator-build.ndjson').trim(), extra].join('\n');
  const posted = await sc.post(body);
  assert.equal(posted.status, 202);
  await reading;
  await reader.cancel().catch(() => {});
  await waitFor(() => received.length >= 2, { what: 'deliveries' });
  const runs = JSON.stringify(await sc.json('/runs'));
  const metrics = await (await fetch(`${sc.url}/metrics`)).text();
  const everything = streamed + received.join('\n') + runs + metrics;
  assert.ok(streamed.includes('"modelName":"<REDACTED>"'), 'swamp model names are redacted on the stream');
  for (const secret of SECRETS) assert.ok(!everything.includes(secret), `${secret} leaked`);
  assert.equal((await sc.stop()).code, 0);
});
