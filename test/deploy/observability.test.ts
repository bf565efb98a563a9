/**
 * The alert rules and the Grafana dashboard may only use metric names that the gateway and the cloud service really
 * register. The names come from the real registries (edge/metrics.ts, cloud/api/metrics.ts, cloud/hub/spool/spool-metrics.ts),
 * not from a list here.
 * (promtool checks the rules' syntax and behaviour in deploy/check.sh.)
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Registry } from 'prom-client';
import { createGatewayMetrics } from '../../edge/metrics.ts';
import { createApiMetrics, hubGauges, pipelineGauges } from '../../cloud/api/metrics.ts';
import { ingestConsumerMetrics, spoolSourceMetrics, spoolWriterMetrics } from '../../cloud/hub/spool/spool-metrics.ts';
import { emptyStats } from '../../cloud/hub/azure/partition-handler.ts';

const REPO = resolve(import.meta.dirname, '../..');
const read = (p: string): string => readFileSync(join(REPO, p), 'utf8');

function registeredNames(): Set<string> {
  const names = new Set<string>(['up']);
  const add = (registry: Registry): void => {
    for (const m of registry.getMetricsAsArray()) {
      const { name, type } = m as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
    }
  };
  add(createGatewayMetrics({ laneStats: () => ({}), uplinkState: () => 'online', diskBytes: () => 0, quickAck: () => true, quickAcks: () => 0 }).registry);
  const api = createApiMetrics(new Registry(), { defaultMetrics: true });
  pipelineGauges(api.registry, { queries: { counts: () => Promise.reject(new Error('not read here')) }, bronzeStats: { stored: 0, duplicates: 0, commits: 0 } });
  hubGauges(api.registry, () => 0);
  add(api.registry);
  // The ingest role registers the writer's metrics, the pipeline role the source's.
  const spool = new Registry();
  spoolWriterMetrics(spool, { segmentsWritten: 0, recordsWritten: 0, writeFailures: 0, failingSince: null });
  ingestConsumerMetrics(spool, emptyStats);
  spoolSourceMetrics(spool, () => ({ segmentsImported: 0, recordsImported: 0, segmentsQuarantined: 0, importFailures: 0, pendingSegments: 0, oldestPendingAgeMs: 0 }));
  add(spool);
  return names;
}

const NAMES = registeredNames();
/** Identifiers in a PromQL expression that look like fleetsync metric names (label values are quoted, so skipped). */
const metricsIn = (expr: string): string[] => [...expr.replace(/"[^"]*"/g, '""').matchAll(/\b(fleetsync_[a-z0-9_]+|up)\b/g)].map((m) => m[1]!);

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rulesDoc = parseYaml(read('deploy/observability/prometheus/fleetsync-alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
const rules = rulesDoc.groups.flatMap((g) => g.rules);

describe('alert rules', () => {
  it('cover gateway offline, backlog age, evictions, quarantine, pipeline lag and the spool between the cloud roles', () => {
    const alerts = rules.map((r) => r.alert);
    for (const a of [
      'FleetsyncGatewayScrapeDown',
      'FleetsyncGatewayUplinkOffline',
      'FleetsyncGatewayBacklogOld',
      'FleetsyncGatewayEvicting',
      'FleetsyncQuarantineSpike',
      'FleetsyncPipelineLag',
      'FleetsyncSpoolLagHigh',
      'FleetsyncSpoolWriteFailing',
      'FleetsyncIngestDown',
    ]) {
      expect(alerts).toContain(a);
    }
  });

  it.each(rules.map((r) => [r.alert ?? '?', r] as const))('%s uses registered metrics and names a severity and a runbook section', (_name, rule) => {
    const used = metricsIn(rule.expr);
    expect(used.length).toBeGreaterThan(0);
    for (const m of used) expect(NAMES, m).toContain(m);
    expect(['info', 'warning', 'critical']).toContain(rule.labels?.severity);
    const anchor = /^docs\/operations\.md#([a-z0-9-]+)$/.exec(rule.annotations?.runbook ?? '')?.[1];
    expect(anchor, 'runbook').toBeDefined();
    // The anchor must be a heading of the runbook (GitHub's slug: lower case, spaces to dashes).
    const headings = read('docs/operations.md').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#+\s*/, '').toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
    expect(headings).toContain(anchor);
  });
});

describe('Grafana dashboard', () => {
  interface Panel {
    type: string;
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    targets?: { expr: string; refId: string }[];
  }
  const dash = JSON.parse(read('deploy/observability/grafana/fleetsync-overview.json')) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string }[] } };

  it('parses, has an id, a datasource variable and panels for both sides and the spool', () => {
    expect(dash.uid).toBe('fleetsync-overview');
    expect(dash.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['datasource', 'instance']));
    const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join('\n');
    expect(exprs).toMatch(/fleetsync_gateway_oldest_unsent_seconds/);
    expect(exprs).toMatch(/fleetsync_pipeline_pending_batches/);
    for (const m of ['fleetsync_spool_oldest_pending_age_seconds', 'fleetsync_spool_pending_segments', 'fleetsync_spool_segments_written_total', 'fleetsync_spool_write_failures_total']) {
      expect(exprs).toContain(m);
    }
  });

  it('queries only registered metrics', () => {
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        const used = metricsIn(t.expr);
        expect(used.length, `${p.title} ${t.refId}`).toBeGreaterThan(0);
        for (const m of used) expect(NAMES, `${p.title}: ${m}`).toContain(m);
      }
    }
  });

  it('lays panels out without overlaps on a 24-column grid', () => {
    const cells = new Set<string>();
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`;
          expect(cells.has(key), `${p.title} overlaps at ${key}`).toBe(false);
          cells.add(key);
        }
      }
    }
  });
});
