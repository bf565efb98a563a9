/**
 * The built-in map: depots, customers and the motorway junctions between them in the Randstad (the Netherlands),
 * joined by roads. Road geometry is generated from each road's name, so every truck sees the same roads.
 * Coordinates are approximate (a few hundred metres); the point is realistic distances, speeds and turns.
 */
import { Prng } from './prng.ts';
import { bearingDeg, distanceM, lerp, offsetM, turnDeg, type LatLon } from './geo.ts';

export type PlaceKind = 'depot' | 'customer' | 'junction' | 'gate';
export type RoadClass = 'motorway' | 'primary' | 'urban' | 'yard';

export interface Place extends LatLon {
  id: string;
  name: string;
  kind: PlaceKind;
}

export interface Road {
  from: string;
  to: string;
  cls: RoadClass;
}

export const REGION = 'Randstad, the Netherlands';

/** Lorry speed limits in the Netherlands (km/h): 80 on motorways, lower elsewhere; walking pace in a depot yard. */
export const SPEED_LIMIT_KMH: Readonly<Record<RoadClass, number>> = { motorway: 80, primary: 70, urban: 45, yard: 9 };

const P = (id: string, name: string, kind: PlaceKind, lat: number, lon: number): Place => ({ id, name, kind, lat, lon });

export const PLACES: readonly Place[] = [
  // The Rotterdam depot's loading bays sit inside the `depot` and `loading_bays` geofences of the default alert
  // rules (edge/alerts/default-rules.yaml); its yard road leaves the 400 m depot circle at the gate.
  P('dep-rtm', 'Rotterdam depot', 'depot', 51.9037, 4.4597),
  P('gt-rtm', 'Rotterdam depot gate', 'gate', 51.9088, 4.4652),
  P('dep-utr', 'Utrecht Lage Weide depot', 'depot', 52.1027, 5.0586),
  P('gt-utr', 'Utrecht depot gate', 'gate', 52.0985, 5.0625),
  P('cus-ams', 'Amsterdam Westpoort DC', 'customer', 52.398, 4.819),
  P('cus-dhg', 'Den Haag Binckhorst', 'customer', 52.07, 4.34),
  P('cus-dlf', 'Delft Technopolis', 'customer', 51.996, 4.385),
  P('cus-lei', 'Leiden De Waard', 'customer', 52.171, 4.505),
  P('cus-gou', 'Gouda Goudse Poort', 'customer', 52.025, 4.735),
  P('cus-ddr', 'Dordrecht Dordtse Kil', 'customer', 51.771, 4.64),
  P('cus-bre', 'Breda Emer', 'customer', 51.58, 4.8),
  P('cus-amf', 'Amersfoort De Hoef', 'customer', 52.172, 5.4),
  P('cus-hlm', 'Haarlem Waarderpolder', 'customer', 52.39, 4.655),
  P('cus-sch', 'Schiphol Cargo', 'customer', 52.295, 4.75),
  P('cus-hil', 'Hilversum Kerkelanden', 'customer', 52.23, 5.17),
  P('cus-ztm', 'Zoetermeer Lansinghage', 'customer', 52.06, 4.48),
  P('cus-nwg', 'Nieuwegein Plettenburg', 'customer', 52.03, 5.09),
  P('cus-spk', 'Spijkenisse Halfweg', 'customer', 51.85, 4.33),
  P('jn-kpp', 'Kleinpolderplein', 'junction', 51.937, 4.433),
  P('jn-tbp', 'Terbregseplein', 'junction', 51.956, 4.525),
  P('jn-vaa', 'Vaanplein', 'junction', 51.859, 4.52),
  P('jn-rid', 'Ridderkerk', 'junction', 51.866, 4.603),
  P('jn-ypb', 'Ypenburg', 'junction', 52.047, 4.383),
  P('jn-gwe', 'Gouwe', 'junction', 52.036, 4.667),
  P('jn-oud', 'Oudenrijn', 'junction', 52.07, 5.043),
  P('jn-evd', 'Everdingen', 'junction', 51.998, 5.115),
  P('jn-gor', 'Gorinchem', 'junction', 51.837, 4.975),
  P('jn-ktr', 'Klaverpolder', 'junction', 51.715, 4.645),
  P('jn-brd', 'Princeville', 'junction', 51.578, 4.737),
  P('jn-hol', 'Holendrecht', 'junction', 52.291, 4.954),
  P('jn-bad', 'Badhoevedorp', 'junction', 52.333, 4.787),
  P('jn-bur', 'Burgerveen', 'junction', 52.228, 4.606),
  P('jn-hoe', 'Hoevelaken', 'junction', 52.172, 5.458),
  P('jn-rij', 'Rijnsweerd', 'junction', 52.087, 5.154),
  P('jn-eem', 'Eemnes', 'junction', 52.245, 5.26),
];

const R = (from: string, to: string, cls: RoadClass): Road => ({ from, to, cls });

export const ROADS: readonly Road[] = [
  R('jn-kpp', 'jn-tbp', 'motorway'),
  R('jn-kpp', 'jn-vaa', 'motorway'),
  R('jn-vaa', 'jn-rid', 'motorway'),
  R('jn-tbp', 'jn-rid', 'motorway'),
  R('jn-kpp', 'jn-ypb', 'motorway'),
  R('jn-ypb', 'jn-bur', 'motorway'),
  R('jn-bur', 'jn-bad', 'motorway'),
  R('jn-bad', 'jn-hol', 'motorway'),
  R('jn-hol', 'jn-oud', 'motorway'),
  R('jn-tbp', 'jn-gwe', 'motorway'),
  R('jn-gwe', 'jn-oud', 'motorway'),
  R('jn-gwe', 'jn-ypb', 'motorway'),
  R('jn-rid', 'jn-ktr', 'motorway'),
  R('jn-ktr', 'jn-brd', 'motorway'),
  R('jn-rid', 'jn-gor', 'motorway'),
  R('jn-gor', 'jn-evd', 'motorway'),
  R('jn-evd', 'jn-oud', 'motorway'),
  R('jn-evd', 'jn-rij', 'motorway'),
  R('jn-oud', 'jn-rij', 'motorway'),
  R('jn-rij', 'jn-eem', 'motorway'),
  R('jn-eem', 'jn-hol', 'motorway'),
  R('jn-rij', 'jn-hoe', 'motorway'),
  R('jn-eem', 'jn-hoe', 'motorway'),
  R('dep-rtm', 'gt-rtm', 'yard'),
  R('gt-rtm', 'jn-kpp', 'urban'),
  R('gt-rtm', 'jn-tbp', 'urban'),
  R('gt-rtm', 'jn-vaa', 'primary'),
  R('dep-utr', 'gt-utr', 'yard'),
  R('gt-utr', 'jn-oud', 'primary'),
  R('cus-ams', 'jn-bad', 'primary'),
  R('cus-dhg', 'jn-ypb', 'urban'),
  R('cus-dlf', 'jn-ypb', 'primary'),
  R('cus-dlf', 'jn-kpp', 'primary'),
  R('cus-lei', 'jn-bur', 'primary'),
  R('cus-gou', 'jn-gwe', 'urban'),
  R('cus-ddr', 'jn-rid', 'primary'),
  R('cus-bre', 'jn-brd', 'urban'),
  R('cus-amf', 'jn-hoe', 'urban'),
  R('cus-hlm', 'jn-bad', 'primary'),
  R('cus-sch', 'jn-bad', 'primary'),
  R('cus-hil', 'jn-eem', 'primary'),
  R('cus-ztm', 'jn-ypb', 'primary'),
  R('cus-nwg', 'jn-oud', 'primary'),
  R('cus-spk', 'jn-vaa', 'primary'),
];

const placeById = new Map(PLACES.map((p) => [p.id, p]));

export function place(id: string): Place {
  const p = placeById.get(id);
  if (!p) throw new RangeError(`unknown place '${id}'`);
  return p;
}

export const DEPOTS: readonly Place[] = PLACES.filter((p) => p.kind === 'depot');
export const CUSTOMERS: readonly Place[] = PLACES.filter((p) => p.kind === 'customer');

interface GeometryPoint extends LatLon {
  light: boolean;
}

/**
 * A road's shape from `from` to `to`: motorways and primary roads bend gently; urban roads go block by block
 * with right-angle corners, some of them with traffic lights.
 */
function roadGeometry(road: Road): GeometryPoint[] {
  const a = place(road.from);
  const b = place(road.to);
  const rng = new Prng(`road:${road.from}:${road.to}`);
  const length = distanceM(a, b);
  if (road.cls === 'urban' || road.cls === 'yard') {
    // Alternate north-south and east-west legs between a and b.
    const legs = road.cls === 'yard' ? 2 : rng.int(3, 5);
    const corners: GeometryPoint[] = [{ ...a, light: false }];
    let cur: LatLon = a;
    for (let i = 1; i < legs; i++) {
      const f = i / legs;
      const target = lerp(a, b, Math.min(1, f + rng.range(-0.08, 0.08)));
      cur = i % 2 === 1 ? { lat: target.lat, lon: cur.lon } : { lat: cur.lat, lon: target.lon };
      corners.push({ ...cur, light: road.cls === 'urban' && rng.chance(0.6) });
    }
    const last = (legs - 1) % 2 === 1 ? { lat: cur.lat, lon: b.lon } : { lat: b.lat, lon: cur.lon };
    corners.push({ ...last, light: road.cls === 'urban' && rng.chance(0.6) }, { ...b, light: false });
    return subdivide(corners, road.cls === 'yard' ? 40 : 120, road.cls === 'yard' ? 1 : 4, rng);
  }
  const step = road.cls === 'motorway' ? 800 : 300;
  const amp = Math.min(road.cls === 'motorway' ? 1500 : 600, length * rng.range(0.02, 0.06)) * (rng.chance(0.5) ? 1 : -1);
  const amp2 = amp * rng.range(-0.3, 0.3);
  const n = Math.max(2, Math.ceil(length / step));
  const heading = bearingDeg(a, b) * (Math.PI / 180);
  const pts: GeometryPoint[] = [];
  for (let i = 0; i <= n; i++) {
    const u = i / n;
    const side = amp * Math.sin(Math.PI * u) + amp2 * Math.sin(2 * Math.PI * u);
    const base = lerp(a, b, u);
    // Perpendicular to the a->b direction: heading + 90 degrees.
    const p = i === 0 || i === n ? base : offsetM(base, -side * Math.sin(heading), side * Math.cos(heading));
    pts.push({ ...p, light: false });
  }
  return pts;
}

/** Splits long straight legs into shorter pieces with a small wiggle, keeping the corners. */
function subdivide(corners: GeometryPoint[], stepM: number, wiggleM: number, rng: Prng): GeometryPoint[] {
  const out: GeometryPoint[] = [];
  for (let i = 0; i + 1 < corners.length; i++) {
    const p = corners[i] as GeometryPoint;
    const q = corners[i + 1] as GeometryPoint;
    const n = Math.max(1, Math.round(distanceM(p, q) / stepM));
    out.push(p);
    for (let k = 1; k < n; k++) {
      const m = lerp(p, q, k / n);
      out.push({ ...offsetM(m, rng.range(-wiggleM, wiggleM), rng.range(-wiggleM, wiggleM)), light: false });
    }
  }
  out.push(corners[corners.length - 1] as GeometryPoint);
  return out.filter((pt, i) => i === 0 || distanceM(out[i - 1] as LatLon, pt) > 1);
}

export interface RoutePoint extends LatLon {
  /** Distance from the route's start, metres. */
  s: number;
  /** Speed limit on the segment that starts here, km/h. */
  limitKmh: number;
  /** The highest speed at which a loaded truck takes the turn at this point, km/h (Infinity when straight). */
  cornerKmh: number;
  /** A traffic light stands here. */
  light: boolean;
}

export interface Route {
  from: string;
  to: string;
  /** Places passed, in order. */
  via: string[];
  points: RoutePoint[];
  lengthM: number;
}

interface Edge {
  to: string;
  road: Road;
  geometry: GeometryPoint[];
  lengthM: number;
  seconds: number;
}

function polylineLength(pts: LatLon[]): number {
  let s = 0;
  for (let i = 1; i < pts.length; i++) s += distanceM(pts[i - 1] as LatLon, pts[i] as LatLon);
  return s;
}

const graph = new Map<string, Edge[]>();
for (const road of ROADS) {
  const geometry = roadGeometry(road);
  const lengthM = polylineLength(geometry);
  const seconds = lengthM / (SPEED_LIMIT_KMH[road.cls] / 3.6);
  const reversed = geometry.slice().reverse();
  graph.set(road.from, [...(graph.get(road.from) ?? []), { to: road.to, road, geometry, lengthM, seconds }]);
  graph.set(road.to, [...(graph.get(road.to) ?? []), { to: road.from, road, geometry: reversed, lengthM, seconds }]);
}

/** Comfortable lateral acceleration for a loaded truck in a turn, m/s2. */
const CORNER_LATERAL_MS2 = 1.8;

function cornerSpeedKmh(prev: LatLon, at: LatLon, next: LatLon, cls: RoadClass): number {
  const angle = Math.abs(turnDeg(bearingDeg(prev, at), bearingDeg(at, next)));
  if (angle < 8) return Infinity;
  // The turn is an arc whose tangents are at most half the adjacent segments (and a city corner is tight).
  const maxTangent = cls === 'urban' || cls === 'yard' ? 15 : cls === 'primary' ? 60 : 400;
  const tangent = Math.min(distanceM(prev, at) / 2, distanceM(at, next) / 2, maxTangent);
  const radius = tangent / Math.tan(((angle / 2) * Math.PI) / 180);
  return Math.max(8, Math.sqrt(CORNER_LATERAL_MS2 * radius) * 3.6);
}

const routeCache = new Map<string, Route>();

/** Fastest route between two places (Dijkstra on travel time at the speed limit). */
export function planRoute(fromId: string, toId: string): Route {
  const key = `${fromId}>${toId}`;
  const cached = routeCache.get(key);
  if (cached) return cached;
  place(fromId);
  place(toId);
  const best = new Map<string, { cost: number; prev: string | null; edge: Edge | null }>([[fromId, { cost: 0, prev: null, edge: null }]]);
  const done = new Set<string>();
  for (;;) {
    let cur: string | null = null;
    let curCost = Infinity;
    for (const [id, b] of best) if (!done.has(id) && b.cost < curCost) (cur = id), (curCost = b.cost);
    if (cur === null) throw new RangeError(`no road from '${fromId}' to '${toId}'`);
    if (cur === toId) break;
    done.add(cur);
    for (const e of graph.get(cur) ?? []) {
      const c = curCost + e.seconds;
      const old = best.get(e.to);
      if (!old || c < old.cost) best.set(e.to, { cost: c, prev: cur, edge: e });
    }
  }
  const edges: Edge[] = [];
  for (let id: string | null = toId; id !== null && id !== fromId; ) {
    const b = best.get(id);
    if (!b?.edge) break;
    edges.unshift(b.edge);
    id = b.prev;
  }
  const raw: { p: GeometryPoint; cls: RoadClass }[] = [];
  for (const e of edges) {
    const pts = raw.length ? e.geometry.slice(1) : e.geometry;
    for (const p of pts) raw.push({ p, cls: e.road.cls });
  }
  if (raw.length === 0) raw.push({ p: { ...place(fromId), light: false }, cls: 'urban' });
  const points: RoutePoint[] = [];
  let s = 0;
  for (let i = 0; i < raw.length; i++) {
    const cur = raw[i] as { p: GeometryPoint; cls: RoadClass };
    const prev = raw[i - 1];
    const next = raw[i + 1];
    if (prev) s += distanceM(prev.p, cur.p);
    // The segment from i to i+1 belongs to the road of point i+1 (points keep the class of the edge they came from).
    const segCls = next ? next.cls : cur.cls;
    points.push({
      lat: cur.p.lat,
      lon: cur.p.lon,
      s,
      limitKmh: SPEED_LIMIT_KMH[segCls],
      cornerKmh: prev && next ? cornerSpeedKmh(prev.p, cur.p, next.p, segCls === 'urban' || cur.cls === 'urban' ? 'urban' : segCls) : Infinity,
      light: cur.p.light,
    });
  }
  const route: Route = { from: fromId, to: toId, via: [fromId, ...edges.map((e) => e.to)], points, lengthM: s };
  routeCache.set(key, route);
  return route;
}
