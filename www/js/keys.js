// The key help (`?`): every key the viewer answers, in a modal dialog that
// Escape (the dialog's own) or `?` again closes.
import { el } from './dom.js';

const KEYS = [
  ['n', 'next failure: in this run, then in the next run that has one'],
  ['/', 'search runs: names, ids, correlation ids, step names, error text'],
  ['t', 'focus the timeline'],
  ['↑ ↓ Home End', 'in the timeline: move between steps'],
  ['← → Enter', 'in the timeline: fold and unfold a group, or pan'],
  ['+ − 0', 'in the timeline: zoom in, zoom out, fit the run'],
  ['c', 'highlight the critical path'],
  ['?', 'this help'],
];

let dialog;

export function toggleKeyHelp() {
  if (dialog?.open) {
    dialog.close();
    return;
  }
  if (!dialog) {
    dialog = el('dialog', { id: 'key-help', 'aria-labelledby': 'key-help-title' },
      el('h2', { id: 'key-help-title' }, 'Keys'),
      el('dl', { className: 'keys' }, KEYS.map(([k, what]) => [el('dt', {}, el('kbd', {}, k)), el('dd', {}, what)])),
      el('form', { method: 'dialog' }, el('button', { type: 'submit' }, 'Close')));
    dialog.addEventListener('keydown', (e) => {
      if (e.key === '?') {
        e.preventDefault();
        dialog.close();
      }
    });
    document.body.append(dialog);
  }
  dialog.showModal();
}
