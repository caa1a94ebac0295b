/** Simulated task (Taskfile) for talhelper repositories, and the shell basics drills use. */
import { writeFile } from 'node:fs/promises';
import { nodes } from '../cluster-content.ts';
import { fluxBootstrap, veleroContent } from '../world-content.ts';
import { startControllers } from '../controllers.ts';
import type { SimTool } from './types.ts';

export const echo: SimTool = async (call) => {
  call.out(call.args.join(' '));
  return 0;
};

export const trueTool: SimTool = async () => 0;
export const falseTool: SimTool = async () => 1;

/**
 * `task bootstrap:talos` provisions the cluster and writes $KUBECONFIG and $TALOSCONFIG; `task
 * bootstrap:apps` bootstraps Flux; `task destroy:talos` removes the cluster again.
 */
const TASK_COMMANDS: Record<string, string> = {
  'bootstrap:talos': 'talhelper genconfig',
  'bootstrap:apps': 'flux bootstrap git',
  'destroy:talos': 'talosctl reset --graceful=false --reboot',
  'talos:apply-node': 'talosctl apply-config --insecure --nodes $NODE_IP --file clusterconfig/$NODE.yaml',
};

export const task: SimTool = async (call) => {
  const { world } = call;
  const name = call.args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? 'default';
  call.out(`task: [${name}] ${TASK_COMMANDS[name] ?? name}`);
  if (name === 'talos:apply-node') return applyNode(call);
  await world.work(`task/${name}`, call.fault, call.signal);
  if (call.fault === 'fail') {
    call.err(`task: Failed to run task "${name}": exit status 1`);
    return 201;
  }
  if (name === 'bootstrap:talos') {
    world.provisioned.add('taskfile');
    for (const object of nodes('taskfile')) world.store.upsert(object);
    for (const [variable, content] of [
      ['KUBECONFIG', 'apiVersion: v1\nkind: Config\nclusters: []\n'],
      ['TALOSCONFIG', 'context: taskfile\ncontexts: {}\n'],
    ] as const) {
      const file = call.env[variable];
      if (file) await writeFile(file, content, { mode: 0o600 });
    }
  } else if (name === 'destroy:talos') {
    world.provisioned.delete('taskfile');
    for (const node of nodes('taskfile')) if (world.store.get({ apiVersion: 'v1', kind: 'Node', name: node.metadata.name })) world.store.delete({ apiVersion: 'v1', kind: 'Node', name: node.metadata.name });
  } else if (name === 'bootstrap:apps') {
    for (const object of [...fluxBootstrap(world), ...veleroContent(world)]) world.store.upsert(object);
    startControllers(world);
  }
  return 0;
};

/**
 * `task talos:apply-node NODE=<name>`: talhelper's config applied to a node in maintenance mode
 * (after talosctl reset); it installs, reboots and its kubelet registers again (Ready after
 * talos/boot). A node that was not reset refuses the insecure apply, as Talos does.
 */
async function applyNode(call: Parameters<SimTool>[0]): Promise<number> {
  const { world } = call;
  const node = call.args.find((arg) => arg.startsWith('NODE='))?.slice('NODE='.length);
  if (!node) {
    call.err('task: Failed to run task "talos:apply-node": NODE is required (task talos:apply-node NODE=<node>)');
    return 201;
  }
  await world.work('task/talos:apply-node', call.fault, call.signal);
  const ref = { apiVersion: 'v1', kind: 'Node', name: node };
  const object = world.store.get(ref);
  if (call.fault === 'fail' || !object) {
    call.err(`error applying new configuration: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp: lookup ${node}: no such host"`);
    call.err('task: Failed to run task "talos:apply-node": exit status 1');
    return 201;
  }
  if (!world.resetNodes.has(node)) {
    call.err('error applying new configuration: rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: remote error: tls: certificate required"');
    call.err('task: Failed to run task "talos:apply-node": exit status 1');
    return 201;
  }
  world.resetNodes.delete(node);
  call.out(`Applied configuration to ${node}: the node installs and reboots`);
  world.clock
    .sleep(world.duration('talos/boot'), world.signal)
    .then(() => {
      const current = world.store.get(ref);
      if (!current) return;
      // A node a faulted step marked never gets its network ready.
      const broken = world.faultOfObject(ref) === 'fail';
      world.store.patch(ref, {
        spec: { taints: ((current.spec?.taints ?? []) as { key: string }[]).filter((taint) => taint.key !== 'node.kubernetes.io/unreachable') },
        status: {
          conditions: [
            broken
              ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized', lastTransitionTime: world.isoTime() }
              : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: world.isoTime() },
          ],
        },
      });
    })
    .catch(() => undefined);
  return 0;
}
