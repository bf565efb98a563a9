export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The Azure SDK leaves some calls (twin requests, sends on a half-open link) pending forever; every call gets a deadline. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
