/**
 * TLS material of the endpoint: a local CA and a server certificate signed by it, made with the system's openssl on
 * first start and reused afterwards. The server certificate is remade (same CA) when a required host name is not
 * among its SANs, it is close to expiry, or it starts too late (see BACKDATE_MS), so devices that already trust the CA
 * keep working.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env.FLEETSYNC_OPENSSL ?? '/usr/bin/openssl';
const DAY_MS = 86_400_000;
const RENEW_BEFORE_MS = 30 * DAY_MS;
/**
 * Both certificates are valid from this long before they are made. A device whose clock runs behind the hub's (an RTC
 * that drifted while the truck stood, NTP not reached yet after boot) would otherwise find a certificate made "now"
 * not yet valid and could not connect at all until its clock caught up.
 */
export const BACKDATE_MS = 2 * DAY_MS;
const CA_DAYS = 3650;
const SERVER_DAYS = 825;

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
    if (Date.parse(cert.validFrom) > now - BACKDATE_MS) return false;
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

/** ASN.1 time as `openssl ca -startdate/-enddate` takes it. */
export const asn1Time = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * Signs `csr` into `out` with `openssl ca`, the only openssl 3.0 command that sets a certificate's start date
 * (`req -x509` and `x509 -req` start it now). `selfKey` signs with the request's own key (the CA itself).
 */
async function sign(work: string, o: { csr: string; out: string; ext: string; days: number; issuer: { cert: string; key: string } | { selfKey: string } }): Promise<void> {
  await writeFile(
    join(work, 'ca.cnf'),
    [
      '[ca]', 'default_ca = local',
      '[local]', 'database = index.txt', 'new_certs_dir = .', 'default_md = sha256', 'policy = any', 'unique_subject = no', 'rand_serial = yes', 'email_in_dn = no',
      '[any]', 'organizationName = optional', 'commonName = supplied', '',
    ].join('\n'),
  );
  await writeFile(join(work, 'index.txt'), '');
  // `days` counts from the backdated start: 825 days in all is the longest server certificate some TLS clients take.
  const start = Date.now() - BACKDATE_MS;
  const by = 'selfKey' in o.issuer ? ['-selfsign', '-keyfile', o.issuer.selfKey] : ['-cert', o.issuer.cert, '-keyfile', o.issuer.key];
  await openssl(
    [
      'ca', '-batch', '-config', 'ca.cnf', ...by, '-in', o.csr, '-out', o.out, '-notext', '-extfile', o.ext,
      '-startdate', asn1Time(start), '-enddate', asn1Time(start + o.days * DAY_MS),
    ],
    work,
  );
}

async function makeCa(work: string): Promise<void> {
  await openssl(['req', '-new', ...EC, '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', `/O=fleetsync/CN=fleetsync local hub CA (${hostname()})`], work);
  await writeFile(
    join(work, 'ca.ext'),
    ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', ''].join('\n'),
  );
  await sign(work, { csr: 'ca.csr', out: 'ca.pem', ext: 'ca.ext', days: CA_DAYS, issuer: { selfKey: 'ca.key' } });
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
  await sign(work, { csr: 'server.csr', out: 'server.pem', ext: 'server.ext', days: SERVER_DAYS, issuer: { cert: join(caDir, 'ca.pem'), key: join(caDir, 'ca.key') } });
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
