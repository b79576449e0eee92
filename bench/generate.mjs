// Deterministic synthetic workflow event streams (seeded xorshift), so every
// benchmark run measures the same input.

/** A small seeded PRNG (xorshift32); returns floats in [0, 1). */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

/**
 * `runs` workflow runs of `steps` steps each, one `started` per run, jobs of 10
 * steps, forEach-style expanded names, `failRate` of methods failing, and a few
 * ignored kinds. Returns an array of NDJSON lines.
 */
export function swampStream({ runs = 100, steps = 50, failRate = 0.05, seed = 42 } = {}) {
  const rand = rng(seed);
  const lines = [];
  let t = Date.UTC(2026, 1, 5, 10);
  for (let r = 0; r < runs; r++) {
    const runId = `run-${r}`;
    lines.push(JSON.stringify({ kind: 'started', runId, workflowName: `wf-${r % 7}`, timestamp: t }));
    for (let s = 0; s < steps; s++) {
      const jobId = `job-${Math.floor(s / 10)}`;
      const stepId = `deploy-${['us:east', 'eu-west', 'ap-south'][s % 3]}-${s}`;
      t += 1 + Math.floor(rand() * 5);
      lines.push(JSON.stringify({ kind: 'step_started', jobId, stepId, timestamp: t }));
      lines.push(JSON.stringify({ kind: 'model_resolved', jobId, stepId, modelName: `model-${s}`, modelType: 'command/shell', methodName: 'run', timestamp: t }));
      lines.push(JSON.stringify({ kind: 'method_executing', jobId, stepId, modelName: `model-${s}`, methodName: 'run', driver: 'raw', timestamp: t }));
      t += 10 + Math.floor(rand() * 200);
      if (rand() < failRate) {
        lines.push(JSON.stringify({ kind: 'step_failed', jobId, stepId, error: `exit code 1 from model-${s}\nstack trace`, timestamp: t }));
      } else {
        lines.push(JSON.stringify({ kind: 'method_output', jobId, stepId, line: 'ok', timestamp: t }));
        lines.push(JSON.stringify({ kind: 'step_completed', jobId, stepId, executor: 'loopback', timestamp: t }));
      }
    }
    lines.push(JSON.stringify({ kind: 'completed', runId, timestamp: t }));
  }
  return lines;
}
