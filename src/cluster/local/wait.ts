/** Polling with a deadline and a message that says what was awaited. */
import { setTimeout as sleep } from 'node:timers/promises';
import { DrillError } from '../../util/errors.ts';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What we wait for, used in the timeout error. */
  what: string;
  signal?: AbortSignal;
}

const FATAL = Symbol('fatal');

/** An error that makes waitFor stop at once instead of retrying (e.g. the process crashed). */
export function fatalError(message: string, details?: string): DrillError {
  return Object.assign(new DrillError('ELOCAL', message, details === undefined ? {} : { details }), { [FATAL]: true });
}

function isFatal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && FATAL in error;
}

/**
 * Calls `probe` until it returns a value other than undefined. The last probe
 * error or detail is part of the timeout message (ELOCAL).
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (isFatal(error)) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) {
      throw new DrillError('ELOCAL', `${options.what} not reached within ${Math.round(options.timeoutMs / 1000)}s${last !== '' ? `; last error: ${last}` : ''}`, { details: 'see the component logs of the local cluster' });
    }
    await sleep(options.intervalMs ?? 500, undefined, options.signal !== undefined ? { signal: options.signal } : undefined);
  }
}
