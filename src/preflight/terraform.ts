/**
 * Terraform's state and variables, as the steps' kinds declare them: the workspace (never one of
 * production's or a well-known production name), every value of each backend config file and variable
 * file (parsed with the HCL parser; a file that cannot be parsed is refused with the reason).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlannedStep } from '../drill/plan.ts';
import type { PreflightNeeds } from '../contract/step.ts';
import type { ErrorLocation } from '../util/errors.ts';
import type { PreflightContext } from './context.ts';
import { inputAt, inputWith, simulatedInfrastructure } from './context.ts';
import { HclSyntaxError, parseHclFile } from './hcl.ts';
import { productionWorkspace, type Production } from './production.ts';
import { scanValues } from './values.ts';

/** Keys of backend configs and variable files whose value is a Terraform workspace (the remote backend's workspaces { name = ... }). */
export const WORKSPACE_KEY = /(?:^|\.)(?:tf_workspace|workspace|workspace_name|workspaces\.name)$/i;

export async function checkTerraform(context: PreflightContext, production: Production, step: PlannedStep, terraform: NonNullable<PreflightNeeds['terraform']>, checkedFiles: Set<string>): Promise<void> {
  const { plan } = context;
  const raw = context.inputsOf(step);
  if ('workspace' in terraform) {
    const { workspace } = terraform;
    if (workspace === undefined) {
      context.problem('EPREFLIGHT', `step "${step.id}": the Terraform workspace cannot be known before the run`, 'preflight must prove the workspace is not production\'s: name it from ${run.id} (e.g. drill-${run.id}), not from a step output', inputAt(context, step));
    } else {
      const reason = productionWorkspace(production, workspace, terraform.productionWorkspaces ?? []);
      if (reason) context.problem('EPRODTARGET', `step "${step.id}": Terraform workspace "${workspace}" holds production state (${reason})`, 'give the step a drill-owned workspace, e.g. workspace: drill-${run.id}', inputWith(context, step, workspace));
    }
  }
  const dir = typeof terraform.dir === 'string' ? path.resolve(plan.drillDir, terraform.dir) : undefined;
  const allowIssuer = plan.drill.preflight?.allowProductionIssuer ?? false;
  const report = (values: unknown, where: string, at: ErrorLocation, workspaceKey?: RegExp) => {
    for (const finding of scanValues(values, production, { where, allowIssuer, ...(workspaceKey ? { workspaceKey } : {}) })) context.problem('EPRODTARGET', finding.message, finding.fix, at);
  };
  const list = (field: 'backendConfig' | 'varFiles') => (terraform[field] ?? []).map((entry, index) => ({ entry, index, at: inputAt(context, step, ...fieldOf(raw, terraform[field]), index) }));

  for (const { entry, index, at } of list('backendConfig')) {
    if (entry === undefined) {
      context.problem('EPREFLIGHT', `step "${step.id}": backendConfig[${index}] cannot be known before the run`, 'preflight must read the backend config to prove the state is not production\'s: give a file or key=value that does not depend on a step output', at);
    } else if (!entry.includes('=')) {
      // key=value entries are step inputs like any other: the input scan compares them.
      const values = await readHcl(context, step, dir, entry, 'backend config', at, checkedFiles);
      if (values) report(values, `backend config ${entry}`, at, WORKSPACE_KEY);
    }
  }
  for (const { entry, index, at } of list('varFiles')) {
    if (entry === undefined) {
      context.problem('EPREFLIGHT', `step "${step.id}": varFiles[${index}] cannot be known before the run`, 'name the drill\'s variable file directly (or through ${vars.X} / ${env.X}) so preflight can read it', at);
      continue;
    }
    const values = await readHcl(context, step, dir, entry, 'Terraform variable file', at, checkedFiles);
    if (values) report(values, path.basename(entry), at, WORKSPACE_KEY);
  }
}

/** The field of the raw inputs that holds a declared list, for locations. */
function fieldOf(raw: Record<string, unknown>, list: unknown): string[] {
  const field = Object.entries(raw).find(([, value]) => value === list || (Array.isArray(value) && Array.isArray(list) && value.length === list.length && value.every((item, index) => item === list[index])));
  return field ? [field[0]] : [];
}

async function readHcl(context: PreflightContext, step: PlannedStep, dir: string | undefined, entry: string, what: string, at: ErrorLocation, checkedFiles: Set<string>): Promise<Record<string, unknown> | undefined> {
  const { plan } = context;
  if (!dir) {
    context.problem('EPREFLIGHT', `step "${step.id}": the Terraform directory cannot be known before the run, so ${what} ${entry} cannot be read`, 'name dir: directly (or through ${vars.X} / ${env.X}), not from a step output', at);
    return undefined;
  }
  const file = path.resolve(dir, entry);
  if (checkedFiles.has(file)) return undefined;
  checkedFiles.add(file);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => error);
  if (typeof text !== 'string') {
    if (simulatedInfrastructure(plan.target) && text.code === 'ENOENT') context.note('isolation', `${file} does not exist; not checked on the ${plan.target} target`);
    else context.problem('EPREFLIGHT', `step "${step.id}": ${what} ${file} cannot be read (${text.code ?? text.message})`, what === 'backend config' ? 'fetch backend.config (runbook 000: from the password manager) into the Terraform directory, or fix backendConfig' : "check varFiles: (relative to dir:) and that the drill's own variable file exists", at);
    return undefined;
  }
  try {
    return await parseHclFile(text, file);
  } catch (error) {
    const syntax = error instanceof HclSyntaxError ? error : undefined;
    const where = syntax?.line ? `${path.basename(file)}:${syntax.line}${syntax.column ? `:${syntax.column}` : ''}` : path.basename(file);
    context.problem('EPREFLIGHT', `step "${step.id}": cannot parse ${what} ${where}: ${(error as Error).message}`, `preflight refuses what it cannot read: it must prove the ${what} reuses nothing of production's. Fix the file (terraform validate / terraform fmt say the same)`, syntax?.line ? { file, line: syntax.line, ...(syntax.column ? { column: syntax.column } : {}) } : at);
    return undefined;
  }
}
