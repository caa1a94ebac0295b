/** Decoder for XML and HTML character entities. */
import { Builder, type Decoded, type Escape } from './mapped-text.ts';

const ENTITIES: Record<string, string> = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>', nbsp: '\u00a0' };

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
