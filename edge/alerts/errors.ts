/** A rule set or engine option that was refused, with every problem named by its path. */
export class AlertConfigError extends Error {
  readonly errors: readonly string[];
  constructor(what: string, errors: readonly string[]) {
    super(`${what}: ${errors.join('; ')}`);
    this.name = 'AlertConfigError';
    this.errors = errors;
  }
}
