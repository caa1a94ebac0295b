/**
 * `${...}` expressions in step inputs and variables:
 *   ${env.NAME}  ${env.NAME:-default}  ${vars.NAME}  ${steps.ID.outputs.KEY}
 *   ${run.id}  ${run.dir}  ${drill.dir}  ${drill.name}  ${target.kind}
 * A string that is exactly one expression takes the referenced value's type; `$${` is a
 * literal `${`.
 */
const EXPRESSION = /\$\$\{|\$\{\s*([A-Za-z_][\w.-]*)\s*(?::-([^}]*))?\}/g;
export const ROOTS = ['env', 'vars', 'steps', 'run', 'drill', 'target'] as const;

export interface Reference {
  /** e.g. ['steps', 'tf-apply', 'outputs', 'kubeconfig'] */
  path: string[];
  fallback: string | undefined;
  text: string;
}

export interface Scope {
  env: Record<string, string | undefined>;
  vars: Record<string, string>;
  steps: Record<string, { outputs: Record<string, unknown> }>;
  run: { id: string; dir: string };
  drill: { dir: string; name: string };
  target: { kind: string; [fact: string]: string };
}

export class UnresolvedReferenceError extends Error {
  readonly reference: Reference;
  constructor(reference: Reference, why: string) {
    super(`${reference.text}: ${why}`);
    this.name = 'UnresolvedReferenceError';
    this.reference = reference;
  }
}

export function referencesIn(value: unknown): Reference[] {
  const found: Reference[] = [];
  walkStrings(value, (text) => {
    for (const match of text.matchAll(EXPRESSION)) {
      if (match[0] === '$${') continue;
      found.push({ path: match[1]!.split('.'), fallback: match[2], text: match[0] });
    }
  });
  return found;
}

/**
 * What is wrong with the `${...}` in one string, if anything: an unclosed `${`, an empty `${}`,
 * or something that is not `root.name` (with an optional `:-default`). Such text would otherwise
 * pass through literally and change what a step does without a word.
 */
export function expressionProblems(text: string): string[] {
  const problems: string[] = [];
  for (let index = text.indexOf('${'); index !== -1; index = text.indexOf('${', index + 2)) {
    if (index > 0 && text[index - 1] === '$') continue;
    const end = text.indexOf('}', index);
    if (end === -1) {
      problems.push(`unclosed expression "${text.slice(index, index + 40)}": add the closing }`);
      break;
    }
    const body = text.slice(index + 2, end);
    if (body.trim() === '') problems.push('empty expression ${}: write ${env.X}, ${vars.X}, ${steps.<id>.outputs.<key>}, ...');
    else if (!/^\s*[A-Za-z_][\w.-]*\s*(?::-[^}]*)?$/.test(body)) problems.push(`malformed expression "\${${body}}": write \${root.name} or \${env.NAME:-default}`);
    else {
      const root = body.trim().split(/[.:\s]/)[0]!;
      if (!ROOTS.includes(root as (typeof ROOTS)[number])) problems.push(`unknown expression root "${root}" in "\${${body}}": use one of ${ROOTS.join(', ')}`);
    }
    index = end - 1;
  }
  return problems;
}

export function hasExpression(value: unknown): boolean {
  return referencesIn(value).length > 0;
}

/** Deep copy of `value` with every expression replaced; throws UnresolvedReferenceError. */
export function expand<T>(value: T, scope: Scope): T {
  return mapStrings(value, (text) => expandString(text, scope)) as T;
}

function expandString(text: string, scope: Scope): unknown {
  const whole = /^\$\{\s*([A-Za-z_][\w.-]*)\s*(?::-([^}]*))?\}$/.exec(text);
  if (whole) return resolve({ path: whole[1]!.split('.'), fallback: whole[2], text }, scope);
  return text.replace(EXPRESSION, (match, path: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = resolve({ path: path!.split('.'), fallback, text: match }, scope);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

export function resolve(reference: Reference, scope: Scope): unknown {
  const [root, ...rest] = reference.path;
  if (!ROOTS.includes(root as (typeof ROOTS)[number])) {
    throw new UnresolvedReferenceError(reference, `unknown root "${root}"; use one of ${ROOTS.join(', ')}`);
  }
  let current: unknown = scope[root as keyof Scope];
  for (const part of rest) {
    if (current === null || typeof current !== 'object' || !(part in current)) {
      current = undefined;
      break;
    }
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === '') {
    if (reference.fallback !== undefined) return reference.fallback;
    if (current === '') return current;
    throw new UnresolvedReferenceError(reference, missingWhy(reference));
  }
  return current;
}

function missingWhy(reference: Reference): string {
  const [root, name, third] = reference.path;
  switch (root) {
    case 'env':
      return `environment variable ${name} is not set; export it or give a default with \${env.${name}:-value}`;
    case 'vars':
      return `variable ${name} is not defined; add it under variables:`;
    case 'steps':
      return third === 'outputs'
        ? `step ${name} has no output "${reference.path.slice(3).join('.')}" (did it run and pass?)`
        : `write it as \${steps.${name}.outputs.<key>}`;
    default:
      return 'no such value';
  }
}

function walkStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((item) => walkStrings(item, visit));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => walkStrings(item, visit));
}

function mapStrings(value: unknown, map: (text: string) => unknown): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}
