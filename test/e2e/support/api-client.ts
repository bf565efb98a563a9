/** A small client for the cloud API: bearer token, JSON, bounded in time. */
export interface ApiClient {
  get<T>(path: string): Promise<T>;
}

export function apiClient(baseUrl: string, token: string, timeoutMs = 10_000): ApiClient {
  return {
    async get<T>(path: string): Promise<T> {
      const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    },
  };
}

/** The fields of GET /api/v1/vehicles this suite reads. */
export interface VehicleRow {
  id: string;
  status: 'online' | 'offline' | 'unknown';
  validEvents: number;
  backlog: { backlogEvents: number | null; connectivity: string | null; updatedAt: number | null } | null;
}

export interface AlertRow {
  alertId: string;
  vehicle: string;
  ruleId: string;
  state: string;
  raisedMs: number;
}
