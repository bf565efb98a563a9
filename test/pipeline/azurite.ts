/** Starts the Azurite Blob emulator from node_modules on a free port with a temporary folder, for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<RunningAzurite> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-azurite-'));
  const bin = join(process.cwd(), 'node_modules', '.bin', 'azurite-blob');
  const proc: ChildProcess = spawn(
    bin,
    ['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', dir, '--silent', '--skipApiVersionCheck', '--disableTelemetry'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Azurite did not start within 20 s: ${stderr}`)), 20_000);
      proc.once('error', (err) => reject(err));
      proc.once('exit', (code) => reject(new Error(`Azurite exited with ${String(code)}: ${stderr}`)));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    return {
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`,
      stop: async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          const exited = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
