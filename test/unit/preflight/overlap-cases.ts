/** The production-overlap corpus: drills that reuse something production owns, one class after another, and drills that reuse nothing. */

export interface Case {
  name: string;
  klass: string;
  /** Files relative to the drill directory (tf/drill.tfvars and tf/backend.config have isolated defaults); $DIR is the drill directory. */
  files?: Record<string, string>;
  workspace?: string;
  backendConfig?: string;
  varFile?: string;
  /** More inputs of the terraform steps, as YAML flow-map entries. */
  applyWith?: string;
  /** Leave out the terraform.apply / terraform.destroy pair. */
  terraform?: false;
  /** More steps (YAML list items, indented for phases[0].steps). */
  steps?: string;
  finally?: string;
  /** Blocks before production: (targets:, preflight:). */
  header?: string;
  target?: string;
  env?: Record<string, string>;
  /** What the refusal says (overlapping drills only). */
  expect?: RegExp;
  code?: 'EPRODTARGET' | 'EPREFLIGHT' | 'EDRILLSCHEMA';
}

const tfvars = (text: string) => ({ 'tf/drill.tfvars': text });
const backend = (text: string) => ({ 'tf/backend.config': text });
const command = (id: string, run: string, extra = '') => `      - { id: ${id}, kind: command, with: { run: ${run}${extra} } }\n`;
const kubeconfig = (current: string, contexts: [string, string, string][], clusters: [string, string][]) =>
  `apiVersion: v1\nkind: Config\ncurrent-context: ${current}\ncontexts:\n${contexts.map(([name, cluster, user]) => `  - name: ${name}\n    context: { cluster: ${cluster}, user: ${user} }\n`).join('')}clusters:\n${clusters.map(([name, server]) => `  - name: ${name}\n    cluster: { server: "${server}" }\n`).join('')}users: []\n`;
const onKubeconfig = (file: string) => `targets:\n  kubeconfig: { kubeconfig: $DIR/${file} }\n`;
const k8sWait = '      - { id: ns, kind: k8s.wait, timeout: 2s, with: { apiVersion: v1, kind: Namespace, name: paperless-drill, jsonPath: .status.phase, equals: Active } }\n';
const existingSim = (mode: string) => `targets:\n  sim: { cluster: existing, backupLocationAccessMode: ${mode} }\n`;
const restore = '      - { id: restore, kind: velero.restore, timeout: 3h, with: { schedule: daily, includedNamespaces: [paperless], namespaceMapping: { paperless: paperless-drill } } }\n';

const BRANCH = /names production branch "main"|would commit to production branch "main"|Flux would be bootstrapped from production branch "main"/;
const VM = /is a production VM ID \(production\.proxmoxVmIds: 100-199\)/;
const VIP = /production's control-plane VIP/;
const LB = /overlaps production's load-balancer range 192\.168\.10\.200-192\.168\.10\.250/;
const KEY = /is production's Terraform state key "prod\/terraform\.tfstate"/;
const WORKSPACE = /Terraform workspace "[^"]+" (?:in [^)]+\) )?holds production state/;
const CONTEXT = /kube context|production context/;
const BSL = /backup storage location|requireReadOnlyLocation/;
const HCL = /cannot parse (?:backend config|Terraform variable file)/;

export const OVERLAPS: (Case & { expect: RegExp })[] = [
  // A branch written as a full ref, a remote branch, a refspec, in any case, under any key.
  { klass: 'branch as a full ref', name: 'tfvars flux_branch = refs/heads/main', files: tfvars('flux_branch = "refs/heads/main"\n'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'tfvars ref under an unrelated key (heads/main)', files: tfvars('gitops = { ref = "heads/main" }\n'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'tfvars origin/main', files: tfvars('repo_ref = "origin/main"\n'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'tfvars module source ?ref=main', files: tfvars('source = "git::https://git.example/gitops.git?ref=main"\n'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'tfvars branch in another case (Main)', files: tfvars('flux_branch = "Main"\n'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'flux bootstrap --branch=refs/heads/main', steps: command('bootstrap', '[flux, bootstrap, git, "--url=ssh://git@git.example/gitops", "--branch=refs/heads/main"]'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'flux bootstrap without --branch (defaults to main)', steps: command('bootstrap', '[flux, bootstrap, github, --owner=homelab, --repository=gitops]'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'git push origin HEAD:refs/heads/main', steps: command('push', '[git, push, origin, "HEAD:refs/heads/main"]'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'branch in a command env value', steps: command('apps', '[task, bootstrap:apps]', ', env: { FLUX_SOURCE_REF: refs/heads/main }'), expect: BRANCH },
  { klass: 'branch as a full ref', name: 'preflight.fluxBranch refs/heads/main', header: 'preflight: { fluxBranch: refs/heads/main }\n', expect: BRANCH },
  { klass: 'branch as a full ref', name: 'terraform -var flux ref', applyWith: 'vars: { git_ref: "refs/heads/main" }', expect: BRANCH },

  // A VM ID under a key that does not say "vm", as a number, a string, a range, in a list, on a command line.
  { klass: 'VM ID under any key', name: 'tfvars nodes.cp1.id = 150', files: tfvars('nodes = { cp1 = { id = 150 } }\n'), expect: VM },
  { klass: 'VM ID under any key', name: 'tfvars proxmox.first = 120', files: tfvars('proxmox = { first = 120 }\n'), expect: VM },
  { klass: 'VM ID under any key', name: 'tfvars list of ids with one production id', files: tfvars('ids = [9101, 101]\n'), expect: VM },
  { klass: 'VM ID under any key', name: 'tfvars range string overlapping production', files: tfvars('reserved = "150-160"\n'), expect: VM },
  { klass: 'VM ID under any key', name: 'tfvars numeric string', files: tfvars('base = "199"\n'), expect: VM },
  { klass: 'VM ID under any key', name: 'terraform -var holding an HCL list', applyWith: 'vars: { controlplanes: "[9101, 150]" }', expect: VM },
  { klass: 'VM ID under any key', name: 'command line qm clone 9000 150', steps: command('clone', '[qm, clone, "9000", "150"]'), expect: VM },
  { klass: 'VM ID under any key', name: 'command line --vmid=150', steps: command('clone', '[./create-vm.sh, "--vmid=150"]'), expect: VM, files: { 'create-vm.sh': '#!/bin/sh\n' } },
  { klass: 'VM ID under any key', name: 'TF_VAR_ environment variable', env: { TF_VAR_controlplane_ids: '[150, 151]' }, expect: VM },

  // Values nested in maps and lists, IPs inside ranges and CIDRs, written in other notations.
  { klass: 'nested value', name: 'tfvars VIP three maps deep', files: tfvars('cluster = { network = { api = { address = "192.168.10.10" } } }\n'), expect: VIP },
  { klass: 'nested value', name: 'tfvars.json list of maps', varFile: 'drill.tfvars.json', files: { 'tf/drill.tfvars.json': JSON.stringify({ nodes: [{ name: 'cp1', ip: '10.99.0.11' }, { name: 'cp2', ip: '192.168.10.10' }] }) }, expect: VIP },
  { klass: 'nested value', name: 'tfvars heredoc holding a Talos patch with the VIP', files: tfvars('patch = <<EOT\nmachine:\n  network:\n    interfaces:\n      - vip: { ip: 192.168.10.10 }\nEOT\n'), expect: VIP },
  { klass: 'nested value', name: 'backend config endpoint on production\'s LB IP', files: backend('bucket = "tfstate"\nkey = "drill/terraform.tfstate"\nendpoints = { s3 = "https://192.168.10.201:9000" }\n'), expect: LB },
  { klass: 'IP in a range or CIDR', name: 'tfvars API endpoint URL on the VIP', files: tfvars('endpoint = "https://192.168.10.10:6443"\n'), expect: VIP },
  { klass: 'IP in a range or CIDR', name: 'tfvars CIDR overlapping the LB range', files: tfvars('pool = "192.168.10.192/27"\n'), expect: LB },
  { klass: 'IP in a range or CIDR', name: 'tfvars start/stop pool spanning the LB range', files: tfvars('cilium = { pool = { start = "192.168.10.100", stop = "192.168.10.254" } }\n'), expect: LB },
  { klass: 'IP in a range or CIDR', name: 'tfvars address list with one LB address', files: tfvars('addresses = ["10.99.0.1", "192.168.10.210"]\n'), expect: LB },
  { klass: 'IP in a range or CIDR', name: 'tfvars VIP with leading zeros', files: tfvars('vip = "192.168.010.010"\n'), expect: VIP },
  { klass: 'IP in a range or CIDR', name: 'tfvars node network containing the VIP', files: tfvars('network = "192.168.10.0/24"\n'), expect: VIP },
  { klass: 'IP in a range or CIDR', name: 'k8s.wait expects an LB address', steps: '      - { id: ingress, kind: k8s.wait, with: { apiVersion: v1, kind: Service, namespace: ingress-nginx, name: ingress, jsonPath: ".status.loadBalancer.ingress[0].ip", equals: 192.168.10.220 } }\n', expect: LB },
  { klass: 'IP in a range or CIDR', name: 'http.check on production\'s ingress', steps: '      - { id: app, kind: http.check, with: { url: "https://192.168.10.205/" } }\n', expect: LB },

  // The state key written as another path to the same object.
  { klass: 'state key as another path', name: 'backend key ./prod/terraform.tfstate', files: backend('key = "./prod/terraform.tfstate"\n'), expect: KEY },
  { klass: 'state key as another path', name: 'backend key prod//terraform.tfstate', files: backend('key = "prod//terraform.tfstate"\n'), expect: KEY },
  { klass: 'state key as another path', name: 'backend key prod/x/../terraform.tfstate', files: backend('key = "prod/x/../terraform.tfstate"\n'), expect: KEY },
  { klass: 'state key as another path', name: 'backend key /prod/terraform.tfstate', files: backend('key = "/prod/terraform.tfstate"\n'), expect: KEY },
  { klass: 'state key as another path', name: 'backend key percent-encoded', files: backend('key = "prod%2Fterraform.tfstate"\n'), expect: KEY },
  { klass: 'state key as another path', name: 'backendConfig pair key=prod/./terraform.tfstate', backendConfig: '["key=prod/./terraform.tfstate"]', expect: KEY },
  { klass: 'state key as another path', name: 'command terraform init -backend-config=key=...', terraform: false, steps: command('init', '[terraform, init, "-backend-config=key=PROD/terraform.tfstate"]'), expect: KEY },

  // Workspace names production uses, whatever the drill's own list says.
  ...['default', 'live', 'master', 'Production', 'prd', 'main', 'prod-2'].map((workspace) => ({ klass: 'workspace name', name: `workspace ${workspace}`, workspace, expect: WORKSPACE })),
  { klass: 'workspace name', name: 'command terraform workspace select prod', terraform: false, steps: command('ws', '[terraform, workspace, select, -or-create, prod]'), expect: WORKSPACE },
  { klass: 'workspace name', name: 'command env TF_WORKSPACE=default', terraform: false, steps: command('plan', '[terraform, plan]', ', env: { TF_WORKSPACE: default }'), expect: WORKSPACE },
  { klass: 'workspace name', name: 'backend config workspaces { name = "prod" }', files: backend('hostname = "app.terraform.io"\norganization = "homelab"\nworkspaces { name = "prod" }\n'), expect: WORKSPACE },

  // Kube contexts of production, however they are reached.
  { klass: 'kube context', name: 'context named in another case', target: 'kubeconfig', terraform: false, header: 'targets:\n  kubeconfig: { context: Admin@Homelab }\n', steps: k8sWait, env: { KUBECONFIG: '$DIR/kubeconfig' }, files: { kubeconfig: kubeconfig('Admin@Homelab', [['Admin@Homelab', 'homelab', 'admin@homelab']], [['homelab', 'https://k8s.home.example:6443']]) }, expect: CONTEXT },
  { klass: 'kube context', name: 'renamed context talking to the VIP', target: 'kubeconfig', terraform: false, header: onKubeconfig('kubeconfig'), steps: k8sWait, files: { kubeconfig: kubeconfig('drill', [['drill', 'c1', 'drill']], [['c1', 'https://192.168.10.10:6443']]) }, expect: VIP },
  { klass: 'kube context', name: 'renamed context on the server of a production context', target: 'kubeconfig', terraform: false, header: onKubeconfig('kubeconfig'), steps: k8sWait, files: { kubeconfig: kubeconfig('drill', [['drill', 'copy', 'drill'], ['admin@homelab', 'homelab', 'admin@homelab']], [['copy', 'https://k8s.home.example:6443'], ['homelab', 'https://k8s.home.example:6443']]) }, expect: /the API server of production context "admin@homelab"/ },
  { klass: 'kube context', name: 'context that signs in as production\'s user', target: 'kubeconfig', terraform: false, header: onKubeconfig('kubeconfig'), steps: k8sWait, files: { kubeconfig: kubeconfig('drill', [['drill', 'c1', 'admin@homelab']], [['c1', 'https://10.99.0.10:6443']]) }, expect: /signs in as "admin@homelab"/ },
  { klass: 'kube context', name: 'command --context=admin@homelab', steps: command('kubectl', '[kubectl, "--context=admin@homelab", get, nodes]'), expect: /is production kube context "admin@homelab"/ },

  // Backup locations the drill could write.
  { klass: 'writable backup location', name: 'velero.location accessMode: ReadWrite', steps: '      - { id: bsl, kind: velero.location, with: { accessMode: ReadWrite } }\n', expect: BSL },
  { klass: 'writable backup location', name: 'velero.restore requireReadOnlyLocation: false', steps: '      - { id: restore, kind: velero.restore, with: { includedNamespaces: [paperless], requireReadOnlyLocation: false } }\n', expect: BSL },
  { klass: 'writable backup location', name: 'existing cluster whose location is ReadWrite', terraform: false, header: existingSim('ReadWrite'), steps: restore, expect: /velero\/default, which is ReadWrite/ },
  { klass: 'writable backup location', name: 'ReadWrite location set ReadOnly only in finally', terraform: false, header: existingSim('ReadWrite'), steps: restore, finally: '  - { id: bsl, kind: velero.location, with: { accessMode: ReadOnly } }\n', expect: /velero\/default, which is ReadWrite/ },

  // Files preflight cannot parse: refused with the reason, never skipped.
  { klass: 'unparseable HCL', name: 'tfvars unterminated string', code: 'EPREFLIGHT', files: tfvars('name = "drill\n'), expect: HCL },
  { klass: 'unparseable HCL', name: 'tfvars a = = 3', code: 'EPREFLIGHT', files: tfvars('a = = 3\n'), expect: HCL },
  { klass: 'unparseable HCL', name: 'tfvars quoted argument name', code: 'EPREFLIGHT', files: tfvars('"vm id" = 150\n'), expect: HCL },
  { klass: 'unparseable HCL', name: 'backend config unterminated', code: 'EPREFLIGHT', files: backend('key = "prod\n'), expect: HCL },
  { klass: 'unparseable HCL', name: 'backend config key set twice', code: 'EPREFLIGHT', files: backend('key = "drill/terraform.tfstate"\nkey = "prod/terraform.tfstate"\n'), expect: /Attribute redefined/ },
  { klass: 'unparseable HCL', name: 'tfvars.json that is not JSON', code: 'EPREFLIGHT', varFile: 'drill.tfvars.json', files: { 'tf/drill.tfvars.json': '{"vm_ids": [9101,' }, expect: HCL },
  {
    klass: 'unparseable HCL',
    name: 'workspace from a step output (unknown before the run)',
    code: 'EPREFLIGHT',
    terraform: false,
    steps: '      - { id: noop, kind: k8s.wait, with: { apiVersion: v1, kind: Namespace, name: x, jsonPath: .status.phase, equals: Active } }\n      - { id: tf, kind: terraform.apply, with: { dir: tf, workspace: "${steps.noop.outputs.ws}" } }\n',
    expect: /workspace cannot be known before the run/,
  },

  // preflight: in the drill file cannot switch isolation off.
  { klass: 'preflight.skip in the drill', name: 'skip: [isolation] with a production workspace', code: 'EDRILLSCHEMA', workspace: 'prod', header: 'preflight: { skip: [isolation] }\n', expect: /isolation from production cannot be switched off in the drill file/ },
  { klass: 'preflight.skip in the drill', name: 'skip every other check, VM ID still refused', header: 'preflight: { skip: [tools, env, age-key, git-remote] }\n', files: tfvars('nodes = { a = 150 }\n'), expect: VM },
];

export const ISOLATED: Case[] = [
  {
    klass: 'isolated',
    name: 'tfvars with the drill\'s own IDs, IPs, branch, and sizes in production\'s ID range',
    files: tfvars(
      'vm_ids = [9101, 9102]\nnodes = { cp1 = { vm_id = 9101, ip = "10.99.0.11", memory = 150, cores = 4, disk_size = 120 } }\nendpoint = "https://10.99.0.10:6443"\npool = { start = "10.99.0.200", stop = "10.99.0.220" }\nflux_branch = "refs/heads/drill/cold-start"\nport = 150\npatch = <<EOT\nmachine: { network: { hostname: cp1 } }\nEOT\n',
    ),
  },
  { klass: 'isolated', name: 'drill workspace and key, drill-owned workspace name with staging in it', workspace: 'drill-staging', files: backend('bucket = "tfstate"\nkey = "drill/prod-copy/terraform.tfstate"\n') },
  { klass: 'isolated', name: 'git.head reads production\'s branch (a read, for the configuration RPO)', steps: '      - { id: git-head, kind: git.head, with: { url: "https://git.sim.dr-drill.invalid/homelab/gitops.git", branch: main, history: 150 } }\n' },
  { klass: 'isolated', name: 'ReadWrite location made ReadOnly before the restore and put back in finally', terraform: false, header: existingSim('ReadWrite'), steps: `      - { id: bsl, kind: velero.location, with: { accessMode: ReadOnly } }\n${restore}`, finally: '  - { id: bsl-back, kind: velero.location, with: { restore: true } }\n' },
  { klass: 'isolated', name: 'existing cluster with a ReadOnly location', terraform: false, header: existingSim('ReadOnly'), steps: restore },
  { klass: 'isolated', name: 'backendConfig pairs and -var values of the drill', backendConfig: '["key=drill/terraform.tfstate", "bucket=tfstate"]', applyWith: 'vars: { vm_ids: "[9101, 9102]", lb: "10.99.0.200/29", branch: drill/main }' },
  { klass: 'isolated', name: 'tfvars.json of the drill', varFile: 'drill.tfvars.json', files: { 'tf/drill.tfvars.json': JSON.stringify({ vm_ids: '9100-9110', lb_range: '10.99.0.200-10.99.0.220', flux_branch: 'drill/cold-start' }) } },
  { klass: 'isolated', name: 'preflight.skip of other checks is still allowed', header: 'preflight: { skip: [git-remote] }\n' },
  { klass: 'isolated', name: 'TF_VAR_ environment of the drill', env: { TF_VAR_vm_ids: '[9101, 9102]', TF_VAR_vip: '10.99.0.10' } },
  { klass: 'isolated', name: 'kubeconfig target on a drill cluster', target: 'kubeconfig', terraform: false, header: onKubeconfig('kubeconfig'), steps: k8sWait, files: { kubeconfig: kubeconfig('admin@drill', [['admin@drill', 'drill', 'admin@drill'], ['admin@homelab', 'homelab', 'admin@homelab']], [['drill', 'https://127.0.0.1:1'], ['homelab', 'https://k8s.home.example:6443']]) } },
];
