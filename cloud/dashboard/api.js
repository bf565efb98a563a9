// Talking to the API: the bearer token lives in sessionStorage (gone when the tab closes), never in a cookie or URL.
const KEY = 'fleetsync.token';

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  set(token, me) {
    sessionStorage.setItem(KEY, token);
    sessionStorage.setItem(`${KEY}.role`, me.role);
    sessionStorage.setItem(`${KEY}.label`, me.label ?? me.id);
  },
  get role() {
    return sessionStorage.getItem(`${KEY}.role`);
  },
  get label() {
    return sessionStorage.getItem(`${KEY}.label`);
  },
  clear() {
    for (const k of [KEY, `${KEY}.role`, `${KEY}.label`]) sessionStorage.removeItem(k);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.details = body?.details ?? [];
  }
}

/** JSON request with the session token; a 401 ends the session (the app shows the login). */
export async function api(path, { method = 'GET', body, token = session.token } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!res.ok) {
    if (res.status === 401 && token === session.token) window.dispatchEvent(new Event('fleetsync:logout'));
    throw new ApiError(res.status, data);
  }
  return data;
}

export const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/**
 * The live alert stream. EventSource cannot send an Authorization header, so each connection first trades the token
 * for a single-use ticket (valid for a minute) and puts that in the URL. A dropped stream is reopened with a new
 * ticket, resuming after the last event id seen.
 */
export function openAlertStream({ onAlert, onState }) {
  let es = null;
  let lastId = null;
  let stopped = false;
  let retry = null;
  const connect = async () => {
    if (stopped) return;
    onState('connecting');
    try {
      const { ticket } = await api('/api/v1/stream-tickets', { method: 'POST' });
      if (stopped) return;
      es = new EventSource(`/api/v1/alerts/stream${query({ ticket, since: lastId })}`);
      es.addEventListener('open', () => onState('live'));
      es.addEventListener('alert', (ev) => {
        lastId = ev.lastEventId || lastId;
        onAlert(JSON.parse(ev.data));
      });
      es.addEventListener('revoked', () => {
        stopped = true;
        es.close();
        window.dispatchEvent(new Event('fleetsync:logout'));
      });
      es.addEventListener('error', () => {
        // The browser retries with the same (now used) ticket; do it ourselves with a fresh one instead.
        es.close();
        onState('reconnecting');
        retry = setTimeout(connect, 2000);
      });
    } catch {
      onState('reconnecting');
      retry = setTimeout(connect, 5000);
    }
  };
  void connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    es?.close();
  };
}
