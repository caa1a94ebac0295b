/**
 * Metrics for dashboards: the Prometheus text format (0.0.4) that the Pushgateway and
 * node_exporter's textfile collector read, an optional push on completion grouped by drill and
 * target (PUT replaces the group), and a textfile-collector file written atomically.
 *
 * The `dr_drill_passed_timestamp_seconds` gauge goes to its own group (`outcome="passed"`), pushed
 * only by passed runs, so a failed run never erases when the drill last passed: that is what the
 * "no passed drill in N days" alert reads.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillResult } from '../result/model.ts';
import { figureSeconds } from '../util/duration.ts';
import { DrillError } from '../util/errors.ts';
import { labelValue } from './openmetrics.ts';

type Sample = { labels: Record<string, string>; value: number };
type Family = { name: string; help: string; samples: Sample[] };

export function prometheusFamilies(result: DrillResult): Family[] {
  const nan = (ms: number | undefined) => (ms === undefined ? Number.NaN : figureSeconds(ms));
  const objectiveMet = [
    ...result.milestones.filter((m) => m.verdict !== 'no-objective').map((m) => ({ labels: { objective: `rto_${m.name}` }, value: m.verdict === 'met' ? 1 : 0 })),
    ...result.rpo.filter((r) => r.verdict !== 'no-objective').map((r) => ({ labels: { objective: `rpo_${r.dataClass}` }, value: r.verdict === 'met' ? 1 : 0 })),
  ];
  return [
    { name: 'dr_drill_passed', help: '1 when the last drill run passed, 0 otherwise.', samples: [{ labels: {}, value: result.status === 'passed' ? 1 : 0 }] },
    { name: 'dr_drill_finished_timestamp_seconds', help: 'When the last drill run ended (Unix time).', samples: [{ labels: {}, value: Date.parse(result.run.endedAt) / 1000 }] },
    { name: 'dr_drill_duration_seconds', help: 'Drill time from T0 to the end of teardown.', samples: [{ labels: {}, value: figureSeconds(result.run.durationMs) }] },
    { name: 'dr_drill_rto_seconds', help: 'Achieved RTO per milestone: after T0, or after the event of the milestone\'s from step when it declares one (the awaited object\'s lastTransitionTime, else the step\'s end); NaN when not reached or not measured.', samples: result.milestones.map((m) => ({ labels: { milestone: m.name }, value: nan(m.rtoMs) })) },
    { name: 'dr_drill_rto_objective_seconds', help: 'RTO objective per milestone.', samples: result.milestones.filter((m) => m.objectiveMs !== undefined).map((m) => ({ labels: { milestone: m.name }, value: figureSeconds(m.objectiveMs!) })) },
    { name: 'dr_drill_rpo_seconds', help: 'Achieved RPO per data class; NaN when not restored or not measured.', samples: result.rpo.map((r) => ({ labels: { data_class: r.dataClass }, value: nan(r.achievedMs) })) },
    { name: 'dr_drill_rpo_objective_seconds', help: 'RPO objective per data class.', samples: result.rpo.filter((r) => r.objectiveMs !== undefined).map((r) => ({ labels: { data_class: r.dataClass }, value: figureSeconds(r.objectiveMs!) })) },
    { name: 'dr_drill_objective_met', help: '1 when the objective was met, 0 when missed, not reached, not restored or not measured.', samples: objectiveMet },
    { name: 'dr_drill_steps_failed', help: 'Steps (teardown included) that failed or timed out.', samples: [{ labels: {}, value: result.steps.filter((s) => s.status === 'failed' || s.status === 'timed-out').length }] },
  ];
}

export function passedFamily(result: DrillResult): Family {
  return { name: 'dr_drill_passed_timestamp_seconds', help: 'When the drill last passed (Unix time); pushed only by passed runs.', samples: [{ labels: {}, value: Date.parse(result.run.endedAt) / 1000 }] };
}

/** Prometheus text format; `extra` labels go on every sample (the textfile collector has no grouping key). */
export function renderPrometheusText(families: Family[], extra: Record<string, string> = {}): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`);
    for (const sample of family.samples) {
      const labels = Object.entries({ ...extra, ...sample.labels });
      const text = labels.length ? `{${labels.map(([name, value]) => `${name}="${labelValue(value)}"`).join(',')}}` : '';
      lines.push(`${family.name}${text} ${Number.isNaN(sample.value) ? 'NaN' : sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** PUT the run's metrics to {url}/metrics/job/dr-drill/drill/<drill>/target/<target>; passed runs also refresh the outcome="passed" group. */
export async function pushToGateway(result: DrillResult, url: string, options: { fetch?: FetchLike } = {}): Promise<string[]> {
  const doFetch = options.fetch ?? fetch;
  const group = `${url.replace(/\/+$/, '')}/metrics/job/dr-drill/drill/${encodeURIComponent(labelValue(result.drill.name))}/target/${encodeURIComponent(labelValue(result.run.target))}`;
  const pushes: [string, string][] = [[group, renderPrometheusText(prometheusFamilies(result))]];
  if (result.status === 'passed') pushes.push([`${group}/outcome/passed`, renderPrometheusText([passedFamily(result)])]);
  const pushed: string[] = [];
  for (const [target, body] of pushes) {
    const where = target.replace(/\/\/[^/@]*@/, '//');
    let response: Response;
    try {
      response = await doFetch(target, { method: 'PUT', headers: { 'content-type': 'text/plain; version=0.0.4' }, body });
    } catch (error) {
      throw new DrillError('ECOMMAND', `pushing metrics to ${where} failed: ${(error as Error).message}`, { details: 'check DR_DRILL_PUSHGATEWAY_URL and that the Pushgateway is reachable from the job' });
    }
    if (!response.ok) throw new DrillError('ECOMMAND', `pushing metrics to ${where} answered ${response.status}`, { details: (await response.text().catch(() => '')).slice(0, 500) });
    pushed.push(where);
  }
  return pushed;
}

/** node_exporter textfile collector: `<dir>/dr_drill_<drill>_<target>.prom`, written to a temporary name and renamed so a scrape never reads half a file. */
export async function writeTextfile(result: DrillResult, dir: string, previous?: string): Promise<string> {
  const labels = { drill: result.drill.name, target: result.run.target };
  const passedLine = result.status === 'passed' ? renderPrometheusText([passedFamily(result)], labels) : keepPassed(previous);
  const file = path.join(dir, `dr_drill_${labelValue(result.drill.name)}_${labelValue(result.run.target)}.prom`.replace(/[^\w.-]/g, '_'));
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${renderPrometheusText(prometheusFamilies(result), labels)}${passedLine}`);
  await rename(temporary, file);
  return file;
}

/** A failed run keeps the last passed timestamp of the file it replaces. */
function keepPassed(previous: string | undefined): string {
  const lines = (previous ?? '').split('\n').filter((line) => line.startsWith('dr_drill_passed_timestamp_seconds') || line.startsWith('# HELP dr_drill_passed_timestamp_seconds') || line.startsWith('# TYPE dr_drill_passed_timestamp_seconds'));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
