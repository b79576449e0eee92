// Follows an NDJSON log file as it grows (--tail FILE), like `tail -F`.
//
// Only complete lines are ingested: bytes after the last newline wait for the
// rest of their line, so a writer that flushes half a line never causes a
// parse error. The file is read by offset from an open descriptor:
//  - growth: the new bytes are read and split on newlines;
//  - truncation (same file, smaller than the offset): start again at 0;
//  - rotation (the path now names another file, or is gone): the rest of the
//    old file is read to its end first, then the new file from its start.
// fs.watch gives low latency where it works; a polling interval is the
// fallback everywhere (network file systems, editors replacing the file).
import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const CHUNK = 1 << 20;
const NEWLINE = Buffer.from('\n');

export class Tailer {
  #path;
  #ingest;
  #log;
  #pollMs;
  #maxLineBytes;
  #fh = null;
  #ino = null;
  #pos = 0;
  #partial = [];
  #partialBytes = 0;
  /** Dropping an over-long line until its newline. */
  #skipping = false;
  /** Starting at the end of a file whose last line is unfinished: skip its remainder. */
  #skipFirst = false;
  #line = 0;
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
   * @param {(text: string, firstLine: number) => Promise<unknown>} o.ingest  complete lines, newline-terminated
   * @param {'start' | 'end'} o.from  where to begin in a file that exists at startup
   * @param {number} o.pollMs
   * @param {number} o.maxLineBytes
   * @param {(line: string) => void} o.log
   */
  constructor(o) {
    this.#path = o.path;
    this.#ingest = o.ingest;
    this.#log = o.log;
    this.#pollMs = o.pollMs;
    this.#maxLineBytes = o.maxLineBytes;
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
    this.#line = 0;
    this.#resetPartial();
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
      this.#line = 0;
      this.#resetPartial();
      this.#skipFirst = false;
    }
    await this.#readToEnd(st.size);
    if (rotated) {
      this.stats.rotations += 1;
      // The old file's unfinished last line will never be finished.
      if (this.#partialBytes > 0) this.#log(`tail ${this.#path}: dropped an unfinished last line of the rotated file (${this.#partialBytes} bytes)`);
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

  /**
   * Splits bytes into lines; the complete ones are ingested in one call per
   * chunk. A skipped (over-long) line is passed on as an empty line, so the
   * line numbers the core reports stay those of the file.
   */
  async #consume(bytes) {
    let start = 0;
    const complete = [];
    const firstLine = this.#line + 1;
    for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
      const piece = bytes.subarray(start, nl + 1);
      start = nl + 1;
      if (this.#skipFirst) {
        // The end of a line written before we started: not ours, not counted.
        this.#skipFirst = false;
        this.#resetPartial();
        continue;
      }
      this.#line += 1;
      if (this.#skipping) {
        this.#skipping = false;
        complete.push(NEWLINE);
      } else {
        this.#partial.push(piece);
        complete.push(Buffer.concat(this.#partial));
      }
      this.#resetPartial();
    }
    const rest = bytes.subarray(start);
    if (rest.length && !this.#skipFirst && !this.#skipping) {
      this.#partial.push(Buffer.from(rest));
      this.#partialBytes += rest.length;
      if (this.#partialBytes > this.#maxLineBytes) {
        // Bounded memory: an endless line is reported once and skipped to its newline.
        this.stats.tooLong += 1;
        this.#error(`line ${this.#line + 1} is longer than ${this.#maxLineBytes} bytes; skipped`);
        this.#skipping = true;
        this.#resetPartial();
      }
    }
    if (complete.length) {
      this.stats.lines += complete.length;
      await this.#ingest(Buffer.concat(complete).toString('utf8'), firstLine);
    }
  }

  #resetPartial() {
    this.#partial = [];
    this.#partialBytes = 0;
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
    return { file: this.#path, position: this.#pos, line: this.#line, ...this.stats };
  }
}
