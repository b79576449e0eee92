// The sidecar's own health and metrics. /healthz used to answer "ok" after
// 34 failed deliveries in a row and 10,113 dropped entries: a load balancer
// or a probe could not tell. Now it answers 503 with the reasons whenever one
// of these holds, and 200 again once none does:
//   - a delivery (ingest or OTLP) failed --health-delivery-failures times in
//     a row (until its next success);
//   - the spool holds --health-spool-percent of --spool-max-entries or more;
//   - child entries were dropped (not spooled: the spool full or failing),
//     or dead-lettered (refused for good), within the last
//     --health-drop-window-ms;
//   - with --health-silence-ms, no event arrived for that long;
//   - the sidecar is stopping.
// The counters behind it are also on /metrics, after the run model's
// families, as `<prefix>_sidecar_*` (README, "Sidecar metrics").

export const HEALTH_DEFAULTS = {
  deliveryFailures: 3,
  spoolPercent: 80,
  dropWindowMs: 5 * 60 * 1000,
  silenceMs: undefined,
};

/**
 * The reasons the sidecar is not healthy now, each one line; none when it is.
 *
 * @param {object} s  the counters (see `startSidecar`'s `state`)
 * @param {typeof HEALTH_DEFAULTS} o
 * @param {number} now  epoch ms
 */
export function unhealthyReasons(s, o, now) {
  const reasons = [];
  if (s.stopping) reasons.push('stopping');
  for (const [name, d] of [['delivery', s.delivery], ['otlp', s.otlp]]) {
    if (d && inARow(d) >= o.deliveryFailures) {
      reasons.push(`${name} failing: ${inARow(d)} attempts in a row failed (last: ${d.lastError})`);
    }
  }
  if (s.spool && s.spool.size * 100 >= o.spoolPercent * s.spool.maxEntries) {
    reasons.push(`spool filling: ${s.spool.size} of ${s.spool.maxEntries} entries pending (threshold ${o.spoolPercent}%)`);
  }
  if (s.lastDeadLetterAt && now - s.lastDeadLetterAt < o.dropWindowMs) {
    reasons.push(`entries dead-lettered: ${s.entries.deadLettered} refused for good by the ingest endpoint, the last ${seconds(now - s.lastDeadLetterAt)} ago (workflow-telemetry dead-letters list)`);
  }
  const traces = s.otlp?.lastDeadLetterAt;
  if (traces && now - traces < o.dropWindowMs) {
    reasons.push(`traces dead-lettered: ${s.otlp.deadLetteredTraces} refused for good by the OTLP endpoint, the last ${seconds(now - traces)} ago (workflow-telemetry dead-letters list)`);
  }
  if (s.lastDropAt !== null && now - s.lastDropAt < o.dropWindowMs) {
    reasons.push(`entries dropped: ${s.dropped} child entries could not be spooled, the last ${seconds(now - s.lastDropAt)} ago`);
  }
  if (o.silenceMs !== undefined) {
    const since = s.lastEventAt ?? s.startedAt;
    if (now - since >= o.silenceMs) {
      const what = s.lastEventAt === null ? 'since the start' : 'since the last one';
      reasons.push(`input silent: no event for ${seconds(now - since)} ${what} (limit ${seconds(o.silenceMs)})`);
    }
  }
  return reasons;
}

/** Failed requests since the last success: OTLP counts refused (dropped) ones too. */
function inARow(d) {
  return d.failedInARow ?? d.consecutiveFailures;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

/**
 * The sidecar's own families in the Prometheus text format 0.0.4, every one
 * with HELP and TYPE, counters ending in `_total`. Appended to the run
 * model's families on /metrics.
 *
 * @param {string} prefix  the run model's metric prefix (default `workflow`)
 * @param {object} s  the counters
 * @param {boolean} healthy
 * @param {number} now  epoch ms
 */
export function sidecarMetrics(prefix, s, healthy, now) {
  const out = [];
  const family = (name, type, help, samples) => {
    const full = `${prefix}_sidecar_${name}`;
    out.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`);
    for (const [labels, value] of samples) out.push(`${full}${labels} ${value}`);
  };
  const one = (value) => [['', value]];
  family('events_total', 'counter', 'Events accepted (POST /events and tailed files).', one(s.events.accepted));
  family('lines_rejected_total', 'counter', 'Input lines rejected as invalid.', one(s.events.rejected));
  family('entries_total', 'counter', 'Child entries by what happened to them: produced by the run model, spooled, delivered (HTTP 202).', [
    ['{outcome="produced"}', s.entries.produced],
    ['{outcome="spooled"}', s.entries.spooled],
    ['{outcome="delivered"}', s.entries.delivered],
  ]);
  family('entries_dropped_total', 'counter', 'Child entries never spooled, so never delivered: the spool full, or a write that failed.', [
    ['{reason="spool_full"}', s.entries.spoolFull],
    ['{reason="spool_error"}', s.entries.spoolErrors],
  ]);
  family('entries_dead_lettered_total', 'counter', 'Child entries the ingest endpoint refused for good, moved to the spool\'s dead-letter directory.',
    one(s.entries.deadLettered));
  family('delivery_attempts_total', 'counter', 'Requests to the ingest and OTLP endpoints.', [
    ['{endpoint="ingest"}', s.delivery?.attempts ?? 0],
    ['{endpoint="otlp"}', s.otlp?.attempts ?? 0],
  ]);
  family('delivery_failures_total', 'counter', 'Requests that did not succeed (any answer but the success status, a network error, a timeout).', [
    ['{endpoint="ingest"}', s.delivery?.failures ?? 0],
    ['{endpoint="otlp"}', s.otlp?.failures ?? 0],
  ]);
  family('delivery_consecutive_failures', 'gauge', 'Failed requests since the last success (refused ones included).', [
    ['{endpoint="ingest"}', s.delivery ? inARow(s.delivery) : 0],
    ['{endpoint="otlp"}', s.otlp ? inARow(s.otlp) : 0],
  ]);
  family('otlp_spans_total', 'counter', 'Spans of finished runs: exported, dead-lettered after a refusal (kept in the spool\'s dead-letter/otlp), or dropped (refused with nowhere to keep them).', [
    ['{outcome="exported"}', s.otlp?.exportedSpans ?? 0],
    ['{outcome="dead_lettered"}', s.otlp?.deadLetteredSpans ?? 0],
    ['{outcome="dropped"}', s.otlp?.droppedSpans ?? 0],
  ]);
  family('spool_entries', 'gauge', 'Child entries waiting in the spool.', one(s.spool?.size ?? 0));
  family('spool_bytes', 'gauge', 'Bytes of the entries waiting in the spool.', one(s.spool?.bytes ?? 0));
  family('spool_max_entries', 'gauge', 'The spool limit (--spool-max-entries); 0 without an ingest endpoint.', one(s.spool?.maxEntries ?? 0));
  family('stream_clients', 'gauge', 'Open /events/stream connections.', one(s.streamClients));
  if (s.limited) {
    family('requests_limited_total', 'counter', 'Requests turned away at the edge limits: over --max-stream-clients or --max-concurrent-posts (503), past --headers-timeout-ms or --request-timeout-ms (408), a body over --max-body-bytes (413), not a request (400, 431, 413).', [
      ['{limit="stream_clients"}', s.limited.streamClients],
      ['{limit="concurrent_posts"}', s.limited.concurrentPosts],
      ['{limit="timed_out"}', s.limited.timedOut],
      ['{limit="body_too_large"}', s.limited.bodyTooLarge],
      ['{limit="malformed"}', s.limited.malformed],
    ]);
  }
  if (s.lastEventAt !== null) {
    family('last_event_timestamp_seconds', 'gauge', 'When the last event was accepted (Unix time).', one(s.lastEventAt / 1000));
    family('last_event_age_seconds', 'gauge', 'Seconds since the last event was accepted.', one((now - s.lastEventAt) / 1000));
  }
  family('healthy', 'gauge', '1 when /healthz answers 200, 0 when it answers 503.', one(healthy ? 1 : 0));
  family('start_time_seconds', 'gauge', 'When the sidecar started (Unix time).', one(s.startedAt / 1000));
  return `${out.join('\n')}\n`;
}
