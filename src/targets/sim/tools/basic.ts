/** Simulated task (Taskfile) for talhelper repositories, and the shell basics drills use. */
import { writeFile } from 'node:fs/promises';
import { fluxBootstrap, nodes, veleroContent } from '../cluster-content.ts';
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
};

export const task: SimTool = async (call) => {
  const { world } = call;
  const name = call.args.find((arg) => !arg.startsWith('-')) ?? 'default';
  call.out(`task: [${name}] ${TASK_COMMANDS[name] ?? name}`);
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
