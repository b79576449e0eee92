// Delivery of child entries to a swamp-style ingest endpoint, against real
// HTTP servers on 127.0.0.1: the envelope exactly as swamp sends it, only 202
// as success, retries after 400, 503, a hang and a refused connection, the
// spool across a kill -9, and a full spool that is reported, not hidden.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAST, cleanup, closedPort, endpoint, install, serve, sleep, swampRun, tempDir, waitFor, wireEvents } from './helpers.mjs';

let pkg;
before(() => {
  pkg = install();
});
after(cleanup);

const spooled = (dir) => readdirSync(dir).filter((f) => f.endsWith('.json'));
const accepted = (ep) => ep.requests.filter((r) => r.status === 202);
const idsOf = (requests) => requests.flatMap((r) => wireEvents(r.text).map((e) => e.properties.id));

test('(a) 202: one entry as a bare event, several as {events}, x-api-key when set, spool emptied', async () => {
  const ep = await endpoint(() => ({ status: 202 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, '--distinct-id', 'user-1', '--repo-id', 'repo-9',
    '--parent-invocation-id', 'parent-1', ...FAST], { env: { WORKFLOW_TELEMETRY_API_KEY: 'secret-key' } });

  const one = await sc.post(swampRun('one', 1));
  assert.equal(one.status, 202);
  assert.equal(one.body.entries, 1);
  assert.equal(one.body.spooled, 1);
  await waitFor(() => ep.requests.length === 1, { what: 'the first request' });
  const first = ep.requests[0];
  assert.equal(first.method, 'POST');
  assert.equal(first.path, '/ingest');
  assert.equal(first.headers['content-type'], 'application/json');
  assert.equal(first.headers['x-api-key'], 'secret-key');
  const bare = JSON.parse(first.text);
  assert.deepEqual(Object.keys(bare), ['event', 'distinct_id', 'properties'], 'one entry: the bare event object');
  assert.equal(bare.event, 'cli_invocation');
  assert.equal(bare.distinct_id, 'user-1');
  assert.equal(bare.properties.$repo_id, 'repo-9');
  assert.equal(bare.properties.parentInvocationId, 'parent-1');
  assert.equal(bare.properties.workflowContext.runId, 'one');
  assert.deepEqual(bare.properties.invocation.args, ['run', '<REDACTED>', 'run']);

  const three = await sc.post(swampRun('three', 3));
  assert.equal(three.body.entries, 3);
  await waitFor(() => ep.requests.length === 2, { what: 'the second request' });
  const batch = JSON.parse(ep.requests[1].text);
  assert.deepEqual(Object.keys(batch), ['events'], 'several entries: {events: [...]}');
  assert.equal(batch.events.length, 3);
  assert.deepEqual(batch.events.map((e) => e.properties.workflowContext.stepName), ['s0', 's1', 's2']);

  await waitFor(async () => (await sc.health()).entries.delivered === 4, { what: 'delivered count' });
  const h = await sc.health();
  assert.equal(h.spool.size, 0);
  assert.equal(h.entries.failed, 0);
  assert.equal(h.lastDeliveryError, null);
  assert.deepEqual(spooled(spool), [], 'no file left in the spool');
  assert.equal(new Set(idsOf(ep.requests)).size, 4);
});

test('(b) 400 then 202: retried, every entry arrives, no x-api-key without a key', async () => {
  const ep = await endpoint((req, n) => ({ status: n === 1 ? 400 : 202 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, ...FAST]);
  const r = await sc.post(swampRun('b', 5));
  assert.equal(r.body.spooled, 5);
  // After the refusal the batch goes out one entry at a time (a refused
  // batch is sorted out entry by entry): wait for all five to be accepted.
  await waitFor(() => new Set(idsOf(accepted(ep))).size >= 5, { what: 'five accepted entries' });
  const sent = new Set(idsOf(ep.requests));
  const delivered = new Set(idsOf(accepted(ep)));
  assert.equal(sent.size, 5);
  assert.deepEqual([...sent].filter((id) => !delivered.has(id)), [], 'every entry of the refused batch was delivered later');
  assert.equal(ep.requests[0].status, 400);
  for (const req of ep.requests) assert.equal(req.headers['x-api-key'], undefined);
  const distinct = JSON.parse(ep.requests[0].text).events[0].distinct_id;
  assert.match(distinct, /^[0-9a-f-]{36}$/, 'a generated distinct id');
  assert.equal(readFileSync(join(spool, 'distinct-id'), 'utf8').trim(), distinct, 'kept in the spool directory');
  await waitFor(async () => (await sc.health()).spool.size === 0, { what: 'an empty spool' });
  const h = await sc.health();
  assert.equal(h.entries.delivered, 5);
  assert.equal(h.entries.failed, 5);
  assert.match(h.lastDeliveryError, /HTTP 400/);
});

test('(c) 503: entries stay in the spool, retried with backoff', async () => {
  const ep = await endpoint(() => ({ status: 503 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, ...FAST]);
  await sc.post(swampRun('c', 2));
  await waitFor(() => ep.requests.length >= 3, { what: 'three attempts' });
  const h = await sc.health();
  assert.equal(h.spool.size, 2);
  assert.equal(h.entries.delivered, 0);
  assert.match(h.lastDeliveryError, /HTTP 503/);
  assert.ok(h.delivery.consecutiveFailures >= 3);
  assert.equal(spooled(spool).length, 2);
  const gaps = ep.requests.slice(1).map((r, i) => r.at - ep.requests[i].at);
  assert.ok(gaps.every((g) => g >= 20), `backoff between attempts: ${gaps}`);
  assert.equal(new Set(idsOf(ep.requests)).size, 2, 'the same two entries each time');
});

test('(d) a hanging endpoint: timeout, then retried and delivered', async () => {
  const ep = await endpoint((req, n) => (n === 1 ? 'hang' : { status: 202 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, ...FAST, '--timeout-ms', '300']);
  await sc.post(swampRun('d', 2));
  await waitFor(() => accepted(ep).length === 1, { what: 'the retry to be accepted' });
  assert.ok(ep.requests[1].at - ep.requests[0].at >= 250, 'the retry came after the timeout');
  await waitFor(async () => (await sc.health()).spool.size === 0, { what: 'an empty spool' });
  const h = await sc.health();
  assert.match(h.lastDeliveryError, /timeout after 300 ms/);
  assert.deepEqual(idsOf(accepted(ep)).sort(), idsOf([ep.requests[0]]).sort());
});

test('(e) endpoint down: spooled, then delivered once a server listens on that port', async () => {
  const port = await closedPort();
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', `http://127.0.0.1:${port}`, '--spool', spool, ...FAST]);
  const r = await sc.post(swampRun('e', 3));
  assert.equal(r.status, 202, 'ingestion does not notice the endpoint is down');
  const down = await waitFor(async () => {
    const h = await sc.health();
    return h.delivery.failures >= 2 && h;
  }, { what: 'failed attempts' });
  assert.match(down.lastDeliveryError, /ECONNREFUSED/);
  assert.equal(down.spool.size, 3);
  const ep = await endpoint(() => ({ status: 202 }), { port });
  await waitFor(async () => (await sc.health()).entries.delivered === 3, { what: 'the delivery' });
  assert.equal(new Set(idsOf(accepted(ep))).size, 3);
  assert.deepEqual(spooled(spool), []);
});

test('(f) kill -9 with the endpoint down, restart on the same spool: every entry delivered', async () => {
  const port = await closedPort();
  const spool = join(tempDir(), 'spool');
  const first = await serve(pkg, ['--ingest-endpoint', `http://127.0.0.1:${port}`, '--spool', spool, ...FAST]);
  const r1 = await first.post(swampRun('f1', 4));
  const r2 = await first.post(swampRun('f2', 3));
  assert.equal(r1.body.spooled + r2.body.spooled, 7);
  // Spooled means on disk once the POST is answered: the file names are the entry ids.
  const ids = spooled(spool).map((f) => f.replace(/\.json$/, '')).sort();
  assert.equal(ids.length, 7);
  // One spool, one sidecar: a second one on it refuses to start.
  const twin = spawnSync(pkg.bin, ['serve', '--port', '0', '--ingest-endpoint', 'http://127.0.0.1:1', '--spool', spool], { encoding: 'utf8', timeout: 10000 });
  assert.equal(twin.status, 1);
  assert.match(twin.stderr, new RegExp(`spool .* is in use by process ${first.child.pid}`));
  const { signal } = await first.kill9();
  assert.equal(signal, 'SIGKILL');
  // Debris of a crash: a half-written temporary file, and a file that is not an entry.
  writeFileSync(join(spool, '.tmp-1-abc'), '{"id":');
  writeFileSync(join(spool, 'garbage.json'), '{"not":"an entry"}');

  const ep = await endpoint(() => ({ status: 202 }));
  const second = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, ...FAST]);
  await waitFor(async () => (await second.health()).entries.delivered === 7, { what: 'the spooled entries' });
  assert.deepEqual([...new Set(idsOf(accepted(ep)))].sort(), ids);
  const h = await second.health();
  assert.equal(h.spool.size, 0);
  assert.equal(h.spool.quarantined, 1);
  assert.deepEqual(readdirSync(spool).sort(), ['distinct-id', 'lock', 'quarantine'], 'the stale lock was taken over');
  assert.deepEqual(readdirSync(join(spool, 'quarantine')), ['garbage.json']);
  assert.match(second.stderr, /spool: moved unreadable garbage\.json/);
});

test('(g) a full spool: reported in the POST answer, /healthz and stderr once, never silent', async () => {
  const ep = await endpoint(() => ({ status: 503 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, '--spool-max-entries', '3', ...FAST]);
  const r = await sc.post(swampRun('g1', 5));
  assert.equal(r.status, 202, 'the events themselves are accepted');
  assert.equal(r.body.accepted, 12);
  assert.equal(r.body.entries, 5);
  assert.equal(r.body.spooled, 3);
  assert.equal(r.body.notSpooled, 2);
  assert.match(r.body.warning, /^spool full \(3 entries, \d+ bytes pending; limits 3 entries, 104857600 bytes, or the disk\): 2 child entries were not spooled/);
  const again = await sc.post(swampRun('g2', 2));
  assert.equal(again.body.notSpooled, 2);
  const h = await sc.health();
  assert.equal(h.entries.spoolFull, 4);
  assert.equal(h.spool.size, 3);
  assert.equal(spooled(spool).length, 3);
  await sleep(50);
  assert.equal(sc.stderr.match(/spool full/g)?.length, 1, `one stderr line per burst:\n${sc.stderr}`);
  const runs = (await sc.json('/runs?order=oldest')).runs.map((run) => run.id);
  assert.deepEqual(runs, ['g1', 'g2'], 'the run model has everything');
});

test('(g2) a spool full by bytes: what fits is spooled, the rest reported; the bytes never pass the limit', async () => {
  const ep = await endpoint(() => ({ status: 503 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, '--spool-max-bytes', '1500', ...FAST]);
  const r = await sc.post(swampRun('b1', 6));
  assert.equal(r.status, 202);
  assert.equal(r.body.entries, 6);
  const h = await sc.health();
  // Each entry is several hundred bytes: two or three fit in 1,500.
  assert.ok(r.body.spooled >= 2 && r.body.spooled <= 3, `spooled ${r.body.spooled}`);
  assert.equal(r.body.notSpooled, 6 - r.body.spooled);
  assert.ok(h.spool.bytes <= 1500 && h.spool.bytes > 0, `spool bytes ${h.spool.bytes}`);
  assert.equal(h.spool.maxBytes, 1500);
  const onDisk = spooled(spool).reduce((n, f) => n + readFileSync(join(spool, f)).length, 0);
  assert.equal(onDisk, h.spool.bytes, 'the count is the files\' size');
  assert.equal(h.entries.spoolFull, 6 - r.body.spooled);
  assert.match(r.body.warning, /limits 10000 entries, 1500 bytes, or the disk/);
});

test('(g4) dead letters stay in the byte budget: an endpoint that refuses everything fills the spool (reported), not the disk; a restart counts them again', async () => {
  const ep = await endpoint(() => ({ status: 401 }));
  const spool = join(tempDir(), 'spool');
  const args = ['--ingest-endpoint', ep.url, '--spool', spool, '--spool-max-bytes', '1500', '--max-refusals', '1', ...FAST];
  const sc = await serve(pkg, args);
  const first = await sc.post(swampRun('d1', 2));
  assert.equal(first.body.spooled, 2);
  await waitFor(async () => (await sc.health()).entries.deadLettered === 2, { what: 'two dead letters' });
  const dead = readdirSync(join(spool, 'dead-letter')).filter((f) => f.endsWith('.json'));
  const deadBytes = dead.reduce((n, f) => n + readFileSync(join(spool, 'dead-letter', f)).length, 0);
  let h = await sc.health();
  assert.equal(h.spool.size, 0, 'nothing pending');
  assert.equal(h.spool.deadLetterBytes, deadBytes);
  // Two entries' worth of the 1,500 bytes is taken by the dead letters: a
  // third run's two entries do not both fit any more.
  const second = await sc.post(swampRun('d2', 2));
  assert.ok(second.body.spooled < 2, `spooled ${second.body.spooled} with ${deadBytes} bytes of dead letters`);
  assert.equal(second.body.notSpooled, 2 - second.body.spooled);
  assert.match(second.body.warning, /bytes of dead letters/);
  assert.equal((await sc.stop()).code, 0);
  const again = await serve(pkg, args);
  h = await again.health();
  assert.ok(h.spool.deadLetterBytes >= deadBytes, 'counted from the directory at the start');
  // Dropped while the sidecar runs: the space comes back (counted again at
  // most once a second, when dead letters stand in the way).
  const drop = spawnSync(pkg.bin, ['dead-letters', 'drop', '--spool', spool], { encoding: 'utf8', timeout: 10000 });
  assert.equal(drop.status, 0, drop.stderr);
  await sleep(1100);
  const third = await again.post(swampRun('d3', 2));
  assert.equal(third.body.spooled, 2, JSON.stringify(third.body));
});

test('(g3) a disk that fills while spooling: answered as a full spool, nothing half-written, the sidecar goes on', async (t) => {
  // A real full file system: a 64 KiB tmpfs (mounting needs root, as the build machines run).
  if (process.getuid?.() !== 0) return t.skip('mounting a tmpfs needs root');
  const mnt = tempDir('wt-tinyfs-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, mounted.stderr);
  try {
    const ep = await endpoint(() => ({ status: 503 }));
    const spool = join(mnt, 'spool');
    const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, ...FAST]);
    let full = 0;
    let spooledTotal = 0;
    let posts = 0;
    for (let i = 0; i < 12 && full === 0; i++) { // bounded: 12 posts of 5 entries
      posts += 1;
      const r = await sc.post(swampRun(`d${i}`, 5));
      assert.equal(r.status, 202, 'the events are accepted all the same');
      spooledTotal += r.body.spooled;
      full += r.body.notSpooled;
      if (r.body.notSpooled) assert.match(r.body.warning, /spool full .*or the disk\): \d+ child entries were not spooled/);
    }
    assert.ok(full > 0, 'the disk filled');
    const h = await sc.health();
    assert.equal(h.entries.spoolErrors, 0, 'ENOSPC is a full spool, not a write error');
    assert.equal(h.entries.spoolFull, full);
    assert.equal(h.spool.size, spooledTotal);
    assert.deepEqual(readdirSync(spool).filter((f) => f.startsWith('.tmp-')), [], 'nothing half-written left');
    assert.equal(spooled(spool).length, spooledTotal);
    // Still serving: the run model has every run, and the sidecar stops cleanly.
    assert.equal((await sc.json('/runs?limit=100')).total, posts);
    assert.equal((await sc.stop()).code, 0);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('(h) SIGTERM flushes the spool within the deadline and exits 0', async () => {
  const ep = await endpoint(() => ({ status: 202 }));
  const spool = join(tempDir(), 'spool');
  // A batching delay far longer than the test: only the shutdown flush can send.
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, '--flush-interval-ms', '600000', '--timeout-ms', '500']);
  const r = await sc.post(swampRun('h', 2));
  assert.equal(r.body.spooled, 2);
  assert.equal(ep.requests.length, 0);
  const { code } = await sc.stop();
  assert.equal(code, 0);
  assert.equal(accepted(ep).length, 1);
  assert.equal(wireEvents(ep.requests[0].text).length, 2);
  assert.deepEqual(spooled(spool), []);
  assert.deepEqual(readdirSync(spool).sort(), ['distinct-id'], 'the lock is released');
  assert.equal(sc.stderr, '');
});

test('(i) a poison entry: dead-lettered after 3 refusals while the entries after it are delivered; dead-letters list, resend, drop', async () => {
  // The endpoint refuses (400) any request carrying step s1 of run "poison".
  const poisoned = (text) => text.includes('"runId":"poison","jobName":"job","stepName":"s1"');
  const ep = await endpoint((req) => ({ status: poisoned(req.text) ? 400 : 202 }));
  const spool = join(tempDir(), 'spool');
  const sc = await serve(pkg, ['--ingest-endpoint', ep.url, '--spool', spool, ...FAST]);
  assert.equal((await sc.post(swampRun('poison', 3))).body.spooled, 3);
  await waitFor(async () => (await sc.health()).entries.deadLettered === 1, { what: 'the dead letter', timeout: 10000 });
  assert.equal((await sc.post(swampRun('after', 2))).body.spooled, 2);
  await waitFor(async () => (await sc.health()).spool.size === 0, { what: 'an empty spool' });
  const delivered = idsOf(accepted(ep));
  const h = await sc.health();
  assert.equal(h.entries.delivered, 4, 's0 and s2 of poison, both of after');
  assert.equal(new Set(delivered).size, 4);
  assert.equal(ep.requests.filter((r) => poisoned(r.text) && wireEvents(r.text).length === 1).length, 3, 'refused alone three times');
  assert.ok(h.reasons.some((r) => r.startsWith('entries dead-lettered: 1 refused for good')), h.reasons.join('; '));
  const metrics = await fetch(`${sc.url}/metrics`).then((r) => r.text());
  assert.match(metrics, /^workflow_sidecar_entries_dead_lettered_total 1$/m);
  assert.match(sc.stderr, /dead letter: entry \S+ refused 3 times \(HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/ingest\)/);
  const dead = readdirSync(join(spool, 'dead-letter')).sort();
  assert.equal(dead.length, 2);
  const id = JSON.parse(readFileSync(join(spool, 'dead-letter', dead[0]), 'utf8')).id;
  assert.equal(JSON.parse(readFileSync(join(spool, 'dead-letter', dead[0]), 'utf8')).workflowContext.stepName, 's1');
  assert.equal((await sc.stop()).code, 0);

  const cli = (...args) => spawnSync(pkg.bin, ['dead-letters', ...args], { encoding: 'utf8', timeout: 10000 });
  const list = cli('list', '--spool', spool);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${id}\\t2026-03-01T10:00:00\\.011Z\\t3 refusals, the last: HTTP 400 from http://127\\.0\\.0\\.1:\\d+/ingest\\n$`));
  const unknown = cli('drop', '--spool', spool, 'no-such-id');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no dead letter no-such-id/);
  const resend = cli('resend', '--spool', spool, id);
  assert.equal(resend.status, 0, resend.stderr);
  assert.equal(resend.stdout, 'moved back: 1\n');
  assert.deepEqual(readdirSync(join(spool, 'dead-letter')), []);
  assert.ok(readdirSync(spool).some((f) => f.endsWith('.json') && JSON.parse(readFileSync(join(spool, f), 'utf8')).id === id));
  assert.equal(cli('list', '--spool', spool).stdout, '');
  assert.equal(cli('frob', '--spool', spool).status, 2);
});
