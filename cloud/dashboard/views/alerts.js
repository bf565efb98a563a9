// Alerts with filters (vehicle, severity, state, day range), from Gold.
import { api, query } from '../api.js';
import { append, clear, duration, h, num, time } from '../dom.js';

export function alertsView(root, { navigate }) {
  const vehicle = h('input', { type: 'search', placeholder: 'vehicle', 'aria-label': 'vehicle', id: 'alerts-vehicle' });
  const severity = h('select', { 'aria-label': 'severity' }, ['', 'info', 'warning', 'critical'].map((x) => h('option', { value: x }, x || 'any severity')));
  const state = h('select', { 'aria-label': 'state' }, ['', 'active', 'raised', 'updated', 'cleared', 'summary'].map((x) => h('option', { value: x }, x || 'any state')));
  const from = h('input', { type: 'date', 'aria-label': 'from' });
  const to = h('input', { type: 'date', 'aria-label': 'to' });
  const msg = h('p', { class: 'muted' });
  const tbody = h('tbody');
  const load = async () => {
    try {
      const q = query({
        vehicle: vehicle.value.trim(),
        severity: severity.value,
        state: state.value,
        from: from.value || undefined,
        to: to.value ? Date.parse(`${to.value}T00:00:00Z`) + 86_399_999 : undefined,
        limit: 500,
      });
      const { alerts } = await api(`/api/v1/alerts${q}`);
      clear(tbody);
      for (const a of alerts) {
        tbody.append(
          h(
            'tr',
            { class: `sev-${a.severity}` },
            h('td', {}, time(a.raisedMs)),
            h('td', {}, h('a', { href: `#/vehicle/${encodeURIComponent(a.vehicle)}`, onclick: (e) => { e.preventDefault(); navigate(`#/vehicle/${encodeURIComponent(a.vehicle)}`); } }, a.vehicle)),
            h('td', {}, h('span', { class: `badge ${a.severity}` }, a.severity)),
            h('td', {}, a.state),
            h('td', {}, a.ruleId),
            h('td', {}, a.message),
            h('td', { class: 'num' }, num(a.peak, 1)),
            h('td', { class: 'num' }, a.durationS === null ? 'active' : duration(a.durationS * 1000)),
          ),
        );
      }
      msg.textContent = `${alerts.length} alerts`;
    } catch (err) {
      msg.textContent = err.message;
    }
  };
  for (const el of [severity, state, from, to]) el.addEventListener('change', load);
  vehicle.addEventListener('change', load);
  append(
    clear(root),
    h('h1', {}, 'Alerts'),
    h('div', { class: 'toolbar' }, vehicle, severity, state, h('label', {}, 'from ', from), h('label', {}, 'to ', to)),
    msg,
    h('table', { class: 'data' }, h('thead', {}, h('tr', {}, ['Raised', 'Vehicle', 'Severity', 'State', 'Rule', 'Message', 'Peak', 'Duration'].map((c) => h('th', {}, c)))), tbody),
  );
  void load();
  return () => undefined;
}
