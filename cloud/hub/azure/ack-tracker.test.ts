import { describe, expect, it } from 'vitest';
import { AckTracker } from './ack-tracker.ts';

describe('AckTracker', () => {
  it('advances only over the unbroken run of done events from the start', () => {
    const t = new AckTracker(4);
    expect(t.checkpointIndex).toBe(-1);
    expect(t.complete(2)).toBe(false);
    expect(t.complete(1)).toBe(false);
    expect(t.checkpointIndex).toBe(-1);
    expect(t.complete(0)).toBe(true);
    expect(t.checkpointIndex).toBe(2);
    expect(t.allDone).toBe(false);
    t.complete(3);
    expect(t.checkpointIndex).toBe(3);
    expect(t.allDone).toBe(true);
  });

  it('never passes a failed event, even when later ones complete', () => {
    const t = new AckTracker(5);
    t.complete(0);
    t.fail(2);
    t.complete(3);
    t.complete(4);
    t.complete(1);
    expect(t.checkpointIndex).toBe(1);
    expect(t.firstFailure).toBe(2);
    t.fail(1);
    expect(t.firstFailure).toBe(1);
  });

  it('refuses indexes outside the batch', () => {
    const t = new AckTracker(2);
    expect(() => t.complete(2)).toThrow(RangeError);
    expect(() => t.fail(-1)).toThrow(RangeError);
  });
});
