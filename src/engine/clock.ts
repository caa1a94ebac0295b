/** The real targets' clock (wall time) and real sleeps that never overflow a timer. The simulated target's is virtual-clock.ts. */
import type { Clock } from '../contract/clock.ts';

export type { Clock } from '../contract/clock.ts';

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
