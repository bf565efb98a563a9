/** Plain Silver rows as Gold's pure functions see them (times in epoch ms, units already canonical). */

export interface GoldPosition {
  t: number;
  lat: number;
  lon: number;
  /** Reported speed; null when the position had none (Gold then derives it from the previous position). */
  speedKmh: number | null;
}

export interface GoldReading {
  t: number;
  signal: string;
  num: number | null;
  bool: boolean | null;
  text: string | null;
  /** Set on a reading that stands for a rollup's window: how long it holds (see rollup-readings.ts). */
  holdMs?: number;
}

/** A Silver rollup: readings a gateway folded into one window when its journal ran short of room. */
export interface GoldRollup {
  signal: string;
  windowMs: number;
  /** Readings of good or suspect quality, the ones min, max and mean describe; `bad` the others. */
  count: number;
  bad: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sensor times of the first and last reading folded. */
  first: number;
  last: number;
}

export interface GoldAlertEvent {
  alertId: string;
  vehicle: string;
  t: number;
  seq: number;
  state: 'raised' | 'updated' | 'cleared' | 'summary';
  severity: 'info' | 'warning' | 'critical';
  ruleId: string;
  value: number | null;
  threshold: number | null;
  peak: number | null;
  raisedMs: number;
  message: string;
  lat: number | null;
  lon: number | null;
  signal: string | null;
  sensor: string | null;
  suppressed: number | null;
}

/** One alert, its lifecycle merged. */
export interface MergedAlert {
  alertId: string;
  vehicle: string;
  ruleId: string;
  severity: 'info' | 'warning' | 'critical';
  state: 'raised' | 'updated' | 'cleared' | 'summary';
  raisedMs: number;
  clearedMs: number | null;
  lastEventMs: number;
  durationS: number | null;
  updates: number;
  value: number | null;
  threshold: number | null;
  peak: number | null;
  message: string;
  lat: number | null;
  lon: number | null;
  signal: string | null;
  sensor: string | null;
  suppressed: number;
}

export interface TripRow {
  startMs: number;
  endMs: number;
  startLat: number;
  startLon: number;
  endLat: number;
  endLon: number;
  distanceKm: number;
  durationS: number;
  avgSpeedKmh: number;
  maxSpeedKmh: number;
  idleS: number;
  fuelUsedL: number | null;
  startOdometerKm: number | null;
  endOdometerKm: number | null;
  driver: string | null;
}

export interface StopRow {
  startMs: number;
  endMs: number;
  durationS: number;
  lat: number;
  lon: number;
  engineOnS: number;
}

export interface VehicleDailyRow {
  distanceKm: number;
  distanceSource: 'odometer' | 'gps' | 'none';
  engineHours: number | null;
  idleS: number;
  fuelUsedL: number | null;
  avgSpeedKmh: number | null;
  maxSpeedKmh: number | null;
  startOdometerKm: number | null;
  endOdometerKm: number | null;
  movingS: number;
  trips: number;
  positions: number;
  readings: number;
}

export interface ReeferRow {
  monitoredMin: number;
  outOfRangeMin: number;
  excursions: number;
  doorOpenMin: number;
  minTempC: number | null;
  maxTempC: number | null;
}

export interface DriverSafetyRow {
  driver: string | null;
  distanceKm: number;
  harshEvents: number;
  harshPer100Km: number | null;
  overspeedS: number;
}
