/** `dr-drill teardown`: only the drill's `finally` steps, for a run whose own teardown was cut short. */
import type { CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';
import { runDrillCommand, spec as runSpec } from './run.ts';

export const spec: CommandSpec = {
  name: 'teardown',
  summary: 'only the drill\'s finally steps, for a run whose teardown was cut short',
  synopsis: '<drill.yaml> --run-id ID [--target T] [--out DIR]',
  options: {
    ...runSpec.options,
    'run-id': { type: 'string', value: 'ID', description: 'the run to tear down (default: DR_DRILL_RUN_ID); required' },
    out: { type: 'string', value: 'DIR', default: 'reports/teardown', description: 'where the teardown\'s result and reports go' },
  },
  examples: ['dr-drill teardown drills/cold-start.yaml --run-id gh-12345-1'],
};

export const command: Command = { spec, run: (parsed, io) => runDrillCommand(parsed, io, 'teardown', spec) };
