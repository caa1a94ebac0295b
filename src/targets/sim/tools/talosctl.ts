/**
 * Simulated talosctl: `health`, printing the checks the real command prints, in order, and
 * `reset` of one node (it leaves the cluster: its kubelet stops, the Node goes NotReady, and the
 * machine waits in maintenance mode for `talosctl apply-config --insecure`, which the Taskfile's
 * talos:apply-node runs).
 */
import { access } from 'node:fs/promises';
import { flag, type SimTool, type ToolInvocation } from './types.ts';

const CHECKS = [
  'waiting for etcd to be healthy',
  'waiting for etcd members to be consistent across nodes',
  'waiting for etcd members to be control plane nodes',
  'waiting for apid to be ready',
  'waiting for all nodes memory sizes',
  'waiting for all nodes disk sizes',
  'waiting for no diagnostics',
  'waiting for kubelet to be healthy',
  'waiting for all nodes to finish boot sequence',
  'waiting for all k8s nodes to report',
  'waiting for all control plane static pods to be running',
  'waiting for all control plane components to be ready',
  'waiting for all k8s nodes to report ready',
  'waiting for kube-proxy to report ready',
  'waiting for coredns to report ready',
  'waiting for all k8s nodes to report schedulable',
];

export const talosctl: SimTool = async (call) => {
  const { world } = call;
  const talosconfig = flag(call.args, '--talosconfig') ?? call.env.TALOSCONFIG;
  const command = call.args.find((arg, index) => !arg.startsWith('-') && !['--talosconfig', '--nodes', '-n', '--endpoints', '-e', '--control-plane-nodes', '--worker-nodes', '--wait-timeout', '--init-node', '--system-labels-to-wipe'].includes(call.args[index - 1] ?? ''));
  if (command === 'version') {
    call.out('Client:');
    call.out('\tTag:         v1.11.5');
    return 0;
  }
  if (command !== 'health' && command !== 'reset') {
    call.err(`error: the simulated talosctl knows "health", "reset" and "version", not "${command ?? ''}"`);
    return 1;
  }
  if (!talosconfig) {
    call.err('error: no talosconfig: pass --talosconfig or set TALOSCONFIG');
    return 1;
  }
  try {
    await access(talosconfig);
  } catch {
    call.err(`failed to open config file "${talosconfig}": open ${talosconfig}: no such file or directory`);
    return 1;
  }
  if (world.provisioned.size === 0) {
    await world.clock.sleep(60_000, call.signal);
    call.err('error discovering nodes: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.99.0.11:50000: connect: no route to host"');
    return 1;
  }
  if (command === 'reset') return reset(call);
  const controlPlane = (flag(call.args, '--control-plane-nodes') ?? '10.99.0.11,10.99.0.12,10.99.0.13').split(',');
  const workers = (flag(call.args, '--worker-nodes') ?? '10.99.0.14,10.99.0.15').split(',').filter(Boolean);
  call.out(`discovered nodes: [${[...controlPlane, ...workers].map((ip) => JSON.stringify(ip)).join(' ')}]`);
  const perCheck = world.duration('talos/health', call.fault) / CHECKS.length;
  for (const [index, check] of CHECKS.entries()) {
    call.out(`${check}: ...`);
    if (call.fault === 'hang' && index === 2) await world.work('talos/health', 'hang', call.signal);
    await world.clock.sleep(perCheck, AbortSignal.any([call.signal, world.signal]));
    if (call.fault === 'fail' && index === 1) {
      call.out(`${check}: etcd member ips ["${controlPlane[0]}" "${controlPlane[1]}"] are not consistent with control plane ips [${controlPlane.map((ip) => JSON.stringify(ip)).join(' ')}]`);
      call.err('healthcheck error: rpc error: code = DeadlineExceeded desc = context deadline exceeded');
      return 1;
    }
    call.out(`${check}: OK`);
  }
  return 0;
};

/** The Node whose InternalIP (or name) is `address`. */
export function nodeAt(world: ToolInvocation['world'], address: string) {
  return world.store.list('v1', 'Node').find((node) => node.metadata.name === address || (node.status?.addresses ?? []).some((entry: { address: string }) => entry.address === address));
}

async function reset(call: ToolInvocation): Promise<number> {
  const { world } = call;
  const targets = (flag(call.args, '--nodes', '-n') ?? '').split(',').filter(Boolean);
  if (targets.length !== 1) {
    call.err('error: reset one node at a time: --nodes <ip>');
    return 1;
  }
  const address = targets[0]!;
  const node = nodeAt(world, address);
  if (!node) {
    call.err(`error resetting: 1 error occurred:\n\t* ${address}: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${address}:50000: connect: no route to host"`);
    return 1;
  }
  const wait = !call.args.includes('--wait=false');
  if (wait) call.out(`watching nodes: [${address}]`);
  await world.work('talos/reset', call.fault, call.signal);
  if (call.fault === 'fail') {
    call.err(`error resetting: 1 error occurred:\n\t* ${address}: rpc error: code = FailedPrecondition desc = etcd member is not healthy, cannot leave the cluster`);
    return 1;
  }
  world.resetNodes.add(node.metadata.name);
  world.store.patch({ apiVersion: 'v1', kind: 'Node', name: node.metadata.name }, {
    spec: { taints: [...((node.spec?.taints ?? []) as { key: string }[]).filter((taint) => taint.key !== 'node.kubernetes.io/unreachable'), { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] },
    status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: world.isoTime() }] },
  });
  if (wait) {
    call.out(`    * ${address}: unavailable, retrying...`);
    call.out(`    * ${address}: events check condition met`);
  }
  return 0;
}
