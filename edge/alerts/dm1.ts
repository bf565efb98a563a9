/**
 * DM1 (active diagnostic trouble codes) as a reading: signal `dm1`, string value listing every active DTC,
 * comma-separated, each `SPN:FMI:LAMP` or `SPN:FMI:LAMP:OC`. LAMP is red, amber, mil, protect or off.
 * An empty string (or "none") means no active DTC. Each reading is the complete list, as DM1 is on the bus.
 * Malformed entries are skipped, so one bad code does not hide the others.
 */
export type Lamp = 'red' | 'amber' | 'mil' | 'protect' | 'off';

export interface Dtc {
  spn: number;
  fmi: number;
  lamp: Lamp;
  occurrences: number | null;
}

const LAMPS = new Set<string>(['red', 'amber', 'mil', 'protect', 'off']);
const ENTRY = /^(\d{1,6}):(\d{1,2}):([a-z]+)(?::(\d{1,3}))?$/;

export function parseDm1(value: string): Dtc[] {
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'none') return [];
  const out: Dtc[] = [];
  for (const part of text.split(',')) {
    const m = ENTRY.exec(part.trim().toLowerCase());
    if (!m) continue;
    const spn = Number(m[1]);
    const fmi = Number(m[2]);
    const lamp = m[3]!;
    // SPN is 19 bits, FMI 5 bits in J1939-73.
    if (spn > 524287 || fmi > 31 || !LAMPS.has(lamp)) continue;
    out.push({ spn, fmi, lamp: lamp as Lamp, occurrences: m[4] === undefined ? null : Number(m[4]) });
  }
  return out;
}
