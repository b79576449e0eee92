// Step details stay where the model is. A 100,000-event log's full snapshot
// is about 25 MB of JSON, and most of it is what only the detail panel shows,
// for one step at a time: state transitions, the child telemetry entry,
// inputs and results. So the page gets the lite snapshot (the wasm writes it
// as JSON text, steps numbered by `detailRef`), and asks the model for one
// step's held-back fields when the panel shows it.

let generations = 0;

/**
 * The model's lite snapshot as JSON text, with a new generation number: a
 * detail request made for an older snapshot is never answered from a newer
 * model state. Every change to a model must be followed by a new publish.
 */
export function publishLite(model) {
  return { snapshotJson: model.snapshotJson({ lite: true }), detailGen: ++generations };
}

/** The page's snapshot from a published one, tagged with its generation. */
export function receiveLite({ snapshotJson, detailGen }) {
  const snapshot = JSON.parse(snapshotJson);
  snapshot.detailGen = detailGen;
  return snapshot;
}

/** The held-back fields of step `ref`, or undefined when `gen` is not `published`'s. */
export function detailOf(model, published, gen, ref) {
  return model && published?.detailGen === gen ? model.stepDetail(ref) : undefined;
}
