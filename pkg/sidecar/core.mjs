// The ingestion pipeline shared by POST /events and --tail. The sidecar is a
// thin host: one RunModel does everything that has meaning (reading the
// input, which run each event belongs to and when runs end, per source;
// redaction; the child entries), and hands back, per call, the child entries
// the events closed and each accepted event redacted. The entries delivered
// are the model's own, so /runs, the live stream and the ingest endpoint
// carry the same ids. Ingestion never waits on delivery: only on the local
// spool write, so that an entry is durable before its events are
// acknowledged. A full or failing spool is counted and reported, never hidden.

export class Pipeline {
  #model;
  #hub;
  #spool;
  #onSpooled;
  #onIngested;
  #log;
  #spoolFullBurst = false;
  stats = {
    eventsAccepted: 0,
    eventsRejected: 0,
    entriesProduced: 0,
    entriesSpooled: 0,
    spoolFull: 0,
    spoolErrors: 0,
    lastSpoolError: null,
    /** Epoch ms of the last accepted event, and of the last entry dropped (not spooled). */
    lastEventAt: null,
    lastDropAt: null,
  };

  /**
   * @param {object} o
   * @param {object} o.model  RunModel
   * @param {import('./sse.mjs').EventHub} o.hub
   * @param {import('./spool.mjs').Spool | null} o.spool  null when no ingest endpoint is configured
   * @param {() => void} o.onSpooled  entries were spooled (wakes the delivery)
   * @param {() => void} o.onIngested  events were accepted (runs may have ended)
   * @param {(line: string) => void} o.log
   */
  constructor(o) {
    this.#model = o.model;
    this.#hub = o.hub;
    this.#spool = o.spool;
    this.#onSpooled = o.onSpooled;
    this.#onIngested = o.onIngested;
    this.#log = o.log;
  }

  /**
   * Ingests one whole text (an HTTP body: NDJSON or one JSON array) from
   * `source`. Line numbers in `errors` are 1-based within `text`. Resolves
   * once the entries produced are spooled.
   *
   * @returns {Promise<{ accepted: number, errors: Array<{line: number, kind: string, message: string}>,
   *   entries: number, spooled: number, notSpooled: number, warning?: string }>}
   */
  ingest(text, source) {
    return this.#settle(this.#model.ingestNdjson(text, { source, entries: true, events: true }), source);
  }

  /**
   * A chunk of a stream (a tailed file's bytes, cut anywhere) from `source`:
   * complete lines are ingested, an unfinished one waits; line numbers run
   * from the start of the source's stream.
   */
  push(chunk, source) {
    return this.#settle(this.#model.pushNdjson(chunk, { source, entries: true, events: true }), source);
  }

  /**
   * The stream of `source` ended (a file rotated or truncated): its
   * unfinished last line is dropped (`discard`) or read, and its line
   * numbers start again.
   */
  end(source, discard) {
    return this.#settle(this.#model.endNdjson({ source, discard, entries: true, events: true }), source);
  }

  async #settle(report, source) {
    const entries = report.entries ?? [];
    // Each event redacted like every other output, one JSON line (SSE splits
    // on CR too), with the source it came from as `$source`: a page that
    // rebuilds runs from the stream keeps producers apart as the model does.
    for (const event of report.events ?? []) this.#hub.publish(null, JSON.stringify({ ...event, $source: source }));
    for (const entry of entries) this.#hub.publish('entry', JSON.stringify(entry));
    this.stats.eventsAccepted += report.accepted;
    this.stats.eventsRejected += report.errors.length;
    this.stats.entriesProduced += entries.length;
    if (report.accepted > 0) {
      this.stats.lastEventAt = Date.now();
      this.#onIngested();
    }
    const result = {
      accepted: report.accepted,
      errors: report.errors.map((e) => ({ line: e.line, kind: e.kind, ...(e.field ? { field: e.field } : {}), message: e.message })),
      entries: entries.length,
      spooled: 0,
      notSpooled: 0,
      ...(report.discarded !== undefined ? { discarded: report.discarded } : {}),
    };
    if (entries.length > 0 && this.#spool) Object.assign(result, await this.#store(entries));
    return result;
  }

  /** Spools entries; reports (and logs once per burst) the ones that could not be. */
  async #store(entries) {
    const r = await this.#spool.add(entries);
    this.stats.entriesSpooled += r.spooled;
    const out = { spooled: r.spooled, notSpooled: r.full + r.failed };
    if (r.spooled > 0) this.#onSpooled();
    const warnings = [];
    if (r.full + r.failed > 0) this.stats.lastDropAt = Date.now();
    if (r.full > 0) {
      this.stats.spoolFull += r.full;
      const dead = this.#spool.deadLetterBytes;
      const held = `${this.#spool.size} entries, ${this.#spool.bytes} bytes pending${dead ? `, ${dead} bytes of dead letters` : ''}`;
      warnings.push(`spool full (${held}; limits ${this.#spool.maxEntries} entries, ${this.#spool.maxBytes} bytes, or the disk): ${r.full} child entries were not spooled and will not be delivered`);
      if (!this.#spoolFullBurst) {
        this.#spoolFullBurst = true;
        const free = dead ? 'deliveries or `workflow-telemetry dead-letters drop` free space' : 'deliveries free space';
        this.#log(`spool full: ${held} in ${this.#spool.dir} (limits ${this.#spool.maxEntries} entries, ${this.#spool.maxBytes} bytes); new child entries are not spooled until ${free} (counted as spoolFull in /healthz)`);
      }
    } else if (r.spooled > 0) {
      this.#spoolFullBurst = false;
    }
    if (r.failed > 0) {
      this.stats.spoolErrors += r.failed;
      this.stats.lastSpoolError = r.error;
      warnings.push(`${r.failed} child entries could not be written to the spool: ${r.error}`);
      this.#log(`spool: cannot write ${r.failed} entries: ${r.error}`);
    }
    if (warnings.length) out.warning = warnings.join('; ');
    return out;
  }
}
