// Step details stay where the model is. A 100,000-event log's full snapshot
// is about 25 MB of JSON, and most of it is what only the detail panel shows,
// for one step at a time: state transitions, the child telemetry entry,
// inputs and results. So the page gets the lite snapshot (the wasm writes it
// as JSON text in parts, steps numbered by `detailRef`), and asks the model
// for one step's held-back fields when the panel shows it.

let generations = 0;

/**
 * The model's lite snapshot in parts (the runs as JSON arrays of about 1 MiB,
 * and the rest; written by the wasm), with a new generation number: a
 * detail request made for an older snapshot is never answered from a newer
 * model state. Every change to a model must be followed by a new publish.
 */
export function publishLite(model) {
  return { snapshotParts: model.snapshotJsonParts(), detailGen: ++generations };
}

/**
 * The page's snapshot from a published one, tagged with its generation: one
 * part parsed per task (`pause()` awaited between parts), so a large log's
 * snapshot (86 MB for 1,000,000 events, one 1 s task when parsed whole)
 * never holds the page for long.
 */
export async function receiveLite({ snapshotParts, detailGen }, pause = nextTask) {
  const snapshot = JSON.parse(snapshotParts.rest);
  const runs = [];
  for (const part of snapshotParts.runs) {
    for (const run of JSON.parse(part)) runs.push(run);
    await pause();
  }
  return { runs, ...snapshot, detailGen };
}

/** A new task: lets input, rendering and messages in. */
function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close(); // an open port would keep Node's event loop alive
      resolve();
    };
    channel.port2.postMessage(0);
  });
}

/** The held-back fields of step `ref`, or undefined when `gen` is not `published`'s. */
export function detailOf(model, published, gen, ref) {
  return model && published?.detailGen === gen ? model.stepDetail(ref) : undefined;
}
