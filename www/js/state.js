// View state, kept in the URL hash so a link reproduces the view:
// #run=<id>&step=<id>&status=<filter>&q=<text>&zoom=<from>,<to>&crit=1
// &thr=<seconds> (zoom in milliseconds relative to the run's start; thr is the
// slow-step threshold).

const KEYS = ['run', 'step', 'status', 'q', 'zoom', 'crit', 'abs', 'thr'];

export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state = {};
  for (const k of KEYS) {
    const v = params.get(k);
    if (v !== null && v !== '') state[k] = v;
  }
  if (state.zoom) {
    const [a, b] = state.zoom.split(',').map(Number);
    state.zoom = Number.isFinite(a) && Number.isFinite(b) && b > a ? [a, b] : undefined;
  }
  state.crit = state.crit === '1';
  state.abs = state.abs === '1';
  return state;
}

export function writeHash(state) {
  const params = new URLSearchParams();
  if (state.run) params.set('run', state.run);
  if (state.step) params.set('step', state.step);
  if (state.status && state.status !== 'all') params.set('status', state.status);
  if (state.q) params.set('q', state.q);
  if (state.zoom) params.set('zoom', state.zoom.map((v) => Math.round(v)).join(','));
  if (state.crit) params.set('crit', '1');
  if (state.abs) params.set('abs', '1');
  if (state.thr) params.set('thr', String(state.thr));
  const next = `#${params.toString()}`;
  if (next !== location.hash) history.replaceState(null, '', `${location.pathname}${location.search}${next}`);
}
