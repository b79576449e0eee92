// `workflow-telemetry dead-letters list|resend|drop --spool DIR [ID...]`:
// what the endpoints refused for good. Child entries the ingest endpoint
// refused (spool.mjs moved them to DIR/dead-letter/) and OTLP traces the
// OTLP endpoint refused (otlp-letters.mjs kept them in
// DIR/dead-letter/otlp/), each with a .reason file. `list` prints one line
// per letter (id, its start, why; a trace's id is `otlp:<traceId>`);
// `resend` moves entries back into the spool and traces to
// DIR/otlp-resend/, where the sidecar sends them at its next start; `drop`
// deletes them. With IDs, only those; without, all. Exit 0, 1 when an ID is
// not a dead letter, 2 on a usage error.
import { mkdir, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DEAD_LETTER } from './spool.mjs';
import { OTLP_DEAD_LETTER, OTLP_RESEND } from './otlp-letters.mjs';

export const DEAD_LETTERS_HELP = `Usage: workflow-telemetry dead-letters list|resend|drop --spool DIR [ID...]

The child entries the ingest endpoint refused for good (see serve's
--max-refusals), kept in DIR/dead-letter/, and the OTLP traces the OTLP
endpoint refused, kept in DIR/dead-letter/otlp/ (ids otlp:<traceId>):
  list     one line each: id, start, and why it was refused
  resend   move them back: the sidecar sends them at its next start
  drop     delete them
With IDs, only those; without, all of them.`;

async function jsonFiles(dir) {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
}

const readJson = (path) => readFile(path, 'utf8').then(JSON.parse).catch(() => ({}));
const readReason = (path) => readFile(`${path}.reason`, 'utf8').then((r) => r.trim()).catch(() => '');

/** A trace's start: its earliest span's, as an ISO instant. */
function traceStart(request) {
  let min;
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const ns = BigInt(span.startTimeUnixNano ?? 0);
        if (min === undefined || ns < min) min = ns;
      }
    }
  }
  return min === undefined ? '' : new Date(Number(min / 1000000n)).toISOString();
}

/** Every dead letter: entries, then traces; each { dir, file, to, id, start, reason }. */
async function letters(spool) {
  const out = [];
  const entries = join(spool, DEAD_LETTER);
  for (const file of await jsonFiles(entries)) {
    // Listed even when unreadable: its file name says which it is.
    const entry = await readJson(join(entries, file));
    out.push({ dir: entries, file, to: spool, id: entry.id ?? file.replace(/\.json$/, ''), start: entry.startedAt ?? '', reason: await readReason(join(entries, file)) });
  }
  const traces = join(spool, OTLP_DEAD_LETTER);
  for (const file of await jsonFiles(traces)) {
    const request = await readJson(join(traces, file));
    let start = '';
    try {
      start = traceStart(request);
    } catch {
      // A span without a usable start: listed all the same.
    }
    out.push({ dir: traces, file, to: join(spool, OTLP_RESEND), id: `otlp:${file.replace(/\.json$/, '')}`, start, reason: await readReason(join(traces, file)) });
  }
  return out;
}

/** Runs the subcommand: argv after `dead-letters`; resolves to the exit code. */
export async function deadLetters(argv, out = process.stdout, err = process.stderr) {
  const [action, ...rest] = argv;
  if (action === '-h' || action === '--help' || action === undefined) {
    (action === undefined ? err : out).write(`${DEAD_LETTERS_HELP}\n`);
    return action === undefined ? 2 : 0;
  }
  let spool;
  const ids = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--spool') spool = rest[++i];
    else if (rest[i].startsWith('--spool=')) spool = rest[i].slice('--spool='.length);
    else if (rest[i].startsWith('-')) {
      err.write(`workflow-telemetry dead-letters: unknown option ${rest[i]}\n`);
      return 2;
    } else ids.push(rest[i]);
  }
  if (!['list', 'resend', 'drop'].includes(action) || !spool) {
    err.write(`workflow-telemetry dead-letters: ${spool ? `unknown action ${action}` : '--spool DIR is required'}\n${DEAD_LETTERS_HELP}\n`);
    return 2;
  }
  const all = await letters(spool);
  const chosen = ids.length ? all.filter((l) => ids.includes(l.id)) : all;
  const unknown = ids.filter((id) => !all.some((l) => l.id === id));
  for (const id of unknown) err.write(`no dead letter ${id} in ${join(spool, id.startsWith('otlp:') ? OTLP_DEAD_LETTER : DEAD_LETTER)}\n`);
  for (const l of chosen) {
    if (action === 'list') out.write(`${l.id}\t${l.start}\t${l.reason}\n`);
    else if (action === 'resend') {
      await mkdir(l.to, { recursive: true, mode: 0o700 });
      await rename(join(l.dir, l.file), join(l.to, l.file));
    } else await unlink(join(l.dir, l.file));
    if (action !== 'list') await unlink(join(l.dir, `${l.file}.reason`)).catch(() => {});
  }
  if (action !== 'list') out.write(`${action === 'resend' ? 'moved back' : 'dropped'}: ${chosen.length}\n`);
  return unknown.length ? 1 : 0;
}
