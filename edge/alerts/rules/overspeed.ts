/**
 * overspeed: speed strictly above the limit raises; at or below limit - hysteresis clears. The limit is the lowest of
 * the default and the zones (geofences) containing the last position; without a fresh position the default applies.
 */
import type { Geofence, OverspeedRule } from '../rule-schema.ts';
import { insideGeofence } from '../geometry.ts';
import { POSITION_SIGNAL } from '../conditions.ts';
import { erase, fmt, type Level, type RuleLogic } from './rule-logic.ts';

interface Cache {
  posSeq: number;
  limit: number;
  zone: string | undefined;
}

export function overspeedLogic(r: OverspeedRule, geofences: ReadonlyMap<string, Geofence>): RuleLogic {
  const zones = r.zones.map((z) => {
    const g = geofences.get(z.geofence);
    if (!g) throw new Error(`unknown geofence "${z.geofence}"`);
    return { id: z.geofence, g, limit: z.limitKmh };
  });
  const signals = zones.length ? [r.speedSignal, POSITION_SIGNAL] : [r.speedSignal];
  return erase<Cache>({
    deps: { signals, sensors: [] },
    peak: 'max',
    newScratch: () => ({ posSeq: -1, limit: r.limitKmh, zone: undefined }),
    evaluate(ctx, c, out) {
      const pos = zones.length ? ctx.position() : undefined;
      if (pos === undefined) {
        c.posSeq = -1;
        c.limit = r.limitKmh;
        c.zone = undefined;
      } else if (pos.seq !== c.posSeq) {
        c.posSeq = pos.seq;
        c.limit = r.limitKmh;
        c.zone = undefined;
        for (const z of zones) {
          if (z.limit < c.limit && insideGeofence(pos, z.g)) {
            c.limit = z.limit;
            c.zone = z.id;
          }
        }
      }
      const st = ctx.signal(r.speedSignal);
      const speed = st?.num;
      if (st === undefined || speed === undefined) {
        out.push({ instance: '', level: 'hold', value: null, threshold: c.limit, signal: r.speedSignal });
        return;
      }
      const level: Level = speed > c.limit ? 'on' : speed <= c.limit - r.hysteresisKmh ? 'off' : 'hold';
      const v = { instance: '', level, value: speed, threshold: c.limit, signal: r.speedSignal, sensor: st.sensor };
      out.push(c.zone === undefined ? v : { ...v, note: c.zone });
    },
    describe: (v) =>
      `${r.speedSignal} ${fmt(v.value)} km/h over the limit of ${fmt(v.threshold)} km/h${v.note ? ` in ${v.note}` : ''}`,
  });
}
