/**
 * TLS material of the endpoint: a local CA and a server certificate signed by it, made with the system's openssl on
 * first start and reused afterwards. The server certificate is remade (same CA) when a required host name is not
 * among its SANs or it is close to expiry, so devices that already trust the CA keep working.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env.FLEETSYNC_OPENSSL ?? '/usr/bin/openssl';
const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface HubCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
  /** Names and addresses in the server certificate. */
  hosts: string[];
  /** True when this call made new files. */
  created: { ca: boolean; server: boolean };
}

/** Every name a device on this machine might dial, plus the configured ones. */
export function requiredHosts(extra: readonly string[]): string[] {
  const all = ['localhost', '127.0.0.1', '::1', hostname(), ...extra].map((h) => h.trim()).filter(Boolean);
  return [...new Set(all)];
}

export function sanList(hosts: readonly string[]): string {
  return hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

/** Whether `cert` names every host and was signed by `caPem`, with time left. Pure apart from the clock. */
export function certificateCovers(certPem: string, caPem: string, hosts: readonly string[], now = Date.now()): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    if (!cert.verify(ca.publicKey)) return false;
    if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h, { wildcards: false }) !== undefined));
  } catch {
    return false;
  }
}

async function readIf(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run(OPENSSL, args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-2).join(' ')}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(work: string): Promise<void> {
  await openssl(
    [
      'req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-sha256',
      '-subj', `/O=fleetsync/CN=fleetsync local hub CA (${hostname()})`,
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
    ],
    work,
  );
}

async function makeServer(work: string, caDir: string, hosts: readonly string[]): Promise<void> {
  await openssl(['req', '-new', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/O=fleetsync/CN=${hosts[0] ?? 'localhost'}`], work);
  await writeFile(
    join(work, 'server.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${sanList(hosts)}`,
      'authorityKeyIdentifier=keyid,issuer',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509', '-req', '-in', 'server.csr', '-CA', join(caDir, 'ca.pem'), '-CAkey', join(caDir, 'ca.key'),
      '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '825', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem',
    ],
    work,
  );
}

/** Makes or reuses the CA and server certificate in `dir` (created if needed). */
export async function ensureCertificates(dir: string, extraHosts: readonly string[] = []): Promise<HubCertificates> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hosts = requiredHosts(extraHosts);
  const files = {
    caFile: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
  let ca = await readIf(files.caFile);
  let caKey = await readIf(files.caKey);
  let cert = await readIf(files.certFile);
  let key = await readIf(files.keyFile);
  const created = { ca: false, server: false };
  // Build in a scratch folder and rename into place, so a crash never leaves a key without its certificate.
  const work = await mkdtemp(join(dir, '.work-'));
  try {
    if (!ca || !caKey) {
      await makeCa(work);
      for (const f of ['ca.key', 'ca.pem']) {
        if (f.endsWith('.key')) await chmod(join(work, f), 0o600);
        await rename(join(work, f), join(dir, f));
      }
      ca = await readFile(files.caFile, 'utf8');
      caKey = await readFile(files.caKey, 'utf8');
      created.ca = true;
      cert = undefined;
    }
    if (!cert || !key || !certificateCovers(cert, ca, hosts)) {
      await makeServer(work, dir, hosts);
      await chmod(join(work, 'server.key'), 0o600);
      await rename(join(work, 'server.key'), files.keyFile);
      await rename(join(work, 'server.pem'), files.certFile);
      cert = await readFile(files.certFile, 'utf8');
      key = await readFile(files.keyFile, 'utf8');
      created.server = true;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { caFile: files.caFile, certFile: files.certFile, keyFile: files.keyFile, ca, cert, key, hosts, created };
}
