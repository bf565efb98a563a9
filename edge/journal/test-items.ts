/** Journal items for tests and benchmarks. */
import type { Lane } from '../../shared/contracts/types.ts';
import type { JournalItem } from './journal.ts';

const T0 = 1_700_000_000_000;

export function itemFor(lane: Lane, i: number, rt = T0 + i): JournalItem {
  switch (lane) {
    case 'telemetry':
      return {
        rt,
        kind: 'reading',
        body: { v: 2, vehicle: 'truck-0042', sensor: 'eng-1', signal: 'coolant_temp', value: 80 + (i % 20), unit: 'C', sensorTime: rt - 5, quality: 'good', spn: 110 },
      };
    case 'alerts':
      return {
        rt,
        kind: 'alert',
        body: {
          v: 2, id: `a-${i}`, vehicle: 'truck-0042', ruleId: 'coolant-high', state: 'raised', severity: 'critical',
          value: 111, threshold: 105, sensorTime: rt, raisedAt: rt, peak: 111, message: 'coolant temperature high',
        },
      };
    case 'status':
      return {
        rt,
        kind: 'status',
        body: {
          v: 2, gateway: 'gw-1', vehicle: 'truck-0042', bootId: 'x:1', sensorTime: rt, connectivity: 'offline',
          version: '0.1.0', uptimeS: i, lanes: {}, rejects: 0, diskBytes: 0,
        },
      };
    case 'rejects':
      return { rt, kind: 'reject', body: { topic: 'fleet/truck-0042/eng-1', raw: new Uint8Array([123, 34, 120]), reason: 'not JSON' } };
  }
}
