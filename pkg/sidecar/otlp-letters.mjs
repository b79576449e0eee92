// OTLP traces the endpoint refused for good, kept rather than lost: each is
// the ExportTraceServiceRequest of one trace, as it was sent, in
// <spool>/dead-letter/otlp/<traceId>.json with a .reason file beside it.
// `workflow-telemetry dead-letters resend` moves them to <spool>/otlp-resend/,
// which the sidecar sends at its next start before anything else: a trace the
// model no longer holds (a restart empties it) can only come back from there.
//
// Traces are not spooled before they are sent (they are rebuilt from the
// run model at every attempt), so these two directories are the only place
// spans are written to disk.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Under the spool directory. */
export const OTLP_DEAD_LETTER = join('dead-letter', 'otlp');
export const OTLP_RESEND = 'otlp-resend';
const TRACE_ID = /^[0-9a-f]{1,64}$/;

/** The file of a trace: its id when that is plain hex (OTLP's are), otherwise a hash. */
export function traceFileName(traceId) {
  const safe = TRACE_ID.test(traceId) ? traceId : `sha256-${createHash('sha256').update(String(traceId)).digest('hex')}`;
  return `${safe}.json`;
}

export class TraceLetters {
  #dead;
  #resend;

  constructor(spoolDir) {
    this.#dead = join(spoolDir, OTLP_DEAD_LETTER);
    this.#resend = join(spoolDir, OTLP_RESEND);
  }

  get dir() {
    return this.#dead;
  }

  /** Keeps a refused trace's request with why; written whole or not at all. */
  async put(traceId, request, reason) {
    await mkdir(this.#dead, { recursive: true, mode: 0o700 });
    const file = traceFileName(traceId);
    const tmp = join(this.#dead, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(tmp, JSON.stringify(request), { mode: 0o600 });
      await rename(tmp, join(this.#dead, file));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await writeFile(join(this.#dead, `${file}.reason`), `${reason}\n`, { mode: 0o600 }).catch(() => {});
  }

  /** The traces `dead-letters resend` moved back, oldest name first: { file, request }. */
  async toResend() {
    let names;
    try {
      names = await readdir(this.#resend);
    } catch (err) {
      if (err.code === 'ENOENT') return [];
      throw err;
    }
    const out = [];
    for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        out.push({ file, request: JSON.parse(await readFile(join(this.#resend, file), 'utf8')) });
      } catch (err) {
        // Unreadable: back to the dead letters, where it can be looked at.
        await this.refusedAgain(file, `unreadable: ${err.message}`);
      }
    }
    return out;
  }

  /** A re-sent trace the endpoint accepted. */
  async sent(file) {
    await unlink(join(this.#resend, file)).catch(() => {});
  }

  /** A re-sent trace refused again: a dead letter once more. */
  async refusedAgain(file, reason) {
    await mkdir(this.#dead, { recursive: true, mode: 0o700 });
    await rename(join(this.#resend, file), join(this.#dead, file));
    await writeFile(join(this.#dead, `${file}.reason`), `${reason}\n`, { mode: 0o600 }).catch(() => {});
  }
}
