/**
 * What a target provides to steps: a shell, a clock, and the drill cluster's API once a
 * kubeconfig is known. `sim` answers all of these from a simulated world; the real targets use
 * real programs and the real API server.
 */
import type { Clock } from './clock.ts';
import type { Cluster, KubeObject } from './cluster.ts';
import type { Shell } from './shell.ts';
import type { HttpClient } from './http.ts';

export const TARGET_KINDS = ['sim', 'local', 'kubeconfig', 'proxmox-talos'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** How to reach a drill cluster: what terraform.apply or a bootstrap command writes. */
export interface ClusterAccess {
  kubeconfig?: string;
  talosconfig?: string;
}

/** Applies handed-over cluster access to a session's fields (targets share this). */
export function applyClusterAccess(session: { kubeconfigPath: string | undefined; talosconfigPath: string | undefined }, access: ClusterAccess | null): void {
  if (access === null) {
    session.kubeconfigPath = undefined;
    session.talosconfigPath = undefined;
    return;
  }
  if (access.kubeconfig !== undefined) session.kubeconfigPath = access.kubeconfig;
  if (access.talosconfig !== undefined) session.talosconfigPath = access.talosconfig;
}

/** What a step sees of the target: it reads the cluster access, it never sets it (it returns it: withClusterAccess). */
export type TargetView = Readonly<Pick<TargetSession, 'kind' | 'facts' | 'kubeconfigPath' | 'talosconfigPath' | 'localCluster'>>;

export interface TargetSession {
  readonly kind: TargetKind;
  readonly clock: Clock;
  /** Values drills may use as ${target.<name>} (e.g. the local target's Git URL). */
  readonly facts: Readonly<Record<string, string>>;
  /** The shell a step runs commands through (the simulated target answers per step). */
  shellFor(stepId: string): Shell;
  /** HTTP as a given step sees it. */
  httpFor(stepId: string): HttpClient;
  /** The drill cluster, as a given step sees it. */
  clusterFor(stepId: string): Promise<Cluster>;
  /** The drill cluster's access files, once a provisioning step handed them over (useClusterAccess). */
  kubeconfigPath: string | undefined;
  talosconfigPath: string | undefined;
  /** The engine hands over what a provisioning step produced; null: the cluster is gone. */
  useClusterAccess(access: ClusterAccess | null): void;
  /** Environment additions for commands (KUBECONFIG, TALOSCONFIG, ...). */
  commandEnv(): Record<string, string>;
  /** T0: the runner declares the disaster; targets that stage history (backups, commits) date it from here. */
  declareDisaster(t0: number): void;
  /** Stop whatever the target started for the run (simulated world, local cluster). */
  close(): Promise<void>;
  /** Secret values the target made or read while staging (e.g. age keys): masked in every log and report. */
  secretValues?(): string[];
  /**
   * Only when a negative control planted a fault at this step: the target changes the world the
   * step is about to meet (a node's capacity, a controller, a quota), never the step itself. The
   * engine calls it once, before the step's first attempt, with its resolved inputs; a fault that
   * cannot be planted fails the step with EPLANT, which no control counts as detected.
   */
  plantBefore?(step: { id: string; kind: string; inputs: unknown }, log: (line: string) => void, signal: AbortSignal): Promise<void>;
  /** Only on the `local` target: the disposable cluster that the local.up and local.down steps create and remove. */
  readonly localCluster?: LocalClusterControl;
}

/** What a drill may choose about the local cluster: its fake nodes and the branch its Flux syncs. */
export interface LocalClusterShape {
  /** Fake nodes kwok-node-0 … kwok-node-<n-1> (default 1). */
  nodes?: number;
  /** The branch of the target's Git repository Flux syncs (default: the one the target serves as production's). */
  gitBranch?: string;
}

export interface LocalClusterControl {
  /** Start the control plane, the fake nodes and Flux, and bootstrap Flux from the target's Git server. */
  up(log: (line: string) => void, shape?: LocalClusterShape): Promise<{ kubeconfigPath: string; name: string; timings: Record<string, number> }>;
  /** Stop everything up() started and prove nothing is left (processes, directory). */
  down(log: (line: string) => void): Promise<{ name: string } | undefined>;
  /** The Node object a joining node registers as (for local.node-join at step `stepId`), and what posts its status. */
  joiningNode(stepId: string, name: string, labels: Record<string, string>): { node: KubeObject; statusFrom: string };
}
