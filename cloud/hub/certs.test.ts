import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BACKDATE_MS, asn1Time, ensureCertificates, certificateCovers, sanList } from './certs.ts';

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

  it('writes openssl ca dates as UTC seconds', () => {
    expect(asn1Time(Date.UTC(2026, 10, 22, 7, 5, 9, 999))).toBe('20261122070509Z');
  });

  it('dates both certificates from before they were made, so a device whose clock is behind can connect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-certs-'));
    dirs.push(dir);
    const before = Date.now();
    const made = await ensureCertificates(dir);
    const after = Date.now();
    for (const pem of [made.ca, made.cert]) {
      const c = new X509Certificate(pem);
      // Whole seconds in the certificate: allow one either side.
      expect(Date.parse(c.validFrom)).toBeGreaterThanOrEqual(before - BACKDATE_MS - 1000);
      expect(Date.parse(c.validFrom)).toBeLessThanOrEqual(after - BACKDATE_MS + 1000);
    }
    // 825 days in all for the server certificate, counted from its backdated start.
    const server = new X509Certificate(made.cert);
    expect(Date.parse(server.validTo) - Date.parse(server.validFrom)).toBe(825 * 86_400_000);
    expect(certificateCovers(made.cert, made.ca, made.hosts)).toBe(true);
  });

  it('remakes a server certificate that starts when it was made (as openssl x509 -req makes them), keeping the CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-certs-'));
    dirs.push(dir);
    const first = await ensureCertificates(dir);
    // The server certificate as earlier versions made it: same key, CA and names, valid from now.
    await writeFile(join(dir, 'old.ext'), `subjectAltName=${sanList(first.hosts)}\n`);
    const run = (args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(['req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'old.csr']);
    run(['x509', '-req', '-in', 'old.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-days', '825', '-extfile', 'old.ext', '-out', 'server.pem']);
    const old = await readFile(join(dir, 'server.pem'), 'utf8');
    expect(certificateCovers(old, first.ca, first.hosts)).toBe(false);

    const again = await ensureCertificates(dir);
    expect(again.created).toEqual({ ca: false, server: true });
    expect(again.ca).toBe(first.ca);
    expect(certificateCovers(again.cert, again.ca, again.hosts)).toBe(true);
  });
});
