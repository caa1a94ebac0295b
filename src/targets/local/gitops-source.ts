/** Where the local target's GitOps tree comes from: the drill's own tree or the built-in sample, sealed for the drill's age key. */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { expand } from '../../drill/expressions.ts';
import type { Plan } from '../../drill/plan.ts';
import { requireTool, loadInfraVersions } from '../../cluster/local/infra-versions.ts';
import { SAMPLE_FIXTURE_DIR } from '../../cluster/local/sample-repo.ts';
import { ageRecipientOf, sealSampleTree } from '../../cluster/local/sops.ts';
import { DrillError, errorMessage } from '../../util/errors.ts';

/**
 * The age key the drill provides (preflight.ageKeyFile, e.g. ${env.SOPS_AGE_KEY_FILE}), when the
 * file exists: the cluster gets it as the sops-age Secret, and the built-in sample is sealed for it.
 */
export function resolveAgeKeyFile(plan: Plan, env: Record<string, string | undefined>): string | undefined {
  const configured = plan.drill.preflight?.ageKeyFile;
  if (configured === undefined) return undefined;
  let expanded: unknown;
  try {
    expanded = expand(configured, { env, vars: {}, steps: {}, run: { id: '', dir: '' }, drill: { dir: plan.drillDir, name: plan.drill.name }, target: { kind: 'local' } });
  } catch {
    return undefined;
  }
  if (typeof expanded !== 'string' || expanded === '') return undefined;
  const file = path.resolve(plan.drillDir, expanded);
  return existsSync(file) ? file : undefined;
}

/** The pinned sops the local target seals with. */
export function sopsBinary(env: Record<string, string | undefined>): string {
  try {
    return requireTool('sops', 'sops', loadInfraVersions(), { ...process.env, ...env });
  } catch (error) {
    throw new DrillError('EPREFLIGHT', 'the local target seals its GitOps tree\'s Secrets with sops, which is not built', { details: `${errorMessage(error)}\nbuild it once with: npm run build:test-infra` });
  }
}

/** The built-in sample, sealed like production's repository: its Secrets encrypted for the drill's age key. */
export async function sealedSample(dir: string, ageKeyFile: string, env: Record<string, string | undefined>): Promise<string> {
  const sops = sopsBinary(env);
  cpSync(SAMPLE_FIXTURE_DIR, dir, { recursive: true });
  await sealSampleTree(dir, await ageRecipientOf(ageKeyFile), sops);
  return dir;
}

export function resolveGitopsDir(plan: Plan, gitops: string | undefined, env: Record<string, string | undefined>): string {
  if (gitops === undefined) return SAMPLE_FIXTURE_DIR;
  const expanded = expand(gitops, {
    env,
    vars: {},
    steps: {},
    run: { id: '', dir: '' },
    drill: { dir: plan.drillDir, name: plan.drill.name },
    target: { kind: 'local' },
  });
  if (typeof expanded !== 'string' || expanded === '') return SAMPLE_FIXTURE_DIR;
  const dir = path.resolve(plan.drillDir, expanded);
  if (!existsSync(path.join(dir, 'clusters', 'drill'))) {
    throw new DrillError('EPREFLIGHT', `targets.local.gitops: ${dir} has no clusters/drill directory`, {
      location: { file: plan.file, field: 'targets.local.gitops' },
      details: 'point gitops: at a GitOps tree whose clusters/drill/ holds the Flux Kustomizations (see src/cluster/local/gitops-sample), or remove it to use the built-in sample',
    });
  }
  return dir;
}
