// "What is different from the last time it worked": a run compared, step by
// step, with the last completed run of the same workflow that started before
// it (in the loaded log): steps added, missing, failed here but not there,
// and slower (over 1.5 times and at least a second longer). And the
// workflow's aggregates over the log (runs, failure rate) from the snapshot.
import { el } from './dom.js';
import { FAILED, duration, ms } from './format.js';


/** The last completed run of `run`'s workflow that started before it, if any. */
export function lastGood(run, runs) {
  const start = (r) => ms(r.startedAt ?? r.queuedAt) ?? -Infinity;
  const mine = start(run);
  let best;
  for (const r of runs) {
    if (r.id === run.id || r.name !== run.name || r.status !== 'completed' || start(r) > mine) continue;
    if (!best || start(r) > start(best)) best = r;
  }
  return best;
}

/** Per step (by job and name): what changed from `good` to `run`, in `run`'s order, then the missing ones. */
export function compareRuns(run, good) {
  const key = (s) => `${s.job}\u0000${s.name}`;
  const before = new Map(good.steps.map((s) => [key(s), s]));
  const now = new Set(run.steps.map(key));
  const rows = [];
  for (const s of run.steps) {
    const g = before.get(key(s));
    if (!g) rows.push({ step: s, change: FAILED.has(s.status) ? 'added, failed' : 'added' });
    else if (FAILED.has(s.status) && !FAILED.has(g.status)) rows.push({ step: s, change: 'failed', was: g });
    else if (s.durationMs !== undefined && g.durationMs !== undefined && s.durationMs > 1.5 * g.durationMs && s.durationMs - g.durationMs >= 1000) {
      rows.push({ step: s, change: 'slower', was: g });
    }
  }
  for (const g of good.steps) if (!now.has(key(g))) rows.push({ step: g, change: 'missing' });
  return rows;
}

/** The comparison, folded, under the summary; `onSelectRun` opens the good run. */
export function compareSection(run, runs, onSelectRun) {
  if (run.status === 'completed') return null;
  const good = lastGood(run, runs);
  if (!good) return el('p', { className: 'muted compare-none' }, 'No earlier completed run of this workflow in the log to compare with.');
  const rows = compareRuns(run, good);
  return el('details', { className: 'compare', open: rows.length > 0 && rows.length <= 8 },
    el('summary', {}, `Compared with the last good run (${rows.length} difference${rows.length === 1 ? '' : 's'}): `,
      el('button', { type: 'button', className: 'link', onclick: () => onSelectRun(good.id) }, `${good.name || good.id} · ${good.id}`)),
    rows.length === 0
      ? el('p', { className: 'muted' }, 'The same steps, none failed or much slower.')
      : el('table', { className: 'mini' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Step'), el('th', {}, 'Change'), el('th', {}, 'Now'), el('th', {}, 'Then'))),
        el('tbody', {}, rows.map((r) => el('tr', { className: `change-${r.change.split(',')[0]}` },
          el('td', {}, `${r.step.job ? `${r.step.job} / ` : ''}${r.step.name}`),
          el('td', {}, r.change),
          el('td', {}, r.change === 'missing' ? '—' : `${r.step.status} ${duration(r.step.durationMs)}`),
          el('td', {}, r.was ? `${r.was.status} ${duration(r.was.durationMs)}` : r.change === 'missing' ? `${r.step.status} ${duration(r.step.durationMs)}` : '—'))))));
}

/** The workflow's runs and failure rate over the log, from the snapshot's aggregates. */
export function workflowLine(run, workflows) {
  const w = workflows?.find((x) => x.name === run.name);
  if (!w) return null;
  const pct = Math.round(100 * w.failureRate);
  const times = w.p50Ms === undefined ? '' : `; ended runs took ${duration(w.p50Ms)} (p50), ${duration(w.p95Ms)} (p95)`;
  return el('p', { className: 'muted workflow-line' },
    `Workflow ${w.name}: ${w.runs} run${w.runs === 1 ? '' : 's'} in this log, ${w.failed} failed (${pct}%)${times}`);
}

/**
 * How the critical path accounts for the run's whole duration: the time
 * its steps ran, and the rest named (before the first step, between steps,
 * after the last), so that a path ending at 35.9 s of a 40 s run says where
 * the other 4.1 s went.
 */
export function criticalPathLine(run) {
  const path = run.summary.criticalPath ?? [];
  const start = ms(run.startedAt ?? run.queuedAt);
  const end = ms(run.endedAt) ?? ms(run.lastEventAt);
  if (path.length === 0 || start === undefined || end === undefined) return null;
  const steps = path.map((id) => run.steps.find((s) => s.id === id)).filter(Boolean)
    .map((s) => [ms(s.startedAt), ms(s.endedAt)]).filter(([a, b]) => a !== undefined && b !== undefined)
    .sort((x, y) => x[0] - y[0]);
  if (steps.length === 0) return null;
  let ran = 0;
  let between = 0;
  let at = steps[0][0];
  for (const [a, b] of steps) {
    if (a > at) between += a - at;
    ran += Math.max(0, b - Math.max(a, at));
    at = Math.max(at, b);
  }
  const before = Math.max(0, steps[0][0] - start);
  const after = Math.max(0, end - at);
  const parts = [`steps ${duration(ran)}`];
  if (before) parts.push(`before the first step ${duration(before)}`);
  if (between) parts.push(`between steps ${duration(between)}`);
  if (after) parts.push(`after the last step ${duration(after)}`);
  return el('p', { className: 'muted critical-line' },
    `Critical path (${steps.length} step${steps.length === 1 ? '' : 's'}) over the run's ${duration(end - start)}: ${parts.join(' · ')}`);
}
