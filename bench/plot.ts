/**
 * Log-log line charts as standalone SVG (no plotting library): time against work for the scaling figures. On
 * log-log axes a power law is a straight line whose slope is the exponent, so linear growth shows as slope 1.
 */

export interface Series {
  name: string;
  points: Array<[x: number, y: number]>;
  /** Reference lines (e.g. "linear from 1x") are drawn dashed. */
  dashed?: boolean;
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** A line under the title, e.g. the machine. */
  subtitle?: string;
}

const W = 640;
const H = 400;
const M = { left: 72, right: 24, top: 56, bottom: 84 };
const COLORS = ['#1f6feb', '#8250df', '#cf222e', '#1a7f37', '#9a6700'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return String(+n.toPrecision(3));
}

/** Decade bounds around [lo, hi], widened to at least one decade. */
function decades(lo: number, hi: number): [number, number] {
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (b - a < 1) b = a + 1;
  if (a === b) a -= 1;
  return [a, b];
}

/** Ticks at 1, 2 and 5 of each decade (only 1 when there are many decades). */
function ticks(a: number, b: number): number[] {
  const steps = b - a > 3 ? [1] : [1, 2, 5];
  const out: number[] = [];
  for (let d = a; d <= b; d++) for (const s of steps) if (d < b || s === 1) out.push(s * 10 ** d);
  return out;
}

export function logLogSvg(chart: Chart): string {
  const pts = chart.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) throw new Error(`chart "${chart.title}" has no positive points`);
  const [xa, xb] = decades(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const [ya, yb] = decades(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number): number => M.left + ((Math.log10(x) - xa) / (xb - xa)) * pw;
  const sy = (y: number): number => M.top + ph - ((Math.log10(y) - ya) / (yb - ya)) * ph;
  const r = (n: number): string => n.toFixed(1);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(chart.title)}</text>`,
  ];
  if (chart.subtitle) out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#57606a">${esc(chart.subtitle)}</text>`);
  for (const t of ticks(xa, xb)) {
    const x = r(sx(t));
    const major = Math.log10(t) % 1 === 0;
    out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="${major ? '#d0d7de' : '#eaeef2'}"/>`);
    out.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle" fill="#57606a">${fmt(t)}</text>`);
  }
  for (const t of ticks(ya, yb)) {
    const y = r(sy(t));
    const major = Math.log10(t) % 1 === 0;
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="${major ? '#d0d7de' : '#eaeef2'}"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#57606a">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#8c959f"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 36}" text-anchor="middle">${esc(chart.xLabel)} (log)</text>`);
  out.push(
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)} (log)</text>`,
  );

  chart.series.forEach((s, i) => {
    const color = s.dashed ? '#8c959f' : COLORS[i % COLORS.length]!;
    const ok = s.points.filter(([x, y]) => x > 0 && y > 0).sort((p, q) => p[0] - q[0]);
    if (ok.length === 0) return;
    const d = ok.map(([x, y], k) => `${k ? 'L' : 'M'}${r(sx(x))} ${r(sy(y))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (!s.dashed) for (const [x, y] of ok) out.push(`<circle cx="${r(sx(x))}" cy="${r(sy(y))}" r="4" fill="${color}"><title>${esc(`${s.name}: ${fmt(x)} -> ${fmt(y)}`)}</title></circle>`);
    // Legend below the axis label, one entry per series.
    const lx = M.left + i * 200;
    const ly = H - 18;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}

/** Least-squares slope of log(y) on log(x): the exponent of the power law through the points. */
export function logLogSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const p = points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => [Math.log(x), Math.log(y)] as const);
  if (p.length < 2) return Number.NaN;
  const mx = p.reduce((s, [x]) => s + x, 0) / p.length;
  const my = p.reduce((s, [, y]) => s + y, 0) / p.length;
  const sxx = p.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = p.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}
