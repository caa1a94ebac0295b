/** What terraform.apply and terraform.destroy share: which binary, init, workspace guard. */
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import type { KnownInputs, PreflightNeeds, StepContext } from '../../contract/step.ts';

export const terraformInputs = {
  dir: z.string().meta({ description: 'Terraform root module directory (relative to the drill file).' }),
  binary: z.enum(['terraform', 'tofu']).optional().meta({ description: 'Which CLI to use; default: terraform if installed, else tofu.' }),
  workspace: z.string().min(1).meta({ description: 'Drill-owned workspace (state) for this run, e.g. drill-${run.id}; never the production one.' }),
  backendConfig: z.array(z.string()).default([]).meta({ description: 'Values for -backend-config: files (relative to dir) or key=value pairs.' }),
  varFiles: z.array(z.string()).default([]).meta({ description: 'Variable files for -var-file (relative to dir): the drill cluster\'s VM IDs, IPs and branch.' }),
  vars: z.record(z.string(), z.string()).default({}).meta({ description: 'Single -var values.' }),
  lockTimeout: z
    .string()
    .regex(/^\d+[smh]$/, { error: 'a Terraform duration such as 10m' })
    .default('10m')
    .meta({ description: 'Wait this long for the state lock (-lock-timeout): a teardown that follows a killed apply or destroy finds the lock still held.' }),
  dataDir: z
    .string()
    .optional()
    .meta({ description: 'TF_DATA_DIR for this run (relative to the drill file; e.g. ${run.dir}/terraform): init\'s .terraform/ goes there instead of into dir, so runs sharing a configuration never share their backend settings.' }),
  productionWorkspaces: z
    .array(z.string())
    .default(['default', 'prod', 'production'])
    .meta({ description: 'Workspaces that hold production state; the step refuses to run in them.' }),
};

/** What preflight checks of terraform.apply and terraform.destroy: the CLI, the state they use and the variables they pass. */
export function terraformPreflight(input: KnownInputs<{ dir: string; binary?: 'terraform' | 'tofu' | undefined; workspace: string; productionWorkspaces: string[]; backendConfig: string[]; varFiles: string[] }>): PreflightNeeds {
  return {
    tools: [input.binary ?? ['terraform', 'tofu']],
    terraform: { dir: input.dir, workspace: input.workspace, productionWorkspaces: input.productionWorkspaces, backendConfig: input.backendConfig, varFiles: input.varFiles },
  };
}

export interface TerraformRun {
  binary: string;
  dir: string;
  run(args: string[], options?: { allowFailure?: boolean; quiet?: boolean }): ReturnType<StepContext['shell']['run']>;
}

export async function prepareTerraform(context: StepContext, inputs: { dir: string; binary?: 'terraform' | 'tofu' | undefined; workspace: string; productionWorkspaces: string[]; dataDir?: string | undefined }): Promise<TerraformRun> {
  if (inputs.productionWorkspaces.includes(inputs.workspace)) {
    throw new DrillError('EPRODTARGET', `refusing to use Terraform workspace "${inputs.workspace}": it holds production state`, {
      details: 'give the step a drill-owned workspace, e.g. workspace: drill-${run.id}',
    });
  }
  const binary = inputs.binary ?? ((await context.shell.which('terraform')) ? 'terraform' : (await context.shell.which('tofu')) ? 'tofu' : undefined);
  if (!binary) {
    throw new DrillError('EPREFLIGHT', 'neither terraform nor tofu is installed', { details: 'install Terraform or OpenTofu, or set binary: in the step' });
  }
  const dir = path.resolve(context.drillDir, inputs.dir);
  const dataDir = inputs.dataDir ? path.resolve(context.drillDir, inputs.dataDir) : undefined;
  return {
    binary,
    dir,
    run: (args, options = {}) =>
      context.shell.run(binary, [`-chdir=${dir}`, ...args], {
        signal: context.signal,
        // TF_WORKSPACE would override the workspace we select; never inherit it.
        env: { TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_WORKSPACE: undefined, ...(dataDir ? { TF_DATA_DIR: dataDir } : {}) },
        ...options,
      }),
  };
}

export async function initAndSelectWorkspace(terraform: TerraformRun, backendConfig: string[], workspace: string, create: boolean): Promise<boolean> {
  await terraform.run(['init', '-input=false', '-no-color', '-reconfigure', ...backendConfig.map((value) => `-backend-config=${value}`)]);
  const selected = await terraform.run(['workspace', 'select', ...(create ? ['-or-create'] : []), '-no-color', workspace], { allowFailure: !create });
  if (selected.exitCode === 0) return true;
  // Only a workspace that is not there means "nothing was provisioned"; any other failure (the
  // backend cannot be read) must not pass for a clean teardown while the VMs keep running.
  if (/Workspace "[^"]*" doesn't exist/.test(selected.stderr + selected.stdout)) return false;
  throw new DrillError('ECOMMAND', `${terraform.binary} workspace select ${workspace} failed: cannot tell whether the drill cluster exists`, {
    details: `${(selected.stderr.trim() || selected.stdout.trim()).split('\n').slice(-10).join('\n')}\ncheck the backend configuration and credentials, then destroy workspace ${workspace} by hand if it exists`,
  });
}

export function variableArgs(varFiles: string[], vars: Record<string, string>): string[] {
  return [...varFiles.map((file) => `-var-file=${file}`), ...Object.entries(vars).map(([key, value]) => `-var=${key}=${value}`)];
}
