/**
 * flux.wait: wait for Flux Kustomizations to become Ready (runbook 000 Phase 2: controllers, then
 * configs, then apps), recording when each became Ready. It fails fast with the Ready
 * condition's reason only when Flux needs a new commit to get past it, and waits through failures
 * Flux retries by itself (until the step's timeout, which then names the last reason). With the Git HEAD at T0 it records the cluster configuration RPO.
 * It reports when all were Ready by their own record: the latest Ready lastTransitionTime
 * (kustomize-controller moves it with every revision it applies: Ready goes Unknown, then True).
 */
import { z } from 'zod';
import { conditionOf, type KubeObject } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { conditionSince, conditionSinceSource, describeSince } from '../../kube/condition-since.ts';
import { withHeartbeat } from '../heartbeat.ts';
import { formatDuration } from '../../util/duration.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep, withObservedSince } from '../../contract/step.ts';

/**
 * Ready=False reasons that Flux does not get past by retrying the same revision: only a new
 * commit (or, for a few, a fix outside Git) helps, so waiting longer is pointless. Each says what
 * to do. Every other failure reason (HealthCheckFailed, ReconciliationFailed, PruneFailed,
 * DependencyNotReady, ArtifactFailed while the source is fetched) Flux retries by itself at its
 * retry interval: a node that joins late, a webhook that starts late, a dependency that becomes
 * Ready. flux.wait waits through those until its own timeout and then names the last reason.
 */
const NEEDS_A_NEW_COMMIT: Record<string, string> = {
  BuildFailed: 'the revision does not build (kustomize build or SOPS decryption): fix the tree and push a new commit, or give kustomize-controller the decryption key it names',
  InvalidPath: 'spec.path is not in the revision: push a commit that has it, or fix the Kustomization',
  ValidationFailed: 'the manifests fail validation: fix them and push a new commit',
  InvalidCELExpression: 'a CEL expression in the Kustomization is invalid: fix it in Git',
  AccessDenied: 'cross-namespace access is denied by the controller: fix the reference in Git or the controller flags',
  FeatureGateDisabled: 'the Kustomization needs a controller feature gate: enable it or change the Kustomization',
};
const PATH_NOT_FOUND = /kustomization path not found/;

/**
 * Why Flux will not recover from this Ready=False reason without a new commit, or undefined when
 * it retries by itself. kustomize-controller uses ArtifactFailed both while it waits for the
 * source ("Source artifact not found, retrying in 5s", a failed download), which recovers, and
 * for a path the revision does not have, which only a new commit fixes.
 */
export function needsNewCommit(reason: string, message: string): string | undefined {
  if (reason === 'ArtifactFailed') return PATH_NOT_FOUND.test(message) ? NEEDS_A_NEW_COMMIT['InvalidPath'] : undefined;
  return NEEDS_A_NEW_COMMIT[reason];
}

/** Whether flux.wait fails fast on this reason (see needsNewCommit). */
export function isFluxFailure(reason: string, message: string): boolean {
  return needsNewCommit(reason, message) !== undefined;
}

const inputs = z.strictObject({
  namespace: z.string().default('flux-system'),
  names: z.array(z.string()).default([]).meta({ description: 'Kustomizations to wait for; empty means every Kustomization in the namespace.' }),
  failFast: z.boolean().default(true).meta({ description: 'Fail as soon as one reports a reason Flux cannot get past without a new commit (BuildFailed, InvalidPath, ...) instead of waiting for the timeout; failures Flux retries by itself (HealthCheckFailed, ReconciliationFailed, ...) are waited through either way.' }),
  gitRevision: z.string().optional().meta({ description: 'Branch HEAD at T0 (from git.head); records the configuration RPO sample.' }),
  gitCommits: z.record(z.string(), z.string()).optional().meta({ description: 'Commit times by SHA (git.head output commits), to date an older applied revision.' }),
});

const KUSTOMIZATION = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
const READY = { type: 'Ready', status: 'True' } as const;

export const fluxWait = defineStep({
  kind: 'flux.wait',
  summary: 'wait for Flux Kustomizations to be Ready in dependency order; records the configuration RPO from lastAppliedRevision',
  inputs,
  async run(context, input) {
    const cluster = await context.cluster();
    const readyAt = new Map<string, number>();
    const lastState = new Map<string, string>();
    const stepStart = context.clock.monotonic();
    // Flux patches conditions and the rest of the status separately, so Ready=True can be seen
    // before lastAppliedRevision and observedGeneration catch up: wait for all three.
    const isReady = (object: KubeObject) =>
      conditionOf(object, 'Ready')?.status === 'True' &&
      (object.metadata.generation === undefined || object.status?.observedGeneration === object.metadata.generation) &&
      Boolean(object.status?.lastAppliedRevision);
    const waitingFor = () => {
      const pending = [...lastState.entries()].filter(([name]) => !readyAt.has(name));
      return pending.length === 0 ? 'Kustomizations: not listed yet' : pending.map(([name, state]) => `${name}: ${state}`).join('; ');
    };
    const done = await withHeartbeat(context, waitingFor, () => waitForObjects<{ failed: KubeObject } | { ready: KubeObject[] }>(
      cluster,
      { ...KUSTOMIZATION, namespace: input.namespace },
      (view) => {
        const wanted = input.names.length > 0 ? input.names.map((name) => view.get(`${input.namespace}/${name}`) ?? name) : [...view.values()];
        if (wanted.length === 0) return undefined;
        let allReady = true;
        for (const item of wanted) {
          if (typeof item === 'string') {
            allReady = false;
            noteState(item, 'not found yet');
            continue;
          }
          const name = item.metadata.name;
          const ready = conditionOf(item, 'Ready');
          noteState(name, ready ? `Ready=${ready.status} ${ready.reason ?? ''}: ${ready.message ?? ''}` : 'no Ready condition yet');
          if (isReady(item)) {
            if (!readyAt.has(name)) readyAt.set(name, context.clock.monotonic() - stepStart);
            continue;
          }
          allReady = false;
          if (input.failFast && ready?.status === 'False' && isFluxFailure(ready.reason ?? '', ready.message ?? '')) {
            return { failed: item };
          }
        }
        return allReady ? { ready: wanted as KubeObject[] } : undefined;
      },
      { signal: context.signal, clock: context.clock, log: context.log },
    )).catch(async (error: unknown) => {
      if (context.signal.aborted) {
        const pending = [...lastState.entries()].filter(([name]) => !readyAt.has(name));
        const retried = pending.some(([, state]) => state.startsWith('Ready=False'));
        throw new DrillError('EFLUX', `Kustomizations not Ready: ${pending.map(([name, state]) => `${name} (${state})`).join('; ')}`, {
          cause: error,
          ...(retried ? { details: 'Flux retries these failures by itself; it did not recover within the step\'s timeout. The reason names what to fix in the GitOps tree or the cluster.' } : {}),
        });
      }
      throw error;
    });

    if ('failed' in done) {
      const failed = done.failed;
      const ready = conditionOf(failed, 'Ready')!;
      throw new DrillError('EFLUX', `Kustomization ${input.namespace}/${failed.metadata.name} failed: ${ready.reason}: ${ready.message ?? ''}`, {
        details: `Flux does not get past ${ready.reason} without a new commit: ${needsNewCommit(ready.reason ?? '', ready.message ?? '')}\nlast attempted revision: ${failed.status?.lastAttemptedRevision ?? 'unknown'}\ninspect with: flux get kustomizations -n ${input.namespace}; flux events --for Kustomization/${failed.metadata.name} -n ${input.namespace}`,
      });
    }
    checkDependencyOrder(done.ready, readyAt, context.log.warn);
    const revisions: Record<string, string> = {};
    for (const object of done.ready) revisions[object.metadata.name] = object.status?.lastAppliedRevision ?? '';
    if (input.gitRevision) recordConfigurationRpo(context, input.gitRevision, input.gitCommits ?? {}, revisions);
    const outputs = { ready: done.ready.map((object) => object.metadata.name), readyAfterMs: Object.fromEntries(readyAt), revisions };
    const since = conditionSince(KUSTOMIZATION.kind, done.ready, READY);
    if (since) context.log.info(describeSince(since));
    return withObservedSince(outputs, since);

    function noteState(name: string, state: string) {
      if (lastState.get(name) === state) return;
      lastState.set(name, state);
      context.log.info(`${name}: ${state} (after ${formatDuration(context.clock.monotonic() - stepStart)})`);
    }
  },
  observedSince: (input) => {
    const names = input.names?.filter((name): name is string => name !== undefined) ?? [];
    return conditionSinceSource(KUSTOMIZATION.kind, input.namespace, names.length === 0 ? '*' : names.join(','), READY, names.length === 1 ? '' : ' (latest)');
  },
});

/** Flux guarantees a Kustomization is applied only after its dependsOn are Ready; flag anything else. */
function checkDependencyOrder(objects: KubeObject[], readyAt: Map<string, number>, warn: (message: string) => void): void {
  for (const object of objects) {
    for (const dependency of (object.spec?.dependsOn ?? []) as { name: string }[]) {
      const own = readyAt.get(object.metadata.name);
      const dep = readyAt.get(dependency.name);
      if (own !== undefined && dep !== undefined && own < dep) warn(`${object.metadata.name} became Ready before its dependency ${dependency.name}`);
    }
  }
}

/**
 * Configuration RPO: Git is the source of truth. If every Kustomization applied the branch HEAD
 * of T0, nothing was lost (age 0). Otherwise the oldest applied commit's age at T0 is the RPO;
 * a revision outside the fetched history is dated at the oldest known commit (an underestimate,
 * said so in the sample).
 */
function recordConfigurationRpo(context: Parameters<typeof fluxWait.run>[0], head: string, commits: Record<string, string>, revisions: Record<string, string>): void {
  const shaOf = (revision: string) => /(?:sha1|sha256):([0-9a-f]+)$/.exec(revision)?.[1] ?? revision;
  let oldest: { time: number; name: string; sha: string; note?: string } | undefined;
  for (const [name, revision] of Object.entries(revisions)) {
    const sha = shaOf(revision);
    if (sha === head) continue;
    const known = commits[sha];
    const oldestKnown = Object.values(commits).map((time) => Date.parse(time)).sort((a, b) => a - b)[0];
    if (!known && oldestKnown === undefined) {
      // Without commit times the age cannot be bounded; no sample leaves the objective unmeasured (a miss).
      context.log.warn(`${name} applied ${revision || 'no revision'}, not the branch HEAD at T0 ${head.slice(0, 12)}, and no commit times were given (gitCommits): configuration RPO not measured`);
      return;
    }
    const time = known ? Date.parse(known) : oldestKnown!;
    const note = known ? undefined : `revision ${sha} is older than the fetched history; its age is at least this`;
    if (!oldest || time < oldest.time) oldest = { time, name, sha, ...(note ? { note } : {}) };
  }
  if (!oldest) {
    context.recordRpo({ source: `flux status.lastAppliedRevision = branch HEAD at T0 (${head.slice(0, 12)}): T0`, dataTime: new Date(context.t0), detail: 'every Kustomization applied the newest commit: no configuration lost' });
    return;
  }
  context.log.warn(`${oldest.name} applied ${oldest.sha.slice(0, 12)}, not the branch HEAD at T0 ${head.slice(0, 12)}`);
  context.recordRpo({ source: `flux Kustomization ${oldest.name} status.lastAppliedRevision ${oldest.sha.slice(0, 12)}: ${oldest.note ? 'oldest fetched commit time' : 'commit time'}`, dataTime: new Date(oldest.time), ...(oldest.note ? { detail: oldest.note } : {}) });
}
