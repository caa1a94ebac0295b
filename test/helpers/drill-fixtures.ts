/** Helpers for tests: plans from YAML text, step kinds for engine tests, temp dirs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseDrill } from '../../src/drill/load.ts';
import { buildPlan, type Plan, type StepRegistry } from '../../src/drill/plan.ts';
import { defineStep, type StepKind } from '../../src/contract/step.ts';
import { stepRegistry } from '../../src/steps/registry.ts';

/** Temp dirs of this test process, removed when it exits (DR_DRILL_KEEP_TEST_DIRS=1 keeps them to debug). */
const created: string[] = [];
process.once('exit', () => {
  if (process.env.DR_DRILL_KEEP_TEST_DIRS === '1') return;
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export async function tempDir(prefix = 'dr-drill-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function tempDirSync(prefix = 'dr-drill-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function planFrom(yaml: string, registry: StepRegistry = stepRegistry, file = '/drills/test.yaml'): Plan {
  return buildPlan(parseDrill(yaml, file), registry);
}

/** A drill header with the given body appended (phases, finally, milestones...). */
export function drillYaml(body: string, header = ''): string {
  return `apiVersion: dr-drill.io/v1\nkind: Drill\nname: test\nscenario: cold-start\n${header}${body}`;
}

/** `test.work`: sleeps `ms` of drill time, optionally fails the first `failTimes` attempts, records an RPO sample. */
export const workStep = defineStep({
  kind: 'test.work',
  summary: 'test step',
  inputs: z.strictObject({
    ms: z.number().default(0),
    failTimes: z.number().default(0),
    fail: z.boolean().default(false),
    message: z.string().default('boom'),
    ignoreAbort: z.boolean().default(false),
    rpoAgeMs: z.number().optional(),
    output: z.string().optional(),
    /** When stopped, reject with this account of what it was waiting for (as flux.wait does). */
    abortMessage: z.string().optional(),
  }),
  async run(context, input) {
    if (input.ignoreAbort) await context.clock.sleep(input.ms);
    else {
      await context.clock.sleep(input.ms, context.signal).catch((error: unknown) => {
        throw input.abortMessage === undefined ? error : new Error(input.abortMessage);
      });
    }
    if (input.fail || context.attempt <= input.failTimes) throw new Error(input.message);
    if (input.rpoAgeMs !== undefined) context.recordRpo({ source: `sample from ${context.stepId}`, dataTime: new Date(context.t0 - input.rpoAgeMs) });
    context.log.info(`done ${context.stepId}`);
    return { value: input.output ?? context.stepId };
  },
});

export const testRegistry: StepRegistry = new Map<string, StepKind>([...stepRegistry, ['test.work', workStep as unknown as StepKind]]);
