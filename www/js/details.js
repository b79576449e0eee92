// Step details stay where the model is. A 100,000-event log's snapshot is
// about 25 MB of JSON, and most of it is what only the detail panel shows, for
// one step at a time: state transitions, the child telemetry entry, inputs and
// results. Structured-cloning all of it to the page cost more than rendering;
// so the worker posts the snapshot without them ("lite") and answers for one
// step when the panel shows it.

let generations = 0;

/**
 * Splits a snapshot: a lite copy whose steps carry `detailRef` (an index into
 * `details`, in run then step order) instead of their `transitions`,
 * `telemetry`, `inputs` and `results`, and `details`, which hold those.
 * The lite snapshot's `detailGen` names this split, so a request made for an
 * older snapshot is never answered with a newer one's details.
 */
export function splitSnapshot(snapshot) {
  const details = [];
  const detailGen = ++generations;
  const runs = snapshot.runs.map((run) => ({
    ...run,
    steps: run.steps.map((step) => {
      const { transitions, telemetry, inputs, results, ...lite } = step;
      const held = {};
      if (transitions !== undefined) held.transitions = transitions;
      if (telemetry !== undefined) held.telemetry = telemetry;
      if (inputs !== undefined) held.inputs = inputs;
      if (results !== undefined) held.results = results;
      lite.detailRef = details.length;
      details.push(held);
      return lite;
    }),
  }));
  return { snapshot: { ...snapshot, runs, detailGen }, details, detailGen };
}

/** The held-back fields of one step, or undefined when `gen` is not the current split. */
export function detailOf(split, gen, ref) {
  return split && split.detailGen === gen ? split.details[ref] : undefined;
}

/** The child telemetry entries as NDJSON, in run then step order (the "Child entries" export). */
export function entriesNdjson(details) {
  const lines = details.filter((d) => d.telemetry).map((d) => JSON.stringify(d.telemetry));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
