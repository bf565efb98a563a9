/**
 * geofence enter/exit. "enter" raises when a position inside follows one outside and clears on leaving; "exit" the
 * reverse. The first fix only sets the baseline: a truck that boots inside the depot has not entered it.
 */
import type { Geofence, GeofenceRule } from '../rule-schema.ts';
import { insideGeofence } from '../geometry.ts';
import { POSITION_SIGNAL } from '../conditions.ts';
import { erase, type Level, type RuleLogic } from './rule-logic.ts';

interface Seen {
  posSeq: number;
  inside: boolean;
  sawInside: boolean;
  sawOutside: boolean;
}

export function geofenceLogic(r: GeofenceRule, geofences: ReadonlyMap<string, Geofence>): RuleLogic {
  const g = geofences.get(r.geofence);
  if (!g) throw new Error(`unknown geofence "${r.geofence}"`);
  const enter = r.event === 'enter';
  return erase<Seen>({
    deps: { signals: [POSITION_SIGNAL], sensors: [] },
    peak: 'max',
    newScratch: () => ({ posSeq: -1, inside: false, sawInside: false, sawOutside: false }),
    evaluate(ctx, s, out) {
      const pos = ctx.position();
      if (pos === undefined) {
        out.push({ instance: '', level: 'hold', value: null, threshold: null });
        return;
      }
      let level: Level;
      if (pos.seq !== s.posSeq) {
        s.posSeq = pos.seq;
        s.inside = insideGeofence(pos, g);
      }
      if (enter) level = s.inside ? (s.sawOutside ? 'on' : 'hold') : 'off';
      else level = s.inside ? 'off' : s.sawInside ? 'on' : 'hold';
      if (s.inside) s.sawInside = true;
      else s.sawOutside = true;
      out.push({ instance: '', level, value: null, threshold: null, sensor: pos.sensor, note: r.geofence });
    },
    describe: () => `${enter ? 'entered' : 'left'} geofence ${r.geofence}`,
  });
}
