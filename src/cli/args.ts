/**
 * What every command shares: its declared options, parsing them (with `--help`/`-h` and a
 * "did you mean" for an unknown option) and the help text rendered from the same declaration.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DrillError } from '../util/errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  default?: string | boolean | string[];
  /** Placeholder of the value in the help text, e.g. DIR. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line for `dr-drill --help`. */
  summary: string;
  /** What follows `dr-drill <name>`: positionals and options, e.g. `<drill.yaml> [--target T]`. */
  synopsis: string;
  options: Record<string, OptionSpec>;
  examples: string[];
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

/** The parsed arguments, or `'help'` when the user asked for the command's help. */
export function parseCommandArgs(spec: CommandSpec, args: string[]): ParsedArgs | 'help' {
  const dashDash = args.indexOf('--');
  const flags = dashDash === -1 ? args : args.slice(0, dashDash);
  if (flags.includes('--help') || flags.includes('-h')) return 'help';
  for (const arg of flags) {
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : arg;
    if (!arg.startsWith('--') || !(name in spec.options)) throw unknownOption(spec, arg.startsWith('--') ? `--${name}` : arg);
  }
  try {
    const { values, positionals } = parseArgs({ args, options: spec.options as ParseArgsOptionsConfig, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    throw new DrillError('EUSAGE', (error as Error).message.split('. ')[0]!, { details: `dr-drill ${spec.name} --help lists the options` });
  }
}

function unknownOption(spec: CommandSpec, option: string): DrillError {
  const closest = closestName(option.replace(/^-+/, ''), Object.keys(spec.options));
  const suggestion = closest === undefined ? '' : `; did you mean --${closest}?`;
  return new DrillError('EUSAGE', `unknown option ${option}${suggestion}`, { details: `dr-drill ${spec.name} --help lists the options` });
}

/** The candidate nearest to `name` by edit distance, if it is near enough to be a typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const nearEnough = best.distance <= Math.max(2, Math.floor(best.candidate.length / 3)) || best.candidate.startsWith(name);
  return nearEnough && best.distance < best.candidate.length ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function renderCommandHelp(spec: CommandSpec): string {
  const lines = [`dr-drill ${spec.name}: ${spec.summary}`, '', `Usage: dr-drill ${spec.name} ${spec.synopsis}`.trimEnd()];
  const options = Object.entries(spec.options);
  const label = (name: string, option: OptionSpec) => `--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
  const width = Math.max(14, ...options.map(([name, option]) => label(name, option).length)) + 2;
  lines.push('', 'Options:');
  for (const [name, option] of options) {
    const repeat = option.multiple ? ' (repeatable)' : '';
    const fallback = option.default === undefined || option.default === false || (Array.isArray(option.default) && option.default.length === 0) ? '' : ` (default: ${String(option.default)})`;
    lines.push(`  ${label(name, option).padEnd(width)}${option.description}${repeat}${fallback}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(width)}this help`);
  lines.push('', spec.examples.length === 1 ? 'Example:' : 'Examples:', ...spec.examples.map((example) => `  ${example}`));
  return lines.join('\n');
}

/** The one positional argument a command takes, e.g. its drill file. */
export function onePositional(parsed: ParsedArgs, spec: CommandSpec, what: string): string {
  if (parsed.positionals.length !== 1) {
    throw new DrillError('EUSAGE', `${spec.name} takes one ${what}`, { details: `e.g. ${spec.examples[0]}` });
  }
  return parsed.positionals[0]!;
}
