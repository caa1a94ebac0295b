/**
 * The simulated world: the infrastructure a drill would touch (Proxmox VMs via Terraform, Talos,
 * a Git remote, Velero backups) and the drill cluster's API, with durations in drill time and
 * faults injected per step. Nothing outside this process is touched.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../contract/clock.ts';
import type { KubeObject, ObjectRef } from '../../contract/cluster.ts';
import { parseDuration } from '../../util/duration.ts';
import { ObjectStore } from './store.ts';
import type { SIM_FAULTS } from '../../drill/schema.ts';

export { SIM_FAULTS as FAULTS } from '../../drill/schema.ts';
export type Fault = (typeof SIM_FAULTS)[number];
export const SLOW_FACTOR = 10;

/** Drill-time durations of simulated work; a drill's `targets.sim.durations` overrides them. */
export const DEFAULT_DURATIONS: Record<string, string> = {
  'terraform/init': '40s',
  'terraform/apply': '14m',
  'terraform/destroy': '6m',
  'talos/health': '3m',
  'git/clone': '5s',
  'flux/flux-system': '1m',
  'flux/infrastructure-controllers': '6m',
  'flux/infrastructure-configs': '3m',
  'flux/apps': '18m',
  'flux/default': '5m',
  'ingress/ip': '40s',
  'cert-manager/issuer': '1m',
  'deployment/available': '2m',
  'velero/restore': '12m',
  'velero/pod-volume-restore': '25m',
  'gitlab/backup-utility': '20m',
  'task/default': '10m',
  'command/default': '1m',
};

export interface SimOptions {
  clock: Clock;
  durations?: Record<string, string>;
  faults?: Map<string, Fault>;
  backupAgeMs: number;
  configAgeMs: number;
  /** The simulated Velero backup storage location's access mode. */
  backupLocationAccessMode?: 'ReadOnly' | 'ReadWrite';
}

export const SIM_GIT = {
  url: 'https://git.sim.dr-drill.invalid/homelab/gitops.git',
  branch: 'main',
};

export class SimWorld {
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly faults: Map<string, Fault>;
  readonly #durations: Record<string, number>;
  readonly #objectFaults = new Map<string, Fault>();
  readonly #markListeners = new Set<(ref: ObjectRef, fault: Fault) => void>();
  readonly #lifetime = new AbortController();
  /** The declared disaster; the simulated history (backups, commits) is dated from it. */
  t0: number;
  git: { url: string; branch: string; head: string; commitTime: string };
  readonly #configAgeMs: number;
  readonly backupAgeMs: number;
  readonly backupLocationAccessMode: 'ReadOnly' | 'ReadWrite';
  /** Terraform workspaces that hold a provisioned cluster. */
  readonly provisioned = new Set<string>();
  readonly workspaces = new Set<string>(['default']);
  selectedWorkspace = 'default';
  /** Databases restored by app restore tools, by namespace. */
  readonly restoredDatabases = new Set<string>();

  constructor(options: SimOptions) {
    this.clock = options.clock;
    this.store = new ObjectStore(options.clock);
    this.faults = options.faults ?? new Map();
    this.#durations = Object.fromEntries(Object.entries({ ...DEFAULT_DURATIONS, ...options.durations }).map(([key, value]) => [key, parseDuration(value)]));
    this.backupAgeMs = options.backupAgeMs;
    this.backupLocationAccessMode = options.backupLocationAccessMode ?? 'ReadOnly';
    this.#configAgeMs = options.configAgeMs;
    this.t0 = options.clock.now();
    this.git = this.#gitAt(this.t0);
  }

  declareDisaster(t0: number): void {
    this.t0 = t0;
    this.git = this.#gitAt(t0);
  }

  #gitAt(t0: number): SimWorld['git'] {
    const commitTime = new Date(Math.floor((t0 - this.#configAgeMs) / 1000) * 1000);
    return { ...SIM_GIT, head: fakeSha(`gitops@${commitTime.toISOString()}`), commitTime: commitTime.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** Ends every simulated controller. */
  get signal(): AbortSignal {
    return this.#lifetime.signal;
  }

  stop(): void {
    this.#lifetime.abort(new Error('simulated world stopped'));
  }

  /** How long `component` takes, in drill milliseconds, for work done on behalf of `stepId` or an object. */
  duration(component: string, fault?: Fault): number {
    const base = this.#durations[component] ?? this.#durations[`${component.split('/')[0]}/default`] ?? 60_000;
    return fault === 'slow' ? base * SLOW_FACTOR : base;
  }

  faultOfStep(stepId: string): Fault | undefined {
    return this.faults.get(stepId);
  }

  /** A step with a fault that reads or creates an object passes the fault on to it. */
  markObject(ref: ObjectRef, fault: Fault): void {
    const key = objectKey(ref);
    if (this.#objectFaults.get(key) === fault) return;
    this.#objectFaults.set(key, fault);
    for (const listener of this.#markListeners) listener(ref, fault);
  }

  /** Controllers that must react when a faulted step touches an object they already reconciled. */
  onMark(listener: (ref: ObjectRef, fault: Fault) => void): void {
    this.#markListeners.add(listener);
  }

  faultOfObject(object: KubeObject | ObjectRef): Fault | undefined {
    const ref = 'metadata' in object ? { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace } : object;
    return this.#objectFaults.get(objectKey(ref as ObjectRef));
  }

  /** Sleep in drill time for as long as the world lives; `hang` never returns. */
  async work(component: string, fault: Fault | undefined, signal?: AbortSignal): Promise<void> {
    const combined = signal ? AbortSignal.any([signal, this.signal]) : this.signal;
    if (fault === 'hang') {
      await new Promise((_, reject) => {
        if (combined.aborted) reject(combined.reason);
        combined.addEventListener('abort', () => reject(combined.reason), { once: true });
      });
    }
    await this.clock.sleep(this.duration(component, fault), combined);
  }

  isoTime(offsetMs = 0): string {
    return new Date(this.clock.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}
