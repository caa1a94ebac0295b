#!/usr/bin/env node
/**
 * Pipeline entry point for a drill: `node scripts/ci-drill.ts run drills/cold-start.yaml --target sim --out reports`.
 * Same arguments and exit code as `dr-drill run`; afterwards, from the result it wrote:
 *   - GitHub Actions (GITHUB_ACTIONS=true): job summary, step outputs, error annotations;
 *   - GitLab CI: nothing more, the dotenv, metrics and JUnit reports are already in --out;
 *   - DR_DRILL_PUSHGATEWAY_URL: push the metrics to a Prometheus Pushgateway (grouped by drill and target);
 *   - DR_DRILL_TEXTFILE_DIR: write them for node_exporter's textfile collector.
 * A failure to publish is reported and never changes the drill's exit code. When publishing printed
 * anything, the RTO/RPO table follows it again, so the job log still ends with the figures.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { figuresTable } from '../src/cli/figures-table.ts';
import { main } from '../src/cli/main.ts';
import { exitWhenDrained } from '../src/cli/entry.ts';
import { cancellationOnSignals } from '../src/cli/signals.ts';
import { writeGithubJob } from '../src/ci/github.ts';
import { readResult } from '../src/result/io.ts';
import { REPORT_FILES } from '../src/report/write.ts';
import { pushToGateway, writeTextfile } from '../src/report/prometheus.ts';
import { Masker } from '../src/util/mask.ts';

export function outDirOf(argv: string[]): string {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--out') return argv[index + 1] ?? 'reports';
    if (arg.startsWith('--out=')) return arg.slice('--out='.length);
  }
  return 'reports';
}

async function cli(argv: string[]): Promise<number> {
  const code = await main(argv, {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    ...cancellationOnSignals(),
    isTty: false,
  });
  const outDir = outDirOf(argv);
  const resultFile = path.join(outDir, REPORT_FILES.result);
  if (argv[0] !== 'run' || !existsSync(resultFile)) return code;
  const masker = new Masker();
  masker.addFromEnvironment(process.env);
  let printed = false;
  const say = (line: string) => {
    printed = true;
    process.stdout.write(`${masker.mask(line)}\n`);
  };
  try {
    const result = await readResult(resultFile);
    try {
      if (process.env.DR_DRILL_PUSHGATEWAY_URL) {
        for (const where of await pushToGateway(result, process.env.DR_DRILL_PUSHGATEWAY_URL)) say(`metrics: pushed to ${where}`);
      }
      if (process.env.DR_DRILL_TEXTFILE_DIR) {
        const file = path.join(process.env.DR_DRILL_TEXTFILE_DIR, `dr_drill_${result.drill.name}_${result.run.target}.prom`.replace(/[^\w.-]/g, '_'));
        say(`metrics: ${await writeTextfile(result, process.env.DR_DRILL_TEXTFILE_DIR, existsSync(file) ? await readFile(file, 'utf8') : undefined)}`);
      }
      if (process.env.GITHUB_ACTIONS === 'true') {
        await writeGithubJob(result, { masker, reportDir: outDir });
        say(`github: job summary, outputs and ${result.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out').length} failed-step annotation(s) written`);
      }
    } catch (error) {
      printed = true;
      process.stderr.write(`${masker.mask(`warning: publishing the drill result to CI failed: ${(error as Error).message}`)}\n`);
    }
    if (printed) for (const line of figuresTable(result)) process.stdout.write(`${masker.mask(line)}\n`);
  } catch (error) {
    process.stderr.write(`${masker.mask(`warning: publishing the drill result to CI failed: ${(error as Error).message}`)}\n`);
  }
  return code;
}

if (import.meta.main) {
  await exitWhenDrained(await cli(process.argv.slice(2)));
}
