/** `dr-drill validate`: check drill files for every target they configure; errors as file:line:column. */
import { EXIT } from '../../result/exit-codes.ts';
import { DrillError, formatError } from '../../util/errors.ts';
import type { CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';

export const spec: CommandSpec = {
  name: 'validate',
  summary: 'check drill files; errors as file:line:column, the field, and the fix',
  synopsis: '<drill.yaml>...',
  options: {},
  examples: ['dr-drill validate drills/*.yaml'],
};

export const command: Command = {
  spec,
  async run({ positionals }, io) {
    if (positionals.length === 0) throw new DrillError('EUSAGE', 'validate takes one or more drill files', { details: `e.g. ${spec.examples[0]}` });
    const [{ loadDrillFile }, { buildPlan }, { stepRegistry }, { Masker }] = await Promise.all([
      import('../../drill/load.ts'),
      import('../../drill/plan.ts'),
      import('../../steps/registry.ts'),
      import('../../util/mask.ts'),
    ]);
    const masker = new Masker();
    masker.addFromEnvironment(io.env);
    let failed = false;
    for (const file of positionals) {
      try {
        // The default target and every target the drill configures: an override is only checked when planned.
        const loaded = await loadDrillFile(file);
        const targets = [...new Set([loaded.spec.target, ...(Object.keys(loaded.spec.targets) as (typeof loaded.spec.target)[])])];
        const plans = targets.map((target) => buildPlan(loaded, stepRegistry, { target }));
        const plan = plans[0]!;
        io.stdout(`${file}: valid for ${targets.join(', ')} (${plan.steps.length} steps in ${plan.phases.length} phases, ${plan.finallySteps.length} finally)`);
      } catch (error) {
        failed = true;
        io.stderr(masker.mask(formatError(error)));
      }
    }
    return failed ? EXIT.invalidInput : EXIT.passed;
  },
};
