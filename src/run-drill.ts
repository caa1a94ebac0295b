/**
 * One drill run from file to reports: load and plan (nothing is touched if that fails), open the
 * target, run the engine with cancellation, build the one result, write every report. A result
 * and its reports are written whatever happens after planning: failure, cancellation, a crash.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadDrillFile, type LoadedDrill } from './drill/load.ts';
import { buildPlan, teardownPlan, type Plan } from './drill/plan.ts';
import type { TargetKind } from './drill/schema.ts';
import type { DrillEvent, EventOf } from './engine/events.ts';
import { runEngine, toStepError, type EngineOutcome, type StepRecord } from './engine/run.ts';
import { buildResult } from './measure/build-result.ts';
import type { DrillResult, StepError } from './result/model.ts';
import { writeReports } from './report/write.ts';
import { stepRegistry } from './steps/registry.ts';
import { createTarget } from './targets/create.ts';
import { runPreflight } from './preflight/index.ts';
import { faultProblem, injectsFaults, TARGET_FAULTS, type FaultName } from './drill/faults.ts';
import { detectCi } from './ci/detect.ts';
import { runControls, withControls, type ControlProgress } from './controls/run-controls.ts';
import { clearPreviousRun } from './report/clear-previous.ts';
import { DrillError, DrillErrors } from './util/errors.ts';
import { Masker } from './util/mask.ts';
import { assertOutDirUsable, claimOutDir } from './util/out-dir.ts';
import { outputLimits } from './util/output-limits.ts';
import { VERSION } from './version.ts';

export interface RunDrillOptions {
  file: string;
  target?: TargetKind;
  outDir: string;
  /** Faults to inject, by step id (--fault; a control's faults): each must be one the target injects. */
  faults?: Map<string, FaultName>;
  timeScale?: number;
  env?: Record<string, string | undefined>;
  cancelSignal?: AbortSignal;
  forceSignal?: AbortSignal;
  onEvent?: (event: DrillEvent) => void;
  /** With controls: each control's faulted re-run starting and ending. */
  onControl?: (progress: ControlProgress) => void;
  /** With controls: a step of a faulted re-run that did not pass. */
  onControlStep?: (control: string, event: EventOf<'step.finished'>) => void;
  /** Keep the run directory (kubeconfig, talosconfig, clones) for debugging. */
  keepWorkDir?: boolean;
  runId?: string;
  masker?: Masker;
  /** Leave out the preflight checks (tools, credentials, age key, Git remotes, isolation from production). */
  skipPreflight?: boolean;
  /** Run only the `finally` steps, for a run (runId) whose own teardown was cut short. */
  teardownOnly?: boolean;
  /** After the drill, run its negative controls (each a faulted re-run that must turn red). */
  controls?: boolean;
}

export interface RunDrillOutcome {
  result: DrillResult;
  files: string[];
  workDir: string;
}

/** The plan for one target, after the drill was checked for every target it configures (as `validate` does). */
export async function loadPlan(file: string, target?: TargetKind): Promise<Plan> {
  return planForTarget(await loadDrillFile(file), target);
}

function planForTarget(loaded: LoadedDrill, target?: TargetKind): Plan {
  const wanted = target ?? loaded.spec.target;
  for (const other of new Set([loaded.spec.target, ...(Object.keys(loaded.spec.targets) as TargetKind[])])) {
    if (other !== wanted) buildPlan(loaded, stepRegistry, { target: other });
  }
  return buildPlan(loaded, stepRegistry, { target: wanted });
}

export async function runDrill(options: RunDrillOptions): Promise<RunDrillOutcome> {
  const env = options.env ?? process.env;
  // One load: the plan, and the file's positions for preflight's messages.
  const drillFile = await loadDrillFile(options.file);
  const loaded = planForTarget(drillFile, options.target);
  const plan = options.teardownOnly ? teardownPlan(loaded) : loaded;
  const masker = options.masker ?? new Masker();
  masker.addFromEnvironment(env, plan.secretEnv);
  validateFaults(plan, options.faults);
  if (options.controls && !options.teardownOnly && plan.controls.length > 0 && !injectsFaults(plan.target)) {
    throw new DrillError('EUSAGE', `--controls: the ${plan.target} target injects no faults, so no control can run there`, { details: `run the controls with --target ${Object.keys(TARGET_FAULTS).filter((kind) => injectsFaults(kind as TargetKind)).join(' or --target ')}, or drop --controls` });
  }
  const uninjectable = options.controls && !options.teardownOnly ? plan.controls.flatMap((control) => control.problems) : [];
  if (uninjectable.length > 0) throw new DrillErrors(uninjectable);

  const runId = options.runId ?? `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  outputLimits(env);
  // Refused before anything else; created and locked only once preflight passed, so a refused drill leaves nothing behind.
  assertOutDirUsable(options.outDir);
  // The target stages what survives the disaster (the local target's Git server and backups) before T0.
  const session = await createTarget(plan, { faults: options.faults ?? new Map(), ...(options.timeScale ? { timeScale: options.timeScale } : {}), env });
  for (const secret of session.secretValues?.() ?? []) masker.add(secret);
  // Before anything is provisioned (before T0): one list of what is missing, or no run at all.
  if (!options.skipPreflight) {
    // A teardown must not be stopped by an empty age key or an unreachable Git remote: it only
    // needs its tools, and the guarantee that it points at no production resource.
    await runPreflight(plan, { env, runId, loaded: drillFile, session, registry: stepRegistry, ...(options.cancelSignal ? { signal: options.cancelSignal } : {}), ...(options.teardownOnly ? { only: ['tools', 'isolation'] as const } : {}) }).catch(async (error: unknown) => {
      await session.close();
      throw error;
    });
  }
  let outDirLock: ReturnType<typeof claimOutDir>;
  try {
    outDirLock = claimOutDir(options.outDir, runId);
  } catch (error) {
    await session.close();
    throw error;
  }
  using _outDirLock = outDirLock;
  const workDir = await mkdtemp(path.join(os.tmpdir(), `dr-drill-${runId}-`)).catch(async (error: unknown) => {
    await session.close();
    throw error;
  });
  // A teardown continues the run whose reports are there; any other run starts from a clean --out.
  if (!options.teardownOnly) clearPreviousRun(options.outDir);
  const logDir = path.join(options.outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFiles = new Map<string, string>();
  const appendLog = (stepId: string, line: string) => {
    const relative = `logs/${stepId}.log`;
    logFiles.set(stepId, relative);
    appendFileSync(path.join(options.outDir, relative), `${masker.mask(line)}\n`);
  };

  const ci = detectCi(env);
  let outcome: EngineOutcome;
  const errors: StepError[] = [];
  const t0 = session.clock.now();
  session.declareDisaster(t0);
  try {
    outcome = await runEngine({
      t0,
      plan,
      registry: stepRegistry,
      session,
      clock: session.clock,
      runId,
      workDir,
      env,
      masker,
      cancelSignal: options.cancelSignal ?? new AbortController().signal,
      ...(options.forceSignal ? { forceSignal: options.forceSignal } : {}),
      onEvent: options.onEvent ?? (() => undefined),
      onLogLine: appendLog,
    });
    errors.push(...outcome.errors);
  } catch (error) {
    // The engine records its own crashes and still tears down; this is the last resort.
    errors.push(toStepError(error instanceof DrillError ? error : new DrillError('EINTERNAL', `dr-drill crashed: ${(error as Error)?.stack ?? String(error)}`), masker));
    outcome = crashedOutcome(plan, t0);
  } finally {
    // What the target started outside any step (the local target's Git server, a cluster a
    // cancelled step left starting) is stopped here; a failure to stop is reported, never dropped.
    await session.close().catch((error: unknown) => errors.push(toStepError(error, masker)));
    if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  }

  let result = buildResult(plan, outcome, { runId, toolVersion: VERSION, clock: session.clock.kind, timeScale: session.clock.kind === 'real' ? 1 : (session.clock.pace ?? 0), logFiles, errors, ...(ci ? { ci } : {}) }, masker);
  result.run.preflight = options.skipPreflight ? 'skipped' : 'passed';
  if (options.faults?.size) result.run.faults = Object.fromEntries(options.faults);
  const reportOptions = { reportDirForAttachments: path.relative(process.cwd(), path.resolve(options.outDir)).split(path.sep).join('/') };
  let files = await writeReports(result, options.outDir, masker, reportOptions);
  if (options.controls && !options.teardownOnly && plan.controls.length > 0) {
    const controls = await runControls(result, plan.controls, {
      outDir: options.outDir,
      ...(options.cancelSignal ? { signal: options.cancelSignal } : {}),
      ...(options.onControl ? { onProgress: options.onControl } : {}),
      runFaulted: async (control, faults, controlRunId, outDir) => {
        // Of a faulted run, only the steps that did not pass are news to the person watching.
        const onEvent = (event: DrillEvent) => {
          if (event.kind === 'step.finished' && event.status !== 'passed') options.onControlStep?.(control.name, event);
        };
        const faulted = await runDrill({ ...options, faults, runId: controlRunId, outDir, masker, controls: false, onEvent });
        return { result: faulted.result, reportDir: outDir };
      },
    });
    result = withControls(result, controls);
    files = await writeReports(result, options.outDir, masker, reportOptions);
  }
  return { result, files, workDir };
}

/** --fault and a control's faults: steps the plan has, and faults this target injects into their kinds. */
function validateFaults(plan: Plan, faults: Map<string, FaultName> | undefined): void {
  if (!faults || faults.size === 0) return;
  if (!injectsFaults(plan.target)) {
    throw new DrillError('EUSAGE', `--fault: the ${plan.target} target injects no faults`, { details: 'add --target sim (step faults) or --target local (faults planted in the world the step meets), or drop --fault' });
  }
  const steps = new Map([...plan.steps, ...plan.finallySteps].map((step) => [step.id, step]));
  for (const [stepId, fault] of faults) {
    const step = steps.get(stepId);
    if (!step) throw new DrillError('EUSAGE', `--fault names unknown step "${stepId}"`, { details: `steps: ${[...steps.keys()].join(', ')}` });
    const problem = step.notApplicable ? { message: `step "${stepId}" is not applicable on ${plan.target}`, fix: 'fault a step that runs on this target' } : faultProblem(plan.target, fault, stepId, step.kind);
    if (problem) throw new DrillError('EUSAGE', `--fault ${stepId}=${fault}: ${problem.message}`, { details: problem.fix });
  }
}

function crashedOutcome(plan: Plan, now: number): EngineOutcome {
  const records = new Map<string, StepRecord>();
  for (const step of [...plan.steps, ...plan.finallySteps]) records.set(step.id, { step, status: 'not-run', reason: 'not run: dr-drill crashed before it', attempts: [], outputs: {} });
  return { t0: now, endMs: 0, records, rpoSamples: [], cancelled: false, cancelReason: undefined, errors: [] };
}
