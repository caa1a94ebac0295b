/** Pick the target session for a plan. */
import type { Plan } from '../drill/plan.ts';
import { simTargetSchema } from '../drill/schema.ts';
import { createLocalTarget } from './local/target.ts';
import { createRealTarget } from './real.ts';
import { createSimTarget } from './sim/target.ts';
import type { Fault } from './sim/world.ts';
import type { TargetSession } from '../contract/target.ts';

/** Targets that stage what survives a disaster (Git, backups) do it here, before T0. */
export async function createTarget(plan: Plan, options: { faults: Map<string, Fault>; timeScale?: number; env: Record<string, string | undefined> }): Promise<TargetSession> {
  switch (plan.target) {
    case 'sim':
      return createSimTarget(plan.drill.targets.sim ?? simTargetSchema.parse({}), options.faults, options.timeScale ? { timeScale: options.timeScale } : {});
    case 'local':
      return createLocalTarget(plan, options.env);
    case 'kubeconfig': {
      const settings = plan.drill.targets.kubeconfig;
      const kubeconfig = settings?.kubeconfig ?? options.env.KUBECONFIG;
      return createRealTarget('kubeconfig', { ...(kubeconfig ? { kubeconfig } : {}), ...(settings?.context ? { context: settings.context } : {}) });
    }
    default:
      return createRealTarget(plan.target);
  }
}
