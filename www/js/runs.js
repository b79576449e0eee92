// The runs list: status, name, start, duration, counts; stalled runs marked;
// filtered by status (or `stalled`) and by text (run name, id, correlation id,
// step names).
import { el, fill } from './dom.js';
import { duration, instant, stalledText, statusIcon, STALLED_ICON } from './format.js';

/** Whether `run` passes the status filter `status`. */
function statusMatches(run, status) {
  if (!status || status === 'all') return true;
  if (status === 'stalled') return Boolean(run.stalled);
  // `failed`: failed runs, and runs with a failure that ended otherwise (not
  // abandoned ones, which have their own filter).
  if (status === 'failed') return run.status === 'failed' || (Boolean(run.summary.failure) && run.status !== 'abandoned');
  return run.status === status;
}

export function matches(run, status, q) {
  if (!statusMatches(run, status)) return false;
  if (q) {
    const needle = q.toLowerCase();
    const hay = [run.name, run.id, run.correlationId ?? '', ...run.steps.map((s) => s.name)];
    if (!hay.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export function renderRuns(list, runs, state, onSelect) {
  const shown = runs.filter((r) => matches(r, state.status, state.q));
  const now = Date.now();
  fill(list, shown.length === 0 ? el('li', { className: 'empty' }, 'No run matches the filter.') : shown.map((run) => {
    const c = run.summary.counts;
    const selected = run.id === state.run;
    return el('li', {},
      el('button', {
        type: 'button',
        className: `run status-${run.status}${run.stalled ? ' stalled' : ''}${selected ? ' selected' : ''}`,
        'aria-current': selected ? 'true' : undefined,
        'data-run': run.id,
        onclick: () => onSelect(run.id),
      },
      el('span', { className: 'badge', title: run.status }, `${statusIcon(run.status)} ${run.status}`),
      run.stalled ? el('span', { className: 'stalled-note', title: `last event ${instant(run.lastEventAt)}` }, `${STALLED_ICON} ${stalledText(run, now)}`) : null,
      el('span', { className: 'run-name' }, run.name || run.id),
      el('span', { className: 'run-id' }, `${run.dialect} · ${run.id}${run.parentRun ? ` · nested in ${run.parentRun}` : ''}`),
      el('span', { className: 'run-meta' }, `${instant(run.startedAt ?? run.queuedAt)} · ${duration(run.summary.durationMs)}`),
      el('span', { className: 'run-counts' },
        `${c.spawned} steps`,
        c.completed ? el('span', { className: 'c-ok' }, ` ✓${c.completed}`) : null,
        c.failed ? el('span', { className: 'c-err' }, ` ✗${c.failed}`) : null,
        c.panicked ? el('span', { className: 'c-err' }, ` ✸${c.panicked}`) : null,
        c.cancelled ? el('span', { className: 'c-warn' }, ` ⊘${c.cancelled}`) : null,
        c.running ? el('span', { className: 'c-run' }, ` ▶${c.running}`) : null,
        run.violations.length ? el('span', { className: 'c-warn', title: 'violations' }, ` ⚑${run.violations.length}`) : null)));
  }));
  return shown;
}
