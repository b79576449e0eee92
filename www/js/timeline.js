// The Gantt/waterfall timeline of one run: a row per step (grouped under their
// job, nested runs indented under the workflow step that ran them), bars on a
// shared time axis with a ruler, zoom and pan (wheel, drag, keyboard),
// expand/collapse, critical path highlight and threshold marks. Rows are
// virtualised: only the rows in view exist in the DOM, so a 10,000-step run
// scrolls and zooms smoothly.
import { el, fill } from './dom.js';
import { clock, duration, ms, niceStep, offset, statusIcon } from './format.js';

export const ROW_HEIGHT = 28;
const OVERSCAN = 12;
const WORST = ['panicked', 'failed', 'cancelled', 'running', 'retrying', 'queued', 'pending', 'skipped', 'completed'];

function worst(statuses) {
  for (const s of WORST) if (statuses.includes(s)) return s;
  return 'pending';
}

/** Start and end (epoch ms) of a step; running steps end at start + duration. */
function span(step) {
  const start = ms(step.startedAt) ?? ms(step.queuedAt) ?? ms(step.endedAt);
  if (start === undefined) return undefined;
  const end = ms(step.endedAt) ?? (step.durationMs !== undefined ? start + step.durationMs : start);
  return [start, Math.max(start, end)];
}

/** Flattens a run into rows, honouring collapsed groups. */
export function buildRows(run, runsById, collapsed) {
  const rows = [];
  const seen = new Set();
  const addRun = (r, depth, parentKey) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    const byJob = new Map();
    // Steps that name a job are grouped under it (swamp jobs, GitHub
    // Actions jobs), whatever the dialect; steps without one are not.
    const grouped = r.steps.some((s) => s.job);
    for (const s of r.steps) {
      if (!byJob.has(s.job)) byJob.set(s.job, []);
      byJob.get(s.job).push(s);
    }
    const addStep = (s, d) => {
      const key = `${r.id}|${s.id}`;
      const child = s.childRun && runsById.get(s.childRun);
      rows.push({ key, depth: d, step: s, run: r, kind: 'step', hasChildren: Boolean(child), expanded: child ? !collapsed.has(key) : undefined, parentKey });
      if (child && !collapsed.has(key)) addRun(child, d + 1, key);
    };
    if (!grouped) {
      for (const s of r.steps) addStep(s, depth);
      return;
    }
    for (const [job, steps] of byJob) {
      const key = `${r.id}|job:${job}`;
      const spans = steps.map(span).filter(Boolean);
      const allowedOnly = steps.every((s) => s.status !== 'failed' || s.error?.allowed);
      const status = worst(steps.map((s) => (s.status === 'failed' && s.error?.allowed ? 'completed' : s.status)));
      rows.push({
        key, depth, kind: 'job', run: r, job, steps, hasChildren: true, expanded: !collapsed.has(key),
        status: status === 'completed' && !allowedOnly ? 'failed' : status,
        span: spans.length ? [Math.min(...spans.map((x) => x[0])), Math.max(...spans.map((x) => x[1]))] : undefined,
      });
      if (!collapsed.has(key)) for (const s of steps) addStep(s, depth + 1);
    }
  };
  addRun(run, 0, undefined);
  return rows;
}

/** The run's time range (epoch ms), including nested runs. */
export function runRange(run, runsById) {
  let lo = ms(run.queuedAt) ?? ms(run.startedAt);
  let hi = ms(run.endedAt);
  const visit = (r, seen) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    for (const s of r.steps) {
      const sp = span(s);
      if (sp) {
        lo = lo === undefined ? sp[0] : Math.min(lo, sp[0]);
        hi = hi === undefined ? sp[1] : Math.max(hi, sp[1]);
      }
      const child = s.childRun && runsById.get(s.childRun);
      if (child) visit(child, seen);
    }
  };
  visit(run, new Set());
  if (lo === undefined) return undefined;
  if (hi === undefined || hi <= lo) hi = lo + 1;
  return [lo, hi];
}

export class Timeline {
  constructor(root, { onSelect, onToggle, onZoom }) {
    this.root = root;
    this.onSelect = onSelect;
    this.onToggle = onToggle;
    this.onZoom = onZoom;
    this.rows = [];
    this.view = [0, 1];
    this.origin = 0;
    this.selected = undefined;
    this.critical = false;
    /** The runs filter's text: steps it matches (name, id, error) are highlighted. */
    this.query = '';
    this.absolute = false;
    this.rulerLabel = el('div', { className: 'tl-ruler-label' });
    this.rulerTrack = el('div', { className: 'tl-ruler-track' });
    this.ruler = el('div', { className: 'tl-ruler', 'aria-hidden': 'true' }, this.rulerLabel, this.rulerTrack);
    this.rowsNode = el('div', { className: 'tl-rows' });
    this.spacer = el('div', { className: 'tl-spacer' }, this.rowsNode);
    this.scroller = el('div', {
      className: 'tl-scroll', tabindex: 0, role: 'tree', 'aria-label': 'Steps of the run on a time axis',
    }, this.spacer);
    fill(root, this.ruler, this.scroller);
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('keydown', (e) => this.key(e));
    this.scroller.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    this.ruler.addEventListener('wheel', (e) => this.wheel(e, true), { passive: false });
    this.scroller.addEventListener('pointerdown', (e) => this.dragStart(e));
    // Sizes are taken from the observer, after layout, so rendering never
    // forces a synchronous layout just to measure (reading offsetWidth right
    // after replacing rows would, on every zoom step).
    this.size = { width: 0, height: 0, label: 0 };
    const sizes = new ResizeObserver((entries) => {
      for (const e of entries) {
        if (e.target === this.scroller) {
          this.size.width = Math.round(e.contentRect.width);
          this.size.height = Math.round(e.contentRect.height);
        } else if (e.target === this.rulerLabel) {
          this.size.label = Math.round(e.borderBoxSize?.[0]?.inlineSize ?? e.target.offsetWidth);
        }
      }
      this.schedule();
    });
    sizes.observe(root);
    sizes.observe(this.scroller);
    sizes.observe(this.rulerLabel, { box: 'border-box' });
  }

  /** Shows a run. `zoom` is [from, to] in ms relative to the run's start. */
  setRun(run, runsById, collapsed, zoom) {
    this.run = run;
    this.runsById = runsById;
    this.collapsed = collapsed;
    const range = run ? runRange(run, runsById) : undefined;
    this.origin = range ? range[0] : 0;
    this.span = range ? range[1] - range[0] : 1;
    this.rows = run ? buildRows(run, runsById, collapsed) : [];
    this.view = zoom ?? this.fitView();
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    this.render();
  }

  refreshRows() {
    this.rows = this.run ? buildRows(this.run, this.runsById, this.collapsed) : [];
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    this.render();
  }

  fitView() {
    const pad = this.span * 0.02;
    return [-pad, this.span + pad];
  }

  setZoom(view, notify = true) {
    const [a, b] = view;
    const width = Math.max(1, b - a);
    const min = 1; // 1 ms is the finest zoom
    const w = Math.max(min, Math.min(width, this.span * 50 + 1000));
    const mid = (a + b) / 2;
    this.view = width === w ? [a, b] : [mid - w / 2, mid + w / 2];
    this.render();
    if (notify) this.onZoom?.(this.view);
  }

  zoomBy(factor, anchorFraction = 0.5) {
    const [a, b] = this.view;
    const anchor = a + (b - a) * anchorFraction;
    this.setZoom([anchor - (anchor - a) * factor, anchor + (b - anchor) * factor]);
  }

  panBy(fraction) {
    const [a, b] = this.view;
    const d = (b - a) * fraction;
    this.setZoom([a + d, b + d]);
  }

  select(key, { scroll = true } = {}) {
    this.selected = key;
    const i = this.rows.findIndex((r) => r.key === key);
    if (i >= 0 && scroll) {
      const top = i * ROW_HEIGHT;
      const h = this.size.height || this.scroller.clientHeight || 400;
      if (top < this.scroller.scrollTop || top + ROW_HEIGHT > this.scroller.scrollTop + h) {
        this.scroller.scrollTop = Math.max(0, top - h / 3);
      }
    }
    this.render();
  }

  schedule() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  trackWidth() {
    const total = this.size.width || this.scroller.clientWidth || 800;
    // The ruler's label column has the rows' label width (both var(--label)).
    const label = this.size.label || this.rowsNode.querySelector('.tl-label')?.offsetWidth || 300;
    return Math.max(100, total - label);
  }

  x(t) {
    const [a, b] = this.view;
    return ((t - this.origin - a) / (b - a)) * 100;
  }

  render() {
    // Read before writing: scrollTop after a DOM change would force a layout.
    const top = this.scroller.scrollTop;
    const h = this.size.height || this.scroller.clientHeight || 600;
    this.renderRuler();
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + h) / ROW_HEIGHT) + OVERSCAN);
    const shown = this.shown;
    if (shown && shown.rows === this.rows && shown.first === first && shown.last === last && shown.selected === this.selected) {
      // The same rows (a zoom, a pan, a scroll within a row): only the time
      // axis may have moved. Redraw the tracks and keep the labels, which
      // spares restyling and re-laying out their text on every zoom step.
      if (shown.view !== this.view) {
        const nodes = this.rowsNode.children;
        for (let k = 0; k < nodes.length; k++) nodes[k].lastChild.replaceWith(this.renderTrack(this.rows[first + k]));
        shown.view = this.view;
      }
    } else {
      this.rowsNode.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
      const nodes = [];
      for (let i = first; i < last; i++) nodes.push(this.renderRow(this.rows[i], i));
      this.rowsNode.replaceChildren(...nodes);
      this.shown = { rows: this.rows, first, last, selected: this.selected, view: this.view };
    }
    const sel = this.rows.findIndex((r) => r.key === this.selected);
    if (sel >= 0) this.scroller.setAttribute('aria-activedescendant', `row-${sel}`);
    else this.scroller.removeAttribute('aria-activedescendant');
    this.root.classList.toggle('show-critical', this.critical);
  }

  renderRuler() {
    const width = this.trackWidth();
    const [a, b] = this.view;
    const step = niceStep(b - a, width);
    const ticks = [];
    for (let t = Math.ceil(a / step) * step; t <= b; t += step) {
      const left = ((t - a) / (b - a)) * 100;
      const label = this.absolute ? clock(this.origin + t) : offset(t, step);
      ticks.push(el('span', { className: 'tick', style: `left:${left}%` }, label));
    }
    this.rulerLabel.textContent = this.run ? `${this.absolute ? 'UTC' : 'from'} ${new Date(this.origin).toISOString().replace('T', ' ').slice(0, 23)}` : '';
    fill(this.rulerTrack, ticks);
  }

  renderRow(row, index) {
    const selected = row.key === this.selected;
    const status = row.kind === 'job' ? row.status : row.step.status;
    const label = el('div', { className: 'tl-label', style: `padding-left:${8 + row.depth * 16}px` },
      row.hasChildren
        ? el('button', {
          type: 'button', className: 'toggle', tabindex: -1, 'aria-label': row.expanded ? 'collapse' : 'expand',
          onclick: (e) => { e.stopPropagation(); this.onToggle?.(row.key); },
        }, row.expanded ? '▾' : '▸')
        : el('span', { className: 'toggle-space' }),
      el('span', { className: `icon status-${status}`, title: status, 'aria-label': status }, statusIcon(status)),
      row.kind === 'job'
        ? el('span', { className: 'name job-name', title: row.job }, row.job, el('span', { className: 'muted' }, ` · ${row.steps.length}`))
        : el('span', { className: 'name', title: row.step.name }, row.step.name),
      row.kind === 'step' && row.step.attempts.length > 1
        ? el('span', { className: 'attempts-count', title: `${row.step.attempts.length} attempts` }, ` ×${row.step.attempts.length}`)
        : null,
      row.kind === 'step' && row.step.overThreshold ? el('span', { className: 'thresh', title: 'over threshold' }, '◷') : null,
      row.kind === 'step' && row.step.error?.allowed ? el('span', { className: 'muted', title: 'allowed failure' }, ' (allowed)') : null);
    return el('div', {
      id: `row-${index}`,
      className: `tl-row kind-${row.kind}${selected ? ' selected' : ''}${row.step?.critical ? ' is-critical' : ''}${this.matches(row) ? ' match' : ''}`,
      role: 'treeitem',
      'aria-level': row.depth + 1,
      'aria-selected': selected ? 'true' : 'false',
      'aria-expanded': row.hasChildren ? String(row.expanded) : undefined,
      'data-key': row.key,
      'data-status': status,
      onclick: () => this.onSelect?.(row.key),
    }, label, this.renderTrack(row));
  }

  /** Whether the filter's text is in a step row's name, id, or error type or message. */
  matches(row) {
    if (!this.query || row.kind !== 'step') return false;
    const q = this.query.toLowerCase();
    const s = row.step;
    return [s.name, s.id, s.error?.message, s.error?.errorType].some((h) => h?.toLowerCase().includes(q));
  }

  /** A row's bars and duration label, placed for the current view (the row's last child). */
  renderTrack(row) {
    const track = el('div', { className: 'tl-track' });
    if (row.kind === 'job') {
      if (row.span) track.append(this.bar(row.span, row.status, 'job-bar'));
    } else {
      const s = row.step;
      const attempts = s.attempts.filter((a) => ms(a.startedAt) !== undefined);
      if (attempts.length > 1) {
        for (const a of attempts) {
          const st = ms(a.startedAt);
          const en = ms(a.endedAt) ?? (a.durationMs !== undefined ? st + a.durationMs : st);
          track.append(this.bar([st, en], a.status, `attempt${s.critical ? ' critical' : ''}`, `attempt ${a.number}: ${a.status}, ${duration(a.durationMs ?? en - st)}`));
        }
      } else {
        const sp = span(s);
        if (sp) track.append(this.bar(sp, s.status, `${s.critical ? 'critical' : ''}${s.overThreshold ? ' over' : ''}`));
      }
      const sp = span(s);
      if (sp) {
        const left = this.x(sp[0]);
        const right = this.x(sp[1]);
        // The label goes after the bar, or before it when the bar ends near the edge.
        let style = `left:calc(${right}% + 4px)`;
        // With no room either side it sits on the bar: at its start for a
        // retried step, so that the last attempt's bar stays visible.
        if (right > 88) style = left > 12 ? `right:calc(${100 - left}% + 4px)` : attempts.length > 1 ? 'left:4px' : 'right:4px';
        track.append(el('span', { className: `tl-dur${right > 88 && left <= 12 ? ' on-bar' : ''}`, style }, duration(s.durationMs ?? sp[1] - sp[0])));
      }
    }
    return track;
  }

  bar([start, end], status, extra, title) {
    const left = this.x(start);
    const width = Math.max(0, this.x(end) - left);
    return el('span', {
      className: `bar status-${status} ${extra ?? ''}`,
      style: `left:${left}%;width:${width}%`,
      title: title ?? `${status}: ${clock(start)} → ${clock(end)} (${duration(end - start)})`,
    });
  }

  key(e) {
    const i = this.rows.findIndex((r) => r.key === this.selected);
    const go = (j) => {
      if (this.rows.length === 0) return;
      const k = Math.max(0, Math.min(this.rows.length - 1, j));
      this.onSelect?.(this.rows[k].key);
    };
    const pageRows = Math.max(1, Math.floor((this.size.height || this.scroller.clientHeight || 300) / ROW_HEIGHT) - 1);
    const handled = {
      ArrowDown: () => go(i + 1), ArrowUp: () => go(i < 0 ? 0 : i - 1), Home: () => go(0), End: () => go(this.rows.length - 1),
      PageDown: () => go(i + pageRows), PageUp: () => go(i - pageRows),
      ArrowLeft: () => { const r = this.rows[i]; if (r?.hasChildren && r.expanded && !e.shiftKey) this.onToggle?.(r.key); else this.panBy(-0.2); },
      ArrowRight: () => { const r = this.rows[i]; if (r?.hasChildren && !r.expanded && !e.shiftKey) this.onToggle?.(r.key); else this.panBy(0.2); },
      Enter: () => { const r = this.rows[i]; if (r?.hasChildren) this.onToggle?.(r.key); },
      ' ': () => { const r = this.rows[i]; if (r?.hasChildren) this.onToggle?.(r.key); },
      '+': () => this.zoomBy(0.5), '=': () => this.zoomBy(0.5), '-': () => this.zoomBy(2), _: () => this.zoomBy(2),
      0: () => this.setZoom(this.fitView()),
    }[e.key];
    if (handled && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      handled();
    }
  }

  wheel(e, onRuler = false) {
    const trackLeft = (this.rowsNode.querySelector('.tl-track') ?? this.ruler.lastChild)?.getBoundingClientRect();
    const fraction = trackLeft && trackLeft.width ? Math.min(1, Math.max(0, (e.clientX - trackLeft.left) / trackLeft.width)) : 0.5;
    if (e.ctrlKey || e.metaKey || e.altKey || onRuler) {
      e.preventDefault();
      this.zoomBy(e.deltaY > 0 ? 1.25 : 0.8, fraction);
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      this.panBy((e.shiftKey ? e.deltaY : e.deltaX) / 800);
    }
  }

  dragStart(e) {
    if (e.button !== 0 || !e.target.closest('.tl-track')) return;
    const startX = e.clientX;
    const startView = this.view;
    const width = this.trackWidth();
    let moved = false;
    const move = (ev) => {
      const dx = ev.clientX - startX;
      if (!moved && Math.abs(dx) < 4) return;
      moved = true;
      const d = (-dx / width) * (startView[1] - startView[0]);
      this.setZoom([startView[0] + d, startView[1] + d], false);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (moved) {
        this.onZoom?.(this.view);
        // Swallow the click that ends a drag, so a pan does not change selection.
        window.addEventListener('click', (ce) => ce.stopPropagation(), { capture: true, once: true });
      }
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }
}
