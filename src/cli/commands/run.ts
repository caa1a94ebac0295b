/** `dr-drill run`: replay a drill, print progress and the achieved RTO/RPO; the exit code is the verdict. */
import path from 'node:path';
import type { FaultName } from '../../drill/faults.ts';
import { DrillError } from '../../util/errors.ts';
import { formatDuration } from '../../util/duration.ts';
import type { ControlProgress } from '../../controls/run-controls.ts';
import { onePositional, type CommandSpec, type OptionSpec, type ParsedArgs } from '../args.ts';
import type { CliIo, Command } from '../io.ts';
import { targetOption } from './target-option.ts';

/** The faults of drill/faults.ts (FAULT_NAMES), spelled here so help loads no more code. */
const FAULT_NAMES = 'fail|hang|slow|tampered-backup|missing-canary|wrong-age-key|no-spare-capacity|node-without-kubelet|prune-disabled|source-controller-down|quota-exhausted|stale-decryption-secret|foreign-sops-file';

export const targetSpec: OptionSpec = { type: 'string', value: 'T', description: 'sim, local, kubeconfig or proxmox-talos; default: the drill file\'s target' };

export const spec: CommandSpec = {
  name: 'run',
  summary: 'replay a drill: provision, restore, check, always tear down; write the reports',
  synopsis: `<drill.yaml> [--target T] [--out DIR] [--run-id ID] [--fault STEP=${FAULT_NAMES}]... [--time-scale N] [--controls] [--verbose] [--keep-workdir] [--skip-preflight]`,
  options: {
    target: targetSpec,
    out: { type: 'string', value: 'DIR', default: 'reports', description: 'where result.json, junit.xml, summary.md and logs/ go' },
    'run-id': { type: 'string', value: 'ID', description: 'the run id (default: DR_DRILL_RUN_ID, else date and random)' },
    fault: { type: 'string', value: `STEP=${FAULT_NAMES}`, multiple: true, default: [], description: 'sim: make a step fail, hang or run ten times slower; local: plant a fault in the world the step meets (tampered-backup, missing-canary, wrong-age-key, no-spare-capacity, node-without-kubelet, prune-disabled, source-controller-down, quota-exhausted, stale-decryption-secret, foreign-sops-file; the README\'s table says which step kinds each goes into)' },
    'time-scale': { type: 'string', value: 'N', description: 'sim only: replay at N drill milliseconds per real millisecond to watch it (figures never depend on it)' },
    controls: { type: 'boolean', default: false, description: 'after the drill, run its negative controls (sim or local): each faulted re-run must turn red' },
    verbose: { type: 'boolean', default: false, description: 'also print the commands\' output' },
    'keep-workdir': { type: 'boolean', default: false, description: 'keep the run directory (kubeconfig, talosconfig) for debugging' },
    'skip-preflight': { type: 'boolean', default: false, description: 'leave out the checks of tools, credentials and isolation from production' },
  },
  examples: ['dr-drill run drills/cold-start.yaml --target sim', 'dr-drill run drills/cold-start.yaml --target sim --fault velero-restore=fail', 'dr-drill run drills/cold-start.yaml --target sim --controls', 'dr-drill run drills/cold-start.yaml --target local --controls'],
};

export const command: Command = { spec, run: (parsed, io) => runDrillCommand(parsed, io, 'run', spec) };

/** `run` replays the drill; `teardown` runs only its `finally` steps for an earlier run id. */
export async function runDrillCommand(parsed: ParsedArgs, io: CliIo, mode: 'run' | 'teardown', commandSpec: CommandSpec): Promise<number> {
  const { values } = parsed;
  const file = onePositional(parsed, commandSpec, 'drill file');
  const [{ runDrill }, { RUN_ID_PATTERN }, { FAULT_NAMES: FAULTS }, { Masker }, { createProgressPrinter }, { figuresTable }] = await Promise.all([
    import('../../run-drill.ts'),
    import('../../drill/plan.ts'),
    import('../../drill/faults.ts'),
    import('../../util/mask.ts'),
    import('../progress.ts'),
    import('../figures-table.ts'),
  ]);
  const runId = runIdOption(values['run-id'] as string | undefined, io.env, mode, RUN_ID_PATTERN);
  const faults = parseFaults((values.fault as string[] | undefined) ?? [], FAULTS);
  const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale']);
  if (timeScale !== undefined && !(timeScale > 0)) throw new DrillError('EUSAGE', `--time-scale must be a positive number, got "${String(values['time-scale'])}"`);
  const target = await targetOption(values.target);
  const masker = new Masker();
  const print = createProgressPrinter((line) => io.stdout(masker.mask(line)), { verbose: values.verbose as boolean, color: io.isTty ?? false });
  const { result, files } = await runDrill({
    file,
    outDir: values.out as string,
    faults,
    masker,
    env: io.env,
    onEvent: print,
    onControl: (progress) => io.stdout(masker.mask(controlLine(progress))),
    onControlStep: (control, event) => io.stdout(masker.mask(`  control ${control} │ ✖ ${event.stepId} ${event.status} in ${formatDuration(event.durationMs)}${event.error ? `: ${event.error.code} ${event.error.message.split('\n')[0]}` : ''}`)),
    keepWorkDir: values['keep-workdir'] as boolean,
    skipPreflight: values['skip-preflight'] as boolean,
    teardownOnly: mode === 'teardown',
    controls: (values.controls as boolean | undefined) ?? false,
    ...(runId ? { runId } : {}),
    ...(target ? { target } : {}),
    ...(timeScale ? { timeScale } : {}),
    ...(io.cancelSignal ? { cancelSignal: io.cancelSignal } : {}),
    ...(io.forceSignal ? { forceSignal: io.forceSignal } : {}),
  });
  print({ kind: 'drill.finished', atMs: result.run.durationMs, status: result.status, reason: result.reason });
  for (const control of result.controls ?? []) io.stdout(`  control ${control.name}: ${control.status}: ${control.reason}`);
  io.stdout(`reports: ${files.map((written) => path.relative(process.cwd(), written) || written).join(', ')}`);
  // Last, so the figures are what a CI job log ends with, whatever the verdict.
  for (const line of figuresTable(result)) io.stdout(masker.mask(line));
  return result.exitCode;
}

/** A control's faulted re-run, as the job log shows it while the controls run (they take as long as the drill, each). */
function controlLine(progress: ControlProgress): string {
  if (progress.kind === 'started') {
    const faults = Object.entries(progress.faults).map(([step, fault]) => `${step}=${fault}`).join(', ');
    return `▶ control ${progress.name} (${progress.index}/${progress.total}): a faulted re-run of the drill with ${faults}; it must turn red`;
  }
  const { result, durationMs } = progress;
  return `${result.status === 'detected' ? '✔' : result.status === 'not-applicable' ? '⏭' : '✖'} control ${result.name} ${result.status}${result.status === 'not-applicable' ? '' : ` in ${formatDuration(durationMs)}`}`;
}

/** --run-id, else DR_DRILL_RUN_ID (CI sets it so a teardown job can name the same run); teardown needs one. */
function runIdOption(flag: string | undefined, env: Record<string, string | undefined>, mode: 'run' | 'teardown', pattern: RegExp): string | undefined {
  const runId = flag ?? (env.DR_DRILL_RUN_ID || undefined);
  if (runId === undefined) {
    if (mode === 'teardown') throw new DrillError('EUSAGE', 'teardown needs the run id of the drill to tear down', { details: 'pass --run-id ID (or DR_DRILL_RUN_ID), the id the run printed and wrote to result.json (run.id)' });
    return undefined;
  }
  if (!pattern.test(runId)) {
    throw new DrillError('EUSAGE', `run id "${runId}" is not usable in workspace and object names`, { details: 'use lowercase letters, digits and dashes, at most 40 characters, e.g. gh-12345-1' });
  }
  return runId;
}

function parseFaults(specs: string[], known: readonly FaultName[]): Map<string, FaultName> {
  const faults = new Map<string, FaultName>();
  for (const spec of specs) {
    const [stepId, fault] = spec.split('=');
    if (!stepId || !known.includes(fault as FaultName)) {
      throw new DrillError('EUSAGE', `--fault "${spec}" is not STEP=${known.join('|')}`, { details: 'e.g. --fault velero-restore=fail' });
    }
    faults.set(stepId, fault as FaultName);
  }
  return faults;
}
