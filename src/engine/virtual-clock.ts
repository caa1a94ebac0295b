/**
 * A discrete-event clock: drill time jumps from one timer to the next, and only when the process
 * is quiescent (no microtask, no pending file or DNS request, two idle event-loop turns in a row).
 * Overhead therefore costs no drill time, and figures are exact and identical run to run, under
 * any machine load. An optional pace replays the drill at N drill ms per real ms for people who
 * want to watch it; the figures do not depend on it.
 */
import type { Clock } from './clock.ts';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
  cancelled: boolean;
}

/** Requests whose completion a step may be awaiting: time must not move while one is pending. */
const REAL_WORK = new Set(['FSReqCallback', 'FSReqPromise', 'CloseReq', 'GetAddrInfoReqWrap', 'GetNameInfoReqWrap', 'QueryReqWrap']);
/** Idle event-loop turns in a row that make the process quiescent. */
const IDLE_TURNS = 2;
/** How often to look again while real I/O is pending (real ms). */
const REAL_WORK_POLL_MS = 1;

export interface VirtualClock extends Clock {
  readonly kind: 'virtual';
  /** Timers waiting (for tests and diagnostics). */
  pendingTimers(): number;
}

export function virtualClock(options: { wallStart?: number; pace?: number } = {}): VirtualClock {
  // Whole seconds, like the timestamps of the simulated history (backups, commits): figures derived
  // from them then come out the same in every run, not with this run's millisecond of starting.
  const wallStart = options.wallStart ?? Math.floor(Date.now() / 1000) * 1000;
  const pace = options.pace !== undefined && options.pace > 0 && Number.isFinite(options.pace) ? options.pace : undefined;
  const timers = new MinHeap();
  let now = 0;
  let seq = 0;
  let activity = 0;
  let scheduled = false;
  let idleTurns = 0;
  let lastSeenActivity = -1;
  // Pace anchors: drill time may not run ahead of real time × pace from here.
  let paceReal = performance.now();
  let paceDrill = 0;

  const schedule = (delayMs = 0) => {
    if (scheduled) return;
    scheduled = true;
    const run = () => {
      scheduled = false;
      tick();
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  };

  const tick = () => {
    timers.dropCancelled();
    const next = timers.peek();
    if (!next) return;
    if (activity !== lastSeenActivity) {
      lastSeenActivity = activity;
      idleTurns = 0;
      schedule();
      return;
    }
    if (process.getActiveResourcesInfo().some((resource) => REAL_WORK.has(resource))) {
      idleTurns = 0;
      schedule(REAL_WORK_POLL_MS);
      return;
    }
    if (++idleTurns < IDLE_TURNS) {
      schedule();
      return;
    }
    if (pace !== undefined) {
      const allowed = paceDrill + (performance.now() - paceReal) * pace;
      if (next.at > allowed) {
        schedule(Math.max(1, Math.min(50, (next.at - allowed) / pace)));
        return;
      }
      // Do not let a long real stall turn into a burst later.
      if (allowed - next.at > 1000 * pace) {
        paceReal = performance.now();
        paceDrill = next.at;
      }
    }
    now = Math.max(now, next.at);
    // Everything due at this instant fires together, in the order it was scheduled.
    while (timers.peek() && timers.peek()!.at <= now) {
      const timer = timers.pop()!;
      if (!timer.cancelled) timer.resolve();
    }
    activity++;
    idleTurns = 0;
    schedule();
  };

  return {
    kind: 'virtual',
    ...(pace !== undefined ? { pace } : {}),
    now: () => Math.round(wallStart + now),
    monotonic: () => now,
    pendingTimers: () => timers.size(),
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          timer.cancelled = true;
          activity++;
          reject(signal?.reason);
        };
        const timer: Timer = {
          at: now + (Number.isFinite(ms) ? Math.max(0, ms) : Number.MAX_SAFE_INTEGER),
          seq: seq++,
          cancelled: false,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        activity++;
        schedule();
      });
    },
  };
}

/** Timers ordered by due time, then by the order they were set. */
class MinHeap {
  readonly #items: Timer[] = [];

  size(): number {
    return this.#items.length;
  }

  peek(): Timer | undefined {
    return this.#items[0];
  }

  push(timer: Timer): void {
    const items = this.#items;
    items.push(timer);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): Timer | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }

  /** Cancelled timers at the top are dropped so they never hold time back or move it. */
  dropCancelled(): void {
    while (this.#items[0]?.cancelled) this.pop();
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
