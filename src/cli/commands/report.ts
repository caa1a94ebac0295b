/** `dr-drill report`: render the reports again from a result.json. */
import path from 'node:path';
import { EXIT } from '../../result/exit-codes.ts';
import { onePositional, type CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';

export const spec: CommandSpec = {
  name: 'report',
  summary: 're-render the reports (JUnit, Markdown, OpenMetrics, dotenv) from a result',
  synopsis: '<result.json> [--out DIR]',
  options: { out: { type: 'string', value: 'DIR', description: 'where the reports go (default: next to the result)' } },
  examples: ['dr-drill report reports/result.json --out rendered/'],
};

export const command: Command = {
  spec,
  async run(parsed, io) {
    const file = onePositional(parsed, spec, 'result.json');
    const [{ readResult }, { writeReports }, { Masker }] = await Promise.all([import('../../result/io.ts'), import('../../report/write.ts'), import('../../util/mask.ts')]);
    const result = await readResult(file);
    const masker = new Masker();
    masker.addFromEnvironment(io.env);
    const outDir = (parsed.values.out as string | undefined) ?? path.dirname(file);
    // The step logs stay next to the result: JUnit attachments point there, relative to the working directory as GitLab reads them.
    const logsDir = path.relative(process.cwd(), path.resolve(path.dirname(file))).split(path.sep).join('/');
    const files = await writeReports(result, outDir, masker, { reportDirForAttachments: logsDir });
    io.stdout(`reports: ${files.join(', ')}`);
    return EXIT.passed;
  },
};
