import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './metrics.ts';

describe('gateway metrics read at scrape time', () => {
  it('reports quick ACKs: whether they are on and how many were sent, as the sources say at each scrape', async () => {
    let sent = 0;
    const m = createGatewayMetrics({ laneStats: () => ({}), uplinkState: () => 'online', diskBytes: () => 0, quickAck: () => true, quickAcks: () => sent });
    expect(await m.registry.metrics()).toMatch(/^fleetsync_gateway_tcp_quick_acks_total 0$/m);
    sent = 7;
    const text = await m.registry.metrics();
    expect(text).toMatch(/^fleetsync_gateway_tcp_quick_acks_total 7$/m);
    expect(text).toMatch(/^fleetsync_gateway_tcp_quick_ack 1$/m);
    sent = 9;
    expect(await m.registry.metrics()).toMatch(/^fleetsync_gateway_tcp_quick_acks_total 9$/m);
  });
});
