// The detail panel of the selected step: error first, then timing, attempts,
// the step's last output lines, what ran (method, model type, driver,
// executor), transitions, the redacted child telemetry entry, inputs and
// results.
// Redaction markers are shown as highlighted marks. The last four may come
// from the worker a moment later (details.js): a placeholder holds their place
// until `showDetails` replaces it, so the rest of the panel is not redrawn.
import { el, fill, withMarkers } from './dom.js';
import { duration, instant, ms, statusIcon } from './format.js';

function section(title, ...body) {
  return el('section', { className: 'd-section' }, el('h3', {}, title), ...body);
}

function json(value) {
  return el('pre', { className: 'json' }, withMarkers(JSON.stringify(value, null, 2)));
}

function rel(iso, originMs) {
  const t = ms(iso);
  return t === undefined || originMs === undefined ? '' : ` (+${duration(t - originMs)})`;
}

/** Time since the run's start, `+4.71 s`, with the absolute instant as a tooltip. */
function since(iso, originMs) {
  const t = ms(iso);
  if (t === undefined) return el('td', {}, '—');
  return el('td', { title: instant(iso) }, originMs === undefined ? instant(iso) : `+${duration(t - originMs)}`);
}

function transitions(list, originMs) {
  return section(`Transitions (${list.length})`, el('table', { className: 'mini' },
    el('thead', {}, el('tr', {}, el('th', {}, 'From → to'), el('th', {}, 'Event'), el('th', {}, 'At'), el('th', {}, 'In previous'))),
    el('tbody', {}, list.map((t) => el('tr', {},
      el('td', {}, `${t.from ?? '∅'} → ${t.to}`),
      el('td', {}, t.event),
      since(t.at, originMs),
      el('td', {}, t.inPreviousMs === undefined ? '' : duration(t.inPreviousMs)))))));
}

/** What ran, from the step's child entry: method, model type, driver, executor. */
function ran(entry) {
  const w = entry.workflowContext ?? {};
  const fields = [['Method', entry.invocation.args.at(-1)], ['Model type', w.modelType], ['Driver', w.driver], ['Executor', w.executor]];
  return section('Ran', el('dl', { className: 'fields' },
    fields.filter(([, v]) => v).map(([k, v]) => el('div', { className: 'field' }, el('dt', {}, k), el('dd', {}, withMarkers(v))))));
}

/** The output, what ran, transitions, child telemetry entry, inputs and results sections of `step`. */
function detailSections(step, originMs) {
  return [
    step.output?.length ? section(`Output (last ${step.output.length} lines, redacted)`, el('pre', { className: 'output' }, withMarkers(step.output.join('\n')))) : null,
    step.telemetry ? ran(step.telemetry) : null,
    transitions(step.transitions ?? [], originMs),
    step.telemetry ? section('Child telemetry entry (redacted)', json(step.telemetry)) : null,
    step.inputs !== undefined ? section('Inputs (redacted)', json(step.inputs)) : null,
    step.results !== undefined ? section('Results (redacted)', json(step.results)) : null,
  ].filter(Boolean);
}

/** Fills the placeholder a `pending` render left with the sections of `step` (with its details). */
export function showDetails(node, step, originMs) {
  node.querySelector('.d-pending')?.replaceWith(...detailSections(step, originMs));
}

/** Renders `step` of `run` into `node`; `pending`: its details are still on their way. */
export function renderDetail(node, run, step, originMs, { pending = false } = {}) {
  if (!run || !step) {
    fill(node, el('p', { className: 'empty' }, 'Select a step to see its details.'));
    return;
  }
  const failedAttempt = step.error ? undefined : [...step.attempts].reverse().find((a) => a.error);
  const err = step.error ?? failedAttempt?.error;
  fill(node,
    el('div', { className: 'd-head' },
      el('span', { className: `badge status-${step.status}` }, `${statusIcon(step.status)} ${step.status}`),
      el('h2', { id: 'detail-title' }, step.name),
      step.job ? el('span', { className: 'muted' }, `job ${step.job}`) : null,
      step.critical ? el('span', { className: 'chip chip-crit' }, 'critical path') : null,
      step.overThreshold ? el('span', { className: 'chip chip-warn' }, '◷ over threshold') : null),
    err ? el('div', { className: 'error-box', role: 'alert' },
      el('strong', {}, failedAttempt ? `attempt ${failedAttempt.number} failed · ` : '', err.errorType ? `${err.errorType} · ${err.class}` : err.class),
      err.allowed ? el('span', { className: 'chip' }, 'allowed failure') : null,
      el('p', {}, withMarkers(err.message || '(no message)'))) : null,
    section('Timing', el('dl', { className: 'fields' },
      el('div', { className: 'field' }, el('dt', {}, 'Started'), el('dd', {}, instant(step.startedAt) + rel(step.startedAt, originMs))),
      el('div', { className: 'field' }, el('dt', {}, 'Ended'), el('dd', {}, instant(step.endedAt) + rel(step.endedAt, originMs))),
      el('div', { className: 'field' }, el('dt', {}, 'Duration'), el('dd', {}, duration(step.durationMs))),
      el('div', { className: 'field' }, el('dt', {}, 'State'), el('dd', {}, step.state)),
      step.dependsOn?.length ? el('div', { className: 'field' }, el('dt', {}, 'Depends on'), el('dd', {}, step.dependsOn.join(', '))) : null,
      step.childRun ? el('div', { className: 'field' }, el('dt', {}, 'Nested run'), el('dd', {}, step.childRun)) : null)),
    section(`Attempts (${step.attempts.length})`, step.attempts.length ? el('table', { className: 'mini' },
      el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'Status'), el('th', {}, 'Start'), el('th', {}, 'Duration'), el('th', {}, 'Error'))),
      el('tbody', {}, step.attempts.map((a) => el('tr', {},
        el('td', {}, String(a.number)),
        el('td', { className: `status-${a.status}` }, `${statusIcon(a.status)} ${a.status}`),
        since(a.startedAt, originMs),
        el('td', {}, duration(a.durationMs)),
        el('td', {}, a.error ? withMarkers(a.error.message) : ''))))) : el('p', { className: 'muted' }, 'none')),
    pending ? el('p', { className: 'muted d-pending' }, 'Loading the output, transitions and the telemetry entry…') : detailSections(step, originMs));
}
