// The live stream (GET /events/stream) as Server-Sent Events.
//
// Every ingested event is pushed as `data: <json>`, every child entry as
// `event: entry` + `data: <json>`, each with an increasing `id:`. The last
// messages are kept in a bounded ring so that a client that reconnects with
// `Last-Event-ID` (EventSource does this by itself) gets what it missed; when
// the ring no longer holds that far back, or the id is from an earlier
// process, it gets `event: reset` and should reload GET /runs. Comment
// heartbeats keep proxies and idle timers from closing a quiet stream. A
// client that does not read (its socket buffer grows past a bound) is
// disconnected rather than buffered without limit; it can reconnect.

export class EventHub {
  #clients = new Set();
  #ring = [];
  #ringSize;
  #lastId = 0;
  #heartbeatMs;
  #heartbeat = null;
  #maxBuffered;

  /**
   * @param {object} o
   * @param {number} o.ringSize  messages kept for reconnecting clients
   * @param {number} o.heartbeatMs
   * @param {number} [o.maxBufferedBytes]  per client, before it is dropped
   */
  constructor({ ringSize, heartbeatMs, maxBufferedBytes = 8 * 1024 * 1024 }) {
    this.#ringSize = ringSize;
    this.#heartbeatMs = heartbeatMs;
    this.#maxBuffered = maxBufferedBytes;
  }

  get clients() {
    return this.#clients.size;
  }

  get lastId() {
    return this.#lastId;
  }

  /** Pushes one message; `json` is a single-line JSON text. */
  publish(type, json) {
    const id = ++this.#lastId;
    const frame = `id: ${id}\n${type ? `event: ${type}\n` : ''}data: ${json}\n\n`;
    this.#ring.push({ id, frame });
    if (this.#ring.length > this.#ringSize) this.#ring.splice(0, this.#ring.length - this.#ringSize);
    for (const res of this.#clients) this.#write(res, frame);
  }

  #write(res, frame) {
    if (res.writableLength > this.#maxBuffered) {
      this.#detach(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }

  /** Takes over a GET /events/stream response. */
  attach(req, res) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n: connected, last id ${this.#lastId}\n\n`);
    const header = req.headers['last-event-id'];
    if (header !== undefined) this.#replay(res, String(header));
    this.#clients.add(res);
    // The response's 'close' is the connection going away (or shutdown ending it).
    const drop = () => this.#detach(res);
    res.on('close', drop);
    res.on('error', drop);
    if (!this.#heartbeat) {
      this.#heartbeat = setInterval(() => {
        for (const client of this.#clients) this.#write(client, ': heartbeat\n\n');
      }, this.#heartbeatMs);
    }
  }

  #replay(res, header) {
    const since = /^\d+$/.test(header) ? Number(header) : NaN;
    const oldest = this.#ring.length ? this.#ring[0].id : this.#lastId + 1;
    if (!Number.isSafeInteger(since) || since > this.#lastId || since < oldest - 1) {
      res.write(`event: reset\ndata: {"lastId":${this.#lastId}}\n\n`);
      return;
    }
    for (const m of this.#ring) if (m.id > since) res.write(m.frame);
  }

  #detach(res) {
    this.#clients.delete(res);
    if (this.#clients.size === 0 && this.#heartbeat) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = null;
    }
  }

  /** Ends every stream (shutdown). EventSource clients will try to reconnect. */
  closeAll() {
    for (const res of [...this.#clients]) {
      this.#detach(res);
      res.end();
    }
    clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }
}
