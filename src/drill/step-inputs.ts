/** A step's inputs checked against its kind's schema before the run, leaving what expressions decide to the run. */
import type { z } from 'zod';
import { DrillError } from '../util/errors.ts';
import { referencesIn } from './expressions.ts';
import { formatFieldPath, type LoadedDrill } from './load.ts';

export /**
 * Validate inputs as far as they are known before the run: problems at fields whose value holds
 * a `${steps...}` or `${run...}` expression are left to the run, where the value exists.
 */
function validateInputs(schema: z.ZodType, inputs: Record<string, unknown>, at: (string | number)[], locate: LoadedDrill['locate']): DrillError[] {
  const result = schema.safeParse(inputs);
  if (result.success) return [];
  return result.error.issues
    .filter((issue) => !hasExpressionAt(inputs, issue.path))
    .map((issue) => {
      const issuePath = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
      const fieldPath = [...at, ...issuePath];
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown input "${issue.keys.join('", "')}"`
          : issue.code === 'invalid_type' && getAt(inputs, issuePath) === undefined
            ? `missing required input "${formatFieldPath(issuePath)}"`
            : `${formatFieldPath(issuePath)}: ${issue.message.replace(/^Invalid input: /, '')}`;
      return new DrillError('EINPUT', message, {
        details: 'see `dr-drill kinds` for the inputs of each step kind',
        location: locate(issue.code === 'unrecognized_keys' ? [...fieldPath, issue.keys[0] ?? ''] : fieldPath),
      });
    });
}

function hasExpressionAt(inputs: unknown, issuePath: readonly PropertyKey[]): boolean {
  for (let length = issuePath.length; length >= 0; length--) {
    const value = getAt(inputs, issuePath.slice(0, length));
    if (typeof value === 'string') return referencesIn(value).length > 0;
    if (value !== undefined) return false;
  }
  return false;
}

function getAt(value: unknown, at: readonly PropertyKey[]): unknown {
  let current = value;
  for (const part of at) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

