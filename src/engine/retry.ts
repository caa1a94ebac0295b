/** A step's retry delay: the drill's retryDelay, doubling per further retry, capped at ten minutes. */
import { backoffDelay } from '../util/backoff.ts';

export const MAX_RETRY_DELAY_MS = 10 * 60_000;

export function retryDelay(baseMs: number, retryNumber: number): number {
  return backoffDelay(baseMs, retryNumber, MAX_RETRY_DELAY_MS);
}
