/**
 * JUnit XML from a result: one testsuite per phase (plus `finally` and `objectives`), one
 * testcase per step and per objective. GitLab shows the classname as the suite, so it is
 * `<drill>.<phase>`. A failed step carries its log as `[[ATTACHMENT|path]]` in system-out, the
 * only place GitLab reads attachments from.
 */
import junitModule, { type Builder } from 'junit-report-builder';
import path from 'node:path';
import type { DrillResult, MilestoneResult, RpoResult, StepResult } from '../result/model.ts';
import { figureSeconds, formatDuration } from '../util/duration.ts';
import { achievedRpo, achievedRto } from './figures.ts';

export interface JunitOptions {
  /** Directory of the reports as the CI job sees it (relative to the project root), for attachment paths. */
  reportDir?: string;
}

// The package is CommonJS whose typings declare an ES default export; at run time the default
// import is the builder itself.
const rootBuilder = junitModule as unknown as Builder;

const seconds = (ms: number | undefined) => Math.max(0, figureSeconds(ms ?? 0));
const exactSeconds = (ms: number) => String(figureSeconds(ms));

export function renderJunit(result: DrillResult, options: JunitOptions = {}): string {
  const builder = rootBuilder.newBuilder().name(`dr-drill ${result.drill.name}`);
  const t0 = Date.parse(result.run.startedAt);
  const stepsById = new Map(result.steps.map((step) => [step.id, step]));

  for (const phase of result.phases) {
    const suite = builder
      .testSuite()
      .name(`${result.drill.name} / ${phase.name}`)
      .timestamp(new Date(t0 + (phase.startMs ?? 0)))
      .time(seconds(phase.durationMs));
    for (const stepId of phase.steps) {
      const step = stepsById.get(stepId);
      if (step) addStep(suite.testCase(), step, result, options);
    }
  }

  const objectives = builder.testSuite().name(`${result.drill.name} / objectives`).timestamp(new Date(t0)).time(seconds(result.run.durationMs));
  for (const [name, value] of runProperties(result)) objectives.property(name, value);
  for (const milestone of result.milestones) addMilestone(objectives.testCase(), milestone, result);
  for (const rpo of result.rpo) addRpo(objectives.testCase(), rpo, result);
  for (const error of result.errors) {
    objectives
      .testCase()
      .className(`${result.drill.name}.run`)
      .name('dr-drill run')
      .error(error.message, error.code)
      .standardOutput(error.details ?? error.message);
  }
  if (result.controls?.length) {
    const controls = builder.testSuite().name(`${result.drill.name} / negative-controls`).timestamp(new Date(t0));
    for (const control of result.controls) {
      const testCase = controls.testCase().className(`${result.drill.name}.negative-controls`).name(`control ${control.name}: ${control.description ?? Object.entries(control.faults).map(([step, fault]) => `${step}=${fault}`).join(', ')}`);
      if (control.status === 'not-detected') testCase.failure(`not detected: ${control.reason}`, 'ECONTROL');
      else if (control.status === 'not-run') testCase.skipped();
      testCase.standardOutput(`${control.status}: ${control.reason}${control.reportDir ? `\nreports: ${control.reportDir}` : ''}`);
    }
  }
  // The JUnit schema GitLab and Jenkins follow has no `skipped` on <testsuites>; the suites carry it.
  return builder.build().replace(/^(<testsuites\b[^>]*?) skipped="\d+"/m, '$1');
}

type TestCase = ReturnType<Builder['testCase']>;

function addStep(testCase: TestCase, step: StepResult, result: DrillResult, options: JunitOptions): void {
  testCase
    .className(`${result.drill.name}.${step.phase}`)
    .name(`${step.name} [${step.kind}]`)
    .time(seconds(step.durationMs));
  // A stand-in says what it stood for first, whatever else the case prints (testcase has no properties in the schema).
  const standIn = step.standIn ? `stand-in for: ${step.standIn}\n` : '';
  const attempts = step.attempts.length > 1 ? ` after ${step.attempts.length} attempts` : '';
  const attachment = step.logFile ? `\n[[ATTACHMENT|${options.reportDir ? path.posix.join(options.reportDir, step.logFile) : step.logFile}]]` : '';
  const warnings = step.warnings?.length ? `\nwarnings:\n${step.warnings.map((warning) => `- ${warning}`).join('\n')}` : '';
  switch (step.status) {
    case 'passed':
      if (step.logFile || warnings || standIn) testCase.standardOutput(`${standIn}passed in ${formatDuration(step.durationMs ?? 0)}${attempts}${warnings}${attachment}`);
      break;
    case 'failed':
    case 'timed-out':
      testCase
        .failure(`${step.finally ? 'teardown ' : ''}${step.status === 'timed-out' ? 'timed out' : 'failed'}${attempts}: ${step.error?.message ?? ''}`, step.error?.code ?? 'ESTEPFAILED')
        .standardOutput(`${standIn}${step.error?.code ?? ''} ${step.error?.message ?? ''}\n${step.error?.details ?? ''}${warnings}${attachment}`.trim());
      break;
    case 'cancelled':
      testCase.error(step.error?.message ?? 'cancelled', 'ECANCELLED').standardOutput(`${standIn}${step.error?.message ?? 'cancelled'}${attachment}`);
      break;
    default:
      testCase.skipped().standardOutput(`${standIn}${step.reason ?? step.status}`);
  }
}

function addMilestone(testCase: TestCase, milestone: MilestoneResult, result: DrillResult): void {
  const objective = milestone.objectiveMs === undefined ? '' : ` <= ${formatDuration(milestone.objectiveMs)}`;
  testCase
    .className(`${result.drill.name}.objectives`)
    .name(`RTO ${milestone.name}${objective}`)
    .time(seconds(milestone.rtoMs));
  const achieved = achievedRto(milestone);
  const path = milestone.criticalPath.length > 0 ? `\ncritical path: ${milestone.criticalPath.join(' -> ')}` : '';
  const reason = milestone.reason ? `\n${milestone.reason}` : '';
  if (milestone.verdict === 'missed') testCase.failure(`RTO ${milestone.name} missed: ${achieved} > ${formatDuration(milestone.objectiveMs!)}`, 'EOBJECTIVE');
  else if (milestone.verdict === 'not-reached') testCase.failure(`milestone ${milestone.name} ${milestone.reason ?? 'not reached'} (objective ${formatDuration(milestone.objectiveMs!)})`, 'EOBJECTIVE');
  else if (milestone.verdict === 'not-measured') testCase.failure(`milestone ${milestone.name} ${milestone.reason ?? 'not measured'} (objective ${formatDuration(milestone.objectiveMs!)})`, 'EOBJECTIVE');
  else if (!milestone.reached) testCase.skipped();
  testCase.standardOutput(`achieved RTO ${achieved}${objective ? `, objective ${formatDuration(milestone.objectiveMs!)}` : ''}${path}${reason}`);
}

function addRpo(testCase: TestCase, rpo: RpoResult, result: DrillResult): void {
  const objective = rpo.objectiveMs === undefined ? '' : ` <= ${formatDuration(rpo.objectiveMs)}`;
  testCase.className(`${result.drill.name}.objectives`).name(`RPO ${rpo.dataClass}${objective}`).time(0);
  const achieved = achievedRpo(rpo);
  if (rpo.verdict === 'missed') testCase.failure(`RPO ${rpo.dataClass} missed: ${achieved} > ${formatDuration(rpo.objectiveMs!)}`, 'EOBJECTIVE');
  else if (rpo.verdict === 'not-reached' || rpo.verdict === 'not-measured') testCase.failure(`RPO ${rpo.dataClass} ${rpo.reason ?? 'not measured'}`, 'EOBJECTIVE');
  const samples = rpo.samples.map((sample) => `${sample.source}: ${formatDuration(sample.ageMs)} old (data from ${sample.dataTime})${sample.detail ? `; ${sample.detail}` : ''}`);
  testCase.standardOutput([`achieved RPO ${achieved}`, ...(rpo.reason ? [rpo.reason] : []), ...samples].join('\n'));
}

function runProperties(result: DrillResult): [string, string][] {
  const properties: [string, string][] = [
    ['drill', result.drill.name],
    ['scenario', result.drill.scenario],
    ['target', result.run.target],
    ['run_id', result.run.id],
    ['status', result.status],
    ['t0', result.run.startedAt],
    ['clock', result.run.clock ?? (result.run.timeScale === 1 ? 'real' : 'virtual')],
    ['time_scale', String(result.run.timeScale)],
  ];
  for (const milestone of result.milestones) {
    if (milestone.rtoMs !== undefined) properties.push([`rto.${milestone.name}.achieved_seconds`, exactSeconds(milestone.rtoMs)]);
    if (milestone.objectiveMs !== undefined) properties.push([`rto.${milestone.name}.objective_seconds`, exactSeconds(milestone.objectiveMs)]);
  }
  for (const rpo of result.rpo) {
    if (rpo.achievedMs !== undefined) properties.push([`rpo.${rpo.dataClass}.achieved_seconds`, exactSeconds(rpo.achievedMs)]);
    if (rpo.objectiveMs !== undefined) properties.push([`rpo.${rpo.dataClass}.objective_seconds`, exactSeconds(rpo.objectiveMs)]);
  }
  return properties;
}
