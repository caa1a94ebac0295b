/**
 * Load a drill file in stages, each collecting every problem it finds: YAML syntax, schema,
 * then cross-field rules (plan.ts). Every problem names the file, line, column and field.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { DrillError, DrillErrors, type ErrorLocation } from '../util/errors.ts';
import { drillSchema, type DrillFile } from './schema.ts';

/** No field of a drill nests this deep; deeper input is refused before anything walks it recursively. */
const MAX_DEPTH = 64;

export interface LoadedDrill {
  file: string;
  spec: DrillFile;
  /** Resolves a field path to its place in the file, for errors found after loading. */
  locate(path: readonly (string | number)[]): ErrorLocation;
}

export async function loadDrillFile(file: string): Promise<LoadedDrill> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DrillError('EDRILLREAD', `cannot read drill file ${file}`, {
      details: `${(error as NodeJS.ErrnoException).code ?? 'error'}: check the path; drill files usually live in drills/, e.g. drills/cold-start.yaml`,
      location: { file },
      cause: error,
    });
  }
  return parseDrill(text, file);
}

export function parseDrill(text: string, file: string): LoadedDrill {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined, field?: string): ErrorLocation => {
    const location: ErrorLocation = { file };
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      location.line = line;
      location.column = col;
    }
    if (field) location.field = field;
    return location;
  };

  if (document.errors.length > 0) {
    throw new DrillErrors(
      document.errors.map((error) =>
        /call stack/i.test(error.message)
          ? new DrillError('EDRILLYAML', `invalid YAML: nested too deeply`, { details: `a drill file nests at most ${MAX_DEPTH} levels; flatten the structure here`, location: at(error.pos[0]) })
          : new DrillError('EDRILLYAML', `invalid YAML: ${firstLine(error.message)}`, {
              details: 'fix the YAML syntax at this position (indentation, a missing colon or an unclosed quote are the usual causes)',
              location: at(error.pos[0]),
            }),
      ),
    );
  }

  const locate = (path: readonly (string | number)[]): ErrorLocation => {
    const node = nearestNode(document, path);
    return at(node?.range?.[0], formatFieldPath(path));
  };

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb ("billion laughs") or nesting beyond the stack: refused with a position, never a crash.
    const firstAlias = /&[\w-]+|\*[\w-]+/.exec(text);
    throw new DrillErrors([
      new DrillError('EDRILLYAML', /alias/i.test(String((error as Error)?.message)) ? 'invalid YAML: too many alias expansions (a resource exhaustion attack?)' : 'invalid YAML: nested too deeply', {
        details: /alias/i.test(String((error as Error)?.message)) ? 'a drill file may expand at most 100 aliases; write the values out or use fewer *references' : `a drill file nests at most ${MAX_DEPTH} levels; flatten the structure`,
        location: at(firstAlias?.index),
      }),
    ]);
  }
  const deep = pathDeeperThan(raw, MAX_DEPTH);
  if (deep) {
    throw new DrillErrors([new DrillError('EDRILLSCHEMA', `${formatFieldPath(deep)}: nested more than ${MAX_DEPTH} levels deep`, { details: 'no field of a drill nests this deep; flatten the structure', location: locate(deep) })]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DrillErrors([
      new DrillError('EDRILLSCHEMA', 'a drill file must be a YAML mapping', {
        details: 'start from drills/cold-start.yaml: apiVersion, kind: Drill, name, scenario, objectives, phases',
        location: at(0),
      }),
    ]);
  }
  const parsed = drillSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DrillErrors(parsed.error.issues.map((issue) => schemaIssueToError(issue, document, locate, at)));
  }
  return { file, spec: parsed.data, locate };
}

function schemaIssueToError(
  issue: z.core.$ZodIssue,
  document: Document,
  locate: (path: readonly (string | number)[]) => ErrorLocation,
  at: (offset: number | undefined, field?: string) => ErrorLocation,
): DrillError {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const keyNode = findKeyNode(document, path, key);
    const fieldPath = formatFieldPath([...path, key]);
    return new DrillError('EDRILLSCHEMA', `unknown field "${issue.keys.join('", "')}"`, {
      details: `remove it or check its spelling; the fields allowed here are listed in drills/schema.json`,
      location: keyNode ? at(keyNode.range?.[0], fieldPath) : { ...locate(path), field: fieldPath },
    });
  }
  const exists = document.hasIn(path);
  const location = locate(path);
  if (!exists && issue.code === 'invalid_type') {
    return new DrillError('EDRILLSCHEMA', `missing required field "${formatFieldPath(path)}"`, {
      details: `add it (${issue.message.replace(/^Invalid input: /, '')})`,
      location,
    });
  }
  return new DrillError('EDRILLSCHEMA', `${formatFieldPath(path) || 'drill'}: ${describeIssue(issue)}`, {
    details: fixFor(issue),
    location,
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `use one of: ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_type':
      return `give a value of type ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array' ? `list at least ${String(issue.minimum)} item(s)` : `use a value of at least ${String(issue.minimum)}`;
    case 'too_big':
      return `use a value of at most ${String(issue.maximum)}`;
    default:
      return 'see drills/schema.json for what this field accepts';
  }
}

/** The node at `path`, or the closest ancestor that exists (for missing fields). */
function nearestNode(document: Document, path: readonly (string | number)[]): Node | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (node && typeof node === 'object' && 'range' in node) return node as Node;
  }
  return document.contents ?? undefined;
}

function findKeyNode(document: Document, path: readonly (string | number)[], key: string): Node | undefined {
  const parent = path.length === 0 ? document.contents : document.getIn(path, true);
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

export function formatFieldPath(path: readonly (string | number | symbol)[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(String(part))}]`;
  }
  return text;
}

/** The path to the first value nested deeper than `limit`, found without recursion. */
function pathDeeperThan(value: unknown, limit: number): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (path.length > limit) return path.slice(0, limit + 1);
    const entries: [string | number, unknown][] = Array.isArray(current) ? current.map((item, index) => [index, item]) : Object.entries(current);
    for (const [key, child] of entries) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
