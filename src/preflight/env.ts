/** Every ${env.X} without a default that the plan uses on this target must be set (and not empty). */
import { referencesIn } from '../drill/expressions.ts';
import type { PreflightContext } from './context.ts';
import { simulatedInfrastructure, stepPath } from './context.ts';

export function checkEnvironment(context: PreflightContext): void {
  const { plan } = context;
  const needed = new Map<string, { users: string[]; at: (string | number)[] }>();
  const need = (name: string, user: string, at: (string | number)[]) => {
    const entry = needed.get(name);
    if (entry) {
      if (!entry.users.includes(user)) entry.users.push(user);
    } else needed.set(name, { users: [user], at });
  };
  const overrides = plan.drill.targets[plan.target]?.variables ?? {};
  for (const step of context.steps) {
    const overridden = plan.drill.targets[plan.target]?.steps?.[step.id]?.with !== undefined;
    const at = overridden ? ['targets', plan.target, 'steps', step.id, 'with'] : [...stepPath(plan, step), 'with'];
    for (const reference of referencesIn(step.spec.with)) {
      const [root, name] = reference.path;
      if (root === 'env' && name && reference.fallback === undefined) need(name, `step "${step.id}"`, at);
      if (root === 'vars' && name && plan.variables[name] !== undefined) {
        for (const inner of referencesIn(plan.variables[name])) {
          const [innerRoot, innerName] = inner.path;
          if (innerRoot === 'env' && innerName && inner.fallback === undefined) {
            need(innerName, `step "${step.id}" through \${vars.${name}}`, name in overrides ? ['targets', plan.target, 'variables', name] : ['variables', name]);
          }
        }
      }
    }
  }
  // Credentials for real infrastructure: the simulated target needs none.
  if (simulatedInfrastructure(plan.target)) {
    if (plan.drill.preflight?.requiredEnv.length) context.note('env', `preflight.requiredEnv (${plan.drill.preflight.requiredEnv.join(', ')}) is not checked on the ${plan.target} target`);
  } else (plan.drill.preflight?.requiredEnv ?? []).forEach((name, index) => need(name, 'preflight.requiredEnv', ['preflight', 'requiredEnv', index]));
  for (const [name, { users, at }] of needed) {
    const value = context.env[name];
    if (value === undefined || value === '') {
      context.problem('EPREFLIGHT', `environment variable ${name} is ${value === '' ? 'empty' : 'not set'} (used by ${users.join(', ')})`, `export ${name}=... before the run${plan.drill.secrets.includes(name) ? ' (it is a secret: put it in the CI secret store)' : ''}, or give a default with \${env.${name}:-value}`, context.locate(at));
    } else context.note('env', `${name} is set`);
  }
}
