// The demo page: feeds NDJSON events through the browser entry of the package
// and shows the resulting child entries. Every value from the log is rendered
// with textContent, never as HTML.
import { init, TelemetryBridge, version } from './pkg/browser.js';

const $ = (id) => document.getElementById(id);
const DEFAULT_SAMPLE = 'samples/swamp-deploy.ndjson';

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function render(text) {
  const bridge = new TelemetryBridge({
    parentInvocationId: 'demo-parent-invocation',
    version: version(),
    runtimeVersion: 'browser',
    platform: navigator.platform || 'web',
  });
  const result = bridge.observeNdjson(text);
  const lastAt = bridge.lastEventAt;
  const drained = bridge.finalize(undefined, lastAt);
  bridge.free();
  const entries = result.entries.split('\n').filter(Boolean).map((l) => JSON.parse(l)).concat(drained);

  const body = $('entries').tBodies[0];
  body.replaceChildren();
  for (const e of entries) {
    const tr = document.createElement('tr');
    tr.dataset.status = e.result.status;
    const icon = { success: '✓', error: '✗', user_error: '⚠' }[e.result.status];
    tr.append(
      cell(`${icon} ${e.result.status}`, 'status'),
      cell(`${e.workflowContext.workflowName} · ${e.workflowContext.runId}`),
      cell(e.workflowContext.jobName),
      cell(e.workflowContext.stepName),
      cell(e.invocation.args[2]),
      cell(`${e.durationMs} ms`, 'num'),
      cell(e.result.errorMessage ?? ''),
    );
    body.append(tr);
  }
  $('count').textContent = `(${entries.length})`;
  $('ndjson').textContent = entries.map((e) => JSON.stringify(e)).join('\n');
  const errs = $('errors');
  errs.replaceChildren(...result.errors.map((err) => {
    const li = document.createElement('li');
    li.textContent = `line ${err.line}: ${err.message}`;
    return li;
  }));
  $('status').textContent = `${result.accepted} events accepted, ${result.errors.length} rejected, ${entries.length} entries`;
  document.body.dataset.ready = '1';
}

async function load(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const text = await res.text();
  $('events').value = text;
  $('source').textContent = url;
  render(text);
}

await init();
$('run').addEventListener('click', () => { $('source').textContent = 'pasted'; render($('events').value); });
$('file').addEventListener('change', async (ev) => {
  const f = ev.target.files[0];
  if (!f) return;
  const text = await f.text();
  $('events').value = text;
  $('source').textContent = f.name;
  render(text);
});
const src = new URLSearchParams(location.search).get('src');
const target = src && new URL(src, location.href).origin === location.origin ? src : DEFAULT_SAMPLE;
load(target).catch((err) => { $('status').textContent = String(err.message); document.body.dataset.ready = 'error'; });
