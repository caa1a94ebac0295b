/**
 * Heartbeats for long waits: while `work` runs, every minute of drill time (the step's clock, so
 * sim beats in drill time) the step reports what it waits for and the current state through
 * `context.progress`. Silence for 18 minutes looks exactly like a hung job.
 */
import type { StepContext } from '../contract/step.ts';

export const HEARTBEAT_MS = 60_000;

export async function withHeartbeat<T>(context: Pick<StepContext, 'clock' | 'signal' | 'progress'>, state: () => string, work: () => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  const beat = async () => {
    for (;;) {
      await context.clock.sleep(HEARTBEAT_MS, signal);
      if (signal.aborted) return;
      context.progress(state());
    }
  };
  beat().catch(() => undefined);
  try {
    return await work();
  } finally {
    stop.abort();
  }
}
