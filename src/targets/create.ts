/** Pick the target session for a plan. */
import type { Plan } from '../drill/plan.ts';
import { simTargetSchema } from '../drill/schema.ts';
import { createLocalTarget } from './local/target.ts';
import { createRealTarget } from './real.ts';
import { createSimTarget } from './sim/target.ts';
import type { FaultName } from '../drill/faults.ts';
import { SIM_FAULTS } from '../drill/faults.ts';
import type { Fault } from './sim/world.ts';
import type { TargetSession } from '../contract/target.ts';

/** Targets that stage what survives a disaster (Git, backups) do it here, before T0, with the faults planted in it. */
export async function createTarget(plan: Plan, options: { faults: Map<string, FaultName>; timeScale?: number; env: Record<string, string | undefined> }): Promise<TargetSession> {
  switch (plan.target) {
    case 'sim':
      return createSimTarget(plan.drill.targets.sim ?? simTargetSchema.parse({}), simFaults(options.faults), options.timeScale ? { timeScale: options.timeScale } : {});
    case 'local':
      return createLocalTarget(plan, options.env, options.faults);
    case 'kubeconfig': {
      const settings = plan.drill.targets.kubeconfig;
      const kubeconfig = settings?.kubeconfig ?? options.env.KUBECONFIG;
      return createRealTarget('kubeconfig', { ...(kubeconfig ? { kubeconfig } : {}), ...(settings?.context ? { context: settings.context } : {}) });
    }
    default:
      return createRealTarget(plan.target);
  }
}

/** The step faults the simulated world injects (run-drill refused any other on sim). */
function simFaults(faults: Map<string, FaultName>): Map<string, Fault> {
  return new Map([...faults].filter((entry): entry is [string, Fault] => (SIM_FAULTS as readonly string[]).includes(entry[1])));
}
