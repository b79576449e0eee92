// Streams into the sidecar as they really come: two engines posting their
// runs interleaved, each on its own ?source=, some runs cut short because
// their engine died. Every run must be listed top-level in /runs with its
// own steps and status, counted right in /metrics, and its child entries
// delivered with the same ids /runs shows. Expectations are written from the
// scenario (which runs crash, how many steps each has), not from a second
// implementation of the rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, endpoint, install, serve, tempDir, waitFor, wireEvents, FAST } from './helpers.mjs';

let pkg;
before(() => {
  pkg = install();
});
after(cleanup);

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const RUNS = 1000;
const STEPS = 3;
/** Runs of each producer whose engine dies after its second step started. */
const crashes = (i) => i % 10 === 7;

/** The events of run `i` of producer `p`: STEPS method steps, or a crash. */
function runEvents(p, i) {
  const runId = `${p}-${i}`;
  const t = T0 + i * 1000;
  const ev = [{ kind: 'started', runId, workflowName: `wf-${p}`, timestamp: t }];
  for (let s = 0; s < STEPS; s++) {
    const step = { jobId: 'job', stepId: `s${s}` };
    ev.push({ kind: 'step_started', ...step, timestamp: t + 10 * s });
    ev.push({ kind: 'method_executing', ...step, methodName: 'run', modelName: 'secret-model', timestamp: t + 10 * s + 1 });
    if (crashes(i) && s === 1) return ev; // the engine died: no more events of this run
    ev.push({ kind: 'step_completed', ...step, timestamp: t + 10 * s + 5 });
  }
  ev.push({ kind: 'completed', runId, timestamp: t + 100 });
  return ev;
}

/** Both producers' posts, interleaved: batches of a few runs each, alternating. */
function posts() {
  const out = [];
  for (let i = 0; i < RUNS; i += 25) {
    for (const p of ['alpha', 'beta']) {
      const lines = [];
      for (let j = i; j < i + 25; j++) lines.push(...runEvents(p, j).map((e) => JSON.stringify(e)));
      out.push({ source: p, body: `${lines.join('\n')}\n` });
    }
  }
  return out;
}

test('two producers of 1,000 interleaved runs each, with crashes: /runs, /metrics and deliveries agree', { timeout: 240_000 }, async () => {
  const ep = await endpoint(() => ({ status: 202 }));
  const sc = await serve(pkg, [
    '--ingest-endpoint', ep.url, '--spool', tempDir(), '--max-runs', '5000', '--batch-size', '200', ...FAST,
  ]);
  let accepted = 0;
  let produced = 0;
  for (const { source, body } of posts()) {
    const r = await sc.post(body, `/events?source=${source}`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors, []);
    accepted += r.body.accepted;
    produced += r.body.entries;
  }
  const crashed = Array.from({ length: RUNS }, (_, i) => i).filter(crashes).length * 2;
  const tidy = 2 * RUNS - crashed;
  // A crashed run is followed by another run of its producer, which abandons
  // it (the scenario never crashes a producer's last run).
  assert.equal(crashes(RUNS - 1), false);
  const lastCrashed = 0;
  // One entry per method_executing: a crashed run's second step is drained
  // as an error when the next run starts.
  assert.equal(produced, tidy * STEPS + crashed * 2, 'one entry per method_executing');

  // /runs, paged: every run top-level, with its own steps and status.
  const seen = new Map();
  let cursor;
  for (let pages = 0; pages < 100; pages++) {
    const page = await sc.json(`/runs?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.total, 2 * RUNS);
    for (const run of page.runs) seen.set(run.id, run);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  assert.equal(seen.size, 2 * RUNS, 'every run listed once');
  for (const p of ['alpha', 'beta']) {
    for (let i = 0; i < RUNS; i++) {
      const run = seen.get(`${p}-${i}`);
      assert.ok(run, `${p}-${i} listed`);
      assert.equal(run.parentRun, undefined, `${p}-${i} is top-level`);
      assert.equal(run.source, p);
      assert.equal(run.name, `wf-${p}`);
      const last = i === RUNS - 1;
      const expected = crashes(i) ? (last ? 'running' : 'abandoned') : 'completed';
      assert.equal(run.status, expected, `${p}-${i}`);
      assert.equal(run.steps.length, crashes(i) ? 2 : STEPS, `${p}-${i} steps`);
      for (const s of run.steps) {
        assert.equal(s.telemetry.workflowContext.runId, run.id, 'each entry names its run');
        assert.equal(s.telemetry.workflowContext.workflowName, `wf-${p}`);
      }
      if (crashes(i)) {
        const cut = run.steps[1].telemetry.result;
        assert.equal(cut.status, 'error');
        assert.match(cut.errorMessage, /^workflow run abandoned/);
        assert.equal(run.error.class, 'abandoned');
      }
    }
  }
  const abandoned = await sc.json('/runs?status=abandoned&limit=10000');
  assert.equal(abandoned.total, crashed - lastCrashed);
  const beta = await sc.json('/runs?source=beta&workflow=wf-beta&limit=1&order=oldest');
  assert.equal(beta.total, RUNS);
  assert.equal(beta.runs[0].id, 'beta-0');

  // /metrics: the counts of the scenario.
  const metrics = await (await fetch(`${sc.url}/metrics`)).text();
  const sample = (series) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
  const perProducer = RUNS - RUNS / 10;
  assert.equal(sample('workflow_runs_total{workflow="wf-alpha",status="completed"}'), perProducer);
  assert.equal(sample('workflow_runs_total{workflow="wf-beta",status="abandoned"}'), RUNS / 10 - (crashes(RUNS - 1) ? 1 : 0));

  // Deliveries: the same entries, with the ids /runs shows.
  const shown = new Set();
  for (const run of seen.values()) for (const s of run.steps) if (s.telemetry) shown.add(s.telemetry.id);
  const delivered = await waitFor(() => {
    const ids = ep.requests.filter((r) => r.status === 202).flatMap((r) => wireEvents(r.text).map((e) => e.properties.id));
    // Distinct ids: a batch re-sent after a timeout counts once.
    return new Set(ids).size >= produced && ids;
  }, { timeout: 60_000, what: 'every entry delivered' });
  assert.equal(new Set(delivered).size, produced);
  for (const id of delivered) assert.ok(shown.has(id), `delivered ${id} is the one /runs shows`);
  assert.ok(!JSON.stringify([...seen.values()]).includes('secret-model'), 'model names never shown');
  const h = await sc.health();
  assert.equal(h.events.accepted, accepted);
  assert.equal(h.runs.held, 2 * RUNS);
});
