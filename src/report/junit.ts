/**
 * JUnit XML from a result, written for what its consumers actually read (GitLab's Ruby parser,
 * dorny/test-reporter, mikepenz/action-junit-report, Jenkins):
 *
 * - one testsuite per phase, numbered in run order (`cold-start / 01 provision`) because dorny
 *   sorts suites by name; then `finally`, `objectives` and the negative controls;
 * - failure, error and skip text in the element BODY (GitLab shows the body and turns an
 *   attribute-only element into a printed Ruby Hash) while `message`/`type` stay for the others;
 *   a skip's reason also rides in the case name, the only thing dorny and mikepenz show for it;
 * - times that add up: every consumer but dorny sums testcase times, so each instant of the drill
 *   is counted once, shared between the steps running at that moment (parallel phases), and
 *   objective cases take no time; `<testsuites time>` is the drill's duration;
 * - RTO and RPO figures in the objective case names, so both GitHub reporters show them;
 * - `file`/`line` on each step's case (GitLab, mikepenz) and a stack-trace line
 *   `at drills.Drill.<step>(cold-start.yaml:42)` in failure bodies (dorny maps it to the tracked
 *   file), so annotations land on the step in the drill file.
 *
 * `file`/`line` on testcase and `message` on skipped are outside the Jenkins JUnit 4 XSD; every
 * consumer above reads them, so they are written and the XSD check allows exactly these.
 */
import path from 'node:path';
import { PREFLIGHT_SKIPPED, type DrillResult, type MilestoneResult, type RpoResult, type StepResult } from '../result/model.ts';
import { figureSeconds, formatDuration } from '../util/duration.ts';
import { achievedRpo, achievedRto, measuredFrom } from './figures.ts';
import { wallTimeShares } from './time-shares.ts';
import { element, type XmlNode } from './xml.ts';

export interface JunitOptions {
  /** Directory of the reports as the CI job sees it (relative to the project root), for attachment paths. */
  reportDir?: string;
}

interface Case {
  classname: string;
  name: string;
  timeMs: number;
  file?: string;
  line?: number;
  outcome?: { kind: 'failure' | 'error' | 'skipped'; message: string; type?: string; body: string };
  systemOut?: string;
}

interface Suite {
  name: string;
  timestamp: string;
  cases: Case[];
  properties?: [string, string][];
}

const seconds = (ms: number) => String(figureSeconds(Math.max(0, ms)));

export function renderJunit(result: DrillResult, options: JunitOptions = {}): string {
  const t0 = Date.parse(result.run.startedAt);
  const shares = wallTimeShares(result.steps, result.run.durationMs);
  const stepsById = new Map(result.steps.map((step) => [step.id, step]));
  const drill = result.drill.name;
  const groups: Omit<Suite, 'name'>[] = [];
  const names: string[] = [];

  for (const phase of result.phases) {
    const cases = phase.steps.flatMap((id) => {
      const step = stepsById.get(id);
      return step ? [stepCase(step, result, shares.get(step.id) ?? 0, options)] : [];
    });
    names.push(phase.name);
    groups.push({ timestamp: new Date(t0 + (phase.startMs ?? 0)).toISOString(), cases });
  }

  const objectives: Case[] = [...result.milestones.map((m) => milestoneCase(m, result)), ...result.rpo.map((r) => rpoCase(r, result))];
  if (result.run.preflight === 'skipped') {
    objectives.unshift({ classname: `${drill}.preflight`, name: 'preflight: skipped (--skip-preflight)', timeMs: 0, file: result.drill.file, outcome: { kind: 'skipped', message: PREFLIGHT_SKIPPED, body: PREFLIGHT_SKIPPED }, systemOut: PREFLIGHT_SKIPPED });
  }
  const unshared = result.run.durationMs - [...shares.values()].reduce((sum, ms) => sum + ms, 0);
  result.errors.forEach((error, index) => {
    objectives.push({
      classname: `${drill}.run`,
      name: `dr-drill run${result.errors.length > 1 ? ` (${index + 1})` : ''}: ${error.code}`,
      // A run that stopped before any step ran still accounts for its time here.
      timeMs: index === 0 ? Math.max(0, unshared) : 0,
      file: result.drill.file,
      outcome: { kind: 'error', message: error.message, type: error.code, body: `${error.code} ${error.message}${error.details ? `\n${error.details}` : ''}` },
    });
  });
  names.push('objectives');
  groups.push({ timestamp: result.run.startedAt, cases: objectives, properties: runProperties(result) });

  if (result.controls?.length) {
    names.push('negative-controls');
    groups.push({ timestamp: result.run.startedAt, cases: result.controls.map((control) => controlCase(control, drill)) });
  }

  const width = String(names.length).length < 2 ? 2 : String(names.length).length;
  const suites: Suite[] = groups.map((group, index) => ({ ...group, name: `${drill} / ${String(index + 1).padStart(width, '0')} ${names[index]}` }));
  const counts = (cases: Case[]) => ({
    tests: cases.length,
    failures: cases.filter((c) => c.outcome?.kind === 'failure').length,
    errors: cases.filter((c) => c.outcome?.kind === 'error').length,
    skipped: cases.filter((c) => c.outcome?.kind === 'skipped').length,
  });
  const all = counts(suites.flatMap((suite) => suite.cases));
  const root = element(
    'testsuites',
    { name: `dr-drill ${drill}`, tests: all.tests, failures: all.failures, errors: all.errors, time: seconds(result.run.durationMs) },
    suites.map((suite) => {
      const count = counts(suite.cases);
      const timeMs = suite.cases.reduce((sum, c) => sum + c.timeMs, 0);
      const children: XmlNode[] = [];
      if (suite.properties?.length) children.push(element('properties', {}, suite.properties.map(([name, value]) => element('property', { name, value }))));
      children.push(...suite.cases.map(caseElement));
      return element('testsuite', { name: suite.name, tests: count.tests, failures: count.failures, errors: count.errors, skipped: count.skipped, time: seconds(timeMs), timestamp: suite.timestamp }, children);
    }),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.render()}\n`;
}

function caseElement(c: Case): XmlNode {
  const children: XmlNode[] = [];
  if (c.outcome) {
    const attributes = c.outcome.kind === 'skipped' ? { message: c.outcome.message } : { message: c.outcome.message, type: c.outcome.type };
    children.push(element(c.outcome.kind, attributes, [c.outcome.body]));
  }
  if (c.systemOut) children.push(element('system-out', {}, [c.systemOut]));
  return element('testcase', { classname: c.classname, name: c.name, time: seconds(c.timeMs), file: c.file, line: c.line }, children);
}

/** The line dorny/test-reporter parses as a Java stack frame and maps to `drills/cold-start.yaml` (package = its directories). */
export function stackFrame(file: string, line: number, stepId: string): string | undefined {
  const dirs = path.posix.dirname(file.split(path.sep).join('/')).split('/').filter((part) => part !== '' && part !== '.');
  if (dirs.length === 0 || dirs.some((part) => part.includes('.') || !/^[a-z_]/.test(part))) return undefined;
  return `    at ${dirs.join('.')}.Drill.${stepId.replace(/[^A-Za-z0-9_$-]/g, '_')}(${path.posix.basename(file)}:${line})`;
}

function stepCase(step: StepResult, result: DrillResult, timeMs: number, options: JunitOptions): Case {
  const file = step.location?.file ?? result.drill.file;
  const line = step.location?.line;
  const base: Case = { classname: `${result.drill.name}.${step.phase}`, name: `${step.name} [${step.kind}]`, timeMs, file, ...(line === undefined ? {} : { line }) };
  const attempts = step.attempts.length > 1 ? ` after ${step.attempts.length} attempts` : '';
  const attachment = step.logFile ? `\n[[ATTACHMENT|${options.reportDir ? path.posix.join(options.reportDir, step.logFile) : step.logFile}]]` : '';
  const warnings = step.warnings?.length ? `\nwarnings:\n${step.warnings.map((warning) => `- ${warning}`).join('\n')}` : '';
  const ran = step.durationMs === undefined ? '' : `in ${formatDuration(step.durationMs)}${attempts}`;
  const shared = step.durationMs !== undefined && Math.abs(step.durationMs - timeMs) >= 1 ? `; counted ${formatDuration(timeMs)} here: the rest of its time is shared with steps running at the same moment, so the times add up to the drill` : '';
  const declared = line === undefined ? '' : `\ndeclared at ${file}:${line}${stackFrameLine(file, line, step.id)}`;
  // A stand-in says what it stood for first, whatever else the case prints (testcase has no properties in the schema).
  const standIn = step.standIn ? `stand-in for: ${step.standIn}\n` : '';
  switch (step.status) {
    case 'passed':
      return { ...base, ...(step.logFile || warnings || shared || standIn ? { systemOut: `${standIn}passed ${ran}${shared}${warnings}${attachment}` } : {}) };
    case 'failed':
    case 'timed-out': {
      const message = `${step.finally ? 'teardown ' : ''}${step.status === 'timed-out' ? 'timed out' : 'failed'}${attempts}: ${step.error?.message ?? ''}`;
      const code = step.error?.code ?? 'ESTEPFAILED';
      return {
        ...base,
        outcome: { kind: 'failure', message, type: code, body: `${code} ${message}${step.error?.details ? `\n${step.error.details}` : ''}${warnings}${declared}` },
        systemOut: `${standIn}${step.status} ${ran}${shared}${warnings}${attachment}`,
      } as Case;
    }
    case 'cancelled': {
      const message = step.error?.message ?? 'cancelled';
      return { ...base, outcome: { kind: 'error', message, type: 'ECANCELLED', body: `ECANCELLED ${message}${declared}` }, ...(attachment || standIn ? { systemOut: `${standIn}cancelled ${ran}${attachment}` } : {}) };
    }
    default: {
      const what = step.status === 'not-applicable' ? 'not applicable' : step.status === 'not-run' ? 'not run' : 'skipped';
      const reason = step.reason ?? what;
      const label = reason.startsWith(what) ? reason : `${what}: ${reason}`;
      return { ...base, name: `${base.name} (${label})`, outcome: { kind: 'skipped', message: reason, body: label }, ...(standIn ? { systemOut: standIn.trim() } : {}) };
    }
  }
}

function stackFrameLine(file: string, line: number, stepId: string): string {
  const frame = stackFrame(file, line, stepId);
  return frame ? `\n${frame}` : '';
}

function milestoneCase(milestone: MilestoneResult, result: DrillResult): Case {
  const objective = milestone.objectiveMs === undefined ? '' : ` (objective ${formatDuration(milestone.objectiveMs)})`;
  const achieved = `${achievedRto(milestone)}${measuredFrom(milestone)}`;
  const critical = milestone.criticalPath.length > 0 ? `\ncritical path: ${milestone.criticalPath.join(' -> ')}` : '';
  const reason = milestone.reason ? `\n${milestone.reason}` : '';
  const details = `achieved RTO ${achieved}${objective ? `, objective ${formatDuration(milestone.objectiveMs!)}` : ''}${critical}${reason}`;
  const base: Case = { classname: `${result.drill.name}.objectives`, name: `RTO ${milestone.name}: ${achieved}${objective}`, timeMs: 0, file: result.drill.file };
  let message: string | undefined;
  if (milestone.verdict === 'missed') message = `RTO ${milestone.name} missed: ${formatDuration(milestone.rtoMs!)} > ${formatDuration(milestone.objectiveMs!)}${measuredFrom(milestone)}`;
  else if (milestone.verdict === 'not-reached') message = `milestone ${milestone.name} ${milestone.reason ?? 'not reached'} (objective ${formatDuration(milestone.objectiveMs!)})`;
  else if (milestone.verdict === 'not-measured') message = `milestone ${milestone.name} ${milestone.reason ?? 'not measured'} (objective ${formatDuration(milestone.objectiveMs!)})`;
  if (message) return { ...base, outcome: { kind: 'failure', message, type: 'EOBJECTIVE', body: `EOBJECTIVE ${message}\n${details}` } };
  if (!milestone.reached) return { ...base, outcome: { kind: 'skipped', message: milestone.reason ?? 'not reached', body: details } };
  return { ...base, systemOut: details };
}

function rpoCase(rpo: RpoResult, result: DrillResult): Case {
  const objective = rpo.objectiveMs === undefined ? '' : ` (objective ${formatDuration(rpo.objectiveMs)})`;
  const achieved = achievedRpo(rpo);
  const samples = rpo.samples.map((sample) => `${sample.source}: ${formatDuration(sample.ageMs)} old (data from ${sample.dataTime})${sample.detail ? `; ${sample.detail}` : ''}`);
  const details = [`achieved RPO ${achieved}`, ...(rpo.reason ? [rpo.reason] : []), ...samples].join('\n');
  const base: Case = { classname: `${result.drill.name}.objectives`, name: `RPO ${rpo.dataClass}: ${achieved}${objective}`, timeMs: 0, file: result.drill.file };
  let message: string | undefined;
  if (rpo.verdict === 'missed') message = `RPO ${rpo.dataClass} missed: ${achieved} > ${formatDuration(rpo.objectiveMs!)}`;
  else if (rpo.verdict === 'not-reached' || rpo.verdict === 'not-measured') message = `RPO ${rpo.dataClass} ${rpo.reason ?? 'not measured'}`;
  if (message) return { ...base, outcome: { kind: 'failure', message, type: 'EOBJECTIVE', body: `EOBJECTIVE ${message}\n${details}` } };
  return { ...base, systemOut: details };
}

function controlCase(control: NonNullable<DrillResult['controls']>[number], drill: string): Case {
  const fault = control.description ?? Object.entries(control.faults).map(([step, kind]) => `${step}=${kind}`).join(', ');
  const base: Case = { classname: `${drill}.negative-controls`, name: `control ${control.name}: ${fault}`, timeMs: 0 };
  const injected = Object.entries(control.faults).map(([step, kind]) => `${step}=${kind}`).join(', ');
  const out = `${control.status}: ${control.reason}\nfaults: ${injected}${control.reportDir ? `\nreports: ${control.reportDir}` : ''}`;
  if (control.status === 'not-detected') return { ...base, outcome: { kind: 'failure', message: `not detected: ${control.reason}`, type: 'ECONTROL', body: `ECONTROL not detected: ${out}` }, systemOut: out };
  if (control.status === 'not-run') return { ...base, name: `${base.name} (not run: ${control.reason})`, outcome: { kind: 'skipped', message: control.reason, body: out } };
  if (control.status === 'not-applicable') return { ...base, name: `${base.name} (not applicable)`, outcome: { kind: 'skipped', message: control.reason, body: out } };
  return { ...base, systemOut: out };
}

function runProperties(result: DrillResult): [string, string][] {
  const exact = (ms: number) => String(figureSeconds(ms));
  const properties: [string, string][] = [
    ['drill', result.drill.name],
    ['drill_file', result.drill.file],
    ['scenario', result.drill.scenario],
    ['target', result.run.target],
    ['run_id', result.run.id],
    ['status', result.status],
    ['t0', result.run.startedAt],
    ['duration_seconds', exact(result.run.durationMs)],
    ['clock', result.run.clock ?? (result.run.timeScale === 1 ? 'real' : 'virtual')],
    ['time_scale', String(result.run.timeScale)],
    ...(result.run.preflight ? [['preflight', result.run.preflight] as [string, string]] : []),
    ...Object.entries(result.run.faults ?? {}).map(([step, fault]): [string, string] => [`fault.${step}`, fault]),
  ];
  for (const milestone of result.milestones) {
    if (milestone.rtoMs !== undefined) properties.push([`rto.${milestone.name}.achieved_seconds`, exact(milestone.rtoMs)]);
    // The step the RTO counts from instead of T0 (milestone from:), when its event began after T0, and what that instant is when it is not the step's end.
    if (milestone.from !== undefined) properties.push([`rto.${milestone.name}.from`, milestone.from]);
    if (milestone.fromMs !== undefined) properties.push([`rto.${milestone.name}.from_seconds`, exact(milestone.fromMs)]);
    if (milestone.fromSource !== undefined) properties.push([`rto.${milestone.name}.from_source`, milestone.fromSource]);
    if (milestone.objectiveMs !== undefined) properties.push([`rto.${milestone.name}.objective_seconds`, exact(milestone.objectiveMs)]);
  }
  for (const rpo of result.rpo) {
    if (rpo.achievedMs !== undefined) properties.push([`rpo.${rpo.dataClass}.achieved_seconds`, exact(rpo.achievedMs)]);
    if (rpo.objectiveMs !== undefined) properties.push([`rpo.${rpo.dataClass}.objective_seconds`, exact(rpo.objectiveMs)]);
  }
  return properties;
}
