/** Device administration through the embedded hub endpoint's registry. */
import type { EmbeddedHub } from '../hub/embedded-hub.ts';
import type { DeviceAdmin } from './context.ts';

export function embeddedDeviceAdmin(hub: EmbeddedHub): DeviceAdmin {
  return {
    list: async () => (await hub.registry.list()).map((d) => ({ deviceId: d.deviceId, disabled: d.disabled })),
    add: async (deviceId) => {
      await hub.registry.add(deviceId);
      return { deviceId, connectionString: await hub.connectionString(deviceId) };
    },
    remove: (deviceId) => hub.registry.remove(deviceId),
  };
}
