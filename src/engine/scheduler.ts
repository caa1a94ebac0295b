/**
 * The main steps as a DAG: a step starts when every step it depends on is done; a step whose
 * dependency failed is skipped; after a cancellation nothing new starts. Teardown is not here:
 * `finally` steps run in run.ts whatever this does.
 */
import { describeStatus } from '../result/status-text.ts';
import { runStep } from './attempts.ts';
import { describeReason, isDone, markNotApplicable, skip, type RunContext } from './run-context.ts';

export async function runMainSteps(context: RunContext, signal: AbortSignal, running: Map<string, Promise<void>>): Promise<void> {
  const { records, options } = context;
  const remaining = new Set(options.plan.steps.map((step) => step.id));
  while (remaining.size > 0 || running.size > 0) {
    for (const id of [...remaining]) {
      const record = records.get(id)!;
      if (signal.aborted) {
        remaining.delete(id);
        skip(context, record, 'not-run', `not run: the drill was cancelled (${describeReason(signal.reason)})`);
        continue;
      }
      const blocking = record.step.dependsOn.map((dep) => records.get(dep)!).find((dep) => !isDone(dep.status) && !running.has(dep.step.id) && !remaining.has(dep.step.id));
      if (blocking) {
        remaining.delete(id);
        skip(context, record, 'skipped', `skipped: step "${blocking.step.id}" ${describeStatus(blocking.status)}`);
        continue;
      }
      if (record.step.dependsOn.every((dep) => isDone(records.get(dep)!.status))) {
        remaining.delete(id);
        if (record.step.notApplicable) {
          markNotApplicable(context, record);
          continue;
        }
        running.set(id, runStep(context, record, signal).finally(() => running.delete(id)));
      }
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (remaining.size > 0) {
      // Nothing runnable and nothing running: unreachable for a valid plan, but never spin.
      for (const id of remaining) skip(context, records.get(id)!, 'not-run', 'not run: its dependencies never completed');
      remaining.clear();
    }
  }
}
