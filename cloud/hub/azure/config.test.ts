import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../shared/settings/load-settings.ts';
import { applyAzureEnv, azureEnvConfigured, eventHubNameOf, parseAzureHubSettings } from './config.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const HUB_CS = `HostName=fleet-hub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=${KEY}`;
const EH_CS = `Endpoint=sb://ihsuprodamres001dednamespace.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${KEY};EntityPath=fleet-hub`;
const ST_CS = `DefaultEndpointsProtocol=https;AccountName=fleetsyncst;AccountKey=${KEY};EndpointSuffix=core.windows.net`;

const valid = () => ({
  iotHub: { connectionString: HUB_CS },
  eventHub: { connectionString: EH_CS },
  checkpoint: { connectionString: ST_CS },
});

function issuesOf(f: () => unknown): { path: string; message: string }[] {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).issues;
  }
  throw new Error('expected a SettingsError');
}

describe('Azure hub settings', () => {
  it('fills defaults for everything but the connection strings', () => {
    const s = parseAzureHubSettings(valid());
    expect(s.eventHub).toMatchObject({ consumerGroup: 'fleetsync', startPosition: 'earliest', maxBatchSize: 100, sinkConcurrency: 16, sinkRetries: 3 });
    expect(s.checkpoint).toMatchObject({ container: 'fleetsync-checkpoints', createIfMissing: false });
    expect(s.methods).toEqual({ defaultTimeoutS: 30, connectTimeoutS: 0 });
    expect(s.connection).toEqual({ mode: 'events', pollIntervalS: 60 });
    expect(eventHubNameOf(s)).toBe('fleet-hub');
  });

  it('names the path of a missing section and of a value out of range', () => {
    const issues = issuesOf(() => parseAzureHubSettings({ eventHub: { connectionString: EH_CS, maxBatchSize: 0 }, checkpoint: {} }, 'cloud.json'));
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('/iotHub');
    expect(paths).toContain('/eventHub/maxBatchSize');
  });

  it('rejects a misspelt field', () => {
    const raw = { ...valid(), methods: { defaultTimeOutS: 10 } };
    expect(issuesOf(() => parseAzureHubSettings(raw)).map((i) => i.path)).toContain('/methods/defaultTimeOutS');
  });

  it('rejects a device connection string where the service one belongs, without echoing the key', () => {
    const raw = { ...valid(), iotHub: { connectionString: `HostName=fleet-hub.azure-devices.net;DeviceId=gw-1;SharedAccessKey=${KEY}` } };
    let message = '';
    const issues = issuesOf(() => {
      try {
        return parseAzureHubSettings(raw, 'cloud.json');
      } catch (err) {
        message = (err as Error).message;
        throw err;
      }
    });
    expect(issues).toEqual([{ path: '/iotHub/connectionString', message: expect.stringMatching(/device connection string/) }]);
    expect(message).not.toContain(KEY);
  });

  it('reports a service connection string without SharedAccessKey', () => {
    const raw = { ...valid(), iotHub: { connectionString: 'HostName=fleet-hub.azure-devices.net;SharedAccessKeyName=service' } };
    expect(issuesOf(() => parseAzureHubSettings(raw))).toEqual([{ path: '/iotHub/connectionString', message: 'lacks SharedAccessKey' }]);
  });

  it('points out an IoT Hub connection string given as the Event Hub one', () => {
    const raw = { ...valid(), eventHub: { connectionString: HUB_CS } };
    expect(issuesOf(() => parseAzureHubSettings(raw))[0]).toMatchObject({ path: '/eventHub/connectionString', message: expect.stringMatching(/--default-eventhub/) });
  });

  it('needs /eventHub/name when the connection string has no EntityPath, and refuses a different one', () => {
    const noEntity = EH_CS.replace(';EntityPath=fleet-hub', '');
    expect(issuesOf(() => parseAzureHubSettings({ ...valid(), eventHub: { connectionString: noEntity } }))[0]?.path).toBe('/eventHub/name');
    const s = parseAzureHubSettings({ ...valid(), eventHub: { connectionString: noEntity, name: 'fleet-hub' } });
    expect(eventHubNameOf(s)).toBe('fleet-hub');
    const other = { ...valid(), eventHub: { connectionString: EH_CS, name: 'other' } };
    expect(issuesOf(() => parseAzureHubSettings(other))[0]).toMatchObject({ path: '/eventHub/name', message: expect.stringMatching(/EntityPath/) });
  });

  it('takes earliest, latest or an ISO time as start position, and names a bad one', () => {
    const at = (startPosition: string) => ({ ...valid(), eventHub: { connectionString: EH_CS, startPosition } });
    expect(parseAzureHubSettings(at('2026-05-01T00:00:00Z')).eventHub?.startPosition).toBe('2026-05-01T00:00:00Z');
    expect(parseAzureHubSettings(at('latest')).eventHub?.loadBalancing).toBe('balanced');
    expect(issuesOf(() => parseAzureHubSettings(at('2026-13-45T99:99')))).toEqual([{ path: '/eventHub/startPosition', message: 'is not a valid ISO 8601 time' }]);
    expect(issuesOf(() => parseAzureHubSettings(at('yesterday')))[0]?.path).toBe('/eventHub/startPosition');
  });

  it('validates the consumer group and container names', () => {
    const raw = { ...valid(), eventHub: { connectionString: EH_CS, consumerGroup: 'bad group' }, checkpoint: { connectionString: ST_CS, container: 'Bad_Name' } };
    const paths = issuesOf(() => parseAzureHubSettings(raw)).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/eventHub/consumerGroup', '/checkpoint/container']));
    expect(parseAzureHubSettings({ ...valid(), eventHub: { connectionString: EH_CS, consumerGroup: '$Default' } }).eventHub?.consumerGroup).toBe('$Default');
  });

  it('asks for the Event Hubs endpoint only where partitions are read, and drops it where they are not', () => {
    const { eventHub: _e, checkpoint: _c, ...serviceOnly } = valid() as Record<string, unknown>;
    expect(issuesOf(() => parseAzureHubSettings(serviceOnly))).toEqual([{ path: '/eventHub', message: expect.stringMatching(/required to read telemetry/) }]);
    expect(parseAzureHubSettings(serviceOnly, 'x', undefined, { readsPartitions: false }).eventHub).toBeUndefined();
    expect(parseAzureHubSettings(valid(), 'x', undefined, { readsPartitions: false }).eventHub).toBeUndefined();
    expect(issuesOf(() => parseAzureHubSettings({ ...serviceOnly, iotHub: { connectionString: 'HostName=x' } }, 'x', undefined, { readsPartitions: false }))[0]?.path).toBe(
      '/iotHub/connectionString',
    );
  });

  it('needs exactly one checkpoint location, and checks each kind', () => {
    expect(issuesOf(() => parseAzureHubSettings({ ...valid(), checkpoint: {} }))[0]?.path).toBe('/checkpoint/connectionString');
    const both = { ...valid(), checkpoint: { connectionString: ST_CS, containerUrl: 'https://a.blob.core.windows.net/c?sig=x' } };
    expect(issuesOf(() => parseAzureHubSettings(both))[0]?.path).toBe('/checkpoint');
    const badStorage = { ...valid(), checkpoint: { connectionString: 'AccountName=x' } };
    expect(issuesOf(() => parseAzureHubSettings(badStorage))[0]).toMatchObject({ path: '/checkpoint/connectionString', message: expect.stringMatching(/AccountKey/) });
    const noSas = { ...valid(), checkpoint: { containerUrl: 'https://fleetsyncst.blob.core.windows.net/checkpoints' } };
    expect(issuesOf(() => parseAzureHubSettings(noSas))[0]).toMatchObject({ path: '/checkpoint/containerUrl', message: expect.stringMatching(/SAS/) });
    const plainHttp = { ...valid(), checkpoint: { containerUrl: 'http://fleetsyncst.blob.core.windows.net/checkpoints?sig=x' } };
    expect(issuesOf(() => parseAzureHubSettings(plainHttp))[0]?.message).toMatch(/https/);
    const sasUrl = { ...valid(), checkpoint: { containerUrl: 'https://fleetsyncst.blob.core.windows.net/checkpoints?sv=2024&sig=abc' } };
    expect(parseAzureHubSettings(sasUrl).checkpoint.containerUrl).toContain('sig=abc');
    expect(parseAzureHubSettings({ ...valid(), checkpoint: { connectionString: 'UseDevelopmentStorage=true' } }).checkpoint.container).toBe('fleetsync-checkpoints');
  });

  it('reports every wrong connection string at once', () => {
    const raw = { iotHub: { connectionString: 'nonsense' }, eventHub: { connectionString: 'Endpoint=https://x/' }, checkpoint: { connectionString: 'x=' } };
    expect(issuesOf(() => parseAzureHubSettings(raw)).map((i) => i.path)).toEqual([
      '/iotHub/connectionString',
      '/eventHub/connectionString',
      '/checkpoint/connectionString',
    ]);
  });

  it('takes FLEETSYNC_AZURE_* variables over the file, without changing the input', () => {
    const file = { iotHub: { connectionString: 'from-file' }, eventHub: { connectionString: EH_CS, maxBatchSize: 50 } };
    const env = {
      FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING: HUB_CS,
      FLEETSYNC_AZURE_CONSUMER_GROUP: 'fleetsync-eu',
      FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING: ST_CS,
      FLEETSYNC_AZURE_CHECKPOINT_CONTAINER: '',
    };
    const s = parseAzureHubSettings(file, 'cloud.json', env);
    expect(s.iotHub.connectionString).toBe(HUB_CS);
    expect(s.eventHub).toMatchObject({ consumerGroup: 'fleetsync-eu', maxBatchSize: 50 });
    expect(s.checkpoint.container).toBe('fleetsync-checkpoints');
    expect(file.iotHub.connectionString).toBe('from-file');
    expect(applyAzureEnv(undefined, { FLEETSYNC_AZURE_EVENTHUB_NAME: 'n' })).toEqual({ eventHub: { name: 'n' } });
  });

  it('says whether the environment is enough to reach a real hub', () => {
    expect(azureEnvConfigured({})).toBe(false);
    expect(
      azureEnvConfigured({
        FLEETSYNC_AZURE_IOTHUB_CONNECTION_STRING: HUB_CS,
        FLEETSYNC_AZURE_EVENTHUB_CONNECTION_STRING: EH_CS,
        FLEETSYNC_AZURE_CHECKPOINT_CONNECTION_STRING: ST_CS,
      }),
    ).toBe(true);
  });
});
