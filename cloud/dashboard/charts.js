// Small SVG charts: time series lines with min-max bands, shaded periods, and a hover readout.
// (No charting library is bundled; these cover what the vehicle page needs.)
import { s } from './dom.js';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const PERIOD_FILL = { offline: '#fecaca', connecting: '#fde68a', paused: '#bfdbfe', silent: '#e5e7eb' };

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

const TIME_STEPS = [1, 5, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((x) => x * 1000);

function timeTicks(from, to, target = 6) {
  const step = TIME_STEPS.find((st) => (to - from) / st <= target) ?? TIME_STEPS[TIME_STEPS.length - 1];
  // Align to local midnight-based steps so ticks land on round clock times.
  const offset = new Date(from).getTimezoneOffset() * 60_000;
  const first = Math.ceil((from - offset) / step) * step + offset;
  const out = [];
  for (let t = first; t <= to; t += step) out.push(t);
  return { ticks: out, step };
}

function timeLabel(t, step) {
  const d = new Date(t);
  if (step >= 86_400_000) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (step >= 60_000) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

const fmt = (v) => (Math.abs(v) >= 1000 ? v.toLocaleString(undefined, { maximumFractionDigits: 0 }) : Number(v.toFixed(2)).toString());

/**
 * series: [{ name, points: [{ t, v, min?, max? }], step?: boolean }]
 * opts: { from, to, height, unit, periods: [{ kind, fromMs, toMs }], yMin }
 */
export function timeChart(series, opts) {
  const W = 800;
  const H = opts.height ?? 220;
  const m = { l: 56, r: 12, t: 12, b: 26 };
  const from = opts.from;
  const to = opts.to;
  const values = series.flatMap((se) => se.points.flatMap((p) => [p.v, p.min ?? p.v, p.max ?? p.v])).filter((v) => Number.isFinite(v));
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  if (opts.yMin !== undefined) lo = Math.min(lo, opts.yMin);
  if (hi === lo) {
    hi += 1;
    lo -= lo === 0 ? 0 : 1;
  }
  const yStep = niceStep(hi - lo, 4);
  lo = Math.floor(lo / yStep) * yStep;
  hi = Math.ceil(hi / yStep) * yStep;
  const x = (t) => m.l + ((t - from) / (to - from)) * (W - m.l - m.r);
  const y = (v) => H - m.b - ((v - lo) / (hi - lo)) * (H - m.t - m.b);

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': opts.label ?? series.map((se) => se.name).join(', ') });
  for (const p of opts.periods ?? []) {
    const x0 = Math.max(m.l, x(p.fromMs));
    const x1 = Math.min(W - m.r, x(p.toMs));
    if (x1 <= m.l || x0 >= W - m.r) continue;
    svg.append(s('rect', { x: x0, y: m.t, width: Math.max(2, x1 - x0), height: H - m.t - m.b, fill: PERIOD_FILL[p.kind] ?? '#eee', class: `period period-${p.kind}` }, s('title', {}, p.kind)));
  }
  for (let v = lo; v <= hi + yStep / 2; v += yStep) {
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(s('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  const { ticks, step } = timeTicks(from, to);
  for (const t of ticks) {
    svg.append(s('line', { x1: x(t), x2: x(t), y1: H - m.b, y2: H - m.b + 4, class: 'axis' }));
    svg.append(s('text', { x: x(t), y: H - 8, 'text-anchor': 'middle', class: 'tick' }, timeLabel(t, step)));
  }
  svg.append(s('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis' }));
  if (opts.unit) svg.append(s('text', { x: 4, y: m.t + 4, class: 'tick unit' }, opts.unit));

  series.forEach((se, i) => {
    const color = se.color ?? PALETTE[i % PALETTE.length];
    const pts = se.points.filter((p) => Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
    if (pts.length === 0) return;
    if (pts.some((p) => p.min !== undefined && p.max !== undefined && p.min !== p.max)) {
      const top = pts.map((p) => `${x(p.t)},${y(p.max ?? p.v)}`);
      const bottom = pts.map((p) => `${x(p.t)},${y(p.min ?? p.v)}`).reverse();
      svg.append(s('polygon', { points: [...top, ...bottom].join(' '), fill: color, 'fill-opacity': 0.12, stroke: 'none' }));
    }
    let d = '';
    pts.forEach((p, k) => {
      if (k === 0) d += `M${x(p.t)},${y(p.v)}`;
      else if (se.step) d += `H${x(p.t)}V${y(p.v)}`;
      else d += `L${x(p.t)},${y(p.v)}`;
    });
    svg.append(s('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.6, class: 'line', 'data-series': se.name }));
    if (pts.length === 1) svg.append(s('circle', { cx: x(pts[0].t), cy: y(pts[0].v), r: 3, fill: color }));
  });

  // Hover readout: a cursor line and the nearest value of each series.
  const cursor = s('line', { y1: m.t, y2: H - m.b, class: 'cursor', visibility: 'hidden' });
  const readout = s('text', { x: m.l + 6, y: m.t + 14, class: 'readout' });
  svg.append(cursor, readout);
  svg.addEventListener('mousemove', (ev) => {
    const box = svg.getBoundingClientRect();
    const px = ((ev.clientX - box.left) / box.width) * W;
    if (px < m.l || px > W - m.r) return;
    const t = from + ((px - m.l) / (W - m.l - m.r)) * (to - from);
    cursor.setAttribute('x1', String(px));
    cursor.setAttribute('x2', String(px));
    cursor.setAttribute('visibility', 'visible');
    const parts = series.map((se) => {
      let best = null;
      for (const p of se.points) if (best === null || Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
      return best ? `${se.name} ${fmt(best.v)}` : null;
    });
    readout.textContent = `${new Date(t).toLocaleTimeString()}  ${parts.filter(Boolean).join('  ')}`;
  });
  svg.addEventListener('mouseleave', () => {
    cursor.setAttribute('visibility', 'hidden');
    readout.textContent = '';
  });
  return svg;
}

/** A legend for the series of a chart. */
export function legend(names) {
  return s(
    'svg',
    { viewBox: `0 0 ${names.length * 170} 18`, class: 'legend' },
    names.map((n, i) => [
      s('rect', { x: i * 170, y: 4, width: 12, height: 10, fill: PALETTE[i % PALETTE.length] }),
      s('text', { x: i * 170 + 16, y: 13, class: 'tick' }, n),
    ]),
  );
}
