// The pipeline: rows per layer, data quality, quarantine reasons, throughput.
import { api } from '../api.js';
import { append, bytes, clear, h, num } from '../dom.js';

function table(title, rows) {
  return h('section', { class: 'panel' }, h('h2', {}, title), h('table', { class: 'data small' }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, v))))));
}

export function pipelineView(root) {
  let timer = null;
  const body = h('div', { id: 'pipeline' });
  append(clear(root), h('h1', {}, 'Pipeline'), body);
  const load = async () => {
    let p;
    try {
      p = await api('/api/v1/pipeline');
    } catch (err) {
      append(clear(body), h('p', { class: 'error' }, err.message));
      return;
    }
    const q = p.quality;
    const pct = q.validPct === null ? null : q.validPct;
    const bar = h('div', { class: 'quality-bar', role: 'meter', 'aria-valuenow': pct ?? 0, 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div', { class: 'quality-fill' }));
    // Width through the CSSOM: inline style attributes are refused by the content security policy.
    bar.firstChild.style.width = `${pct ?? 0}%`;
    append(
      clear(body),
      p.error ? h('p', { class: 'error' }, `Background processing is failing: ${p.error}`) : null,
      h(
        'div',
        { class: 'grid3' },
        table('Bronze', [
          ['Batches', num(p.bronze.batches)],
          ['Bytes', bytes(p.bronze.bytes)],
          ['Redelivered batches (not stored again)', num(p.bronze.duplicateBatches)],
          ['Undecodable batches', num(p.bronze.undecodable)],
        ]),
        table('Silver', [
          ['Readings', num(p.silver.readings)],
          ['Positions', num(p.silver.positions)],
          ['Alert messages', num(p.silver.alerts)],
          ['Gateway status', num(p.silver.statuses)],
          ['Rollups (readings folded on the gateway)', num(p.silver.rollups)],
          ['Quarantined', num(p.silver.quarantined)],
          ['Bronze batches waiting', num(p.silver.pendingBatches)],
        ]),
        table('Gold', [
          ['Vehicle days', num(p.gold.vehicleDays)],
          ['Trips', num(p.gold.trips)],
          ['Stops', num(p.gold.stops)],
          ['Alerts', num(p.gold.alerts)],
          ['Reefer days', num(p.gold.reeferDays)],
          ['Driver days', num(p.gold.driverDays)],
          ['Partitions to refresh', num(p.gold.dirtyPartitions)],
        ]),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Data quality'),
        h('p', {}, pct === null ? 'No events yet.' : `${num(pct, 2)} % valid: ${num(q.valid)} valid, ${num(q.quarantined)} quarantined, ${num(q.duplicates)} duplicates dropped.`),
        bar,
        Object.keys(q.byReason).length
          ? h('table', { class: 'data small', id: 'quarantine-reasons' }, h('thead', {}, h('tr', {}, h('th', {}, 'Quarantine reason'), h('th', {}, 'Events'))), h('tbody', {}, Object.entries(q.byReason).map(([r, n]) => h('tr', {}, h('td', {}, r), h('td', { class: 'num' }, num(n))))))
          : null,
      ),
      table('Throughput (last minute, by hub receive time)', p.throughput
        ? [
            ['Batches', num(p.throughput.batches)],
            ['Events', num(p.throughput.events)],
            ['Events per second', num(p.throughput.eventsPerS, 1)],
            ['Bytes', bytes(p.throughput.bytes)],
            ['Silver events', num(p.throughput.silverEvents)],
          ]
        : [['Not available', '–']]),
      table('Since the service started', [
        ['Batches stored', num(p.sinceStart.stored)],
        ['Redeliveries recognised', num(p.sinceStart.duplicates)],
        ['Commits', num(p.sinceStart.commits)],
        ['Export partitions pending', num(p.exportPending)],
      ]),
    );
  };
  void load();
  timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}
