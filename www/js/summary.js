// The run summary header: status (and whether the run stalled), total
// duration, queue vs execution time, counts per status, correlation and parent
// invocation ids, the run's error (an abandoned run's says why), violations;
// above them all, for a failed run, why it failed (why.js).
import { el, fill } from './dom.js';
import { duration, instant, stalledText, statusIcon, STALLED_ICON } from './format.js';
import { compareSection, criticalPathLine, workflowLine } from './compare.js';

function field(label, value, title) {
  return el('div', { className: 'field' }, el('dt', {}, label), el('dd', { title }, value));
}

/**
 * `why`: the "why it failed" banner (why.js), shown first, or null;
 * `workflows`: the snapshot's per-workflow aggregates.
 */
export function renderSummary(node, run, runsById, onSelectRun, why = null, workflows = []) {
  if (!run) {
    fill(node, el('p', { className: 'empty' }, 'Load a log to see its runs.'));
    return;
  }
  const s = run.summary;
  const c = s.counts;
  const queue = s.queueWaitMs ?? 0;
  const exec = s.executionMs ?? 0;
  const total = Math.max(1, queue + exec);
  const parent = run.parentRun && runsById.get(run.parentRun);
  fill(node,
    why,
    el('div', { className: 'summary-title' },
      el('span', { className: `badge status-${run.status}` }, `${statusIcon(run.status)} ${run.status}`),
      el('h2', { id: 'run-title' }, run.name || run.id),
      el('span', { className: 'muted' }, `${run.dialect} · ${run.id}`),
      run.stalled ? el('span', { className: 'chip chip-warn chip-stalled', title: `not ended, last event ${instant(run.lastEventAt)}` }, `${STALLED_ICON} ${stalledText(run)}`) : null,
      s.failure ? el('span', { className: 'chip chip-err', title: 'failure class' }, `failure: ${s.failure}`) : null),
    el('dl', { className: 'fields' },
      field('Started', instant(run.startedAt ?? run.queuedAt)),
      field('Duration', duration(s.durationMs)),
      run.lastEventAt && (run.stalled || !run.endedAt) ? field('Last event', instant(run.lastEventAt)) : null,
      field('Queue wait', duration(s.queueWaitMs)),
      field('Execution', duration(s.executionMs)),
      field('Steps', [
        `${c.spawned} `,
        el('span', { className: 'c-ok' }, `✓${c.completed} `),
        el('span', { className: 'c-err' }, `✗${c.failed} `),
        c.panicked ? el('span', { className: 'c-err' }, `✸${c.panicked} `) : null,
        c.cancelled ? el('span', { className: 'c-warn' }, `⊘${c.cancelled} `) : null,
        c.running ? el('span', { className: 'c-run' }, `▶${c.running} `) : null,
        c.pending ? el('span', {}, `○${c.pending} `) : null,
        c.skipped ? el('span', {}, `↷${c.skipped}`) : null,
      ]),
      run.correlationId ? field('Correlation', run.correlationId) : null,
      run.parentCorrelationId ? field('Parent correlation', run.parentCorrelationId) : null,
      run.parentInvocationId ? field('Parent invocation', run.parentInvocationId) : null,
      parent ? field('Parent run', el('button', { type: 'button', className: 'link', onclick: () => onSelectRun(parent.id) }, parent.name || parent.id)) : null,
      // The banner, when there is one, already gives the run's own reason.
      run.error && !why ? field('Error', `${run.error.class}: ${run.error.message}`) : null),
    (queue || exec) ? el('div', { className: 'qe', title: `queue ${duration(queue)} · execution ${duration(exec)}`, 'aria-label': `queue ${duration(queue)}, execution ${duration(exec)}` },
      el('span', { className: 'qe-queue', style: `width:${(100 * queue) / total}%` }),
      el('span', { className: 'qe-exec', style: `width:${(100 * exec) / total}%` })) : null,
    criticalPathLine(run),
    workflowLine(run, workflows),
    compareSection(run, [...runsById.values()], onSelectRun),
    run.violations.length ? el('details', { className: 'violations', open: run.violations.length <= 3 },
      el('summary', {}, `⚑ ${run.violations.length} violation${run.violations.length === 1 ? '' : 's'} of the state machine`),
      el('ul', {}, run.violations.map((v) => el('li', {},
        v.line ? el('span', { className: 'muted' }, `line ${v.line}: `) : null,
        `${v.event}: ${v.message}`)))) : null);
}
