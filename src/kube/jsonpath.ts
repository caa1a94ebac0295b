/**
 * The JSONPath subset kubectl users write in waits: `.status.loadBalancer.ingress[0].ip`,
 * `{.status.phase}`, `.status.conditions[?(@.type=="Ready")].status`.
 */
export function evaluateJsonPath(object: unknown, expression: string): unknown {
  let path = expression.trim();
  if (path.startsWith('{') && path.endsWith('}')) path = path.slice(1, -1);
  if (path.startsWith('$')) path = path.slice(1);
  const tokens = tokenize(path, expression);
  let current: unknown = object;
  for (const token of tokens) {
    if (current === undefined || current === null) return undefined;
    if (token.type === 'field') current = (current as Record<string, unknown>)[token.name];
    else if (token.type === 'index') current = Array.isArray(current) ? current.at(token.index) : undefined;
    else current = Array.isArray(current) ? current.find((item) => String((item as Record<string, unknown>)?.[token.key]) === token.value) : undefined;
  }
  return current;
}

type Token = { type: 'field'; name: string } | { type: 'index'; index: number } | { type: 'filter'; key: string; value: string };

function tokenize(path: string, original: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\.([A-Za-z0-9_\-/\\.]+?)(?=\.|\[|$)|\[(-?\d+)\]|\[\?\(@\.([A-Za-z0-9_-]+)\s*==\s*["']([^"']*)["']\)\]|\[['"]([^'"]+)['"]\]/gy;
  let index = 0;
  while (index < path.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(path);
    if (!match) throw new Error(`unsupported JSONPath "${original}" at "${path.slice(index)}": use .field, [0], ['key'] or [?(@.key=="value")]`);
    if (match[1] !== undefined) tokens.push({ type: 'field', name: match[1].replace(/\\\./g, '.') });
    else if (match[2] !== undefined) tokens.push({ type: 'index', index: Number(match[2]) });
    else if (match[3] !== undefined) tokens.push({ type: 'filter', key: match[3], value: match[4] ?? '' });
    else tokens.push({ type: 'field', name: match[5]! });
    index = pattern.lastIndex;
  }
  return tokens;
}
