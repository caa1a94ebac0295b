/**
 * The kube context of the kubeconfig target (an existing cluster): neither its name nor its user
 * may be production's, and its API server may not be production's VIP or the server of a
 * production context in the same kubeconfig (a context renamed is still production).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { PreflightContext } from './context.ts';
import { normalizeName } from './normalize.ts';
import type { Production } from './production.ts';
import { scanValues } from './values.ts';

interface KubeConfig {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: { server?: string } }[];
}

export async function checkKubeContext(context: PreflightContext, production: Production): Promise<void> {
  const { plan } = context;
  if (plan.target !== 'kubeconfig') return;
  const settings = plan.drill.targets.kubeconfig;
  const at = context.locate(settings?.context ? ['targets', 'kubeconfig', 'context'] : settings?.kubeconfig ? ['targets', 'kubeconfig', 'kubeconfig'] : ['targets']);
  const file = settings?.kubeconfig ?? context.env.KUBECONFIG?.split(path.delimiter)[0];
  let config: KubeConfig | undefined;
  if (file) {
    try {
      config = (parseYaml(await readFile(path.resolve(plan.drillDir, file), 'utf8')) as KubeConfig | null) ?? {};
    } catch (error) {
      if (!settings?.context) return context.problem('EPREFLIGHT', `kubeconfig ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, "point targets.kubeconfig.kubeconfig or KUBECONFIG at the drill cluster's kubeconfig", at);
    }
  } else if (!settings?.context) {
    return context.problem('EPREFLIGHT', 'the kubeconfig target has no kubeconfig', 'set targets.kubeconfig.kubeconfig in the drill or export KUBECONFIG', at);
  }
  const name = settings?.context ?? config?.['current-context'];
  if (!name) return context.problem('EPREFLIGHT', `kubeconfig ${file} has no current-context`, "set targets.kubeconfig.context to the drill cluster's context", at);
  const fix = "run the kubeconfig target against a drill cluster: set targets.kubeconfig.context to its context, never production's";
  const declared = production.kubeContexts.get(normalizeName(name));
  if (declared) return context.problem('EPRODTARGET', `kube context "${name}" is a production context (production.kubeContexts)`, fix, at);

  const entry = config?.contexts?.find((candidate) => candidate.name === name)?.context;
  const serverOf = (cluster: string | undefined) => config?.clusters?.find((candidate) => candidate.name === cluster)?.cluster?.server;
  const user = entry?.user !== undefined ? production.kubeContexts.get(normalizeName(entry.user)) : undefined;
  if (user) return context.problem('EPRODTARGET', `kube context "${name}" signs in as "${entry!.user}", production context ${user}'s user (production.kubeContexts)`, fix, at);
  const server = serverOf(entry?.cluster);
  if (server) {
    for (const finding of scanValues(server, production, { where: `the API server of kube context "${name}"`, allowIssuer: true })) return context.problem('EPRODTARGET', finding.message, fix, at);
    const twin = (config?.contexts ?? []).find((candidate) => candidate.name !== undefined && production.kubeContexts.has(normalizeName(candidate.name)) && serverOf(candidate.context?.cluster) === server);
    if (twin) return context.problem('EPRODTARGET', `kube context "${name}" talks to ${server}, the API server of production context "${twin.name}"`, fix, at);
  }
  context.note('isolation', `kube context ${name} is not production`);
}
