// Time-series charts drawn by uPlot (served by this service under /vendor/uplot/, never from a CDN): lines with
// min-max bands, shaded periods, and uPlot's cursor and live legend.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const PERIOD_FILL = { offline: '#fecaca', connecting: '#fde68a', paused: '#bfdbfe', silent: '#e5e7eb' };

const fmt = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 1000 ? v.toLocaleString(undefined, { maximumFractionDigits: 0 }) : Number(v.toFixed(2)).toString());

/** Periods are painted under the grid and the lines, clipped to the plot area. */
function shadePeriods(periods) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    for (const p of periods) {
      const x0 = Math.max(bbox.left, u.valToPos(p.fromMs, 'x', true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(p.toMs, 'x', true));
      if (x1 <= bbox.left || x0 >= bbox.left + bbox.width) continue;
      ctx.fillStyle = PERIOD_FILL[p.kind] ?? '#eeeeee';
      ctx.fillRect(x0, bbox.top, Math.max(2 * uPlot.pxRatio, x1 - x0), bbox.height);
    }
    ctx.restore();
  };
}

/**
 * series: [{ name, points: [{ t, v, min?, max? }], step?: boolean, color? }]
 * opts: { from, to, height, unit, periods: [{ kind, fromMs, toMs }], yMin, label }
 * Returns a div (class "chart", with an aria-label) holding the uPlot chart; it follows its container's width.
 */
export function timeChart(series, opts) {
  const height = opts.height ?? 220;
  const periods = opts.periods ?? [];
  const tables = [];
  const uSeries = [{}];
  const bands = [];
  series.forEach((se, i) => {
    const color = se.color ?? PALETTE[i % PALETTE.length];
    const pts = se.points.filter((p) => Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
    const banded = pts.some((p) => p.min !== undefined && p.max !== undefined && p.min !== p.max);
    const table = [pts.map((p) => p.t), pts.map((p) => p.v)];
    const line = { label: se.name, stroke: color, width: 1.6, spanGaps: true, value: (_u, v) => fmt(v) };
    if (se.step) line.paths = uPlot.paths.stepped({ align: 1 });
    uSeries.push(line);
    if (banded) {
      table.push(pts.map((p) => p.max ?? p.v), pts.map((p) => p.min ?? p.v));
      const at = uSeries.length;
      const edge = (label) => ({ label, stroke: `${color}55`, width: 0.5, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v) });
      uSeries.push(edge(`${se.name} max`), edge(`${se.name} min`));
      bands.push({ series: [at, at + 1], fill: `${color}1f` });
    }
    tables.push(table);
  });
  // One x array for all series; a series without a value at a time gets null there (spanGaps draws across).
  const data = tables.length ? uPlot.join(tables) : [[]];

  const el = h('div', { class: 'chart', role: 'img', 'aria-label': opts.label ?? series.map((se) => se.name).join(', '), 'data-periods': periods.map((p) => p.kind).join(' ') });
  const yRange = (_u, lo, hi) => {
    let min = Number.isFinite(lo) ? lo : 0;
    let max = Number.isFinite(hi) ? hi : 1;
    if (opts.yMin !== undefined) min = Math.min(min, opts.yMin);
    if (max === min) max = min + 1;
    const [a, b] = uPlot.rangeNum(min, max, 0.1, true);
    return [opts.yMin !== undefined ? Math.max(a, Math.min(min, opts.yMin)) : a, b];
  };
  const chart = new uPlot(
    {
      width: 800,
      height,
      ms: 1, // timestamps are epoch milliseconds
      series: uSeries,
      bands,
      scales: { x: { time: true, range: () => [opts.from, opts.to] }, y: { range: yRange } },
      axes: [{ stroke: '#6b7280', grid: { stroke: '#eef0f3' } }, { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, size: 56, label: opts.unit, labelSize: opts.unit ? 18 : 0, values: (_u, ticks) => ticks.map(fmt) }],
      cursor: { drag: { x: false, y: false } },
      hooks: periods.length ? { drawClear: [shadePeriods(periods)] } : {},
    },
    data,
    el,
  );
  // Follow the container's width (known only once the chart is in the page).
  let shown = false;
  const resize = new ResizeObserver(() => {
    if (!el.isConnected) {
      if (shown) resize.disconnect(); // the page moved on
      return;
    }
    shown = true;
    const width = Math.floor(el.clientWidth);
    if (width > 0 && width !== chart.width) chart.setSize({ width, height });
  });
  resize.observe(el);
  return el;
}
