/**
 * The forms a secret takes once a program or a report encodes it, computed once when the secret
 * is registered: as written, form-encoded spaces, base64 and base64url of the value embedded in
 * a longer string (each of the 3 byte alignments, padding or not), and hex. Quoting, escaping,
 * wrapping and percent-encoding are decoded in the text instead (mask-views.ts).
 */

/** base64 characters carry 6 bits: those fully inside the value's bits, for a value at byte offset `alignment` mod 3. */
export function base64Cores(bytes: Buffer): string[] {
  const cores = new Set<string>();
  for (const alignment of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(alignment), bytes, Buffer.alloc(2)]).toString('base64');
    const first = Math.ceil((8 * alignment) / 6);
    const last = Math.floor((8 * (alignment + bytes.length)) / 6);
    const core = encoded.slice(first, last);
    cores.add(core);
    cores.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...cores];
}

export function derivedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [value, ...base64Cores(bytes), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  // application/x-www-form-urlencoded writes a space as "+" (the percent view decodes the rest).
  if (value.includes(' ')) forms.push(value.replace(/ /g, '+'));
  return forms;
}
