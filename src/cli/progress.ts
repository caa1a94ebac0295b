/**
 * Progress lines for a terminal or a CI log: one line per event, offsets in drill time. A typed
 * formatter per event kind, so every event can be printed. Command output (debug) only with
 * --verbose.
 */
import type { DrillEvent, EventKind, EventOf } from '../engine/events.ts';
import { formatDuration } from '../util/duration.ts';

type Formatters = { [K in EventKind]: (event: EventOf<K>) => string | undefined };

export function createProgressPrinter(write: (line: string) => void, options: { verbose?: boolean; color?: boolean } = {}): (event: DrillEvent) => void {
  const paint = (code: number) => (text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const red = paint(31);
  const green = paint(32);
  const yellow = paint(33);
  const dim = paint(2);
  const bold = paint(1);
  const formatters: Formatters = {
    'drill.started': (event) => bold(`dr-drill ${event.drill} on ${event.target}: run ${event.runId}, T0 ${event.t0}, ${event.steps} steps`),
    'step.started': (event) => `▶ ${event.stepId}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}${event.finally ? ' [finally]' : ''}${event.standIn ? ` [stand-in for: ${event.standIn}]` : ''}`,
    'step.log': (event) => {
      if (event.level === 'debug' && !options.verbose) return undefined;
      const text = `  ${event.stepId} │ ${event.message}`;
      return event.level === 'error' ? red(text) : event.level === 'warn' ? yellow(text) : event.level === 'debug' ? dim(text) : text;
    },
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
    const line = (formatters[event.kind] as (event: DrillEvent) => string | undefined)(event);
    if (line === undefined) return;
    write(`${dim(`[+${formatDuration(event.atMs).padStart(7)}]`)} ${line}`);
  };
}
