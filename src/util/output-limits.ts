/**
 * Bounds on what a command's output may cost: each command's lines in the step log
 * (DR_DRILL_LOG_CAP, default 1 MiB: the first three quarters, a `[... 183 MB cut ...]` marker,
 * the last quarter), the output a step keeps in memory (DR_DRILL_OUTPUT_CAP, default 16 MiB), and
 * the tails reports keep (a few lines, a few KiB).
 */
import { DrillError } from './errors.ts';

export interface OutputLimits {
  /** Characters of one command's output written to the step log. */
  logBytes: number;
  /** Characters of one command's stdout (and of its stderr) kept for the step that ran it. */
  captureBytes: number;
}

export const DEFAULT_LIMITS: OutputLimits = { logBytes: 1 << 20, captureBytes: 16 << 20 };
/** Longest line passed on whole; longer lines arrive in pieces, so no single string grows without bound. */
export const MAX_LINE = 64 << 10;
export const TAIL_BYTES = 4096;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1 << 20, g: 1e9, gb: 1e9, gib: 1 << 30 };

export function parseSize(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!(value >= 1024)) throw new DrillError('EUSAGE', `${what} must be a size of at least 1 KiB, got "${text}"`, { details: `e.g. ${what}=4MiB (units: KiB, MiB, GiB, kB, MB, GB)` });
  return value;
}

/** The limits a run uses: the defaults, or DR_DRILL_LOG_CAP / DR_DRILL_OUTPUT_CAP from its environment. */
export function outputLimits(env: Record<string, string | undefined> = {}): OutputLimits {
  return {
    logBytes: env.DR_DRILL_LOG_CAP ? parseSize(env.DR_DRILL_LOG_CAP, 'DR_DRILL_LOG_CAP') : DEFAULT_LIMITS.logBytes,
    captureBytes: env.DR_DRILL_OUTPUT_CAP ? parseSize(env.DR_DRILL_OUTPUT_CAP, 'DR_DRILL_OUTPUT_CAP') : DEFAULT_LIMITS.captureBytes,
  };
}

export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

export function cutMarker(bytes: number): string {
  return `[... ${formatSize(bytes)} cut ...]`;
}

/** Text kept as a head and a tail with a marker between: never more than `limit` characters held. */
export class BoundedText {
  readonly #headLimit: number;
  readonly #tailLimit: number;
  #head = '';
  #tail: string[] = [];
  #tailLength = 0;
  #cut = 0;

  constructor(limit: number) {
    this.#headLimit = Math.floor(limit * 0.75);
    this.#tailLimit = limit - this.#headLimit;
  }

  write(chunk: string): void {
    if (this.#head.length < this.#headLimit) {
      const room = this.#headLimit - this.#head.length;
      this.#head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (!chunk) return;
    this.#tail.push(chunk);
    this.#tailLength += chunk.length;
    while (this.#tailLength > this.#tailLimit) {
      const first = this.#tail[0]!;
      const excess = this.#tailLength - this.#tailLimit;
      if (first.length <= excess) {
        this.#tail.shift();
        this.#tailLength -= first.length;
        this.#cut += Buffer.byteLength(first);
      } else {
        this.#tail[0] = first.slice(excess);
        this.#tailLength -= excess;
        this.#cut += Buffer.byteLength(first.slice(0, excess));
      }
    }
  }

  get cutBytes(): number {
    return this.#cut;
  }

  toString(): string {
    const tail = this.#tail.join('');
    return this.#cut > 0 ? `${this.#head}\n${cutMarker(this.#cut)}\n${tail}` : this.#head + tail;
  }
}

/** Lines passed on up to a budget, then only the last ones, after a marker saying how much was cut. */
export class LineBudget {
  readonly #emit: (line: string) => void;
  readonly #headLimit: number;
  readonly #tailLimit: number;
  #used = 0;
  #tail: string[] = [];
  #tailLength = 0;
  #cut = 0;

  constructor(limit: number, emit: (line: string) => void) {
    this.#emit = emit;
    this.#headLimit = Math.floor(limit * 0.75);
    this.#tailLimit = limit - this.#headLimit;
  }

  push(line: string): void {
    if (this.#used + line.length <= this.#headLimit && this.#tail.length === 0) {
      this.#used += line.length + 1;
      this.#emit(line);
      return;
    }
    if (line.length > this.#tailLimit) {
      this.#cut += Buffer.byteLength(line.slice(0, line.length - this.#tailLimit));
      line = line.slice(-this.#tailLimit);
    }
    this.#tail.push(line);
    this.#tailLength += line.length + 1;
    while (this.#tailLength > this.#tailLimit && this.#tail.length > 1) {
      const dropped = this.#tail.shift()!;
      this.#tailLength -= dropped.length + 1;
      this.#cut += Buffer.byteLength(dropped) + 1;
    }
  }

  end(): void {
    if (this.#cut > 0) this.#emit(cutMarker(this.#cut));
    for (const line of this.#tail) this.#emit(line);
    this.#tail = [];
    this.#tailLength = 0;
  }
}

/** The last `lines` lines of a text, at most TAIL_BYTES characters, with a marker when cut. */
export function tailOf(text: string, lines: number, limit = TAIL_BYTES): string {
  // As text.split('\n').slice(-lines).join('\n'), without splitting the whole text.
  let found = -1;
  for (let count = 0, at = text.length; count < lines; count++) {
    found = at === 0 ? -1 : text.lastIndexOf('\n', at - 1);
    if (found === -1) break;
    at = found;
  }
  const tail = found === -1 ? text : text.slice(found + 1);
  if (tail.length <= limit) return tail;
  return `${cutMarker(Buffer.byteLength(tail.slice(0, tail.length - limit)))} ${tail.slice(-limit)}`;
}
