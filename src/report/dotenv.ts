/**
 * The dotenv report (GitLab `artifacts:reports:dotenv`) that hands the verdict and the achieved
 * RTO/RPO to later jobs and downstream pipelines.
 *
 * GitLab's dotenv parser is stricter than dotenv itself: names of ASCII letters, digits and `_`;
 * one line per variable; no comments, blank lines, quotes or spaces; under 5 KB; and at most 20
 * variables on some plans. Values here are identifiers and numbers, so none of that bites.
 */
import { objectiveFailed, type DrillResult } from '../result/model.ts';
import { figureSeconds } from '../util/duration.ts';

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
