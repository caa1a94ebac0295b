/**
 * Time as the engine and steps see it. Durations come from the monotonic reading; wall time only
 * stamps events. Real targets use the system clock; the simulated target uses a virtual clock
 * on which drill time only moves when every piece of work is waiting on it (see virtual-clock.ts).
 */
export interface Clock {
  /** Wall-clock time in epoch milliseconds (drill time). */
  now(): number;
  /** Monotonic milliseconds (drill time); only differences are meaningful. */
  monotonic(): number;
  /** Resolves after `ms` of drill time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** `real`: drill time is wall time; `virtual`: drill time is simulated and exact. */
  readonly kind: 'real' | 'virtual';
  /** For a virtual clock replayed at a chosen real-time pace: drill ms per real ms (never affects figures). */
  readonly pace?: number;
}

/** The longest a single timer can wait (setTimeout's limit is 2^31-1 ms); longer sleeps are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function systemClock(): Clock {
  const realWallStart = Date.now();
  const realMonoStart = performance.now();
  return {
    kind: 'real',
    now: () => Math.round(realWallStart + (performance.now() - realMonoStart)),
    monotonic: () => performance.now() - realMonoStart,
    sleep: (ms, signal) => sleepReal(ms, signal),
  };
}

/** Sleeps `ms` real milliseconds (any length: no timer overflow); rejects with the signal's reason when aborted. */
export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const deadline = performance.now() + Math.max(0, ms);
    let timer: ReturnType<typeof setTimeout>;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const arm = () => {
      const left = deadline - performance.now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}
