// `workflow-telemetry dead-letters list|resend|drop --spool DIR [ID...]`:
// the entries the ingest endpoint refused for good (spool.mjs moved them to
// DIR/dead-letter/, each with a .reason file). `list` prints one line per
// entry (id, its startedAt, why); `resend` moves them back into the spool,
// where the sidecar sends them at its next start; `drop` deletes them. With
// IDs, only those; without, all. Exit 0, 1 when an ID is not a dead letter,
// 2 on a usage error.
import { readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DEAD_LETTER } from './spool.mjs';

export const DEAD_LETTERS_HELP = `Usage: workflow-telemetry dead-letters list|resend|drop --spool DIR [ID...]

The child entries the ingest endpoint refused for good (see serve's
--max-refusals), kept in DIR/dead-letter/:
  list     one line each: id, startedAt, and why it was refused
  resend   move them back into the spool: the sidecar sends them at its
           next start
  drop     delete them
With IDs, only those entries; without, all of them.`;

async function letters(dir) {
  let names;
  try {
    names = await readdir(dir);
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  const out = [];
  for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
    let entry = {};
    try {
      entry = JSON.parse(await readFile(join(dir, file), 'utf8'));
    } catch {
      // Listed all the same: its file name says which it is.
    }
    const reason = (await readFile(join(dir, `${file}.reason`), 'utf8').catch(() => '')).trim();
    out.push({ file, id: entry.id ?? file.replace(/\.json$/, ''), startedAt: entry.startedAt ?? '', reason });
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
  const dir = join(spool, DEAD_LETTER);
  const all = await letters(dir);
  const chosen = ids.length ? all.filter((l) => ids.includes(l.id)) : all;
  const unknown = ids.filter((id) => !all.some((l) => l.id === id));
  for (const id of unknown) err.write(`no dead letter ${id} in ${dir}\n`);
  for (const l of chosen) {
    if (action === 'list') out.write(`${l.id}\t${l.startedAt}\t${l.reason}\n`);
    else if (action === 'resend') await rename(join(dir, l.file), join(spool, l.file));
    else await unlink(join(dir, l.file));
    if (action !== 'list') await unlink(join(dir, `${l.file}.reason`)).catch(() => {});
  }
  if (action !== 'list') out.write(`${action === 'resend' ? 'moved back' : 'dropped'}: ${chosen.length}\n`);
  return unknown.length ? 1 : 0;
}
