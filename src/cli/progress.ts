/**
 * Progress lines for a terminal or a CI log: one line per event, offsets in drill time. A typed
 * formatter per event kind, so every event can be printed. Command output (debug) only with
 * --verbose.
 *
 * Each phase is a collapsible section of the CI log (GitHub `::group::`, GitLab `section_start`
 * stamped in drill time, so GitLab shows the phase's drill-time duration) that closes with the
 * phase's duration; a phase that resumes after a parallel one printed is a new section
 * "(continued)". Heartbeats of long waits (`step.progress`) are lines in a log and, in a
 * terminal, a live status line that the next line replaces.
 */
import type { DrillEvent, EventKind, EventOf } from '../engine/events.ts';
import { formatDuration } from '../util/duration.ts';

type Formatters = { [K in EventKind]: (event: EventOf<K>) => string | undefined };

export interface ProgressOptions {
  verbose?: boolean;
  color?: boolean;
  /** Where CI is detected from (GITHUB_ACTIONS, GITLAB_CI); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Keep heartbeats on one live status line (a terminal); default: with color and outside CI. */
  live?: boolean;
}

type Sections = 'github' | 'gitlab' | 'none';

const ESC = '\u001b';
const ERASE_STATUS = `${ESC}[1A${ESC}[2K`;

export function createProgressPrinter(write: (line: string) => void, options: ProgressOptions = {}): (event: DrillEvent) => void {
  const env = options.env ?? process.env;
  const sections: Sections = env.GITHUB_ACTIONS === 'true' ? 'github' : env.GITLAB_CI === 'true' ? 'gitlab' : 'none';
  const live = options.live ?? (options.color === true && sections === 'none' && env.CI !== 'true');
  const paint = (code: number) => (text: string) => (options.color ? `${ESC}[${code}m${text}${ESC}[0m` : text);
  const red = paint(31);
  const green = paint(32);
  const yellow = paint(33);
  const dim = paint(2);
  const bold = paint(1);

  let t0 = 0;
  const stepStarts = new Map<string, number>();
  const stepPhases = new Map<string, string>();
  const seenPhases = new Set<string>();
  const phaseStarts = new Map<string, number>();
  const running = new Map<string, number>();
  let open: { phase: string; name: string; startMs: number; lastEndMs: number } | undefined;
  let sectionCount = 0;
  let statusShown = false;

  const stamp = (atMs: number) => dim(`[+${formatDuration(atMs).padStart(7)}]`);
  const emit = (line: string) => {
    write(statusShown ? `${ERASE_STATUS}${line}` : line);
    statusShown = false;
  };
  const epoch = (atMs: number) => Math.floor((t0 + atMs) / 1000);
  const openSection = (phase: string, atMs: number, title: string) => {
    const resumed = seenPhases.has(phase);
    seenPhases.add(phase);
    const name = `phase_${++sectionCount}_${phase.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    open = { phase, name, startMs: atMs, lastEndMs: atMs };
    if (!phaseStarts.has(phase)) phaseStarts.set(phase, atMs);
    const heading = `${title}${resumed ? ' (continued)' : ''}`;
    if (sections === 'github') emit(`::group::${heading}`);
    else if (sections === 'gitlab') emit(`${ESC}[0Ksection_start:${epoch(atMs)}:${name}[collapsed=true]\r${ESC}[0K${heading}`);
    else emit(`${stamp(atMs)} ${bold(`── ${heading}`)}`);
  };
  const closeSection = () => {
    if (!open) return;
    const { phase, name, startMs, lastEndMs } = open;
    open = undefined;
    const what = phase === 'finally' ? 'teardown' : `phase ${phase}`;
    const stillRunning = (running.get(phase) ?? 0) > 0;
    const summary = `${stamp(lastEndMs)} ${dim(`── ${what} ${stillRunning ? 'still running, in parallel with the next section' : `took ${formatDuration(lastEndMs - (phaseStarts.get(phase) ?? startMs))}`}`)}`;
    emit(summary);
    if (sections === 'github') emit('::endgroup::');
    else if (sections === 'gitlab') emit(`${ESC}[0Ksection_end:${epoch(lastEndMs)}:${name}\r${ESC}[0K`);
  };
  const enterPhase = (phase: string, atMs: number) => {
    if (open?.phase === phase) return;
    closeSection();
    openSection(phase, atMs, phase === 'finally' ? 'teardown (finally)' : `phase ${phase}`);
  };

  const formatters: Formatters = {
    'drill.started': (event) => bold(`dr-drill ${event.drill} on ${event.target}: run ${event.runId}, T0 ${event.t0}, ${event.steps} steps`),
    'step.started': (event) => `▶ ${event.stepId}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}${event.finally ? ' [finally]' : ''}${event.standIn ? ` [stand-in for: ${event.standIn}]` : ''}`,
    'step.log': (event) => {
      if (event.level === 'debug' && !options.verbose) return undefined;
      const text = `  ${event.stepId} │ ${event.message}`;
      return event.level === 'error' ? red(text) : event.level === 'warn' ? yellow(text) : event.level === 'debug' ? dim(text) : text;
    },
    'step.progress': (event) => `⏳ ${event.stepId} waiting ${formatDuration(event.atMs - (stepStarts.get(event.stepId) ?? 0))}: ${event.state}`,
    'step.retrying': (event) => yellow(`↻ ${event.stepId} attempt ${event.attempt} failed (${event.error.code} ${event.error.message}); retrying in ${formatDuration(event.delayMs)}`),
    'step.finished': (event) => {
      const text = `${event.status === 'passed' ? '✔' : '✖'} ${event.stepId} ${event.status} in ${formatDuration(event.durationMs)}${event.error ? `: ${event.error.code} ${event.error.message}` : ''}`;
      return event.status === 'passed' ? green(text) : red(text);
    },
    'step.skipped': (event) => dim(`⏭ ${event.stepId} ${event.reason}`),
    'milestone.reached': (event) => bold(`★ milestone ${event.name}`),
    'rpo.sampled': (event) => `  ${event.stepId} │ RPO sample (${event.dataClass}): ${formatDuration(event.ageMs)} old, ${event.source}`,
    'drill.cancelling': (event) => yellow(`■ cancelling: ${event.reason}; running teardown`),
    'finally.started': (event) => bold(`■ teardown: ${event.steps} step(s)`),
    'drill.finished': (event) => bold(`${event.status}: ${event.reason}`),
  };

  return (event) => {
    switch (event.kind) {
      case 'drill.started':
        t0 = Date.parse(event.t0) || 0;
        break;
      case 'step.started':
        if (!stepStarts.has(event.stepId)) stepStarts.set(event.stepId, event.atMs);
        stepPhases.set(event.stepId, event.phase);
        if (event.attempt === 1) running.set(event.phase, (running.get(event.phase) ?? 0) + 1);
        if (!event.finally) enterPhase(event.phase, event.atMs);
        break;
      case 'step.finished': {
        const phase = stepPhases.get(event.stepId);
        // Once per step, after its last attempt.
        if (phase !== undefined) running.set(phase, Math.max(0, (running.get(phase) ?? 0) - 1));
        break;
      }
      case 'finally.started':
        closeSection();
        break;
      case 'drill.finished':
        closeSection();
        break;
      default:
    }
    const line = (formatters[event.kind] as (event: DrillEvent) => string | undefined)(event);
    if (line !== undefined) {
      if (event.kind === 'step.progress' && live) {
        // A live status line: shown now, erased by whatever is printed next.
        write(`${statusShown ? ERASE_STATUS : ''}${stamp(event.atMs)} ${yellow(line)}`);
        statusShown = true;
      } else {
        emit(`${stamp(event.atMs)} ${line}`);
      }
    }
    if (event.kind === 'finally.started') openSection('finally', event.atMs, 'teardown (finally)');
    if (event.kind === 'step.finished' && open && (stepPhases.get(event.stepId) === open.phase || event.finally)) open.lastEndMs = Math.max(open.lastEndMs, event.atMs);
  };
}
