/**
 * Terraform variable files and backend configs read with HashiCorp's own HCL parser (hcl2json,
 * compiled to WebAssembly): strings, numbers, lists, maps, heredocs and comments exactly as
 * Terraform reads them; `.json` files as JSON. A file that does not parse is an error, never skipped.
 */
import path from 'node:path';
import { parse } from '@cdktn/hcl2json';

export class HclSyntaxError extends Error {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, line?: number, column?: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

/** The attributes of an HCL (or JSON) file: `name = value` at the top, with nested lists and maps. */
export async function parseHclFile(text: string, file: string): Promise<Record<string, unknown>> {
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new HclSyntaxError(`not valid JSON: ${(error as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HclSyntaxError('a .json variable file holds one JSON object', 1, 1);
    return parsed as Record<string, unknown>;
  }
  try {
    return (await parse(path.basename(file), text)) as Record<string, unknown>;
  } catch (error) {
    // hcl2json says: parse config: [file.tfvars:3,10-11: Summary; Detail., ...]
    const said = String((error as Error)?.message ?? error).replace(/^parse config: \[/, '').replace(/\]$/, '');
    const at = /:(\d+),(\d+)(?:-[\d,]+)?: /.exec(said);
    // The first diagnostic is enough to fix the file; the rest often follows from it.
    const first = (at ? said.slice(at.index + at[0].length) : said).split(/\s\S+:\d+,\d+(?:-[\d,]+)?: /)[0]!;
    throw new HclSyntaxError(first.replace('; ', ': '), at ? Number(at[1]) : undefined, at ? Number(at[2]) : undefined);
  }
}

/** A `-var` or TF_VAR_ value: HCL for lists and maps (`[9101, 9102]`, `{ a = 1 }`), else the string itself. */
export async function hclValue(value: string): Promise<unknown> {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return (await parseHclFile(`value = ${value}\n`, 'value.tfvars')).value ?? value;
  } catch {
    return value;
  }
}
