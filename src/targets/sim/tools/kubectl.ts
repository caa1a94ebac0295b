/**
 * Simulated kubectl for app restore scripts: get a deployment with -o jsonpath, scale, rollout
 * status, and exec into GitLab's toolbox to run `backup-utility --restore` (runbook 000's GitLab
 * database restore).
 */
import { conditionOf } from '../../../contract/cluster.ts';
import { evaluateJsonPath } from '../../../kube/jsonpath.ts';
import { flag, positionals, type SimTool, type ToolInvocation } from './types.ts';

const VALUE_FLAGS = ['-n', '--namespace', '--kubeconfig', '--context', '--replicas', '--timeout', '-c', '--container', '-o', '--output'];

export const kubectl: SimTool = async (call) => {
  const namespace = flag(call.args, '-n', '--namespace') ?? 'default';
  const dashDash = call.args.indexOf('--');
  const own = dashDash === -1 ? call.args : call.args.slice(0, dashDash);
  const [command, ...rest] = positionals(own, VALUE_FLAGS);
  if (call.world.provisioned.size === 0) {
    call.err('The connection to the server 10.99.0.10:6443 was refused - did you specify the right host or port?');
    return 1;
  }
  switch (command) {
    case 'get':
      return get(call, namespace, rest[0]);
    case 'scale':
      return scale(call, namespace, rest[0]);
    case 'rollout':
      return rolloutStatus(call, namespace, rest[1]);
    case 'exec':
      return exec(call, namespace, rest[0], dashDash === -1 ? [] : call.args.slice(dashDash + 1));
    default:
      call.err(`error: the simulated kubectl knows get, scale, rollout status and exec, not "${command ?? ''}"`);
      return 1;
  }
};

function deploymentRef(namespace: string, resource: string | undefined) {
  const name = resource?.replace(/^(deployment|deploy|deployments)(\.apps)?\//, '') ?? '';
  return { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace };
}

/** `kubectl get deployment/NAME -o jsonpath={...}`: the value as kubectl prints it. */
function get(call: ToolInvocation, namespace: string, resource: string | undefined): number {
  const ref = deploymentRef(namespace, resource);
  const output = flag(call.args, '-o', '--output') ?? '';
  const deployment = call.world.store.get(ref);
  if (!deployment) {
    call.err(`Error from server (NotFound): deployments.apps "${ref.name}" not found`);
    return 1;
  }
  const template = /^jsonpath=\{(.+)\}$/.exec(output)?.[1];
  if (!template) {
    call.err(`error: the simulated kubectl prints deployments only with -o jsonpath={...}, not "${output}"`);
    return 1;
  }
  const value = evaluateJsonPath(deployment, `.${template.replace(/^\./, '')}`);
  call.out(value === undefined ? '' : String(value));
  return 0;
}

function scale(call: ToolInvocation, namespace: string, resource: string | undefined): number {
  const replicas = Number(flag(call.args, '--replicas'));
  const ref = deploymentRef(namespace, resource);
  if (!call.world.store.get(ref)) {
    call.err(`Error from server (NotFound): deployments.apps "${ref.name}" not found`);
    return 1;
  }
  call.world.store.patch(ref, { spec: { replicas } });
  call.out(`deployment.apps/${ref.name} scaled`);
  return 0;
}

async function rolloutStatus(call: ToolInvocation, namespace: string, resource: string | undefined): Promise<number> {
  const ref = deploymentRef(namespace, resource);
  for (;;) {
    const deployment = call.world.store.get(ref);
    if (!deployment) {
      call.err(`Error from server (NotFound): deployments.apps "${ref.name}" not found`);
      return 1;
    }
    const wanted = deployment.spec?.replicas ?? 1;
    if ((deployment.status?.availableReplicas ?? 0) >= wanted && conditionOf(deployment, 'Available')?.status === (wanted > 0 ? 'True' : 'False')) {
      call.out(`deployment "${ref.name}" successfully rolled out`);
      return 0;
    }
    call.out(`Waiting for deployment "${ref.name}" rollout to finish: ${deployment.status?.availableReplicas ?? 0} of ${wanted} updated replicas are available...`);
    await call.world.clock.sleep(15_000, AbortSignal.any([call.signal, call.world.signal]));
  }
}

async function exec(call: ToolInvocation, namespace: string, target: string | undefined, command: string[]): Promise<number> {
  if (command[0] === 's3cmd' && command[1] === 'ls') return listBackups(call, command[2] ?? '');
  if (command[0] !== 'backup-utility') {
    call.err(`error: the simulated cluster can only exec backup-utility, not "${command.join(' ')}"`);
    return 126;
  }
  const backupId = flag(command, '-t');
  if (!command.includes('--restore') || !backupId) {
    call.err('backup-utility: use --restore -t <backup id>');
    return 1;
  }
  const toolbox = call.world.store.get(deploymentRef(namespace, target));
  if (!toolbox || (toolbox.status?.availableReplicas ?? 0) < 1) {
    call.err(`error: unable to upgrade connection: container not found ("toolbox")`);
    return 1;
  }
  call.out(`Fetching ${backupId}_gitlab_backup.tar from s3://gitlab-backups`);
  await call.world.work('gitlab/backup-utility', call.fault, call.signal);
  if (call.fault === 'fail') {
    call.err('ERROR:  must be owner of extension pg_trgm');
    call.err('pg_restore: error: could not execute query: ERROR:  relation "ci_builds" does not exist');
    return 1;
  }
  call.out('Restoring database ...');
  call.out('Restoring PostgreSQL database gitlabhq_production ... done');
  call.out('Restoring repositories ... done');
  call.out('Restoring uploads ... done');
  call.out('Restoring artifacts ... done');
  call.out('Restoring lfs ... done');
  call.out('Restoring packages ... done');
  call.out('Restore task is done.');
  call.world.restoredDatabases.add(namespace);
  return 0;
}

/** `s3cmd ls s3://bucket/` in GitLab's toolbox: the daily backups, newest from T0 minus the backup age. */
function listBackups(call: ToolInvocation, bucket: string): number {
  const day = 86_400_000;
  for (const ageMs of [call.world.backupAgeMs + 2 * day, call.world.backupAgeMs + day, call.world.backupAgeMs]) {
    const time = new Date(call.world.t0 - ageMs);
    const iso = time.toISOString();
    const id = `${Math.floor(time.getTime() / 1000)}_${iso.slice(0, 10).replace(/-/g, '_')}_18.5.1`;
    call.out(`${iso.slice(0, 10)} ${iso.slice(11, 16)}  2147483648   ${bucket.replace(/\/$/, '')}/${id}_gitlab_backup.tar`);
  }
  return 0;
}
