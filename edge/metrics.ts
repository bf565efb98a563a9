import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Lane, LaneStatus } from '../shared/contracts/types.ts';
import { LANES } from '../shared/contracts/types.ts';

/** Live values the gauges read at scrape time, so nothing on the hot path updates them. */
export interface GatewayGaugeSources {
  laneStats(): Partial<Record<Lane, LaneStatus>>;
  uplinkState(): string;
  diskBytes(): number;
  /** Whether sensor connections get TCP quick ACKs (false in external-broker mode). */
  quickAck(): boolean;
  /** Quick ACKs sent so far (reads no PUBACK answered within broker.tcp.quickAckAfterMs). */
  quickAcks(): number;
}

const UPLINK_STATES = ['connecting', 'online', 'offline', 'paused', 'closed'] as const;

export function createGatewayMetrics(src: GatewayGaugeSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fleetsync_gateway_process_' });
  const lanes = () => Object.entries(src.laneStats()) as [Lane, LaneStatus][];
  // Counted for every sensor message as plain numbers and read at scrape time: prom-client's inc() builds a label
  // hash string on every call, even through a labels() child.
  const perMessage = { ingestedByQos: [0, 0, 0], qos0: 0 };
  const m = {
    registry,
    perMessage,
    ingested: new Counter({
      name: 'fleetsync_gateway_ingested_total', help: 'Sensor items accepted into the journal', labelNames: ['lane', 'qos'], registers: [registry],
      collect() {
        this.reset();
        perMessage.ingestedByQos.forEach((n, qos) => n > 0 && this.inc({ lane: 'telemetry', qos: String(qos) }, n));
      },
    }),
    qos0: new Counter({
      name: 'fleetsync_gateway_qos0_total', help: 'QoS 0 publishes (best effort, not acknowledged)', registers: [registry],
      collect() {
        this.reset();
        if (perMessage.qos0 > 0) this.inc(perMessage.qos0);
      },
    }),
    rejects: new Counter({ name: 'fleetsync_gateway_rejects_total', help: 'Payloads kept in the rejects lane', labelNames: ['reason'], registers: [registry] }),
    authFailures: new Counter({ name: 'fleetsync_gateway_auth_failures_total', help: 'Refused sensor connections', registers: [registry] }),
    connectionErrors: new Counter({ name: 'fleetsync_gateway_connection_errors_total', help: 'Sensor connections ended by protocol errors, oversized packets or failed TLS handshakes', registers: [registry] }),
    aclDenied: new Counter({ name: 'fleetsync_gateway_acl_denied_total', help: 'Refused publishes and subscriptions', registers: [registry] }),
    storeFailures: new Counter({ name: 'fleetsync_gateway_store_failures_total', help: 'Publishes not acknowledged because the journal could not store them', registers: [registry] }),
    undecodable: new Counter({ name: 'fleetsync_gateway_journal_undecodable_total', help: 'Stored events that no longer decode (damaged on disk), left out of the uplink', labelNames: ['lane'], registers: [registry] }),
    alerts: new Counter({ name: 'fleetsync_gateway_alerts_total', help: 'Alert lifecycle events emitted', labelNames: ['state', 'severity'], registers: [registry] }),
    batchesSent: new Counter({ name: 'fleetsync_gateway_batches_sent_total', help: 'Batches acknowledged by the hub', labelNames: ['lane'], registers: [registry] }),
    eventsSent: new Counter({ name: 'fleetsync_gateway_events_sent_total', help: 'Events acknowledged by the hub', labelNames: ['lane'], registers: [registry] }),
    sendFailures: new Counter({ name: 'fleetsync_gateway_send_failures_total', help: 'Batch sends that failed or timed out', registers: [registry] }),
    // Observed once per write batch (hundreds a second at most), not per message. Every PUBACK waits for one.
    journalWrite: new Histogram({
      name: 'fleetsync_gateway_journal_write_seconds', help: 'Journal write batches by duration, fsync included: what each PUBACK waits for',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
    }),
  };
  new Gauge({
    name: 'fleetsync_gateway_journal_events', help: 'Unsent events per lane', labelNames: ['lane'], registers: [registry],
    collect() { for (const [lane, s] of lanes()) this.set({ lane }, s.backlogEvents); },
  });
  new Gauge({
    name: 'fleetsync_gateway_journal_bytes', help: 'Unsent bytes per lane', labelNames: ['lane'], registers: [registry],
    collect() { for (const [lane, s] of lanes()) this.set({ lane }, s.backlogBytes); },
  });
  new Gauge({
    name: 'fleetsync_gateway_oldest_unsent_seconds', help: 'Age of the oldest unsent event per lane', labelNames: ['lane'], registers: [registry],
    collect() {
      const now = Date.now();
      for (const [lane, s] of lanes()) this.set({ lane }, s.oldestUnsentMs === null ? 0 : Math.max(0, (now - s.oldestUnsentMs) / 1000));
    },
  });
  new Gauge({
    name: 'fleetsync_gateway_evictions', help: 'Events evicted by the journal cap, per lane (persisted across restarts)', labelNames: ['lane'], registers: [registry],
    collect() { for (const lane of LANES) this.set({ lane }, src.laneStats()[lane]?.evicted ?? 0); },
  });
  new Gauge({
    name: 'fleetsync_gateway_downsampled', help: 'Of the evictions, telemetry folded into rollups or thinned positions instead of lost (persisted)', labelNames: ['lane'], registers: [registry],
    collect() { for (const lane of LANES) this.set({ lane }, src.laneStats()[lane]?.downsampled ?? 0); },
  });
  new Gauge({
    name: 'fleetsync_gateway_uplink_state', help: '1 for the uplink state the gateway is in', labelNames: ['state'], registers: [registry],
    collect() { const cur = src.uplinkState(); for (const s of UPLINK_STATES) this.set({ state: s }, s === cur ? 1 : 0); },
  });
  new Gauge({
    name: 'fleetsync_gateway_disk_bytes', help: 'Journal size on disk', registers: [registry],
    collect() { this.set(src.diskBytes()); },
  });
  new Gauge({
    name: 'fleetsync_gateway_tcp_quick_ack', help: "1 when sensor connections get TCP quick ACKs, so a sensor's Nagle algorithm cannot hold its next PUBLISH behind a PUBACK waiting for the disk", registers: [registry],
    collect() { this.set(src.quickAck() ? 1 : 0); },
  });
  new Counter({
    name: 'fleetsync_gateway_tcp_quick_acks_total', help: 'ACKs sent on their own because no PUBACK answered a sensor\'s data within broker.tcp.quickAckAfterMs (the journal was slow)', registers: [registry],
    collect() {
      this.reset();
      const n = src.quickAcks();
      if (n > 0) this.inc(n);
    },
  });
  return m;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
