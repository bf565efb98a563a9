/** The shared HubSource contract against the embedded endpoint, with real SDK devices over TLS. */
import { afterAll } from 'vitest';
import { hubSourceContract } from '../../cloud/hub/hub-source.contract.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { captureLog, tempDir, removeTempDirs } from './support.ts';

afterAll(removeTempDirs);

hubSourceContract('embedded endpoint', async () => {
  const dataDir = await tempDir();
  const hub = new EmbeddedHub({ dataDir, port: 0, bind: '127.0.0.1' }, { logger: captureLog().logger });
  return {
    source: hub,
    createDevice: async (label) => {
      await hub.registry.add(label);
      return { deviceId: label, connectionString: await hub.connectionString(label, 'primary', `127.0.0.1:${hub.port}`) };
    },
    get deviceOptions() {
      return { ca: hub.caPem };
    },
    methodTimeoutS: 1,
    deliveryWaitMs: 10_000,
    dispose: async () => undefined,
  };
});
