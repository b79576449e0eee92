// The "why it failed" banner above a failed run's summary: the first failure
// that was not allowed (in the run or a run it nested), its step, error type,
// class and message, what ran (method, model type, driver, executor, from the
// step's child entry) and the last lines the step wrote, so that the answer
// to "why" is the first thing on screen, not the run's own end reason (a run
// cancelled after a step timed out says "cancelled", the step says why).
// What ran and the output come with the step's details, a moment later.
import { el, withMarkers } from './dom.js';
import { statusIcon } from './format.js';

/** Lines of output shown in the banner; the detail panel shows them all. */
const OUTPUT_SHOWN = 5;

/**
 * The banner for `run`, or null when nothing failed. `failure` is the first
 * failure's `{ key, step, run }` (the run that holds the step); `detail`
 * resolves to the step's held-back fields; `onShow` selects the step.
 */
export function whyBanner(run, failure, { detail, onShow }) {
  const failed = failure && (failure.step.error || failure.step.status === 'failed' || failure.step.status === 'panicked');
  if (!failed && !run.error && run.status !== 'failed') return null;
  if (!failed) {
    // No step to blame: the run's own reason.
    return el('div', { className: 'why', role: 'alert' },
      el('strong', {}, 'Why it failed: '),
      run.error ? withMarkers(`${run.error.class}: ${run.error.message || '(no message)'}`) : 'no failed step and no reason in the log');
  }
  const { step } = failure;
  const err = step.error;
  const where = failure.run.id === run.id ? '' : ` in nested run ${failure.run.name || failure.run.id}`;
  const ran = el('p', { className: 'why-ran muted' });
  const output = el('pre', { className: 'why-output', hidden: true });
  detail(step).then((d) => {
    const entry = d?.telemetry;
    const method = entry?.invocation?.args?.at(-1);
    const bits = entry ? [
      method && `method ${method}`,
      entry.workflowContext?.modelType && `model type ${entry.workflowContext.modelType}`,
      entry.workflowContext?.driver && `driver ${entry.workflowContext.driver}`,
      entry.workflowContext?.executor && `executor ${entry.workflowContext.executor}`,
    ].filter(Boolean) : [];
    ran.textContent = bits.join(' · ');
    const lines = d?.output ?? [];
    if (lines.length) {
      output.replaceChildren(...withMarkers(lines.slice(-OUTPUT_SHOWN).join('\n')));
      output.hidden = false;
    }
  }, () => {});
  return el('div', { className: 'why', role: 'alert' },
    el('div', { className: 'why-head' },
      el('strong', {}, 'Why it failed: '),
      el('button', { type: 'button', className: 'link why-step', onclick: () => onShow(failure.key) },
        `${statusIcon(step.status)} ${step.job ? `${step.job} / ` : ''}${step.name}`),
      where,
      err ? el('span', { className: 'why-type' }, ` · ${err.errorType && err.errorType !== err.class ? `${err.errorType} · ` : ''}${err.class}`) : null),
    el('p', { className: 'why-message' }, withMarkers(err?.message || '(no message)')),
    run.error && run.error.message && run.error.message !== err?.message
      ? el('p', { className: 'muted' }, `then the run: ${run.error.class}: `, withMarkers(run.error.message))
      : null,
    ran,
    output);
}
