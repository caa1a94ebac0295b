/** Decoder dropping whitespace and stream markers, so a secret wrapped over lines reads as one run. */
import { Builder, type Decoded } from './mapped-text.ts';

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
