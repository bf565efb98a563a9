/**
 * Deterministic alert ids: the same inputs replayed through a fresh engine give the same ids, so the journal, the
 * retained MQTT topics and the cloud deduplicate replays. Hex only, so the id is safe as an MQTT topic level.
 */
import { createHash } from 'node:crypto';

export function alertId(vehicle: string, ruleId: string, instance: string, raisedAtMs: number, seq: number): string {
  return createHash('sha256')
    .update(`${vehicle}\u0000${ruleId}\u0000${instance}\u0000${raisedAtMs}\u0000${seq}`)
    .digest('hex')
    .slice(0, 24);
}
