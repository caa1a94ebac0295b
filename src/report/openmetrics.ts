/**
 * metrics.txt: OpenMetrics text for GitLab's `artifacts:reports:metrics` (the merge request
 * metrics widget) and for anything that scrapes Prometheus text. Rendered from the result only.
 *
 * GitLab's parser strips `#...` to the end of the line and shell-splits the rest, keeping the
 * first two words as name and value; so label values here never contain spaces, quotes or `#`
 * (milestone and data-class names are identifiers; anything else is replaced by `_`). Values are
 * exact (seconds with millisecond precision), never rounded: an RTO 0.4 s over its objective must
 * not read as equal to it. Sim runs on the virtual clock give identical figures run to run.
 */
import type { DrillResult, DrillStatus } from '../result/model.ts';
import { figureSeconds } from '../util/duration.ts';

const STATUSES: readonly DrillStatus[] = ['passed', 'failed', 'cancelled', 'error'];

interface Family {
  name: string;
  type: 'gauge' | 'stateset' | 'info';
  unit?: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

export function renderOpenMetrics(result: DrillResult): string {
  return renderFamilies(metricFamilies(result));
}

/**
 * One metrics file for several runs (the latest of each drill, `dr-drill metrics --from-history`):
 * each family once, with the samples of every run; the labels (drill, target) keep them apart.
 */
export function renderOpenMetricsOf(results: readonly DrillResult[]): string {
  const merged = new Map<string, Family>();
  for (const family of results.flatMap(metricFamilies)) {
    const known = merged.get(family.name);
    if (known) known.samples.push(...family.samples);
    else merged.set(family.name, { ...family, samples: [...family.samples] });
  }
  return renderFamilies([...merged.values()]);
}

function metricFamilies(result: DrillResult): Family[] {
  const base = { drill: result.drill.name, target: result.run.target };
  return [
    {
      name: 'dr_drill_status',
      type: 'stateset',
      help: 'Outcome of the drill run (1 for the state it ended in).',
      samples: STATUSES.map((status) => ({ labels: { ...base, dr_drill_status: status }, value: status === result.status ? 1 : 0 })),
    },
    {
      name: 'dr_drill_duration_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Drill time from T0 to the end of teardown.',
      samples: [{ labels: base, value: seconds(result.run.durationMs) }],
    },
    {
      name: 'dr_drill_rto_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Achieved RTO: time after T0 at which the milestone was reached, or for a milestone measured from a step after that step\'s event (the awaited object\'s own lastTransitionTime when the step recorded one, else the step\'s end; junit.xml properties rto.<milestone>.from and .from_source name it); NaN when not reached or not measured (see dr_drill_milestone_reached), so the series never disappears.',
      samples: result.milestones.map((m) => ({ labels: { ...base, milestone: m.name }, value: m.rtoMs === undefined ? Number.NaN : seconds(m.rtoMs) })),
    },
    {
      name: 'dr_drill_rto_objective_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'RTO objective of the milestone.',
      samples: result.milestones.filter((m) => m.objectiveMs !== undefined).map((m) => ({ labels: { ...base, milestone: m.name }, value: seconds(m.objectiveMs!) })),
    },
    {
      name: 'dr_drill_milestone_reached',
      type: 'gauge',
      help: '1 when the milestone was reached, 0 when not.',
      samples: result.milestones.map((m) => ({ labels: { ...base, milestone: m.name }, value: m.reached ? 1 : 0 })),
    },
    {
      name: 'dr_drill_rpo_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Achieved RPO: age at T0 of the oldest data the restores brought back; NaN when not restored or not measured, so the series never disappears.',
      samples: result.rpo.map((r) => ({ labels: { ...base, data_class: r.dataClass }, value: r.achievedMs === undefined ? Number.NaN : seconds(r.achievedMs) })),
    },
    {
      name: 'dr_drill_rpo_objective_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'RPO objective of the data class.',
      samples: result.rpo.filter((r) => r.objectiveMs !== undefined).map((r) => ({ labels: { ...base, data_class: r.dataClass }, value: seconds(r.objectiveMs!) })),
    },
    {
      name: 'dr_drill_objective_met',
      type: 'gauge',
      help: '1 when the objective was met, 0 when missed, not reached, not restored or not measured.',
      samples: [
        ...result.milestones.filter((m) => m.verdict !== 'no-objective').map((m) => ({ labels: { ...base, objective: `rto_${m.name}` }, value: m.verdict === 'met' ? 1 : 0 })),
        ...result.rpo.filter((r) => r.verdict !== 'no-objective').map((r) => ({ labels: { ...base, objective: `rpo_${r.dataClass}` }, value: r.verdict === 'met' ? 1 : 0 })),
      ],
    },
    {
      name: 'dr_drill_steps_failed',
      type: 'gauge',
      help: 'Steps (teardown included) that failed or timed out.',
      samples: [{ labels: base, value: result.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out').length }],
    },
  ];
}

function renderFamilies(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels)} ${Number.isNaN(sample.value) ? 'NaN' : sample.value}`);
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

const seconds = figureSeconds;

/** A label value safe for both OpenMetrics and GitLab's shell-splitting parser. */
export function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9_.:/-]/g, '_');
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${labelValue(value)}"`).join(',')}}`;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
