// The exports a loaded RunModel offers, shared by the worker and the
// main-thread fallback.

/**
 * Exports of the current model: `entries` (the child telemetry entries,
 * NDJSON), `traces` (OTLP/JSON), `jsonl`, `metrics`, `logs`, `logfmt`.
 */
export function exportOf(model, kind) {
  if (!model) throw new Error('nothing loaded');
  switch (kind) {
    case 'entries': return model.childEntriesNdjson();
    case 'traces': return JSON.stringify(model.exportTraces());
    case 'jsonl': return model.exportTracesJsonl();
    case 'metrics': return model.exportMetrics();
    case 'logs': return model.exportLogs();
    case 'logfmt': return model.exportLogs({ format: 'logfmt' });
    default: throw new Error(`unknown export ${kind}`);
  }
}
