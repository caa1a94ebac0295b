// flux.reconcile when Flux does not get there, against the in-memory API with stand-ins for the
// controllers: the timeout says what the step last saw, in Flux's words: a source that never
// handled the request (source-controller down), or a layer whose health checks never pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../../src/engine/clock.ts';
import type { KubeObject } from '../../../../src/contract/cluster.ts';
import { ObjectStore } from '../../../../src/targets/sim/store.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';

const OLD = 'drill/r1@sha1:1111111111111111111111111111111111111111';
const REVERT = '2222222222222222222222222222222222222222';
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const GIT_REPOSITORY = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' };

function fluxObjects(): ObjectStore {
  const store = new ObjectStore(systemClock());
  const ready = (message: string) => [{ type: 'Ready', status: 'True', reason: 'Succeeded', message }];
  store.create({ apiVersion: GIT_REPOSITORY.apiVersion, kind: GIT_REPOSITORY.kind, metadata: { name: 'flux-system', namespace: 'flux-system' }, spec: {}, status: { artifact: { revision: OLD }, conditions: ready(`stored artifact for revision '${OLD}'`) } });
  store.create({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' }, spec: {}, status: { lastAppliedRevision: OLD, observedGeneration: 1, conditions: ready(`Applied revision: ${OLD}`) } });
  return store;
}

/** What source-controller does with a reconcile request: fetch the branch (now at the revert) and say it handled it. */
function sourceController(store: ObjectStore): void {
  store.watch(GIT_REPOSITORY.apiVersion, GIT_REPOSITORY.kind, {}, (_type, object: KubeObject) => {
    const requested = object.metadata.annotations?.[REQUESTED_AT];
    if (!requested || object.status?.lastHandledReconcileAt === requested) return;
    const revision = `drill/r1@sha1:${REVERT}`;
    queueMicrotask(() => store.patch(GIT_REPOSITORY, { status: { lastHandledReconcileAt: requested, artifact: { revision }, conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${revision}'` }] } }));
  });
}

/** kustomize-controller applying a revision whose health checks never pass (a Deployment that gets no pod). */
function kustomizeControllerStuckInHealthChecks(store: ObjectStore): void {
  store.watch('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {}, (_type, object: KubeObject) => {
    const requested = object.metadata.annotations?.[REQUESTED_AT];
    if (!requested || object.status?.lastHandledReconcileAt === requested || object.spec?.suspend) return;
    const checks = `Running health checks for revision drill/r1@sha1:${REVERT} with a timeout of 3m0s`;
    queueMicrotask(() =>
      store.patch({ apiVersion: object.apiVersion, kind: object.kind, namespace: 'flux-system', name: object.metadata.name }, {
        status: {
          lastHandledReconcileAt: requested,
          conditions: [
            { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' },
            { type: 'Healthy', status: 'Unknown', reason: 'Progressing', message: checks },
          ],
        },
      }),
    );
  });
}

async function reconcile(store: ObjectStore) {
  const plan = planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n      - { id: reconcile, kind: flux.reconcile, timeout: 1s, with: { suspendResume: true, revision: "${REVERT}" } }\n`));
  const session = realSession();
  session.clusterFor = async () => store.asCluster();
  const { outcome } = await runPlan(plan, { session, env: {}, workDir: await tempDir() });
  return outcome.records.get('reconcile')!;
}

test('a source that never handles the request (source-controller down): the timeout names the revision it still serves', async () => {
  const record = await reconcile(fluxObjects());
  assert.equal(record.status, 'timed-out');
  assert.match(record.error!.message, new RegExp(`^timed out after 1s: GitRepository flux-system/flux-system did not handle the reconcile request of \\S+ \\(never handled one\\): it still serves ${OLD} \\(Ready=True Succeeded: stored artifact for revision '${OLD}'\\)$`));
});

test('a layer whose health checks never pass: the timeout carries Flux\'s Healthy condition next to Ready', async () => {
  const store = fluxObjects();
  sourceController(store);
  kustomizeControllerStuckInHealthChecks(store);
  const record = await reconcile(store);
  assert.equal(record.status, 'timed-out');
  assert.equal(record.error!.message, `timed out after 1s: Kustomizations not Ready on drill/r1@sha1:${REVERT}: apps (Ready=Unknown Progressing: Reconciliation in progress; Healthy=Unknown Progressing: Running health checks for revision drill/r1@sha1:${REVERT} with a timeout of 3m0s)`);
});
