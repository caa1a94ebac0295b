/** Every step kind, by name. Adding a kind means adding it here; nothing else picks kinds. */
import type { StepRegistry } from '../drill/plan.ts';
import { command } from './command.ts';
import { dataCheck } from './data/canary.ts';
import { fluxWait } from './flux/wait.ts';
import { gitHead } from './git/head.ts';
import { gitBranch } from './git/branch.ts';
import { gitCommit } from './git/commit.ts';
import { gitRevert } from './git/revert.ts';
import { fluxReconcile } from './flux/reconcile.ts';
import { httpCheck } from './http/check.ts';
import { kubernetesDelete } from './kubernetes/delete.ts';
import { kubernetesWait } from './kubernetes/wait.ts';
import { kubernetesDrain } from './kubernetes/drain.ts';
import { kubernetesUncordon } from './kubernetes/uncordon.ts';
import { kubernetesSecret } from './kubernetes/secret.ts';
import { ageKeygen } from './age/keygen.ts';
import { sopsRotate } from './sops/rotate.ts';
import { sopsVerify } from './sops/verify.ts';
import { resticRestore } from './restic/restore.ts';
import { script } from './script/run.ts';
import { talosHealth } from './talos/health.ts';
import { terraformApply } from './terraform/apply.ts';
import { terraformDestroy } from './terraform/destroy.ts';
import type { StepKind } from '../contract/step.ts';
import { localDown, localUp } from './local/cluster.ts';
import { localNodeJoin } from './local/node.ts';
import { veleroLocation } from './velero/location.ts';
import { veleroRestore } from './velero/restore.ts';

const kinds: StepKind[] = [gitHead, terraformApply, terraformDestroy, command, talosHealth, kubernetesWait, kubernetesDelete, fluxWait, veleroRestore, httpCheck, script, resticRestore, dataCheck, veleroLocation, localUp, localDown, localNodeJoin, gitBranch, gitCommit, gitRevert, fluxReconcile, kubernetesDrain, kubernetesUncordon, ageKeygen, sopsRotate, sopsVerify, kubernetesSecret] as StepKind[];

export const stepRegistry: StepRegistry = new Map(kinds.map((kind) => [kind.kind, kind]));
