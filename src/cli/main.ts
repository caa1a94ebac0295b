/**
 * The dr-drill command line. Exit codes are decided here and only here (result/exit-codes.ts).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { drillJsonSchema, TARGET_KINDS, type TargetKind } from '../drill/schema.ts';
import { loadDrillFile } from '../drill/load.ts';
import { buildPlan, RUN_ID_PATTERN } from '../drill/plan.ts';
import { loadPlan, runDrill } from '../run-drill.ts';
import { EXIT } from '../result/exit-codes.ts';
import { readResult } from '../result/io.ts';
import { writeReports } from '../report/write.ts';
import { writeTrendReport } from '../report/trend-write.ts';
import { readHistory } from '../history/read.ts';
import { stepRegistry } from '../steps/registry.ts';
import { FAULTS, type Fault } from '../targets/sim/world.ts';
import { DrillError, DrillErrors, formatError } from '../util/errors.ts';
import { summaryLines } from '../report/figures.ts';
import { Masker } from '../util/mask.ts';
import { VERSION } from '../version.ts';
import { createProgressPrinter } from './progress.ts';
import { renderPlan } from './render-plan.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Cancellation (first SIGINT/SIGTERM) and forced stop (second). */
  cancelSignal?: AbortSignal;
  forceSignal?: AbortSignal;
  isTty?: boolean;
}

const USAGE = `dr-drill ${VERSION}: disaster-recovery drills for GitOps Kubernetes clusters

Usage:
  dr-drill run <drill.yaml> [--target T] [--out DIR] [--run-id ID] [--fault STEP=fail|hang|slow]... [--time-scale N] [--verbose] [--keep-workdir] [--skip-preflight]
  dr-drill teardown <drill.yaml> --run-id ID [--target T] [--out DIR]
                                                 only the drill's finally steps, for a run whose teardown was cut short
  dr-drill plan <drill.yaml> [--target T]        what would run, in order, with timeouts; touches nothing
  dr-drill validate <drill.yaml>...              check drill files; errors as file:line:column
  dr-drill report <result.json> [--out DIR]      re-render the reports from a result
  dr-drill trend [--history DIR] [--result FILE]... [--last N] [--drill NAME] [--out DIR] [--chart-url URL]
                                                 RTO/RPO trend of past runs: trend.md and an SVG chart per drill
  dr-drill schema [--out FILE]                   the JSON Schema of drill files
  dr-drill kinds                                 the step kinds and what they do

Targets: ${TARGET_KINDS.join(', ')}
Exit codes: 0 passed · 1 a step failed · 2 an objective was missed · 3 invalid input · 4 internal error · 130 cancelled`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'teardown':
        return await runCommand(rest, io, 'teardown');
      case 'plan':
        return await planCommand(rest, io);
      case 'validate':
        return await validateCommand(rest, io);
      case 'report':
        return await reportCommand(rest, io);
      case 'trend':
        return await trendCommand(rest, io);
      case 'schema':
        return await schemaCommand(rest, io);
      case 'kinds':
        for (const kind of stepRegistry.values()) io.stdout(`${kind.kind.padEnd(18)} ${kind.summary}`);
        return EXIT.passed;
      case '--version':
      case 'version':
        io.stdout(VERSION);
        return EXIT.passed;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE);
        return command === undefined ? EXIT.invalidInput : EXIT.passed;
      default:
        throw new DrillError('EUSAGE', `unknown command "${command}"`, { details: USAGE });
    }
  } catch (error) {
    const masker = environmentMasker(io.env);
    io.stderr(masker.mask(formatError(error)));
    if (error instanceof DrillError || error instanceof DrillErrors) return error instanceof DrillError && error.code === 'EINTERNAL' ? EXIT.internalError : EXIT.invalidInput;
    io.stderr(masker.mask((error as Error)?.stack ?? ''));
    return EXIT.internalError;
  }
}

/** Errors outside a run (bad input, preflight) may quote the environment: mask what looks secret. */
function environmentMasker(env: Record<string, string | undefined>): Masker {
  const masker = new Masker();
  masker.addFromEnvironment(env);
  return masker;
}

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new DrillError('EUSAGE', (error as Error).message, { details: 'see dr-drill --help' });
  }
}

function targetOption(value: unknown): TargetKind | undefined {
  if (value === undefined) return undefined;
  if (!TARGET_KINDS.includes(value as TargetKind)) throw new DrillError('EUSAGE', `unknown target "${String(value)}"`, { details: `use one of: ${TARGET_KINDS.join(', ')}` });
  return value as TargetKind;
}

function oneDrill(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new DrillError('EUSAGE', `${command} takes one drill file`, { details: `e.g. dr-drill ${command} drills/cold-start.yaml` });
  return positionals[0]!;
}

/** `run` replays the drill; `teardown` runs only its `finally` steps for an earlier run id. */
async function runCommand(args: string[], io: CliIo, mode: 'run' | 'teardown' = 'run'): Promise<number> {
  const { values, positionals } = parse(args, {
    target: { type: 'string' },
    out: { type: 'string', default: mode === 'run' ? 'reports' : 'reports/teardown' },
    fault: { type: 'string', multiple: true, default: [] },
    'time-scale': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'keep-workdir': { type: 'boolean', default: false },
    'skip-preflight': { type: 'boolean', default: false },
    'run-id': { type: 'string' },
  });
  const file = oneDrill(positionals, mode);
  const runId = runIdOption(values['run-id'] as string | undefined, io.env, mode);
  const faults = parseFaults(values.fault as string[]);
  const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale']);
  if (timeScale !== undefined && !(timeScale > 0)) throw new DrillError('EUSAGE', `--time-scale must be a positive number, got "${String(values['time-scale'])}"`);
  const target = targetOption(values.target);
  const masker = new Masker();
  const print = createProgressPrinter((line) => io.stdout(masker.mask(line)), { verbose: values.verbose as boolean, color: io.isTty ?? false });
  const outDir = values.out as string;
  const { result, files } = await runDrill({
    file,
    outDir,
    faults,
    masker,
    env: io.env,
    onEvent: print,
    keepWorkDir: values['keep-workdir'] as boolean,
    skipPreflight: values['skip-preflight'] as boolean,
    teardownOnly: mode === 'teardown',
    ...(runId ? { runId } : {}),
    ...(target ? { target } : {}),
    ...(timeScale ? { timeScale } : {}),
    ...(io.cancelSignal ? { cancelSignal: io.cancelSignal } : {}),
    ...(io.forceSignal ? { forceSignal: io.forceSignal } : {}),
  });
  print({ kind: 'drill.finished', atMs: result.run.durationMs, status: result.status, reason: result.reason });
  for (const line of summaryLines(result)) io.stdout(line);
  io.stdout(`reports: ${files.map((written) => path.relative(process.cwd(), written) || written).join(', ')}`);
  return result.exitCode;
}

/** --run-id, else DR_DRILL_RUN_ID (CI sets it so a teardown job can name the same run); teardown needs one. */
function runIdOption(flag: string | undefined, env: Record<string, string | undefined>, mode: 'run' | 'teardown'): string | undefined {
  const runId = flag ?? (env.DR_DRILL_RUN_ID || undefined);
  if (runId === undefined) {
    if (mode === 'teardown') throw new DrillError('EUSAGE', 'teardown needs the run id of the drill to tear down', { details: 'pass --run-id ID (or DR_DRILL_RUN_ID), the id the run printed and wrote to result.json (run.id)' });
    return undefined;
  }
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new DrillError('EUSAGE', `run id "${runId}" is not usable in workspace and object names`, { details: 'use lowercase letters, digits and dashes, at most 40 characters, e.g. gh-12345-1' });
  }
  return runId;
}

function parseFaults(specs: string[]): Map<string, Fault> {
  const faults = new Map<string, Fault>();
  for (const spec of specs) {
    const [stepId, fault] = spec.split('=');
    if (!stepId || !FAULTS.includes(fault as Fault)) {
      throw new DrillError('EUSAGE', `--fault "${spec}" is not STEP=${FAULTS.join('|')}`, { details: 'e.g. --fault velero-restore=fail' });
    }
    faults.set(stepId, fault as Fault);
  }
  return faults;
}

async function planCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { target: { type: 'string' } });
  const target = targetOption(values.target);
  const plan = await loadPlan(oneDrill(positionals, 'plan'), target);
  io.stdout(renderPlan(plan));
  return EXIT.passed;
}

async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length === 0) throw new DrillError('EUSAGE', 'validate takes one or more drill files', { details: 'e.g. dr-drill validate drills/*.yaml' });
  let failed = false;
  for (const file of positionals) {
    try {
      // The default target and every target the drill configures: an override is only checked when planned.
      const loaded = await loadDrillFile(file);
      const targets = [...new Set([loaded.spec.target, ...(Object.keys(loaded.spec.targets) as TargetKind[])])];
      const plans = targets.map((target) => buildPlan(loaded, stepRegistry, { target }));
      const plan = plans[0]!;
      io.stdout(`${file}: valid for ${targets.join(', ')} (${plan.steps.length} steps in ${plan.phases.length} phases, ${plan.finallySteps.length} finally)`);
    } catch (error) {
      failed = true;
      io.stderr(environmentMasker(io.env).mask(formatError(error)));
    }
  }
  return failed ? EXIT.invalidInput : EXIT.passed;
}

async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  if (positionals.length !== 1) throw new DrillError('EUSAGE', 'report takes one result.json', { details: 'e.g. dr-drill report reports/result.json --out rendered/' });
  const file = positionals[0]!;
  const result = await readResult(file);
  const masker = environmentMasker(io.env);
  const outDir = (values.out as string | undefined) ?? path.dirname(file);
  // The step logs stay next to the result: JUnit attachments point there, relative to the working directory as GitLab reads them.
  const logsDir = path.relative(process.cwd(), path.resolve(path.dirname(file))).split(path.sep).join('/');
  const files = await writeReports(result, outDir, masker, { reportDirForAttachments: logsDir });
  io.stdout(`reports: ${files.join(', ')}`);
  return EXIT.passed;
}

async function trendCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    history: { type: 'string', default: '.dr-drill/history' },
    result: { type: 'string', multiple: true, default: [] },
    last: { type: 'string', default: '10' },
    drill: { type: 'string' },
    out: { type: 'string', default: 'reports' },
    'chart-url': { type: 'string' },
  });
  if (positionals.length > 0) throw new DrillError('EUSAGE', `trend takes no positional arguments, got "${positionals.join(' ')}"`, { details: 'e.g. dr-drill trend --history .dr-drill/history --last 10 --out reports' });
  const last = Number(values.last);
  if (!Number.isInteger(last) || last < 1) throw new DrillError('EUSAGE', `--last must be a whole number of runs (1 or more), got "${String(values.last)}"`);
  const history = await readHistory(values.history as string);
  for (const skipped of history.skipped) io.stderr(`skipped ${skipped.file}: ${skipped.reason}`);
  const results = [...history.results];
  for (const file of values.result as string[]) {
    const extra = await readResult(file);
    if (!results.some((known) => known.drill.name === extra.drill.name && known.run.id === extra.run.id)) results.push(extra);
  }
  results.sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt));
  const masker = new Masker();
  masker.addFromEnvironment(io.env);
  const chartBaseUrl = values['chart-url'] as string | undefined;
  const drill = values.drill as string | undefined;
  const output = await writeTrendReport(results, values.out as string, masker, { last, ...(drill ? { drill } : {}), ...(chartBaseUrl ? { chartBaseUrl } : {}) });
  io.stdout(`trend of ${results.length} run(s) of ${output.drills.length} drill(s): ${output.files.join(', ')}`);
  return EXIT.passed;
}

async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' } });
  const text = `${JSON.stringify(drillJsonSchema([...stepRegistry.values()]), null, 2)}\n`;
  if (values.out) await writeFile(values.out as string, text);
  else io.stdout(text.trimEnd());
  return EXIT.passed;
}
