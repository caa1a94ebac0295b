/** Backslash-escape decoder for secret matching: \xHH and octal escapes are bytes, consecutive ones one UTF-8 character. */
import { Builder, ByteRun, type Decoded, type Escape } from './mapped-text.ts';

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', a: '\x07', e: '\x1b', E: '\x1b', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029' };
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
