/** The simulator's time constants: where simulated time starts by default, and the models' fixed step. */

/** Monday 3 March 2025, 05:30 CET: trucks are about to leave their depots. */
export const DEFAULT_START_MS = Date.UTC(2025, 2, 3, 4, 30);

/** The models' step, simulated ms: fine enough for a 100 ms harsh-event window and a 10 Hz accelerometer. */
export const TICK_MS = 100;
