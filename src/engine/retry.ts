/** Exponential backoff: `base`, then doubling per further retry, capped. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

export function retryDelay(baseMs: number, retryNumber: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retryNumber - 1), MAX_RETRY_DELAY_MS);
}
