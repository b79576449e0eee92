// Forwarding of finished runs' spans to an OTLP/HTTP endpoint (ecosystem.md
// §B.4): POST <endpoint>/v1/traces with the JSON ExportTraceServiceRequest
// that RunModel.exportTraces() builds.
//
// A trace is sent once, when every top-level run in it has reached a terminal
// status (completed, failed, cancelled, abandoned); the run's id, dialect and status are
// remembered so it is not sent again. Nested runs travel inside their root's
// trace. Retries follow the OTLP spec: only 429, 502, 503 and 504 (and network
// errors or timeouts, where nothing was received) are retried, honouring
// Retry-After or else backing off exponentially with jitter; any other
// non-2xx status is permanent. A request of several traces refused for
// its content (400, 413, 422) is sent again one trace per request, so that
// one trace the endpoint cannot take does not take the others with it; any
// other refusal (401, 403, 404, ...: the endpoint refuses every request) is
// not split, which would only send it the same refusal once per trace. A
// refused trace is not sent again (the spec forbids retrying a permanent
// answer) but dead-lettered: kept in <spool>/dead-letter/otlp/
// (otlp-letters.mjs, within --spool-max-bytes), counted, and re-sent at the
// next start after `workflow-telemetry dead-letters resend`. With no place
// to keep it (no `letters`, the budget spent, a failed write) it is dropped
// and counted. Spans are not spooled before they are sent: they are rebuilt
// from the run model at every attempt.
import { backoffDelay, describeFetchError, discardBody, readBodyText, retryAfterMs, untilDeadline } from './retry.mjs';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'abandoned']);
const RETRYABLE = new Set([429, 502, 503, 504]);
/** Refusals of a request's content: another request with part of it may pass. */
const SPLIT_ON = new Set([400, 413, 422]);
/** Retryable failures after which the resend queue waits for the next start. */
const RESEND_TRIES = 3;
/** Longest wait a Retry-After header may impose. */
const RETRY_AFTER_CAP_MS = 5 * 60 * 1000;

const attr = (span, key) => span.attributes?.find((a) => a.key === key)?.value?.stringValue;
const runKey = (dialect, id) => `${dialect}\u0000${id}`;

export class OtlpExporter {
  #model;
  #url;
  #o;
  /** Top-level runs already handled (sent, dropped, or with no spans), keyed dialect+id, valued by status. */
  #done = new Map();
  #dirty = true;
  #timer = null;
  #running = null;
  #stopped = false;
  #abort = new AbortController();
  #retryAt = 0;
  /** Whether otlp-resend/ may hold traces to send (looked at once per start). */
  #resend = true;
  /** The status of the last refused request. */
  #refusedWith = 0;
  /** Retryable failures of the resend queue in this start. */
  #resendFailures = 0;
  stats = {
    exportedRuns: 0,
    exportedSpans: 0,
    droppedRuns: 0,
    droppedSpans: 0,
    /** Traces refused alone and kept in the dead-letter directory. */
    deadLetteredTraces: 0,
    deadLetteredSpans: 0,
    lastDeadLetterAt: null,
    /** Dead letters moved back by `dead-letters resend` and accepted. */
    resentTraces: 0,
    rejectedSpans: 0,
    attempts: 0,
    failures: 0,
    consecutiveFailures: 0,
    /** Requests in a row that did not succeed, refused ones included (for
     *  health: a refusal resets the backoff's count, not this one). */
    failedInARow: 0,
    pendingRuns: 0,
    lastError: null,
    lastErrorAt: null,
    lastSuccessAt: null,
  };

  /**
   * @param {object} o
   * @param {object} o.model  the RunModel
   * @param {string} o.endpoint  base URL; `/v1/traces` is appended
   * @param {object} [o.traceOptions]  passed to exportTraces (serviceName, ...)
   * @param {number} o.intervalMs  how often finished runs are looked for
   * @param {number} o.timeoutMs
   * @param {number} o.retryMinMs
   * @param {number} o.retryMaxMs
   * @param {number} [o.maxTracesPerRequest]
   * @param {import('./otlp-letters.mjs').TraceLetters | null} [o.letters]  where refused traces are kept
   * @param {(line: string) => void} [o.log]
   */
  constructor(o) {
    this.#model = o.model;
    this.#url = `${o.endpoint.replace(/\/+$/, '')}/v1/traces`;
    this.#o = { maxTracesPerRequest: 100, ...o };
  }

  get url() {
    return this.#url;
  }

  /** Events were ingested: runs may have ended. Cheap; the work happens on the next tick. */
  markDirty() {
    this.#dirty = true;
  }

  start() {
    this.#tick();
  }

  #tick() {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = null;
      if (Date.now() >= this.#retryAt) await this.#run(this.#o.timeoutMs);
      this.#tick();
    }, this.#o.intervalMs);
  }

  #run(timeoutMs) {
    if (!this.#running) {
      const work = async () => {
        // A retryable failure's backoff (and Retry-After) holds for the
        // export too; the resend queue gives up for this start after
        // RESEND_TRIES such failures, so it never holds back for long the
        // runs that end meanwhile.
        if ((await this.#resendLetters(timeoutMs)) === 'retry') return false;
        return this.#exportPending(timeoutMs);
      };
      this.#running = work().finally(() => {
        this.#running = null;
      });
    }
    return this.#running;
  }

  /** Top-level runs that ended and were not handled yet, and every ended top-level run with its status. */
  #pending() {
    const terminal = new Map();
    const pending = new Map();
    for (const run of this.#model.snapshot().runs) {
      if (run.parentRun || !TERMINAL.has(run.status)) continue;
      const key = runKey(run.dialect, run.id);
      terminal.set(key, run.status);
      if (this.#done.get(key) !== run.status) pending.set(key, run.status);
    }
    // Runs the model no longer holds (retention evicted them) never come
    // back: forget them, or this map would grow with every run ever seen.
    for (const key of this.#done.keys()) if (!terminal.has(key)) this.#done.delete(key);
    return { pending, terminal };
  }

  /** Sends every ready trace, in requests of at most maxTracesPerRequest traces; never rejects. */
  async #exportPending(timeoutMs) {
    if (!this.#dirty) return true;
    this.#dirty = false;
    try {
      const { pending, terminal } = this.#pending();
      this.stats.pendingRuns = pending.size;
      if (pending.size === 0) {
        // Nothing left to send (sent, or evicted): nothing is failing.
        this.stats.failedInARow = 0;
        return true;
      }
      const request = this.#model.exportTraces(this.#o.traceOptions ?? {});
      const inSomeTrace = new Set();
      const ready = [];
      for (const trace of groupTraces(request).values()) {
        trace.roots.forEach((k) => inSomeTrace.add(k));
        // A trace that also holds a run still going waits for it, so it is sent whole, once.
        if (trace.roots.some((k) => pending.has(k)) && trace.roots.every((k) => terminal.has(k))) ready.push(trace);
      }
      // Ended runs without any span (sampled out): nothing to send, never look again.
      for (const [key, status] of pending) if (!inSomeTrace.has(key)) this.#done.set(key, status);
      for (let i = 0; i < ready.length; i += this.#o.maxTracesPerRequest) {
        const batch = ready.slice(i, i + this.#o.maxTracesPerRequest);
        const outcome = await this.#send(buildRequest(request, batch), timeoutMs);
        if (outcome === 'retry') return this.#later();
        if (outcome === 'ok') {
          await this.#settle(batch, outcome, request, terminal);
          continue;
        }
        if (batch.length === 1 || !SPLIT_ON.has(this.#refusedWith)) {
          // Refused as a whole: each of its traces kept back, none sent again.
          for (const trace of batch) await this.#settle([trace], outcome, request, terminal);
          continue;
        }
        // Refused for its content: each trace alone, so that only the one
        // refused is kept back.
        for (const trace of batch) {
          const alone = await this.#send(buildRequest(request, [trace]), timeoutMs);
          if (alone === 'retry') return this.#later();
          await this.#settle([trace], alone, request, terminal);
        }
      }
      this.stats.pendingRuns = [...pending.keys()].filter((k) => this.#done.get(k) !== pending.get(k)).length;
      return true;
    } catch (err) {
      // exportTraces/snapshot failing would be a bug in the core; report it, keep serving.
      this.stats.lastError = `export failed: ${err?.message ?? err}`;
      this.stats.lastErrorAt = new Date().toISOString();
      return false;
    }
  }

  /** A retryable failure: the rest waits for the next tick after the backoff. */
  #later() {
    this.#dirty = true;
    return false;
  }

  /** Traces answered for good: exported, or refused (then one trace at a time). */
  async #settle(traces, outcome, request, terminal) {
    for (const t of traces) for (const k of t.roots) this.#done.set(k, terminal.get(k));
    const runs = traces.reduce((n, t) => n + t.roots.length, 0);
    const spans = traces.reduce((n, t) => n + t.spanCount, 0);
    if (outcome === 'ok') {
      this.stats.exportedRuns += runs;
      this.stats.exportedSpans += spans;
      return;
    }
    const [trace] = traces;
    if (this.#o.letters) {
      try {
        await this.#o.letters.put(trace.traceId, buildRequest(request, traces), this.stats.lastError);
        this.stats.deadLetteredTraces += 1;
        this.stats.deadLetteredSpans += spans;
        this.stats.lastDeadLetterAt = Date.now();
        this.#o.log?.(`dead letter: trace ${trace.traceId} (${spans} spans) refused by the OTLP endpoint (${this.stats.lastError}); kept in ${this.#o.letters.dir}`);
        return;
      } catch (err) {
        this.#o.log?.(`otlp: cannot keep refused trace ${trace.traceId} (${err.message}); dropped`);
      }
    }
    this.stats.droppedRuns += runs;
    this.stats.droppedSpans += spans;
  }

  /**
   * Sends the traces `dead-letters resend` moved back, once per start (and
   * again after a retryable failure, at the next tick). Never rejects.
   */
  async #resendLetters(timeoutMs) {
    if (!this.#resend || !this.#o.letters) return 'done';
    try {
      for (const file of await this.#o.letters.toResend()) {
        const request = await this.#o.letters.read(file);
        if (request === null) continue;
        const outcome = await this.#send(request, timeoutMs);
        if (outcome === 'retry') {
          if (++this.#resendFailures < RESEND_TRIES) return 'retry';
          this.#o.log?.(`otlp: re-sending ${file} failed ${RESEND_TRIES} times (${this.stats.lastError}); the traces moved back wait in otlp-resend/ for the next start`);
          this.#resend = false;
          return 'done';
        }
        const spans = [...groupTraces(request).values()].reduce((n, t) => n + t.spanCount, 0);
        if (outcome === 'ok') {
          await this.#o.letters.sent(file);
          this.stats.resentTraces += 1;
          this.stats.exportedSpans += spans;
        } else {
          // Counted again: it was refused again.
          await this.#o.letters.refusedAgain(file, this.stats.lastError);
          this.stats.deadLetteredTraces += 1;
          this.stats.deadLetteredSpans += spans;
          this.stats.lastDeadLetterAt = Date.now();
        }
      }
      this.#resend = false;
    } catch (err) {
      this.#o.log?.(`otlp: re-sending dead letters failed: ${err.message}`);
      this.#resend = false;
    }
    return 'done';
  }

  /** @returns {Promise<'ok' | 'drop' | 'retry'>} */
  async #send(body, timeoutMs) {
    this.stats.attempts += 1;
    let error;
    let wait;
    try {
      const res = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#abort.signal]),
      });
      if (res.status >= 200 && res.status < 300) {
        const text = await readBodyText(res);
        this.#countPartialSuccess(text);
        this.stats.consecutiveFailures = 0;
        this.stats.failedInARow = 0;
        this.stats.lastSuccessAt = new Date().toISOString();
        return 'ok';
      }
      await discardBody(res);
      error = `HTTP ${res.status} from ${this.#url}`;
      if (!RETRYABLE.has(res.status)) {
        this.#refusedWith = res.status;
        this.#fail(`${error} (permanent, not retried)`);
        this.stats.consecutiveFailures = 0;
        this.stats.failedInARow += 1;
        return 'drop';
      }
      wait = retryAfterMs(res.headers.get('retry-after'), RETRY_AFTER_CAP_MS);
    } catch (err) {
      error = `${describeFetchError(err, timeoutMs)} (${this.#url})`;
    }
    this.#fail(error);
    this.stats.consecutiveFailures += 1;
    this.stats.failedInARow += 1;
    const delay = wait ?? backoffDelay(this.stats.consecutiveFailures, this.#o.retryMinMs, this.#o.retryMaxMs);
    this.#retryAt = Date.now() + delay;
    return 'retry';
  }

  #fail(message) {
    this.stats.failures += 1;
    this.stats.lastError = message;
    this.stats.lastErrorAt = new Date().toISOString();
  }

  /** A 2xx may carry partialSuccess: the spans it rejected are counted, never re-sent (OTLP spec). */
  #countPartialSuccess(text) {
    try {
      const n = Number(JSON.parse(text)?.partialSuccess?.rejectedSpans ?? 0);
      if (Number.isFinite(n) && n > 0) this.stats.rejectedSpans += n;
    } catch {
      // An empty or non-JSON body is a plain success.
    }
  }

  /** For shutdown: one last export of the runs that ended, bounded by the deadline. */
  async flush(deadline) {
    this.#stopped = true;
    // The runs that ended come first; moved-back traces wait for a start.
    this.#resend = false;
    clearTimeout(this.#timer);
    this.#timer = null;
    await untilDeadline(deadline, this.#abort, this.#running, async (left) => {
      this.#dirty = true;
      if (left() > 50) await this.#run(Math.min(this.#o.timeoutMs, left()));
    });
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort.abort();
  }

  toJSON() {
    return { endpoint: this.#url, ...this.stats };
  }
}

/**
 * Groups the spans of a request by trace, and names each trace by its
 * top-level runs: the run spans without a parent (`cicd.pipeline.run.id`,
 * `workflow.dialect`).
 */
export function groupTraces(request) {
  const traces = new Map();
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        let t = traces.get(span.traceId);
        if (!t) traces.set(span.traceId, (t = { traceId: span.traceId, roots: [], spanCount: 0 }));
        t.spanCount += 1;
        const id = attr(span, 'cicd.pipeline.run.id');
        if (!span.parentSpanId && id !== undefined) t.roots.push(runKey(attr(span, 'workflow.dialect') ?? '', id));
      }
    }
  }
  return traces;
}

/** The request restricted to the given traces, keeping resources and scopes as they were. */
export function buildRequest(request, traces) {
  const ids = new Set(traces.map((t) => t.traceId));
  const resourceSpans = [];
  for (const rs of request.resourceSpans ?? []) {
    const scopeSpans = [];
    for (const ss of rs.scopeSpans ?? []) {
      const spans = (ss.spans ?? []).filter((s) => ids.has(s.traceId));
      if (spans.length) scopeSpans.push({ ...ss, spans });
    }
    if (scopeSpans.length) resourceSpans.push({ ...rs, scopeSpans });
  }
  return { resourceSpans };
}

