// OTLP traces the endpoint refused for good, kept rather than lost: each is
// the ExportTraceServiceRequest of one trace, as it was sent, in
// <spool>/dead-letter/otlp/<traceId>.json with a .reason file beside it.
// `workflow-telemetry dead-letters resend` moves them to <spool>/otlp-resend/,
// which the sidecar sends at its next start: a trace the model no longer
// holds (a restart empties it) can only come back from there.
//
// Bounded: the kept traces' bytes stay within `maxBytes` (the sidecar passes
// --spool-max-bytes); beyond it a refused trace is dropped and counted, so an
// endpoint that refuses everything (a wrong URL or token) cannot fill the
// disk. Traces are not spooled before they are sent (they are rebuilt from
// the run model at every attempt), so these two directories are the only
// place spans are written to disk.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { filesBytes } from './spool.mjs';

/** Under the spool directory. */
export const OTLP_DEAD_LETTER = join('dead-letter', 'otlp');
export const OTLP_RESEND = 'otlp-resend';
const TRACE_ID = /^[0-9a-f]{1,64}$/;

/** The file of a trace: its id when that is plain hex (OTLP's are), otherwise a hash. */
export function traceFileName(traceId) {
  const safe = TRACE_ID.test(traceId) ? traceId : `sha256-${createHash('sha256').update(String(traceId)).digest('hex')}`;
  return `${safe}.json`;
}

/** Thrown by `put` when keeping the trace would pass the byte budget. */
export class LettersFull extends Error {}

export class TraceLetters {
  #dead;
  #resend;
  #maxBytes;
  /** Bytes kept, counted from the directory at first use. */
  #bytes = null;
  /** When #bytes was last counted from the directory (Date.now()). */
  #countedAt = 0;

  constructor(spoolDir, { maxBytes = Infinity } = {}) {
    this.#dead = join(spoolDir, OTLP_DEAD_LETTER);
    this.#resend = join(spoolDir, OTLP_RESEND);
    this.#maxBytes = maxBytes;
  }

  get dir() {
    return this.#dead;
  }

  /** Counts what is kept, and removes writes a crash left half done. */
  async #open() {
    if (this.#bytes !== null) return;
    const names = await readdir(this.#dead).catch(() => []);
    for (const name of names) if (name.startsWith('.tmp-')) await unlink(join(this.#dead, name)).catch(() => {});
    await this.#count();
  }

  async #count() {
    this.#bytes = await filesBytes(this.#dead);
    this.#countedAt = Date.now();
  }

  /** The size of a kept file, 0 when there is none. */
  #sizeOf(file) {
    return stat(join(this.#dead, file)).then((st) => st.size, () => 0);
  }

  /** Keeps a refused trace's request with why; written whole or not at all. */
  async put(traceId, request, reason) {
    await this.#open();
    const text = JSON.stringify(request);
    const bytes = Buffer.byteLength(text);
    // `dead-letters drop` or `resend` may have freed space since: counted
    // again (at most once a second) before refusing.
    if (this.#bytes + bytes > this.#maxBytes && Date.now() - this.#countedAt > 1000) await this.#count();
    if (this.#bytes + bytes > this.#maxBytes) {
      throw new LettersFull(`${this.#dead} holds ${this.#bytes} bytes; this trace's ${bytes} would pass the limit of ${this.#maxBytes}`);
    }
    await mkdir(this.#dead, { recursive: true, mode: 0o700 });
    const file = traceFileName(traceId);
    // The same trace kept again (its run ended again with another status):
    // it replaces the earlier file, whose bytes go.
    const replaced = await this.#sizeOf(file);
    const tmp = join(this.#dead, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, join(this.#dead, file));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    this.#bytes += bytes - replaced;
    await writeFile(join(this.#dead, `${file}.reason`), `${reason}\n`, { mode: 0o600 }).catch(() => {});
  }

  /** The files `dead-letters resend` moved back, oldest name first. */
  async toResend() {
    try {
      return (await readdir(this.#resend)).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      if (err.code === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * One moved-back trace's request; `null` when it is gone (another process
   * took it) or unreadable (then it goes back to the dead letters).
   */
  async read(file) {
    let text;
    try {
      text = await readFile(join(this.#resend, file), 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      await this.refusedAgain(file, `unreadable: ${err.message}`);
      return null;
    }
  }

  /** A re-sent trace the endpoint accepted. */
  async sent(file) {
    await unlink(join(this.#resend, file)).catch(() => {});
  }

  /** A re-sent trace refused again: a dead letter once more (gone already: nothing to do). */
  async refusedAgain(file, reason) {
    await mkdir(this.#dead, { recursive: true, mode: 0o700 });
    await this.#open();
    const replaced = await this.#sizeOf(file);
    try {
      await rename(join(this.#resend, file), join(this.#dead, file));
    } catch (err) {
      if (err.code === 'ENOENT') return;
      throw err;
    }
    this.#bytes += (await this.#sizeOf(file)) - replaced;
    await writeFile(join(this.#dead, `${file}.reason`), `${reason}\n`, { mode: 0o600 }).catch(() => {});
  }
}
