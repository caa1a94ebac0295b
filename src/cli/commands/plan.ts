/** `dr-drill plan`: what would run, in order, with timeouts; touches nothing. */
import { EXIT } from '../../result/exit-codes.ts';
import { onePositional, type CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';
import { targetSpec } from './run.ts';
import { targetOption } from './target-option.ts';

export const spec: CommandSpec = {
  name: 'plan',
  summary: 'what would run, in order, with timeouts; touches nothing',
  synopsis: '<drill.yaml> [--target T]',
  options: { target: targetSpec },
  examples: ['dr-drill plan drills/cold-start.yaml --target local'],
};

export const command: Command = {
  spec,
  async run(parsed, io) {
    const file = onePositional(parsed, spec, 'drill file');
    const target = await targetOption(parsed.values.target);
    const [{ loadDrillFile }, { buildPlan }, { stepRegistry }, { renderPlan }] = await Promise.all([
      import('../../drill/load.ts'),
      import('../../drill/plan.ts'),
      import('../../steps/registry.ts'),
      import('../render-plan.ts'),
    ]);
    const loaded = await loadDrillFile(file);
    io.stdout(renderPlan(buildPlan(loaded, stepRegistry, target ? { target } : {}), stepRegistry));
    return EXIT.passed;
  },
};
