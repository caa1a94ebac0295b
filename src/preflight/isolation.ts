/**
 * Isolation from production: compare everything the drill will use (its kube context, Terraform
 * workspaces, state keys and variable files, every step input, the branches it commits to, the
 * backup locations it restores through) with what the drill file's `production:` block says
 * production owns. Which inputs mean what is declared by each step's kind.
 */
import { productionSchema } from '../drill/safety-schema.ts';
import type { PreflightContext } from './context.ts';
import { inputAt, inputWith } from './context.ts';
import { hclValue } from './hcl.ts';
import { checkKubeContext } from './kube.ts';
import { normalizeBranch } from './normalize.ts';
import { branchFix, productionOf, type Production } from './production.ts';
import { checkTerraform } from './terraform.ts';
import { pathText, scanValues } from './values.ts';
import { typedNumberIn } from './needs.ts';
import { checkBackupLocations } from './velero.ts';

/** Environment-variable keys (in a step's env: map) whose value is a Terraform workspace. */
const WORKSPACE_ENV = /(?:^|\.)TF_WORKSPACE$/;

export async function checkIsolation(context: PreflightContext): Promise<void> {
  const { plan } = context;
  const declared = plan.drill.production;
  if (!declared && plan.target === 'proxmox-talos') {
    context.problem('EPREFLIGHT', 'the drill declares no production: block', 'on proxmox-talos the drill provisions real VMs: declare what production owns (kubeContexts, terraformWorkspaces, proxmoxVmIds, controlPlaneVips, loadBalancerRanges, gitBranches, certIssuers) so preflight can prove the drill reuses none of it', context.locate([]));
  }
  const production = productionOf(declared ?? productionSchema.parse({}));
  const allowIssuer = plan.drill.preflight?.allowProductionIssuer ?? false;
  await checkKubeContext(context, production);
  // terraform.apply and terraform.destroy usually name the same files: each is read once.
  const checkedFiles = new Set<string>();
  let terraformRuns = false;
  for (const step of context.steps) {
    const needs = context.needsOf(step);
    if (needs.terraform) {
      terraformRuns = true;
      await checkTerraform(context, production, step, needs.terraform, checkedFiles);
    }
    const written = new Set<string>();
    for (const write of needs.gitWrites ?? []) {
      const branch = production.branches.get(normalizeBranch(write.branch));
      if (!branch) continue;
      written.add(`branch:${branch}`);
      context.problem('EPRODTARGET', `step "${step.id}": ${write.via} would commit to production branch "${branch}"${write.branch === branch ? '' : ` (written "${write.branch}")`}`, branchFix(branch), inputWith(context, step, write.branch));
    }
    const reads = new Set(needs.readsProduction ?? []);
    const inputs = Object.fromEntries(await Promise.all(Object.entries(context.inputsOf(step)).filter(([field]) => !reads.has(field)).map(async ([field, value]) => [field, await expandCollections(value)] as const)));
    const typedNumber = typedNumberIn(context.kindOf(step));
    for (const finding of scanValues(inputs, production, { where: `step "${step.id}"`, allowIssuer, typedNumber, workspaceKey: WORKSPACE_ENV })) {
      // A branch the step commits to is reported once, as the write it is.
      if (!written.has(finding.owned)) context.problem('EPRODTARGET', finding.message, finding.fix, inputAt(context, step, ...finding.at));
    }
  }
  // Terraform also reads TF_VAR_* from the environment, whichever step runs it.
  if (terraformRuns) await checkTerraformEnvironment(context, production, allowIssuer);
  await checkBackupLocations(context);
  const fluxBranch = context.resolve(plan.drill.preflight?.fluxBranch);
  const branch = fluxBranch === undefined ? undefined : production.branches.get(normalizeBranch(fluxBranch));
  if (branch) context.problem('EPRODTARGET', `Flux would be bootstrapped from production branch "${branch}" (preflight.fluxBranch)`, branchFix(branch), context.locate(['preflight', 'fluxBranch']));
}

async function checkTerraformEnvironment(context: PreflightContext, production: Production, allowIssuer: boolean): Promise<void> {
  const variables: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context.env)) if (name.startsWith('TF_VAR_') && value !== undefined) variables[name] = await hclValue(value);
  for (const finding of scanValues(variables, production, { where: 'the environment', allowIssuer, workspaceKey: WORKSPACE_ENV })) {
    context.problem('EPRODTARGET', finding.message, `${finding.fix} (unset ${pathText(finding.at.slice(0, 1))} or give the drill its own value)`, context.locate([]));
  }
}

/** `-var` values and env values that hold HCL lists or maps (`[150, 151]`) are compared item by item. */
async function expandCollections(value: unknown): Promise<unknown> {
  if (typeof value === 'string') return hclValue(value);
  if (Array.isArray(value)) return Promise.all(value.map(expandCollections));
  if (value && typeof value === 'object') return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await expandCollections(item)] as const)));
  return value;
}
