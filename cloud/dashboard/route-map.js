// The day's route drawn from GPS positions on a plain SVG (no map tiles, so it works offline): an equirectangular
// projection scaled by cos(latitude) around the route's centre, a graticule, segments coloured by speed, trip
// start and end markers, and a scale bar.
import { s } from './dom.js';

const SPEED_COLORS = [
  [0, '#94a3b8'],
  [10, '#22c55e'],
  [50, '#eab308'],
  [80, '#f97316'],
  [100, '#dc2626'],
];
const colorFor = (kmh) => {
  let c = SPEED_COLORS[0][1];
  for (const [min, col] of SPEED_COLORS) if ((kmh ?? 0) >= min) c = col;
  return c;
};

function niceKm(km) {
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  return steps.find((st) => st >= km) ?? 1000;
}

/** points: [{ t, lat, lon, speedKmh }], trips: Gold trip rows. */
export function routeMap(points, trips = []) {
  const W = 800;
  const H = 480;
  const pad = 24;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'route-map', role: 'img', 'aria-label': 'route of the day' });
  svg.append(s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }));
  if (points.length === 0) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'no positions in this range'));
    return svg;
  }
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((midLat * Math.PI) / 180);
  const minX = Math.min(...lons) * k;
  const maxX = Math.max(...lons) * k;
  const minY = Math.min(...lats);
  const maxY = Math.max(...lats);
  const span = Math.max(maxX - minX, maxY - minY, 0.002);
  const scale = Math.min((W - 2 * pad) / Math.max(maxX - minX, span * 0.2), (H - 2 * pad) / Math.max(maxY - minY, span * 0.2));
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const px = (lon) => W / 2 + (lon * k - cx) * scale;
  const py = (lat) => H / 2 - (lat - cy) * scale;

  // Graticule every "nice" fraction of a degree.
  const degStep = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5].find((d) => (d * scale) >= 60) ?? 5;
  const lonMin = (cx - W / 2 / scale) / k;
  const lonMax = (cx + W / 2 / scale) / k;
  for (let lon = Math.ceil(lonMin / degStep) * degStep; lon <= lonMax; lon += degStep) svg.append(s('line', { x1: px(lon), x2: px(lon), y1: 0, y2: H, class: 'graticule' }));
  const latMin = cy - H / 2 / scale;
  const latMax = cy + H / 2 / scale;
  for (let lat = Math.ceil(latMin / degStep) * degStep; lat <= latMax; lat += degStep) svg.append(s('line', { x1: 0, x2: W, y1: py(lat), y2: py(lat), class: 'graticule' }));

  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    svg.append(s('line', { x1: px(a.lon), y1: py(a.lat), x2: px(b.lon), y2: py(b.lat), stroke: colorFor(b.speedKmh), 'stroke-width': 3, 'stroke-linecap': 'round', class: 'route' }));
  }
  for (const [i, tr] of trips.entries()) {
    svg.append(
      s('circle', { cx: px(tr.startLon), cy: py(tr.startLat), r: 6, class: 'trip-start' }, s('title', {}, `trip ${i + 1} start ${new Date(tr.startMs).toLocaleTimeString()}`)),
      s('rect', { x: px(tr.endLon) - 5, y: py(tr.endLat) - 5, width: 10, height: 10, class: 'trip-end' }, s('title', {}, `trip ${i + 1} end ${new Date(tr.endMs).toLocaleTimeString()}, ${tr.distanceKm.toFixed(1)} km`)),
    );
  }
  const last = points[points.length - 1];
  svg.append(s('circle', { cx: px(last.lon), cy: py(last.lat), r: 5, class: 'last-position' }, s('title', {}, `last position ${new Date(last.t).toLocaleTimeString()}`)));

  // Scale bar: one degree of latitude is about 111.32 km.
  const kmPerPx = 111.32 / scale;
  const barKm = niceKm(kmPerPx * 120);
  const barPx = barKm / kmPerPx;
  svg.append(
    s('line', { x1: W - pad - barPx, x2: W - pad, y1: H - pad, y2: H - pad, class: 'scale-bar' }),
    s('text', { x: W - pad - barPx, y: H - pad - 6, class: 'tick' }, `${barKm} km`),
  );
  const legendY = 18;
  SPEED_COLORS.forEach(([min, col], i) => {
    svg.append(s('rect', { x: W - 300 + i * 58, y: legendY - 10, width: 12, height: 10, fill: col }), s('text', { x: W - 284 + i * 58, y: legendY, class: 'tick' }, `≥${min}`));
  });
  svg.append(s('text', { x: W - 340, y: legendY, class: 'tick' }, 'km/h'));
  return svg;
}
