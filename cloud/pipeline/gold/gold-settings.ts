import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/**
 * Gold thresholds. Trip and stop values are Traccar's documented defaults; the others are marked as proposals in
 * docs/medallion.md.
 */
export const GoldSettingsSchema = Type.Object(
  {
    /** Motion: speed above 0.01 knots (Traccar `event.motion.speedThreshold`). */
    motionSpeedKmh: Type.Number({ minimum: 0, default: 0.01 * 1.852 }),
    /** A trip needs at least this distance OR minTripDurationS of motion (Traccar `report.trip.minimalTripDistance`). */
    minTripDistanceM: Type.Number({ minimum: 0, default: 500 }),
    minTripDurationS: Type.Number({ minimum: 0, default: 300 }),
    /** A stop needs at least this long parked (Traccar `report.trip.minimalParkingDuration`). */
    minParkingS: Type.Number({ minimum: 0, default: 300 }),
    /** A gap without positions longer than this is a stop (Traccar `report.trip.minimalNoDataDuration`). */
    maxGapS: Type.Number({ minimum: 1, default: 3600 }),
    /** A reading's value holds until the next one of its signal, at most this long (proposal: the offline timeout). */
    holdMaxS: Type.Number({ minimum: 1, default: 600 }),
    reefer: Type.Object(
      {
        /** Out of range when |temperature - setpoint| exceeds this (proposal). */
        toleranceC: Type.Number({ exclusiveMinimum: 0, default: 2 }),
        /** An excursion is an out-of-range stretch at least this long (proposal, as the gateway's range rule). */
        excursionMinS: Type.Number({ minimum: 0, default: 600 }),
        /** Monitoring is suspended during defrost and this long after it (as the gateway's range rule). */
        defrostGraceS: Type.Number({ minimum: 0, default: 900 }),
      },
      { ...closed, default: {} },
    ),
    /** Alert rule ids (regular expressions, case-insensitive) that Gold classifies. */
    rules: Type.Object(
      {
        harsh: Type.String({ default: 'harsh' }),
        overspeed: Type.String({ default: 'overspeed|speeding' }),
        dtc: Type.String({ default: 'dtc|dm1' }),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export type GoldSettings = Static<typeof GoldSettingsSchema>;

export const DAY_MS = 86_400_000;

export function dayStartOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
