/** Reads a gateway's Prometheus /metrics (edge/metrics.ts names). */

/** Sum of a metric's samples, optionally only those whose labels include `where` (e.g. `lane="telemetry"`). */
export function metricSum(text: string, name: string, where?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (where !== undefined && !rest.includes(where)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** Unsent events in the gateway's journal, telemetry and alerts lanes (the status lane fills on its own timer). */
export async function gatewayBacklog(statusUrl: string): Promise<number> {
  const res = await fetch(`${statusUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${statusUrl}/metrics: ${res.status}`);
  const text = await res.text();
  return metricSum(text, 'fleetsync_gateway_journal_events', 'lane="telemetry"') + metricSum(text, 'fleetsync_gateway_journal_events', 'lane="alerts"');
}
