/** The one backoff rule for every retry loop: `baseMs` before the first retry, doubling per further retry, capped. */
export function backoffDelay(baseMs: number, retryNumber: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retryNumber - 1), maxMs);
}
