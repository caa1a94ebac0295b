/** Decoder for percent-encoding. */
import { Builder, ByteRun, type Decoded } from './mapped-text.ts';

const HEX = /^[0-9a-fA-F]+$/;

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
