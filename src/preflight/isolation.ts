/**
 * Isolation from production: compare what the drill will use (its kube context, Terraform
 * workspaces, state keys and variable files, its step inputs, the branch Flux is bootstrapped
 * from) with what the drill file's `production:` block says production owns.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { PlannedStep } from '../drill/plan.ts';
import type { ProductionSpec } from '../drill/safety-schema.ts';
import { productionSchema } from '../drill/safety-schema.ts';
import type { ErrorLocation } from '../util/errors.ts';
import type { PreflightContext } from './context.ts';
import { inputAt, simulatedInfrastructure } from './context.ts';
import { ipRangesIn, overlaps, parseIpRange, type IpRange } from './ip.ts';
import { leaves, parseTfvars, TfvarsSyntaxError, type TfValue } from './tfvars.ts';

const VM_ID_KEY = /vm_?ids?$|vmids?$|^vm_?id|_vm_?id/i;
const BRANCH_KEY = /branch/i;
const ISSUER_KEY = /issuer/i;

interface Owned {
  spec: ProductionSpec;
  vips: IpRange[];
  lbRanges: IpRange[];
  vmIds: { first: number; last: number; text: string }[];
}

function owned(spec: ProductionSpec): Owned {
  return {
    spec,
    vips: spec.controlPlaneVips.map((vip) => parseIpRange(vip)!).filter(Boolean),
    lbRanges: spec.loadBalancerRanges.map((range) => parseIpRange(range)!).filter(Boolean),
    vmIds: spec.proxmoxVmIds.map((id) => {
      if (typeof id === 'number') return { first: id, last: id, text: String(id) };
      const [first, last] = id.split('-').map((part) => Number(part.trim()));
      return { first: Math.min(first!, last!), last: Math.max(first!, last!), text: id };
    }),
  };
}

export async function checkIsolation(context: PreflightContext): Promise<void> {
  const { plan } = context;
  const declared = plan.drill.production;
  if (!declared && plan.target === 'proxmox-talos') {
    context.problem('EPREFLIGHT', 'the drill declares no production: block', 'on proxmox-talos the drill provisions real VMs: declare what production owns (kubeContexts, terraformWorkspaces, proxmoxVmIds, controlPlaneVips, loadBalancerRanges, gitBranches, certIssuers) so preflight can prove the drill reuses none of it', context.locate([]));
  }
  const production = owned(declared ?? productionSchema.parse({}));
  await checkKubeContext(context, production);
  // terraform.apply and terraform.destroy usually name the same files: check each once.
  const checkedFiles = new Set<string>();
  for (const step of context.steps) {
    const inputs = context.inputsOf(step);
    if (step.kind === 'terraform.apply' || step.kind === 'terraform.destroy') await checkTerraform(context, production, step, inputs, checkedFiles);
    if (step.kind === 'command') checkFluxBootstrap(context, production, step, inputs);
    const { vars: _checkedAsVariables, ...rest } = step.kind.startsWith('terraform.') ? inputs : { vars: undefined, ...inputs };
    checkInputs(context, production, step, rest);
  }
  const fluxBranch = context.resolve(plan.drill.preflight?.fluxBranch);
  if (fluxBranch && production.spec.gitBranches.includes(fluxBranch)) {
    context.problem('EPRODTARGET', `Flux would be bootstrapped from production branch "${fluxBranch}" (preflight.fluxBranch)`, branchFix(fluxBranch), context.locate(['preflight', 'fluxBranch']));
  }
}

function branchFix(branch: string): string {
  return `bootstrap the drill's Flux from a drill branch or path (e.g. drill/${branch}): Flux and Terraform's flux_bootstrap_git commit to the branch they bootstrap from, and production syncs ${branch}`;
}

async function checkKubeContext(context: PreflightContext, production: Owned): Promise<void> {
  const { plan } = context;
  if (plan.target !== 'kubeconfig') return;
  const settings = plan.drill.targets.kubeconfig;
  const at = context.locate(settings?.context ? ['targets', 'kubeconfig', 'context'] : settings?.kubeconfig ? ['targets', 'kubeconfig', 'kubeconfig'] : ['targets']);
  let name = settings?.context;
  if (!name) {
    const file = settings?.kubeconfig ?? context.env.KUBECONFIG?.split(path.delimiter)[0];
    if (!file) {
      return context.problem('EPREFLIGHT', 'the kubeconfig target has no kubeconfig', 'set targets.kubeconfig.kubeconfig in the drill or export KUBECONFIG', at);
    }
    try {
      const config = parseYaml(await readFile(path.resolve(plan.drillDir, file), 'utf8')) as { 'current-context'?: string } | null;
      name = config?.['current-context'];
    } catch (error) {
      return context.problem('EPREFLIGHT', `kubeconfig ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'point targets.kubeconfig.kubeconfig or KUBECONFIG at the drill cluster\'s kubeconfig', at);
    }
    if (!name) return context.problem('EPREFLIGHT', `kubeconfig ${file} has no current-context`, 'set targets.kubeconfig.context to the drill cluster\'s context', at);
  }
  if (production.spec.kubeContexts.includes(name)) {
    context.problem('EPRODTARGET', `kube context "${name}" is a production context (production.kubeContexts)`, 'run the kubeconfig target against a drill cluster: set targets.kubeconfig.context to its context, never production\'s', at);
  } else context.note('isolation', `kube context ${name} is not production`);
}

async function checkTerraform(context: PreflightContext, production: Owned, step: PlannedStep, inputs: Record<string, unknown>, checkedFiles: Set<string>): Promise<void> {
  const { plan } = context;
  const workspace = inputs.workspace;
  const stepProduction = Array.isArray(inputs.productionWorkspaces) ? (inputs.productionWorkspaces as string[]) : [];
  if (typeof workspace === 'string' && (production.spec.terraformWorkspaces.includes(workspace) || stepProduction.includes(workspace))) {
    context.problem('EPRODTARGET', `step "${step.id}": Terraform workspace "${workspace}" holds production state`, 'give the step a drill-owned workspace, e.g. workspace: drill-${run.id}', inputAt(context, step, 'workspace'));
  }
  const dir = typeof inputs.dir === 'string' ? path.resolve(plan.drillDir, inputs.dir) : undefined;
  const backendConfig = Array.isArray(inputs.backendConfig) ? inputs.backendConfig : [];
  for (const [index, entry] of backendConfig.entries()) {
    if (typeof entry !== 'string') continue;
    const at = inputAt(context, step, 'backendConfig', index);
    let key: string | undefined;
    const pair = /^key=(.*)$/.exec(entry);
    if (pair) key = pair[1];
    else if (!entry.includes('=') && dir) {
      const file = path.resolve(dir, entry);
      if (checkedFiles.has(file)) continue;
      checkedFiles.add(file);
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) {
        if (!simulatedInfrastructure(plan.target)) context.problem('EPREFLIGHT', `step "${step.id}": backend config ${file} not found`, 'fetch backend.config (runbook 000: from the password manager) into the Terraform directory, or fix backendConfig', at);
        continue;
      }
      try {
        const value = parseTfvars(text, file).key;
        if (typeof value === 'string') key = value;
      } catch {
        // Not HCL we understand: terraform init will say.
      }
    }
    if (key !== undefined && production.spec.terraformStateKeys.includes(key)) {
      context.problem('EPRODTARGET', `step "${step.id}": Terraform state key "${key}" is production's (production.terraformStateKeys)`, 'give the drill its own backend config with its own state key (e.g. key = "drill/terraform.tfstate")', at);
    }
  }
  const varFiles = Array.isArray(inputs.varFiles) ? inputs.varFiles : [];
  for (const [index, entry] of varFiles.entries()) {
    if (typeof entry !== 'string' || !dir) continue;
    const file = path.resolve(dir, entry);
    if (checkedFiles.has(file)) continue;
    checkedFiles.add(file);
    const at = inputAt(context, step, 'varFiles', index);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => error);
    if (typeof text !== 'string') {
      if (simulatedInfrastructure(plan.target)) context.note('isolation', `${file} does not exist; not checked on the ${plan.target} target`);
      else context.problem('EPREFLIGHT', `step "${step.id}": Terraform variable file ${file} cannot be read (${text.code ?? text.message})`, 'check varFiles: (relative to dir:) and that the drill\'s own variable file exists', at);
      continue;
    }
    let variables: Record<string, TfValue>;
    try {
      variables = parseTfvars(text, file);
    } catch (error) {
      const line = error instanceof TfvarsSyntaxError ? error.line : undefined;
      context.problem('EPREFLIGHT', `step "${step.id}": cannot read Terraform variables in ${file}: ${(error as Error).message}`, 'preflight reads key = value, lists and maps of .tfvars, and .tfvars.json', line ? { file, line } : at);
      continue;
    }
    compareVariables(context, production, variables, path.basename(file), at);
  }
  const vars = inputs.vars && typeof inputs.vars === 'object' ? (inputs.vars as Record<string, unknown>) : {};
  const fromVars: Record<string, TfValue> = {};
  for (const [name, value] of Object.entries(vars)) if (typeof value === 'string') fromVars[name] = hclValue(value);
  compareVariables(context, production, fromVars, `step "${step.id}" vars`, inputAt(context, step, 'vars'));
  if (checkedFiles.has('TF_VAR_*')) return;
  checkedFiles.add('TF_VAR_*');
  const fromEnv: Record<string, TfValue> = {};
  for (const [name, value] of Object.entries(context.env)) if (name.startsWith('TF_VAR_') && value !== undefined) fromEnv[name.slice(7)] = hclValue(value);
  compareVariables(context, production, fromEnv, 'TF_VAR_* environment', inputAt(context, step));
}

/** A -var or TF_VAR_ value: HCL for lists and maps, else the string itself. */
function hclValue(value: string): TfValue {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return parseTfvars(`value = ${value}`, 'value.tfvars').value ?? value;
  } catch {
    return value;
  }
}

function compareVariables(context: PreflightContext, production: Owned, variables: Record<string, TfValue>, where: string, at: ErrorLocation): void {
  const allowIssuer = context.plan.drill.preflight?.allowProductionIssuer ?? false;
  for (const leaf of leaves(variables)) {
    const name = leaf.path.filter((part) => !/^\d+$/.test(part)).join('.') || leaf.path.join('.');
    const keys = leaf.path.filter((part) => !/^\d+$/.test(part));
    const key = keys.at(-1) ?? '';
    const text = String(leaf.value);
    if (keys.some((part) => VM_ID_KEY.test(part))) {
      for (const id of vmIdsIn(leaf.value)) {
        const hit = production.vmIds.find((range) => id.first <= range.last && range.first <= id.last);
        if (hit) {
          context.problem('EPRODTARGET', `VM ID ${id.text} in ${where} (${name}) is a production VM ID (production.proxmoxVmIds: ${hit.text})`, 'give the drill\'s VMs IDs from a range production never uses (e.g. 9100-9199)', at);
        }
      }
    }
    if (typeof leaf.value === 'string') {
      for (const range of ipRangesIn(text)) {
        const vip = production.vips.find((candidate) => overlaps(candidate, range));
        const lb = production.lbRanges.find((candidate) => overlaps(candidate, range));
        if (vip) context.problem('EPRODTARGET', `${range.text} in ${where} (${name}) is production's control-plane VIP (production.controlPlaneVips: ${vip.text})`, 'give the drill cluster its own VIP: two clusters announcing one VIP take production\'s API down', at);
        else if (lb) context.problem('EPRODTARGET', `${range.text} in ${where} (${name}) overlaps production's load-balancer range ${lb.text} (production.loadBalancerRanges)`, 'give the drill its own load-balancer pool: a drill cluster announcing production\'s ingress IP breaks production', at);
      }
      if (BRANCH_KEY.test(key) && production.spec.gitBranches.includes(text)) {
        context.problem('EPRODTARGET', `Flux would be bootstrapped from production branch "${text}" (${where}: ${name})`, branchFix(text), at);
      }
      if (ISSUER_KEY.test(key) && !allowIssuer && production.spec.certIssuers.includes(text)) {
        context.problem('EPRODTARGET', `${where} (${name}) uses production certificate issuer "${text}"`, 'use a staging issuer (e.g. letsencrypt-staging) in the drill, or set preflight.allowProductionIssuer: true', at);
      }
    }
  }
}

function vmIdsIn(value: string | number | boolean): { first: number; last: number; text: string }[] {
  if (typeof value === 'number') return Number.isInteger(value) ? [{ first: value, last: value, text: String(value) }] : [];
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/(\d+)(?:\s*-\s*(\d+))?/g)].map((match) => {
    const first = Number(match[1]);
    const last = match[2] ? Number(match[2]) : first;
    return { first: Math.min(first, last), last: Math.max(first, last), text: match[0] };
  });
}

/** `flux bootstrap git|github|gitlab ... --branch X` in a command step. */
function checkFluxBootstrap(context: PreflightContext, production: Owned, step: PlannedStep, inputs: Record<string, unknown>): void {
  const run = Array.isArray(inputs.run) ? inputs.run.filter((arg): arg is string => typeof arg === 'string') : [];
  if (path.basename(run[0] ?? '') !== 'flux' || !run.includes('bootstrap')) return;
  const index = run.findIndex((arg) => arg === '--branch' || arg.startsWith('--branch='));
  const option = run[index];
  const branch = option === undefined ? 'main' : option.includes('=') ? option.slice('--branch='.length) : run[index + 1];
  if (branch && production.spec.gitBranches.includes(branch)) {
    context.problem('EPRODTARGET', `step "${step.id}": flux bootstrap would commit to production branch "${branch}"${index < 0 ? ' (flux bootstrap defaults to main)' : ''}`, branchFix(branch), inputAt(context, step, 'run'));
  }
}

/** Step inputs: production issuers, VIPs and load-balancer IPs anywhere in them. */
function checkInputs(context: PreflightContext, production: Owned, step: PlannedStep, inputs: Record<string, unknown>): void {
  const allowIssuer = context.plan.drill.preflight?.allowProductionIssuer ?? false;
  const visit = (value: unknown, at: string[]): void => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...at, String(index)]));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([key, item]) => visit(item, [...at, key]));
    else if (typeof value === 'string') {
      const location = inputAt(context, step, ...at.map((part) => (/^\d+$/.test(part) ? Number(part) : part)));
      if (!allowIssuer && production.spec.certIssuers.includes(value)) {
        context.problem('EPRODTARGET', `step "${step.id}" uses production certificate issuer "${value}" (${at.join('.')})`, 'use a staging issuer (e.g. letsencrypt-staging) in the drill, or set preflight.allowProductionIssuer: true', location);
      }
      for (const range of ipRangesIn(value)) {
        const vip = production.vips.find((candidate) => overlaps(candidate, range));
        const lb = production.lbRanges.find((candidate) => overlaps(candidate, range));
        if (vip) context.problem('EPRODTARGET', `step "${step.id}" uses production's control-plane VIP ${range.text} (${at.join('.')})`, 'point the drill at its own cluster\'s VIP', location);
        else if (lb) context.problem('EPRODTARGET', `step "${step.id}" expects ${range.text} (${at.join('.')}), in production's load-balancer range ${lb.text}`, 'give the drill its own load-balancer pool and ingress IP: a drill cluster announcing production\'s ingress IP breaks production', location);
      }
    }
  };
  visit(inputs, []);
}
