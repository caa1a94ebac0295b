import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runPreflight } from '../../../src/preflight/index.ts';
import { HclSyntaxError, parseHclFile } from '../../../src/preflight/hcl.ts';
import { ipRangesIn } from '../../../src/preflight/ip.ts';
import { DrillErrors, formatError } from '../../../src/util/errors.ts';
import { planFrom, tempDir } from '../../helpers/drill-fixtures.ts';
import { FAKES_BIN } from '../../fakes/real-session.ts';
import { loadPlan } from '../../../src/run-drill.ts';
import { requireTools } from '../../helpers/tools.ts';

/** The pinned restic (built from the Go module proxy on first use): preflight asks the real one for its version. */
const restic = await requireTools(['restic']);
const env = (extra: Record<string, string> = {}) => ({ PATH: `${FAKES_BIN}${path.delimiter}${restic.PATH}`, HOME: process.env.HOME, ...extra });

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => assert.fail('preflight must fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof DrillErrors, String(error));
  return error.errors.map((item) => formatError(item));
}

const PRODUCTION = `production:
  kubeContexts: [admin@homelab]
  terraformWorkspaces: [default, prod]
  terraformStateKeys: [prod/terraform.tfstate]
  proxmoxVmIds: ["100-199", 250]
  controlPlaneVips: [192.168.10.10]
  loadBalancerRanges: [192.168.10.200-192.168.10.250]
  gitBranches: [main]
  certIssuers: [letsencrypt-prod]
`;

async function drillDir(tfvars: string): Promise<string> {
  const dir = await tempDir('dr-drill-preflight-');
  await mkdir(path.join(dir, 'tf'), { recursive: true });
  await writeFile(path.join(dir, 'tf', 'drill.tfvars'), tfvars);
  return dir;
}

async function planIn(dir: string, yaml: string) {
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, yaml);
  return planFrom(yaml, undefined, file);
}

test('preflight lists every problem at once, production first, each with its field and fix', async () => {
  const dir = await drillDir(`# the drill's cluster
cluster_name = "drill"
nodes = {
  cp1 = { vm_id = 9101, ip = "10.99.0.11" }
  cp2 = {
    vm_id = 150 // a production VM
    ip    = "10.99.0.12"
  }
}
cluster_vip  = "192.168.10.10"
metallb_pool = ["192.168.10.240/28"]
flux_branch  = "main"
cert_issuer  = "letsencrypt-prod"
/* multi-line
   comment */
talos_patch = <<EOT
machine:
  install: {}
EOT
`);
  const plan = await planIn(
    dir,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: cold-start
scenario: cold-start
target: proxmox-talos
${PRODUCTION}preflight:
  tools: [talhelper]
phases:
  - name: provision
    steps:
      - id: git-head
        kind: git.head
        with: { url: "file://${dir}/no-such-repo.git" }
      - id: terraform-apply
        kind: terraform.apply
        with:
          dir: tf
          workspace: prod
          backendConfig: [key=prod/terraform.tfstate]
          varFiles: [drill.tfvars]
          vars: { api_token: "\${env.DRILL_PROXMOX_TOKEN}" }
      - id: flux-bootstrap
        kind: command
        with: { run: [flux, bootstrap, git, "--url=ssh://git@git.example/homelab/gitops", --branch=main] }
      - id: ingress-ip
        kind: k8s.wait
        with: { apiVersion: v1, kind: Service, namespace: ingress-nginx, name: ingress-nginx-controller, jsonPath: ".status.loadBalancer.ingress[0].ip", equals: 192.168.10.201 }
`,
  );
  const problems = await problemsOf(runPreflight(plan, { env: env(), runId: 'r1' }));
  const file = path.join(dir, 'drill.yaml');
  // Values are compared whatever their key is called (hcl2json gives a file's attributes in name
  // order); a step input and a Terraform variable get one message shape.
  assert.deepEqual(problems, [
    `${file}:27:22 EPRODTARGET step "terraform-apply": Terraform workspace "prod" holds production state (production.terraformWorkspaces) (field phases[0].steps[1].with.workspace)\n  give the step a drill-owned workspace, e.g. workspace: drill-\${run.id}`,
    `${file}:29:22 EPRODTARGET drill.tfvars (cert_issuer) uses production certificate issuer "letsencrypt-prod" (field phases[0].steps[1].with.varFiles[0])\n  use a staging issuer (e.g. letsencrypt-staging) in the drill, or set preflight.allowProductionIssuer: true`,
    `${file}:29:22 EPRODTARGET 192.168.10.10 in drill.tfvars (cluster_vip) is production's control-plane VIP (production.controlPlaneVips: 192.168.10.10) (field phases[0].steps[1].with.varFiles[0])\n  give the drill cluster its own VIP: two clusters announcing one VIP take production's API down`,
    `${file}:29:22 EPRODTARGET "main" in drill.tfvars (flux_branch) names production branch "main" (production.gitBranches) (field phases[0].steps[1].with.varFiles[0])\n  bootstrap the drill's Flux from a drill branch or path (e.g. drill/main): Flux and Terraform's flux_bootstrap_git commit to the branch they bootstrap from, and production syncs main`,
    `${file}:29:22 EPRODTARGET 192.168.10.240/28 in drill.tfvars (metallb_pool[0]) overlaps production's load-balancer range 192.168.10.200-192.168.10.250 (production.loadBalancerRanges) (field phases[0].steps[1].with.varFiles[0])\n  give the drill its own load-balancer pool and ingress IP: a drill cluster announcing production's ingress IP breaks production`,
    `${file}:29:22 EPRODTARGET VM ID 150 in drill.tfvars (nodes.cp2.vm_id) is a production VM ID (production.proxmoxVmIds: 100-199) (field phases[0].steps[1].with.varFiles[0])\n  give the drill's VMs IDs from a range production never uses (e.g. 9100-9199)`,
    `${file}:28:27 EPRODTARGET "prod/terraform.tfstate" in step "terraform-apply" (backendConfig[0]) is production's Terraform state key "prod/terraform.tfstate" (production.terraformStateKeys) (field phases[0].steps[1].with.backendConfig[0])\n  give the drill its own backend config with its own state key (e.g. key = "drill/terraform.tfstate")`,
    `${file}:33:91 EPRODTARGET step "flux-bootstrap": flux bootstrap would commit to production branch "main" (field phases[0].steps[2].with.run[4])\n  bootstrap the drill's Flux from a drill branch or path (e.g. drill/main): Flux and Terraform's flux_bootstrap_git commit to the branch they bootstrap from, and production syncs main`,
    `${file}:36:162 EPRODTARGET 192.168.10.201 in step "ingress-ip" (equals) overlaps production's load-balancer range 192.168.10.200-192.168.10.250 (production.loadBalancerRanges) (field phases[0].steps[3].with.equals)\n  give the drill its own load-balancer pool and ingress IP: a drill cluster announcing production's ingress IP breaks production`,
    `${file}:16:10 EPREFLIGHT talhelper is not installed (needed by preflight.tools) (field preflight.tools)\n  install talhelper and put it on PATH`,
    `${file}:26:11 EPREFLIGHT environment variable DRILL_PROXMOX_TOKEN is not set (used by step "terraform-apply") (field phases[0].steps[1].with)\n  export DRILL_PROXMOX_TOKEN=... before the run, or give a default with \${env.DRILL_PROXMOX_TOKEN:-value}`,
    `${file}:22:22 EPREFLIGHT Git remote file://${dir}/no-such-repo.git is not reachable (field phases[0].steps[0].with.url)\n  git ls-remote said: fatal: '${dir}/no-such-repo.git' does not appear to be a git repository\n  check the URL, the network and the credentials (a token in the URL or GIT_ASKPASS)`,
  ]);
});

test('a kubeconfig target whose context is production is refused', async () => {
  const dir = await tempDir('dr-drill-preflight-');
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: admin@homelab\ncontexts: []\n');
  const drill = (targets: string) => `apiVersion: dr-drill.io/v1
kind: Drill
name: namespace-restore
scenario: namespace-restore
target: kubeconfig
targets:
${targets}
${PRODUCTION}phases:
  - name: p
    steps:
      - { id: wait, kind: k8s.wait, with: { apiVersion: v1, kind: Namespace, name: paperless-drill, jsonPath: .status.phase, equals: Active } }
`;
  const file = path.join(dir, 'drill.yaml');
  const fromFile = await planIn(dir, drill(`  kubeconfig: { kubeconfig: ${kubeconfig} }`));
  assert.deepEqual(await problemsOf(runPreflight(fromFile, { env: env() })), [
    `${file}:7:29 EPRODTARGET kube context "admin@homelab" is a production context (production.kubeContexts) (field targets.kubeconfig.kubeconfig)\n  run the kubeconfig target against a drill cluster: set targets.kubeconfig.context to its context, never production's`,
  ]);
  const named = await planIn(dir, drill('  kubeconfig: { context: admin@homelab }'));
  assert.deepEqual(await problemsOf(runPreflight(named, { env: env({ KUBECONFIG: kubeconfig }) })), [
    `${file}:7:26 EPRODTARGET kube context "admin@homelab" is a production context (production.kubeContexts) (field targets.kubeconfig.context)\n  run the kubeconfig target against a drill cluster: set targets.kubeconfig.context to its context, never production's`,
  ]);
  const drillContext = await planIn(dir, drill('  kubeconfig: { context: admin@drill }'));
  const report = await runPreflight(drillContext, { env: env() });
  assert.deepEqual(report.notes, [{ check: 'isolation', message: 'kube context admin@drill is not production' }]);
});

test('an isolated drill passes and preflight reports the tool versions it found', { skip: restic.skip }, async () => {
  const dir = await tempDir('dr-drill-preflight-');
  await mkdir(path.join(dir, 'tf'), { recursive: true });
  await writeFile(path.join(dir, 'tf', 'drill.tfvars.json'), JSON.stringify({ vm_ids: '9100-9110', cluster_endpoint: 'https://10.99.0.10:6443', lb_range: '10.99.0.200-10.99.0.220', flux_branch: 'drill/cold-start', cluster_issuer: 'letsencrypt-prod' }));
  const plan = await planIn(
    dir,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: cold-start
scenario: cold-start
target: proxmox-talos
${PRODUCTION}preflight:
  allowProductionIssuer: true
  requiredEnv: [PROXMOX_VE_API_TOKEN]
phases:
  - name: p
    steps:
      - { id: tf, kind: terraform.apply, with: { dir: tf, workspace: "drill-\${run.id}", varFiles: [drill.tfvars.json] } }
      - { id: health, kind: talos.health, with: { talosconfig: "\${steps.tf.outputs.talosconfig}" } }
      - { id: bsl, kind: command, with: { run: [velero, backup-location, get] } }
      - { id: apps, kind: command, with: { run: [flux, bootstrap, git, --branch, drill/cold-start] } }
      - { id: data, kind: restic.restore, with: { repository: /srv/restic, password: "\${env.RESTIC_PASSWORD:-x}" } }
      - { id: app, kind: command, with: { run: [./restore-app.sh], cwd: scripts } }
`,
  );
  await mkdir(path.join(dir, 'scripts'));
  await writeFile(path.join(dir, 'scripts', 'restore-app.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const report = await runPreflight(plan, { env: env({ PROXMOX_VE_API_TOKEN: 'token' }) });
  const tools = report.notes.filter((note) => note.check === 'tools').map((note) => note.message.replace(/ \(.*\)$/, ''));
  const script = path.join(dir, 'scripts', 'restore-app.sh');
  assert.deepEqual(tools, ['terraform v1.13.4', 'talosctl v1.11.5', 'velero v1.17.0', 'flux v2.7.3', tools.find((tool) => tool.startsWith('restic ')), script]);
  assert.match(tools[4]!, /^restic \d+\.\d+\.\d+$/);
  assert.deepEqual(report.notes.filter((note) => note.check !== 'tools'), [{ check: 'env', message: 'PROXMOX_VE_API_TOKEN is set' }]);
});

test('on the sim target preflight asks the simulated tools and skips files the sim does not have', async () => {
  const plan = await loadPlan('drills/cold-start.yaml', 'sim');
  const report = await runPreflight(plan, { env: {} });
  assert.deepEqual(report.notes.map((note) => `${note.check}: ${note.message.replace(process.cwd(), '.')}`), [
    'tools: git 2.47.3 (/sim/bin/git)',
    'tools: terraform v1.13.4 (/sim/bin/terraform)',
    'tools: talosctl v1.11.5 (/sim/bin/talosctl)',
    'env: preflight.requiredEnv (PROXMOX_VE_API_TOKEN) is not checked on the sim target',
    'age-key: ./age.agekey does not exist; not checked on the sim target',
    'git-remote: https://git.sim.dr-drill.invalid/homelab/gitops.git answers',
    // The backend config is read like the variable file now (it was skipped silently when absent).
    'isolation: ./infrastructure/environments/drill/backend.config does not exist; not checked on the sim target',
    'isolation: ./infrastructure/environments/drill/drill.tfvars does not exist; not checked on the sim target',
    'isolation: backup storage locations are checked when the restore runs: the drill cluster does not exist before the run',
  ]);
});

test('tfvars: HashiCorp\'s HCL parser reads strings, numbers, lists, nested maps, heredocs and comments; IPs, CIDRs and ranges', async () => {
  const parsed = await parseHclFile(
    `name = "drill" # trailing comment
count = 3
enabled = true
ids = [9101, 9102,
  9103]
nodes = {
  cp1 = { vm_id = 9101, ip = "10.99.0.11" }
  "w1" = { vm_id = 9104 }
}
patch = <<-EOT
    machine:
      install: {}
  EOT
expr = cidrsubnet("10.0.0.0/16", 8, 1)
`,
    'drill.tfvars',
  );
  assert.deepEqual(parsed, {
    name: 'drill',
    count: 3,
    enabled: true,
    ids: [9101, 9102, 9103],
    nodes: { cp1: { vm_id: 9101, ip: '10.99.0.11' }, w1: { vm_id: 9104 } },
    patch: 'machine:\n  install: {}\n',
    expr: '${cidrsubnet("10.0.0.0/16", 8, 1)}',
  });
  await assert.rejects(parseHclFile('name = "unterminated\n', 'x.tfvars'), (error: unknown) => error instanceof HclSyntaxError && error.line === 1 && /^Invalid multi-line string/.test(error.message));
  // Terraform itself refuses a quoted argument name; so does preflight.
  await assert.rejects(parseHclFile('"quoted key" = "x"\n', 'x.tfvars'), /Invalid argument name/);
  assert.deepEqual(
    ipRangesIn('https://10.0.0.10:6443 10.0.50.0/24 10.0.60.100 - 10.0.60.150').map((range) => [range.text, range.last - range.first + 1]),
    [
      ['10.0.0.10', 1],
      ['10.0.50.0/24', 256],
      ['10.0.60.100 - 10.0.60.150', 51],
    ],
  );
});

test('dr-drill run stops with exit code 3 and the list before anything runs; --skip-preflight runs anyway', async () => {
  const { runCli } = await import('../../helpers/cli.ts');
  const { readFile } = await import('node:fs/promises');
  const dir = await tempDir('dr-drill-preflight-cli-');
  const file = path.join(dir, 'drill.yaml');
  await writeFile(
    file,
    `apiVersion: dr-drill.io/v1
kind: Drill
name: bootstrap
scenario: cold-start
target: proxmox-talos
production: { gitBranches: [main] }
preflight: { requiredEnv: [DRILL_TEST_TOKEN] }
phases:
  - name: p
    steps:
      - { id: apps, kind: command, with: { run: [task, bootstrap:apps] } }
`,
  );
  const log = path.join(dir, 'fake.log');
  const cliEnv = { PATH: `${FAKES_BIN}${path.delimiter}${process.env.PATH}`, DRILL_FAKE_LOG: log };
  const stopped = await runCli(['run', file, '--out', path.join(dir, 'out')], { env: cliEnv });
  assert.equal(stopped.stderr, `${file}:7:28 EPREFLIGHT environment variable DRILL_TEST_TOKEN is not set (used by preflight.requiredEnv) (field preflight.requiredEnv[0])\n  export DRILL_TEST_TOKEN=... before the run, or give a default with \${env.DRILL_TEST_TOKEN:-value}\n`);
  assert.equal(stopped.code, 3);
  const calls = async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line).args as string[]);
  assert.deepEqual(await calls(), [['--version']], 'only preflight\'s version check: task bootstrap:apps never ran');
  const skipped = await runCli(['run', file, '--out', path.join(dir, 'out'), '--skip-preflight'], { env: cliEnv });
  assert.equal(skipped.code, 0, skipped.stdout + skipped.stderr);
  assert.deepEqual(await calls(), [['--version'], ['bootstrap:apps']], 'no version check this time: preflight was skipped');
});
