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
import { SimGitRemote, type SimCommit } from './git-remote.ts';
import { seedTree } from './gitops-tree.ts';
import { sealedFiles, SOPS_DECRYPTION } from './sealed-tree.ts';
import type { AgeKey } from './sops-format.ts';
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
  'git/push': '2s',
  'flux/bootstrap': '1m',
  'flux/flux-system': '1m',
  'flux/infrastructure-controllers': '6m',
  'flux/infrastructure-configs': '3m',
  'flux/apps': '18m',
  'flux/default': '5m',
  'flux-update/default': '15s',
  'flux-source/fetch': '3s',
  'ingress/ip': '40s',
  'cert-manager/issuer': '1m',
  'deployment/available': '2m',
  'pod/start': '30s',
  'pod/terminate': '5s',
  'talos/reset': '2m',
  'talos/boot': '1m30s',
  'task/talos:apply-node': '2m',
  'velero/restore': '12m',
  'velero/pod-volume-restore': '25m',
  'gitlab/backup-utility': '20m',
  'task/default': '10m',
  'command/default': '1m',
  'sops/file': '1s',
};

export interface SimOptions {
  clock: Clock;
  durations?: Record<string, string>;
  faults?: Map<string, Fault>;
  backupAgeMs: number;
  configAgeMs: number;
  /** The simulated Velero backup storage location's access mode. */
  backupLocationAccessMode?: 'ReadOnly' | 'ReadWrite';
  /** Production's age key: the GitOps tree is sealed for it (targets.sim.sops). */
  sopsKey?: AgeKey;
}

export const SIM_GIT = {
  url: 'https://git.sim.dr-drill.invalid/homelab/gitops.git',
  branch: 'main',
};

/** A clone the simulated git made on disk: where it came from and its local commits. */
export interface SimClone {
  url: string;
  /** The checked-out branch (checkout -b changes it). */
  branch: string;
  /** The remote branch it was cloned from. */
  upstream: string;
  head: string;
  bare: boolean;
  /** Commits made in this clone, not yet (or already) pushed. */
  commits: Map<string, SimCommit>;
}

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
  /** The GitOps remote: production's branch (main) with its history, and the branches drills push. */
  remote: SimGitRemote;
  readonly #configAgeMs: number;
  readonly backupAgeMs: number;
  readonly backupLocationAccessMode: 'ReadOnly' | 'ReadWrite';
  /** Production's age key when the tree is sealed with SOPS; its apps layer decrypts with flux-system/sops-age. */
  readonly sopsKey: AgeKey | undefined;
  /** Terraform workspaces that hold a provisioned cluster. */
  readonly provisioned = new Set<string>();
  readonly workspaces = new Set<string>(['default']);
  selectedWorkspace = 'default';
  /** Databases restored by app restore tools, by namespace. */
  readonly restoredDatabases = new Set<string>();
  /** Nodes `talosctl reset` wiped: in maintenance mode until their config is applied again. */
  readonly resetNodes = new Set<string>();
  /** Simulated controllers run once per world, however many provisioning steps there are. */
  controllersStarted = false;
  /** Clones the simulated git made, by absolute directory. */
  readonly clones = new Map<string, SimClone>();

  constructor(options: SimOptions) {
    this.clock = options.clock;
    this.store = new ObjectStore(options.clock);
    this.faults = options.faults ?? new Map();
    this.#durations = Object.fromEntries(Object.entries({ ...DEFAULT_DURATIONS, ...options.durations }).map(([key, value]) => [key, parseDuration(value)]));
    this.backupAgeMs = options.backupAgeMs;
    this.backupLocationAccessMode = options.backupLocationAccessMode ?? 'ReadOnly';
    this.#configAgeMs = options.configAgeMs;
    this.sopsKey = options.sopsKey;
    this.t0 = options.clock.now();
    this.remote = this.#seedRemote(this.t0);
  }

  declareDisaster(t0: number): void {
    this.t0 = t0;
    this.remote = this.#seedRemote(t0);
  }

  /** Production's branch at T0: its HEAD and that commit's time. */
  get git(): { url: string; branch: string; head: string; commitTime: string } {
    const head = this.remote.head(SIM_GIT.branch)!;
    return { ...SIM_GIT, head, commitTime: this.remote.commit(head)!.time };
  }

  /** Three commits on main, the newest `configAge` before T0; commits a drill pushes come after T0. */
  #seedRemote(t0: number): SimGitRemote {
    const remote = new SimGitRemote(SIM_GIT.url);
    const messages = ['infrastructure: ingress-nginx 4.13.3', 'apps: jellyfin 10.10.7', 'apps: bump paperless-ngx to 2.18.4'];
    const sealed = this.sopsKey ? { files: sealedFiles(this.sopsKey, new Date(t0 - this.#configAgeMs - 3 * 86_400_000).toISOString()), decryption: SOPS_DECRYPTION } : undefined;
    let parent: string | undefined;
    const commits: SimCommit[] = messages.map((message, index) => {
      const time = new Date(Math.floor((t0 - this.#configAgeMs - (messages.length - 1 - index) * 86_400_000) / 1000) * 1000).toISOString();
      const sha = fakeSha(`gitops@${time}`);
      const commit: SimCommit = { sha, parents: parent ? [parent] : [], time: time.replace(/\.\d{3}Z$/, 'Z'), author: 'homelab <ops@sim.dr-drill.invalid>', message, tree: seedTree(`# homelab GitOps\n\n${messages.slice(0, index + 1).map((line) => `- ${line}`).join('\n')}\n`, sealed) };
      parent = sha;
      return commit;
    });
    remote.store(commits);
    remote.push(SIM_GIT.branch, commits.at(-1)!.sha);
    return remote;
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
