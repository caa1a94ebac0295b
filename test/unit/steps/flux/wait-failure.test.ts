import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFluxFailure, needsNewCommit } from '../../../../src/steps/flux/wait.ts';

// Messages as kustomize-controller v1.9 writes them into the Ready condition.
test('flux.wait fails fast only on reasons that need a new commit, not while Flux waits for its source', () => {
  assert.equal(isFluxFailure('ArtifactFailed', 'Source artifact not found, retrying in 5s'), false);
  assert.equal(isFluxFailure('ArtifactFailed', "Source 'GitRepository/flux-system/flux-system' not found"), false);
  assert.equal(isFluxFailure('ArtifactFailed', 'Source is not ready, artifact not found, retrying in 5s'), false);
  assert.equal(isFluxFailure('ArtifactFailed', 'kustomization path not found: stat /tmp/kustomization-1/does-not-exist: no such file or directory'), true);
  assert.equal(isFluxFailure('BuildFailed', 'kustomize build failed: accumulating resources: open missing.yaml: no such file or directory'), true);
  // Flux retries these by itself (a node that joins late, a webhook that starts late): waited through.
  assert.equal(isFluxFailure('HealthCheckFailed', 'health check failed after 3m0s: timeout waiting for: [Deployment/paperless/paperless-ngx status: InProgress]'), false);
  assert.equal(isFluxFailure('ReconciliationFailed', 'Deployment/paperless/paperless-ngx dry-run failed: failed to call webhook'), false);
  assert.equal(isFluxFailure('PruneFailed', 'failed to delete ConfigMap/x'), false);
  assert.equal(isFluxFailure('DependencyNotReady', "dependency 'flux-system/infrastructure-configs' is not ready"), false);
  assert.equal(isFluxFailure('Progressing', 'Reconciliation in progress'), false);
});

test('a reason that needs a new commit says what to do', () => {
  assert.match(needsNewCommit('BuildFailed', 'decryption failed for sops-secret')!, /decryption key/);
  assert.match(needsNewCommit('ArtifactFailed', 'kustomization path not found: stat x')!, /spec\.path/);
  assert.equal(needsNewCommit('HealthCheckFailed', 'timeout'), undefined);
});
