// The ingestion pipeline shared by POST /events and --tail: NDJSON text in;
// every accepted event goes to the run model (runs, metrics, traces), to the
// live stream, and, for swamp `kind` events, through a bridge whose child
// entries are spooled for delivery. Ingestion never waits on delivery: only
// on the local spool write, so that an entry is durable before its events are
// acknowledged. A full or failing spool is counted and reported, never hidden.

export class Pipeline {
  #model;
  #router;
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
  };

  /**
   * @param {object} o
   * @param {object} o.model  RunModel
   * @param {import('./router.mjs').BridgeRouter} o.router
   * @param {import('./sse.mjs').EventHub} o.hub
   * @param {import('./spool.mjs').Spool | null} o.spool  null when no ingest endpoint is configured
   * @param {() => void} o.onSpooled  entries were spooled (wakes the delivery)
   * @param {() => void} o.onIngested  events were accepted (runs may have ended)
   * @param {(line: string) => void} o.log
   */
  constructor(o) {
    this.#model = o.model;
    this.#router = o.router;
    this.#hub = o.hub;
    this.#spool = o.spool;
    this.#onSpooled = o.onSpooled;
    this.#onIngested = o.onIngested;
    this.#log = o.log;
  }

  /**
   * Ingests NDJSON text from one source. Line numbers in `errors` are 1-based
   * within `text`. Resolves once the entries produced are spooled.
   *
   * @returns {Promise<{ accepted: number, errors: Array<{line: number, kind: string, message: string}>,
   *   entries: number, spooled: number, notSpooled: number, warning?: string }>}
   */
  async ingest(text, source) {
    const report = this.#model.ingestNdjson(text);
    const rejected = new Set(report.errors.map((e) => e.line));
    const entries = [];
    if (report.accepted > 0) {
      // Same numbering as the core: split on \n, strip one \r, skip blank lines.
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (rejected.has(i + 1)) continue;
        const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
        if (line.trim() === '') continue;
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          continue; // accepted by the core, so unreachable in practice
        }
        // Redacted like every other output (filtered keys, key=value secrets,
        // swamp model names), and re-serialised: one line whatever whitespace the
        // input had (SSE splits on CR too).
        this.#hub.publish(null, JSON.stringify(this.#model.redactEvent(event)));
        for (const entry of this.#router.observe(source, event)) {
          entries.push(entry);
          this.#hub.publish('entry', JSON.stringify(entry));
        }
      }
    }
    this.stats.eventsAccepted += report.accepted;
    this.stats.eventsRejected += report.errors.length;
    this.stats.entriesProduced += entries.length;
    if (report.accepted > 0) this.#onIngested();
    const result = {
      accepted: report.accepted,
      errors: report.errors.map((e) => ({ line: e.line, kind: e.kind, ...(e.field ? { field: e.field } : {}), message: e.message })),
      entries: entries.length,
      spooled: 0,
      notSpooled: 0,
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
    if (r.full > 0) {
      this.stats.spoolFull += r.full;
      warnings.push(`spool full (${this.#spool.maxEntries} entries pending): ${r.full} child entries were not spooled and will not be delivered`);
      if (!this.#spoolFullBurst) {
        this.#spoolFullBurst = true;
        this.#log(`spool full: ${this.#spool.size} entries pending in ${this.#spool.dir} (limit ${this.#spool.maxEntries}); new child entries are not spooled until deliveries free space (counted as spoolFull in /healthz)`);
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
