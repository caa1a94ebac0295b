/**
 * Time as the engine and steps see it. Durations come from the monotonic reading; wall time only
 * stamps events. The simulated target scales both so a drill of hours replays in seconds while
 * every measurement stays in drill time.
 */
export interface Clock {
  /** Wall-clock time in epoch milliseconds (drill time). */
  now(): number;
  /** Monotonic milliseconds (drill time); only differences are meaningful. */
  monotonic(): number;
  /** Resolves after `ms` of drill time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How many drill milliseconds pass per real millisecond (1 for real targets). */
  readonly scale: number;
}

export function systemClock(): Clock {
  return scaledClock(1);
}

/** A clock where `scale` drill milliseconds pass per real millisecond, anchored at creation. */
export function scaledClock(scale: number, start: { wall?: number } = {}): Clock {
  if (!(scale > 0)) throw new Error(`time scale must be a positive number, got ${scale}`);
  const realWallStart = Date.now();
  const realMonoStart = performance.now();
  const drillWallStart = start.wall ?? realWallStart;
  const elapsed = () => (performance.now() - realMonoStart) * scale;
  return {
    scale,
    now: () => Math.round(drillWallStart + elapsed()),
    monotonic: elapsed,
    sleep: (ms, signal) => sleepReal(Math.max(0, ms) / scale, signal),
  };
}

export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
