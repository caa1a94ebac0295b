/** Decoder collapsing shell single-quote re-quoting and YAML's doubled quote. */
import { Builder, type Decoded } from './mapped-text.ts';

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
