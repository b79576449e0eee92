// `workflow-telemetry serve`: wires the pieces together, prints the listening
// line, and shuts down in order on SIGINT/SIGTERM: stop tailing (after reading
// what was completely written), stop accepting, finish the requests in
// progress, give the deliveries one last chance within the deadline, exit 0.
// Whatever was not delivered is still in the spool for the next start.
import { resolve } from 'node:path';
import { RunModel, decodeEntry, toWire, version } from '../node.mjs';
import { Pipeline } from './core.mjs';
import { sidecarMetrics, unhealthyReasons } from './health.mjs';
import { IngestDelivery } from './delivery.mjs';
import { SERVE_HELP, UsageError, parseServeArgs } from './options.mjs';
import { OtlpExporter } from './otlp.mjs';
import { TraceLetters } from './otlp-letters.mjs';
import { createSidecarServer } from './server.mjs';
import { Auth } from './auth.mjs';
import { packagedViewer } from './static.mjs';
import { Spool } from './spool.mjs';
import { EventHub } from './sse.mjs';
import { Tailer } from './tail.mjs';

/** Rejected lines of a tailed file reported per chunk; the rest are counted only. */
const TAIL_ERRORS_SHOWN = 10;

const log = (line) => process.stderr.write(`workflow-telemetry serve: ${line}\n`);

/** Builds and starts a sidecar; resolves once it listens. */
export async function startSidecar(opts) {
  // One model for everything: the runs, and the child entries delivered.
  // Its clock (Date.now) stamps events without a timestamp on arrival and
  // measures stalls and retention.
  const model = new RunModel({
    parentInvocationId: opts.parentInvocationId,
    version: opts.version,
    runtimeVersion: opts.runtimeVersion,
    platform: opts.platform,
    maxLineBytes: opts.maxLineBytes,
    maxRuns: opts.maxRuns,
    maxFinishedAgeMs: opts.maxFinishedAgeMs,
    stallAfterMs: opts.stallAfterMs,
    ...(opts.stepThresholdMs !== undefined ? { stepThresholdMs: opts.stepThresholdMs } : {}),
  });
  const hub = new EventHub({ ringSize: opts.streamBuffer, heartbeatMs: opts.heartbeatMs });

  let spool = null;
  let delivery = null;
  if (opts.ingestEndpoint) {
    spool = new Spool({ dir: resolve(opts.spool), maxEntries: opts.spoolMaxEntries, maxBytes: opts.spoolMaxBytes, decode: decodeEntry, log });
    await spool.open();
    const distinctId = opts.distinctId ?? (await spool.distinctId());
    delivery = new IngestDelivery({
      spool,
      endpoint: opts.ingestEndpoint,
      apiKey: opts.apiKey,
      identity: { distinctId, ...(opts.repoId ? { repoId: opts.repoId } : {}) },
      toWire,
      batchSize: opts.batchSize,
      timeoutMs: opts.timeoutMs,
      retryMinMs: opts.retryMinMs,
      retryMaxMs: opts.retryMaxMs,
      flushIntervalMs: opts.flushIntervalMs,
      maxRefusals: opts.maxRefusals,
      log,
    });
  }
  const otlp = opts.otlpEndpoint
    ? new OtlpExporter({
      model,
      endpoint: opts.otlpEndpoint,
      traceOptions: opts.serviceName ? { serviceName: opts.serviceName } : {},
      intervalMs: opts.flushIntervalMs,
      timeoutMs: opts.timeoutMs,
      retryMinMs: opts.retryMinMs,
      retryMaxMs: opts.retryMaxMs,
      letters: new TraceLetters(resolve(opts.spool), { maxBytes: opts.spoolMaxBytes }),
      log,
    })
    : null;

  const pipeline = new Pipeline({
    model,
    hub,
    spool,
    onSpooled: () => delivery?.notify(),
    onIngested: () => otlp?.markDirty(),
    log,
  });

  const tailers = opts.tail.map((path) => {
    // Each tailed file is a source of its own: its runs never mix with
    // another producer's.
    const source = `tail:${resolve(path)}`;
    const report = (r) => {
      for (const e of r.errors.slice(0, TAIL_ERRORS_SHOWN)) log(`tail ${path} line ${e.line}: ${e.message}`);
      if (r.errors.length > TAIL_ERRORS_SHOWN) log(`tail ${path}: ${r.errors.length - TAIL_ERRORS_SHOWN} more rejected lines`);
      return r;
    };
    return new Tailer({
      path,
      from: opts.tailFrom,
      pollMs: opts.tailPollMs,
      log,
      push: async (bytes) => report(await pipeline.push(bytes, source)),
      end: async () => report(await pipeline.end(source, true)),
    });
  });

  const started = Date.now();
  let stopping = false;
  const healthOptions = {
    deliveryFailures: opts.healthDeliveryFailures,
    spoolPercent: opts.healthSpoolPercent,
    dropWindowMs: opts.healthDropWindowMs,
    silenceMs: opts.healthSilenceMs,
  };
  /** The counters health and the sidecar's metrics are read from. */
  const state = () => ({
    stopping,
    startedAt: started,
    lastEventAt: pipeline.stats.lastEventAt,
    lastDropAt: pipeline.stats.lastDropAt,
    lastDeadLetterAt: delivery?.stats.lastDeadLetterAt ?? null,
    dropped: pipeline.stats.spoolFull + pipeline.stats.spoolErrors,
    events: { accepted: pipeline.stats.eventsAccepted, rejected: pipeline.stats.eventsRejected },
    entries: {
      produced: pipeline.stats.entriesProduced,
      spooled: pipeline.stats.entriesSpooled,
      delivered: delivery?.stats.delivered ?? 0,
      failed: delivery?.stats.failedEntries ?? 0,
      spoolFull: pipeline.stats.spoolFull,
      spoolErrors: pipeline.stats.spoolErrors,
      deadLettered: delivery?.stats.deadLettered ?? 0,
      inFlight: model.inFlight,
    },
    spool: spool ? { size: spool.size, bytes: spool.bytes, maxEntries: spool.maxEntries } : null,
    delivery: delivery?.stats ?? null,
    otlp: otlp?.stats ?? null,
    streamClients: hub.clients,
    limited: http.limited,
  });
  const health = () => {
    const now = Date.now();
    const s = state();
    const reasons = unhealthyReasons(s, healthOptions, now);
    return {
      status: stopping ? 'stopping' : reasons.length ? 'degraded' : 'ok',
      reasons,
      version: version(),
      uptimeMs: now - started,
      lastEventAt: pipeline.stats.lastEventAt === null ? null : new Date(pipeline.stats.lastEventAt).toISOString(),
      events: s.events,
      entries: s.entries,
      runs: { held: model.runCount, evicted: model.evicted },
      spool: spool ? { dir: spool.dir, size: spool.size, bytes: spool.bytes, deadLetterBytes: spool.deadLetterBytes, maxEntries: spool.maxEntries, maxBytes: spool.maxBytes, quarantined: spool.quarantined } : null,
      lastDeliveryError: delivery?.stats.lastError ?? null,
      delivery: delivery?.toJSON() ?? null,
      otlp: otlp?.toJSON() ?? null,
      tail: tailers.map((t) => t.toJSON()),
      stream: { clients: hub.clients, lastId: hub.lastId },
      auth: auth.enabled ? { refused: { ...auth.refused } } : null,
      limited: { ...http.limited },
    };
  };
  const metricsPrefix = opts.metricsPrefix ?? 'workflow';
  const selfMetrics = () => {
    const now = Date.now();
    const s = state();
    return sidecarMetrics(metricsPrefix, s, unhealthyReasons(s, healthOptions, now).length === 0, now);
  };

  const auth = new Auth({ full: opts.authToken, scrape: opts.scrapeToken, ingest: opts.ingestToken });
  const http = createSidecarServer({
    auth,
    maxStreamClients: opts.maxStreamClients,
    maxConcurrentPosts: opts.maxConcurrentPosts,
    headersTimeoutMs: opts.headersTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    pipeline,
    model,
    hub,
    health,
    selfMetrics,
    maxBodyBytes: opts.maxBodyBytes,
    metricsOptions: opts.metricsPrefix ? { prefix: opts.metricsPrefix } : {},
    host: opts.host,
    viewer: opts.viewer ? await packagedViewer() : null,
  });
  await new Promise((ok, fail) => {
    http.server.once('error', fail);
    http.server.listen(opts.port, opts.host, () => {
      http.server.off('error', fail);
      ok();
    });
  });
  http.server.on('error', (err) => log(`server: ${err.message}`));
  const { port } = http.server.address();
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  for (const t of tailers) await t.start();
  delivery?.notify(); // what a previous process left in the spool
  otlp?.start();

  return {
    url: `http://${host}:${port}`,
    /** Graceful stop within `timeoutMs`; never rejects. */
    async stop(timeoutMs) {
      stopping = true;
      const deadline = Date.now() + timeoutMs;
      await Promise.allSettled(tailers.map((t) => t.stop()));
      await http.close(deadline);
      await Promise.allSettled([delivery?.flush(deadline), otlp?.flush(deadline)]);
      delivery?.stop();
      otlp?.stop();
      const inFlight = model.inFlight;
      if (inFlight > 0) log(`${inFlight} method invocations were still running; no entries were recorded for them`);
      if (spool?.size) log(`${spool.size} entries stay in ${spool.dir} and are delivered at the next start`);
      await spool?.close();
      model.free();
    },
  };
}

/** The `serve` subcommand: argv without `serve`. */
export async function serve(argv) {
  let opts;
  try {
    opts = parseServeArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`workflow-telemetry serve: ${err.message}\nTry workflow-telemetry serve --help.\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    process.exit(0);
  }
  let sidecar;
  try {
    sidecar = await startSidecar(opts);
  } catch (err) {
    log(`cannot start: ${err?.message ?? err}`);
    process.exit(1);
  }
  process.stdout.write(`listening on ${sidecar.url}\n`);

  let stopping = false;
  const onSignal = async (signal) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    // Backstop: should anything hang past the deadline, exit anyway.
    setTimeout(() => {
      log('shutdown took too long; exiting');
      process.exit(0);
    }, opts.shutdownTimeoutMs + 2000).unref();
    try {
      await sidecar.stop(opts.shutdownTimeoutMs);
    } catch (err) {
      log(`shutdown: ${err?.message ?? err}`);
    }
    process.exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
