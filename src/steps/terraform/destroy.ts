/** terraform.destroy: tear the drill cluster down and delete its workspace (a `finally` step). */
import { z } from 'zod';
import { defineStep, withClusterAccess } from '../../contract/step.ts';
import { initAndSelectWorkspace, prepareTerraform, terraformInputs, terraformPreflight, variableArgs } from './common.ts';

const inputs = z.strictObject({
  ...terraformInputs,
  deleteWorkspace: z.boolean().default(true).meta({ description: 'Delete the drill workspace after a successful destroy.' }),
});

export const terraformDestroy = defineStep({
  kind: 'terraform.destroy',
  summary: 'terraform/tofu destroy of the drill workspace, then delete the workspace',
  inputs,
  preflight: terraformPreflight,
  async run(context, input) {
    const terraform = await prepareTerraform(context, input);
    const exists = await initAndSelectWorkspace(terraform, input.backendConfig, input.workspace, false);
    if (!exists) {
      context.log.info(`workspace ${input.workspace} does not exist: nothing was provisioned, nothing to destroy`);
      return { destroyed: false, workspace: input.workspace };
    }
    await terraform.run(['destroy', '-auto-approve', '-input=false', '-no-color', `-lock-timeout=${input.lockTimeout}`, ...variableArgs(input.varFiles, input.vars)]);
    if (input.deleteWorkspace) {
      await terraform.run(['workspace', 'select', '-no-color', 'default']);
      await terraform.run(['workspace', 'delete', '-no-color', input.workspace]);
    }
    return withClusterAccess({ destroyed: true, workspace: input.workspace }, null);
  },
});
