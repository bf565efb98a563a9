import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { ensureCertificates, certificateCovers, sanList } from './certs.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('hub certificates', () => {
  it('writes SANs for names and addresses', () => {
    expect(sanList(['localhost', '127.0.0.1', '::1'])).toBe('DNS:localhost,IP:127.0.0.1,IP:::1');
  });

  it('makes a CA and a server certificate with the required SANs, then reuses them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-certs-'));
    dirs.push(dir);
    const first = await ensureCertificates(dir, ['fleet.example.test']);
    expect(first.created).toEqual({ ca: true, server: true });
    const cert = new X509Certificate(first.cert);
    for (const h of ['localhost', hostname(), 'fleet.example.test']) expect(cert.checkHost(h)).toBe(h);
    for (const ip of ['127.0.0.1', '::1']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.verify(new X509Certificate(first.ca).publicKey)).toBe(true);
    expect(new X509Certificate(first.ca).ca).toBe(true);
    expect((await stat(join(dir, 'ca.key'))).mode & 0o077).toBe(0);

    const again = await ensureCertificates(dir, ['fleet.example.test']);
    expect(again.created).toEqual({ ca: false, server: false });
    expect(again.cert).toBe(first.cert);

    // A new host name remakes only the server certificate: the CA devices trust stays the same.
    const more = await ensureCertificates(dir, ['fleet.example.test', '10.1.2.3']);
    expect(more.created).toEqual({ ca: false, server: true });
    expect(more.ca).toBe(first.ca);
    expect(certificateCovers(more.cert, more.ca, ['10.1.2.3', 'localhost'])).toBe(true);
    expect(certificateCovers(first.cert, first.ca, ['10.1.2.3'])).toBe(false);
  });
});
