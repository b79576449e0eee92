// Routes swamp `kind` events to TelemetryBridge instances.
//
// A bridge watches one workflow run stream: its first `started` is the root
// run, and step events without `runId` belong to it. A sidecar outlives many
// runs, so one bridge for its whole life would file every later run's steps
// under the first one. The router therefore keeps one bridge per top-level
// run and per source (an HTTP `?source=` or a tailed file), exactly as the
// run model does internally: a `started` while no run is active opens a new
// bridge, a `started` while one is active is a nested run of it, and the
// root's `completed` or `error` closes it with finalize(), which turns
// invocations still in flight into error entries (a cancelled run's steps).

/** Events that end a swamp run. */
const RUN_END = new Set(['completed', 'error']);

export class BridgeRouter {
  #make;
  #streams = new Map();
  #maxStreams;
  errors = 0;

  /**
   * @param {() => object} make  creates a TelemetryBridge
   * @param {number} [maxStreams]  bound on distinct sources with an open bridge
   */
  constructor(make, maxStreams = 1024) {
    this.#make = make;
    this.#maxStreams = maxStreams;
  }

  /** Invocations in flight over every open bridge. */
  get inFlight() {
    let n = 0;
    for (const s of this.#streams.values()) n += s.bridge.inFlight;
    return n;
  }

  get streams() {
    return this.#streams.size;
  }

  /**
   * Feeds one event (already accepted by the run model) and returns the child
   * entries it closed. Never throws: a bridge error is counted in `errors`.
   */
  observe(source, event) {
    if (typeof event?.kind !== 'string') return [];
    const out = [];
    try {
      let s = this.#streams.get(source);
      if (event.kind === 'started' && !s?.root) {
        // A new top-level run. Steps seen before any `started` were in a
        // root-less bridge: close them rather than misfile them under this run.
        if (s) this.#close(source, s, out);
        s = this.#open(source, event.runId, out);
      }
      s ??= this.#open(source, undefined, out);
      out.push(...s.bridge.observe(event));
      if (RUN_END.has(event.kind) && s.root !== undefined && (event.runId === undefined || event.runId === s.root)) {
        this.#close(source, s, out);
      }
    } catch {
      this.errors += 1;
    }
    return out;
  }

  #open(source, root, out) {
    if (!this.#streams.has(source) && this.#streams.size >= this.#maxStreams) {
      // Bound memory: the least recently opened stream is finalized to make room.
      const [oldest, s] = this.#streams.entries().next().value;
      this.#close(oldest, s, out);
    }
    const s = { bridge: this.#make(), root };
    this.#streams.set(source, s);
    return s;
  }

  #close(source, s, out) {
    out.push(...s.bridge.finalize(undefined, s.bridge.lastEventAt));
    s.bridge.free();
    this.#streams.delete(source);
  }

  /** Releases every bridge without finalizing: the runs did not end, the sidecar did. */
  free() {
    for (const s of this.#streams.values()) s.bridge.free();
    this.#streams.clear();
  }
}
