// Shared by the sidecar tests: the packed package's bin spawned as a child
// process, local HTTP endpoints on 127.0.0.1 that record what they receive,
// and bounded waiting. Every child and server is tracked so after() can end
// it, and every wait has a deadline.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { installPacked } from '../js/pack.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SAMPLES = join(ROOT, 'www', 'samples');
export const sample = (name) => readFileSync(join(SAMPLES, name), 'utf8');

/**
 * Fast timings for tests: short backoff and batching delays. The request
 * timeout is 3 s, not shorter: on a loaded machine a sidecar stalled past its
 * timeout re-sends a batch the endpoint already took, and tests count
 * requests (a test of the timeout itself sets its own).
 */
export const FAST = ['--retry-min-ms', '50', '--retry-max-ms', '500', '--timeout-ms', '3000', '--flush-interval-ms', '100'];

/** A request to a sidecar under test: bounded, so a wedged one fails the test rather than hanging it. */
export const bounded = (init = {}) => ({ signal: AbortSignal.timeout(15000), ...init });

const children = new Set();
const servers = new Set();
const temps = new Set();

/** Installs the packed tarball once per test file. */
export function install() {
  const pkg = installPacked();
  temps.add(dirname(pkg.project));
  return pkg;
}

export function tempDir(prefix = 'wt-sidecar-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.add(dir);
  return dir;
}

/** Polls `fn` until it returns a truthy value; fails after `timeout` ms. */
export async function waitFor(fn, { timeout = 8000, interval = 25, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `workflow-telemetry serve --port 0 ...args` and resolves once it
 * printed its listening line.
 */
export async function serve(pkg, args, { env = {}, cwd } = {}) {
  const child = spawn(pkg.bin, ['serve', '--port', '0', ...args], {
    cwd: cwd ?? pkg.project,
    env: { ...process.env, WORKFLOW_TELEMETRY_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const exited = once(child, 'exit').then(([code, signal]) => {
    children.delete(child);
    return { code, signal };
  });
  const url = await Promise.race([
    waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)?.[1], { timeout: 10000, what: 'the listening line' }),
    exited.then(({ code }) => { throw new Error(`sidecar exited with ${code}: ${stderr}`); }),
  ]);
  return {
    child,
    url,
    exited,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    json: (path, init) => fetch(url + path, bounded(init)).then((r) => r.json()),
    health: () => fetch(`${url}/healthz`, bounded()).then((r) => r.json()),
    post: (body, path = '/events') => fetch(url + path, bounded({ method: 'POST', body })).then(async (r) => ({ status: r.status, body: await r.json() })),
    /** SIGTERM, then the exit; SIGKILL if it takes longer than 10 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
    async kill9() {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * A recording HTTP endpoint on 127.0.0.1. `respond(req, n)` (n = 1 for the
 * first request) returns { status, headers?, body? } or 'hang' to never answer.
 */
export async function endpoint(respond, { port = 0 } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method, path: req.url, headers: req.headers, text: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(rec);
      const answer = respond(rec, requests.length);
      rec.status = answer === 'hang' ? 'hang' : answer.status;
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(answer.body ?? '{}');
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  servers.add(server);
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    requests,
    async close() {
      servers.delete(server);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A port that nothing listens on (a server bound to it was just closed). */
export async function closedPort() {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** NDJSON for one swamp run whose `steps` method steps each complete: one child entry per step. */
export function swampRun(runId, steps, t0 = Date.parse('2026-03-01T10:00:00.000Z')) {
  const lines = [{ kind: 'started', runId, workflowName: `wf-${runId}`, timestamp: t0 }];
  for (let i = 0; i < steps; i++) {
    lines.push({ kind: 'method_executing', jobId: 'job', stepId: `s${i}`, methodName: 'run', modelName: 'm', timestamp: t0 + 10 * i + 1 });
    lines.push({ kind: 'step_completed', jobId: 'job', stepId: `s${i}`, timestamp: t0 + 10 * i + 5 });
  }
  lines.push({ kind: 'completed', runId, timestamp: t0 + 10 * steps + 10 });
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

/** The wire events of one ingest request body, whichever envelope it used. */
export function wireEvents(text) {
  const body = JSON.parse(text);
  return Array.isArray(body.events) ? body.events : [body];
}

/** Ends every child, server and temporary directory left by a test file. */
export async function cleanup() {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([...servers].map((s) => {
    s.closeAllConnections();
    return new Promise((r) => s.close(r));
  }));
  servers.clear();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  temps.clear();
}
