/**
 * Simulated Terraform/OpenTofu: init, workspace, apply, output -json, destroy, with the real
 * CLI's messages. Apply provisions the simulated Talos cluster (Proxmox VMs, Talos bootstrap,
 * Flux bootstrap, as runbook 000's Terraform does); destroy removes it.
 */
import { provisionCluster } from '../provision.ts';
import type { SimWorld } from '../world.ts';
import { flag, type SimTool, type ToolInvocation } from './types.ts';

const RESOURCES = [
  'proxmox_virtual_environment_vm.controlplane[0]',
  'proxmox_virtual_environment_vm.controlplane[1]',
  'proxmox_virtual_environment_vm.controlplane[2]',
  'proxmox_virtual_environment_vm.worker[0]',
  'proxmox_virtual_environment_vm.worker[1]',
  'talos_machine_secrets.this',
  'talos_machine_configuration_apply.controlplane[0]',
  'talos_machine_configuration_apply.controlplane[1]',
  'talos_machine_configuration_apply.controlplane[2]',
  'talos_machine_configuration_apply.worker[0]',
  'talos_machine_configuration_apply.worker[1]',
  'talos_machine_bootstrap.this',
  'talos_cluster_kubeconfig.this',
  'flux_bootstrap_git.this',
];

export const terraform: SimTool = async (call) => {
  const args = call.args.filter((arg) => !arg.startsWith('-chdir='));
  const [command, ...rest] = args;
  const workspace = call.env.TF_WORKSPACE ?? currentWorkspace(call.world);
  switch (command) {
    case 'version':
      call.out('Terraform v1.13.4');
      call.out('on linux_amd64');
      return 0;
    case 'init':
      return init(call);
    case 'workspace':
      return workspaceCommand(call, rest);
    case 'apply':
      return apply(call, workspace);
    case 'output':
      return output(call, workspace);
    case 'destroy':
      return destroy(call, workspace);
    default:
      call.err(`Terraform has no command named "${command ?? ''}".`);
      return 1;
  }
};

function currentWorkspace(world: SimWorld): string {
  return world.workspaces.has(world.selectedWorkspace) ? world.selectedWorkspace : 'default';
}

async function init(call: ToolInvocation): Promise<number> {
  const backendConfig = flag(call.args, '-backend-config');
  call.out('Initializing the backend...');
  await call.world.work('terraform/init', call.fault === 'slow' ? 'slow' : undefined, call.signal);
  if (backendConfig !== undefined) {
    call.out('');
    call.out('Successfully configured the backend "s3"! Terraform will automatically');
    call.out('use this backend unless the backend configuration changes.');
  }
  call.out('Initializing provider plugins...');
  call.out('- Reusing previous version of bpg/proxmox from the dependency lock file');
  call.out('- Reusing previous version of siderolabs/talos from the dependency lock file');
  call.out('- Reusing previous version of fluxcd/flux from the dependency lock file');
  call.out('- Using previously-installed bpg/proxmox v0.86.0');
  call.out('- Using previously-installed siderolabs/talos v0.9.0');
  call.out('- Using previously-installed fluxcd/flux v1.7.4');
  call.out('');
  call.out('Terraform has been successfully initialized!');
  return 0;
}

function workspaceCommand(call: ToolInvocation, args: string[]): number {
  const [sub, ...rest] = args;
  const name = rest.filter((arg) => !arg.startsWith('-')).at(-1);
  const { world } = call;
  switch (sub) {
    case 'show':
      call.out(currentWorkspace(world));
      return 0;
    case 'list':
      for (const workspace of world.workspaces) call.out(`${workspace === currentWorkspace(world) ? '*' : ' '} ${workspace}`);
      return 0;
    case 'select':
      if (!name) return usage(call, 'workspace select NAME');
      if (!world.workspaces.has(name)) {
        if (!rest.includes('-or-create') && !rest.includes('-or-create=true')) {
          call.err('');
          call.err(`Workspace "${name}" doesn't exist.`);
          call.err('');
          call.err('You can create this workspace with the "new" subcommand');
          call.err('or include the "-or-create" flag with the "select" subcommand.');
          return 1;
        }
        world.workspaces.add(name);
        world.selectedWorkspace = name;
        call.out(`Created and switched to workspace "${name}"!`);
        call.out('');
        call.out("You're now on a new, empty workspace. Workspaces isolate their state,");
        call.out('so if you run "terraform plan" Terraform will not see any existing state');
        call.out('for this configuration.');
        return 0;
      }
      world.selectedWorkspace = name;
      call.out(`Switched to workspace "${name}".`);
      return 0;
    case 'delete':
      if (!name) return usage(call, 'workspace delete NAME');
      if (name === currentWorkspace(world)) {
        call.err(`Workspace "${name}" is your active workspace.`);
        call.err('');
        call.err('You cannot delete the currently active workspace. Please switch');
        call.err('to another workspace and try again.');
        return 1;
      }
      if (!world.workspaces.delete(name)) {
        call.err(`Workspace "${name}" doesn't exist.`);
        return 1;
      }
      call.out(`Deleted workspace "${name}"!`);
      return 0;
    default:
      return usage(call, 'workspace (show|list|select|delete)');
  }
}

async function apply(call: ToolInvocation, workspace: string): Promise<number> {
  const { world } = call;
  const total = world.duration('terraform/apply', call.fault);
  const perResource = total / RESOURCES.length;
  for (const [index, resource] of RESOURCES.entries()) {
    call.out(`${resource}: Creating...`);
    if (call.fault === 'hang' && index === 3) await world.work('terraform/apply', 'hang', call.signal);
    await world.clock.sleep(perResource, AbortSignal.any([call.signal, world.signal]));
    if (call.fault === 'fail' && index === 1) {
      call.err('╷');
      call.err('│ Error: error waiting for VM clone: task "UPID:pve1:0001A2B3:0C4D5E6F:6745A1B2:qmclone:9102:drill@pve!dr-drill:" failed to complete with exit code: storage \'local-zfs\' is locked (timeout)');
      call.err('│ ');
      call.err(`│   with ${resource},`);
      call.err('│   on vms.tf line 12, in resource "proxmox_virtual_environment_vm" "controlplane":');
      call.err('│   12: resource "proxmox_virtual_environment_vm" "controlplane" {');
      call.err('│ ');
      call.err('╵');
      return 1;
    }
    const id = resource.startsWith('proxmox') ? ` [id=${9100 + index}]` : '';
    call.out(`${resource}: Creation complete after ${Math.round(perResource / 1000)}s${id}`);
  }
  provisionCluster(world, workspace);
  call.out('');
  call.out(`Apply complete! Resources: ${RESOURCES.length} added, 0 changed, 0 destroyed.`);
  call.out('');
  call.out('Outputs:');
  call.out('');
  call.out('control_plane_endpoint = "https://10.99.0.10:6443"');
  call.out('kubeconfig = <sensitive>');
  call.out('talosconfig = <sensitive>');
  return 0;
}

function output(call: ToolInvocation, workspace: string): number {
  if (!call.args.includes('-json')) return usage(call, 'output -json');
  if (!call.world.provisioned.has(workspace)) {
    call.out('{}');
    return 0;
  }
  const token = `sim-${workspace}-${call.world.git.head.slice(0, 16)}`;
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${workspace}`,
    '  cluster:',
    '    server: https://10.99.0.10:6443',
    '    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCnNpbXVsYXRlZAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==',
    'contexts:',
    `- name: admin@${workspace}`,
    '  context:',
    `    cluster: ${workspace}`,
    '    user: admin',
    `current-context: admin@${workspace}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    '',
  ].join('\n');
  const talosconfig = [`context: ${workspace}`, 'contexts:', `  ${workspace}:`, '    endpoints:', '      - 10.99.0.11', '      - 10.99.0.12', '      - 10.99.0.13', `    ca: ${Buffer.from('simulated talos ca').toString('base64')}`, `    crt: ${Buffer.from(`simulated talos client ${token}`).toString('base64')}`, `    key: ${Buffer.from(`simulated talos key ${token}`).toString('base64')}`, ''].join('\n');
  const outputs = {
    control_plane_endpoint: { sensitive: false, type: 'string', value: 'https://10.99.0.10:6443' },
    kubeconfig: { sensitive: true, type: 'string', value: kubeconfig },
    talosconfig: { sensitive: true, type: 'string', value: talosconfig },
  };
  call.out(JSON.stringify(outputs, null, 2));
  return 0;
}

async function destroy(call: ToolInvocation, workspace: string): Promise<number> {
  const { world } = call;
  const count = world.provisioned.has(workspace) ? RESOURCES.length : 0;
  for (const resource of RESOURCES.slice(0, count).reverse()) call.out(`${resource}: Destroying...`);
  await world.work('terraform/destroy', call.fault, call.signal);
  if (call.fault === 'fail') {
    call.err('╷');
    call.err('│ Error: error deleting VM 9103: received an HTTP 500 response - Reason: VM is locked (backup)');
    call.err('╵');
    return 1;
  }
  world.provisioned.delete(workspace);
  call.out('');
  call.out(`Destroy complete! Resources: ${count} destroyed.`);
  return 0;
}

function usage(call: ToolInvocation, expected: string): number {
  call.err(`Error: the simulated terraform expects "terraform ${expected}"; got "terraform ${call.args.join(' ')}"`);
  return 1;
}
