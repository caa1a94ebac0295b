/**
 * flux.reconcile: what `flux reconcile ks --with-source` does, through the API (runbook 002
 * scenario 3: `task reconcile`, `flux get ks -A`): optionally suspend and resume the
 * Kustomizations, annotate the GitRepository with reconcile.fluxcd.io/requestedAt and wait until
 * it handled the request, then request every Kustomization and wait until each handled it and is
 * Ready on that revision. With the content's commit time it records the configuration RPO.
 */
import { z } from 'zod';
import { conditionOf, type Cluster, type KubeObject } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { formatDuration } from '../../util/duration.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep, type StepContext } from '../../contract/step.ts';
import { isFluxFailure } from './wait.ts';

const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const KUSTOMIZATION = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' };

const inputs = z.strictObject({
  namespace: z.string().default('flux-system'),
  source: z.string().default('flux-system').meta({ description: 'The GitRepository to fetch first (--with-source).' }),
  names: z.array(z.string()).default([]).meta({ description: 'Kustomizations; empty: every Kustomization in the namespace.' }),
  decryptingOnly: z.boolean().default(false).meta({ description: 'Only the Kustomizations that decrypt SOPS files (spec.decryption.provider: sops).' }),
  suspendResume: z.boolean().default(false).meta({ description: 'flux suspend, then flux resume each Kustomization before the request (runbook: "notfalls flux suspend/resume").' }),
  revision: z.string().optional().meta({ description: 'The commit the source must fetch (e.g. the revert commit); fails when it fetched another.' }),
  contentRevision: z.string().optional().meta({ description: 'The commit whose content the revision holds (git.revert output contentRevision), for the configuration RPO.' }),
  contentCommitTime: z.string().optional().meta({ description: 'That commit\'s time (git.revert output contentCommitTime); with it the step records the configuration RPO.' }),
});

export const fluxReconcile = defineStep({
  kind: 'flux.reconcile',
  summary: 'request a Flux reconcile through the API (source first), optionally suspend/resume, until every Kustomization is Ready on the new revision',
  inputs,
  async run(context, input) {
    const cluster = await context.cluster();
    const started = context.clock.monotonic();
    const { items } = await cluster.list(KUSTOMIZATION.apiVersion, KUSTOMIZATION.kind, { namespace: input.namespace });
    const chosen = items.filter((item) => (input.names.length === 0 || input.names.includes(item.metadata.name)) && (!input.decryptingOnly || item.spec?.decryption?.provider === 'sops'));
    const missing = input.names.filter((name) => !items.some((item) => item.metadata.name === name));
    if (missing.length > 0) throw new DrillError('EFLUX', `Kustomization ${missing.map((name) => `${input.namespace}/${name}`).join(', ')} not found`, { details: `there are: ${items.map((item) => item.metadata.name).join(', ') || 'none'}` });
    if (chosen.length === 0) throw new DrillError('EFLUX', `no Kustomization in ${input.namespace} ${input.decryptingOnly ? 'decrypts SOPS files (spec.decryption.provider: sops)' : 'to reconcile'}`);
    const names = chosen.map((item) => item.metadata.name);
    const ref = (name: string) => ({ ...KUSTOMIZATION, name, namespace: input.namespace });

    if (input.suspendResume) {
      for (const name of names) {
        await cluster.patch(ref(name), { spec: { suspend: true } });
        context.log.info(`► suspending kustomization ${name} in ${input.namespace} namespace`);
        context.log.info('✔ kustomization suspended');
      }
    }
    const requestedAt = new Date(context.clock.now()).toISOString();
    context.log.info(`► annotating GitRepository ${input.source} in ${input.namespace} namespace`);
    await cluster.patch({ ...GIT_REPOSITORY, name: input.source, namespace: input.namespace }, { metadata: { annotations: { [REQUESTED_AT]: requestedAt } } });
    context.log.info('✔ GitRepository annotated');
    context.log.info('◎ waiting for GitRepository reconciliation');
    let lastSource: KubeObject | undefined;
    const source = await waitForObjects(
      cluster,
      { ...GIT_REPOSITORY, namespace: input.namespace, name: input.source },
      (view) => {
        const object = [...view.values()][0];
        lastSource = object;
        if (object?.status?.lastHandledReconcileAt !== requestedAt) return undefined;
        const ready = conditionOf(object, 'Ready');
        if (ready?.status === 'False') return { failed: `${ready.reason}: ${ready.message ?? ''}` };
        return ready?.status === 'True' ? { revision: String(object.status?.artifact?.revision ?? '') } : undefined;
      },
      { signal: context.signal, clock: context.clock, log: context.log },
    ).catch((error: unknown) => {
      if (context.signal.aborted) throw unhandledRequest(`${input.namespace}/${input.source}`, requestedAt, lastSource, error);
      throw error;
    });
    if ('failed' in source) throw new DrillError('EFLUX', `GitRepository ${input.namespace}/${input.source} failed: ${source.failed}`, { details: 'check the drill branch exists and the source can fetch it' });
    const revision = source.revision;
    context.log.info(`✔ fetched revision ${revision}`);
    if (input.revision && !revision.endsWith(input.revision)) {
      throw new DrillError('EFLUX', `the source fetched ${revision}, not the expected ${input.revision}`, { details: 'another commit reached the branch meanwhile, or the push did not land' });
    }
    for (const name of names) {
      context.log.info(`► annotating Kustomization ${name} in ${input.namespace} namespace`);
      await cluster.patch(ref(name), { metadata: { annotations: { [REQUESTED_AT]: requestedAt } }, ...(input.suspendResume ? { spec: { suspend: false } } : {}) });
      if (input.suspendResume) context.log.info(`► resuming kustomization ${name} in ${input.namespace} namespace`);
    }
    context.log.info(`◎ waiting for Kustomization reconciliation: ${names.join(', ')}`);
    const readyAt = await waitForReady(context, cluster, input.namespace, names, requestedAt, revision, started);
    if (input.contentCommitTime) {
      const sha = input.contentRevision ?? revision;
      context.recordRpo({ source: `git commit ${sha.slice(0, 12)} committer time (the content ${revision} returned to)`, dataTime: input.contentCommitTime, detail: 'configuration as of this commit is what Flux applied after the revert' });
    }
    return { revision, ready: names, readyAfterMs: readyAt };
  },
});

/** Stopped while the source had not handled the request: what it last served is what a person needs (a source-controller that is down changes nothing). */
function unhandledRequest(source: string, requestedAt: string, last: KubeObject | undefined, cause: unknown): DrillError {
  if (!last) return new DrillError('EFLUX', `GitRepository ${source} not found while waiting for it to handle the reconcile request of ${requestedAt}`, { details: 'check that Flux was bootstrapped on this cluster (kubectl get gitrepositories -A)', cause });
  const ready = conditionOf(last, 'Ready');
  const handled = last.status?.lastHandledReconcileAt ? `last handled ${String(last.status.lastHandledReconcileAt)}` : 'never handled one';
  return new DrillError('EFLUX', `GitRepository ${source} did not handle the reconcile request of ${requestedAt} (${handled}): it still serves ${String(last.status?.artifact?.revision ?? 'no artifact')} (Ready=${ready?.status ?? 'none'} ${ready?.reason ?? ''}: ${ready?.message ?? ''})`, { details: 'source-controller did not act on the request: check that it runs (kubectl -n flux-system get pods, its log) and can reach the Git server', cause });
}

async function waitForReady(context: StepContext, cluster: Cluster, namespace: string, names: string[], requestedAt: string, revision: string, started: number): Promise<Record<string, number>> {
  const readyAt: Record<string, number> = {};
  const last = new Map<string, string>();
  const done = await waitForObjects<{ failed: KubeObject } | true>(
    cluster,
    { ...KUSTOMIZATION, namespace },
    (view) => {
      let all = true;
      for (const name of names) {
        const object = view.get(`${namespace}/${name}`);
        if (!object) {
          all = false;
          continue;
        }
        const ready = conditionOf(object, 'Ready');
        const handled = object.status?.lastHandledReconcileAt === requestedAt;
        // While Ready says only "Reconciliation in progress", Healthy says what is awaited (the health checks of the applied objects).
        const healthy = conditionOf(object, 'Healthy');
        const health = healthy && healthy.status !== 'True' && ready?.status !== 'True' ? `; Healthy=${healthy.status} ${healthy.reason ?? ''}: ${healthy.message ?? ''}` : '';
        const state = `Ready=${ready?.status ?? 'none'} ${ready?.reason ?? ''}: ${ready?.message ?? ''}${health}${handled ? '' : ' (request not handled yet)'}`;
        if (last.get(name) !== state) {
          last.set(name, state);
          context.log.info(`${name}: ${state} (after ${formatDuration(context.clock.monotonic() - started)})`);
        }
        if (!handled) {
          all = false;
          continue;
        }
        if (ready?.status === 'True' && object.status?.lastAppliedRevision === revision && object.status?.observedGeneration === object.metadata.generation) {
          readyAt[name] ??= context.clock.monotonic() - started;
          continue;
        }
        all = false;
        if (ready?.status === 'False' && isFluxFailure(ready.reason ?? '', ready.message ?? '')) return { failed: object };
      }
      return all ? true : undefined;
    },
    { signal: context.signal, clock: context.clock, log: context.log },
  ).catch((error: unknown) => {
    if (context.signal.aborted) throw new DrillError('EFLUX', `Kustomizations not Ready on ${revision}: ${[...last.entries()].filter(([name]) => readyAt[name] === undefined).map(([name, state]) => `${name} (${state})`).join('; ')}`, { cause: error });
    throw error;
  });
  if (done !== true) {
    const ready = conditionOf(done.failed, 'Ready')!;
    throw new DrillError('EFLUX', `Kustomization ${namespace}/${done.failed.metadata.name} failed on ${done.failed.status?.lastAttemptedRevision ?? revision}: ${ready.reason}: ${ready.message ?? ''}`, {
      details: `inspect with: flux get kustomizations -n ${namespace}; flux events --for Kustomization/${done.failed.metadata.name} -n ${namespace}`,
    });
  }
  context.log.info(`✔ applied revision ${revision}`);
  return readyAt;
}
