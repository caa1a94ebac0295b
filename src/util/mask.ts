/**
 * Secret masking applied at every output boundary (terminal, step logs, result, reports, CI
 * outputs, notifications). Values are registered from the environment (names the drill marks
 * secret and names that look secret) and at run time (kubeconfigs, tokens read from Terraform
 * outputs). Each value's derived forms (base64 at every alignment, hex) are computed once when it
 * is registered; a text is searched once per decoded view (quoting, escaping, wrapping,
 * percent-encoding undone) by one automaton for all patterns, so the cost is linear in the text.
 */
import { PatternAutomaton } from './aho-corasick.ts';
import { derivedForms } from './mask-forms.ts';
import { decodedViews, normalizePattern, originalEnd, originalStart } from './mask-views.ts';

export const MASK = '***';

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_KEY|ACCESS_KEY|AGE_KEY|KUBECONFIG_DATA)/i;
/** Shorter values would mask ordinary words and numbers all over the output. */
const MIN_SECRET_LENGTH = 4;
/** A pattern shorter than this (a short value's base64 at an unlucky alignment) would hit ordinary text. */
const MIN_PATTERN_LENGTH = 4;
/** Texts longer than this are searched in overlapping windows, so the decoded views stay small. */
const WINDOW = 1 << 20;

/** [start, end) ranges of the original text to replace, sorted and merged. */
type Ranges = number[];

export interface MaskStream {
  /** One line of output (without its newline). */
  push(line: string): void;
  /** The stream ended: everything held back is masked and passed on. */
  end(): void;
}

export class Masker {
  readonly #values = new Set<string>();
  readonly #patterns = new Set<string>();
  #automaton: PatternAutomaton | undefined;

  /**
   * A secret and, unless `wholeOnly`, each of its lines: a multi-line secret may be printed line
   * by line. Structured configs (kubeconfig, talosconfig) register their credentials one by one
   * and the whole text with `wholeOnly`, so their structure (`kind: Config`) stays readable.
   */
  add(value: string | undefined | null, options: { wholeOnly?: boolean } = {}): void {
    if (!value) return;
    const candidates = (options.wholeOnly ? [value] : [value, ...value.split(/\r?\n/)]).map((item) => item.trim());
    for (const candidate of candidates) {
      if (candidate.length < MIN_SECRET_LENGTH || this.#values.has(candidate)) continue;
      this.#values.add(candidate);
      derivedForms(candidate).forEach((form, index) => {
        const pattern = normalizePattern(form);
        // The value itself is masked even when whitespace made it short; derived forms need their length.
        if (pattern.length >= (index === 0 ? MIN_SECRET_LENGTH - 1 : MIN_PATTERN_LENGTH)) this.#patterns.add(pattern);
      });
      this.#automaton = undefined;
    }
  }

  /** Environment variables whose names look secret, plus the names a drill marks secret. */
  addFromEnvironment(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): void {
    const names = new Set(extraNames);
    for (const name of Object.keys(env)) if (SECRET_NAME.test(name)) names.add(name);
    for (const name of names) this.add(env[name]);
  }

  /** How many values are registered (not counting their derived forms). */
  get size(): number {
    return this.#values.size;
  }

  mask(text: string): string {
    if (this.#patterns.size === 0 || !text) return text;
    return replaceRanges(text, this.#find(text).ranges);
  }

  /** Deep copy of a JSON-like value with every string (and key) masked. */
  maskDeep<T>(value: T): T {
    if (this.#patterns.size === 0) return structuredCloneJson(value);
    return this.#maskValue(value) as T;
  }

  /**
   * Masks a stream of lines: a secret wrapped over several lines, or split between two chunks,
   * is masked as a whole. A line is passed on once no secret can still start in it; `end`
   * passes on the rest.
   */
  stream(emit: (line: string) => void): MaskStream {
    let pending: string[] = [];
    const flush = (final: boolean) => {
      if (pending.length === 0) return;
      if (this.#patterns.size === 0) {
        pending.forEach(emit);
        pending = [];
        return;
      }
      const text = pending.join('\n');
      const { ranges, openFrom } = this.#find(text);
      // Held text is bounded: a match longer than the window is out of reach anyway.
      const limit = final ? text.length + 1 : Math.max(openFrom, text.length - this.#reach());
      let boundary = 0;
      let lines = 0;
      let offset = 0;
      for (let index = 0; index < pending.length; index++) {
        const lineEnd = offset + pending[index]!.length;
        if (lineEnd > limit) break;
        if (!crosses(ranges, lineEnd)) {
          boundary = lineEnd;
          lines = index + 1;
        }
        offset = lineEnd + 1;
      }
      if (final) {
        boundary = text.length;
        lines = pending.length;
      }
      if (lines === 0) return;
      const before: Ranges = [];
      for (let index = 0; index < ranges.length && ranges[index]! < boundary; index += 2) before.push(ranges[index]!, ranges[index + 1]!);
      const masked = replaceRanges(text.slice(0, boundary), before);
      for (const line of masked.split('\n')) emit(line);
      pending = pending.slice(lines);
    };
    return {
      push: (line) => {
        pending.push(line);
        flush(false);
      },
      end: () => flush(true),
    };
  }

  #reach(): number {
    // The longest a pattern can get once encoded (percent-encoded UTF-8, double escaping) and wrapped.
    return 16 * this.#automatonFor().maxLength + 4096;
  }

  #automatonFor(): PatternAutomaton {
    this.#automaton ??= new PatternAutomaton(this.#patterns);
    return this.#automaton;
  }

  /** Ranges to mask, and from where the text may still be the start of a match with what follows. */
  #find(text: string): { ranges: Ranges; openFrom: number } {
    const automaton = this.#automatonFor();
    const overlap = Math.min(WINDOW / 2, this.#reach());
    const found: [number, number][] = [];
    let openFrom = text.length;
    for (let offset = 0; offset < text.length; offset += WINDOW - overlap) {
      const window = offset === 0 && text.length <= WINDOW ? text : text.slice(offset, offset + WINDOW);
      openFrom = text.length;
      for (const view of decodedViews(window)) {
        const open = automaton.scan(view.text, (end, length) => {
          found.push([offset + originalStart(view, end - length), offset + originalEnd(view, end - 1)]);
        });
        if (open > 0) openFrom = Math.min(openFrom, offset + originalStart(view, view.text.length - open));
      }
      if (offset + WINDOW >= text.length) break;
    }
    return { ranges: merge(found), openFrom };
  }

  #maskValue(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((item) => this.#maskValue(item));
    if (value && typeof value === 'object') {
      if (value instanceof Date) return value.toISOString();
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined || typeof item === 'function') continue;
        copy[this.mask(key)] = this.#maskValue(item);
      }
      return copy;
    }
    return value;
  }
}

function structuredCloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function merge(found: [number, number][]): Ranges {
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const ranges: Ranges = [];
  for (const [start, end] of found) {
    const last = ranges.length - 1;
    if (last > 0 && start <= ranges[last]!) ranges[last] = Math.max(ranges[last]!, end);
    else ranges.push(start, end);
  }
  return ranges;
}

/** Whether a masked range runs across the line break at `position`. */
function crosses(ranges: Ranges, position: number): boolean {
  for (let index = 0; index < ranges.length && ranges[index]! < position; index += 2) {
    if (ranges[index + 1]! > position) return true;
  }
  return false;
}

/** Each range becomes the mask (line breaks inside a wrapped secret go with it). */
function replaceRanges(text: string, ranges: Ranges): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (let index = 0; index < ranges.length; index += 2) {
    const start = ranges[index]!;
    const end = ranges[index + 1]!;
    parts.push(text.slice(at, start), MASK);
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
