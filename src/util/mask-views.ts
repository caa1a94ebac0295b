/**
 * Decoded views of a text for secret matching: whitespace and line wrapping dropped, backslash
 * escapes decoded, XML entities decoded (JSON, YAML, shell double quotes, $'...'), shell single-quote
 * re-quoting collapsed, percent-encoding decoded (any case, partial). Each view maps every one of
 * its characters back to the span of the original text it came from, so a match found in a
 * view masks exactly the original characters.
 */

export interface View {
  text: string;
  /** Original index of each view character's first source character; undefined: identity. */
  start: Int32Array | undefined;
  /** Original index just past each view character's last source character. */
  end: Int32Array | undefined;
}

/** A decoder's output, indexed like its input. */
interface Decoded {
  text: string;
  from: Int32Array;
  to: Int32Array;
}

class Builder {
  readonly #parts: string[] = [];
  readonly from: Int32Array;
  readonly to: Int32Array;
  length = 0;

  constructor(inputLength: number) {
    // No decoder makes its output longer than its input.
    this.from = new Int32Array(inputLength);
    this.to = new Int32Array(inputLength);
  }

  copy(input: string, start: number, end: number): void {
    if (end <= start) return;
    this.#parts.push(input.slice(start, end));
    for (let index = start; index < end; index++) {
      this.from[this.length] = index;
      this.to[this.length++] = index + 1;
    }
  }

  emit(text: string, start: number, end: number): void {
    this.#parts.push(text);
    for (let unit = 0; unit < text.length; unit++) {
      this.from[this.length] = start;
      this.to[this.length++] = end;
    }
  }

  done(): Decoded {
    return { text: this.#parts.join(''), from: this.from.subarray(0, this.length), to: this.to.subarray(0, this.length) };
  }
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0;
}

/**
 * Whitespace dropped, and a log's stream marker (`> `, `! `) at a line start: a secret wrapped
 * over lines (base64 at 76 columns, a folded YAML scalar, a PEM body) reads as one run.
 */
export function despace(input: string): Decoded | undefined {
  if (!/[\s\u00a0]/.test(input)) return undefined;
  const out = new Builder(input.length);
  let runStart = 0;
  let index = 0;
  while (index < input.length) {
    const code = input.charCodeAt(index);
    if (!isSpace(code)) {
      index++;
      continue;
    }
    out.copy(input, runStart, index);
    let lineStart = false;
    while (index < input.length && isSpace(input.charCodeAt(index))) {
      if (input.charCodeAt(index) === 10) lineStart = true;
      index++;
    }
    if (lineStart && (input[index] === '>' || input[index] === '!') && input[index + 1] === ' ') index += 2;
    runStart = index;
  }
  out.copy(input, runStart, input.length);
  return out.done();
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', a: '\x07', e: '\x1b', E: '\x1b', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029' };
const ENTITIES: Record<string, string> = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>', nbsp: '\u00a0' };
const HEX = /^[0-9a-fA-F]+$/;

/** Backslash escapes of JSON, YAML, JavaScript, shell and $'...'. */
export function unescape(input: string): Decoded | undefined {
  if (!input.includes('\\')) return undefined;
  const out = new Builder(input.length);
  let runStart = 0;
  let index = 0;
  const bytes = new ByteRun(out, input);
  while (index < input.length) {
    if (input[index] !== '\\') {
      index++;
      continue;
    }
    const decoded = backslashEscape(input, index);
    if (!decoded) {
      index++;
      continue;
    }
    out.copy(input, runStart, index);
    if (decoded.byte !== undefined) {
      // \xHH and octal escapes are bytes: consecutive ones may form one UTF-8 character.
      bytes.start();
      let next: ReturnType<typeof backslashEscape> = decoded;
      let at = index;
      while (next?.byte !== undefined) {
        bytes.add(next.byte, at, at + next.length);
        at += next.length;
        next = input[at] === '\\' ? backslashEscape(input, at) : undefined;
      }
      bytes.flush(true);
      index = at;
    } else {
      out.emit(decoded.text, index, index + decoded.length);
      index += decoded.length;
    }
    runStart = index;
  }
  out.copy(input, runStart, input.length);
  return out.done();
}

interface Escape {
  text: string;
  length: number;
  byte?: number;
}

function backslashEscape(input: string, index: number): Escape | undefined {
  const next = input[index + 1];
  if (next === undefined) return undefined;
  if (next === 'u' && input[index + 2] === '{') {
    const close = input.indexOf('}', index + 3);
    const digits = close > 0 ? input.slice(index + 3, close) : '';
    if (digits.length >= 1 && digits.length <= 6 && HEX.test(digits)) {
      const code = Number.parseInt(digits, 16);
      if (code <= 0x10ffff) return { text: String.fromCodePoint(code), length: close - index + 1 };
    }
    return undefined;
  }
  for (const [letter, size] of [['u', 4], ['U', 8]] as const) {
    if (next !== letter) continue;
    const digits = input.slice(index + 2, index + 2 + size);
    if (digits.length !== size || !HEX.test(digits)) return undefined;
    const code = Number.parseInt(digits, 16);
    return code <= 0x10ffff ? { text: size === 4 ? String.fromCharCode(code) : String.fromCodePoint(code), length: 2 + size } : undefined;
  }
  if (next === 'x') {
    const digits = input.slice(index + 2, index + 4);
    if (digits.length === 2 && HEX.test(digits)) return { text: '', length: 4, byte: Number.parseInt(digits, 16) };
    return undefined;
  }
  const octal = /^[0-7]{1,3}/.exec(input.slice(index + 1, index + 4))?.[0];
  if (octal && Number.parseInt(octal, 8) < 256) return { text: '', length: 1 + octal.length, byte: Number.parseInt(octal, 8) };
  if (next === '\n') return { text: '', length: 2 };
  return { text: SIMPLE_ESCAPES[next] ?? next, length: 2 };
}

/** XML and HTML character entities (JUnit, Markdown rendered as HTML). */
export function decodeEntities(input: string): Decoded | undefined {
  if (!/&(#x?[0-9a-fA-F]+|[a-z]+);/.test(input)) return undefined;
  const out = new Builder(input.length);
  let runStart = 0;
  let index = input.indexOf('&');
  while (index !== -1) {
    const decoded = entity(input, index);
    if (decoded) {
      out.copy(input, runStart, index);
      out.emit(decoded.text, index, index + decoded.length);
      runStart = index + decoded.length;
    }
    index = input.indexOf('&', index + 1);
  }
  out.copy(input, runStart, input.length);
  return out.done();
}

function entity(input: string, index: number): Escape | undefined {
  const match = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/.exec(input.slice(index, index + 12));
  if (!match) return undefined;
  const name = match[1]!;
  let text: string | undefined;
  if (name.startsWith('#x')) text = safeCodePoint(Number.parseInt(name.slice(2), 16));
  else if (name.startsWith('#')) text = safeCodePoint(Number.parseInt(name.slice(1), 10));
  else text = ENTITIES[name];
  return text === undefined ? undefined : { text, length: match[0].length };
}

function safeCodePoint(code: number): string | undefined {
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Shell single-quote re-quoting (`'it'\''s'`, `'it'"'"'s'`) and YAML's doubled quote (`'it''s'`). */
export function unquote(input: string): Decoded | undefined {
  if (!input.includes("''") && !input.includes("'\\''") && !input.includes(`'"'"'`)) return undefined;
  const out = new Builder(input.length);
  let runStart = 0;
  let index = 0;
  while (index < input.length) {
    if (input[index] !== "'") {
      index++;
      continue;
    }
    const length = input.startsWith("'\\''", index) ? 4 : input.startsWith(`'"'"'`, index) ? 5 : input.startsWith("''", index) ? 2 : 0;
    if (length === 0) {
      index++;
      continue;
    }
    out.copy(input, runStart, index);
    out.emit("'", index, index + length);
    index += length;
    runStart = index;
  }
  out.copy(input, runStart, input.length);
  return out.done();
}

/** Percent-encoding in any case, also when only some characters are encoded; UTF-8 sequences become one character. */
export function percentDecode(input: string): Decoded | undefined {
  if (!/%[0-9a-fA-F]{2}/.test(input)) return undefined;
  const out = new Builder(input.length);
  const bytes = new ByteRun(out, input);
  let runStart = 0;
  let index = 0;
  const isEscape = (at: number) => input[at] === '%' && HEX.test(input.slice(at + 1, at + 3)) && at + 3 <= input.length;
  while (index < input.length) {
    if (!isEscape(index)) {
      index++;
      continue;
    }
    out.copy(input, runStart, index);
    bytes.start();
    while (isEscape(index)) {
      bytes.add(Number.parseInt(input.slice(index + 1, index + 3), 16), index, index + 3);
      index += 3;
    }
    bytes.flush(false);
    runStart = index;
  }
  out.copy(input, runStart, input.length);
  return out.done();
}

/** Consecutive encoded bytes, decoded as UTF-8 where they form valid sequences. */
class ByteRun {
  #values: number[] = [];
  #spans: number[] = [];
  readonly out: Builder;
  readonly input: string;
  constructor(out: Builder, input: string) {
    this.out = out;
    this.input = input;
  }

  start(): void {
    this.#values = [];
    this.#spans = [];
  }

  add(value: number, start: number, end: number): void {
    this.#values.push(value);
    this.#spans.push(start, end);
  }

  /** Invalid bytes become the character of the same code (`bytesAsChars`) or stay as written. */
  flush(bytesAsChars: boolean): void {
    const values = this.#values;
    let index = 0;
    while (index < values.length) {
      const lead = values[index]!;
      const size = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
      let valid = size > 0 && index + size <= values.length;
      for (let k = 1; valid && k < size; k++) valid = (values[index + k]! & 0xc0) === 0x80;
      const spanStart = this.#spans[2 * index]!;
      if (!valid) {
        const spanEnd = this.#spans[2 * index + 1]!;
        if (bytesAsChars) this.out.emit(String.fromCharCode(lead), spanStart, spanEnd);
        else this.out.copy(this.input, spanStart, spanEnd);
        index++;
        continue;
      }
      const text = Buffer.from(values.slice(index, index + size)).toString('utf8');
      this.out.emit(text, spanStart, this.#spans[2 * (index + size - 1) + 1]!);
      index += size;
    }
  }
}

/** A view decoded once more, still mapped to the original text. */
export function refine(parent: View, decoder: (text: string) => Decoded | undefined): View {
  const decoded = decoder(parent.text);
  if (!decoded) return parent;
  const length = decoded.text.length;
  const start = new Int32Array(length);
  const end = new Int32Array(length);
  for (let index = 0; index < length; index++) {
    const first = decoded.from[index]!;
    const last = decoded.to[index]! - 1;
    start[index] = parent.start ? parent.start[first]! : first;
    end[index] = parent.end ? parent.end[last]! : last + 1;
  }
  return { text: decoded.text, start, end };
}

export function originalStart(view: View, index: number): number {
  return view.start ? view.start[index]! : index;
}

export function originalEnd(view: View, index: number): number {
  return view.end ? view.end[index]! : index + 1;
}

const DECODERS = [unescape, unquote, percentDecode, decodeEntities];

/**
 * The views every text is searched in: the text, each decoder, and each pair of decoders in
 * either order (a JSON-escaped value in a re-quoted command line, a percent-encoded one in JSON),
 * each ending with `despace` as the patterns do. A decoder that finds nothing to decode costs a
 * regular-expression test and adds no view.
 */
export function decodedViews(text: string): View[] {
  const raw: View = { text, start: undefined, end: undefined };
  const bases = new Set<View>([raw]);
  for (const first of DECODERS) {
    const once = refine(raw, first);
    if (once === raw) continue;
    bases.add(once);
    for (const second of DECODERS) bases.add(refine(once, second));
  }
  return [...bases].map((view) => refine(view, despace));
}

/** The form a pattern is searched in: the same whitespace rule as the views. */
export function normalizePattern(pattern: string): string {
  return despace(pattern)?.text ?? pattern;
}
