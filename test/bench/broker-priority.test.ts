import { describe, expect, it } from 'vitest';
import { getPriority } from 'node:os';
import { brokerPriority, deployedNice, startBroker } from '../../bench/suites/edge-procs.ts';

describe('bench broker children run at the systemd unit\'s priority (real child process)', () => {
  it('reads Nice= from the unit: the gateway is to get a core before other processes', () => {
    expect(deployedNice()).toBeLessThan(0);
  });

  it('starts a broker with that niceness, or says that it could not', async () => {
    const broker = await startBroker('aedes');
    try {
      const got = getPriority(broker.child.pid);
      if (process.getuid?.() === 0) {
        expect(got).toBe(deployedNice());
        expect(brokerPriority()).toBe(`brokers at niceness ${deployedNice()} (the unit's Nice=)`);
      } else {
        expect(brokerPriority()).toBe(`brokers at niceness ${got}, not the unit's ${deployedNice()} (needs root or CAP_SYS_NICE)`);
      }
    } finally {
      await broker.child.stop();
    }
  }, 120_000);
});
