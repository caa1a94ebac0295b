// Pure parts of the local cluster and its build script (no cluster, no Go).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareGo, ldflags, wrapperGoMod, wrapperReplaces } from '../../../scripts/lib/go-wrapper.ts';
import { dependencyOrder, kustomizationObjects, readKustomizations, withDecryptionSecret } from '../../../src/cluster/local/flux-bootstrap.ts';
import { parseCgiHead } from '../../../src/cluster/local/git-server.ts';
import { binDir, loadInfraVersions, requireInfraBinaries, versionKey } from '../../../src/cluster/local/infra-versions.ts';
import { parse } from 'yaml';
import { kwokctlConfig } from '../../../src/cluster/local/kwok-cluster.ts';
import { SAMPLE_FIXTURE_DIR } from '../../../src/cluster/local/sample-repo.ts';
import { join } from 'node:path';
import { formatError } from '../../../src/util/errors.ts';

test('compareGo orders Go versions', () => {
  assert.ok(compareGo('1.27.0', '1.26.8') > 0);
  assert.equal(compareGo('1.26', '1.26.0'), 0);
  assert.ok(compareGo('1.25.0', '1.26') < 0);
});

test('wrapperReplaces maps k8s staging dirs to published modules and drops other local paths', () => {
  const pin = { module: 'k8s.io/kubernetes', version: 'v1.36.3', stagingVersion: 'v0.36.3', binaries: {} };
  const lines = wrapperReplaces('kubernetes', pin, {
    Replace: [
      { Old: { Path: 'k8s.io/api' }, New: { Path: './staging/src/k8s.io/api' } },
      { Old: { Path: 'x.io/api' }, New: { Path: './api' } },
      { Old: { Path: 'gopkg.in/yaml.v3' }, New: { Path: 'gopkg.in/yaml.v3', Version: 'v3.0.1' } },
    ],
  });
  assert.deepEqual(lines, ['\tk8s.io/api => k8s.io/api v0.36.3', '\tgopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1']);
  assert.throws(
    () => wrapperReplaces('kubernetes', { ...pin, stagingVersion: undefined }, { Replace: [{ Old: { Path: 'k8s.io/api' }, New: { Path: './staging/src/k8s.io/api' } }] }),
    /ETESTINFRA kubernetes: "stagingVersion" missing/,
  );
});

test('a pin\'s extraReplaces join the upstream replaces and its fingerprint (velero: kopia from its go.mod, cli-runtime held back)', () => {
  const pin = { module: 'github.com/vmware-tanzu/velero', version: 'v1.18.3', binaries: { velero: 'github.com/vmware-tanzu/velero/cmd/velero' }, extraReplaces: ['k8s.io/cli-runtime => k8s.io/cli-runtime v0.33.10'] };
  const lines = wrapperReplaces('velero', pin, { Replace: [{ Old: { Path: 'github.com/kopia/kopia' }, New: { Path: 'github.com/project-velero/kopia', Version: 'v0.0.0-20251230033609-d946b1e75197' } }] });
  assert.deepEqual(lines, ['\tgithub.com/kopia/kopia => github.com/project-velero/kopia v0.0.0-20251230033609-d946b1e75197', '\tk8s.io/cli-runtime => k8s.io/cli-runtime v0.33.10']);
  assert.match(wrapperGoMod('velero', pin, '1.26.0', lines), /^\/\/ pin: github\.com\/vmware-tanzu\/velero@v1\.18\.3 staging=- tools=github\.com\/vmware-tanzu\/velero\/cmd\/velero replaces=k8s\.io\/cli-runtime => k8s\.io\/cli-runtime v0\.33\.10$/m);
  const pinned = loadInfraVersions().tools?.['velero'];
  assert.deepEqual(pinned?.extraReplaces, pin.extraReplaces, 'test-infra/versions.json pins the same replace');
});

test('wrapper go.mod carries the pin fingerprint', () => {
  const pin = { module: 'sigs.k8s.io/kwok', version: 'v0.8.0', binaries: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' } };
  const text = wrapperGoMod('kwok', pin, '1.26.0', []);
  assert.match(text, /^\/\/ pin: sigs\.k8s\.io\/kwok@v0\.8\.0 staging=- tools=sigs\.k8s\.io\/kwok\/cmd\/kwok$/m);
  assert.match(text, /^module dr-drill\.local\/test-infra\/kwok$/m);
  assert.match(text, /^go 1\.26\.0$/m);
});

test('ldflags stamp the Kubernetes and kwok versions', () => {
  const v = loadInfraVersions();
  const k8s = v.components['kubernetes']!;
  assert.match(ldflags('kubernetes', k8s, v), new RegExp(`-X=k8s.io/component-base/version.gitVersion=${k8s.version}`));
  assert.match(ldflags('kwok', v.components['kwok']!, v), /-X=sigs\.k8s\.io\/kwok\/pkg\/consts\.KubeVersion=v1\.36\.3/);
  assert.equal(ldflags('etcd', v.components['etcd']!, v), '-s -w');
});

test('binaries live under DR_DRILL_CACHE/bin/<version-key>', () => {
  const v = loadInfraVersions();
  assert.equal(binDir(v, { DR_DRILL_CACHE: '/c' }), `/c/bin/${versionKey(v)}`);
  assert.match(versionKey(v), /^k8s-v1\.36\.3-[0-9a-f]{10}$/);
  assert.throws(() => requireInfraBinaries(v, { DR_DRILL_CACHE: '/nonexistent' }), (error: unknown) => /ETESTINFRA .*missing.*\n.*node scripts\/build-test-infra\.ts/.test(formatError(error)));
});

test('kwokctl configuration binds to loopback and uses the built binaries', () => {
  const text = kwokctlConfig(
    {
      name: 'x',
      dir: '/d',
      kubeVersion: 'v1.36.3',
      binaries: { etcd: '/b/etcd', 'kube-apiserver': '/b/a', 'kube-controller-manager': '/b/c', 'kube-scheduler': '/b/s', kwok: '/b/k' },
    },
    '/d/cache',
  );
  assert.match(text, /^  runtime: binary$/m);
  assert.match(text, /^  bindAddress: 127\.0\.0\.1$/m);
  assert.match(text, /^  kwokControllerBinary: "\/b\/k"$/m);
  // Only nodes carrying kwok's annotation get a fake kubelet: a node without it never reports Ready.
  assert.deepEqual(parse(text).componentsPatches, [
    { name: 'kwok-controller', extraArgs: [{ key: 'manage-all-nodes', value: 'false', override: true }, { key: 'manage-nodes-with-annotation-selector', value: 'kwok.x-k8s.io/node=fake' }] },
  ]);
  assert.throws(() => kwokctlConfig({ name: 'x', dir: '/d', kubeVersion: 'v', binaries: {} }, '/c'), (error: unknown) => /ETESTINFRA binary etcd missing/.test(formatError(error)));
});

test('CGI head parsing takes Status and headers', () => {
  const h = parseCgiHead('Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT');
  assert.equal(h.status, 404);
  assert.deepEqual(h.headers[0], ['Content-Type', 'text/plain']);
  assert.equal(parseCgiHead('Content-Type: x').status, 200);
});

test('sample layers are chained controllers -> configs -> apps, all wait and prune', () => {
  const ks = readKustomizations(join(SAMPLE_FIXTURE_DIR, 'clusters', 'drill'));
  assert.deepEqual(dependencyOrder(ks), ['infrastructure-controllers', 'infrastructure-configs', 'apps']);
  for (const k of ks) {
    assert.equal(k.spec?.['wait'], true, `${k.metadata?.name} wait`);
    assert.equal(k.spec?.['prune'], true, `${k.metadata?.name} prune`);
  }
});

test('bootstrapFlux creates the layers as clusters/drill says, or with prune: false for a prune-disabled control, the rest unchanged', () => {
  const clusterDir = join(SAMPLE_FIXTURE_DIR, 'clusters', 'drill');
  const asWritten = kustomizationObjects({ clusterDir });
  assert.deepEqual(asWritten.map((k) => [k.metadata.namespace, k.metadata.name, k.spec?.['prune']]), [
    ['flux-system', 'apps', true],
    ['flux-system', 'infrastructure-configs', true],
    ['flux-system', 'infrastructure-controllers', true],
  ]);
  const neverPrune = kustomizationObjects({ clusterDir, prune: false });
  assert.deepEqual(neverPrune.map((k) => k.spec?.['prune']), [false, false, false]);
  assert.deepEqual(neverPrune.map((k) => ({ ...k.spec, prune: true })), asWritten.map((k) => k.spec), 'only prune differs');
});

test('dependsOn cycles are reported', () => {
  const k = (name: string, dep: string) => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name }, spec: { dependsOn: [{ name: dep }] } });
  assert.throws(() => dependencyOrder([k('a', 'b'), k('b', 'a')]), (error: unknown) => /ELOCAL dependsOn cycle/.test(formatError(error)));
});

test('a decryption Secret given to the bootstrap reaches every decrypting Kustomization, and only those', () => {
  const ks = readKustomizations(join(SAMPLE_FIXTURE_DIR, 'clusters', 'drill')).map((k) => (k.metadata?.name === 'apps' ? { ...k, spec: { ...k.spec, decryption: { provider: 'sops', secretRef: { name: 'sops-age' } } } } : k));
  const bootstrapped = ks.map((k) => withDecryptionSecret(k, 'sops-age-legacy'));
  assert.deepEqual(bootstrapped.map((k) => [k.metadata?.name, k.spec?.['decryption']]), [
    ['apps', { provider: 'sops', secretRef: { name: 'sops-age-legacy' } }],
    ['infrastructure-configs', undefined],
    ['infrastructure-controllers', undefined],
  ]);
  assert.equal(bootstrapped[0]!.spec?.['path'], './apps');
  assert.deepEqual(ks.map((k) => withDecryptionSecret(k, undefined)), ks, 'without one each keeps the Secret its manifest names');
});
