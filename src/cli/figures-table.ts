/**
 * The table that closes the console output of a run (and so the CI job log): achieved RTO per
 * milestone and RPO per data class against their objectives, for green, red and cancelled runs
 * alike. Plain text in fixed-width columns, so it reads the same in a terminal and in a CI log.
 */
import { achievedRpo, achievedRto, measuredFrom, VERDICT_WORDS } from '../report/figures.ts';
import type { DrillResult, MilestoneResult, RpoResult } from '../result/model.ts';
import { formatDuration } from '../util/duration.ts';

const HEADER = ['figure', 'achieved', 'objective', 'verdict'] as const;

export function figuresTable(result: Pick<DrillResult, 'status' | 'milestones' | 'rpo'>): string[] {
  const rows = [...result.milestones.map(milestoneRow), ...result.rpo.map(rpoRow)];
  const title = `RTO/RPO against the objectives (drill ${result.status}):`;
  if (rows.length === 0) return [title, '  no milestones or data classes in this drill'];
  const widths = HEADER.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => `  ${cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}`.trimEnd();
  return [title, line(HEADER), line(widths.map((width, column) => '-'.repeat(column === widths.length - 1 ? HEADER[column]!.length : width))), ...rows.map(line)];
}

function milestoneRow(milestone: MilestoneResult): string[] {
  return [`RTO ${milestone.name}`, `${achievedRto(milestone)}${measuredFrom(milestone)}`, objective(milestone.objectiveMs), verdict(milestone.verdict, milestone.rtoMs === undefined ? milestone.reason : undefined)];
}

function rpoRow(rpo: RpoResult): string[] {
  return [`RPO ${rpo.dataClass}`, achievedRpo(rpo), objective(rpo.objectiveMs), verdict(rpo.verdict, rpo.achievedMs === undefined ? rpo.reason : undefined)];
}

function objective(ms: number | undefined): string {
  return ms === undefined ? '—' : formatDuration(ms);
}

function verdict(value: MilestoneResult['verdict'], reason: string | undefined): string {
  const words = VERDICT_WORDS[value];
  const why = reason?.startsWith(`${words}: `) ? reason.slice(words.length + 2) : reason;
  return `${words}${why ? ` (${why})` : ''}`;
}
