// One vehicle: sync state, charts over a day (speed, temperatures, backlog, ingest lag), the sync timeline, the
// route of the day, alerts, the twin, and (operators) direct methods and desired-property changes.
import { api, ApiError, query, session } from '../api.js';
import { timeChart } from '../charts.js';
import { ago, append, bytes, clear, duration, h, isoDay, num, time } from '../dom.js';
import { routeMap } from '../route-map.js';
import { withRollups } from '../series.js';

const DAY = 86_400_000;
const PERIOD_LABEL = { offline: 'offline', connecting: 'connecting', paused: 'uplink paused', silent: 'no status (gateway off?)' };

function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function vehicleView(root, { id }) {
  let disposed = false;
  // Range of the charts: the last N hours (ending now, or at the last event when that is older than a day), or one UTC day.
  const state = { hours: 6, day: null };
  const body = h('div', { class: 'vehicle' });
  append(clear(root), body);

  const load = async () => {
    clear(body);
    let detail;
    try {
      detail = await api(`/api/v1/vehicles/${encodeURIComponent(id)}`);
    } catch (err) {
      append(body, h('h1', {}, id), h('p', { class: 'error' }, err.status === 404 ? `No vehicle '${id}'.` : err.message));
      return;
    }
    if (disposed) return;
    const v = detail.vehicle;
    const now = Date.now();
    const end = v.lastEventMs !== null && now - v.lastEventMs > DAY ? v.lastEventMs + 60_000 : now;
    const dayInput = h('input', { type: 'date', value: state.day ?? isoDay(v.lastEventMs ?? now), id: 'vehicle-day', 'aria-label': 'day' });
    dayInput.addEventListener('change', () => {
      if (!dayInput.value) return;
      state.day = dayInput.value;
      state.hours = null;
      void load();
    });
    const rangeButtons = [1, 6, 24].map((n) =>
      h('button', { type: 'button', class: state.hours === n ? 'active' : '', onclick: () => { state.hours = n; state.day = null; void load(); } }, `last ${n} h`),
    );
    append(
      body,
      h('h1', {}, v.id, ' ', h('span', { class: `badge ${v.status}`, id: 'vehicle-status' }, v.status)),
      h('div', { class: 'toolbar' }, rangeButtons, h('label', {}, 'or a day (UTC) ', dayInput), h('span', { class: 'muted' }, v.deviceId ? `gateway ${v.deviceId}` : 'no gateway known yet')),
    );
    const b = v.backlog;
    append(
      body,
      h(
        'div',
        { class: 'grid2' },
        section(
          'Sync',
          kv([
            ['Last seen', `${ago(v.lastSeenMs)} (${time(v.lastSeenMs)})`],
            ['Last event', time(v.lastEventMs)],
            ['Ingest lag (last / max)', `${duration(v.ingestLagMs)} / ${duration(v.maxIngestLagMs)}`],
            ['Open sequence gaps', `${num(v.openGaps)} (${num(v.openGapEvents)} events missing)`],
            ['Duplicates', `${num(v.duplicateEvents)} events, ${num(v.duplicateBatches)} batches`],
            ['Quarantined', num(v.quarantined)],
            ['Evicted on the gateway', v.downsampled > 0 ? `${num(v.evicted)} (${num(v.downsampled)} folded into rollups, ${num(v.evicted - v.downsampled)} lost)` : num(v.evicted)],
          ]),
        ),
        section(
          'Gateway report',
          b
            ? [
                kv([
                  ['Connectivity', b.connectivity ?? '–'],
                  ['Backlog', `${num(b.backlogEvents)} events, ${bytes(b.backlogBytes)}`],
                  ['Oldest unsent', duration(b.oldestUnsentAgeMs)],
                  ['Disk', bytes(b.diskBytes)],
                  ['Version / boot', `${b.version ?? '–'} / ${b.bootId ?? '–'}`],
                  ['Reported', ago(b.updatedAt)],
                ]),
                h(
                  'table',
                  { class: 'data small' },
                  h('thead', {}, h('tr', {}, ['Lane', 'Backlog', 'Bytes', 'Oldest unsent', 'Last acked seq', 'Evicted'].map((c) => h('th', {}, c)))),
                  h(
                    'tbody',
                    {},
                    Object.entries(b.lanes).map(([lane, l]) =>
                      h('tr', {}, h('td', {}, lane), h('td', { class: 'num' }, num(l.backlogEvents)), h('td', { class: 'num' }, bytes(l.backlogBytes)), h('td', { class: 'num' }, l.oldestUnsentMs ? ago(l.oldestUnsentMs) : '–'), h('td', { class: 'num' }, num(l.lastAckedSeq)), h('td', { class: 'num' }, num(l.evicted), l.downsampled > 0 ? ` (${num(l.downsampled)} rolled up)` : '')),
                    ),
                  ),
                ),
              ]
            : h('p', { class: 'muted' }, 'The gateway has not reported its sync state in the twin.'),
        ),
      ),
    );

    const from = state.hours ? end - state.hours * 3_600_000 : Date.parse(`${state.day}T00:00:00Z`);
    const to = state.hours ? end : from + DAY;
    const range = query({ from, to });
    const charts = h('div', { class: 'charts' });
    const timeline = section('Sync timeline');
    const route = section(state.hours ? `Route, last ${state.hours} h` : `Route of ${state.day}`);
    append(body, charts, timeline, route);
    void renderCharts(charts, id, from, to, range);
    void renderTimeline(timeline, id, from, to, range);
    void renderRoute(route, id, range);
    append(body, alertsSection(detail.recentAlerts));
    if (session.role === 'operator' || session.role === 'admin') append(body, actionsSection(id, detail.twin, load));
    append(body, section('Twin', detail.twin ? h('pre', { class: 'json', id: 'vehicle-twin' }, JSON.stringify({ desired: detail.twin.desired, reported: detail.twin.reported }, null, 2)) : h('p', { class: 'muted' }, 'No twin.')));
  };

  void load();
  return () => {
    disposed = true;
  };
}

async function renderCharts(root, id, from, to, range) {
  const add = (title, el) => root.append(section(title, el));
  try {
    const { signals } = await api(`/api/v1/vehicles/${encodeURIComponent(id)}/signals${range}`);
    const series = async (signal, source = 'readings') => {
      const r = await api(`/api/v1/vehicles/${encodeURIComponent(id)}/series${query({ signal, source, from, to, maxPoints: 400 })}`);
      return { name: source === 'positions' ? 'GPS speed' : signal, unit: r.unit, points: withRollups(r.points, r.rollups ?? []) };
    };
    const names = signals.map((s) => s.signal);
    const speed = [...names.filter((n) => /speed/.test(n) && !/engine/.test(n)).map((n) => series(n)), series('speed_kmh', 'positions')];
    const speedSeries = (await Promise.all(speed)).filter((s) => s.points.length);
    add('Speed', speedSeries.length ? timeChart(speedSeries, { from, to, unit: 'km/h', yMin: 0, label: 'speed' }) : h('p', { class: 'muted' }, 'No speed data this day.'));
    const temps = await Promise.all(names.filter((n) => /temp|setpoint/.test(n)).slice(0, 5).map((n) => series(n)));
    add('Temperatures', temps.length ? timeChart(temps, { from, to, unit: '°C', label: 'temperatures' }) : h('p', { class: 'muted' }, 'No temperature data this day.'));
  } catch (err) {
    add('Charts', h('p', { class: 'muted' }, err instanceof ApiError && err.status === 501 ? 'Time series are not available from this service.' : `Could not load the series: ${err.message}`));
  }
}

async function renderTimeline(root, id, from, to, range) {
  try {
    const t = await api(`/api/v1/vehicles/${encodeURIComponent(id)}/sync-timeline${range}&maxPoints=300`);
    const backlog = { name: 'backlog (events)', step: true, points: t.status.map((st) => ({ t: st.t, v: st.backlogEvents })) };
    const lag = { name: 'ingest lag max (s)', points: t.lag.points.map((p) => ({ t: p.t, v: p.max / 1000 })) };
    append(
      root,
      h('p', { class: 'muted' }, 'Shaded: periods the gateway reported itself offline, connecting or paused, and silences without status events. After an offline period the ingest lag shows the backlog draining.'),
      h('div', { class: 'period-legend' }, Object.entries(PERIOD_LABEL).map(([k, label]) => h('span', { class: `period-key period-${k}` }, label))),
      timeChart([backlog], { from, to, periods: t.periods, yMin: 0, label: 'backlog', height: 160 }),
      timeChart([lag], { from, to, periods: t.periods, yMin: 0, unit: 's', label: 'ingest lag', height: 160 }),
      t.periods.length
        ? h('table', { class: 'data small', id: 'sync-periods' }, h('tbody', {}, t.periods.map((p) => h('tr', {}, h('td', {}, PERIOD_LABEL[p.kind] ?? p.kind), h('td', {}, time(p.fromMs)), h('td', {}, time(p.toMs)), h('td', { class: 'num' }, duration(p.toMs - p.fromMs))))))
        : h('p', { class: 'muted' }, 'No offline periods this day.'),
    );
  } catch (err) {
    append(root, h('p', { class: 'muted' }, err.status === 501 ? 'The sync timeline is not available from this service.' : err.message));
  }
}

async function renderRoute(root, id, range) {
  try {
    const r = await api(`/api/v1/vehicles/${encodeURIComponent(id)}/positions${range}&maxPoints=4000`);
    append(
      root,
      routeMap(r.points, r.trips),
      r.trips.length
        ? h(
            'table',
            { class: 'data small' },
            h('thead', {}, h('tr', {}, ['Trip', 'Start', 'End', 'Distance', 'Duration', 'Avg speed', 'Max speed', 'Idle'].map((c) => h('th', {}, c)))),
            h('tbody', {}, r.trips.map((t, i) => h('tr', {}, h('td', {}, i + 1), h('td', {}, time(t.startMs)), h('td', {}, time(t.endMs)), h('td', { class: 'num' }, `${num(t.distanceKm, 1)} km`), h('td', { class: 'num' }, duration(t.durationS * 1000)), h('td', { class: 'num' }, `${num(t.avgSpeedKmh)} km/h`), h('td', { class: 'num' }, `${num(t.maxSpeedKmh)} km/h`), h('td', { class: 'num' }, duration(t.idleS * 1000))))),
          )
        : h('p', { class: 'muted' }, 'No trips this day.'),
      h('p', { class: 'muted small' }, `${num(r.total)} positions${r.total > r.points.length ? `, ${num(r.points.length)} drawn` : ''}.`),
    );
  } catch (err) {
    append(root, h('p', { class: 'muted' }, err.status === 501 ? 'Positions are not available from this service.' : err.message));
  }
}

function alertsSection(alerts) {
  return section(
    'Recent alerts',
    alerts.length
      ? h(
          'table',
          { class: 'data' },
          h('thead', {}, h('tr', {}, ['Raised', 'Severity', 'State', 'Rule', 'Message', 'Peak', 'Cleared'].map((c) => h('th', {}, c)))),
          h('tbody', {}, alerts.map((a) => h('tr', { class: `sev-${a.severity}` }, h('td', {}, time(a.raisedMs)), h('td', {}, h('span', { class: `badge ${a.severity}` }, a.severity)), h('td', {}, a.state), h('td', {}, a.ruleId), h('td', {}, a.message), h('td', { class: 'num' }, num(a.peak, 1)), h('td', {}, time(a.clearedMs))))),
        )
      : h('p', { class: 'muted' }, 'No alerts.'),
  );
}

function actionsSection(id, twin, reload) {
  const out = h('pre', { class: 'json', id: 'action-result' });
  const show = (x) => (out.textContent = typeof x === 'string' ? x : JSON.stringify(x, null, 2));
  const call = async (method) => {
    show(`${method}: waiting for the gateway...`);
    try {
      show(await api(`/api/v1/vehicles/${encodeURIComponent(id)}/methods/${method}`, { method: 'POST', body: { timeoutS: 15 } }));
    } catch (err) {
      show(`${method}: ${err.message}`);
    }
  };
  const current = twin ? { uplink: twin.desired.uplink, rules: twin.desired.rules, killSwitch: twin.desired.killSwitch } : {};
  const editor = h('textarea', { rows: 8, class: 'json', id: 'desired-editor', spellcheck: 'false', 'aria-label': 'desired properties patch' });
  editor.value = JSON.stringify({ killSwitch: current.killSwitch ?? { sensors: [], rules: [] } }, null, 2);
  const send = async () => {
    let patch;
    try {
      patch = JSON.parse(editor.value);
    } catch (err) {
      show(`not JSON: ${err.message}`);
      return;
    }
    try {
      await api(`/api/v1/vehicles/${encodeURIComponent(id)}/desired`, { method: 'PATCH', body: patch });
      show('desired properties updated');
      setTimeout(reload, 500);
    } catch (err) {
      show([err.message, ...(err.details ?? []).slice(1)].join('\n'));
    }
  };
  return section(
    'Actions',
    h('div', { class: 'toolbar' }, ['getStatus', 'flush', 'pauseUplink', 'resumeUplink'].map((m) => h('button', { type: 'button', onclick: () => void call(m), dataset: { method: m } }, m))),
    h('p', { class: 'muted small' }, 'Desired properties (JSON merge patch of uplink, rules, killSwitch; null removes a section). Checked with the gateway\'s own rules before sending.'),
    editor,
    h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: () => void send() }, 'Send desired properties')),
    out,
  );
}
