import { describe, expect, it } from 'vitest';
import { linkErrorHint } from './link-error-hint.ts';

describe('linkErrorHint', () => {
  it('points at the clock when the SDK reports a certificate time error as "Not authorized"', () => {
    // The message the device SDK gives for a hub certificate made after this gateway's clock time.
    expect(linkErrorHint('mqtt.js returned Failure on first connection (Not authorized): certificate is not yet valid error')).toMatch(/clock is probably behind/);
    expect(linkErrorHint('mqtt.js returned Failure on first connection (Not authorized): certificate has expired error')).toMatch(/clock is ahead/);
  });

  it('names the CA file for chain errors and DNS for unresolved hosts', () => {
    expect(linkErrorHint('mqtt.js returned Failure on first connection (Not authorized): self-signed certificate in certificate chain error')).toMatch(/uplink\.caFile/);
    expect(linkErrorHint('unable to verify the first certificate')).toMatch(/uplink\.caFile/);
    expect(linkErrorHint('getaddrinfo ENOTFOUND hub.example.test')).toMatch(/does not resolve/);
  });

  it('adds nothing where the message says enough', () => {
    expect(linkErrorHint('connect ECONNREFUSED 127.0.0.1:8883')).toBeUndefined();
    expect(linkErrorHint('')).toBeUndefined();
  });
});
