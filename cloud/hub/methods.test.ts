import { describe, it, expect } from 'vitest';
import { MethodCalls, parseMethodPayload } from './methods.ts';
import { isHubError } from './errors.ts';

describe('method calls', () => {
  it('sends now when the device can take it, resolves on the answer from that device only', async () => {
    const sent: string[] = [];
    const calls = new MethodCalls((c) => (sent.push(c.rid), true));
    const p = calls.invoke('d1', 'reboot', { delay: 1 }, 5);
    expect(sent).toHaveLength(1);
    expect(calls.respond('d2', sent[0]!, 200, Buffer.from('{}'))).toBe(false);
    expect(calls.respond('d1', sent[0]!, 200, Buffer.from('{"ok":true}'))).toBe(true);
    await expect(p).resolves.toEqual({ status: 200, payload: { ok: true } });
  });

  it('holds a call for an offline device, sends it when the device comes, times out otherwise', async () => {
    let online = false;
    const sent: string[] = [];
    const calls = new MethodCalls((c) => (online ? (sent.push(c.rid), true) : false));
    const late = calls.invoke('d1', 'm', null, 0.05);
    await expect(late).rejects.toSatisfy((e: unknown) => isHubError(e, 'METHOD_TIMEOUT') && /not connected/.test((e as Error).message));
    const waiting = calls.invoke('d1', 'm', null, 5);
    online = true;
    calls.flush('d1');
    calls.respond('d1', sent[0]!, 404, Buffer.alloc(0));
    await expect(waiting).resolves.toEqual({ status: 404, payload: null });
  });

  it('parses payloads leniently', () => {
    expect(parseMethodPayload(Buffer.from('"x"'))).toBe('x');
    expect(parseMethodPayload(Buffer.from('not json'))).toBe('not json');
  });
});
