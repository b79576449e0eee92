// Delivery of spooled child entries to a swamp-style ingest endpoint.
//
// The wire contract is swamp's HttpTelemetrySender (swamp-telemetry.md §2.7):
// POST <endpoint>/ingest, Content-Type application/json, `x-api-key` only when
// a key is set, one entry as the bare event object and several as
// {"events":[...]} (both built by toWire), and success is HTTP status exactly
// 202. Unlike swamp, which gives up until the next CLI run, the sidecar keeps
// the entries in the spool and retries with exponential backoff: a network
// error, a timeout, or a status that says "later" (408, 425, 429, 500, 502,
// 503, 504) leaves them pending. Any other answer is a refusal: the batch is
// sent again one entry at a time, and an entry refused --max-refusals times
// (default 3) moves to the spool's dead-letter/ directory, counted and
// logged, so that one poison entry never holds back the entries after it.
// Entries go out oldest first, one request at a time, so a retried batch is
// never overtaken by newer entries.
import { backoffDelay, describeFetchError, discardBody, untilDeadline } from './retry.mjs';

/** Answers that mean "try again later"; any other non-202 is a refusal. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

export class IngestDelivery {
  #spool;
  #url;
  #apiKey;
  #identity;
  #toWire;
  #o;
  #timer = null;
  #running = null;
  #stopped = false;
  #abort = new AbortController();
  /** One entry per request while a refused batch is sorted out. */
  #single = false;
  /** Refusals so far, per entry id. */
  #refusals = new Map();
  stats = {
    attempts: 0,
    failures: 0,
    consecutiveFailures: 0,
    delivered: 0,
    failedEntries: 0,
    deadLettered: 0,
    lastDeadLetterAt: null,
    lastError: null,
    lastErrorAt: null,
    lastSuccessAt: null,
    nextRetryAt: null,
  };

  /**
   * @param {object} o
   * @param {import('./spool.mjs').Spool} o.spool
   * @param {string} o.endpoint  base URL; `/ingest` is appended
   * @param {string} [o.apiKey]
   * @param {{ distinctId: string, repoId?: string }} o.identity
   * @param {Function} o.toWire
   * @param {number} o.batchSize
   * @param {number} o.timeoutMs
   * @param {number} o.retryMinMs
   * @param {number} o.retryMaxMs
   * @param {number} o.flushIntervalMs  how long new entries wait to form a batch
   */
  constructor(o) {
    this.#spool = o.spool;
    // swamp concatenates blindly (a trailing slash gives //ingest); trimming it is kinder and equivalent otherwise.
    this.#url = `${o.endpoint.replace(/\/+$/, '')}/ingest`;
    this.#apiKey = o.apiKey || '';
    this.#identity = o.identity;
    this.#toWire = o.toWire;
    this.#o = o;
  }

  get url() {
    return this.#url;
  }

  /** Called when entries were spooled (and once at startup): schedules an attempt
   *  unless one is running or a retry is already waiting for its backoff. */
  notify() {
    if (this.#stopped || this.#running || this.#timer || this.#spool.size === 0) return;
    const delay = this.#spool.size >= this.#o.batchSize ? 0 : this.#o.flushIntervalMs;
    this.#schedule(delay);
  }

  #schedule(delayMs) {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#run();
    }, delayMs);
  }

  #run() {
    if (this.#running || this.#stopped) return this.#running;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Sends batches until the spool is empty or an attempt fails; a failure schedules the retry. */
  async #drain() {
    while (!this.#stopped && this.#spool.size > 0) {
      const ok = await this.#attempt(this.#o.timeoutMs);
      if (!ok) {
        if (this.#stopped) return;
        const delay = backoffDelay(this.stats.consecutiveFailures, this.#o.retryMinMs, this.#o.retryMaxMs);
        this.stats.nextRetryAt = new Date(Date.now() + delay).toISOString();
        this.#schedule(delay);
        return;
      }
    }
  }

  /** One request with the oldest batch. Resolves true on a 202; never rejects. */
  async #attempt(timeoutMs) {
    const batch = this.#spool.peek(this.#single ? 1 : this.#o.batchSize);
    if (batch.length === 0) return true;
    this.stats.attempts += 1;
    this.stats.nextRetryAt = null;
    let error;
    try {
      const body = JSON.stringify(this.#toWire(batch.map((b) => b.entry), this.#identity));
      const headers = { 'content-type': 'application/json' };
      if (this.#apiKey) headers['x-api-key'] = this.#apiKey;
      const res = await fetch(this.#url, {
        method: 'POST',
        headers,
        body,
        // A redirect is not a 202; following it would also hand x-api-key to another host.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#abort.signal]),
      });
      await discardBody(res);
      if (res.status === 202) {
        await this.#spool.remove(batch.map((b) => b.id));
        for (const b of batch) this.#refusals.delete(b.id);
        if (this.#refusals.size === 0) this.#single = false;
        this.stats.delivered += batch.length;
        this.stats.consecutiveFailures = 0;
        this.stats.lastSuccessAt = new Date().toISOString();
        return true;
      }
      error = `HTTP ${res.status} from ${this.#url}`;
      if (!RETRYABLE.has(res.status)) return this.#refused(batch, error);
    } catch (err) {
      error = `${describeFetchError(err, timeoutMs)} (${this.#url})`;
    }
    this.stats.failures += 1;
    this.stats.consecutiveFailures += 1;
    this.stats.failedEntries += batch.length;
    this.stats.lastError = error;
    this.stats.lastErrorAt = new Date().toISOString();
    return false;
  }

  /**
   * A refusal: a batch of several is sent again one entry at a time (at
   * once, no backoff); a single entry refused `maxRefusals` times goes to
   * the dead letters, and the next is sent at once. Resolves true when
   * sending may go on now.
   */
  async #refused(batch, error) {
    this.stats.failures += 1;
    this.stats.failedEntries += batch.length;
    this.stats.lastError = error;
    this.stats.lastErrorAt = new Date().toISOString();
    if (batch.length > 1) {
      this.#single = true;
      return true;
    }
    const [item] = batch;
    const refusals = (this.#refusals.get(item.id) ?? 0) + 1;
    if (refusals < this.#o.maxRefusals) {
      this.#refusals.set(item.id, refusals);
      this.stats.consecutiveFailures += 1;
      return false;
    }
    this.#refusals.delete(item.id);
    try {
      await this.#spool.deadLetter(item, `${refusals} refusals, the last: ${error}`);
    } catch (err) {
      this.#o.log?.(`dead letter: cannot move ${item.file}: ${err.message}`);
      this.stats.consecutiveFailures += 1;
      return false;
    }
    this.stats.deadLettered += 1;
    this.stats.lastDeadLetterAt = Date.now();
    this.stats.consecutiveFailures = 0;
    if (this.#refusals.size === 0) this.#single = false;
    this.#o.log?.(`dead letter: entry ${item.id} refused ${refusals} times (${error}); moved to ${this.#spool.dir}/dead-letter, the entries after it go on`);
    return true;
  }

  /**
   * For shutdown: waits for the attempt in progress, then keeps sending,
   * ignoring any backoff, until the spool is empty, an attempt fails, or the
   * deadline passes. What is left stays in the spool for the next start.
   */
  async flush(deadline) {
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#stopped = true;
    await untilDeadline(deadline, this.#abort, this.#running, async (left) => {
      while (this.#spool.size > 0 && left() > 50) {
        if (!(await this.#attempt(Math.min(this.#o.timeoutMs, left())))) break;
      }
    });
  }

  /** Stops at once: no new attempt, the one in flight is aborted. */
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
