// The sidecar's HTTP API (node:http, no framework):
//   POST /events          NDJSON events in (any dialect) -> 202 {accepted, errors, ...}
//   GET  /events/stream   Server-Sent Events: events and child entries as they arrive
//   GET  /metrics         Prometheus text 0.0.4 from the run model
//   GET  /runs            a page of runs (limit, cursor, filters); GET /runs/<id> one run or 404
//   GET  /healthz         status, reasons and counters: 200 when healthy, 503
//                         when degraded or stopping (health.mjs)
//   GET  /login?token=T   with tokens set: a cookie standing for the full token,
//                         for a browser (every other route then needs a bearer
//                         token that covers it: auth.mjs)
// Edge limits: stream clients and posts in progress capped (503), headers and
// whole requests under deadlines.
// No CORS headers are sent: the API is for same-origin pages and local
// processes. Because a web page can still *send* a cross-origin POST without
// a preflight (text/plain), a request whose Origin is not this server's own
// is refused, and, when bound to loopback, so is a Host header that is not a
// loopback name (DNS rebinding).
import { createServer } from 'node:http';
import { Auth } from './auth.mjs';

const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host) {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host part of a Host header, without the port. */
function hostName(header) {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.lastIndexOf(':');
  return (colon >= 0 ? header.slice(0, colon) : header).toLowerCase();
}

function sendJson(res, status, value, headers = {}) {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendError(res, status, message, headers) {
  sendJson(res, status, { error: message }, headers);
}

/**
 * Reads a request body of at most `max` bytes. Past the limit the rest is
 * read and discarded (so the client sees the 413 rather than a reset
 * connection), up to a hard bound after which the connection is cut.
 * @returns {Promise<Buffer | null>} null when the body was too large
 */
function readBody(req, max) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let over = false;
    const discardLimit = Math.max(max, 16 * 1024 * 1024);
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        if (size > max + discardLimit) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/**
 * @param {object} o
 * @param {import('./core.mjs').Pipeline} o.pipeline
 * @param {object} o.model  RunModel
 * @param {import('./sse.mjs').EventHub} o.hub
 * @param {() => object} o.health  the /healthz body; its `status` 'ok' answers 200, anything else 503
 * @param {() => string} o.selfMetrics  the sidecar's own families, after the run model's on /metrics
 * @param {number} o.maxBodyBytes
 * @param {object} o.metricsOptions  passed to exportMetrics
 * @param {string} o.host  the address bound
 * @param {((req, res) => Promise<void>) | null} [o.viewer]  serves the run viewer's files
 * @param {Auth} [o.auth]  the tokens (auth.mjs); none: no access control
 * @param {number} [o.maxStreamClients]  open /events/stream connections at most (503 beyond)
 * @param {number} [o.maxConcurrentPosts]  POST /events in progress at most (503 and Retry-After beyond)
 * @param {number} [o.headersTimeoutMs]  a request's headers must arrive within this
 * @param {number} [o.requestTimeoutMs]  the whole request (headers and body) within this
 */
export function createSidecarServer(o) {
  const pending = new Set();
  let accepting = true;
  let posting = 0;
  /**
   * Requests turned away at the edge limits, by limit: over the stream or
   * post caps (503), past the header or request deadline (408; a connection
   * that sent nothing for that long too), a body over --max-body-bytes (413),
   * or not a request (400; 431 headers too large, 413 chunk extensions too
   * large).
   */
  const limited = { streamClients: 0, concurrentPosts: 0, timedOut: 0, bodyTooLarge: 0, malformed: 0 };

  async function postEvents(req, res, url) {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBodyBytes + 16 * 1024 * 1024) {
      // Hopelessly large: answer now and close rather than read it all.
      limited.bodyTooLarge += 1;
      res.on('finish', () => req.socket.destroy());
      sendError(res, 413, `body larger than ${o.maxBodyBytes} bytes`, { connection: 'close' });
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      sendError(res, 415, `content-encoding ${encoding} is not supported`);
      req.resume();
      return;
    }
    const source = url.searchParams.get('source') ?? 'http';
    if (source.length > 200) {
      sendError(res, 400, 'source is longer than 200 characters');
      req.resume();
      return;
    }
    const body = await readBody(req, o.maxBodyBytes);
    if (body === null) {
      limited.bodyTooLarge += 1;
      sendError(res, 413, `body larger than ${o.maxBodyBytes} bytes`);
      return;
    }
    // NDJSON or one JSON array, a byte-order mark, blank lines: the core's
    // reader decides, as for every other host.
    const result = await o.pipeline.ingest(body.toString('utf8'), source);
    const status = result.accepted === 0 && result.errors.length > 0 ? 400 : 202;
    sendJson(res, status, result);
  }

  async function route(req, res, url) {
    const path = url.pathname;
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    const only = (allowed) => {
      sendError(res, 405, `method ${req.method} not allowed`, { allow: allowed });
      req.resume();
    };
    if (path === '/events') {
      if (req.method !== 'POST') return only('POST');
      if (!accepting) return sendError(res, 503, 'shutting down', { connection: 'close' });
      if (posting >= (o.maxConcurrentPosts ?? Infinity)) {
        limited.concurrentPosts += 1;
        req.resume();
        return sendError(res, 503, `${posting} POST /events in progress, the most allowed (--max-concurrent-posts)`, { 'retry-after': '1' });
      }
      posting += 1;
      try {
        return await postEvents(req, res, url);
      } finally {
        posting -= 1;
      }
    }
    const getRoute = path === '/metrics' || path === '/runs' || path.startsWith('/runs/') || path === '/healthz' || path === '/events/stream';
    if (!getRoute && !o.viewer) return sendError(res, 404, `no such path: ${path}`);
    if (!isGet) return only('GET, HEAD');
    if (!getRoute) {
      // The packaged run viewer; its bare address opens it on the live stream and
      // the runs the sidecar already holds.
      if (path === '/' && url.search === '') {
        res.writeHead(302, { location: '/?live=/events/stream&runs=/runs', 'content-length': 0 });
        return res.end();
      }
      return o.viewer(req, res);
    }
    if (path === '/metrics') {
      const body = o.model.exportMetrics(o.metricsOptions) + o.selfMetrics();
      res.writeHead(200, { 'content-type': METRICS_TYPE, 'content-length': Buffer.byteLength(body) });
      return res.end(body);
    }
    if (path === '/runs') {
      let page;
      try {
        page = o.model.runs(runQuery(url.searchParams));
      } catch (err) {
        if (err?.name !== 'ArgumentError') throw err;
        return sendError(res, 400, err.message);
      }
      return sendJson(res, 200, page);
    }
    if (path.startsWith('/runs/')) {
      let id;
      try {
        id = decodeURIComponent(path.slice('/runs/'.length));
      } catch {
        return sendError(res, 400, 'malformed run id');
      }
      const dialect = url.searchParams.get('dialect') ?? undefined;
      let run;
      try {
        run = id === '' ? undefined : o.model.run(id, dialect);
      } catch (err) {
        // The model names the dialects it knows.
        if (err?.name !== 'ArgumentError') throw err;
        return sendError(res, 400, err.message);
      }
      return run === undefined ? sendError(res, 404, `no run ${id}`) : sendJson(res, 200, run);
    }
    if (path === '/healthz') {
      const health = o.health();
      return sendJson(res, health.status === 'ok' ? 200 : 503, health);
    }
    if (!accepting) return sendError(res, 503, 'shutting down', { connection: 'close' });
    if (o.hub.clients >= (o.maxStreamClients ?? Infinity)) {
      limited.streamClients += 1;
      return sendError(res, 503, `${o.hub.clients} event stream clients, the most allowed (--max-stream-clients)`, { 'retry-after': '5' });
    }
    return o.hub.attach(req, res);
  }

  /** The cross-site and DNS-rebinding guard (see the file comment). */
  function refused(req) {
    const host = req.headers.host ?? '';
    if (isLoopback(o.host) && !isLoopback(hostName(host))) return `host ${host} is not a loopback name`;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) return `cross-origin requests are not allowed (origin ${origin})`;
    return null;
  }

  const auth = o.auth ?? new Auth({});
  const headersTimeout = o.headersTimeoutMs ?? 30000;
  const requestTimeout = o.requestTimeoutMs ?? 120000;
  // Node checks those deadlines every connectionsCheckingInterval (30 s by
  // default): often enough for the shortest of them.
  const checkEvery = Math.max(100, Math.min(headersTimeout, requestTimeout, 30000) / 4);
  const server = createServer({ connectionsCheckingInterval: checkEvery }, (req, res) => {
    const why = refused(req);
    if (why) {
      sendError(res, 403, why);
      req.resume();
      return;
    }
    // Parsed once, here: a target no URL can be made of is the client's
    // fault, answered, never thrown out of the listener.
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://sidecar.invalid');
    } catch {
      limited.malformed += 1;
      sendError(res, 400, 'unreadable request target');
      req.resume();
      return;
    }
    const path = url.pathname;
    if (auth.enabled && path === '/login' && (req.method === 'GET' || req.method === 'HEAD')) {
      const token = url.searchParams.get('token') ?? '';
      const cookie = auth.loginCookie(token);
      if (!cookie) {
        auth.refused.unauthenticated += 1;
        sendError(res, 401, 'not the full token', { 'www-authenticate': 'Bearer' });
        return;
      }
      res.writeHead(302, { location: '/', 'set-cookie': cookie, 'content-length': 0 });
      res.end();
      return;
    }
    const denied = auth.check(req, path);
    if (denied) {
      sendError(res, denied.status, denied.message, denied.status === 401 ? { 'www-authenticate': 'Bearer' } : undefined);
      req.resume();
      return;
    }
    const job = route(req, res, url).catch((err) => {
      if (!res.headersSent) sendError(res, err?.message === 'request aborted' ? 400 : 500, err?.message ?? String(err));
      else res.destroy();
    });
    pending.add(job);
    job.finally(() => pending.delete(job));
  });
  server.on('clientError', (err, socket) => answerClientError(err, socket, limited));
  server.keepAliveTimeout = 5000;
  // A client trickling its headers or body is cut off at these deadlines.
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;

  return {
    server,
    limited,
    /**
     * Stops accepting connections and events; resolves when the requests in
     * progress are answered (their entries spooled), or at the deadline.
     */
    async close(deadline) {
      accepting = false;
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      o.hub.closeAll();
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(deadline - Date.now(), 0));
      });
      await Promise.race([Promise.allSettled([...pending]), late]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** What Node's parser errors are answered with (Node's own choices). */
const CLIENT_ERRORS = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large'],
};

/** Sockets already answered here: what else goes wrong on them is not counted again. */
const answered = new WeakSet();

/**
 * A connection Node gave up on: past a deadline (408; also one that sent
 * nothing for that long), headers too large (431), chunk extensions too
 * large (413), not HTTP (400). Node's own answer writes and destroys at once; a
 * client still sending then gets a reset, which can overtake the answer in
 * its receive buffer (seen in CI: the trickling client read ECONNRESET
 * instead of the 408). So reading stops (nothing more of a request cut off
 * is parsed, let alone ingested after its 408), the answer is written and
 * the sending side closed, and the socket destroyed a second later, when the
 * client has read it or is not listening anyway.
 *
 * Counted: deadlines (`timedOut`) and what the parser refused (`malformed`).
 * Not counted: a client that went away (a reset, a broken pipe, the end
 * in the middle of a request: HPE_INVALID_EOF_STATE), which is no limit.
 */
function answerClientError(err, socket, limited) {
  if (answered.has(socket)) return; // its timer destroys it
  const code = String(err.code ?? '');
  const refused = code === 'ERR_HTTP_REQUEST_TIMEOUT' || (code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE');
  if (!refused) {
    socket.destroy();
    return;
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') limited.timedOut += 1;
  else limited.malformed += 1;
  // An answer can go out unless one has started on this connection (a
  // keep-alive connection's earlier, finished answers do not count). Node
  // tests `_headerSent` (headers written); `headersSent` (headers made) is
  // the public, slightly more cautious, form.
  if (!socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const [status, reason] = CLIENT_ERRORS[code] ?? [400, 'Bad Request'];
  socket.pause();
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** `GET /runs` query parameters as a `RunModel.runs` query (the model validates them). */
function runQuery(params) {
  const q = {};
  for (const key of ['cursor', 'order', 'workflow', 'correlation', 'source']) {
    const v = params.get(key);
    if (v !== null) q[key] = v;
  }
  const status = params.getAll('status');
  if (status.length) q.status = status.join(',');
  const limit = params.get('limit');
  if (limit !== null) q.limit = /^\d+$/.test(limit) ? Number(limit) : limit;
  const top = params.get('topLevel');
  if (top !== null) q.topLevel = top === '' || top === 'true' || top === '1';
  return q;
}
