/** `dr-drill schema`: the JSON Schema of drill files (drills/schema.json), from the same zod schema that validates them. */
import { writeFile } from 'node:fs/promises';
import { EXIT } from '../../result/exit-codes.ts';
import type { CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';

export const spec: CommandSpec = {
  name: 'schema',
  summary: 'the JSON Schema of drill files, for editors (drills/schema.json)',
  synopsis: '[--out FILE]',
  options: { out: { type: 'string', value: 'FILE', description: 'write it to FILE instead of standard output' } },
  examples: ['dr-drill schema --out drills/schema.json'],
};

export const command: Command = {
  spec,
  async run({ values }, io) {
    const [{ drillJsonSchema }, { stepRegistry }] = await Promise.all([import('../../drill/schema.ts'), import('../../steps/registry.ts')]);
    const text = `${JSON.stringify(drillJsonSchema([...stepRegistry.values()]), null, 2)}\n`;
    if (values.out) await writeFile(values.out as string, text);
    else io.stdout(text.trimEnd());
    return EXIT.passed;
  },
};
