/**
 * `dr-drill metrics --from-history DIR`: metrics.txt (OpenMetrics) of the latest run of each drill
 * in a history directory, for GitLab's merge request metrics widget: merge request and default
 * branch pipelines both publish it, so the widget compares the same metric names with real figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '../../result/exit-codes.ts';
import { DrillError } from '../../util/errors.ts';
import type { CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';

export const spec: CommandSpec = {
  name: 'metrics',
  summary: 'metrics.txt (OpenMetrics) of the latest run of each drill in a history directory',
  synopsis: '--from-history DIR [--drill NAME] [--out FILE]',
  options: {
    'from-history': { type: 'string', value: 'DIR', description: 'a directory of result.json files (scripts/ci-history.ts fetch puts the dr-drill-results branch there)' },
    drill: { type: 'string', value: 'NAME', description: 'only this drill (default: every drill in the history)' },
    out: { type: 'string', value: 'FILE', default: 'reports/metrics.txt', description: 'where the OpenMetrics file goes' },
  },
  examples: ['dr-drill metrics --from-history .dr-drill/history --out reports/metrics.txt'],
};

export const command: Command = {
  spec,
  async run({ values, positionals }, io) {
    if (positionals.length > 0) throw new DrillError('EUSAGE', `metrics takes no positional arguments, got "${positionals.join(' ')}"`, { details: `e.g. ${spec.examples[0]}` });
    const dir = values['from-history'] as string | undefined;
    if (!dir) throw new DrillError('EUSAGE', 'metrics needs --from-history DIR', { details: `e.g. ${spec.examples[0]}` });
    const drill = values.drill as string | undefined;
    const [{ readHistory, groupByDrill }, { renderOpenMetricsOf }, { Masker }] = await Promise.all([import('../../history/read.ts'), import('../../report/openmetrics.ts'), import('../../util/mask.ts')]);
    const history = await readHistory(dir);
    for (const skipped of history.skipped) io.stderr(`skipped ${skipped.file}: ${skipped.reason}`);
    const latest = [...groupByDrill(history.results).entries()].filter(([name]) => drill === undefined || name === drill).map(([, runs]) => runs.at(-1)!);
    const masker = new Masker();
    masker.addFromEnvironment(io.env);
    const out = values.out as string;
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, masker.mask(renderOpenMetricsOf(latest)));
    if (latest.length === 0) {
      io.stdout(`metrics: no ${drill ? `run of drill ${drill}` : 'results'} in ${dir}; ${out} has no samples`);
    } else {
      for (const result of latest) io.stdout(`metrics: ${result.drill.name} on ${result.run.target}, run ${result.run.id} (T0 ${result.run.startedAt}, ${result.status}) -> ${out}`);
    }
    return EXIT.passed;
  },
};
