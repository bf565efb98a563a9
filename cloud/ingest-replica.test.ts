import { describe, expect, it } from 'vitest';
import { parseAzureHubSettings } from './hub/azure/config.ts';
import { forSpool } from './ingest-replica.ts';

const KEY = Buffer.alloc(32, 1).toString('base64');
const settings = (eventHub: Record<string, unknown>) =>
  parseAzureHubSettings({
    iotHub: { connectionString: `HostName=h.azure-devices.net;SharedAccessKeyName=s;SharedAccessKey=${KEY}` },
    eventHub: { connectionString: `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=s;SharedAccessKey=${KEY};EntityPath=h`, ...eventHub },
    checkpoint: { connectionString: 'UseDevelopmentStorage=true' },
  });

describe('ingest role settings', () => {
  it('hands a whole Event Hubs batch to the spool at once, so one segment can hold it', () => {
    expect(forSpool(settings({})).eventHub?.sinkConcurrency).toBe(100);
    expect(forSpool(settings({ maxBatchSize: 300, sinkConcurrency: 8 })).eventHub?.sinkConcurrency).toBe(300);
    expect(forSpool(settings({ maxBatchSize: 50, sinkConcurrency: 200 })).eventHub?.sinkConcurrency).toBe(200);
  });
});
