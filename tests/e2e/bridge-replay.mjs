// The sample replay both sides of tests/e2e/bridge-entry.test.mjs run: Node
// imports this module, and the page imports it from the test server.

/** Text through a bridge with deterministic ids: the NDJSON result, the drained entries, the stats. */
export function replay(api, text) {
  let n = 0;
  const b = new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => `id-${++n}` });
  const r = b.observeNdjson(text);
  return JSON.stringify([r, b.finalize(undefined, b.lastEventAt), b.stats()]);
}
