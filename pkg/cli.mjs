#!/usr/bin/env node
// workflow-telemetry: NDJSON workflow events in (file or stdin), child entries
// out as NDJSON on stdout, rejected lines on stderr with their line numbers.
// Exit code 0 when every line was accepted, 1 when any line was rejected,
// 2 on a usage error or an unreadable input. `workflow-telemetry serve ...`
// runs the sidecar instead (sidecar/main.mjs), loaded only when asked for.
import { createReadStream } from 'node:fs';
import { TelemetryBridge, version } from './node.mjs';

const HELP = `Usage: workflow-telemetry [options] [FILE]

Reads workflow events as NDJSON (one JSON object per line, or one JSON array)
from FILE, or from standard input when FILE is absent or "-", and writes one
redacted child invocation entry per line to standard output. The input may
hold any number of runs one after another: each run's entries name that run;
a run that ends without "completed" or "error" (its engine died) is closed
when the next run starts (abandoned). At the end of the input every
invocation still in flight is closed as an error (finalize).

Options:
  --parent-invocation-id ID  parent CLI invocation id stamped on every entry
                             (default: none, the key is omitted)
  --version-string V         written as swampVersion (default "")
  --runtime-version V        written as denoVersion (default "")
  --platform P               written as platform (default: this platform)
  --finalize-reason TEXT     message for invocations drained at the end
  --max-line-bytes N         longest accepted line (default 1048576)
  -h, --help                 show this help
  -V, --version              show the package version

Rejected lines are reported on standard error as "line N: message"; the exit
code is 1 when any line was rejected. When the events carry timestamps, the
final drain uses the latest event timestamp, so a recorded log gives the same
output every time.

Subcommands:
  serve [options]            run the sidecar: events over HTTP or from a tailed
                             file, Prometheus metrics, run snapshots, a live
                             event stream, delivery of entries and spans; see
                             "workflow-telemetry serve --help". (A file named
                             serve is read as ./serve.)
  dead-letters list|resend|drop --spool DIR [ID...]
                             the entries the ingest endpoint refused for
                             good; see "workflow-telemetry dead-letters --help"`;

function usage(message) {
  process.stderr.write(`workflow-telemetry: ${message}\nTry --help.\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { file: undefined, parentInvocationId: '', version: '', runtimeVersion: '', platform: process.platform };
  const takesValue = {
    '--parent-invocation-id': 'parentInvocationId',
    '--version-string': 'version',
    '--runtime-version': 'runtimeVersion',
    '--platform': 'platform',
    '--finalize-reason': 'finalizeReason',
    '--max-line-bytes': 'maxLineBytes',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    }
    if (arg === '-V' || arg === '--version') {
      process.stdout.write(`${version()}\n`);
      process.exit(0);
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag in takesValue) {
      const value = inline ?? argv[++i];
      if (value === undefined) usage(`${flag} needs a value`);
      opts[takesValue[flag]] = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      usage(`unknown option ${arg}`);
    } else if (opts.file === undefined) {
      opts.file = arg;
    } else {
      usage(`unexpected argument ${arg}`);
    }
  }
  if (opts.maxLineBytes !== undefined) {
    const n = Number(opts.maxLineBytes);
    if (!Number.isInteger(n) || n < 1) usage('--max-line-bytes needs a positive integer');
    opts.maxLineBytes = n;
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bridge = new TelemetryBridge({
    parentInvocationId: opts.parentInvocationId,
    version: opts.version,
    runtimeVersion: opts.runtimeVersion,
    platform: opts.platform,
    maxLineBytes: opts.maxLineBytes,
  });
  const input = opts.file === undefined || opts.file === '-' ? process.stdin : createReadStream(opts.file);
  // Text, decoded by Node as it arrives (invalid UTF-8 becomes U+FFFD). The
  // core frames it: lines cut by chunk boundaries, line numbers, overlong
  // lines (reported and skipped unbuffered), a JSON array, blank lines.
  input.setEncoding('utf8');

  let rejected = 0;
  // A reader that stops early (`workflow-telemetry log.ndjson | head`) closes
  // the pipe: stop there, quietly, as Unix filters do, rather than die on the
  // unhandled EPIPE with a stack trace; the exit code still says whether a
  // line read so far was rejected.
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') process.stderr.write(`workflow-telemetry: cannot write standard output: ${err.message}\n`);
    process.exit(err.code === 'EPIPE' ? Number(rejected > 0) : 2);
  });
  process.stderr.on('error', () => process.exit(Number(rejected > 0)));
  const write = (result) => {
    if (result.entries) process.stdout.write(result.entries);
    for (const err of result.errors) {
      rejected += 1;
      process.stderr.write(`line ${err.line}: ${err.message}\n`);
    }
  };
  try {
    for await (const chunk of input) write(bridge.pushNdjson(chunk));
  } catch (err) {
    process.stderr.write(`workflow-telemetry: cannot read ${opts.file ?? 'standard input'}: ${err.message}\n`);
    process.exit(2);
  }
  write(bridge.endNdjson());
  // Runs the input left open (its engine stopped mid-run) end here.
  const drained = bridge.finalize(opts.finalizeReason, bridge.lastEventAt);
  for (const entry of drained) process.stdout.write(`${JSON.stringify(entry)}\n`);
  process.exitCode = rejected > 0 ? 1 : 0;
}

if (process.argv[2] === 'dead-letters') {
  const { deadLetters } = await import('./sidecar/deadletters.mjs');
  process.exit(await deadLetters(process.argv.slice(3)));
}
if (process.argv[2] === 'serve') {
  const { serve } = await import('./sidecar/main.mjs');
  await serve(process.argv.slice(3));
} else {
  main();
}
