import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { ContainerSASPermissions } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAzureHubSettings } from './config.ts';
import { checkpointContainer, createConsumerPort } from './sdk-adapters.ts';

// Azurite's well-known development account (public, documented by Microsoft).
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const KEY = Buffer.alloc(32, 5).toString('base64');

let azurite: ChildProcess | undefined;
let dir = '';
let blobEndpoint = '';

async function startAzurite(location: string): Promise<{ proc: ChildProcess; port: number }> {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'azurite-blob');
  const proc = spawn(bin, ['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', location, '--silent', '--skipApiVersionCheck', '--disableTelemetry'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Azurite did not start within 20 s')), 20_000);
    proc.once('exit', (code) => reject(new Error(`Azurite exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { proc, port };
}

function settingsWith(checkpoint: Record<string, unknown>) {
  return parseAzureHubSettings({
    iotHub: { connectionString: `HostName=fleet-hub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=${KEY}` },
    eventHub: { connectionString: `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${KEY};EntityPath=fleet-hub` },
    checkpoint,
  });
}

const checkpoint = (partitionId: string, sequenceNumber: number) => ({
  fullyQualifiedNamespace: 'ns.servicebus.windows.net',
  eventHubName: 'fleet-hub',
  consumerGroup: 'fleetsync',
  partitionId,
  sequenceNumber,
  offset: String(sequenceNumber * 100),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetsync-azurite-'));
  const started = await startAzurite(dir);
  azurite = started.proc;
  blobEndpoint = `http://127.0.0.1:${started.port}/${DEV_ACCOUNT}`;
}, 30_000);

afterAll(async () => {
  if (azurite && azurite.exitCode === null) {
    const exited = new Promise((r) => azurite!.once('exit', r));
    azurite.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('checkpoint store built from the settings (real Azurite storage emulator)', () => {
  it('creates the container when asked and round-trips checkpoints through BlobCheckpointStore', async () => {
    const s = settingsWith({
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
      container: 'fleetsync-cp-a',
      createIfMissing: true,
    });
    const { consumer, prepare } = createConsumerPort(s);
    await prepare();
    const container = checkpointContainer(s);
    expect(await container.exists()).toBe(true);

    const store = new BlobCheckpointStore(container);
    await store.updateCheckpoint(checkpoint('0', 41));
    await store.updateCheckpoint(checkpoint('1', 7));
    await store.updateCheckpoint(checkpoint('0', 42));
    const listed = await store.listCheckpoints('ns.servicebus.windows.net', 'fleet-hub', 'fleetsync');
    expect(listed.map((c) => [c.partitionId, c.sequenceNumber]).sort()).toEqual([
      ['0', 42],
      ['1', 7],
    ]);
    await consumer.close();
  });

  it('works from a container URL that carries a SAS token, as an operator without the account key would configure it', async () => {
    const owner = settingsWith({
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
      container: 'fleetsync-cp-b',
      createIfMissing: true,
    });
    await createConsumerPort(owner).prepare();
    const sasUrl = await checkpointContainer(owner).generateSasUrl({
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 3600_000),
    });

    const s = settingsWith({ containerUrl: sasUrl });
    const store = new BlobCheckpointStore(checkpointContainer(s));
    await store.updateCheckpoint(checkpoint('3', 5));
    const listed = await store.listCheckpoints('ns.servicebus.windows.net', 'fleet-hub', 'fleetsync');
    expect(listed.map((c) => [c.partitionId, c.sequenceNumber, c.offset])).toEqual([['3', 5, '500']]);
  });

  it('leaves a missing container alone unless told to create it', async () => {
    const s = settingsWith({
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
      container: 'fleetsync-cp-c',
    });
    await createConsumerPort(s).prepare();
    expect(await checkpointContainer(s).exists()).toBe(false);
  });
});
