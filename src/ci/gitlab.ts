/**
 * GitLab adapter: the dotenv report (`artifacts:reports:dotenv`) that hands the verdict and the
 * achieved RTO/RPO to later jobs and downstream pipelines, and where the merge request note goes.
 *
 * GitLab's dotenv parser is stricter than dotenv itself: names of ASCII letters, digits and `_`;
 * one line per variable; no comments, blank lines, quotes or spaces; under 5 KB; and at most 20
 * variables on some plans. Values here are identifiers and numbers, so none of that bites.
 */
import { objectiveFailed, type DrillResult } from '../result/model.ts';
import { figureSeconds } from '../util/duration.ts';
import { DrillError } from '../util/errors.ts';
import type { NoteTarget } from './comment.ts';

/** GitLab.com's smallest per-plan limit on dotenv variables. */
export const DOTENV_MAX_VARIABLES = 20;

export function dotenvName(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

export function renderDotenv(result: DrillResult): string {
  const missed = [...result.milestones, ...result.rpo].filter((item) => objectiveFailed(item.verdict)).length;
  const entries: [string, string][] = [
    ['DR_DRILL_VERDICT', result.status],
    ['DR_DRILL_EXIT_CODE', String(result.exitCode)],
    ['DR_DRILL_NAME', result.drill.name],
    ['DR_DRILL_TARGET', result.run.target],
    ['DR_DRILL_RUN_ID', result.run.id],
    ['DR_DRILL_OBJECTIVES_MISSED', String(missed)],
  ];
  for (const milestone of result.milestones) {
    if (milestone.rtoMs !== undefined) entries.push([`DR_DRILL_RTO_${dotenvName(milestone.name)}_SECONDS`, String(figureSeconds(milestone.rtoMs))]);
  }
  for (const rpo of result.rpo) {
    if (rpo.achievedMs !== undefined) entries.push([`DR_DRILL_RPO_${dotenvName(rpo.dataClass)}_SECONDS`, String(figureSeconds(rpo.achievedMs))]);
  }
  return `${entries
    .slice(0, DOTENV_MAX_VARIABLES)
    .map(([name, value]) => `${name}=${value.replace(/[^A-Za-z0-9_.:/-]/g, '_')}`)
    .join('\n')}\n`;
}

/**
 * The merge request note target from GitLab's predefined variables. The token comes from a
 * masked project variable (DR_DRILL_GITLAB_TOKEN: a project access token with `api` scope and at
 * least Reporter role): CI_JOB_TOKEN cannot create notes.
 */
export function gitlabNoteTarget(env: Record<string, string | undefined>): NoteTarget {
  const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'CI_MERGE_REQUEST_IID', 'DR_DRILL_GITLAB_TOKEN'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new DrillError('EPREFLIGHT', `cannot post the merge request note: ${missing.join(', ')} not set`, {
      details:
        'run this job in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "merge_request_event") and add DR_DRILL_GITLAB_TOKEN as a masked CI/CD variable holding a project access token with the api scope; CI_JOB_TOKEN cannot post notes',
    });
  }
  return {
    provider: 'gitlab',
    apiUrl: env.CI_API_V4_URL!.replace(/\/+$/, ''),
    project: env.CI_PROJECT_ID!,
    number: env.CI_MERGE_REQUEST_IID!,
    token: env.DR_DRILL_GITLAB_TOKEN!,
  };
}
