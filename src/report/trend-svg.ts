/**
 * The RTO trend chart: achieved RTO per milestone over the runs (one line per milestone, a dot per
 * run with a <title> tooltip), each milestone's objective as a dashed line in the same colour,
 * labelled axes. A run that did not reach a milestone gets a × in the "not reached" lane above
 * the plot and breaks the line there: it is never drawn as a value. The y axis spans the achieved
 * values and the objectives shown (not from zero when they are all far from it), so the
 * differences between runs stay visible. Self-contained SVG 1.1: no scripts, no external fonts or styles, an
 * opaque background (GitHub's dark theme would otherwise draw dark text on dark), so GitHub and
 * GitLab render it as an image in comments and in the file browser.
 */
import { formatDuration } from '../util/duration.ts';
import { achievedRto } from './figures.ts';
import type { TrendSeries } from './trend.ts';

const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 66, right: 190, bottom: 64, left: 84 };
/** The lane above the plot where not-reached runs are marked. */
const NOT_REACHED_Y = 50;
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
/** Round steps for the y axis, in milliseconds. */
const STEPS = [1, 2, 5, 10, 15, 30].flatMap((n) => [n * 1000, n * 60_000]).concat([3_600_000, 2 * 3_600_000, 4 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000]).sort((a, b) => a - b);

export function renderTrendSvg(series: TrendSeries): string {
  const { runs } = series;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = runs.flatMap((run) => run.milestones.flatMap((m) => [m.rtoMs, m.objectiveMs])).filter((value): value is number => value !== undefined);
  const { min: yMin, max: yMax, step } = yScale(values);
  const x = (index: number) => MARGIN.left + (runs.length <= 1 ? plotW / 2 : (index * plotW) / (runs.length - 1));
  const y = (ms: number) => MARGIN.top + plotH - ((ms - yMin) / (yMax - yMin)) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">${esc(`Achieved RTO per milestone over the last ${runs.length} runs of drill ${series.drill}`)}</title>`,
    `<rect class="background" x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text class="chart-title" x="${MARGIN.left}" y="26" font-size="15" font-weight="bold" fill="#222222">${esc(`RTO trend: ${series.drill}`)}</text>`,
  );

  // Grid and y axis ticks.
  out.push('<g class="y-axis" fill="#444444" stroke="none">');
  for (let tick = yMin; tick <= yMax + 1e-6; tick += step) {
    const ty = round(y(tick));
    out.push(`<line x1="${MARGIN.left}" y1="${ty}" x2="${MARGIN.left + plotW}" y2="${ty}" stroke="#e5e5e5" stroke-width="1"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${round(ty + 4)}" text-anchor="end">${esc(tick === 0 ? '0' : formatDuration(tick))}</text>`);
  }
  out.push('</g>');
  if (runs.some((run) => run.milestones.some((m) => m.rtoMs === undefined))) {
    out.push(
      `<g class="not-reached-lane"><line x1="${MARGIN.left}" y1="${NOT_REACHED_Y + 9}" x2="${MARGIN.left + plotW}" y2="${NOT_REACHED_Y + 9}" stroke="#bbbbbb" stroke-width="1" stroke-dasharray="2 3"/><text x="${MARGIN.left - 8}" y="${NOT_REACHED_Y + 4}" text-anchor="end" fill="#444444">not reached</text></g>`,
    );
  }
  out.push(
    `<g class="axes" stroke="#444444" stroke-width="1"><line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}"/><line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}"/></g>`,
  );

  // X axis: one tick per run, labelled with the day of T0 (and its time, when runs share a day).
  const labels = runLabels(runs.map((run) => run.run.startedAt));
  out.push('<g class="x-axis" fill="#444444" text-anchor="middle">');
  runs.forEach((run, index) => {
    const tx = round(x(index));
    out.push(`<line x1="${tx}" y1="${MARGIN.top + plotH}" x2="${tx}" y2="${MARGIN.top + plotH + 5}" stroke="#444444"/>`);
    out.push(`<text x="${tx}" y="${MARGIN.top + plotH + 19}"><title>${esc(`run ${run.run.id}, T0 ${run.run.startedAt}`)}</title>${esc(labels[index]!)}</text>`);
  });
  out.push('</g>');
  out.push(`<text class="axis-label x-label" x="${round(MARGIN.left + plotW / 2)}" y="${HEIGHT - 14}" text-anchor="middle" fill="#222222">Drill run (day of T0)</text>`);
  out.push(
    `<text class="axis-label y-label" x="18" y="${round(MARGIN.top + plotH / 2)}" text-anchor="middle" fill="#222222" transform="rotate(-90 18 ${round(MARGIN.top + plotH / 2)})">Achieved RTO (time after T0)</text>`,
  );

  series.milestones.forEach((name, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    // Objective: dashed, following each run's objective (a straight line while it does not change).
    const objective = runs.map((run, i) => [i, run.milestones.find((m) => m.name === name)?.objectiveMs] as const).filter((point): point is readonly [number, number] => point[1] !== undefined);
    if (objective.length > 0) {
      const points = objective.length === 1 ? [[MARGIN.left, y(objective[0]![1])], [MARGIN.left + plotW, y(objective[0]![1])]] : objective.map(([i, ms]) => [x(i), y(ms)]);
      out.push(
        `<polyline class="objective" data-milestone="${esc(name)}" points="${points.map(([px, py]) => `${round(px!)},${round(py!)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4" opacity="0.8"><title>${esc(`${name} objective ${formatDuration(objective.at(-1)![1])}`)}</title></polyline>`,
      );
    }
    const reached = runs.map((run, i) => [i, run.milestones.find((m) => m.name === name)] as const);
    // One segment per stretch of consecutive runs that reached the milestone: no line crosses a run that did not.
    const segments: string[] = [];
    let open = false;
    for (const [i, milestone] of reached) {
      if (milestone?.rtoMs === undefined) {
        open = false;
        continue;
      }
      segments.push(`${open ? 'L' : 'M'}${round(x(i))},${round(y(milestone.rtoMs))}`);
      open = true;
    }
    out.push(`<path class="milestone" data-milestone="${esc(name)}" d="${segments.join(' ')}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round"/>`);
    out.push(`<g class="points" data-milestone="${esc(name)}" fill="${color}">`);
    for (const [i, milestone] of reached) {
      const run = runs[i]!;
      if (milestone?.rtoMs !== undefined) {
        const missed = milestone.verdict === 'missed';
        out.push(
          `<circle cx="${round(x(i))}" cy="${round(y(milestone.rtoMs))}" r="${missed ? 5 : 3.5}"${missed ? ' stroke="#000000" stroke-width="1.5"' : ''}><title>${esc(`${name}: ${formatDuration(milestone.rtoMs)} on ${run.run.startedAt.slice(0, 10)} (run ${run.run.id}, ${milestone.verdict})`)}</title></circle>`,
        );
      } else if (milestone) {
        const cx = round(x(i));
        const cy = NOT_REACHED_Y;
        out.push(
          `<path class="not-reached" d="M${cx - 5},${cy - 5} L${cx + 5},${cy + 5} M${cx - 5},${cy + 5} L${cx + 5},${cy - 5}" stroke="${color}" stroke-width="2"><title>${esc(`${name}: ${achievedRto(milestone)} in run ${run.run.id}`)}</title></path>`,
        );
      }
    }
    out.push('</g>');
  });

  // Legend.
  out.push(`<g class="legend" font-size="12" fill="#222222">`);
  series.milestones.forEach((name, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    const ly = MARGIN.top + 8 + index * 40;
    const lx = MARGIN.left + plotW + 18;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(name)}</text>`);
    out.push(`<line x1="${lx}" y1="${ly + 16}" x2="${lx + 24}" y2="${ly + 16}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 20}" fill="#555555">objective</text>`);
  });
  if (runs.some((run) => run.milestones.some((m) => m.rtoMs === undefined))) {
    const ly = MARGIN.top + 8 + series.milestones.length * 40;
    out.push(`<text x="${MARGIN.left + plotW + 18}" y="${ly + 4}" fill="#555555">× not reached (lane above)</text>`);
  }
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Day of T0; with the time (UTC) when runs share a day; with the run's number when they share the minute too. */
export function runLabels(startedAt: readonly string[]): string[] {
  const days = startedAt.map((t0) => t0.slice(0, 10));
  if (new Set(days).size === days.length) return days;
  const minutes = startedAt.map((t0) => `${t0.slice(5, 10)} ${t0.slice(11, 16)}`);
  if (new Set(minutes).size === minutes.length) return minutes;
  return minutes.map((label, index) => (minutes.indexOf(label) === minutes.lastIndexOf(label) ? label : `${label} #${index + 1}`));
}

/**
 * The y axis: round ticks about five apart, from just below the smallest value shown (0 when that
 * is near zero anyway) to just above the largest, so that the achieved values and the objectives
 * fill the plot.
 */
export function yScale(values: readonly number[]): { min: number; max: number; step: number } {
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1000;
  const span = hi - lo > 0 ? hi - lo : Math.max(hi * 0.2, 1000);
  const step = niceStep(span * 1.1);
  const min = Math.max(0, Math.floor((lo - span * 0.05) / step) * step);
  const max = Math.max(min + step, Math.ceil((hi + span * 0.05) / step) * step);
  return { min, max, step };
}

function niceStep(spanMs: number): number {
  const target = spanMs / 5;
  return STEPS.find((step) => step >= target) ?? Math.ceil(target / 86_400_000) * 86_400_000;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
