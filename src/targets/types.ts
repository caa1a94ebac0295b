/**
 * What a target provides to steps: a shell, a clock, and the drill cluster's API once a
 * kubeconfig is known. `sim` answers all of these from a simulated world; the real targets use
 * real programs and the real API server.
 */
import type { Clock } from '../engine/clock.ts';
import type { Cluster } from '../engine/cluster.ts';
import type { Shell } from '../engine/shell.ts';
import type { HttpClient } from '../engine/http.ts';
import type { TargetKind } from '../drill/schema.ts';

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
  /** Set by provisioning steps when the drill cluster's kubeconfig is written. */
  kubeconfigPath: string | undefined;
  talosconfigPath: string | undefined;
  /** Environment additions for commands (KUBECONFIG, TALOSCONFIG, ...). */
  commandEnv(): Record<string, string>;
  /** T0: the runner declares the disaster; targets that stage history (backups, commits) date it from here. */
  declareDisaster(t0: number): void;
  /** Stop whatever the target started for the run (simulated world, local cluster). */
  close(): Promise<void>;
  /** Only on the `local` target: the disposable cluster that the local.up and local.down steps create and remove. */
  readonly localCluster?: LocalClusterControl;
}

export interface LocalClusterControl {
  /** Start the control plane, the fake node and Flux, and bootstrap Flux from the target's Git server. */
  up(log: (line: string) => void): Promise<{ kubeconfigPath: string; name: string; timings: Record<string, number> }>;
  /** Stop everything up() started and prove nothing is left (processes, directory). */
  down(log: (line: string) => void): Promise<{ name: string } | undefined>;
}
