/**
 * How much of the drill's time each step accounts for, so that per-step times add up to the
 * drill's duration exactly: each instant is shared equally among the steps running at that
 * moment (parallel phases), an instant when no step runs (retry delays, scheduling) goes to the
 * step that starts next, and the time after the last step to the one that ended last. Whole
 * milliseconds, apportioned by largest remainder so rounding never adds or loses one.
 */
import type { StepResult } from '../result/model.ts';

export function wallTimeShares(steps: readonly StepResult[], durationMs: number): Map<string, number> {
  const timed = steps.filter((step) => step.startMs !== undefined && step.endMs !== undefined);
  const shares = new Map<string, number>();
  if (timed.length === 0) return shares;
  const total = Math.max(0, Math.round(durationMs));
  const raw = new Map<string, number>(timed.map((step) => [step.id, 0]));
  const bounds = [...new Set([0, total, ...timed.flatMap((step) => [clamp(step.startMs!, total), clamp(step.endMs!, total)])])].sort((a, b) => a - b);
  for (let index = 0; index + 1 < bounds.length; index++) {
    const from = bounds[index]!;
    const to = bounds[index + 1]!;
    const running = timed.filter((step) => clamp(step.startMs!, total) <= from && clamp(step.endMs!, total) >= to && step.endMs! > step.startMs!);
    const owners = running.length > 0 ? running : [idleOwner(timed, from, total)];
    for (const step of owners) raw.set(step.id, raw.get(step.id)! + (to - from) / owners.length);
  }
  const floors = [...raw].map(([id, ms]) => ({ id, ms: Math.floor(ms), rest: ms - Math.floor(ms) }));
  let missing = total - floors.reduce((sum, entry) => sum + entry.ms, 0);
  for (const entry of [...floors].sort((a, b) => b.rest - a.rest)) {
    if (missing <= 0) break;
    entry.ms += 1;
    missing -= 1;
  }
  for (const entry of floors) shares.set(entry.id, entry.ms);
  return shares;
}

function clamp(ms: number, total: number): number {
  return Math.min(Math.max(0, Math.round(ms)), total);
}

/** Idle time belongs to the step the drill was about to start, or at the end to the last one that finished. */
function idleOwner(timed: readonly StepResult[], at: number, total: number): StepResult {
  const next = timed.filter((step) => clamp(step.startMs!, total) >= at).sort((a, b) => a.startMs! - b.startMs!)[0];
  return next ?? [...timed].sort((a, b) => b.endMs! - a.endMs!)[0]!;
}
