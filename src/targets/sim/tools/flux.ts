/**
 * Simulated flux CLI (v2.7): `bootstrap git` installs Flux on the drill cluster, synced from the
 * given branch and path, and waits for it as the real one does; `get kustomizations` prints the
 * table `flux get ks -A` prints (runbook 002: "flux get ks -A prüfen").
 */
import { conditionOf } from '../../../contract/cluster.ts';
import { fluxBootstrap } from '../world-content.ts';
import { startControllers } from '../controllers.ts';
import { FLUX_KS } from '../flux/resources.ts';
import { flag, positionals, type SimTool, type ToolInvocation } from './types.ts';

export const flux: SimTool = async (call) => {
  const [command, sub] = positionals(call.args, ['--url', '--branch', '--path', '-n', '--namespace', '--kubeconfig', '--context', '--timeout']);
  if (command === 'version') {
    call.out('flux: v2.7.3');
    return 0;
  }
  if (call.world.provisioned.size === 0) {
    call.err('✗ Kubernetes client initialization failed: Get "https://10.99.0.10:6443/api": dial tcp 10.99.0.10:6443: connect: connection refused');
    return 1;
  }
  if (command === 'bootstrap' && sub === 'git') return bootstrap(call);
  if (command === 'get' && ['kustomizations', 'kustomization', 'ks'].includes(sub ?? '')) return getKustomizations(call);
  call.err(`✗ the simulated flux knows "bootstrap git" and "get kustomizations", not "${[command, sub].filter(Boolean).join(' ')}"`);
  return 1;
};

async function bootstrap(call: ToolInvocation): Promise<number> {
  const { world } = call;
  const url = flag(call.args, '--url') ?? '';
  const branch = flag(call.args, '--branch') ?? 'main';
  const path = flag(call.args, '--path') ?? '.';
  call.out(`► cloning branch "${branch}" from Git repository "${url}"`);
  await world.work('git/clone', call.fault === 'slow' ? 'slow' : undefined, call.signal);
  if (url !== world.remote.url || !world.remote.head(branch) || call.fault === 'fail') {
    call.err(`✗ failed to clone repository: couldn't find remote ref "refs/heads/${branch}"`);
    return 1;
  }
  for (const line of ['✔ cloned repository', '► generating component manifests', '✔ generated component manifests', '✔ component manifests are up to date', '► installing components in "flux-system" namespace']) call.out(line);
  await world.work('flux/bootstrap', call.fault, call.signal);
  for (const object of fluxBootstrap(world, { url, branch, path })) world.store.upsert(object);
  startControllers(world);
  for (const line of ['✔ installed components', '✔ reconciled components', '► determining if source secret "flux-system/flux-system" exists', '✔ source secret up to date', '► generating sync manifests', '✔ generated sync manifests', '✔ sync manifests are up to date', '► applying sync manifests', '✔ reconciled sync configuration', '◎ waiting for GitRepository "flux-system/flux-system" to be reconciled', '✔ GitRepository reconciled successfully', '◎ waiting for Kustomization "flux-system/flux-system" to be reconciled']) call.out(line);
  const ref = { ...FLUX_KS, name: 'flux-system', namespace: 'flux-system' };
  await new Promise<void>((resolve, reject) => {
    const check = () => conditionOf(world.store.get(ref), 'Ready')?.status === 'True';
    if (check()) return resolve();
    const stop = world.store.watch(FLUX_KS.apiVersion, FLUX_KS.kind, { namespace: 'flux-system', name: 'flux-system' }, () => {
      if (!check()) return;
      stop();
      resolve();
    });
    const signal = AbortSignal.any([call.signal, world.signal]);
    signal.addEventListener('abort', () => {
      stop();
      reject(signal.reason);
    }, { once: true });
  });
  for (const line of ['✔ Kustomization reconciled successfully', '► confirming components are healthy', '✔ helm-controller: deployment ready', '✔ kustomize-controller: deployment ready', '✔ notification-controller: deployment ready', '✔ source-controller: deployment ready', '✔ all components are healthy']) call.out(line);
  return 0;
}

function getKustomizations(call: ToolInvocation): number {
  const all = call.args.includes('-A') || call.args.includes('--all-namespaces');
  const namespace = flag(call.args, '-n', '--namespace') ?? 'flux-system';
  const rows = call.world.store.list(FLUX_KS.apiVersion, FLUX_KS.kind, all ? {} : { namespace }).map((object) => {
    const ready = conditionOf(object, 'Ready');
    return [...(all ? [object.metadata.namespace ?? ''] : []), object.metadata.name, object.status?.lastAppliedRevision ?? '', object.spec?.suspend ? 'True' : 'False', ready?.status ?? 'Unknown', ready?.message ?? ''];
  });
  const header = [...(all ? ['NAMESPACE'] : []), 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
  for (const row of [header, ...rows]) call.out(row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('\t').trimEnd());
  return 0;
}
