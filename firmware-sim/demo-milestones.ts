/**
 * Watches the demo through its own API, the way a person at the dashboard would, and says when every vehicle is
 * syncing (online, with events in the cloud) and when the first alert arrived.
 */

export interface DemoMilestones {
  /** Real time (epoch ms) when every vehicle first showed as syncing; null until then. */
  readonly allSyncingAt: number | null;
  /** Real time when the API first listed an alert, and which. */
  readonly firstAlert: { at: number; vehicle: string; ruleId: string } | null;
  /** Vehicles syncing at the last look. */
  readonly syncing: number;
  stop(): void;
}

interface VehicleRow {
  id: string;
  status: string;
  validEvents: number;
}

export function watchDemoMilestones(o: {
  apiUrl: string;
  token: string;
  vehicles: readonly string[];
  say: (line: string) => void;
  /** Real time the figures are counted from (default: now). */
  since?: number;
  everyMs?: number;
}): DemoMilestones {
  const started = o.since ?? Date.now();
  const headers = { authorization: `Bearer ${o.token}` };
  const want = new Set(o.vehicles);
  let allSyncingAt: number | null = null;
  let firstAlert: DemoMilestones['firstAlert'] = null;
  let syncing = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const after = (t: number): string => `${((t - started) / 1000).toFixed(0)} s after start`;

  const get = async <T>(path: string): Promise<T | null> => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 10_000);
    try {
      const res = await fetch(`${o.apiUrl}${path}`, { headers, signal: abort.signal });
      return res.ok ? ((await res.json()) as T) : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  const look = async (): Promise<void> => {
    if (allSyncingAt === null) {
      const body = await get<{ vehicles: VehicleRow[] }>('/api/v1/vehicles');
      if (body) {
        syncing = body.vehicles.filter((v) => want.has(v.id) && v.status === 'online' && v.validEvents > 0).length;
        if (syncing === want.size) {
          allSyncingAt = Date.now();
          o.say(`all ${want.size} vehicles are syncing (online, events in the cloud), ${after(allSyncingAt)}`);
        }
      }
    }
    if (firstAlert === null) {
      const body = await get<{ alerts: { vehicle: string; ruleId: string }[] }>('/api/v1/alerts?limit=1');
      const a = body?.alerts?.[0];
      if (a) {
        firstAlert = { at: Date.now(), vehicle: a.vehicle, ruleId: a.ruleId };
        o.say(`first alert: ${a.ruleId} on ${a.vehicle}, ${after(firstAlert.at)}`);
      }
    }
  };

  const loop = (): void => {
    if (stopped || (allSyncingAt !== null && firstAlert !== null)) return;
    void look().finally(() => {
      if (!stopped) timer = setTimeout(loop, o.everyMs ?? 2000);
    });
  };
  loop();

  return {
    get allSyncingAt() {
      return allSyncingAt;
    },
    get firstAlert() {
      return firstAlert;
    },
    get syncing() {
      return syncing;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
