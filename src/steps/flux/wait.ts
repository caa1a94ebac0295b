/**
 * flux.wait: wait for Flux Kustomizations to become Ready (runbook 000 Phase 2: controllers, then
 * configs, then apps), recording when each became Ready and failing with the Ready condition's
 * reason and message. With the Git HEAD at T0 it records the cluster configuration RPO.
 */
import { z } from 'zod';
import { conditionOf, type KubeObject } from '../../contract/cluster.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { withHeartbeat } from '../heartbeat.ts';
import { formatDuration } from '../../util/duration.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

/** Ready=False reasons after which Flux will not succeed without a change (a new commit or a fix). */
const FAILURE_REASONS = new Set(['BuildFailed', 'HealthCheckFailed', 'ReconciliationFailed', 'PruneFailed', 'ValidationFailed', 'InvalidPath', 'DependencyNotFound']);

/**
 * kustomize-controller uses ArtifactFailed both while it waits for the source ("Source artifact
 * not found, retrying in 5s", "Source 'GitRepository/x' not found", a failed download) and
 * recovers by itself, and for a path the revision does not have, which only a new commit fixes.
 */
export function isFluxFailure(reason: string, message: string): boolean {
  if (reason === 'ArtifactFailed') return /kustomization path not found/.test(message);
  return FAILURE_REASONS.has(reason);
}

const inputs = z.strictObject({
  namespace: z.string().default('flux-system'),
  names: z.array(z.string()).default([]).meta({ description: 'Kustomizations to wait for; empty means every Kustomization in the namespace.' }),
  failFast: z.boolean().default(true).meta({ description: 'Fail as soon as one reports a failure reason (BuildFailed, HealthCheckFailed, ...) instead of waiting for the timeout.' }),
  gitRevision: z.string().optional().meta({ description: 'Branch HEAD at T0 (from git.head); records the configuration RPO sample.' }),
  gitCommits: z.record(z.string(), z.string()).optional().meta({ description: 'Commit times by SHA (git.head output commits), to date an older applied revision.' }),
});

const KUSTOMIZATION = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };

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
      if (context.signal.aborted) throw new DrillError('EFLUX', `Kustomizations not Ready: ${[...lastState.entries()].filter(([name]) => !readyAt.has(name)).map(([name, state]) => `${name} (${state})`).join('; ')}`, { cause: error });
      throw error;
    });

    if ('failed' in done) {
      const failed = done.failed;
      const ready = conditionOf(failed, 'Ready')!;
      throw new DrillError('EFLUX', `Kustomization ${input.namespace}/${failed.metadata.name} failed: ${ready.reason}: ${ready.message ?? ''}`, {
        details: `last attempted revision: ${failed.status?.lastAttemptedRevision ?? 'unknown'}\ninspect with: flux get kustomizations -n ${input.namespace}; flux events --for Kustomization/${failed.metadata.name} -n ${input.namespace}`,
      });
    }
    checkDependencyOrder(done.ready, readyAt, context.log.warn);
    const revisions: Record<string, string> = {};
    for (const object of done.ready) revisions[object.metadata.name] = object.status?.lastAppliedRevision ?? '';
    if (input.gitRevision) recordConfigurationRpo(context, input.gitRevision, input.gitCommits ?? {}, revisions);
    return {
      ready: done.ready.map((object) => object.metadata.name),
      readyAfterMs: Object.fromEntries(readyAt),
      revisions,
    };

    function noteState(name: string, state: string) {
      if (lastState.get(name) === state) return;
      lastState.set(name, state);
      context.log.info(`${name}: ${state} (after ${formatDuration(context.clock.monotonic() - stepStart)})`);
    }
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
