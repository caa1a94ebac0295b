/** `dr-drill kinds`: the registered step kinds and what each does. */
import { EXIT } from '../../result/exit-codes.ts';
import type { CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';

export const spec: CommandSpec = {
  name: 'kinds',
  summary: 'the step kinds and what they do',
  synopsis: '',
  options: {},
  examples: ['dr-drill kinds'],
};

export const command: Command = {
  spec,
  async run(_parsed, io) {
    const { stepRegistry } = await import('../../steps/registry.ts');
    for (const kind of stepRegistry.values()) io.stdout(`${kind.kind.padEnd(18)} ${kind.summary}`);
    return EXIT.passed;
  },
};
