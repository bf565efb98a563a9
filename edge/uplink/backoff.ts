/** Exponential backoff with full jitter: a random delay in [0, min(max, base * 2^attempt)], never below `min / 2`. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs / 2, Math.round(random() * ceiling));
}
