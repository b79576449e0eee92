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
 * steps, forEach-style expanded names, `failRate` of methods failing, and
 * kinds the bridge ignores: `outputLines` `method_output` lines per completed
 * step and, with `jobEvents`, `job_started`/`job_completed` around each job
 * (real swamp streams carry both). Yields NDJSON lines one at a time, so a
 * million-event stream never has to be held in memory.
 */
export function* swampLines({ runs = 100, steps = 50, failRate = 0.05, seed = 42, outputLines = 1, jobEvents = false, parallel = 1 } = {}) {
  const rand = rng(seed);
  let t = Date.UTC(2026, 1, 5, 10);
  for (let r = 0; r < runs; r++) {
    const runId = `run-${r}`;
    yield JSON.stringify({ kind: 'started', runId, workflowName: `wf-${r % 7}`, timestamp: t });
    // Steps run in waves of `parallel` (forEach fan-out): every step of a wave
    // starts before any of them ends, so `parallel` invocations are in flight.
    for (let w = 0; w < steps; w += parallel) {
      const wave = [];
      for (let s = w; s < Math.min(w + parallel, steps); s++) {
        const jobId = `job-${Math.floor(s / 10)}`;
        const stepId = `deploy-${['us:east', 'eu-west', 'ap-south'][s % 3]}-${s}`;
        wave.push({ s, jobId, stepId });
        if (jobEvents && s % 10 === 0) yield JSON.stringify({ kind: 'job_started', jobId, timestamp: t });
        t += 1 + Math.floor(rand() * 5);
        yield JSON.stringify({ kind: 'step_started', jobId, stepId, timestamp: t });
        yield JSON.stringify({ kind: 'model_resolved', jobId, stepId, modelName: `model-${s}`, modelType: 'command/shell', methodName: 'run', timestamp: t });
        yield JSON.stringify({ kind: 'method_executing', jobId, stepId, modelName: `model-${s}`, methodName: 'run', driver: 'raw', timestamp: t });
        if (parallel > 1) continue;
        yield* finish(wave.pop());
      }
      for (const step of wave) yield* finish(step);
    }
    yield JSON.stringify({ kind: 'completed', runId, timestamp: t });
  }

  function* finish({ s, jobId, stepId }) {
    t += 10 + Math.floor(rand() * 200);
    if (rand() < failRate) {
      yield JSON.stringify({ kind: 'step_failed', jobId, stepId, error: `exit code 1 from model-${s}\nstack trace`, timestamp: t });
    } else {
      for (let o = 0; o < outputLines; o++) {
        yield JSON.stringify({ kind: 'method_output', jobId, stepId, line: o === 0 ? 'ok' : `deployed revision ${o} to ${stepId}`, timestamp: t });
      }
      yield JSON.stringify({ kind: 'step_completed', jobId, stepId, executor: 'loopback', timestamp: t });
    }
    if (jobEvents && (s % 10 === 9 || s === steps - 1)) yield JSON.stringify({ kind: 'job_completed', jobId, status: 'succeeded', timestamp: t });
  }
}

/** `swampLines` as an array of NDJSON lines. */
export function swampStream(options = {}) {
  return [...swampLines(options)];
}

/**
 * Exactly `events` NDJSON lines in `swampStream`'s shape (runs of `steps`
 * steps), for benchmarks that are sized by event count, like the viewer's
 * 100,000-event load. The last run may be cut short and stay running, as in a
 * log copied while the engine was still writing it.
 */
export function swampLog({ events = 100_000, steps = 50, failRate = 0.05, seed = 7 } = {}) {
  // A step is 4 lines (failed) or 5, a run 2 more: this many runs always suffice.
  const runs = Math.max(1, Math.ceil(events / (2 + 4 * steps)));
  return swampStream({ runs, steps, failRate, seed }).slice(0, events);
}
