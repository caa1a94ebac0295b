// Preflight knows no step kind: each kind declares what preflight needs of it, and the scanner
// compares values by meaning (refs, paths, names, numbers), whatever their keys are called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { stepRegistry } from '../../../src/steps/registry.ts';
import { needsOf } from '../../../src/preflight/needs.ts';
import { normalizeBranch, normalizeStateKey } from '../../../src/preflight/normalize.ts';
import { productionOf, productionWorkspace } from '../../../src/preflight/production.ts';
import { scanValues } from '../../../src/preflight/values.ts';
import { productionSchema } from '../../../src/drill/safety-schema.ts';
import { REPO } from '../../helpers/cli.ts';

test('no file of src/preflight names a step kind: what a kind needs is declared by the kind', async () => {
  const dir = path.join(REPO, 'src', 'preflight');
  for (const name of await readdir(dir)) {
    const text = await readFile(path.join(dir, name), 'utf8');
    for (const kind of stepRegistry.keys()) assert.ok(!text.includes(`'${kind}'`) && !text.includes(`"${kind}"`), `${name} names step kind ${kind}`);
  }
});

test('kinds declare their tools, Terraform state, Git remotes and writes, backup locations and age key', () => {
  assert.deepEqual(needsOf(stepRegistry, 'terraform.apply', { dir: 'tf', workspace: 'drill-1' }), { tools: [['terraform', 'tofu']], terraform: { dir: 'tf', workspace: 'drill-1', productionWorkspaces: ['default', 'prod', 'production'], backendConfig: [], varFiles: [] } });
  assert.deepEqual(needsOf(stepRegistry, 'git.head', { url: 'https://git/x.git' }), { tools: ['git'], gitRemotes: ['https://git/x.git'], readsProduction: ['url', 'branch'] });
  assert.deepEqual(needsOf(stepRegistry, 'command', { run: ['flux', 'bootstrap', 'git', '--branch', 'refs/heads/main'], ageKeyFile: 'age.key' }).gitWrites, [{ branch: 'refs/heads/main', via: 'flux bootstrap' }]);
  assert.deepEqual(needsOf(stepRegistry, 'command', { run: ['terraform', 'workspace', 'select', '-or-create', 'prod'] }).terraform, { workspace: 'prod' });
  assert.deepEqual(needsOf(stepRegistry, 'velero.location', { accessMode: 'ReadWrite' }).backupLocations, [{ use: 'set-writable', namespace: 'velero', name: 'default' }]);
  assert.deepEqual(needsOf(stepRegistry, 'velero.restore', { includedNamespaces: ['a'], requireReadOnlyLocation: false }).backupLocations, [{ use: 'restore', namespace: 'velero', backup: undefined, schedule: undefined, allowsWritable: true }]);
  assert.deepEqual(needsOf(stepRegistry, 'k8s.wait', { kind: 'Namespace' }), {});
});

test('refs, state keys and workspace names compare by meaning', () => {
  for (const ref of ['main', 'refs/heads/main', 'heads/main', 'origin/main', 'refs/remotes/origin/main', '+refs/heads/main', ' Main ']) assert.equal(normalizeBranch(ref), 'main', ref);
  assert.equal(normalizeBranch('refs/heads/drill/main'), 'drill/main');
  for (const key of ['prod/terraform.tfstate', './prod/terraform.tfstate', 'prod//terraform.tfstate', 'prod/a/../terraform.tfstate', '/prod/terraform.tfstate', 'prod%2Fterraform.tfstate', 'prod\\terraform.tfstate', 'PROD/terraform.tfstate']) {
    assert.equal(normalizeStateKey(key), 'prod/terraform.tfstate', key);
  }
  const production = productionOf(productionSchema.parse({ terraformWorkspaces: ['prod-eu'] }));
  for (const workspace of ['default', 'prod', 'production', 'live', 'main', 'master', 'prd', 'PROD', 'prod-eu', 'eu-prod', 'live_2']) assert.ok(productionWorkspace(production, workspace), workspace);
  for (const workspace of ['drill-20261201-abc123', 'staging', 'preprod-drill', 'drill-main-copy']) assert.equal(productionWorkspace(production, workspace), undefined, workspace);
});

test('numbers named as sizes, counts or ports are not VM IDs; any other number in the range is', () => {
  const production = productionOf(productionSchema.parse({ proxmoxVmIds: ['100-199'] }));
  const hits = (tree: unknown) => scanValues(tree, production, { where: 'x', allowIssuer: false }).map((finding) => finding.message.replace(/ is a production.*/, ''));
  assert.deepEqual(hits({ memory: 150, diskSize: 120, cores: 4, node_count: 150, port: 150, vlan_id: 150, timeoutSeconds: 150 }), []);
  assert.deepEqual(hits({ nodes: { a: { id: 150 } }, list: [9101, 101], text: '120-130', flag: '--vmid=110', other: 'sleep 150 seconds' }), ['VM ID 150 in x (nodes.a.id)', 'VM ID 101 in x (list[1])', 'VM ID 120-130 in x (text)', 'VM ID --vmid=110 in x (flag)']);
});
