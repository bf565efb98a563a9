/**
 * dtc: one alert per active diagnostic trouble code (instance "SPN:FMI") whose lamp is in `lamps`; severity follows
 * the lamp. A code missing from the latest DM1 list clears; a stale or unreadable DM1 holds every code.
 * Value is the SPN (threshold null).
 */
import type { Severity } from '../../../shared/contracts/types.ts';
import type { DtcRule } from '../rule-schema.ts';
import { parseDm1 } from '../dm1.ts';
import { erase, type RuleLogic, type Verdict } from './rule-logic.ts';

interface Codes {
  seq: number;
  sensor: string;
  verdicts: Verdict[];
}

export function dtcLogic(r: DtcRule): RuleLogic {
  const lamps = new Set<string>(r.lamps);
  const spns = r.spns ? new Set(r.spns) : undefined;
  const severity = r.severityByLamp as Record<string, Severity>;
  return erase<Codes>({
    deps: { signals: [r.signal], sensors: [] },
    peak: 'max',
    multiInstance: true,
    newScratch: () => ({ seq: -1, sensor: '', verdicts: [] }),
    evaluate(ctx, c, out) {
      const st = ctx.signal(r.signal);
      if (st === undefined || typeof st.value !== 'string') return false;
      if (st.seq !== c.seq) {
        c.seq = st.seq;
        const seen = new Set<string>();
        c.verdicts = [];
        for (const d of parseDm1(st.value)) {
          const key = `${d.spn}:${d.fmi}`;
          if (!lamps.has(d.lamp) || (spns && !spns.has(d.spn)) || seen.has(key)) continue;
          seen.add(key);
          c.verdicts.push({
            instance: key,
            level: 'on',
            value: d.spn,
            threshold: null,
            signal: r.signal,
            sensor: st.sensor,
            severity: severity[d.lamp] ?? r.severity,
            note: `SPN ${d.spn} FMI ${d.fmi}, ${d.lamp} lamp${d.occurrences === null ? '' : `, ${d.occurrences} occurrence(s)`}`,
          });
        }
      }
      for (const v of c.verdicts) out.push(v);
      return true;
    },
    describe: (v) => `active DTC ${v.note ?? v.instance}`,
  });
}
