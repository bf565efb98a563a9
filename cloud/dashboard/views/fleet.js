// The fleet table: every vehicle with its sync status, sortable and filterable, refreshed every few seconds.
import { api } from '../api.js';
import { ago, append, clear, duration, h, num } from '../dom.js';

const COLUMNS = [
  { key: 'id', label: 'Vehicle', value: (v) => v.id },
  { key: 'status', label: 'Status', value: (v) => v.status },
  { key: 'lastSeenMs', label: 'Last seen', value: (v) => v.lastSeenMs ?? -1 },
  { key: 'lastEventMs', label: 'Last event', value: (v) => v.lastEventMs ?? -1 },
  { key: 'backlog', label: 'Backlog', value: (v) => v.backlog?.backlogEvents ?? -1, title: 'events the gateway still has to send (its twin report)' },
  { key: 'oldest', label: 'Oldest unsent', value: (v) => v.backlog?.oldestUnsentAgeMs ?? -1 },
  { key: 'lag', label: 'Ingest lag', value: (v) => v.ingestLagMs ?? -1, title: 'hub receive time minus event time of the last batch' },
  { key: 'gaps', label: 'Open gaps', value: (v) => v.openGapEvents },
  { key: 'dups', label: 'Duplicates', value: (v) => v.duplicateEvents + v.duplicateBatches },
  { key: 'quarantined', label: 'Quarantined', value: (v) => v.quarantined },
  { key: 'evicted', label: 'Evicted', value: (v) => v.evicted, title: 'telemetry the gateway dropped under its disk cap; "rolled up": folded into rollups or thinned, not lost' },
  { key: 'alerts', label: 'Active alerts', value: (v) => v.activeAlerts },
];

export function fleetView(root, { navigate }) {
  let vehicles = [];
  let sort = { key: 'id', dir: 1 };
  let timer = null;
  const filterText = h('input', { type: 'search', placeholder: 'Filter vehicles', id: 'fleet-filter', 'aria-label': 'filter vehicles' });
  const filterStatus = h(
    'select',
    { id: 'fleet-status', 'aria-label': 'status' },
    h('option', { value: '' }, 'any status'),
    h('option', { value: 'online' }, 'online'),
    h('option', { value: 'offline' }, 'offline'),
    h('option', { value: 'unknown' }, 'unknown'),
  );
  const counts = h('span', { class: 'muted', id: 'fleet-counts' });
  const tbody = h('tbody');
  const headRow = h('tr');
  const note = h('p', { class: 'muted' });
  const table = h('table', { class: 'data fleet', id: 'fleet-table' }, h('thead', {}, headRow), tbody);
  append(clear(root), h('h1', {}, 'Fleet'), h('div', { class: 'toolbar' }, filterText, filterStatus, counts), table, note);

  const renderHead = () => {
    clear(headRow);
    for (const c of COLUMNS) {
      const arrow = sort.key === c.key ? (sort.dir > 0 ? ' ▲' : ' ▼') : '';
      headRow.append(
        h('th', { scope: 'col', title: c.title, 'aria-sort': sort.key === c.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
          h('button', { class: 'sort', type: 'button', onclick: () => { sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : 1 }; render(); } }, c.label + arrow)),
      );
    }
  };

  const render = () => {
    renderHead();
    const text = filterText.value.trim().toLowerCase();
    const status = filterStatus.value;
    const col = COLUMNS.find((c) => c.key === sort.key) ?? COLUMNS[0];
    const rows = vehicles
      .filter((v) => (!text || v.id.toLowerCase().includes(text) || (v.deviceId ?? '').toLowerCase().includes(text)) && (!status || v.status === status))
      .sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        return (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1) * sort.dir;
      });
    const now = Date.now();
    clear(tbody);
    for (const v of rows) {
      const backlog = v.backlog;
      tbody.append(
        h(
          'tr',
          { dataset: { vehicle: v.id }, class: `status-${v.status}` },
          h('td', {}, h('a', { href: `#/vehicle/${encodeURIComponent(v.id)}`, onclick: (e) => { e.preventDefault(); navigate(`#/vehicle/${encodeURIComponent(v.id)}`); } }, v.id), v.deviceId && v.deviceId !== v.id ? h('span', { class: 'muted small' }, ` ${v.deviceId}`) : null),
          h('td', {}, h('span', { class: `badge ${v.status}` }, v.status), v.connected ? h('span', { class: 'muted small', title: 'connected to the hub' }, ' ●') : null),
          h('td', { title: v.lastSeenMs ? new Date(v.lastSeenMs).toISOString() : '' }, ago(v.lastSeenMs, now)),
          h('td', { title: v.lastEventMs ? new Date(v.lastEventMs).toISOString() : '' }, ago(v.lastEventMs, now)),
          h('td', { class: `num ${backlog?.backlogEvents > 0 ? 'warn' : ''}`, title: backlog ? Object.entries(backlog.lanes).map(([l, s]) => `${l}: ${s.backlogEvents ?? '?'}`).join(', ') : 'no report from the gateway' }, backlog ? num(backlog.backlogEvents) : '–'),
          h('td', { class: 'num' }, backlog ? duration(backlog.oldestUnsentAgeMs) : '–'),
          h('td', { class: `num ${v.ingestLagMs > 300_000 ? 'warn' : ''}` }, duration(v.ingestLagMs)),
          h('td', { class: `num ${v.openGapEvents > 0 ? 'warn' : ''}`, title: `${v.openGaps} gaps` }, num(v.openGapEvents)),
          h('td', { class: 'num' }, num(v.duplicateEvents + v.duplicateBatches)),
          h('td', { class: `num ${v.quarantined > 0 ? 'warn' : ''}` }, num(v.quarantined)),
          // Folded into rollups is a loss of detail, not of data: only the rest is marked bad.
          h('td', { class: `num ${v.evicted > v.downsampled ? 'bad' : v.evicted > 0 ? 'warn' : ''}` }, num(v.evicted), v.downsampled > 0 ? h('span', { class: 'muted small' }, ` (${num(v.downsampled)} rolled up)`) : null),
          h('td', { class: `num ${v.activeAlerts > 0 ? 'bad' : ''}` }, num(v.activeAlerts)),
        ),
      );
    }
    const by = (st) => vehicles.filter((v) => v.status === st).length;
    counts.textContent = `${vehicles.length} vehicles: ${by('online')} online, ${by('offline')} offline, ${by('unknown')} unknown`;
  };

  const load = async () => {
    try {
      const r = await api('/api/v1/vehicles');
      vehicles = r.vehicles;
      note.textContent = `Online: connected to the hub, or seen in the last ${r.onlineWindowS} s. Offline: seen longer ago. Unknown: never seen.`;
      render();
    } catch (err) {
      note.textContent = `Could not load the fleet: ${err.message}`;
    }
  };
  filterText.addEventListener('input', render);
  filterStatus.addEventListener('change', render);
  void load();
  timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}
