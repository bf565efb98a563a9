/** Replaces the `debug` package's disabled loggers with argument-free no-ops when DEBUG is unset; true if it did. */
export function quietDebug(env?: NodeJS.ProcessEnv): boolean;
