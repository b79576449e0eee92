// Command-line options of `workflow-telemetry serve`: the help text, and a
// parser that turns argv into a validated options object or throws a
// UsageError (the CLI prints it and exits 2), so a typo never starts a
// sidecar that silently does something else.
import { readFileSync } from 'node:fs';
import { HEALTH_DEFAULTS } from './health.mjs';
import { isLoopback } from './server.mjs';

export const SERVE_HELP = `Usage: workflow-telemetry serve [options]

Runs the sidecar: accepts workflow events over HTTP and/or from a tailed log
file (any dialect: swamp, orchestrator, Tasker), keeps the run model, serves
Prometheus metrics, the run snapshot and a live event stream, and forwards
child entries to a swamp-style ingest endpoint and finished runs' spans to an
OTLP/HTTP endpoint. Prints "listening on http://HOST:PORT" once ready.

HTTP API:
  POST /events          NDJSON events (or one JSON array): 202 {accepted,
                        errors, entries, spooled, notSpooled, warning?}; 400
                        when every line was rejected; 413 over
                        --max-body-bytes; ?source=NAME: the producer's own
                        stream of runs (default "http"): give each engine
                        its own, or their runs are taken for crashed ones
  GET  /events/stream   Server-Sent Events: each event as "data: <json>", each
                        child entry as "event: entry"; Last-Event-ID resumes
  GET  /metrics         Prometheus text format 0.0.4
  GET  /runs            a page of runs, newest first: {runs, nextCursor,
                        total}; ?limit=N (default 100, at most 10000),
                        cursor=<nextCursor>, order=newest|oldest,
                        status=S[,S] (pending, queued, running, waiting,
                        completed, failed, cancelled, abandoned, stalled),
                        workflow=NAME, correlation=ID, source=NAME,
                        topLevel=true
  GET  /runs/<id>       one run (?dialect= when ids collide), or 404
  GET  /healthz         status ("ok", "degraded", "stopping"), reasons and
                        counters (events, entries, runs, spool, delivery,
                        OTLP, tail, stream, auth, limited): 200 when ok,
                        503 otherwise
  GET  /                the run viewer: the runs held, newest first, then
                        the live stream (unless --no-viewer)

Server:
  --host H                  address to bind (default 127.0.0.1); another
                            than loopback needs a token, or --allow-public
  --port N                  port, 0 for a random one (default 8787)
  --max-body-bytes N        largest POST /events body (default 10485760)
  --max-line-bytes N        longest accepted event line (default 1048576)
  --heartbeat-ms N          event stream heartbeat interval (default 15000)
  --stream-buffer N         stream messages kept for reconnecting clients
                            (default 1000)
  --no-viewer               do not serve the run viewer (API paths only)
  --max-stream-clients N    open /events/stream connections at most
                            (default 100; beyond: 503)
  --max-concurrent-posts N  POST /events in progress at most (default 32;
                            beyond: 503 with Retry-After)
  --headers-timeout-ms N    a request's headers must arrive within this
                            (default 30000; beyond: 408, the connection closed)
  --request-timeout-ms N    the whole request, body included (default 120000;
                            beyond: 408)

Access (with any token set, every request needs "Authorization: Bearer T"):
  --auth-token-file F       the full token, every route (also: environment
                            WORKFLOW_TELEMETRY_AUTH_TOKEN, or --auth-token T,
                            which other users can see in the process list)
  --scrape-token-file F     a token for GET /metrics and /healthz only, for
                            Prometheus and probes (WORKFLOW_TELEMETRY_SCRAPE_TOKEN,
                            --scrape-token T)
  --ingest-token-file F     a token for POST /events only, for the engines
                            (WORKFLOW_TELEMETRY_INGEST_TOKEN, --ingest-token T)
  --allow-public            bind an address other than loopback without any
                            token: whoever reaches the port may post events
                            and read runs
  A browser opens the viewer with GET /login?token=<full token> (a cookie).
  401 without a valid token, 403 when the token does not cover the route.

Input from a file:
  --tail FILE               follow FILE as it grows (repeatable); rotation and
                            truncation are followed, a partial last line waits
  --tail-from start|end     where to begin in a file that already exists
                            (default end; start replays the whole file, and so
                            produces its child entries again on every start)
  --tail-poll-ms N          polling interval besides fs.watch (default 1000)

Run model and entries:
  --parent-invocation-id ID parent CLI invocation id stamped on child entries
  --version-string V        written as swampVersion (default "")
  --runtime-version V       written as denoVersion (default "")
  --platform P              written as platform (default: this platform)
  --step-threshold-ms N     steps longer than this are over threshold
  --metrics-prefix P        metric name prefix (default workflow)
  --max-runs N              runs held at most; finished ones are evicted
                            first, oldest first (default 1000); metrics stay
                            cumulative
  --max-finished-age-ms N   finished runs are evicted this long after they
                            ended (default 3600000)
  --stall-after-ms N        a run with no event for this long is reported as
                            stalled (default 900000)

Delivery of child entries (only with --ingest-endpoint):
  --ingest-endpoint URL     POST URL/ingest, swamp's wire format
  --api-key KEY             sent as x-api-key (default: environment variable
                            WORKFLOW_TELEMETRY_API_KEY; prefer it, argv is
                            visible to other users)
  --distinct-id ID          distinct_id of every entry (default: a UUID
                            generated once and kept in the spool directory)
  --repo-id ID              sent as properties.$repo_id
  --batch-size N            entries per request (default 25)
  --spool DIR               spool directory, also where refused OTLP
                            traces are kept (default
                            ./.workflow-telemetry-spool)
  --spool-max-entries N     pending entries kept at most (default 10000)
  --max-refusals N          an entry the endpoint refuses (a status other
                            than 202 and 408, 425, 429, 500, 502, 503, 504)
                            this many times moves to the spool's
                            dead-letter/ directory, so it holds back nothing
                            (default 3; see workflow-telemetry dead-letters)
  --spool-max-bytes N       bytes of pending and dead-lettered entries kept
                            at most, and of refused OTLP traces apart
                            (default 104857600); a full disk counts as a
                            full spool

Delivery of spans (only with --otlp-endpoint):
  --otlp-endpoint URL       POST URL/v1/traces, OTLP/JSON, once per finished
                            run; a trace the endpoint refuses (a status
                            other than 2xx, 429, 502, 503, 504) is kept in
                            the --spool directory's dead-letter/otlp/, not
                            retried (see workflow-telemetry dead-letters)
  --service-name NAME       service.name of the spans
                            (default workflow-telemetry)

Timing (both deliveries):
  --timeout-ms N            per request (default 5000)
  --flush-interval-ms N     batching delay and OTLP scan interval (default 1000)
  --retry-min-ms N          first retry delay (default 1000)
  --retry-max-ms N          longest retry delay (default 30000)
  --shutdown-timeout-ms N   time given to the last deliveries on SIGINT/SIGTERM
                            (default 5000)

Health (GET /healthz answers 503 with "reasons" while any holds):
  --health-delivery-failures N  this many ingest or OTLP attempts in a row
                            failed (default 3), until one succeeds
  --health-spool-percent N  the spool holds N% of --spool-max-entries or more
                            (default 80)
  --health-drop-window-ms N child entries were dropped (not spooled), or
                            entries or traces dead-lettered, within the
                            last N ms (default 300000)
  --health-silence-ms N     no event arrived for N ms (default: not checked;
                            set it to the longest quiet time of your engines)

  -h, --help                show this help

Delivery is at-least-once. A child entry is written to the spool (one file,
fsync, atomic rename) before the POST /events that produced it is answered,
and removed only when the endpoint answers HTTP 202; any other answer, a
network error or a timeout keeps it for a retry with exponential backoff,
also across restarts. When the spool holds --spool-max-entries entries or
--spool-max-bytes bytes, or the disk is full (ENOSPC, EDQUOT), new
entries are not spooled: each is counted as spoolFull in /healthz, the POST
/events answer carries a "warning", and one line goes to standard error per
burst. Ingestion never waits on, or fails because of, the endpoints. Method
invocations still running when the sidecar stops or crashes produce no entry
(their state is in memory only).
Each source is one producer's stream of runs: a run ends with its
"completed" or "error"; a "started" while a run of the same source is going
is a nested run only inside a workflow-task step or with "parentRunId",
otherwise the run going was abandoned (its engine died): it ends as
"abandoned" and its running methods are delivered as errors. Events without
a timestamp are stamped on arrival.
The event stream carries each event redacted like every other output (filtered
keys and key=value secrets masked, swamp model names redacted).
Spans are retried only on 429, 502, 503, 504 and network errors (Retry-After
honoured); any other non-2xx answer drops them, counted in /healthz.
Exit status: 0 after SIGINT/SIGTERM, 1 when the sidecar cannot start, 2 on a
usage error.`;

export class UsageError extends Error {
  name = 'UsageError';
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  maxBodyBytes: 10 * 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  heartbeatMs: 15000,
  streamBuffer: 1000,
  viewer: true,
  tail: [],
  tailFrom: 'end',
  tailPollMs: 1000,
  parentInvocationId: '',
  version: '',
  runtimeVersion: '',
  platform: process.platform,
  stepThresholdMs: undefined,
  metricsPrefix: undefined,
  maxRuns: 1000,
  maxFinishedAgeMs: 60 * 60 * 1000,
  stallAfterMs: 15 * 60 * 1000,
  ingestEndpoint: undefined,
  apiKey: undefined,
  distinctId: undefined,
  repoId: undefined,
  batchSize: 25,
  spool: './.workflow-telemetry-spool',
  spoolMaxEntries: 10000,
  spoolMaxBytes: 100 * 1024 * 1024,
  maxRefusals: 3,
  maxStreamClients: 100,
  maxConcurrentPosts: 32,
  headersTimeoutMs: 30000,
  requestTimeoutMs: 120000,
  authToken: undefined,
  scrapeToken: undefined,
  ingestToken: undefined,
  allowPublic: false,
  otlpEndpoint: undefined,
  serviceName: undefined,
  timeoutMs: 5000,
  flushIntervalMs: 1000,
  retryMinMs: 1000,
  retryMaxMs: 30000,
  shutdownTimeoutMs: 5000,
  healthDeliveryFailures: HEALTH_DEFAULTS.deliveryFailures,
  healthSpoolPercent: HEALTH_DEFAULTS.spoolPercent,
  healthDropWindowMs: HEALTH_DEFAULTS.dropWindowMs,
  healthSilenceMs: HEALTH_DEFAULTS.silenceMs,
};

/** flag -> [option key, kind]; kinds: string, url, int (>= 1), port, list, enum values. */
const FLAGS = {
  '--host': ['host', 'string'],
  '--port': ['port', 'port'],
  '--max-body-bytes': ['maxBodyBytes', 'int'],
  '--max-line-bytes': ['maxLineBytes', 'int'],
  '--heartbeat-ms': ['heartbeatMs', 'int'],
  '--stream-buffer': ['streamBuffer', 'int'],
  '--tail': ['tail', 'list'],
  '--tail-from': ['tailFrom', ['start', 'end']],
  '--tail-poll-ms': ['tailPollMs', 'int'],
  '--parent-invocation-id': ['parentInvocationId', 'string'],
  '--version-string': ['version', 'string'],
  '--runtime-version': ['runtimeVersion', 'string'],
  '--platform': ['platform', 'string'],
  '--step-threshold-ms': ['stepThresholdMs', 'int'],
  '--metrics-prefix': ['metricsPrefix', 'string'],
  '--max-runs': ['maxRuns', 'int'],
  '--max-finished-age-ms': ['maxFinishedAgeMs', 'int'],
  '--stall-after-ms': ['stallAfterMs', 'int'],
  '--ingest-endpoint': ['ingestEndpoint', 'url'],
  '--api-key': ['apiKey', 'string'],
  '--distinct-id': ['distinctId', 'string'],
  '--repo-id': ['repoId', 'string'],
  '--batch-size': ['batchSize', 'int'],
  '--spool': ['spool', 'string'],
  '--spool-max-entries': ['spoolMaxEntries', 'int'],
  '--spool-max-bytes': ['spoolMaxBytes', 'int'],
  '--max-refusals': ['maxRefusals', 'int'],
  '--max-stream-clients': ['maxStreamClients', 'int'],
  '--max-concurrent-posts': ['maxConcurrentPosts', 'int'],
  '--headers-timeout-ms': ['headersTimeoutMs', 'int'],
  '--request-timeout-ms': ['requestTimeoutMs', 'int'],
  '--auth-token': ['authToken', 'string'],
  '--scrape-token': ['scrapeToken', 'string'],
  '--ingest-token': ['ingestToken', 'string'],
  '--auth-token-file': ['authToken', 'file'],
  '--scrape-token-file': ['scrapeToken', 'file'],
  '--ingest-token-file': ['ingestToken', 'file'],
  '--otlp-endpoint': ['otlpEndpoint', 'url'],
  '--service-name': ['serviceName', 'string'],
  '--timeout-ms': ['timeoutMs', 'int'],
  '--flush-interval-ms': ['flushIntervalMs', 'int'],
  '--retry-min-ms': ['retryMinMs', 'int'],
  '--retry-max-ms': ['retryMaxMs', 'int'],
  '--shutdown-timeout-ms': ['shutdownTimeoutMs', 'int'],
  '--health-delivery-failures': ['healthDeliveryFailures', 'int'],
  '--health-spool-percent': ['healthSpoolPercent', 'int'],
  '--health-drop-window-ms': ['healthDropWindowMs', 'int'],
  '--health-silence-ms': ['healthSilenceMs', 'int'],
};

function convert(flag, kind, value) {
  if (kind === 'file') {
    let text;
    try {
      text = readFileSync(value, 'utf8');
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${value}: ${err.code ?? err.message}`);
    }
    const token = text.split('\n')[0].trim();
    if (!token) throw new UsageError(`${flag}: ${value} holds no token on its first line`);
    return token;
  }
  if (kind === 'string' || kind === 'list') {
    if (value === '' && (flag === '--host' || flag === '--spool' || flag === '--tail')) throw new UsageError(`${flag} needs a non-empty value`);
    return value;
  }
  if (Array.isArray(kind)) {
    if (!kind.includes(value)) throw new UsageError(`${flag} must be one of ${kind.join(', ')}`);
    return value;
  }
  if (kind === 'url') {
    let url;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${flag} needs an http or https URL, got ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} needs an http or https URL, got ${url.protocol}`);
    if (url.search || url.hash) throw new UsageError(`${flag} takes a base URL without query or fragment`);
    if (url.username || url.password) throw new UsageError(`${flag} must not carry credentials; use --api-key for the ingest endpoint`);
    return value;
  }
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (kind === 'port') {
    if (!Number.isInteger(n) || n > 65535) throw new UsageError(`${flag} needs an integer from 0 to 65535`);
    return n;
  }
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer`);
  return n;
}

/**
 * @param {string[]} argv  the arguments after `serve`
 * @param {Record<string, string | undefined>} env
 * @returns {typeof DEFAULTS & { help?: true }}
 */
export function parseServeArgs(argv, env = process.env) {
  const opts = { ...DEFAULTS, tail: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { ...opts, help: true };
    if (arg === '--no-viewer') {
      opts.viewer = false;
      continue;
    }
    if (arg === '--allow-public') {
      opts.allowPublic = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[flag];
    if (!spec) {
      throw new UsageError(arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument ${arg}`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    const [key, kind] = spec;
    const converted = convert(flag, kind, value);
    if (kind === 'list') opts[key].push(converted);
    else opts[key] = converted;
  }
  if (opts.apiKey === undefined && env.WORKFLOW_TELEMETRY_API_KEY) opts.apiKey = env.WORKFLOW_TELEMETRY_API_KEY;
  for (const [key, name] of [['authToken', 'AUTH'], ['scrapeToken', 'SCRAPE'], ['ingestToken', 'INGEST']]) {
    if (opts[key] === undefined && env[`WORKFLOW_TELEMETRY_${name}_TOKEN`]) opts[key] = env[`WORKFLOW_TELEMETRY_${name}_TOKEN`];
    if (opts[key] === '') throw new UsageError(`--${key.replace('Token', '')}-token needs a non-empty token`);
  }
  const tokens = [opts.authToken, opts.scrapeToken, opts.ingestToken].filter(Boolean);
  if (new Set(tokens).size !== tokens.length) throw new UsageError('the full, scrape and ingest tokens must differ');
  if (!isLoopback(opts.host) && tokens.length === 0 && !opts.allowPublic) {
    throw new UsageError(`--host ${opts.host} is not a loopback address: set a token (--auth-token-file) or say --allow-public`);
  }
  if (opts.retryMinMs > opts.retryMaxMs) throw new UsageError('--retry-min-ms must not exceed --retry-max-ms');
  if (opts.healthSpoolPercent > 100) throw new UsageError('--health-spool-percent needs a percentage from 1 to 100');
  const deliveryOnly = ['apiKey', 'distinctId', 'repoId'];
  if (!opts.ingestEndpoint) {
    const given = deliveryOnly.filter((k) => opts[k] !== undefined && !(k === 'apiKey' && env.WORKFLOW_TELEMETRY_API_KEY === opts.apiKey));
    if (given.length) {
      const flag = Object.keys(FLAGS).find((f) => FLAGS[f][0] === given[0]);
      throw new UsageError(`${flag} needs --ingest-endpoint`);
    }
  }
  return opts;
}
