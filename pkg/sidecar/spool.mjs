// The durable spool: child entries wait here, one file per entry, until the
// ingest endpoint has accepted them (HTTP 202). It is what makes delivery
// at-least-once: an entry is on disk before the POST /events that produced it
// is answered, and it is removed only after a 202, so neither a down endpoint
// nor a kill -9 loses it.
//
// Layout of the directory:
//   <entry id>.json      one pending entry (its TelemetryEntryData JSON)
//   .tmp-*               a write in progress; left over only by a crash, and
//                        then never acknowledged, so removed at startup
//   quarantine/          files that could not be read back (moved, not deleted)
//   dead-letter/         entries the endpoint refused for good (moved after
//                        --max-refusals refusals, each with a .reason file);
//                        `workflow-telemetry dead-letters` lists, re-sends or
//                        drops them. Their bytes stay in --spool-max-bytes:
//                        a disk budget for all the sidecar keeps, so an
//                        endpoint that refuses everything (a wrong API key)
//                        fills the spool loudly instead of the disk silently
//   dead-letter/otlp/    OTLP traces the OTLP endpoint refused (otlp-letters.mjs)
//   otlp-resend/         traces `dead-letters resend` moved back, sent first
//                        at the next start
//   distinct-id          the generated distinct id, when none is configured
//   lock                 the pid of the sidecar using the directory: two
//                        sidecars on one spool would send every entry twice
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';

const ENTRY_FILE = /^(.+)\.json$/;
/** Where refused entries go ([`Spool#deadLetter`]). */
export const DEAD_LETTER = 'dead-letter';
/** Write errors that mean the disk or the user's quota is full. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The file name of an entry: its id when that is a safe file name (UUIDs
 *  are), otherwise a hash of it, so an id can never escape the directory. */
export function entryFileName(id) {
  const safe = SAFE_ID.test(id) && !id.includes('..') ? id : `sha256-${createHash('sha256').update(id).digest('hex')}`;
  return `${safe}.json`;
}

export class Spool {
  #dir;
  #maxEntries;
  #decode;
  #log;
  /** Pending entries, oldest first: { id, file, entry, bytes }. */
  #queue = [];
  /** Bytes of the pending entries' files. */
  #bytes = 0;
  /** Bytes of the dead letters (dead-letter/*.json): counted in the byte limit. */
  #deadBytes = 0;
  /** When #deadBytes was last counted from the directory (Date.now()). */
  #deadCountedAt = 0;
  #ids = new Set();
  /** Slots and bytes taken by writes in progress, so concurrent adds respect the limits. */
  #reserved = 0;
  #reservedBytes = 0;
  #maxBytes;
  #locked = false;
  quarantined = 0;

  /**
   * @param {object} o
   * @param {string} o.dir
   * @param {number} o.maxEntries  the limit on pending entries
   * @param {number} [o.maxBytes]  the limit on the pending entries' bytes
   * @param {(data: unknown) => object} o.decode  validates an entry read back (decodeEntry)
   * @param {(line: string) => void} o.log  one line to stderr
   */
  constructor({ dir, maxEntries, maxBytes = Infinity, decode, log }) {
    this.#dir = dir;
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#decode = decode;
    this.#log = log;
  }

  get dir() {
    return this.#dir;
  }

  get size() {
    return this.#queue.length;
  }

  get maxEntries() {
    return this.#maxEntries;
  }

  /** Bytes of the entries pending (their files' contents). */
  get bytes() {
    return this.#bytes;
  }

  get maxBytes() {
    return this.#maxBytes;
  }

  /** Bytes of the dead letters, as of the start and the moves since. */
  get deadLetterBytes() {
    return this.#deadBytes;
  }

  /**
   * Creates the directory and loads what a previous process left pending,
   * oldest `startedAt` first (swamp's flush order). Unreadable files are moved
   * to quarantine/ and reported: never deleted, never retried forever.
   */
  async open() {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await this.#lock();
    const names = (await readdir(this.#dir)).sort();
    const loaded = [];
    for (const name of names) {
      const path = join(this.#dir, name);
      if (name.startsWith('.tmp-')) {
        await unlink(path).catch(() => {});
        continue;
      }
      if (!ENTRY_FILE.test(name)) continue;
      try {
        const text = await readFile(path, 'utf8');
        const entry = this.#decode(JSON.parse(text));
        if (this.#ids.has(entry.id)) throw new Error(`duplicate entry id ${entry.id}`);
        this.#ids.add(entry.id);
        loaded.push({ id: entry.id, file: name, entry, bytes: Buffer.byteLength(text) });
      } catch (err) {
        if (err?.code === 'EISDIR') continue;
        await this.#quarantine(name, err);
      }
    }
    loaded.sort((a, b) => (a.entry.startedAt < b.entry.startedAt ? -1 : a.entry.startedAt > b.entry.startedAt ? 1 : 0));
    this.#queue = loaded;
    this.#bytes = loaded.reduce((n, item) => n + item.bytes, 0);
    await this.#countDeadLetters();
    return loaded.length;
  }

  /**
   * Takes the directory for this process. A lock left by a process that no
   * longer exists (kill -9, power cut) is taken over; one held by a live
   * process is an error that says which.
   */
  async #lock() {
    const path = join(this.#dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        this.#locked = true;
        return;
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
      }
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(`spool ${this.#dir} is in use by process ${pid} (remove ${path} if that is wrong)`);
      }
      await unlink(path).catch(() => {});
    }
    throw new Error(`cannot lock spool ${this.#dir}`);
  }

  /** Releases the directory (shutdown). */
  async close() {
    if (!this.#locked) return;
    this.#locked = false;
    await unlink(join(this.#dir, 'lock')).catch(() => {});
  }

  async #quarantine(name, err) {
    const dir = join(this.#dir, 'quarantine');
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rename(join(this.#dir, name), join(dir, name));
      this.quarantined += 1;
      this.#log(`spool: moved unreadable ${name} to ${dir}: ${err?.message ?? err}`);
    } catch (moveErr) {
      this.#log(`spool: cannot read ${name} (${err?.message ?? err}) nor quarantine it: ${moveErr.message}`);
    }
  }

  /**
   * Writes entries durably: each to a temporary file, fsync, rename to its
   * final name, then one fsync of the directory so the renames survive a
   * power cut. Resolves once every written entry is on disk.
   *
   * Entries beyond the limit are not written; they are returned in `full` so
   * the caller can count and report them (nothing is dropped silently).
   * Entries whose write failed (disk full, permissions) are returned in
   * `failed` with the error, for the same reason.
   *
   * @returns {Promise<{ spooled: number, full: number, failed: number, error?: string }>}
   */
  async add(entries) {
    // Dead letters that `dead-letters drop` or `resend` took away while this
    // process runs free their bytes: counted again (at most once a second)
    // when they are what stands in the way.
    if (this.#deadBytes > 0 && Date.now() - this.#deadCountedAt > 1000) {
      const incoming = entries.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
      if (this.#bytes + this.#deadBytes + this.#reservedBytes + incoming > this.#maxBytes) await this.#countDeadLetters();
    }
    const accepted = [];
    let full = 0;
    let reservedBytes = 0;
    for (const entry of entries) {
      if (this.#ids.has(entry.id)) continue; // already pending: at-least-once holds
      const text = JSON.stringify(entry);
      const bytes = Buffer.byteLength(text);
      if (this.#queue.length + this.#reserved >= this.#maxEntries
        || this.#bytes + this.#deadBytes + this.#reservedBytes + bytes > this.#maxBytes) {
        full += 1;
        continue;
      }
      this.#reserved += 1;
      this.#reservedBytes += bytes;
      reservedBytes += bytes;
      accepted.push({ entry, text });
    }
    if (accepted.length === 0) return { spooled: 0, full, failed: 0 };
    const results = await Promise.allSettled(accepted.map(({ entry, text }) => this.#write(entry, text)));
    this.#reserved -= accepted.length;
    this.#reservedBytes -= reservedBytes;
    let failed = 0;
    let error;
    let spooled = 0;
    results.forEach((r, i) => {
      const { entry } = accepted[i];
      if (r.status === 'fulfilled' && !this.#ids.has(entry.id)) {
        this.#ids.add(entry.id);
        this.#queue.push({ id: entry.id, file: r.value.file, entry, bytes: r.value.bytes });
        this.#bytes += r.value.bytes;
        spooled += 1;
      } else if (r.status === 'rejected' && DISK_FULL.has(r.reason?.code)) {
        // The disk (or the quota) is full: a full spool, as the limits' own.
        full += 1;
      } else if (r.status === 'rejected') {
        failed += 1;
        error = r.reason?.message ?? String(r.reason);
      }
    });
    if (spooled > 0) await this.#syncDir();
    return { spooled, full, failed, error };
  }

  async #write(entry, text) {
    const file = entryFileName(entry.id);
    const tmp = join(this.#dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } catch (err) {
      // Nothing half-written stays behind: the partial file goes.
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    } finally {
      await fh.close().catch(() => {});
    }
    try {
      await rename(tmp, join(this.#dir, file));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { file, bytes: Buffer.byteLength(text) };
  }

  async #countDeadLetters() {
    this.#deadBytes = await filesBytes(join(this.#dir, DEAD_LETTER));
    this.#deadCountedAt = Date.now();
  }

  /** fsync of the directory; some file systems refuse it, which is not an error worth failing for. */
  async #syncDir() {
    let fh;
    try {
      fh = await open(this.#dir, 'r');
      await fh.sync();
    } catch {
      // EISDIR/EINVAL/EPERM on file systems without directory fsync.
    } finally {
      await fh?.close().catch(() => {});
    }
  }

  /**
   * Moves a pending entry the endpoint refused for good to dead-letter/,
   * with why next to it, and out of the queue: it no longer holds back the
   * entries after it, and is kept (not deleted) for `dead-letters resend`.
   */
  async deadLetter(item, reason) {
    const dir = join(this.#dir, DEAD_LETTER);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await rename(join(this.#dir, item.file), join(dir, item.file));
    await writeFile(join(dir, `${item.file}.reason`), `${reason}\n`, { mode: 0o600 }).catch(() => {});
    this.#queue = this.#queue.filter((x) => x.id !== item.id);
    this.#ids.delete(item.id);
    this.#bytes -= item.bytes;
    this.#deadBytes += item.bytes;
  }

  /** The oldest `n` pending entries, without removing them. */
  peek(n) {
    return this.#queue.slice(0, n);
  }

  /** Removes delivered entries, from disk first and then from the queue. */
  async remove(ids) {
    const gone = new Set(ids);
    const items = this.#queue.filter((item) => gone.has(item.id));
    await Promise.all(items.map((item) => unlink(join(this.#dir, item.file)).catch((err) => {
      if (err.code !== 'ENOENT') this.#log(`spool: cannot remove delivered ${item.file}: ${err.message}`);
    })));
    this.#queue = this.#queue.filter((item) => !gone.has(item.id));
    for (const item of items) this.#bytes -= item.bytes;
    for (const id of gone) this.#ids.delete(id);
  }

  /**
   * The distinct id sent with every entry when none is configured: generated
   * once and kept next to the entries, so it is stable across restarts (as
   * swamp's identity file is).
   */
  async distinctId() {
    const path = join(this.#dir, 'distinct-id');
    try {
      const id = (await readFile(path, 'utf8')).trim();
      if (id) return id;
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    const id = randomUUID();
    await writeFile(path, `${id}\n`, { mode: 0o600 });
    return id;
  }
}

/** Whether a process exists (EPERM: it does, owned by someone else). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * The bytes of the `.json` files directly in `dir`: 0 when it does not exist
 * or cannot be read (a budget that cannot be counted must not stop the
 * sidecar; what cannot be read cannot be re-sent either).
 */
export async function filesBytes(dir) {
  let names;
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let bytes = 0;
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    bytes += await stat(join(dir, name)).then((st) => (st.isFile() ? st.size : 0), () => 0);
  }
  return bytes;
}
