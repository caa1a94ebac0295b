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

function isFatal(e: unknown): boolean {
  return typeof e === 'object' && e !== null && FATAL in e;
}

/**
 * Calls `probe` until it returns a value other than undefined. The last probe
 * error or detail is part of the timeout message (ELOCAL).
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      if (isFatal(e)) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    if (performance.now() > deadline) {
      throw new DrillError('ELOCAL', `${opts.what} not reached within ${Math.round(opts.timeoutMs / 1000)}s${last !== '' ? `; last error: ${last}` : ''}`, { details: 'see the component logs of the local cluster' });
    }
    await sleep(opts.intervalMs ?? 500, undefined, opts.signal !== undefined ? { signal: opts.signal } : undefined);
  }
}
