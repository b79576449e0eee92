// The runs list: status, name, start, duration, counts; stalled runs marked;
// filtered by status (or `stalled`) and by text (run name, id, correlation id,
// step names, error messages and types).
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
    // Names and ids, and the error text: "timed out" or "TimeoutError" finds the runs it ended.
    const hay = [run.name, run.id, run.correlationId ?? '', run.error?.message ?? '',
      ...run.steps.flatMap((s) => [s.name, s.error?.message ?? '', s.error?.errorType ?? ''])];
    if (!hay.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/**
 * Runs drawn at first, and more per "show more": drawing all 4,008 runs of a
 * 1,000,000-event log (about 40,000 elements) held the page in one 559 ms
 * task (bench/viewer.mjs). The filter and the search find the rest; the
 * selected run is always drawn.
 */
export const RUNS_PAGE = 500;
let drawn = RUNS_PAGE;

/** Back to the first page of runs: a new log, a new filter. */
export function resetRunList() {
  drawn = RUNS_PAGE;
}

/**
 * Draws the runs that pass the filter (as many as `drawn`, and the selected
 * one); returns all that pass. "Show more" asks for `onMore`, which draws the
 * current data again.
 */
export function renderRuns(list, runs, state, onSelect, onMore) {
  const shown = runs.filter((r) => matches(r, state.status, state.q));
  const now = Date.now();
  const selectedAt = shown.findIndex((r) => r.id === state.run);
  const count = Math.min(shown.length, Math.max(drawn, selectedAt + 1));
  const items = shown.slice(0, count).map((run) => runItem(run, run.id === state.run, now, onSelect));
  if (count < shown.length) {
    const more = Math.min(RUNS_PAGE, shown.length - count);
    items.push(el('li', { className: 'more' },
      el('button', {
        type: 'button',
        className: 'more-runs',
        onclick: () => {
          drawn = count + more;
          onMore();
        },
      }, `Show ${more} more (${shown.length - count} not listed)`)));
  }
  fill(list, shown.length === 0 ? el('li', { className: 'empty' }, 'No run matches the filter.') : items);
  return shown;
}

function runItem(run, selected, now, onSelect) {
  const c = run.summary.counts;
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
    el('span', { className: 'run-name', title: run.name || run.id }, run.name || run.id),
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
}
