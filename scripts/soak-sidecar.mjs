#!/usr/bin/env node
// Soak of the sidecar (`make soak`, not in `make test`): for SOAK_SECONDS
// (default 120) a producer posts whole swamp runs to `workflow-telemetry
// serve` while its ingest endpoint, on 127.0.0.1, flaps between answering
// 202, 503 and 400, hanging, and being down; the sidecar is killed with
// SIGKILL at random moments and restarted on the same spool. Then the
// endpoint accepts everything, the sidecar drains its spool, and the soak
// checks that every entry of every run the sidecar acknowledged (202 to the
// POST) was delivered at least once or dead-lettered: lost = 0. It prints
// kills, runs, entries produced, delivered (and re-delivered), dead-lettered,
// lost and the sidecar's peak resident memory, and exits 1 when an entry was
// lost or memory went past SOAK_MAX_RSS_MIB (default 256).
//
// Entries are told apart by what the producer chose, not by their ids (the
// sidecar makes those): run `soak-<n>-<attempt>` step `s<i>` has one entry,
// as the bridge makes one per method step.
//
// Memory: after the kills, one sidecar goes on for SOAK_STEADY_SECONDS
// (default 60) under the same load and the same flapping endpoint; its
// resident memory is sampled every 100 ms, and the soak fails if the peak of
// the last fifth of that time is over the first fifth's by more than half
// plus 32 MiB (growth: a leak), or any sidecar's went past SOAK_MAX_RSS_MIB.
//
// Every loop is bounded: the producer and the chaos stop at their
// deadlines, the drain has its own (SOAK_DRAIN_SECONDS, default 60).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'pkg', 'cli.mjs');
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const DRAIN_SECONDS = Number(process.env.SOAK_DRAIN_SECONDS ?? 60);
const STEADY_SECONDS = Number(process.env.SOAK_STEADY_SECONDS ?? 60);
const MAX_RSS_MIB = Number(process.env.SOAK_MAX_RSS_MIB ?? 256);
const MAX_REFUSALS = 3;

// A seeded generator (SOAK_SEED): the same choices again, though not at the
// same moments (they follow the wall clock), so a rerun is alike, not equal.
let seed = Number(process.env.SOAK_SEED ?? Date.now()) >>> 0 || 1;
const SEED = seed;
function random() {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x100000000;
}
const between = (lo, hi) => lo + Math.floor(random() * (hi - lo));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// The flapping endpoint
// ---------------------------------------------------------------------------

const MODES = ['202', '202', '202', '202', '503', '400', 'hang', 'down'];
const endpoint = {
  mode: '202',
  server: null,
  port: 0,
  /** `runId/stepName` of every entry answered 202, with how often. */
  delivered: new Map(),
  requests: 0,
  answers: {},
  /** Requests that carried the producer's secret (redaction must mask it). */
  leaks: 0,
};

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    endpoint.requests++;
    const mode = endpoint.mode;
    endpoint.answers[mode] = (endpoint.answers[mode] ?? 0) + 1;
    if (mode === 'hang') return; // never answered: the sidecar's timeout ends it
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.includes('hunter2')) endpoint.leaks++;
    if (mode === '202') {
      const body = JSON.parse(text);
      for (const e of Array.isArray(body.events) ? body.events : [body]) {
        const w = e.properties.workflowContext;
        const key = `${w.runId}/${w.stepName}`;
        endpoint.delivered.set(key, (endpoint.delivered.get(key) ?? 0) + 1);
      }
    }
    res.writeHead(Number(mode), { 'content-type': 'application/json' });
    res.end('{}');
  });
}

async function endpointUp() {
  if (endpoint.server) return;
  const server = createServer(handle);
  server.listen(endpoint.port, '127.0.0.1');
  await once(server, 'listening');
  endpoint.port = server.address().port;
  endpoint.server = server;
}

async function endpointDown() {
  const server = endpoint.server;
  if (!server) return;
  endpoint.server = null;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

async function flap(mode) {
  endpoint.mode = mode;
  if (mode === 'down') await endpointDown();
  else await endpointUp();
}

// ---------------------------------------------------------------------------
// The sidecar, killed and restarted
// ---------------------------------------------------------------------------

const spool = join(mkdtempSync(join(tmpdir(), 'wt-soak-')), 'spool');
let sidecar = null;
/** SIGKILLs during the chaos (the drain's restart is not one of them). */
let kills = 0;
let starts = 0;
let peakRssKiB = 0;
/** Resident memory of the steady sidecar: [ms since the phase began, KiB]. */
const steady = { from: 0, samples: [] };

async function start() {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-viewer',
    '--ingest-endpoint', `http://127.0.0.1:${endpoint.port}/ingest`, '--spool', spool,
    '--max-refusals', String(MAX_REFUSALS), '--retry-min-ms', '50', '--retry-max-ms', '400',
    '--timeout-ms', '300', '--flush-interval-ms', '50', '--max-runs', '200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WORKFLOW_TELEMETRY_API_KEY: '' },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { err = (err + d).slice(-4000); });
  const exited = once(child, 'exit');
  const end = Date.now() + 15000;
  let url;
  while (!(url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1])) {
    if (child.exitCode !== null) throw new Error(`the sidecar exited with ${child.exitCode}: ${err}`);
    if (Date.now() > end) throw new Error(`the sidecar did not listen within 15 s: ${err}`);
    await sleep(20);
  }
  starts++;
  sidecar = { child, url, exited, stderr: () => err };
}

async function kill9() {
  const s = sidecar;
  sidecar = null;
  s.child.kill('SIGKILL');
  await s.exited;
}

function sampleRss() {
  const pid = sidecar?.child.pid;
  if (!pid) return;
  try {
    const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    peakRssKiB = Math.max(peakRssKiB, kib);
    if (steady.from) steady.samples.push([Date.now() - steady.from, kib]);
  } catch {
    // Gone between the check and the read: killed.
  }
}

// ---------------------------------------------------------------------------
// The producer
// ---------------------------------------------------------------------------

/** Runs whose POST the sidecar answered 202: run id -> steps. */
const acknowledged = new Map();
let posts = 0;
let postFailures = 0;

function run(id, steps, n) {
  const runId = `soak-${id}`;
  const t0 = Date.parse('2026-12-07T00:00:00Z') + n * 1000;
  const lines = [{ kind: 'started', runId, workflowName: `soak-${n % 5}`, timestamp: t0 }];
  for (let i = 0; i < steps; i++) {
    lines.push({ kind: 'method_executing', runId, jobId: 'job', stepId: `s${i}`, methodName: 'run', modelName: 'm', timestamp: t0 + 10 * i + 1 });
    lines.push({ kind: i === 2 ? 'step_failed' : 'step_completed', runId, jobId: 'job', stepId: `s${i}`, ...(i === 2 ? { error: 'token=hunter2 failed' } : {}), timestamp: t0 + 10 * i + 5 });
  }
  lines.push({ kind: 'completed', runId, timestamp: t0 + 10 * steps + 10 });
  return { runId, body: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n` };
}

/**
 * Posts run `n` until the sidecar acknowledges it. A POST not acknowledged
 * (the sidecar killed while answering, a full spool) is posted again as a
 * new run (`soak-<n>-<attempt>`): only acknowledged runs count, and the
 * events of one that half went in never mix with the next try's.
 */
async function produce(n, deadline) {
  const steps = between(1, 6);
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const { runId, body } = run(`${n}-${attempt}`, steps, n);
    const s = sidecar;
    if (!s) {
      await sleep(10);
      attempt--; // nothing was posted
      continue;
    }
    posts++;
    try {
      const res = await fetch(`${s.url}/events`, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
      const answer = await res.json();
      if (res.status === 202 && answer.entries === steps && answer.spooled === steps) {
        acknowledged.set(runId, steps);
        return;
      }
      postFailures++;
      await sleep(50); // a full spool or a limit: try again
    } catch {
      postFailures++; // killed while answering: not acknowledged, posted again
    }
  }
}

// ---------------------------------------------------------------------------
// The soak
// ---------------------------------------------------------------------------

async function main() {
  await endpointUp();
  await start();
  const began = Date.now();
  const killsEnd = began + SECONDS * 1000;
  const deadline = killsEnd + STEADY_SECONDS * 1000;
  const rss = setInterval(sampleRss, 100);
  const producer = (async () => {
    for (let n = 0; Date.now() < deadline; n++) await produce(n, deadline);
  })();
  const chaos = (async () => {
    let nextKill = Date.now() + between(300, 3000);
    while (Date.now() < deadline) {
      await sleep(between(100, 1200));
      await flap(MODES[between(0, MODES.length)]);
      if (Date.now() >= nextKill && sidecar && !steady.from) {
        await kill9();
        kills++;
        await sleep(between(0, 200));
        await start();
        nextKill = Date.now() + between(300, 3000);
      }
      if (Date.now() >= killsEnd && !steady.from) steady.from = Date.now();
    }
  })();
  await Promise.all([producer, chaos]);
  const fifth = (k) => Math.max(0, ...steady.samples.filter(([t]) => Math.floor((5 * t) / (STEADY_SECONDS * 1000)) === k).map(([, kib]) => kib)) / 1024;
  const early = fifth(0);
  const late = fifth(4);

  // Drain: the endpoint accepts everything; the sidecar (restarted once more,
  // as after a crash) sends what its spool holds.
  await flap('202');
  if (sidecar) await kill9();
  await start();
  const drainEnd = Date.now() + DRAIN_SECONDS * 1000;
  let pending = -1;
  while (Date.now() < drainEnd) {
    const h = await fetch(`${sidecar.url}/healthz`).then((r) => r.json()).catch(() => null);
    pending = h?.spool?.size ?? -1;
    if (pending === 0) break;
    await sleep(100);
  }
  clearInterval(rss);
  sampleRss();
  sidecar.child.kill('SIGTERM');
  await sidecar.exited;
  await endpointDown();

  const dead = new Set();
  const letters = join(spool, 'dead-letter');
  for (const f of (() => { try { return readdirSync(letters); } catch { return []; } })().filter((f) => f.endsWith('.json'))) {
    const w = JSON.parse(readFileSync(join(letters, f), 'utf8')).workflowContext;
    dead.add(`${w.runId}/${w.stepName}`);
  }
  let produced = 0;
  let delivered = 0;
  let deadLettered = 0;
  const lost = [];
  for (const [runId, steps] of acknowledged) {
    for (let i = 0; i < steps; i++) {
      produced++;
      const key = `${runId}/s${i}`;
      if (endpoint.delivered.has(key)) delivered++;
      else if (dead.has(key)) deadLettered++;
      else lost.push(key);
    }
  }
  const deliveries = [...endpoint.delivered.values()].reduce((a, b) => a + b, 0);
  const report = {
    seed: SEED,
    seconds: Math.round((Date.now() - began) / 1000),
    kills,
    starts,
    runsAcknowledged: acknowledged.size,
    posts,
    postsNotAcknowledged: postFailures,
    // Of the entries of acknowledged runs: delivered at least once, else
    // dead-lettered, else lost.
    entriesProduced: produced,
    delivered,
    deadLettered,
    lost: lost.length,
    // Over everything the endpoint saw, unacknowledged POSTs' entries too
    // (spooled before the kill that cut the answer off).
    deliveredAll: endpoint.delivered.size,
    redelivered: deliveries - endpoint.delivered.size,
    deadLetteredAll: dead.size,
    deliveredAndDeadLettered: [...dead].filter((k) => endpoint.delivered.has(k)).length,
    leftInSpool: pending,
    secretsSent: endpoint.leaks,
    endpointAnswers: endpoint.answers,
    peakRssMiB: Math.round(peakRssKiB / 1024),
    steadySeconds: STEADY_SECONDS,
    steadyRssMiB: { firstFifthPeak: Math.round(early), lastFifthPeak: Math.round(late) },
  };
  console.log(JSON.stringify(report, null, 2));
  rmSync(join(spool, '..'), { recursive: true, force: true });
  const failures = [];
  if (lost.length) failures.push(`${lost.length} entries lost, e.g. ${lost.slice(0, 5).join(', ')}`);
  if (pending !== 0) failures.push(`the spool did not drain within ${DRAIN_SECONDS} s (${pending} left)`);
  if (endpoint.leaks) failures.push(`${endpoint.leaks} requests carried the secret`);
  if (peakRssKiB / 1024 > MAX_RSS_MIB) failures.push(`peak memory ${report.peakRssMiB} MiB over ${MAX_RSS_MIB} MiB`);
  if (!(early > 0 && late > 0)) failures.push('the steady sidecar\'s memory was not sampled');
  else if (late > early * 1.5 + 32) failures.push(`memory grew in ${STEADY_SECONDS} s without kills: ${Math.round(early)} MiB then ${Math.round(late)} MiB`);
  if (kills === 0 || acknowledged.size === 0) failures.push('nothing was soaked (no kill or no run acknowledged)');
  if (failures.length) {
    console.error(`soak: FAILED: ${failures.join('; ')} (SOAK_SEED=${SEED} makes the same random choices; their timing is the wall clock's)`);
    process.exit(1);
  }
  console.log(`soak: ${kills} kills, ${produced} entries produced, ${delivered} delivered, ${deadLettered} dead-lettered, 0 lost, peak ${report.peakRssMiB} MiB (steady ${STEADY_SECONDS} s: ${Math.round(early)} then ${Math.round(late)} MiB)`);
}

main().catch((err) => {
  console.error(`soak: ${err.stack ?? err}`);
  sidecar?.child.kill('SIGKILL');
  process.exit(1);
});
