// Access control: with tokens set, every route refuses a request without
// one (401), the scrape-only token reaches /metrics and /healthz and nothing
// else (Prometheus cannot post events), the ingest-only token posts events
// and nothing else, the full token everything; a browser logs in for a
// cookie; an address other than loopback is refused without a token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, install, serve, swampRun, tempDir } from './helpers.mjs';

let pkg;
let sc;
before(async () => {
  pkg = install();
  const dir = tempDir();
  writeFileSync(join(dir, 'full'), 'full-token-1\n');
  sc = await serve(pkg, ['--auth-token-file', join(dir, 'full')],
    { env: { WORKFLOW_TELEMETRY_SCRAPE_TOKEN: 'scrape-token-2', WORKFLOW_TELEMETRY_INGEST_TOKEN: 'ingest-token-3' } });
});
after(cleanup);

const ROUTES = [
  ['GET', '/metrics', 'scrape'], ['GET', '/healthz', 'scrape'],
  ['POST', '/events', 'ingest'],
  ['GET', '/runs', 'full'], ['GET', '/runs/none', 'full'], ['GET', '/', 'full'], ['GET', '/js/app.js', 'full'],
];

async function call(method, path, token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const r = await fetch(sc.url + path, { method, headers, redirect: 'manual', ...(method === 'POST' ? { body: swampRun(`a${Math.random()}`, 1) } : {}) });
  await r.arrayBuffer();
  return r.status;
}

test('no token, a wrong token: 401 on every route, with WWW-Authenticate', async () => {
  for (const [method, path] of [...ROUTES, ['GET', '/events/stream']]) {
    for (const token of [undefined, 'wrong', 'full-token-1x']) {
      const r = await fetch(sc.url + path, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(method === 'POST' ? { body: '{}' } : {}) });
      assert.equal(r.status, 401, `${method} ${path} with ${token}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
      await r.body?.cancel();
    }
  }
});

test('each token reaches its routes and no other (403)', async () => {
  for (const [method, path, scope] of ROUTES) {
    assert.equal(await call(method, path, 'scrape-token-2'), scope === 'scrape' ? 200 : 403, `scrape: ${method} ${path}`);
    const ingest = await call(method, path, 'ingest-token-3');
    assert.equal(ingest, scope === 'ingest' ? 202 : 403, `ingest: ${method} ${path}`);
    const full = await call(method, path, 'full-token-1');
    assert.ok([200, 202, 302, 404].includes(full), `full: ${method} ${path} answered ${full}`);
  }
  const h = await (await fetch(`${sc.url}/healthz`, { headers: { authorization: 'Bearer scrape-token-2' } })).json();
  assert.ok(h.auth.refused.forbidden >= 10, JSON.stringify(h.auth));
});

test('a browser logs in with the full token for a cookie; a lesser token cannot', async () => {
  assert.equal((await fetch(`${sc.url}/login?token=scrape-token-2`, { redirect: 'manual' })).status, 401);
  const r = await fetch(`${sc.url}/login?token=full-token-1`, { redirect: 'manual' });
  assert.equal(r.status, 302);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^wt_auth=full-token-1; HttpOnly; SameSite=Strict; Path=\/$/);
  const page = await fetch(`${sc.url}/runs`, { headers: { cookie: cookie.split(';')[0] } });
  assert.equal(page.status, 200);
});

test('an address other than loopback needs a token or --allow-public', () => {
  const r = spawnSync(pkg.bin, ['serve', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', timeout: 10000, env: { ...process.env, WORKFLOW_TELEMETRY_AUTH_TOKEN: '' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--host 0\.0\.0\.0 is not a loopback address: set a token \(--auth-token-file\) or say --allow-public/);
  const same = spawnSync(pkg.bin, ['serve', '--auth-token', 'x', '--scrape-token', 'x'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(same.status, 2);
  assert.match(same.stderr, /must differ/);
});
