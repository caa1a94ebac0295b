// cert-manager on the local target without a cluster: the controller's command line, its pin and
// wrapper module, the sample tree's offline issuer chain, and what the cold-start drill waits on.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { wrapperUpToDate, wrapperDir } from '../../../scripts/lib/go-build.ts';
import { splitBinaries, wrapperModulePath } from '../../../scripts/lib/go-wrapper.ts';
import { CERT_MANAGER_CONTROLLERS, CERT_MANAGER_NAMESPACE, certManagerArgs } from '../../../src/cluster/local/cert-manager.ts';
import { loadInfraVersions, toolCacheName, versionKey } from '../../../src/cluster/local/infra-versions.ts';
import { SAMPLE_FIXTURE_DIR } from '../../../src/cluster/local/sample-repo.ts';
import { loadPlan } from '../../../src/run-drill.ts';

const COLD_START = new URL('../../../drills/cold-start.yaml', import.meta.url).pathname;

test('the controller runs out of cluster with an explicit controller list and a loopback health address', () => {
  assert.deepEqual(certManagerArgs({ kubeconfigPath: '/run/kubeconfig', healthAddress: '127.0.0.1:4321' }), [
    '--kubeconfig=/run/kubeconfig',
    '--cluster-resource-namespace=cert-manager',
    `--controllers=${CERT_MANAGER_CONTROLLERS.join(',')}`,
    '--health-addr=127.0.0.1:4321',
  ]);
  assert.ok(certManagerArgs({ kubeconfigPath: 'k', healthAddress: 'h', clusterResourceNamespace: 'other' }).includes('--cluster-resource-namespace=other'));
  // Issuers, every Certificate controller, the approver (a CertificateRequest is signed only once approved), selfSigned and CA signers; nothing that needs the internet.
  for (const name of ['issuers', 'clusterissuers', 'certificates-issuing', 'certificates-readiness', 'certificaterequests-approver', 'certificaterequests-issuer-selfsigned', 'certificaterequests-issuer-ca']) {
    assert.ok((CERT_MANAGER_CONTROLLERS as readonly string[]).includes(name), name);
  }
  assert.equal(CERT_MANAGER_CONTROLLERS.filter((name) => /acme|vault|venafi|shim/.test(name)).length, 0);
});

test('cert-manager is pinned once for the controller and its CRDs, outside the cluster binaries\' cache key', () => {
  const versions = loadInfraVersions();
  const tool = versions.tools?.['cert-manager'];
  const crds = versions.crds['cert-manager'];
  assert.ok(tool && crds);
  assert.equal(tool.module, crds.module);
  assert.equal(tool.version, crds.version);
  assert.deepEqual(crds.files?.slice().sort(), ['cert-manager.io_certificaterequests.yaml', 'cert-manager.io_certificates.yaml', 'cert-manager.io_clusterissuers.yaml', 'cert-manager.io_issuers.yaml']);
  assert.equal(versionKey(versions), versionKey({ ...versions, tools: {}, crds: {} }));
});

test('the controller is a main package of the wrapper module, generated from the pin', () => {
  const pin = loadInfraVersions().tools!['cert-manager']!;
  const split = splitBinaries('cert-manager', pin);
  assert.deepEqual(split, { tools: [], own: [`${wrapperModulePath('cert-manager')}/controller`] });
  assert.ok(existsSync(join(wrapperDir('cert-manager'), 'controller', 'main.go')));
  assert.ok(wrapperUpToDate('cert-manager', pin), 'test-infra/go/cert-manager/go.mod was generated from this pin (run npm run build:test-tools cert-manager-controller)');
  const goMod = readFileSync(join(wrapperDir('cert-manager'), 'go.mod'), 'utf8');
  assert.match(goMod, new RegExp(`^require ${pin.module.replaceAll('.', '\\.')} ${pin.version.replaceAll('.', '\\.')}$`, 'm'));
  // Cached by version and by the wrapper's own Go sources, so a changed main is rebuilt; upstream tools by version alone.
  assert.match(toolCacheName('cert-manager', pin), /^cert-manager-v1\.21\.2-[0-9a-f]{10}$/);
  assert.equal(toolCacheName('cert-manager', pin), toolCacheName('cert-manager', { ...pin }));
  assert.equal(toolCacheName('sops', loadInfraVersions().tools!['sops']!), 'sops-v3.13.3');
  // Upstream commands stay `go get -tool` packages.
  const sops = loadInfraVersions().tools!['sops']!;
  assert.deepEqual(splitBinaries('sops', sops), { tools: [sops.binaries['sops']!], own: [] });
});

test('the sample tree issues offline: selfSigned ClusterIssuer -> CA Certificate in cert-manager\'s namespace -> CA ClusterIssuer', () => {
  const text = readFileSync(join(SAMPLE_FIXTURE_DIR, 'infrastructure', 'configs', 'cluster-issuer.yaml'), 'utf8');
  const objects = parseAllDocuments(text).map((document) => document.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, any> });
  const selfSigned = objects.find((object) => object.kind === 'ClusterIssuer' && object.spec['selfSigned'] !== undefined)!;
  const certificate = objects.find((object) => object.kind === 'Certificate')!;
  const ca = objects.find((object) => object.kind === 'ClusterIssuer' && object.spec['ca'] !== undefined)!;
  assert.equal(certificate.metadata.namespace, CERT_MANAGER_NAMESPACE);
  assert.equal(certificate.spec['isCA'], true);
  assert.deepEqual(certificate.spec['issuerRef'], { group: 'cert-manager.io', kind: 'ClusterIssuer', name: selfSigned.metadata.name });
  assert.equal(ca.spec['ca'].secretName, certificate.spec['secretName']);
  assert.equal(objects.some((object) => object.spec['acme'] !== undefined), false, 'ACME needs the internet');
  // The namespace comes from the controllers layer, which the configs layer depends on.
  assert.match(readFileSync(join(SAMPLE_FIXTURE_DIR, 'infrastructure', 'controllers', 'cert-manager.yaml'), 'utf8'), /kind: Namespace\nmetadata:\n  name: cert-manager\n/);
  assert.match(readFileSync(join(SAMPLE_FIXTURE_DIR, 'infrastructure', 'controllers', 'kustomization.yaml'), 'utf8'), /- cert-manager\.yaml/);
});

test('on local the runbook\'s ClusterIssuer check waits on the sample CA issuer\'s Ready condition, declared as a stand-in for ACME staging', async () => {
  const local = (await loadPlan(COLD_START, 'local')).steps.find((step) => step.id === 'cluster-issuer')!;
  assert.equal(local.kind, 'k8s.wait');
  assert.deepEqual(local.spec.with, { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', name: 'drill-ca', condition: { type: 'Ready' } });
  assert.match(local.standIn ?? '', /letsencrypt-staging/);
  assert.match(local.standIn ?? '', /CA ClusterIssuer drill-ca/);
  assert.match(local.standIn ?? '', /ACME needs the internet/);
  const sim = (await loadPlan(COLD_START, 'sim')).steps.find((step) => step.id === 'cluster-issuer')!;
  assert.equal(sim.spec.with['name'], 'letsencrypt-staging');
  assert.equal(sim.standIn, undefined);
});
