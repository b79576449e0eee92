// The exports a loaded RunModel offers, shared by the worker and the
// main-thread fallback.
import { entriesNdjson } from './details.js';

/**
 * Exports of the current model: `entries` (the child telemetry entries, NDJSON,
 * from the held-back step `details`), `traces` (OTLP/JSON), `jsonl`, `metrics`,
 * `logs`, `logfmt`.
 */
export function exportOf(model, kind, details = []) {
  switch (kind) {
    case 'entries': return entriesNdjson(details);
    case 'traces': return JSON.stringify(model.exportTraces());
    case 'jsonl': return model.exportTracesJsonl();
    case 'metrics': return model.exportMetrics();
    case 'logs': return model.exportLogs();
    case 'logfmt': return model.exportLogs({ format: 'logfmt' });
    default: throw new Error(`unknown export ${kind}`);
  }
}
