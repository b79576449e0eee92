// The edge limits: event-stream clients and concurrent posts capped (503,
// counted in /healthz), and clients that trickle their headers or body cut
// off at the deadlines. Raw sockets on 127.0.0.1; every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { bounded, cleanup, install, serve, swampRun, waitFor } from './helpers.mjs';

let pkg;
before(() => { pkg = install(); });
after(cleanup);

/**
 * A raw connection: write text, and when the server closes it, what it
 * answered. A socket error (a write after the server closed, a reset) is kept
 * in `error`, never thrown: `closed` resolves on close whatever happened, so a
 * test cannot be left with a writer ticking forever.
 */
async function raw(url, { allowHalfOpen = false } = {}) {
  const { port } = new URL(url);
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
  await once(socket, 'connect');
  let answer = '';
  const conn = { socket, error: null, get answer() { return answer; } };
  socket.on('error', (err) => { conn.error ??= err; });
  socket.setEncoding('utf8').on('data', (d) => { answer += d; });
  conn.closed = new Promise((resolve) => socket.on('close', () => resolve(answer)));
  return conn;
}

/** Writes `chunk` every 100 ms until the connection closes or `ms` pass; what it answered, or 'still open'. */
async function trickle(conn, chunk, ms) {
  const tick = setInterval(() => { if (conn.socket.writable) conn.socket.write(chunk); }, 100);
  let timer;
  try {
    return await Promise.race([conn.closed, new Promise((r) => { timer = setTimeout(() => r('still open'), ms); })]);
  } finally {
    clearInterval(tick);
    clearTimeout(timer);
    conn.socket.destroy();
  }
}

test('stream clients past --max-stream-clients are answered 503; a slot freed is taken again', async () => {
  const sc = await serve(pkg, ['--max-stream-clients', '2']);
  const streams = [new AbortController(), new AbortController()];
  for (const s of streams) assert.equal((await fetch(`${sc.url}/events/stream`, { signal: s.signal })).status, 200);
  const third = await fetch(`${sc.url}/events/stream`);
  assert.equal(third.status, 503);
  assert.equal(third.headers.get('retry-after'), '5');
  assert.match((await third.json()).error, /2 event stream clients, the most allowed/);
  assert.equal((await sc.health()).limited.streamClients, 1);
  streams[0].abort();
  await waitFor(async () => (await sc.health()).stream.clients === 1, { what: 'a slot freed' });
  const again = new AbortController();
  assert.equal((await fetch(`${sc.url}/events/stream`, { signal: again.signal })).status, 200);
  streams[1].abort();
  again.abort();
});

test('posts past --max-concurrent-posts are answered 503 with Retry-After while one is in progress', async () => {
  const sc = await serve(pkg, ['--max-concurrent-posts', '1']);
  // A post whose body has not all arrived yet holds the one slot.
  const slow = await raw(sc.url);
  const body = swampRun('slow', 1);
  slow.socket.write(`POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
  await waitFor(async () => {
    const r = await fetch(`${sc.url}/events`, { method: 'POST', body: swampRun('other', 1) });
    await r.arrayBuffer();
    return r.status === 503 && r.headers.get('retry-after') === '1';
  }, { what: 'a 503 for the second post', timeout: 5000 });
  slow.socket.end(body.slice(10));
  await waitFor(() => /HTTP\/1\.1 202/.test(slow.answer), { what: 'the slow post answered' });
  const after = await sc.post(swampRun('later', 1));
  assert.equal(after.status, 202);
  assert.ok((await sc.health()).limited.concurrentPosts >= 1);
});

test('a client trickling its headers, or its body, is cut off at the deadlines', async () => {
  const sc = await serve(pkg, ['--headers-timeout-ms', '500', '--request-timeout-ms', '1500']);
  const t0 = Date.now();
  const headers = await raw(sc.url);
  headers.socket.write('POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const answer = await trickle(headers, 'X-Slow: 1\r\n', 8000); // never the blank line
  assert.notEqual(answer, 'still open');
  // Answered, not reset, though the client was still writing when it was cut off.
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.ok(Date.now() - t0 < 5000, `cut off after ${Date.now() - t0} ms`);

  const t1 = Date.now();
  const slowBody = await raw(sc.url);
  slowBody.socket.write('POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{');
  const answer2 = await trickle(slowBody, ' ', 10000);
  assert.notEqual(answer2, 'still open', 'the body deadline cut it off');
  assert.match(answer2, /^HTTP\/1\.1 408 /);
  assert.ok(Date.now() - t1 < 7000, `cut off after ${Date.now() - t1} ms`);
  // Counted, once each, on /healthz and /metrics (the client closing on the
  // answer, mid-request, is no second error); the sidecar goes on.
  assert.deepEqual((await sc.health()).limited, { streamClients: 0, concurrentPosts: 0, timedOut: 2, bodyTooLarge: 0, malformed: 0 });
  const metrics = await (await fetch(`${sc.url}/metrics`, bounded())).text();
  assert.match(metrics, /^workflow_sidecar_requests_limited_total\{limit="timed_out"\} 2$/m);
  assert.equal((await sc.post(swampRun('fine', 1))).status, 202);
});

test('a request cut off at its deadline is not ingested when the rest arrives after the 408', async () => {
  const sc = await serve(pkg, ['--headers-timeout-ms', '500', '--request-timeout-ms', '1000']);
  const body = swampRun('too-late', 1);
  // A client that keeps its sending side open after the server's answer.
  const late = await raw(sc.url, { allowHalfOpen: true });
  late.socket.write(`POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
  await waitFor(() => /^HTTP\/1\.1 408 /.test(late.answer), { what: 'the 408', timeout: 8000 });
  late.socket.end(body.slice(10));
  await late.closed;
  const h = await sc.health();
  assert.equal(h.events.accepted, 0, 'nothing of the cut-off request was ingested');
  assert.equal(h.limited.timedOut, 1);
});

test('a keep-alive connection whose first request was answered still gets its 408', async () => {
  const sc = await serve(pkg, ['--headers-timeout-ms', '500', '--request-timeout-ms', '1500']);
  const conn = await raw(sc.url);
  conn.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await waitFor(() => /^HTTP\/1\.1 200 [\s\S]*"status":"ok"[\s\S]*\}\s*$/.test(conn.answer), { what: `the first answer (so far: ${JSON.stringify(conn.answer)})` });
  const first = conn.answer.length;
  conn.socket.write('POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const answer = await trickle(conn, 'X-Slow: 1\r\n', 8000);
  assert.match(answer.slice(first), /^HTTP\/1\.1 408 /);
});

test('a request target no URL can be made of is a 400, and the sidecar goes on', async () => {
  const sc = await serve(pkg, []);
  const bad = await raw(sc.url);
  bad.socket.write('GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  const answer = await trickle(bad, '', 5000);
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /unreadable request target/);
  // Not HTTP at all: Node's parser refuses it; answered 400 and counted.
  const garbage = await raw(sc.url);
  garbage.socket.write('HELLO THERE\r\n\r\n');
  assert.match(await trickle(garbage, '', 5000), /^HTTP\/1\.1 400 Bad Request/);
  assert.equal((await sc.health()).limited.malformed, 2, 'the unreadable target and the bytes that are not HTTP');
  assert.equal((await sc.post(swampRun('after-bad', 1))).status, 202);
});
