/**
 * Decoded views of a text for secret matching: whitespace and line wrapping dropped, backslash
 * escapes decoded, XML entities decoded (JSON, YAML, shell double quotes, $'...'), shell single-quote
 * re-quoting collapsed, percent-encoding decoded (any case, partial). Each view maps every one of
 * its characters back to the span of the original text it came from, so a match found in a
 * view masks exactly the original characters.
 */
import { decodeEntities } from './decode/entities.ts';
import { unescape } from './decode/escapes.ts';
import type { Decoded } from './decode/mapped-text.ts';
import { percentDecode } from './decode/percent.ts';
import { unquote } from './decode/quotes.ts';
import { despace } from './decode/whitespace.ts';

export interface View {
  text: string;
  /** Original index of each view character's first source character; undefined: identity. */
  start: Int32Array | undefined;
  /** Original index just past each view character's last source character. */
  end: Int32Array | undefined;
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
