/** Limits of the sensor-facing protocol. docs/sensor-protocol.md explains each. */

/** Default largest payload the gateway accepts from a sensor (configurable in the gateway). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

/** Most items in one array payload: arrays are for small bursts, not bulk uploads. */
export const MAX_ITEMS_PER_PAYLOAD = 100;

/**
 * Deepest nesting of one item (the item object is level 1). Contract fields need 2; the rest is room for unknown
 * fields. Deeper values would later overflow the stack of the encoders that ship them (JSON.stringify and msgpackr
 * both recurse; measured: ~10k levels of nesting fit in 64 KiB and break both).
 */
export const MAX_NESTING_DEPTH = 8;
