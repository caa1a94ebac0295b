/** Assemble the one result from the plan and what the engine recorded. */
import type { Plan } from '../drill/plan.ts';
import type { EngineOutcome, StepRecord } from '../engine/run.ts';
import { measureMilestones } from './milestones.ts';
import { measureRpo } from './rpo.ts';
import { formatDuration } from '../util/duration.ts';
import type { Masker } from '../util/mask.ts';
import { EXIT } from '../result/exit-codes.ts';
import { objectiveFailed, RESULT_SCHEMA_VERSION, type DrillResult, type DrillStatus, type PhaseResult, type StepError, type StepResult, type StepStatus, type RunInfo } from '../result/model.ts';

export interface ResultMeta {
  runId: string;
  toolVersion: string;
  clock: 'real' | 'virtual';
  timeScale: number;
  ci?: RunInfo['ci'];
  logFiles: Map<string, string>;
  /** Errors outside any step (a crash). */
  errors?: StepError[];
}

export function buildResult(plan: Plan, outcome: EngineOutcome, meta: ResultMeta, masker: Masker): DrillResult {
  const steps = [...plan.steps, ...plan.finallySteps].map((step) => stepResult(outcome.records.get(step.id)!, meta.logFiles.get(step.id)));
  const phases: PhaseResult[] = plan.phases.map((phase) => phaseResult(phase.name, phase.dependsOn, phase.stepIds, outcome.records));
  if (plan.finallySteps.length > 0) phases.push(phaseResult('finally', [], plan.finallySteps.map((step) => step.id), outcome.records));
  const milestones = measureMilestones(plan.milestones, outcome.records, plan.target);
  const rpo = measureRpo(plan.rpoObjectives, outcome.rpoSamples, outcome.records, plan.target);
  const errors = meta.errors ?? [];
  const { status, exitCode, reason } = decideVerdict(steps, milestones, rpo, outcome, errors);

  const result: DrillResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'dr-drill', version: meta.toolVersion },
    drill: { name: plan.drill.name, file: plan.file, scenario: plan.drill.scenario },
    run: {
      id: meta.runId,
      target: plan.target,
      startedAt: new Date(outcome.t0).toISOString(),
      endedAt: new Date(outcome.t0 + outcome.endMs).toISOString(),
      durationMs: outcome.endMs,
      clock: meta.clock,
      timeScale: meta.timeScale,
    },
    status,
    reason,
    exitCode,
    phases,
    steps,
    milestones,
    rpo,
    errors,
  };
  if (plan.drill.description) result.drill.description = plan.drill.description;
  if (meta.ci) result.run.ci = meta.ci;
  return masker.maskDeep(result);
}

function stepResult(record: StepRecord, logFile: string | undefined): StepResult {
  const { step } = record;
  const result: StepResult = {
    id: step.id,
    name: step.name,
    kind: step.kind,
    phase: step.phase,
    finally: step.finally,
    status: record.status,
    timeoutMs: step.timeoutMs,
    attempts: record.attempts,
    outputs: record.outputs,
    dependsOn: step.dependsOn,
  };
  if (record.reason) result.reason = record.reason;
  if (step.standIn) result.standIn = step.standIn;
  if (record.startMs !== undefined) result.startMs = record.startMs;
  if (record.endMs !== undefined) result.endMs = record.endMs;
  if (record.startMs !== undefined && record.endMs !== undefined) result.durationMs = record.endMs - record.startMs;
  if (record.error) result.error = record.error;
  if (record.warnings?.length) result.warnings = record.warnings;
  if (record.observedSince) {
    result.observedSinceMs = record.observedSince.ms;
    result.observedSinceSource = record.observedSince.source;
  }
  if (logFile) result.logFile = logFile;
  if (step.location.line !== undefined) result.location = { file: step.location.file, line: step.location.line };
  return result;
}

function phaseResult(name: string, dependsOn: string[], stepIds: string[], records: Map<string, StepRecord>): PhaseResult {
  const steps = stepIds.map((id) => records.get(id)!);
  const started = steps.filter((record) => record.startMs !== undefined);
  const result: PhaseResult = { name, dependsOn, status: phaseStatus(steps.map((record) => record.status)), steps: stepIds };
  if (started.length > 0) {
    result.startMs = Math.min(...started.map((record) => record.startMs!));
    result.endMs = Math.max(...started.map((record) => record.endMs ?? record.startMs!));
    result.durationMs = result.endMs - result.startMs;
  }
  return result;
}

function phaseStatus(statuses: StepStatus[]): StepStatus {
  for (const status of ['failed', 'timed-out', 'cancelled', 'skipped', 'not-run'] as const) if (statuses.includes(status)) return status;
  return 'passed';
}

function decideVerdict(
  steps: StepResult[],
  milestones: DrillResult['milestones'],
  rpo: DrillResult['rpo'],
  outcome: EngineOutcome,
  errors: StepError[],
): { status: DrillStatus; exitCode: number; reason: string } {
  const broken = steps.filter((step) => step.status === 'failed' || step.status === 'timed-out');
  const brokenTeardown = broken.filter((step) => step.finally);
  const teardownNote = brokenTeardown.length > 0 ? `; teardown step ${brokenTeardown.map((step) => step.id).join(', ')} failed: resources may be left behind` : '';
  if (errors.length > 0) {
    return { status: 'error', exitCode: EXIT.internalError, reason: `dr-drill failed: ${errors[0]!.message}${teardownNote}` };
  }
  if (outcome.cancelled) {
    return { status: 'cancelled', exitCode: EXIT.cancelled, reason: `cancelled (${outcome.cancelReason ?? 'signal'})${teardownNote}` };
  }
  const mainBroken = broken.filter((step) => !step.finally);
  if (mainBroken.length > 0) {
    const first = mainBroken[0]!;
    return {
      status: 'failed',
      exitCode: EXIT.stepFailed,
      reason: `step ${first.id} ${first.status === 'timed-out' ? 'timed out' : 'failed'}: ${first.error?.message ?? 'no message'}${teardownNote}`,
    };
  }
  if (brokenTeardown.length > 0) {
    return { status: 'failed', exitCode: EXIT.stepFailed, reason: teardownNote.slice(2) };
  }
  const missed = [
    ...milestones
      .filter((milestone) => objectiveFailed(milestone.verdict))
      .map((milestone) =>
        milestone.verdict === 'missed' ? `RTO ${milestone.name} ${formatDuration(milestone.rtoMs!)} > ${formatDuration(milestone.objectiveMs!)}` : `RTO ${milestone.name} ${milestone.reason}`,
      ),
    ...rpo
      .filter((entry) => objectiveFailed(entry.verdict))
      .map((entry) => (entry.verdict === 'missed' ? `RPO ${entry.dataClass} ${formatDuration(entry.achievedMs!)} > ${formatDuration(entry.objectiveMs!)}` : `RPO ${entry.dataClass} ${entry.reason}`)),
  ];
  if (missed.length > 0) return { status: 'failed', exitCode: EXIT.objectiveMissed, reason: `objective missed: ${missed.join('; ')}` };
  if (steps.every((step) => step.finally)) return { status: 'passed', exitCode: EXIT.passed, reason: 'teardown only: every finally step passed' };
  return { status: 'passed', exitCode: EXIT.passed, reason: 'every step passed and every objective was met' };
}
