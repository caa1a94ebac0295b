/**
 * GitHub Actions adapter, through @actions/core: the job summary (core.summary, into
 * GITHUB_STEP_SUMMARY), step outputs (core.setOutput, into GITHUB_OUTPUT) and error annotations
 * (core.error) for failed steps and missed objectives. Everything comes from the one result and
 * passes the masker once more before it leaves the process.
 *
 * @actions/core reads process.env itself (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT) and writes
 * annotations to process.stdout, so this runs in the process that owns that environment: the
 * pipeline entry point scripts/ci-drill.ts.
 */
import * as core from '@actions/core';
import { objectiveFailed, type DrillResult } from '../result/model.ts';
import { achievedRpo, VERDICT_WORDS } from '../report/figures.ts';
import { renderMarkdown, teardownCommand } from '../report/markdown.ts';
import { figureSeconds, formatDuration } from '../util/duration.ts';
import type { Masker } from '../util/mask.ts';

export interface GithubJobOptions {
  masker: Masker;
  /** Where the reports are, for the summary's pointer to the artifacts. */
  reportDir?: string;
  /** Markdown appended to the summary (e.g. the trend table). */
  extraMarkdown?: string;
}

/** Output names every drill sets; action.yml declares the same ones. */
export function githubOutputs(result: DrillResult, reportDir?: string): Record<string, string> {
  const rto = Object.fromEntries(result.milestones.filter((m) => m.rtoMs !== undefined).map((m) => [m.name, figureSeconds(m.rtoMs!)]));
  const rpo = Object.fromEntries(result.rpo.filter((r) => r.achievedMs !== undefined).map((r) => [r.dataClass, figureSeconds(r.achievedMs!)]));
  const outputs: Record<string, string> = {
    verdict: result.status,
    'exit-code': String(result.exitCode),
    reason: result.reason,
    'run-id': result.run.id,
    rto: JSON.stringify(rto),
    rpo: JSON.stringify(rpo),
  };
  if (reportDir) outputs['report-dir'] = reportDir;
  for (const [name, value] of Object.entries(rto)) outputs[`rto-${outputName(name)}`] = String(value);
  for (const [name, value] of Object.entries(rpo)) outputs[`rpo-${outputName(name)}`] = String(value);
  return outputs;
}

export interface Annotation {
  title: string;
  message: string;
}

export function githubAnnotations(result: DrillResult): Annotation[] {
  const annotations: Annotation[] = [];
  for (const step of result.steps) {
    if (step.status !== 'failed' && step.status !== 'timed-out') continue;
    const what = step.status === 'timed-out' ? 'timed out' : 'failed';
    annotations.push({
      title: `dr-drill ${step.finally ? 'teardown step' : 'step'} ${step.id} ${what}`,
      message: `${step.error?.code ?? 'ESTEPFAILED'} ${step.error?.message ?? what}${step.logFile ? ` (log: ${step.logFile} in the drill artifacts)` : ''}${step.finally ? `; resources may be left behind: ${teardownCommand(result)}` : ''}`,
    });
  }
  for (const milestone of result.milestones) {
    if (!objectiveFailed(milestone.verdict)) continue;
    annotations.push({
      title: `dr-drill RTO ${milestone.name} ${VERDICT_WORDS[milestone.verdict]}`,
      message:
        milestone.verdict === 'missed'
          ? `achieved ${formatDuration(milestone.rtoMs!)}, objective ${formatDuration(milestone.objectiveMs!)}`
          : `milestone ${milestone.reason ?? 'not reached'} (objective ${formatDuration(milestone.objectiveMs!)})`,
    });
  }
  for (const rpo of result.rpo) {
    if (!objectiveFailed(rpo.verdict)) continue;
    annotations.push({
      title: `dr-drill RPO ${rpo.dataClass} ${rpo.verdict === 'missed' ? 'missed' : achievedRpo(rpo)}`,
      message: rpo.verdict === 'missed' ? `achieved ${formatDuration(rpo.achievedMs!)}, objective ${formatDuration(rpo.objectiveMs!)}` : (rpo.reason ?? 'no step recorded a sample'),
    });
  }
  for (const error of result.errors) annotations.push({ title: `dr-drill ${error.code}`, message: error.message });
  return annotations;
}

export async function writeGithubJob(result: DrillResult, options: GithubJobOptions): Promise<void> {
  const { masker } = options;
  for (const [name, value] of Object.entries(githubOutputs(result, options.reportDir))) core.setOutput(name, masker.mask(value));
  for (const annotation of githubAnnotations(result)) {
    core.error(masker.mask(annotation.message), { title: masker.mask(annotation.title), file: result.drill.file });
  }
  const artifacts = options.reportDir ? `\nReports (JUnit, result.json, metrics, step logs) are in the \`${options.reportDir}\` artifact of this run.\n` : '';
  const markdown = `${renderMarkdown(result)}${artifacts}${options.extraMarkdown ? `\n${options.extraMarkdown}` : ''}`;
  await core.summary.addRaw(masker.mask(markdown), true).write();
}

function outputName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}
