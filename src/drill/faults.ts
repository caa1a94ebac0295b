/**
 * The faults a negative control (or --fault) can inject, and which target injects which one into
 * which step kinds. The sim target makes a step itself fail, hang or run slow; the local target
 * plants a fault in what survives the disaster before T0 (the backup, the cluster's decryption
 * key), so the drill's real checks have to find it.
 */
import type { TargetKind } from '../contract/target.ts';

/** Step faults of the simulated world (also what --fault takes on sim). */
export const SIM_FAULTS = ['fail', 'hang', 'slow'] as const;
/**
 * Faults planted in the world the drill meets: before T0 in what outlives the disaster, in the
 * cluster a step creates, or just before a step starts; never in the step itself.
 */
export const PLANTED_FAULTS = ['tampered-backup', 'missing-canary', 'wrong-age-key', 'no-spare-capacity', 'node-without-kubelet', 'prune-disabled', 'source-controller-down', 'quota-exhausted', 'stale-decryption-secret', 'foreign-sops-file'] as const;
export const FAULT_NAMES = [...SIM_FAULTS, ...PLANTED_FAULTS] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultCapability {
  /** Step kinds the fault can be attached to; `any`: every kind. */
  into: readonly string[] | 'any';
  /** What the target does, as reports and errors say it. */
  what: string;
}

const ANY = 'any' as const;

/** What each target can inject. A target missing here injects nothing: its controls cannot run. */
export const TARGET_FAULTS: Readonly<Record<TargetKind, Readonly<Partial<Record<FaultName, FaultCapability>>>>> = {
  sim: {
    fail: { into: ANY, what: 'the simulated step (or the object it creates, e.g. a Velero Restore) fails' },
    hang: { into: ANY, what: 'the simulated step never finishes (until its timeout)' },
    slow: { into: ANY, what: 'the simulated step takes ten times as long' },
  },
  local: {
    'tampered-backup': { into: ['velero.restore', 'restic.restore', 'data.check'], what: 'before T0 the backup this step reads is spoiled: the Velero backup\'s resource tarball is overwritten in the bucket (velero.restore), or a byte every 32 bytes of every pack file of the restic repository is flipped, so every blob has one (restic.restore, data.check)' },
    'missing-canary': { into: ['restic.restore', 'data.check'], what: 'the restic backup this step reads lacks the newest canary records: the canary writer stopped 7 days before the snapshot' },
    'wrong-age-key': { into: ['terraform.apply', 'local.up'], what: 'the cluster this step creates gets an age key in its sops-age Secret that is not a recipient of the GitOps tree' },
    'no-spare-capacity': { into: ['k8s.drain'], what: 'when the drain starts, every other node is full: its allocatable pods are set to the pods it already runs, so the evicted workloads have nowhere to go (the cluster is not N+1)' },
    'node-without-kubelet': { into: ['local.node-join'], what: 'the node this step joins registers, but no kubelet runs behind it: it never reports Ready' },
    'prune-disabled': { into: ['local.up'], what: 'the Flux Kustomizations of the cluster this step creates have prune: false, so a manifest deleted from Git leaves its object behind' },
    'source-controller-down': { into: ['flux.reconcile', 'git.revert'], what: 'when this step starts, Flux source-controller is killed (SIGKILL, as the OOM killer does) and stays down: no new revision is fetched' },
    'quota-exhausted': { into: ['git.revert', 'flux.reconcile'], what: 'when this step starts, every namespace Flux\'s apps layer applied gets a ResourceQuota of zero pods: running pods stay, no new pod is admitted' },
    'stale-decryption-secret': { into: ['local.up'], what: 'the cluster this step creates decrypts with another Secret (flux-system/sops-age-legacy, the same key) than the sops-age the runbook rotates' },
    'foreign-sops-file': { into: ['sops.rotate'], what: 'before T0 the GitOps tree gets one more SOPS file (talos/talsecret.sops.yaml, outside every Flux path) sealed only for an age key made and deleted at once: no key the drill holds opens it' },
  },
  kubeconfig: {},
  'proxmox-talos': {},
};

/** How far the canary records of a missing-canary backup end before its snapshot. */
export const MISSING_CANARY_GAP_MS = 7 * 24 * 3_600_000;

export function injectsFaults(target: TargetKind): boolean {
  return Object.keys(TARGET_FAULTS[target]).length > 0;
}

/** What the target can inject, for an error's fix: `tampered-backup (into restic.restore), ...`. */
export function faultsOf(target: TargetKind): string {
  const entries = Object.entries(TARGET_FAULTS[target]);
  if (entries.length === 0) return 'none';
  return entries.map(([fault, capability]) => `${fault} (into ${capability!.into === ANY ? 'any step' : capability!.into.join(' or ')})`).join(', ');
}

/** Why this target cannot inject `fault` into a step of `kind`, or undefined when it can. */
export function faultProblem(target: TargetKind, fault: string, stepId: string, kind: string): { message: string; fix: string } | undefined {
  const capability = TARGET_FAULTS[target][fault as FaultName];
  if (!capability) {
    return { message: `the ${target} target cannot inject "${fault}" into step "${stepId}"`, fix: `on ${target} a fault is one of: ${faultsOf(target)}` };
  }
  if (capability.into !== ANY && !capability.into.includes(kind)) {
    return { message: `the ${target} target injects "${fault}" only into ${capability.into.join(' or ')} steps; "${stepId}" is ${kind} here`, fix: `attach ${fault} to the ${capability.into.join(' or ')} step whose input it spoils (${capability.what})` };
  }
  return undefined;
}
