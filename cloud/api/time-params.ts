/** Time query parameters: epoch ms, a UTC day or an ISO 8601 date-time (already shape-checked by the schema). */
import { ApiError } from './errors.ts';

export function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const isDay = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(isDay ? `${v}T00:00:00Z` : v);
  // Date.parse accepts 2024-02-31 (rolls over); a day that does not round-trip is not a real day.
  if (isDay && (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v)) throw new ApiError(400, `query parameter '${name}' is not a real day`);
  if (!Number.isFinite(t) || t < 0 || t > 8.64e15) throw new ApiError(400, `query parameter '${name}' is not a valid time`);
  return t;
}

/** [from, to) in epoch ms with defaults: `to` = now, `from` = to - defaultSpanMs; refuses spans over maxSpanMs. */
export function timeRange(q: { from?: string; to?: string }, nowMs: number, defaultSpanMs: number, maxSpanMs: number): { fromMs: number; toMs: number } {
  const toMs = parseTime('to', q.to) ?? nowMs;
  const fromMs = parseTime('from', q.from) ?? toMs - defaultSpanMs;
  if (fromMs >= toMs) throw new ApiError(400, `query parameter 'from' must be before 'to'`);
  if (toMs - fromMs > maxSpanMs) throw new ApiError(400, `time range is too long: at most ${Math.round(maxSpanMs / 86_400_000)} days`);
  return { fromMs, toMs };
}

/** Checks an inclusive day range (YYYY-MM-DD) for real days in order. */
export function checkDays(q: { from?: string; to?: string }): void {
  const f = parseTime('from', q.from);
  const t = parseTime('to', q.to);
  if (f !== undefined && t !== undefined && f > t) throw new ApiError(400, `query parameter 'from' must not be after 'to'`);
}
