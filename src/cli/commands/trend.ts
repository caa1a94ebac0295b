/** `dr-drill trend`: RTO/RPO of past runs (a history directory and/or result files): trend.md and an SVG chart per drill. */
import { existsSync } from 'node:fs';
import { EXIT } from '../../result/exit-codes.ts';
import type { DrillResult } from '../../result/model.ts';
import { DrillError } from '../../util/errors.ts';
import type { CommandSpec } from '../args.ts';
import type { CliIo, Command } from '../io.ts';

export const DEFAULT_HISTORY = '.dr-drill/history';

export const spec: CommandSpec = {
  name: 'trend',
  summary: 'RTO/RPO trend of past runs: trend.md and an SVG chart per drill',
  synopsis: '[--history DIR] [--result FILE]... [--last N] [--drill NAME] [--out DIR] [--chart-url URL]',
  options: {
    history: { type: 'string', value: 'DIR', description: `a directory of result.json files (default: ${DEFAULT_HISTORY}, when it exists)` },
    result: { type: 'string', value: 'FILE', multiple: true, default: [], description: 'a result.json to add, e.g. the run that just finished' },
    last: { type: 'string', value: 'N', default: '10', description: 'how many runs per drill' },
    drill: { type: 'string', value: 'NAME', description: 'only this drill' },
    out: { type: 'string', value: 'DIR', default: 'reports', description: 'where trend.md and the charts go' },
    'chart-url': { type: 'string', value: 'URL', description: 'base URL the charts are linked from in trend.md' },
  },
  examples: ['dr-drill trend --history .dr-drill/history --last 10 --out reports', 'dr-drill trend --result reports/result.json'],
};

export const command: Command = {
  spec,
  async run({ values, positionals }, io) {
    if (positionals.length > 0) throw new DrillError('EUSAGE', `trend takes no positional arguments, got "${positionals.join(' ')}"`, { details: `e.g. ${spec.examples[0]}` });
    const last = Number(values.last);
    if (!Number.isInteger(last) || last < 1) throw new DrillError('EUSAGE', `--last must be a whole number of runs (1 or more), got "${String(values.last)}"`);
    const results = await trendInputs(values.history as string | undefined, values.result as string[], io);
    const [{ writeTrendReport }, { Masker }] = await Promise.all([import('../../report/trend-write.ts'), import('../../util/mask.ts')]);
    const masker = new Masker();
    masker.addFromEnvironment(io.env);
    const chartBaseUrl = values['chart-url'] as string | undefined;
    const drill = values.drill as string | undefined;
    const output = await writeTrendReport(results, values.out as string, masker, { last, ...(drill ? { drill } : {}), ...(chartBaseUrl ? { chartBaseUrl } : {}) });
    io.stdout(`trend of ${results.length} run(s) of ${output.drills.length} drill(s): ${output.files.join(', ')}`);
    return EXIT.passed;
  },
};

/**
 * The history's results plus the --result files, one per run, oldest first. A --history that was
 * given must exist; the default one may be missing when --result files are given.
 */
async function trendInputs(historyFlag: string | undefined, resultFiles: string[], io: CliIo): Promise<DrillResult[]> {
  const [{ readHistory }, { readResult }] = await Promise.all([import('../../history/read.ts'), import('../../result/io.ts')]);
  const historyDir = historyFlag ?? DEFAULT_HISTORY;
  const results: DrillResult[] = [];
  if (historyFlag !== undefined || resultFiles.length === 0 || existsSync(historyDir)) {
    const history = await readHistory(historyDir);
    for (const skipped of history.skipped) io.stderr(`skipped ${skipped.file}: ${skipped.reason}`);
    results.push(...history.results);
  }
  for (const file of resultFiles) {
    const extra = await readResult(file);
    if (!results.some((known) => known.drill.name === extra.drill.name && known.run.id === extra.run.id)) results.push(extra);
  }
  return results.sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt));
}
