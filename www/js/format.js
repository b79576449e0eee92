// Formatting of instants, durations and statuses for the viewer.

export const STATUS = {
  completed: { icon: '✓', label: 'completed' },
  failed: { icon: '✗', label: 'failed' },
  panicked: { icon: '✸', label: 'panicked' },
  cancelled: { icon: '⊘', label: 'cancelled' },
  // A run that never ended: the next run started on its source first.
  abandoned: { icon: '⚠', label: 'abandoned' },
  running: { icon: '▶', label: 'running' },
  retrying: { icon: '↻', label: 'retrying' },
  waiting: { icon: '◌', label: 'waiting' },
  queued: { icon: '⋯', label: 'queued' },
  pending: { icon: '○', label: 'pending' },
  skipped: { icon: '↷', label: 'skipped' },
};

export function statusIcon(status) {
  return (STATUS[status] ?? STATUS.pending).icon;
}

/** The mark of a stalled run (not ended, no event for a while). */
export const STALLED_ICON = '◔';

/** Step statuses that are failures (a panic is one too). */
export const FAILED = new Set(['failed', 'panicked']);

/**
 * What a stalled run shows: `stalled · no event for 16 m 05 s` (since its
 * last event, at `now`), or just `stalled` without a last event.
 */
export function stalledText(run, now = Date.now()) {
  const last = ms(run.lastEventAt);
  return last === undefined ? 'stalled' : `stalled · no event for ${duration(now - last)}`;
}

/** Milliseconds since the epoch, or undefined. */
export function ms(iso) {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/** A duration: `850 ms`, `4.2 s`, `3 m 05 s`, `1 h 02 m`. */
export function duration(msValue) {
  if (msValue === undefined || msValue === null || !Number.isFinite(msValue)) return '—';
  const v = Math.max(0, msValue);
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
  if (v < 3_600_000) {
    const m = Math.floor(v / 60_000);
    return `${m} m ${String(Math.floor((v % 60_000) / 1000)).padStart(2, '0')} s`;
  }
  const h = Math.floor(v / 3_600_000);
  return `${h} h ${String(Math.floor((v % 3_600_000) / 60_000)).padStart(2, '0')} m`;
}

/** A short relative offset for the ruler: `+0`, `+250 ms`, `+1.5 s`, `+2 m`. */
export function offset(msValue, step) {
  if (msValue === 0) return '0';
  const sign = msValue < 0 ? '−' : '+';
  const v = Math.abs(msValue);
  if (step < 1000) return `${sign}${v >= 1000 ? (v / 1000).toFixed(step < 100 ? 2 : 1) + ' s' : Math.round(v) + ' ms'}`;
  if (step < 60_000) return `${sign}${(v / 1000).toFixed(step < 10_000 && v % 1000 ? 1 : 0)} s`;
  if (step < 3_600_000) return `${sign}${(v / 60_000).toFixed(v % 60_000 ? 1 : 0)} m`;
  return `${sign}${(v / 3_600_000).toFixed(v % 3_600_000 ? 1 : 0)} h`;
}

/** An absolute UTC instant with milliseconds: `2026-02-05 10:00:04.250Z`. */
export function instant(iso) {
  if (!iso) return '—';
  return iso.replace('T', ' ');
}

/** The UTC time of day only: `10:00:04.250`. */
export function clock(msValue) {
  return new Date(msValue).toISOString().slice(11, 23);
}

/** A "nice" tick step (1, 2 or 5 × 10^k ms) giving ticks about `px` pixels apart. */
export function niceStep(spanMs, widthPx, px = 110) {
  const raw = Math.max(1, (spanMs / Math.max(1, widthPx)) * px);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * pow) return m * pow;
  return 10 * pow;
}
