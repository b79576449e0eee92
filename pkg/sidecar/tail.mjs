// Follows an NDJSON log file as it grows (--tail FILE), like `tail -F`.
//
// The tailer only reads bytes; the run model's stream reader frames them
// (a writer that flushed half a line is waited for, line numbers, overlong
// lines): each file is a stream of its own, ended when the file goes. The
// file is read by offset from an open descriptor:
//  - growth: the new bytes are handed on as they are;
//  - truncation (same file, smaller than the offset): the stream ends (its
//    unfinished line dropped) and starts again at 0;
//  - rotation (the path now names another file, or is gone): the rest of the
//    old file is read to its end first, its stream ended (an unfinished last
//    line will never be finished: dropped, and logged), then the new file
//    from its start.
// fs.watch gives low latency where it works; a polling interval is the
// fallback everywhere (network file systems, editors replacing the file).
import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const CHUNK = 1 << 20;

export class Tailer {
  #path;
  #push;
  #end;
  #log;
  #pollMs;
  #fh = null;
  #ino = null;
  #pos = 0;
  /** Starting at the end of a file whose last line is unfinished: skip its remainder. */
  #skipFirst = false;
  #watcher = null;
  #timer = null;
  #busy = null;
  #again = false;
  #stopped = false;
  #startAtEnd;
  stats = { lines: 0, truncations: 0, rotations: 0, tooLong: 0, errors: 0, lastError: null };

  /**
   * @param {object} o
   * @param {string} o.path
   * @param {(bytes: Buffer) => Promise<{accepted: number, errors: Array<{kind: string}>}>} o.push
   *   bytes of the file, cut anywhere
   * @param {() => Promise<{accepted: number, errors: Array<{kind: string}>, discarded?: number}>} o.end
   *   the file's stream ended: its unfinished last line is dropped
   * @param {'start' | 'end'} o.from  where to begin in a file that exists at startup
   * @param {number} o.pollMs
   * @param {(line: string) => void} o.log
   */
  constructor(o) {
    this.#path = o.path;
    this.#push = o.push;
    this.#end = o.end;
    this.#log = o.log;
    this.#pollMs = o.pollMs;
    this.#startAtEnd = o.from === 'end';
  }

  get path() {
    return this.#path;
  }

  async start() {
    await this.#openCurrent(this.#startAtEnd);
    this.#timer = setInterval(() => this.poll(), this.#pollMs);
    this.poll();
  }

  /** Opens whatever the path names now; `atEnd` starts at its current end. */
  async #openCurrent(atEnd) {
    let fh;
    try {
      fh = await open(this.#path, 'r');
    } catch (err) {
      if (err.code !== 'ENOENT') this.#error(`cannot open: ${err.message}`);
      return false; // not there yet: the poll retries
    }
    const st = await fh.stat();
    this.#fh = fh;
    this.#ino = `${st.dev}:${st.ino}`;
    this.#pos = 0;
    if (atEnd && st.size > 0) {
      this.#pos = st.size;
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, st.size - 1);
      this.#skipFirst = last[0] !== 0x0a;
    }
    this.#watch();
    return true;
  }

  #watch() {
    this.#watcher?.close();
    this.#watcher = null;
    try {
      this.#watcher = watch(this.#path, { persistent: false }, () => this.poll());
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = null; // the interval carries on
      });
    } catch {
      // Not watchable here: polling alone.
    }
  }

  /** Reads what is new. Serialised: a poll during a poll runs once more afterwards. */
  poll() {
    if (this.#stopped) return this.#busy ?? Promise.resolve();
    if (this.#busy) {
      this.#again = true;
      return this.#busy;
    }
    this.#busy = (async () => {
      do {
        this.#again = false;
        try {
          await this.#step();
        } catch (err) {
          this.#error(err.message);
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#busy = null;
    });
    return this.#busy;
  }

  async #step() {
    if (!this.#fh) {
      // Appeared after startup, or after a rotation left nothing: read it all.
      if (!(await this.#openCurrent(false))) return;
    }
    let current;
    try {
      current = await stat(this.#path);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    const rotated = !current || `${current.dev}:${current.ino}` !== this.#ino;
    const st = await this.#fh.stat();
    if (st.size < this.#pos) {
      this.stats.truncations += 1;
      this.#pos = 0;
      this.#skipFirst = false;
      await this.#endStream('truncated');
    }
    await this.#readToEnd(st.size);
    if (rotated) {
      this.stats.rotations += 1;
      // The old file's unfinished last line will never be finished.
      await this.#endStream('rotated');
      await this.#fh.close().catch(() => {});
      this.#fh = null;
      this.#skipFirst = false;
      if (current) await this.#openCurrent(false).then((ok) => ok && this.#readToEnd(Infinity));
    }
  }

  async #readToEnd(size) {
    const buf = Buffer.allocUnsafe(CHUNK);
    while (!this.#stopped && this.#pos < size) {
      const { bytesRead } = await this.#fh.read(buf, 0, Math.min(CHUNK, size - this.#pos), this.#pos);
      if (bytesRead === 0) break;
      this.#pos += bytesRead;
      await this.#consume(buf.subarray(0, bytesRead));
    }
  }

  /** Hands bytes on; only the remainder of a line written before we started is skipped. */
  async #consume(bytes) {
    if (this.#skipFirst) {
      const nl = bytes.indexOf(0x0a);
      if (nl < 0) return;
      this.#skipFirst = false;
      bytes = bytes.subarray(nl + 1);
      if (bytes.length === 0) return;
    }
    this.#count(await this.#push(bytes));
  }

  /** Ends the file's stream (its unfinished last line dropped), and says so. */
  async #endStream(why) {
    const r = await this.#end();
    this.#count(r);
    if (r.discarded > 0) this.#log(`tail ${this.#path}: dropped an unfinished last line of the ${why} file (${r.discarded} bytes)`);
  }

  #count(r) {
    this.stats.lines += r.accepted + r.errors.length;
    this.stats.tooLong += r.errors.filter((e) => e.kind === 'line_too_long').length;
  }

  #error(message) {
    this.stats.errors += 1;
    this.stats.lastError = message;
    this.#log(`tail ${this.#path}: ${message}`);
  }

  /** Reads what was completely written, then stops. */
  async stop() {
    if (!this.#stopped) await this.poll();
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#busy) await this.#busy;
    await this.#fh?.close().catch(() => {});
    this.#fh = null;
  }

  toJSON() {
    return { file: this.#path, position: this.#pos, ...this.stats };
  }
}
