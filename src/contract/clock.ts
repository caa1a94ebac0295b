/**
 * Time as the engine and steps see it. Durations come from the monotonic reading; wall time only
 * stamps events. Real targets use the system clock; the simulated target uses a virtual clock
 * on which drill time only moves when every piece of work is waiting on it.
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
