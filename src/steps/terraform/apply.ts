/**
 * terraform.apply: provision the disposable drill cluster from the user's own Terraform
 * (runbook 000: `terraform init -backend-config=...` and `terraform apply`) in a drill-owned
 * workspace, then capture kubeconfig and talosconfig outputs into the run directory (mode 0600).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { credentialsIn } from '../../util/credentials.ts';
import { DrillError } from '../../util/errors.ts';
import { defineStep, withClusterAccess } from '../../contract/step.ts';
import { initAndSelectWorkspace, prepareTerraform, terraformInputs, terraformPreflight, variableArgs } from './common.ts';
import { parseOutputJson } from './output-json.ts';

const inputs = z.strictObject({
  ...terraformInputs,
  kubeconfigOutput: z.string().default('kubeconfig').meta({ description: 'Name of the Terraform output holding the kubeconfig ("" for none).' }),
  talosconfigOutput: z.string().default('talosconfig').meta({ description: 'Name of the Terraform output holding the talosconfig ("" for none).' }),
  parallelism: z.int().positive().optional(),
});

export const terraformApply = defineStep({
  kind: 'terraform.apply',
  summary: 'terraform/tofu init + apply in a drill-owned workspace; writes kubeconfig and talosconfig outputs (0600) for later steps',
  inputs,
  preflight: terraformPreflight,
  async run(context, input) {
    const terraform = await prepareTerraform(context, input);
    await initAndSelectWorkspace(terraform, input.backendConfig, input.workspace, true);
    await terraform.run(['apply', '-auto-approve', '-input=false', '-no-color', `-lock-timeout=${input.lockTimeout}`, ...(input.parallelism ? [`-parallelism=${input.parallelism}`] : []), ...variableArgs(input.varFiles, input.vars)]);
    const printed = await terraform.run(['output', '-json', '-no-color'], { quiet: true });
    const parsed = parseOutputJson(printed.stdout);
    if (!parsed.ok) {
      // Not the stdout itself: it may hold the outputs' values.
      throw new DrillError('ECOMMAND', `${terraform.binary} output -json did not print JSON`, {
        details: `stdout was ${printed.stdout.length} characters with no JSON object in it${printed.stderr.trim() ? `; stderr: ${printed.stderr.trim().split('\n').slice(-5).join(' ')}` : ''}`,
      });
    }
    const outputs = parsed.outputs;
    // Diagnostics printed before the JSON (a warning box): worth seeing, never worth failing for.
    if (parsed.preamble) for (const line of parsed.preamble.split('\n')) context.log.warn(`${terraform.binary} output: ${line}`);
    const configOutputs = new Set([input.kubeconfigOutput, input.talosconfigOutput].filter(Boolean));
    for (const [name, output] of Object.entries(outputs)) {
      if (output.sensitive || configOutputs.has(name)) registerSecret(context, typeof output.value === 'string' ? output.value : JSON.stringify(output.value), configOutputs.has(name));
    }
    const result: Record<string, unknown> = { workspace: input.workspace, binary: terraform.binary };
    for (const [name, output] of Object.entries(outputs)) {
      if (!output.sensitive && name !== input.kubeconfigOutput && name !== input.talosconfigOutput) result[name] = output.value;
    }
    const writeConfig = async (outputName: string, fileName: string): Promise<string | undefined> => {
      if (!outputName) return undefined;
      const output = outputs[outputName];
      if (!output || typeof output.value !== 'string') {
        throw new DrillError('ECOMMAND', `Terraform output "${outputName}" is missing or not a string`, {
          details: `outputs present: ${Object.keys(outputs).join(', ') || 'none'}; set ${fileName === 'kubeconfig' ? 'kubeconfigOutput' : 'talosconfigOutput'} to the right output name, or "" if the module has none`,
        });
      }
      const file = path.join(context.workDir, fileName);
      await writeFile(file, output.value, { mode: 0o600 });
      return file;
    };
    const kubeconfig = await writeConfig(input.kubeconfigOutput, 'kubeconfig');
    const talosconfig = await writeConfig(input.talosconfigOutput, 'talosconfig');
    if (kubeconfig) result.kubeconfig = kubeconfig;
    if (talosconfig) result.talosconfig = talosconfig;
    context.log.info(`drill cluster provisioned in workspace ${input.workspace}`);
    return withClusterAccess(result, { ...(kubeconfig ? { kubeconfig } : {}), ...(talosconfig ? { talosconfig } : {}) });
  },
});

/** A kubeconfig or talosconfig: its credentials and the whole text; any other secret line by line too. */
function registerSecret(context: Parameters<typeof terraformApply.run>[0], value: string, isConfig: boolean): void {
  if (!isConfig) return context.addSecret(value);
  for (const credential of credentialsIn(value)) context.addSecret(credential);
  context.addSecret(value, { wholeOnly: true });
}
